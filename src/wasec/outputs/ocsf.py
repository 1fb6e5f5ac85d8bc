"""OCSF Compliance Finding events (class 2003), one per failing finding, as a JSON array.

Severity, the compliance status (fail), the control (the rule) with its Well-Architected, CIS and
FSBP mappings as standards and requirements, the resource, the remediation, and wasec's risk in
``unmapped``. Suppressed findings carry status Suppressed.
"""

from __future__ import annotations

from typing import Any

import orjson

from wasec import __version__
from wasec.model.finding import Finding, Severity, Status

OCSF_VERSION = "1.5.0"
SEVERITY_ID = {Severity.INFO: 1, Severity.LOW: 2, Severity.MEDIUM: 3, Severity.HIGH: 4, Severity.CRITICAL: 5}
CONFIDENCE_ID = {"low": 1, "medium": 2, "high": 3}


def event(f: Finding, rule: Any, time_ms: int) -> dict[str, Any]:
    standards, requirements = [], []
    for prefix, ids in (("AWS Well-Architected Security Pillar", getattr(rule, "wa", ())),
                        ("CIS AWS Foundations Benchmark", getattr(rule, "cis", ())),
                        ("AWS Foundational Security Best Practices", getattr(rule, "fsbp", ()))):
        if ids:
            standards.append(prefix)
            requirements += [f"{prefix} {i}" for i in ids]
    compliance: dict[str, Any] = {"control": f.rule_id, "status_id": 3, "desc": getattr(rule, "why", "") or f.title}
    if standards:
        compliance |= {"standards": standards, "requirements": requirements}
    resource: dict[str, Any] = {"uid": f.arn or f.resource_id, "type": f.resource_type, "name": f.resource_id}
    if f.region:
        resource["region"] = f.region
    out: dict[str, Any] = {
        "activity_id": 1,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": 2003,
        "class_name": "Compliance Finding",
        "type_uid": 200301,
        "type_name": "Compliance Finding: Create",
        "time": time_ms,
        "severity_id": SEVERITY_ID[f.severity],
        "severity": f.severity.value.capitalize() if f.severity is not Severity.INFO else "Informational",
        "status_id": 3 if f.suppressed else 1,
        "status": "Suppressed" if f.suppressed else "New",
        "message": f.message,
        "metadata": {"version": OCSF_VERSION, "product": {"name": "wasec", "vendor_name": "wasec", "version": __version__},
                     "uid": f.fingerprint},
        "finding_info": {"uid": f"wasec/{f.fingerprint}", "title": f.title, "desc": f.message, "types": [f.rule_id],
                         "created_time": time_ms},
        "compliance": compliance,
        "resources": [resource],
        "unmapped": {"risk": f.risk, "impact": f.impact, "likelihood": f.likelihood, "source": f.source,
                     **({"file": f.file, "line": f.line} if f.file else {})},
    }
    if getattr(rule, "fix", ""):
        out["remediation"] = {"desc": rule.fix}
    if f.confidence:
        out["confidence_id"] = CONFIDENCE_ID.get(f.confidence, 0)
        out["confidence"] = f.confidence.capitalize()
    if f.account:
        out["cloud"] = {"provider": "AWS", "account": {"uid": f.account}, **({"region": f.region} if f.region else {})}
    return out


def document(scan: Any) -> list[dict[str, Any]]:
    rules = {r.id: r for r in scan.rules}
    t = int(scan.started * 1000)
    return [event(f, rules.get(f.rule_id), t) for f in scan.findings if f.status is Status.FAIL]


def render(scan: Any, **_: Any) -> str:
    return orjson.dumps(document(scan), option=orjson.OPT_INDENT_2).decode() + "\n"
