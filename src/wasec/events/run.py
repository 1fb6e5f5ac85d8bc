"""Records → detections → findings, in the shape every output already understands."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from wasec.events.detections import REGISTRY, Detection, dispatch
from wasec.events.reader import ReadStats, read
from wasec.model.finding import Evidence, Finding, Severity, Status
from wasec.rules.registry import Rule

IMPACT = {"critical": 5, "high": 4, "medium": 3, "low": 2}


@cache
def rules() -> dict[str, Rule]:
    out = {}
    for d in REGISTRY.values():
        out[d.rule_id] = Rule(d.rule_id, d.title, Severity.parse(d.severity), ("AWS::CloudTrail::Event",), lambda r: None,
                              "detection", "exposure", d.wa, why=f"MITRE ATT&CK {', '.join(d.mitre)}.", fix=d.playbook,
                              scope="live")
    return out


def prefilter_names() -> frozenset[bytes]:
    """Byte strings one of which a delivery file must contain to hold anything a detection reads."""
    names = {e.encode() for e in dispatch() if e != "*"}
    if "*" in dispatch():
        names.add(b'"Root"')
    return frozenset(names)


def finding(d: Detection, r: dict[str, Any], message: str) -> Finding:
    event_id = str(r.get("eventID") or "")
    sev = Severity.parse(d.severity)
    where = f"{r.get('eventSource')} {r.get('eventName')} at {r.get('eventTime')} from {r.get('sourceIPAddress')}"
    return Finding(
        rule_id=d.rule_id, status=Status.FAIL, severity=sev, title=d.title, resource_type="AWS::CloudTrail::Event",
        resource_id=event_id or "(no event id)", message=f"{message} (event {event_id})", source="cloudtrail",
        account=str(r.get("recipientAccountId") or (r.get("userIdentity") or {}).get("accountId") or "") or None,
        region=r.get("awsRegion"), evidence=(Evidence("event", where, d.playbook),),
        fingerprint=hashlib.sha256(f"{d.rule_id}|{event_id}".encode()).hexdigest()[:24],
        impact=IMPACT.get(d.severity, 3), likelihood=5, risk_factors=(f"{d.severity} severity", "it happened"),
    )


def detect(records: Iterable[dict[str, Any]]) -> list[Finding]:
    return [f for _, f in detect_with_records(records)]


def detect_with_records(records: Iterable[dict[str, Any]]) -> list[tuple[dict[str, Any], Finding]]:
    """(record, finding) for every detection that fires, in record order."""
    table = dispatch()
    star = table.get("*", [])
    out = []
    for r in records:
        name = r.get("eventName")
        for d in (*(table.get(name, ()) if isinstance(name, str) else ()), *star):
            if r.get("errorCode") and not d.failures:
                continue
            msg = d.check(r)
            if msg:
                out.append((r, finding(d, r, msg)))
    return out


@dataclass
class EventsScan:
    findings: list[Finding]
    stats: ReadStats
    started: float
    duration: float
    rules: list[Rule] = field(default_factory=list)
    hits: list[tuple[dict[str, Any], Finding]] = field(default_factory=list)  # each finding with its record


def scan_events(paths: list[str], since: Any = None, until: Any = None, prefilter: bool = True) -> EventsScan:
    from wasec.events.detections import reset_state

    reset_state()
    started = time.time()
    stats = ReadStats()
    hits = detect_with_records(read(paths, stats, prefilter_names() if prefilter else None, since, until))
    return EventsScan([f for _, f in hits], stats, started, time.time() - started, list(rules().values()), hits)


def follow(paths: list[str], on_hits: Any, interval: float = 5.0, duration: float | None = None,
           since: Any = None, until: Any = None) -> ReadStats:
    """Read the files under ``paths``, then every new one as it appears (CloudTrail delivers new files; it
    never appends), calling ``on_hits(list of (record, finding))`` after each file. Stops after ``duration``
    seconds, or never."""
    from wasec.events.detections import reset_state
    from wasec.events.reader import _files, read_file

    reset_state()
    stats = ReadStats()
    seen: set[str] = set()
    names = prefilter_names()
    end = None if duration is None else time.monotonic() + duration
    while True:
        for path in _files(paths, stats):
            if path in seen or path == "-":
                continue
            seen.add(path)
            hits = detect_with_records(read_file(path, stats, names, since, until))
            if hits:
                on_hits(hits)
        if end is not None and time.monotonic() >= end:
            return stats
        time.sleep(interval if end is None else max(0.0, min(interval, end - time.monotonic())))
