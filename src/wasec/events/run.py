"""Records → detections → findings, in the shape every output already understands."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from wasec.events.detections import REGISTRY, Detection, dispatch, ident
from wasec.events.reader import Prefilter, ReadStats, place_text, read_at
from wasec.model.finding import Evidence, Finding, Problem, Severity, Status
from wasec.rules.registry import Rule

IMPACT = {"critical": 5, "high": 4, "medium": 3, "low": 2, "info": 1}


class Detector:
    """A set of detections (wasec's own, plus any Sigma rules) with its dispatch table."""

    def __init__(self, detections: Sequence[Detection] | None = None) -> None:
        self.detections = list(REGISTRY.values()) if detections is None else list(detections)
        self.table = dispatch(self.detections)
        self.star = self.table.get("*", [])

    def rules(self) -> list[Rule]:
        return [Rule(d.rule_id, d.title, Severity.parse(d.severity), ("AWS::CloudTrail::Event",), lambda r: None,
                     "detection", "exposure", d.wa, why=f"MITRE ATT&CK {', '.join(d.mitre) or '(none given)'}.",
                     fix=d.playbook, scope="live") for d in self.detections]

    def prefilter(self) -> Prefilter | None:
        """What a delivery file must hold to be worth parsing, or None when every file must be parsed."""
        if any(d.marker is None for d in self.star):
            return None
        return Prefilter(frozenset(e.encode() for e, ds in self.table.items() if e != "*" and ds),
                         frozenset(d.marker for d in self.star if d.marker and d.armed is None),
                         tuple((d.marker, d.armed) for d in self.star if d.marker and d.armed is not None))

    def run(self, records: Iterable[dict[str, Any]]) -> list[tuple[dict[str, Any], Finding]]:
        """(record, finding) for every detection that fires, in record order."""
        return self.run_at((None, "", r) for r in records)

    def run_at(self, located: Iterable[tuple[str | None, int | str, dict[str, Any]]],
               problems: list[Problem] | None = None) -> list[tuple[dict[str, Any], Finding]]:
        """The same over records that know where they were read (file, place): each finding names them.

        With ``problems``, a record a detection cannot judge (a field CloudTrail writes as an object holding a
        list, a number where text belongs) is a problem naming the file, the record and the detections, and
        the run goes on; without, the error is raised."""
        table, star = self.table, self.star
        out = []
        for path, place, r in located:
            name = r.get("eventName")
            failed: list[str] = []
            for d in (*(table[name.lower()] if isinstance(name, str) else ()), *star):
                if r.get("errorCode") and not d.failures:
                    continue
                try:
                    msg = d.check(r)
                except Exception as e:
                    if problems is None:
                        raise
                    failed.append(f"{d.id} ({type(e).__name__}: {e})")
                    continue
                if msg:
                    out.append((r, finding(d, r, msg, path, place)))
            if failed:
                assert problems is not None
                problems.append(Problem(path or "(records)", f"record {place_text(place) or '(the only one)'} is not "
                                        f"in CloudTrail's shape; not judged by {', '.join(failed[:3])}"
                                        + (f" and {len(failed) - 3} more" if len(failed) > 3 else "")))
        return out


@cache
def builtin() -> Detector:
    return Detector()


def finding(d: Detection, r: dict[str, Any], message: str, path: str | None = None, at: int | str = "") -> Finding:
    event_id = str(r.get("eventID") or "")
    sev = Severity.parse(d.severity)
    where = f"{r.get('eventSource')} {r.get('eventName')} at {r.get('eventTime')} from {r.get('sourceIPAddress')}"
    place = place_text(at)
    found = () if path is None else (Evidence("record", place or "(the whole file)", _jq(path, place), file=path),)
    line = int(place.split()[1]) if place.startswith("line ") else None
    return Finding(
        rule_id=d.rule_id, status=Status.FAIL, severity=sev, title=d.title, resource_type="AWS::CloudTrail::Event",
        resource_id=event_id or "(no event id)", message=f"{message} (event {event_id})" if event_id else message,
        source="cloudtrail",
        file=path, line=line,
        account=str(r.get("recipientAccountId") or ident(r).get("accountId") or "") or None,
        region=r.get("awsRegion"), evidence=(Evidence("event", where, d.playbook), *found),
        fingerprint=hashlib.sha256(f"{d.rule_id}|{event_id}".encode()).hexdigest()[:24],
        impact=IMPACT.get(d.severity, 3), likelihood=5, risk_factors=(f"{d.severity} severity", "it happened"),
    )


def _jq(path: str, place: str) -> str:
    """A command that prints the raw record."""
    if path == "-" or path.startswith(("eventbridge:", "invocation")):
        return f"{'standard input' if path == '-' else path}, {place or 'the only record'}"
    gz = path.endswith(".gz")
    cat = (f"aws s3 cp {path} -" + (" | zcat" if gz else "")) if path.startswith("s3://") else \
        (f"zcat {path}" if gz else f"cat {path}")
    if place.startswith("line "):
        _, n, *rest = place.split()
        return f"{cat} | sed -n {n}p" + (f" | jq '.{rest[0]}'" if rest else "")
    return f"{cat} | jq '.{place}'"


def detect(records: Iterable[dict[str, Any]]) -> list[Finding]:
    return [f for _, f in builtin().run(records)]


@dataclass
class EventsScan:
    findings: list[Finding]
    stats: ReadStats
    started: float
    duration: float
    rules: list[Rule] = field(default_factory=list)
    hits: list[tuple[dict[str, Any], Finding]] = field(default_factory=list)  # each finding with its record


def scan_events(paths: list[str], since: Any = None, until: Any = None, prefilter: bool = True,
                detector: Detector | None = None) -> EventsScan:
    from wasec.events.detections import reset_state

    reset_state()
    detector = detector or builtin()
    started = time.time()
    stats = ReadStats()
    hits = detector.run_at(read_at(paths, stats, detector.prefilter() if prefilter else None, since, until),
                           stats.problems)
    return EventsScan([f for _, f in hits], stats, started, time.time() - started, detector.rules(), hits)


def follow(paths: list[str], on_hits: Any, interval: float = 5.0, duration: float | None = None,
           since: Any = None, until: Any = None, detector: Detector | None = None) -> ReadStats:
    """Read the files under ``paths``, then every new one as it appears (CloudTrail delivers new files; it
    never appends), calling ``on_hits(list of (record, finding))`` after each file. Stops after ``duration``
    seconds, or never."""
    from wasec.events.detections import reset_state
    from wasec.events.reader import delivery_files, read_file

    reset_state()
    detector = detector or builtin()
    stats = ReadStats()
    seen: set[str] = set()
    prefilter = detector.prefilter()
    end = None if duration is None else time.monotonic() + duration
    while True:
        for path in delivery_files(paths, stats):
            if path in seen or path == "-":
                continue
            seen.add(path)
            hits = detector.run_at(read_file(path, stats, prefilter, since, until), stats.problems)
            if hits:
                on_hits(hits)
        if end is not None and time.monotonic() >= end:
            return stats
        time.sleep(interval if end is None else max(0.0, min(interval, end - time.monotonic())))
