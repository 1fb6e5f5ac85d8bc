"""JSON report: everything a scan found, as data."""

from __future__ import annotations

from typing import Any

import orjson

from wasec import __version__
from wasec.rules.registry import Rule


def rule_meta(r: Rule) -> dict[str, Any]:
    return {
        "id": r.id, "title": r.title, "severity": r.severity.value, "area": r.area, "types": list(r.types),
        "wa": list(r.wa), "cis": list(r.cis), "fsbp": list(r.fsbp), **({"cis_eks": list(r.cis_eks)} if r.cis_eks else {}), "help_uri": r.help_uri, "custom": r.custom,
    }


def document(result: Any, show_passed: bool = True) -> dict[str, Any]:
    findings = [f for f in result.findings if show_passed or f.status.value != "PASS"]
    used = {f.rule_id for f in findings}
    return {
        "tool": {"name": "wasec", "version": __version__},
        "scan": {
            "root": result.root,
            "started": result.started,
            "duration_seconds": round(result.duration, 3),
            "files": result.files,
            "resources": len(result.inventory),
            "rules": len(result.rules),
            **({"what": result.what} if getattr(result, "what", "") else {}),
        },
        "summary": summary(result),
        **({"unjudged": result.unjudged()} if hasattr(result, "unjudged") else {}),
        "findings": [f.to_dict() for f in findings],
        "problems": [{"file": p.file, "line": p.line, "message": p.message, "kind": p.kind} for p in result.problems],
        **({"coverage": result.coverage.to_dict()} if getattr(result, "coverage", None) is not None else {}),
        "rules": {r.id: rule_meta(r) for r in result.rules if r.id in used},
    }


def summary(result: Any) -> dict[str, Any]:
    from wasec.model.finding import Severity, Status

    fail = [f for f in result.findings if f.status is Status.FAIL]
    return {
        "fail": sum(1 for f in fail if f.suppressed is None),
        "suppressed": sum(1 for f in fail if f.suppressed is not None),
        "pass": sum(1 for f in result.findings if f.status is Status.PASS),
        "unknown": sum(1 for f in result.findings if f.status is Status.UNKNOWN),
        "by_severity": {s.value: sum(1 for f in fail if f.severity is s and f.suppressed is None) for s in Severity},
        "errors": sum(1 for p in result.problems if p.kind == "error"),
        "warnings": sum(1 for p in result.problems if p.kind == "warning"),
    }


def render(result: Any, show_passed: bool = False, **_: Any) -> str:
    return orjson.dumps(document(result, show_passed), option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode() + "\n"
