"""One admission decision: an AdmissionReview v1 request in, its response and a log record out.

The object under review becomes the same canonical resource a manifest on disk does, and the same
rules judge it. The namespace's mode decides what a failing finding does, as Pod Security Admission's
labels do: ``enforce`` denies (failing findings at or above the threshold), ``warn`` admits and returns
the findings as warnings kubectl prints, ``audit`` admits and records them as audit annotations.
Exceptions (``.wasec/exceptions.yml``, by rule and resource id) are honoured in every mode.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from wasec.model.finding import Finding, Severity, Status
from wasec.model.resource import Inventory

MODES = ("enforce", "warn", "audit")
MODE_LABEL = "wasec.io/mode"


class BadReview(ValueError):
    """The request is not an AdmissionReview v1 this webhook can answer."""


@dataclass
class Policy:
    """What the webhook applies: rules by resource type, the threshold, the exceptions' configuration."""

    rules: list[Any]
    fail_on: Severity = Severity.HIGH
    config: Any = None
    root: str = "."
    by_type: dict[str, list[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for r in self.rules:
            for t in r.types:
                self.by_type.setdefault(t, []).append(r)


def _deciding(findings: list[Finding], fail_on: Severity) -> list[Finding]:
    return [f for f in findings if f.counts and f.severity.rank >= fail_on.rank]


def decide(review: Any, mode: str, policy: Policy) -> tuple[dict[str, Any], dict[str, Any]]:
    """(AdmissionReview response, JSON-lines log record) for one request."""
    started = time.perf_counter()
    if mode not in MODES:
        raise BadReview(f"unknown mode {mode!r} (one of: {', '.join(MODES)})")
    if not isinstance(review, dict) or review.get("kind") != "AdmissionReview" or not isinstance(review.get("request"), dict):
        raise BadReview("expected an AdmissionReview with a request")
    req = review["request"]
    uid = req.get("uid")
    if not isinstance(uid, str) or not uid:
        raise BadReview("the request has no uid")
    obj = req.get("object")
    findings: list[Finding] = []
    kind, user = req.get("kind"), req.get("userInfo")
    record: dict[str, Any] = {"uid": uid, "operation": req.get("operation"), "namespace": req.get("namespace"),
                              "kind": kind.get("kind") if isinstance(kind, dict) else None, "name": req.get("name"),
                              "mode": mode, "user": user.get("username") if isinstance(user, dict) else None}
    if isinstance(obj, dict) and req.get("operation") in ("CREATE", "UPDATE", None):
        findings = _judge(obj, req.get("namespace"), policy)
    failing = [f for f in findings if f.status is Status.FAIL]
    deciding = _deciding(failing, policy.fail_on)
    allowed = not (mode == "enforce" and deciding)
    response: dict[str, Any] = {"uid": uid, "allowed": allowed}
    lines = [f"{f.rule_id}: {f.message}" for f in failing if f.counts]
    if not allowed:
        response["status"] = {"code": 403, "reason": "Forbidden",
                              "message": f"wasec denied this {record['kind']}: " + "; ".join(
                                  f"{f.rule_id}: {f.message}" for f in deciding)}
    if mode == "warn" and lines:
        response["warnings"] = [f"wasec {x}"[:256] for x in lines]
    if mode == "audit" and lines:
        response["auditAnnotations"] = {"wasec.io/findings": "; ".join(lines)[:4096]}
    record.update({"allowed": allowed, "failing": [f.rule_id for f in failing if f.counts],
                   "excepted": [f.rule_id for f in failing if f.suppressed is not None],
                   "ms": round((time.perf_counter() - started) * 1000, 3)})
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response}, record


def _judge(obj: dict[str, Any], namespace: Any, policy: Policy) -> list[Finding]:
    from wasec.findings.exceptions import apply_exceptions
    from wasec.scanning import scan_inventory
    from wasec.sources.kubernetes import PREFIX, is_manifest, resource_of

    if not is_manifest(obj):
        raise BadReview("the request's object has no apiVersion and kind")
    if namespace and isinstance(obj.get("metadata"), dict) and not obj["metadata"].get("namespace"):
        obj = {**obj, "metadata": {**obj["metadata"], "namespace": namespace}}
    rules = policy.by_type.get(PREFIX + str(obj["kind"]), [])
    if not rules:
        return []
    resource = resource_of("admission", obj)
    findings = scan_inventory(Inventory([resource]), rules, policy.root, policy.config)
    if policy.config is not None:
        findings, _ = apply_exceptions(findings, policy.config, policy.root, inline=False)
    return findings
