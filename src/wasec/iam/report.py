"""One document, every question: validation, what it grants, how it escalates, who it lets in."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wasec.iam.analysis import Analysis, analyze, explain
from wasec.iam.exposure import Exposure, exposures
from wasec.iam.policy import Issue, Policy, parse
from wasec.iam.validate import validate


@dataclass
class Finding:
    severity: str  # critical | high | medium | low
    code: str
    message: str
    statements: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)


@dataclass
class Report:
    name: str
    kind: str
    policy: Policy
    issues: list[Issue]
    analysis: Analysis | None
    exposures: list[Exposure]
    findings: list[Finding]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "kind": self.kind,
            "findings": [{"severity": f.severity, "code": f.code, "message": f.message, "statements": f.statements,
                          "actions": f.actions} for f in self.findings],
            "issues": [{"severity": i.severity, "code": i.code, "path": i.path, "message": i.message} for i in self.issues],
        }


def guess_kind(policy: Policy) -> str:
    if not policy.has_principals:
        return "identity"
    acts = {a.lower() for s in policy.statements for a in (s.actions or ())}
    if acts and all(a.startswith("sts:assumerole") or a in ("sts:tagsession", "sts:setsourceidentity", "sts:setcontext")
                    for a in acts):
        return "trust"
    return "resource"


def unwrap(doc: Any) -> Any:
    """Accept what AWS tools print around a document (get-policy-version, get-role, CloudFormation-style)."""
    if isinstance(doc, dict):
        for path in (("PolicyVersion", "Document"), ("Role", "AssumeRolePolicyDocument"), ("PolicyDocument",),
                     ("Policy",)):
            cur: Any = doc
            for key in path:
                cur = cur.get(key) if isinstance(cur, dict) else None
            if cur is not None and "Statement" not in doc:
                return cur
    return doc


def report(doc: Any, name: str = "", kind: str = "auto", own_account: str = "",
           trusted: frozenset[str] = frozenset()) -> Report:
    """Analyze one document (raises PolicyError when it is not a policy)."""
    if isinstance(doc, str):
        import contextlib
        import json

        with contextlib.suppress(ValueError):  # parse() reports the position
            doc = json.loads(doc)
    policy = parse(unwrap(doc), name)
    if kind == "auto":
        kind = guess_kind(policy)
    issues = validate(policy, kind)
    findings: list[Finding] = []
    result = None
    if kind in ("identity", "boundary", "scp") or (kind == "resource" and not policy.has_principals):
        result = analyze(policy)
        findings = _identity_findings(result) if kind == "identity" else []
    found = exposures(policy, own_account, trusted, trust_policy=kind == "trust") if kind in ("resource", "trust") else []
    for e in found:
        sev = {"public": "critical", "open-federation": "critical", "cross-account": "high"}.get(e.kind, "medium")
        findings.append(Finding(sev, e.kind, e.detail, [e.statement.label]))
    for i in issues:
        if i.severity == "error":
            findings.append(Finding("low", f"invalid-{i.code}", f"{i.path}: {i.message}"))
        elif i.severity == "security":  # Access Analyzer's security warnings
            findings.append(Finding("medium", f"security-warning-{i.code}", f"{i.path}: {i.message}"))
    return Report(name, kind, policy, issues, result, found, findings)


def _identity_findings(a: Analysis) -> list[Finding]:
    out = []
    labels = sorted(s.label for s in a.grants.granting.values())
    if a.admin:
        out.append(Finding("critical", "admin-equivalent",
                           "grants every action on every resource (administrator access)", labels))
    elif a.admin_conditional:
        out.append(Finding("high", "admin-equivalent-conditional",
                           "grants every action on every resource when its conditions hold", labels))
    for e in a.escalations:
        stmts = sorted({s.label for act in e.actions for s in a.statements_granting(act)})
        cond = " (under a condition)" if e.conditional else ""
        out.append(Finding("high", f"privilege-escalation:{e.method.id}",
                           f"{e.method.title}: {e.method.how}{cond} — {explain(a, e)}", stmts, e.actions))
    if not a.admin:
        for code, sev, acts, what in (
                ("credential-exposure", "high", a.credential_exposure, "return or create credentials"),
                ("data-exfiltration", "medium", a.data_exfiltration, "read data"),
                ("resource-exposure", "medium", a.resource_exposure, "change who can access resources")):
            if acts:
                shown = ", ".join(acts[:6]) + (f" and {len(acts) - 6} more" if len(acts) > 6 else "")
                out.append(Finding(sev, code, f"on every resource, actions that {what}: {shown}", [], acts))
    return out
