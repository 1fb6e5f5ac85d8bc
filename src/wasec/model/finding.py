"""Findings: what a rule concluded about one resource, with the evidence and where it is."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    FAIL = "FAIL"
    PASS = "PASS"
    UNKNOWN = "UNKNOWN"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (one of: {names})") from None


_RANK = {Severity.CRITICAL: 5, Severity.HIGH: 4, Severity.MEDIUM: 3, Severity.LOW: 2, Severity.INFO: 1}


@dataclass(frozen=True, slots=True)
class Evidence:
    """The property that decided a finding: its canonical path, its value and where it is written."""

    path: str
    value: Any = None
    message: str = ""
    file: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Suppression:
    """Why a finding does not count: an inline ignore or a reviewed exception."""

    kind: str  # "inline" | "exception" | "baseline"
    reason: str
    owner: str | None = None
    expires: str | None = None
    source: str | None = None  # file:line of the ignore comment or the exceptions file


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    status: Status
    severity: Severity
    title: str
    resource_type: str
    resource_id: str
    message: str
    source: str  # terraform | terraform-plan | cloudformation | aws
    file: str | None = None
    line: int | None = None
    resource_line: int | None = None  # where the resource is declared in ``file``
    arn: str | None = None
    account: str | None = None
    region: str | None = None
    evidence: tuple[Evidence, ...] = ()
    fingerprint: str = ""
    impact: int = 0
    likelihood: int = 0
    suppressed: Suppression | None = None
    notes: tuple[str, ...] = field(default=())
    # secrets: how sure the detector is, and for history scans the commit that added the line
    risk_factors: tuple[str, ...] = ()  # why the impact and likelihood are what they are
    confidence: str | None = None
    commit: str | None = None
    commit_date: str | None = None
    # code: the root module the resource was evaluated from, when its file lies elsewhere (a module called from
    # several roots gives one finding per call, told apart by it)
    root: str | None = None

    @property
    def risk(self) -> int:
        return self.impact * self.likelihood

    @property
    def counts(self) -> bool:
        """A failing finding that no exception or baseline suppresses."""
        return self.status is Status.FAIL and self.suppressed is None

    def with_(self, **changes: Any) -> Finding:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        from wasec.model.values import to_plain

        d: dict[str, Any] = {
            "rule_id": self.rule_id,
            "status": self.status.value,
            "severity": self.severity.value,
            "title": self.title,
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "message": self.message,
            "source": self.source,
            "file": self.file,
            "line": self.line,
            "resource_line": self.resource_line,
            "arn": self.arn,
            "account": self.account,
            "region": self.region,
            "evidence": [
                {"path": e.path, "value": to_plain(e.value), "message": e.message, "file": e.file, "line": e.line}
                for e in self.evidence
            ],
            "fingerprint": self.fingerprint,
            "impact": self.impact,
            "likelihood": self.likelihood,
            "risk": self.risk,
            "suppressed": None,
        }
        if self.suppressed is not None:
            s = self.suppressed
            d["suppressed"] = {
                "kind": s.kind, "reason": s.reason, "owner": s.owner, "expires": s.expires, "source": s.source,
            }
        if self.notes:
            d["notes"] = list(self.notes)
        if self.risk_factors:
            d["risk_factors"] = list(self.risk_factors)
        for k in ("confidence", "commit", "commit_date", "root"):
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        return d


@dataclass(frozen=True, slots=True)
class Problem:
    """Input that could not be read or understood. Reported, never silently skipped."""

    file: str
    message: str
    line: int | None = None
    kind: str = "error"  # error | warning

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"

    @classmethod
    def internal(cls, file: str, error: BaseException, line: int | None = None, what: str = "reading it") -> Problem:
        """A wasec bug met while ``what``: this input is not assessed, the rest of the scan goes on."""
        text = str(error).splitlines()[0][:200] if str(error) else ""
        return cls(file, f"internal error while {what} ({type(error).__name__}{': ' + text if text else ''}); "
                         "this input is not assessed; please report it", line)
