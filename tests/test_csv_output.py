"""CSV output: one row per finding, every column a spreadsheet user needs, safe to open in Excel."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

from tests.test_outputs_and_cli import wasec


def _table(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")  # Excel reads the file as UTF-8 only with the mark
    assert "\r\n" in text
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def test_csv_rows_mappings_exceptions_and_formula_cells(write: Callable[..., Path]) -> None:
    future = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    root = write({
        "main.tf": '''
resource "aws_sqs_queue" "a" {
  name                    = "=HYPERLINK(\\"http://x\\",\\"click\\")"
  sqs_managed_sse_enabled = false
}
resource "aws_security_group" "open" {
  description = "ssh, from \\"anywhere\\"\\nsecond line"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
''',
        ".wasec/exceptions.yml": f"""exceptions:
  - rule: sqs-queue-encrypted
    resource: aws_sqs_queue.a
    justification: holds only public fixtures, for now
    owner: team@example.com
    expires: {future}
""",
    })
    r = wasec("scan", ".", "-f", "csv", "--no-secrets", "-o", "report.csv", cwd=root)
    assert r.returncode == 1, r.stderr
    rows = _table((root / "report.csv").read_bytes().decode())
    assert rows and set(rows[0]) >= {"rule_id", "severity", "risk", "resource", "file", "line", "account", "region",
                                     "well_architected", "status", "exception"}
    by_rule = {x["rule_id"]: x for x in rows}
    sg = by_rule["sg-admin-ports-open"]
    assert sg["status"] == "FAIL" and sg["severity"] == "high" and sg["file"] == "main.tf" and sg["line"].isdigit()
    assert "SEC05-BP02" in sg["well_architected"].split() and int(sg["risk"]) >= 1 and sg["risk_band"] in ("high", "medium", "low")
    queue = by_rule["sqs-queue-encrypted"]
    assert queue["exception"] == "exception" and queue["exception_reason"] == "holds only public fixtures, for now"
    assert queue["exception_owner"] == "team@example.com" and queue["exception_expires"] == future
    assert all(x["status"] != "PASS" for x in rows)
    wasec("scan", ".", "-f", "csv", "--no-secrets", "--show-passed", "-o", "all.csv", cwd=root)
    passed = _table((root / "all.csv").read_bytes().decode())
    assert any(x["status"] == "PASS" for x in passed) and len(passed) > len(rows)


def test_csv_cells_with_commas_quotes_and_newlines_round_trip() -> None:
    from wasec.outputs.csv_report import _cell, render

    assert _cell("=1+1") == "'=1+1" and _cell("-2") == "'-2" and _cell("@SUM(A1)") == "'@SUM(A1)" and _cell(3) == "3"

    from wasec.model.finding import Finding, Severity, Status

    class R:
        findings = [Finding(rule_id="s3-bucket-public-read", status=Status.FAIL, severity=Severity.HIGH, title="t",
                            resource_type="AWS::S3::Bucket", resource_id='=HYPERLINK("http://x","a, b")',
                            message='line one\nsays "quoted", then more', source="aws", account="111122223333")]
        rules: list[object] = []
        config = None

    (row,) = _table(render(R()))
    assert row["resource"] == '\'=HYPERLINK("http://x","a, b")'
    assert row["message"] == 'line one\nsays "quoted", then more' and row["account"] == "111122223333"
