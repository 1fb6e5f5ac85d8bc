"""SARIF 2.1.0 for GitHub code scanning and pull-request annotations.

Failing findings become results at the attribute's line; rule metadata carries the help text,
remediation snippets, mappings and a ``security-severity`` so code scanning ranks them. Suppressed
findings are kept with a ``suppressions`` entry (GitHub hides them but keeps the audit trail); input
problems become tool execution notifications.
"""

from __future__ import annotations

from typing import Any

import orjson

from wasec import __version__
from wasec.model.finding import Finding, Severity, Status
from wasec.rules.registry import AREAS, Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note",
          Severity.INFO: "note"}
_SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0",
                      Severity.INFO: "1.0"}


def _help_markdown(r: Rule) -> str:
    parts = [f"**{r.title}**", "", r.why]
    if r.fix:
        parts += ["", f"**Fix:** {r.fix}"]
    if r.fix_terraform:
        parts += ["", "Terraform:", "```hcl", r.fix_terraform, "```"]
    if r.fix_cloudformation:
        parts += ["", "CloudFormation:", "```yaml", r.fix_cloudformation, "```"]
    if r.fix_example:
        parts += ["", "Kubernetes:" if r.fix_example_lang == "yaml" else "Dockerfile:", f"```{r.fix_example_lang}",
                  r.fix_example, "```"]
    maps = []
    if r.wa:
        maps.append("Well-Architected " + ", ".join(r.wa))
    if r.cis:
        maps.append("CIS AWS Foundations " + ", ".join(r.cis))
    if r.fsbp:
        maps.append("AWS FSBP " + ", ".join(r.fsbp))
    if r.cis_eks:
        maps.append("CIS Amazon EKS " + ", ".join(r.cis_eks))
    if maps:
        parts += ["", "Mappings: " + "; ".join(maps)]
    return "\n".join(parts)


def rule_descriptor(r: Rule) -> dict[str, Any]:
    tags = ["security", AREAS[r.area].lower(), r.category, *r.wa, *(f"CIS-{c}" for c in r.cis), *(f"FSBP-{c}" for c in r.fsbp),
            *(f"CIS-EKS-{c}" for c in r.cis_eks)]
    return {
        "id": r.id,
        "name": "".join(w.capitalize() for w in r.id.split("-")),
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": r.why or r.title},
        "helpUri": r.help_uri,
        "help": {"text": f"{r.title}\n\n{r.why}\n\nFix: {r.fix}", "markdown": _help_markdown(r)},
        "defaultConfiguration": {"level": _LEVEL[r.severity]},
        "properties": {
            "tags": tags,
            "precision": "high",
            "problem.severity": "error" if r.severity.rank >= 4 else "warning" if r.severity.rank == 3 else "recommendation",
            "security-severity": _SECURITY_SEVERITY[r.severity],
        },
    }


def _location(f: Finding, file: str | None, line: int | None) -> dict[str, Any]:
    loc: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": {"uri": (file or "").replace("\\", "/"), "uriBaseId": "%SRCROOT%"}},
        "logicalLocations": [{"name": f.resource_id, "kind": "resource", "fullyQualifiedName": f"{f.resource_type}/{f.resource_id}"}],
    }
    if line:
        loc["physicalLocation"]["region"] = {"startLine": line}
    return loc


def result(f: Finding, index: int) -> dict[str, Any]:
    res: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": _LEVEL[f.severity],
        "message": {"text": f"{f.title}: {f.message} ({f.resource_type} {f.resource_id}"
                            f"{f', from root module {f.root}' if f.root else ''})"},
        "partialFingerprints": {"wasec/v1": f.fingerprint},
        "properties": {"severity": f.severity.value, "risk": f.risk, "impact": f.impact, "likelihood": f.likelihood,
                       "resource": f.resource_id, "resourceType": f.resource_type, "source": f.source},
    }
    if f.file:
        res["locations"] = [_location(f, f.file, f.line)]
        related = [e for e in f.evidence[1:] if e.file and e.line]
        if related:
            res["relatedLocations"] = [
                {**_location(f, e.file, e.line), "id": i + 1, "message": {"text": e.message or e.path}}
                for i, e in enumerate(related)
            ]
    elif f.arn:
        res["locations"] = [{"logicalLocations": [{"name": f.resource_id, "fullyQualifiedName": f.arn, "kind": "resource"}]}]
    if f.suppressed is not None:
        s = f.suppressed
        res["suppressions"] = [{
            "kind": "inSource" if s.kind == "inline" else "external",
            "status": "accepted",
            "justification": s.reason + (f" (owner {s.owner}, expires {s.expires})" if s.owner else ""),
        }]
    return res


def document(scan: Any) -> dict[str, Any]:
    fails = [f for f in scan.findings if f.status is Status.FAIL]
    used = sorted({f.rule_id for f in fails})
    rules = {r.id: r for r in scan.rules}
    index = {rid: i for i, rid in enumerate(used)}
    notifications = [
        {"level": "error" if p.kind == "error" else "warning", "message": {"text": p.message},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": p.file.replace("\\", "/")},
                                             **({"region": {"startLine": p.line}} if p.line else {})}}]}
        for p in scan.problems
    ]
    coverage = getattr(scan, "coverage", None)
    if coverage is not None:
        notifications += [
            {"level": "warning", "message": {"text": f"{c.status}: {c.service} in {c.account}/{c.region}: {'; '.join(c.reasons)}"}}
            for c in coverage.gaps()
        ]
    run_properties = {"coverage": coverage.to_dict()} if coverage is not None else {}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "wasec",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": "https://github.com/wasec/wasec",
                "rules": [rule_descriptor(rules[rid]) for rid in used if rid in rules],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": "file:///" + scan.root.replace("\\", "/").lstrip("/") + "/"}},
            "invocations": [{
                "executionSuccessful": not any(p.kind == "error" for p in scan.problems),
                "toolExecutionNotifications": notifications,
            }],
            "results": [result(f, index[f.rule_id]) for f in fails],
            **({"properties": run_properties} if run_properties else {}),
        }],
    }


def render(scan: Any, **_: Any) -> str:
    return orjson.dumps(document(scan), option=orjson.OPT_INDENT_2).decode() + "\n"
