"""The image vulnerability gate on Trivy and Grype reports and CycloneDX VEX, written to their documented formats."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wasec.cli.commands import cli

TRIVY = {
    "SchemaVersion": 2, "ArtifactName": "registry.example.com/shop/web:1.4.2", "ArtifactType": "container_image",
    "Results": [
        {"Target": "registry.example.com/shop/web:1.4.2 (debian 12.5)", "Class": "os-pkgs", "Type": "debian",
         "Vulnerabilities": [
             {"VulnerabilityID": "CVE-2024-3094", "PkgName": "xz-utils", "InstalledVersion": "5.6.0-0.2",
              "FixedVersion": "5.6.1+really5.4.5-1", "Severity": "CRITICAL", "Title": "xz: malicious code",
              "CVSS": {"nvd": {"V3Score": 10.0}}, "PkgIdentifier": {"PURL": "pkg:deb/debian/xz-utils@5.6.0-0.2?arch=amd64"}},
             {"VulnerabilityID": "CVE-2023-44487", "PkgName": "libnghttp2-14", "InstalledVersion": "1.52.0-1",
              "Severity": "HIGH", "CVSS": {"redhat": {"V3Score": 7.5}},
              "PkgIdentifier": {"PURL": "pkg:deb/debian/libnghttp2-14@1.52.0-1?arch=amd64"}},
             {"VulnerabilityID": "CVE-2023-1234", "PkgName": "zlib1g", "InstalledVersion": "1:1.2.13", "Severity": "LOW",
              "CVSS": {"nvd": {"V3Score": 3.1}}},
         ]},
        {"Target": "app/requirements.txt", "Class": "lang-pkgs", "Type": "pip"},  # nothing found there
    ],
}
GRYPE = {
    "matches": [
        {"vulnerability": {"id": "GHSA-jfh8-c2jp-5v3q", "severity": "Critical", "cvss": [],
                           "fix": {"versions": ["2.17.1"], "state": "fixed"}},
         "relatedVulnerabilities": [{"id": "CVE-2021-44228", "cvss": [
             {"version": "3.1", "metrics": {"baseScore": 10.0}}, {"version": "2.0", "metrics": {"baseScore": 9.3}}]}],
         "artifact": {"name": "log4j-core", "version": "2.14.1", "type": "java-archive",
                      "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}},
        {"vulnerability": {"id": "CVE-2022-40897", "severity": "Medium", "cvss": [
            {"version": "3.1", "metrics": {"baseScore": 5.9}}], "fix": {"versions": [], "state": "not-fixed"}},
         "artifact": {"name": "setuptools", "version": "65.5.0", "type": "python"}},
        {"vulnerability": {"id": "CVE-2025-0001", "severity": "High", "cvss": [], "fix": {"versions": []}},
         "artifact": {"name": "openssl", "version": "3.0.2", "type": "deb"}},  # no score: its severity decides
    ],
    "source": {"type": "image", "target": {"userInput": "registry.example.com/shop/api:2.0"}},
    "descriptor": {"name": "grype", "version": "0.80.0"},
}
VEX = {
    "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
    "vulnerabilities": [
        {"id": "CVE-2023-44487", "analysis": {"state": "not_affected", "justification": "code_not_reachable",
                                              "detail": "HTTP/2 is not exposed"},
         "affects": [{"ref": "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#pkg:deb/debian/libnghttp2-14@1.52.0-1"}]},
        {"id": "CVE-2024-3094", "analysis": {"state": "exploitable"}},  # a statement that does not excuse
    ],
}


def _write(tmp: Path, name: str, doc: Any) -> str:
    (tmp / name).write_text(json.dumps(doc))
    return name


def _run(tmp: Path, *args: str) -> tuple[int, dict[str, Any]]:
    import os

    cwd = os.getcwd()
    os.chdir(tmp)
    try:
        r = CliRunner().invoke(cli, ["images", *args, "-f", "json"])
    finally:
        os.chdir(cwd)
    return r.exit_code, json.loads(r.output) if r.output.strip().startswith("{") else {"output": r.output}


def _failing(out: dict[str, Any]) -> dict[str, str]:
    return {f["resource_id"].split("/")[0]: f["severity"] for f in out["findings"]
            if f["status"] == "FAIL" and f["suppressed"] is None}


def test_trivy_and_grype_reports_gate_on_the_threshold(tmp_path: Path) -> None:
    code, out = _run(tmp_path, _write(tmp_path, "trivy.json", TRIVY), _write(tmp_path, "grype.json", GRYPE))
    assert code == 1
    # GHSA named by its CVE with the v3 score of the related record; a severity stands in for a missing score
    assert _failing(out) == {"CVE-2024-3094": "critical", "CVE-2023-44487": "high", "CVE-2021-44228": "critical",
                             "CVE-2025-0001": "high"}
    log4j = next(f for f in out["findings"] if f["resource_id"].startswith("CVE-2021-44228"))
    assert log4j["resource_id"] == "CVE-2021-44228/log4j-core@2.14.1/registry.example.com/shop/api:2.0"
    assert "fixed in 2.17.1" in log4j["message"] and log4j["evidence"][0]["value"]["cvss"] == 10.0
    assert "6 vulnerabilities, 2 below CVSS 7" in out["scan"]["what"]
    code, out = _run(tmp_path, "trivy.json", "grype.json", "--cvss-threshold", "9.5")
    assert set(_failing(out)) == {"CVE-2024-3094", "CVE-2021-44228"}


def test_vex_and_exceptions_by_cve_with_expiry(tmp_path: Path) -> None:
    _write(tmp_path, "trivy.json", TRIVY)
    _write(tmp_path, "app.vex.json", VEX)
    (tmp_path / ".wasec").mkdir()
    today = dt.date.today()
    (tmp_path / ".wasec" / "exceptions.yml").write_text(
        "exceptions:\n"
        "  - rule: image-vulnerability\n    resource: CVE-2024-3094/*\n    justification: rebuilt tonight\n"
        f"    owner: platform@example.com\n    expires: {today + dt.timedelta(days=2)}\n")
    code, out = _run(tmp_path, "trivy.json", "--vex", "app.vex.json")
    assert code == 0 and _failing(out) == {}
    by_cve = {f["resource_id"].split("/")[0]: f["suppressed"] for f in out["findings"]}
    assert by_cve["CVE-2023-44487"]["kind"] == "vex" and "code_not_reachable" in by_cve["CVE-2023-44487"]["reason"]
    assert by_cve["CVE-2024-3094"]["kind"] == "exception" and by_cve["CVE-2024-3094"]["expires"]
    # expired: the exception stops counting and the finding says so
    (tmp_path / ".wasec" / "exceptions.yml").write_text(
        (tmp_path / ".wasec" / "exceptions.yml").read_text().replace(str(today + dt.timedelta(days=2)),
                                                                    str(today - dt.timedelta(days=1))))
    code, out = _run(tmp_path, "trivy.json", "--vex", "app.vex.json")
    assert code == 1 and _failing(out) == {"CVE-2024-3094": "critical"}
    assert any("expired" in n for f in out["findings"] for n in f.get("notes", []))


def test_sarif_and_history_work_on_the_gate(tmp_path: Path) -> None:
    import os

    _write(tmp_path, "trivy.json", TRIVY)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        r = CliRunner().invoke(cli, ["images", "trivy.json", "-f", "sarif", "-o", "images.sarif", "--save"])
    finally:
        os.chdir(cwd)
    assert r.exit_code == 1, r.output
    sarif = json.loads((tmp_path / "images.sarif").read_text())
    results = sarif["runs"][0]["results"]
    assert {x["ruleId"] for x in results} == {"image-vulnerability"} and len(results) == 3
    # what the gate lets through is listed, not failing (suppressed with the reason)
    below = [x for x in results if x.get("suppressions")]
    assert len(below) == 1 and "CVE-2023-1234" in below[0]["message"]["text"]
    assert (tmp_path / ".wasec" / "history.db").exists()


@pytest.mark.parametrize("content, message", [
    ("{not json", "not JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"hello": "world"}', "not a Trivy, Grype, CycloneDX or OpenVEX report"),
    # shapes that, read as empty, would let every image through the gate
    ('{"SchemaVersion": 2, "Results": {"Target": "x"}}', "Results must be a list, not dict"),
    ('{"SchemaVersion": 2, "Results": [{"Target": "x", "Vulnerabilities": "CVE-2024-3094"}]}',
     "Results[0].Vulnerabilities must be a list, not str"),
    ('{"matches": 3}', "matches must be a list, not int"),
    ('{"bomFormat": "CycloneDX", "vulnerabilities": [{"id": "CVE-1", "analysis": {"state": "not_affected"}, '
     '"affects": "everything"}]}', "vulnerabilities[0].affects must be a list, not str"),
])
def test_unreadable_reports_are_named_and_exit_2(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "bad.json").write_text(content)
    _write(tmp_path, "trivy.json", TRIVY)
    code, out = _run(tmp_path, "trivy.json", "bad.json")
    assert code == 2
    assert any(message in p["message"] and p["file"].endswith("bad.json") for p in out["problems"])
    assert _failing(out)  # the readable report is still gated


def test_usage_errors() -> None:
    r = CliRunner().invoke(cli, ["images"])
    assert r.exit_code == 2 and "--aws" in r.output


def test_an_inspector_ecr_image_is_named_as_ecr_names_it() -> None:
    from wasec.images.live import _ecr_image

    digest = "sha256:" + "a" * 64
    uri = f"111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/api@{digest}"
    by_details = {"type": "AWS_ECR_CONTAINER_IMAGE", "id": "opaque", "region": "eu-west-1",
                  "details": {"awsEcrContainerImage": {"registry": "111122223333", "repositoryName": "team/api",
                                                       "imageHash": digest}}}
    by_arn = {"type": "AWS_ECR_CONTAINER_IMAGE", "id": f"arn:aws:ecr:eu-west-1:111122223333:repository/team/api/{digest}"}
    china = {"type": "AWS_ECR_CONTAINER_IMAGE", "id": f"arn:aws-cn:ecr:cn-north-1:111122223333:repository/team/api/{digest}"}
    assert _ecr_image(by_details, "us-east-1") == _ecr_image(by_arn, "us-east-1") == uri
    assert _ecr_image(china, "cn-north-1") == f"111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/team/api@{digest}"
    assert _ecr_image({"type": "AWS_ECR_CONTAINER_IMAGE", "id": "not-an-arn"}, "us-east-1") == "not-an-arn"


def test_scores_that_are_not_numbers_leave_the_severity_to_decide(tmp_path: Path) -> None:
    doc = json.loads(json.dumps(TRIVY))
    xz = doc["Results"][0]["Vulnerabilities"][0]
    xz["CVSS"] = {"nvd": {"V3Score": "NaN"}, "ghsa": {"V3Score": True}}  # never below every threshold
    _write(tmp_path, "trivy.json", doc)
    code, out = _run(tmp_path, "trivy.json")
    assert code == 1 and _failing(out)["CVE-2024-3094"] == "critical"
