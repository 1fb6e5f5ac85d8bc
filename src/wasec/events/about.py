"""What each detection is, for people: ``wasec events list|show`` and ``wasec rules show event-…``."""

from __future__ import annotations

from typing import Any

from wasec.events.detections import REGISTRY, Detection
from wasec.events.mitre import TACTICS, tactics, technique
from wasec.model.finding import Severity


def lane(d: Detection) -> str:
    """"record" when one record decides; otherwise the kind of state it keeps (burst, sequence, baseline)."""
    return d.state.split(":", 1)[0].removeprefix("a ") if d.state else "record"


def listing(tactic: str | None = None) -> list[Detection]:
    """Every built-in detection, by severity then id; only those of a tactic (name or TA id) when given."""
    ds = sorted(REGISTRY.values(), key=lambda d: (-Severity.parse(d.severity).rank, d.id))
    if tactic is None:
        return ds
    name = TACTICS.get(tactic.upper(), tactic)
    if name.lower() not in {t.lower() for t in TACTICS.values()}:
        from wasec.errors import UsageError, did_you_mean

        raise UsageError(f"unknown tactic {tactic!r}{did_you_mean(tactic, list(TACTICS.values()))}; "
                         f"choose one of {', '.join(TACTICS.values())}")
    return [d for d in ds if name.lower() in (t.lower() for t in tactics(d.mitre))]


def find(detection_id: str) -> Detection:
    key = detection_id.removeprefix("event-")
    if key in REGISTRY:
        return REGISTRY[key]
    from wasec.errors import UsageError, did_you_mean

    raise UsageError(f"unknown detection {detection_id!r}{did_you_mean(key, list(REGISTRY))} (see `wasec events list`)")


def reads(d: Detection) -> str:
    if d.events == ("*",):
        what = "every record" + (f" holding {d.marker.decode()!r}" if d.marker else "")
    else:
        what = ", ".join(d.events)
    return what + (" (failed calls too)" if d.failures else "")


def describe(d: Detection) -> dict[str, Any]:
    return {"id": d.id, "rule_id": d.rule_id, "title": d.title, "severity": d.severity, "events": list(d.events),
            "failed_calls": d.failures, "mitre": list(d.mitre),
            "techniques": {t: (technique(t) or ("?", ()))[0] for t in d.mitre}, "tactics": tactics(d.mitre),
            "well_architected": list(d.wa), "lane": lane(d), "state": d.state or None, "response": d.playbook,
            "why": (d.check.__doc__ or "").strip() or None}


def render(d: Detection) -> str:
    from wasec.rules.catalog import best_practices

    bps = best_practices()
    lines = [f"{d.rule_id} · {d.severity} · CloudTrail detection", d.title, "",
             f"Reads: {reads(d)}",
             "Decides on: " + ("one record" if not d.state else f"several records — {d.state}. It keeps this state "
                                "for the run (or the warm Lambda), in record order: a run over a directory and "
                                "`--follow` file by file see the same sequence"),
             ""]
    doc = (d.check.__doc__ or "").strip()
    if doc:
        lines += ["Why it matters:", *[f"  {x.strip()}" for x in doc.splitlines() if x.strip()], ""]
    lines += ["How to respond:", f"  {d.playbook}", "", "MITRE ATT&CK:"]
    for t in d.mitre:
        name, tids = technique(t) or ("(not in wasec's table)", ())
        lines.append(f"  {t} {name} — {', '.join(TACTICS[x] for x in tids)}")
    lines += ["", "Well-Architected:"] + [f"  {bp}: {bps.get(bp, {}).get('title', '?')}" for bp in d.wa]
    return "\n".join(lines)


def by_tactic() -> dict[str, Any]:
    """MITRE ATT&CK coverage of the detections: each tactic with its techniques and the detections naming them."""
    out: dict[str, dict[str, list[str]]] = {name: {} for name in TACTICS.values()}
    for d in REGISTRY.values():
        for t in d.mitre:
            for tid in (technique(t) or ("", ()))[1]:
                out[TACTICS[tid]].setdefault(t, []).append(d.id)
    return {"framework": "mitre", "name": "MITRE ATT&CK tactics (CloudTrail detections)",
            "covered": sum(bool(v) for v in out.values()), "total": len(out),
            "tactics": [{"tactic": name, "techniques": [{"id": t, "name": (technique(t) or ("?", ()))[0],
                                                         "detections": sorted(ids)} for t, ids in sorted(v.items())]}
                        for name, v in out.items()]}
