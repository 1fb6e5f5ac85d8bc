"""Every built-in rule against real Terraform and CloudFormation files, through `wasec rules test --builtin`'s
own machinery: the cases ship with the package (``src/wasec/rules/cases/<area>.cases``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from wasec.rules import builtin_cases
from wasec.rules.registry import load_builtin
from wasec.rules.testing import check

CASES = builtin_cases.load()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule_id}/{c.name}" for c in CASES])
def test_rule_case(case) -> None:  # type: ignore[no-untyped-def]
    registry = load_builtin()
    assert case.rule_id in registry, f"{case.where}: unknown rule {case.rule_id}"
    outcome = check(registry.get(case.rule_id), case)
    assert outcome.ok, f"{case.where} ({case.rule_id} {case.name}, expect {case.expect}): got {outcome.got}"


def _languages(rule_types: tuple[str, ...]) -> set[str]:
    from wasec.sources.terraform.mapping import DATA_MAPPERS, MAPPERS

    # the Terraform Kubernetes provider writes the same objects as manifests: its mapping is proven once for every
    # rule by tests/test_terraform_kubernetes.py (same object, same failing rules), not case by case
    tf_types = {m.cfn_type for m in (*MAPPERS.values(), *DATA_MAPPERS.values())
                if not m.cfn_type.startswith("Kubernetes::")}
    langs = set()
    if any(t in tf_types for t in rule_types):
        langs.add("tf")
    if any(t.startswith("Kubernetes::") for t in rule_types):
        langs.add("k8s")
    if any(t.startswith("Docker::") for t in rule_types):
        langs.add("docker")
    if any(not t.startswith(("Wasec::", "Kubernetes::", "Docker::")) for t in rule_types):
        langs.add("cfn")
    return langs


def _language(c) -> str:  # type: ignore[no-untyped-def]
    if c.name.endswith((".tf", ".tf.json")):
        return "tf"
    if c.name.endswith(".dockerfile"):
        return "docker"
    return "k8s" if "apiVersion" in (c.content or "") and "AWSTemplateFormatVersion" not in (c.content or "") \
        and "Resources:" not in (c.content or "") else "cfn"


# rules whose failure one language cannot express: (rule, language) → why
CANNOT_FAIL = {("ssm-document-not-public", "cfn"): "CloudFormation has no property that shares a document",
               ("ssm-parameter-kms-cmk", "cfn"): "CloudFormation creates no SecureString parameter",
               ("globalaccelerator-flow-logs", "cfn"): "CloudFormation cannot set an accelerator's flow logs",
               ("waf-classic-logging", "cfn"): "CloudFormation cannot set a WAF Classic web ACL's logging"}


def test_every_rule_has_passing_and_failing_cases() -> None:
    registry = load_builtin()
    have: set[tuple[str, str, str]] = set()
    for c in CASES:
        have.add((c.rule_id, _language(c), c.expect))
    missing = []
    for r in registry:
        if r.scope == "live":
            continue  # facts only a live account shows: their cases run against the emulator (tests/live)
        for lang in sorted(_languages(r.types)):
            for kind in ("fail", "pass"):
                if (r.id, lang, kind) not in have and not (kind == "fail" and (r.id, lang) in CANNOT_FAIL):
                    missing.append(f"{r.id}: no {kind} case in {lang}")
    assert not missing, "\n".join(missing)


def test_rules_test_builtin_runs_them_from_the_command_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = subprocess.run([sys.executable, "-m", "wasec", "rules", "test", "--builtin", "--rules",
                        "s3-bucket-versioning,sg-admin-ports-open"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    n = sum(1 for c in CASES if c.rule_id in ("s3-bucket-versioning", "sg-admin-ports-open"))
    assert f"{n} of {n} case(s) as expected, 2 rule(s)" in r.stdout
    assert r.stdout.count("\nok   ") + r.stdout.startswith("ok   ") == n


def test_coverage_counts_what_the_rules_map_and_lists_the_gaps(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from wasec.rules.coverage import coverage

    registry = load_builtin()
    r = subprocess.run([sys.executable, "-m", "wasec", "rules", "coverage", "--format", "json"], capture_output=True,
                       text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    reports = {c["framework"]: c for c in json.loads(r.stdout)}
    assert set(reports) == {"wa", "cis", "fsbp", "mitre"}
    mitre = reports.pop("mitre")  # the CloudTrail detections by ATT&CK tactic
    tactics = {t["tactic"]: {x["id"]: x["detections"] for x in t["techniques"]} for t in mitre["tactics"]}
    assert "cloudtrail-stopped" in tactics["Defense Evasion"]["T1562.008"]
    assert "instance-credentials-outside-aws" in tactics["Credential Access"]["T1552.005"]
    assert mitre["covered"] == sum(bool(v) for v in tactics.values()) >= 10
    for fw, rep in reports.items():
        mapped = {cid for rule in registry if not rule.optional for cid in getattr(rule, fw)}  # as without --strict
        in_scope = [c for c in rep["controls"] if c["automated"] and c["current"]]
        assert rep["covered"] == sum(1 for c in in_scope if c["rules"]) == len(mapped & {c["id"] for c in in_scope})
        assert rep["covered"] == len(coverage([r for r in registry if not r.optional], fw).covered)
    assert reports["wa"]["in_scope"] == 63
    cis = {c["id"]: c for c in reports["cis"]["controls"]}
    assert cis["2.8"]["rules"] == ["iam-password-min-length"] and not cis["5.1"]["automated"]
    r = subprocess.run([sys.executable, "-m", "wasec", "rules", "coverage", "--framework", "cis", "--missing"],
                       capture_output=True, text=True, cwd=tmp_path)
    assert "✓" not in r.stdout and f"of {reports['cis']['in_scope']} covered" in r.stdout
