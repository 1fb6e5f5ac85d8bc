"""What a live scan actually read: account × region × service, so "no finding" is never "not evaluated"."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

ASSESSED = "assessed"
PARTIAL = "partial"
NOT_ASSESSED = "not assessed"
_ORDER = {ASSESSED: 0, PARTIAL: 1, NOT_ASSESSED: 2}


@dataclass
class Cell:
    account: str
    region: str  # "global" for account-wide services
    service: str
    status: str = ASSESSED
    reasons: list[str] = field(default_factory=list)
    resources: int = 0

    def worsen(self, status: str, reason: str | None = None) -> None:
        if _ORDER[status] > _ORDER[self.status]:
            self.status = status
        if reason and reason not in self.reasons:
            self.reasons.append(reason)

    def to_dict(self) -> dict[str, Any]:
        return {"account": self.account, "region": self.region, "service": self.service, "status": self.status,
                "reasons": list(self.reasons), "resources": self.resources}


@dataclass
class Coverage:
    cells: dict[tuple[str, str, str], Cell] = field(default_factory=dict)
    requests: int = 0
    accounts: list[str] = field(default_factory=list)

    def cell(self, account: str, region: str, service: str) -> Cell:
        key = (account, region, service)
        c = self.cells.get(key)
        if c is None:
            c = self.cells[key] = Cell(account, region, service)
        return c

    def rows(self) -> list[Cell]:
        return sorted(self.cells.values(), key=lambda c: (c.account, c.region != "global", c.region, c.service))

    def counts(self) -> dict[str, int]:
        out = {ASSESSED: 0, PARTIAL: 0, NOT_ASSESSED: 0}
        for c in self.cells.values():
            out[c.status] += 1
        return out

    def gaps(self) -> list[Cell]:
        return [c for c in self.rows() if c.status != ASSESSED]

    def by_service(self) -> dict[str, dict[str, str]]:
        """service → region → status (one account's matrix, or the worst over accounts)."""
        out: dict[str, dict[str, str]] = defaultdict(dict)
        for c in self.rows():
            prev = out[c.service].get(c.region)
            if prev is None or _ORDER[c.status] > _ORDER[prev]:
                out[c.service][c.region] = c.status
        return dict(out)

    def to_dict(self) -> dict[str, Any]:
        return {"accounts": self.accounts, "requests": self.requests, "summary": self.counts(),
                "cells": [c.to_dict() for c in self.rows()]}
