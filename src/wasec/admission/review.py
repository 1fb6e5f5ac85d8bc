"""One admission decision: an AdmissionReview v1 request in, its response and a log record out.

The object under review becomes the same canonical resource a manifest on disk does, and the same
rules judge it. The request's :class:`~wasec.admission.levels.Levels` decide what a failing finding does,
as Pod Security Admission's labels do: at or above the enforce level it denies; below it (and at or above
the warn level) it comes back as a warning kubectl prints; at or above the audit level it is recorded as
an audit annotation. Requests from the control plane and objects in system namespaces are exempt.
Exceptions (``.wasec/exceptions.yml``, by rule and resource id) are honoured at every level.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from wasec.admission.levels import LOWEST, Exemptions, Levels
from wasec.model.finding import Finding, Severity, Status
from wasec.model.resource import Inventory

MAX_WARNINGS = 32  # the API server keeps a response's warnings short; the log keeps every one


class BadReview(ValueError):
    """The request is not an AdmissionReview v1 this webhook can answer."""


@dataclass
class Policy:
    """What the webhook applies: rules by resource type, the default levels, exemptions, exceptions."""

    rules: list[Any]
    fail_on: Severity = Severity.HIGH
    config: Any = None
    root: str = "."
    exempt: Exemptions = field(default_factory=Exemptions)
    by_type: dict[str, list[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for r in self.rules:
            for t in r.types:
                self.by_type.setdefault(t, []).append(r)


def _at_least(f: Finding, level: Severity | None) -> bool:
    return level is not None and f.severity.rank >= level.rank


def decide(review: Any, levels: Levels, policy: Policy) -> tuple[dict[str, Any], dict[str, Any]]:
    """(AdmissionReview response, JSON-lines log record) for one request."""
    started = time.perf_counter()
    if not isinstance(review, dict) or review.get("kind") != "AdmissionReview" or not isinstance(review.get("request"), dict):
        raise BadReview("expected an AdmissionReview with a request")
    req = review["request"]
    uid = req.get("uid")
    if not isinstance(uid, str) or not uid:
        raise BadReview("the request has no uid")
    obj = req.get("object")
    kind, user = req.get("kind"), req.get("userInfo")
    record: dict[str, Any] = {"uid": uid, "operation": req.get("operation"), "namespace": req.get("namespace"),
                              "kind": kind.get("kind") if isinstance(kind, dict) else None, "name": req.get("name"),
                              "subresource": req.get("subResource"), "mode": levels.mode,
                              "user": user.get("username") if isinstance(user, dict) else None}
    response: dict[str, Any] = {"uid": uid, "allowed": True}
    exempt = policy.exempt.why(req)
    if exempt is not None:
        record.update({"allowed": True, "exempt": exempt, "failing": [], "excepted": [],
                       "ms": round((time.perf_counter() - started) * 1000, 3)})
        return _review(response), record
    findings: list[Finding] = []
    if isinstance(obj, dict) and req.get("operation") in ("CREATE", "UPDATE", None):
        findings = _judge(obj, req.get("namespace"), policy)
    failing = [f for f in findings if f.status is Status.FAIL]
    counting = [f for f in failing if f.counts]
    deciding = [f for f in counting if _at_least(f, levels.enforce)]
    warn_from = levels.warn if levels.warn is not None else LOWEST if levels.enforce is not None else None
    warned = [f for f in counting if f not in deciding and _at_least(f, warn_from)]
    audited = [f for f in counting if _at_least(f, levels.audit)]
    if deciding:
        response["allowed"] = False
        response["status"] = {"code": 403, "reason": "Forbidden",
                              "message": f"wasec denied this {record['kind']}: " + "; ".join(
                                  f"{f.rule_id}: {f.message}" for f in deciding)}
    warnings = [*levels.notes, *(f"{f.rule_id} ({f.severity.value}): {f.message}" for f in warned)]
    if warnings:
        shown = [f"wasec {w}"[:256] for w in warnings[:MAX_WARNINGS]]
        if len(warnings) > MAX_WARNINGS:
            shown.append(f"wasec: and {len(warnings) - MAX_WARNINGS} more findings")
        response["warnings"] = shown
    if audited:
        response["auditAnnotations"] = {"wasec.io/findings": "; ".join(
            f"{f.rule_id} ({f.severity.value}): {f.message}" for f in audited)[:4096]}
    record.update({"allowed": response["allowed"], "failing": [f.rule_id for f in counting],
                   "denied_by": [f.rule_id for f in deciding], "warned": [f.rule_id for f in warned],
                   "excepted": [f.rule_id for f in failing if f.suppressed is not None],
                   "ms": round((time.perf_counter() - started) * 1000, 3)})
    return _review(response), record


def _review(response: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response}


def _judge(obj: dict[str, Any], namespace: Any, policy: Policy) -> list[Finding]:
    from wasec.findings.exceptions import apply_exceptions
    from wasec.scanning import scan_inventory
    from wasec.sources.kubernetes import PREFIX, is_manifest, resource_of

    if not is_manifest(obj):
        raise BadReview("the request's object has no apiVersion and kind")
    if namespace and isinstance(obj.get("metadata"), dict) and not obj["metadata"].get("namespace"):
        obj = {**obj, "metadata": {**obj["metadata"], "namespace": namespace}}
    # rules of what is written in code (a Secret committed to a repository) say nothing of an object being admitted
    rules = [r for r in policy.by_type.get(PREFIX + str(obj["kind"]), []) if r.scope != "code"]
    if not rules:
        return []
    inventory = Inventory([resource_of("admission", obj)])
    inventory.alone = "admission sees one object at a time: the objects deployed beside it are not known here"
    findings = scan_inventory(inventory, rules, policy.root, policy.config)
    if policy.config is not None:
        findings, _ = apply_exceptions(findings, policy.config, policy.root, inline=False)
    return findings
