"""Outputs (valid SARIF, JSON, JUnit, text) and the CLI's contract: formats, files, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from tests.conftest import scan_paths
from wasec.outputs import render

SCHEMA = Path(__file__).parent / "data" / "schemas" / "sarif-2.1.0.json"
BAD = '''resource "aws_security_group" "open" {
  description = "ssh"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_sqs_queue" "q" { sqs_managed_sse_enabled = false }
'''


def wasec(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasec", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.fixture
def infra(write: Callable[..., Path]) -> Path:
    return write({"infra/main.tf": BAD, "infra/broken.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources: [\n"})


def test_sarif_is_valid_and_points_at_the_attribute(infra: Path) -> None:
    result = scan_paths(infra / "infra", root=infra)
    doc = json.loads(render("sarif", result))
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    run = doc["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    ssh = [r for r in run["results"] if r["ruleId"] == "sg-admin-ports-open"]
    assert ssh and ssh[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    assert ssh[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "infra/main.tf"
    meta = rules["sg-admin-ports-open"]
    assert meta["helpUri"] and "```hcl" in meta["help"]["markdown"] and meta["properties"]["security-severity"] == "8.0"
    assert "CIS-6.3" in meta["properties"]["tags"]
    assert ssh[0]["partialFingerprints"]["wasec/v1"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert any(n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("broken.yaml") for n in notes)
    assert run["invocations"][0]["executionSuccessful"] is False


def test_json_and_junit(infra: Path) -> None:
    result = scan_paths(infra / "infra", root=infra)
    doc = json.loads(render("json", result))
    assert doc["summary"]["fail"] >= 2 and doc["summary"]["errors"] == 1
    assert {f["status"] for f in doc["findings"]} <= {"FAIL", "UNKNOWN"}
    assert "sg-admin-ports-open" in doc["rules"]
    xml = ET.fromstring(render("junit", result))
    failures = xml.findall(".//failure")
    assert failures and int(xml.get("failures", "0")) == len(failures)
    assert xml.find(".//testsuite[@name='wasec.inputs']/testcase/error") is not None


def test_text_groups_by_area_with_a_summary(infra: Path) -> None:
    out = render("text", scan_paths(infra / "infra", root=infra))
    assert "Infrastructure protection" in out and "sg-admin-ports-open" in out
    assert "failing" in out.splitlines()[-1] and "1 input error" in out


def test_cli_exit_codes(write: Callable[..., Path]) -> None:
    clean = write({"clean/main.tf": 'resource "aws_vpc" "v" { cidr_block = "10.0.0.0/16" }\n'
                                    'resource "aws_flow_log" "f" {\n  vpc_id = aws_vpc.v.id\n  traffic_type = "ALL"\n}\n'})
    bad = write({"bad/main.tf": BAD})
    assert wasec("scan", str(clean / "clean")).returncode == 0
    assert wasec("scan", str(bad / "bad")).returncode == 1
    assert wasec("scan", str(bad / "bad"), "--fail-on", "critical").returncode == 0  # worst is high
    assert wasec("scan", str(bad / "bad"), "--fail-on", "high").returncode == 1
    broken = write({"broken/main.tf": "resource {\n"})
    r = wasec("scan", str(broken / "broken"))
    assert r.returncode == 2 and "broken/main.tf" in r.stdout
    r = wasec("scan", ".", "--format", "xml")
    assert r.returncode == 2 and "unknown format" in r.stderr
    r = wasec("scan", ".", "--rules", "no-such-rule")
    assert r.returncode == 2 and "unknown rule" in r.stderr


def test_cli_several_formats_to_a_directory(infra: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    r = wasec("scan", "infra", "--format", "text,json,sarif,junit,jsonl", "--output-dir", str(out), cwd=infra)
    assert r.returncode == 2  # the broken template
    assert {p.name for p in out.iterdir()} == {"wasec.txt", "wasec.json", "wasec.sarif", "wasec.xml", "wasec.jsonl"}
    doc = json.loads((out / "wasec.json").read_text())
    lines = [json.loads(x) for x in (out / "wasec.jsonl").read_text().splitlines()]
    assert [x["fingerprint"] for x in lines if x["type"] == "finding"] == [f["fingerprint"] for f in doc["findings"]]
    assert sum(x["type"] == "problem" for x in lines) == len(doc["problems"]) > 0
    assert "sg-admin-ports-open" in r.stdout  # text also goes to the terminal
    assert json.loads((out / "wasec.sarif").read_text())["version"] == "2.1.0"
    r = wasec("scan", "infra", "--format", "json,sarif", cwd=infra)
    assert r.returncode == 2 and "--output-dir" in r.stderr


def test_cli_rules_list_and_show() -> None:
    r = wasec("rules", "--format", "json")
    rules = json.loads(r.stdout)
    assert r.returncode == 0 and len(rules) >= 60
    r = wasec("rules", "show", "s3-bucket-policy-public")
    assert r.returncode == 0
    for words in ("Why it matters", "Terraform:", "CloudFormation:", "Well-Architected SEC03-BP07", "AWS FSBP S3.2"):
        assert words in r.stdout
    assert wasec("rules", "show", "nope").returncode == 2


def test_cli_version() -> None:
    r = wasec("--version")
    assert r.returncode == 0 and r.stdout.startswith("wasec ")
