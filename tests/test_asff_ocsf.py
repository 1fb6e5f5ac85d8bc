"""ASFF (validated against Security Hub's own API model, from botocore) and OCSF (against the OCSF models)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.secrets.tokens import Tokens
from tests.test_outputs_and_cli import BAD as OPEN_SSH_AND_QUEUE
from wasec.outputs import render

# the open security group and queue of the output tests, plus a bucket tagged restricted
BAD = OPEN_SSH_AND_QUEUE + '''resource "aws_s3_bucket" "data" {
  bucket = "acme-data"
  tags   = { DataClassification = "restricted" }
}
'''


@pytest.fixture
def result(tmp_path: Path) -> Any:
    (tmp_path / "main.tf").write_text(BAD)
    (tmp_path / "deploy.env").write_text("GITHUB_TOKEN=" + Tokens(21).value("github") + "\n")
    from wasec.scanning import ScanOptions, scan

    r = scan(ScanOptions(paths=[str(tmp_path)], root=str(tmp_path)))
    assert any(f.rule_id.startswith("secret-") for f in r.findings)
    return r


def test_asff_matches_security_hubs_api_model(result: Any) -> None:
    import botocore.session
    from botocore.validate import ParamValidator

    doc = json.loads(render("asff", result))
    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    report = ParamValidator().validate(doc, shape)
    assert not report.has_errors(), report.generate_report()
    failing = [f for f in result.findings if f.status.value == "FAIL"]
    assert len(doc["Findings"]) == len(failing) and len({f["Id"] for f in doc["Findings"]}) == len(failing)
    labels = {f["GeneratorId"].removeprefix("wasec/"): f["Severity"]["Label"] for f in doc["Findings"]}
    assert labels["secret-github-token"] == "CRITICAL"
    ssh = next(f for f in doc["Findings"] if f["Resources"][0]["Type"] == "AwsEc2SecurityGroup")
    assert ssh["Compliance"]["Status"] == "FAILED" and ssh["ProductFields"]["wasec/location"].startswith("main.tf:")
    assert all(r.startswith(("AWS Well-Architected", "CIS", "AWS FSBP")) for r in ssh["Compliance"]["RelatedRequirements"])


def test_ocsf_compliance_findings_match_the_ocsf_model(result: Any) -> None:
    from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding

    events = json.loads(render("ocsf", result))
    assert events and len(events) == sum(1 for f in result.findings if f.status.value == "FAIL")
    for e in events:
        model = ComplianceFinding.model_validate(e)
        # nothing the model does not know, nothing of the wrong type: the round trip gives the event back
        assert model.model_dump(mode="json", exclude_none=True) == e
        assert (e["class_uid"], e["type_uid"], e["compliance"]["status_id"]) == (2003, 200301, 3)
    secret = next(e for e in events if e["compliance"]["control"] == "secret-github-token")
    assert secret["severity_id"] == 5 and secret["confidence_id"] == 3
