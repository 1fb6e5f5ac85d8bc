"""What the rules cover, per framework: every id of the catalog, the rules that check it, and the gaps.

So users can see for themselves which Well-Architected best practices, CIS AWS Foundations controls
and AWS FSBP controls a scan evidences, and which stay questions for the review.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from wasec.rules.catalog import best_practices, cis_controls, cis_version, fsbp_controls
from wasec.rules.registry import Rule

FRAMEWORKS = {"wa": "AWS Well-Architected Security Pillar best practices",
              "cis": "CIS AWS Foundations Benchmark",
              "fsbp": "AWS Foundational Security Best Practices"}


@dataclass
class Control:
    id: str
    title: str
    rules: list[str] = field(default_factory=list)
    automated: bool = True  # CIS marks some controls Manual: no tool can check them in full
    current: bool = True  # FSBP: in the standard today (the catalog also lists retired and other-standard ids)


@dataclass
class Coverage:
    framework: str
    name: str
    controls: list[Control]

    @property
    def scope(self) -> list[Control]:
        """The controls a tool can be asked to cover: automated CIS ones, current FSBP ones, every WA practice."""
        return [c for c in self.controls if c.automated and c.current]

    @property
    def covered(self) -> list[Control]:
        return [c for c in self.scope if c.rules]

    @property
    def missing(self) -> list[Control]:
        return [c for c in self.scope if not c.rules]

    def to_dict(self) -> dict[str, Any]:
        return {"framework": self.framework, "name": self.name, "in_scope": len(self.scope),
                "covered": len(self.covered), "controls": [
                    {"id": c.id, "title": c.title, "rules": c.rules, "automated": c.automated, "current": c.current}
                    for c in self.controls]}


def _sort_key(cid: str) -> tuple[Any, ...]:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in cid.replace("-BP", ".").replace("SEC", "").split("."))


def coverage(rules: Iterable[Rule], framework: str) -> Coverage:
    """Every control of ``framework`` (wa, cis, fsbp) with the ids of the rules that map to it."""
    if framework not in FRAMEWORKS:
        from wasec.errors import UsageError, did_you_mean

        raise UsageError(f"unknown framework {framework!r}{did_you_mean(framework, FRAMEWORKS)}: "
                         f"choose {', '.join(FRAMEWORKS)}")
    by_id: dict[str, list[str]] = {}
    for r in rules:
        for cid in getattr(r, framework):
            by_id.setdefault(cid, []).append(r.id)
    if framework == "wa":
        table = best_practices()
        controls = [Control(k, v["title"], sorted(by_id.get(k, []))) for k, v in table.items()]
        name = FRAMEWORKS["wa"]
    elif framework == "cis":
        table = cis_controls()
        controls = [Control(k, v["title"], sorted(by_id.get(k, [])), automated=v.get("assessment") != "Manual")
                    for k, v in table.items()]
        name = f"{FRAMEWORKS['cis']} v{cis_version()}"
    else:
        table = fsbp_controls()
        controls = [Control(k, v["title"], sorted(by_id.get(k, [])), current=bool(v.get("current", True)))
                    for k, v in table.items()]
        name = FRAMEWORKS["fsbp"]
    controls.sort(key=lambda c: _sort_key(c.id))
    return Coverage(framework, name, controls)
