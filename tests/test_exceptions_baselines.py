"""Exceptions (inline and reviewed), baselines, custom rules and the configuration file."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import scan_paths
from wasec.model.finding import Status

TF = '''resource "aws_sqs_queue" "a" { # wasec:ignore sqs-queue-encrypted test queue, no data
  sqs_managed_sse_enabled = false
}
resource "aws_sqs_queue" "b" {
  sqs_managed_sse_enabled = false # wasec:ignore sqs-queue-encrypted
}
resource "aws_sqs_queue" "c" {
  # wasec:ignore sqs-queue-encrypted   reviewed in SEC-123
  sqs_managed_sse_enabled = false
}
resource "aws_sqs_queue" "d" {
  sqs_managed_sse_enabled = false
}
'''


def _by_resource(result, rule: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {f.resource_id: f for f in result.findings if f.rule_id == rule}


def test_inline_ignores_need_a_reason(write: Callable[..., Path]) -> None:
    root = write({"main.tf": TF})
    result = scan_paths(root)
    f = _by_resource(result, "sqs-queue-encrypted")
    assert f["aws_sqs_queue.a"].suppressed.kind == "inline"  # type: ignore[attr-defined]
    assert f["aws_sqs_queue.a"].suppressed.reason == "test queue, no data"  # type: ignore[attr-defined]
    assert f["aws_sqs_queue.b"].suppressed is None  # type: ignore[attr-defined]  (no reason: refused)
    assert f["aws_sqs_queue.c"].suppressed is not None  # type: ignore[attr-defined]  (comment above the attribute)
    assert f["aws_sqs_queue.d"].counts  # type: ignore[attr-defined]
    refused = [p for p in result.problems if "refused" in p.message]
    assert refused and refused[0].line == 5


def test_yaml_inline_ignore(write: Callable[..., Path]) -> None:
    root = write({"t.yaml": "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n"
                            "      SqsManagedSseEnabled: false  # wasec:ignore sqs-queue-encrypted fixture for a demo\n"})
    (f,) = [x for x in scan_paths(root).findings if x.rule_id == "sqs-queue-encrypted"]
    assert f.status is Status.FAIL and f.suppressed is not None


def test_configuration_can_refuse_inline_ignores(write: Callable[..., Path]) -> None:
    root = write({"main.tf": TF, ".wasec/config.yml": "inline_ignores: false\n"})
    result = scan_paths(root)
    assert all(f.suppressed is None for f in result.findings)
    assert any("disabled by configuration" in p.message for p in result.problems)


def test_exceptions_file_valid_refused_and_expired(write: Callable[..., Path]) -> None:
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    root = write({
        "main.tf": TF.replace("# wasec:ignore", "#"),
        ".wasec/exceptions.yml": f"""exceptions:
  - rule: sqs-queue-encrypted
    resource: aws_sqs_queue.a
    justification: holds only public fixtures
    owner: team@example.com
    expires: {future}
  - rule: sqs-queue-encrypted
    resource: aws_sqs_queue.b
    justification: migration window
    owner: team@example.com
    expires: 2020-01-01
  - rule: sqs-queue-encrypted
    resource: aws_sqs_queue.*
    owner: team@example.com
    expires: {future}
""",
    })
    result = scan_paths(root)
    f = _by_resource(result, "sqs-queue-encrypted")
    a, b = f["aws_sqs_queue.a"], f["aws_sqs_queue.b"]
    assert a.suppressed.kind == "exception" and a.suppressed.owner == "team@example.com"  # type: ignore[attr-defined]
    assert b.suppressed is None and "expired on 2020-01-01" in b.notes[0]  # type: ignore[attr-defined]
    assert f["aws_sqs_queue.c"].suppressed is None  # type: ignore[attr-defined]  (third entry refused)
    assert any("refused: missing justification" in p.message for p in result.problems)


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasec", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_baseline_fails_only_on_new_findings_and_survives_line_moves(write: Callable[..., Path]) -> None:
    root = write({"infra/main.tf": 'resource "aws_sqs_queue" "old" { sqs_managed_sse_enabled = false }\n'})
    r = _run("baseline", "write", "infra", "--baseline-file", "base.json", cwd=root)
    assert r.returncode == 0 and "finding" in r.stdout
    assert json.loads((root / "base.json").read_text())["version"] == 1
    # reformat and move the old resource: still baselined
    (root / "infra/main.tf").write_text('\n\n# moved\nresource "aws_sqs_queue" "old" {\n  sqs_managed_sse_enabled = false\n}\n')
    assert _run("scan", "infra", "--baseline", "base.json", cwd=root).returncode == 0
    with open(root / "infra/main.tf", "a") as fh:
        fh.write('resource "aws_sqs_queue" "new" { sqs_managed_sse_enabled = false }\n')
    r = _run("scan", "infra", "--baseline", "base.json", "--format", "json", cwd=root)
    assert r.returncode == 1
    failing = [f["resource_id"] for f in json.loads(r.stdout)["findings"] if f["status"] == "FAIL" and not f["suppressed"]]
    assert failing and set(failing) == {"aws_sqs_queue.new"}
    (root / "bad.json").write_text("{}")
    r = _run("scan", "infra", "--baseline", "bad.json", cwd=root)
    assert r.returncode == 2 and "not a wasec baseline" in r.stderr


def test_custom_yaml_rules_run_on_code(write: Callable[..., Path]) -> None:
    root = write({
        ".wasec/rules/owner.yml": """id: acme-bucket-owner-tag
title: Buckets carry an Owner tag and an acme- name
severity: medium
types: [AWS::S3::Bucket]
wa: [SEC07-BP01]
message: missing Owner tag or wrong name
check:
  all:
    - {path: Tags, exists: true}
    - any:
        - {path: BucketName, matches: "^acme-"}
""",
        "main.tf": 'resource "aws_s3_bucket" "good" {\n  bucket = "acme-data"\n  tags = { Owner = "me" }\n}\n'
                   'resource "aws_s3_bucket" "bad" { bucket = "data" }\n',
        "t.yaml": "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: acme-x, Tags: [{Key: Owner, Value: me}]}\n",
    })
    result = scan_paths(root)
    got = {f.resource_id: f.status.value for f in result.findings if f.rule_id == "acme-bucket-owner-tag"}
    assert got == {"aws_s3_bucket.good": "PASS", "aws_s3_bucket.bad": "FAIL", "B": "PASS"}


def test_invalid_custom_rule_is_a_usage_error(write: Callable[..., Path]) -> None:
    root = write({".wasec/rules/bad.yml": "id: x\ntitle: t\nseverity: loud\ntypes: [AWS::S3::Bucket]\ncheck: {path: A, exists: true}\n",
                  "main.tf": 'resource "aws_sqs_queue" "q" {}\n'})
    r = _run("scan", ".", cwd=root)
    assert r.returncode == 2 and "bad.yml" in r.stderr and "severity" in r.stderr


def test_rule_options_from_configuration(write: Callable[..., Path]) -> None:
    sg = ('resource "aws_security_group" "s" {\n  description = "d"\n  ingress {\n    from_port = 8443\n'
          '    to_port = 8443\n    protocol = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n')
    root = write({"main.tf": sg})
    assert [f.status.value for f in scan_paths(root).findings if f.rule_id == "sg-unrestricted-ingress"] == ["FAIL"]
    (root / ".wasec").mkdir()
    (root / ".wasec/config.yml").write_text("rules:\n  sg-unrestricted-ingress: {authorized_ports: [443, 8443]}\n")
    assert [f.status.value for f in scan_paths(root).findings if f.rule_id == "sg-unrestricted-ingress"] == ["PASS"]
