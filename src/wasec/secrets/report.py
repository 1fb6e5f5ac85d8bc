"""Secrets scan → findings in the shape every output, exception and baseline already understands.

A secret finding is a failing finding of rule ``secret-<detector>`` on resource ``file`` (its path),
with the redacted value as evidence, the detector's confidence and reason, and for history scans
the commit and its author date. The fingerprint hashes the rule, the path and the value: it
survives line moves, and it never reveals the value.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

from wasec.model.finding import Evidence, Finding, Severity, Status
from wasec.rules.registry import Rule
from wasec.secrets.detectors import DETECTORS
from wasec.secrets.engine import GENERIC_TITLES, title_of
from wasec.secrets.scan import Located, SecretsScan

WA = ("SEC02-BP03", "SEC02-BP05")  # store and use secrets securely; audit and rotate credentials
FIX = ("Revoke or rotate the credential now (it is in the history even once the line is gone), then read it at run "
       "time from a secrets manager (AWS Secrets Manager, SSM Parameter Store SecureString) or an environment "
       "variable set by the deployment, or keep it encrypted in git with sops.")
IMPACT = {"critical": 5, "high": 4, "medium": 3, "low": 2}


def _none(*_: Any) -> None:
    return None


@cache
def rules() -> dict[str, Rule]:
    """One rule per detector, for rule listings, SARIF descriptors and exceptions."""
    out = {}
    for d in DETECTORS:
        out[d.rule_id] = Rule(d.rule_id, f"No {d.title} in the repository", Severity.parse(d.severity), ("file",), _none,
                              "identity", "secret", WA, why=f"The value is {d.why}. Anyone who can read the "
                              "repository, a fork, a CI log or a backup of it can use it.", fix=FIX, scope="code")
    for did, (title, sev) in GENERIC_TITLES.items():
        rid = f"secret-{did}"
        out[rid] = Rule(rid, f"No {title.lower()} in the repository", Severity.parse(sev), ("file",), _none, "identity",
                        "secret", WA, why="A credential written into code or configuration is readable by everyone "
                        "who can read the repository and stays in its history.", fix=FIX, scope="code")
    return out


def fingerprint(rule_id: str, path: str, digest: str) -> str:
    return hashlib.sha256(f"{rule_id}\0{path}\0{digest}".encode()).hexdigest()[:32]


def finding(loc: Located, source: str = "secrets") -> Finding:
    h = loc.hit
    rule = rules()[f"secret-{h.detector}"]
    where = f" in commit {loc.commit[:12]} ({loc.date})" if loc.commit else ""
    return Finding(
        rule_id=rule.id, status=Status.FAIL, severity=rule.severity, title=title_of(h.detector)[0],
        resource_type="file", resource_id=loc.path,
        message=f"{h.why} ({h.redacted}){where}; confidence {h.confidence}",
        source=source, file=loc.path, line=h.line, resource_line=h.line,
        evidence=(Evidence("secret", h.redacted, h.why, loc.path, h.line),),
        fingerprint=fingerprint(rule.id, loc.path, h.digest),
        impact=IMPACT.get(rule.severity.value, 3), likelihood=5 if h.confidence == "high" else 4,
        confidence=h.confidence, commit=loc.commit, commit_date=loc.date,
    )


def findings(scan: SecretsScan) -> list[Finding]:
    out = [finding(loc, "git-history" if scan.mode == "history" else "secrets") for loc in scan.located]
    out.sort(key=lambda f: (-f.severity.rank, f.file or "", f.line or 0, f.commit or ""))
    return out
