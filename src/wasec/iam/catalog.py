"""The IAM action catalog: every action, its access level and resource types, and exact wildcard expansion.

Data: ``wasec/data/iam_actions.json`` (refreshed by ``tools/build_iam_catalog.py``). Actions are
addressed by their index in one sorted list, so a policy's grant is a set of small ints and
expanding ``s3:Get*`` twice costs one dictionary lookup.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

LEVEL_NAMES = {"L": "List", "R": "Read", "W": "Write", "P": "Permissions management", "T": "Tagging"}


@dataclass(frozen=True)
class Action:
    name: str  # canonical "service:Action"
    level: str  # L R W P T
    resource_types: tuple[str, ...]

    @property
    def service(self) -> str:
        return self.name.split(":", 1)[0]


class Catalog:
    def __init__(self, data: dict) -> None:
        self.source: str = data.get("source", "")
        self.services: dict[str, str] = {}
        self.resources: dict[str, dict[str, str]] = {}
        names: list[tuple[str, str, tuple[str, ...]]] = []
        for prefix, svc in data["services"].items():
            self.services[prefix] = svc["name"]
            self.resources[prefix] = svc["resources"]
            for action, spec in svc["actions"].items():
                level, _, types = spec.partition(" ")
                names.append((f"{prefix}:{action}", level, tuple(types.split()) if types else ()))
        names.sort(key=lambda t: t[0].lower())
        self.actions: list[Action] = [Action(n, lv, t) for n, lv, t in names]
        self.index: dict[str, int] = {a.name.lower(): i for i, a in enumerate(self.actions)}
        # per service: (first index, end index) into the sorted list
        self.spans: dict[str, tuple[int, int]] = {}
        for i, a in enumerate(self.actions):
            svc = a.service.lower()
            lo, _ = self.spans.get(svc, (i, i))
            self.spans[svc] = (lo, i + 1)
        self.all: frozenset[int] = frozenset(range(len(self.actions)))

    def __len__(self) -> int:
        return len(self.actions)

    def get(self, name: str) -> Action | None:
        i = self.index.get(name.lower())
        return None if i is None else self.actions[i]

    def known_service(self, prefix: str) -> bool:
        return prefix.lower() in self.spans

    @lru_cache(maxsize=65536)  # noqa: B019 - one catalog per process
    def expand(self, pattern: str) -> frozenset[int]:
        """Indices of the actions an IAM action pattern matches (``*``, ``s3:Get*``, ``iam:*Policy*``, ``s*:*``)."""
        p = pattern.strip().lower()
        if p == "*":
            return self.all
        svc, sep, act = p.partition(":")
        if not sep:
            return frozenset()
        if "*" not in p and "?" not in p:
            i = self.index.get(p)
            return frozenset() if i is None else frozenset((i,))
        services = [svc] if "*" not in svc and "?" not in svc else [
            s for s in self.spans if glob_regex(svc, case=True).fullmatch(s)]
        out: set[int] = set()
        rx = glob_regex(act, case=True)  # names are compared lower-cased
        for s in services:
            lo, hi = self.spans.get(s, (0, 0))
            if act == "*":
                out.update(range(lo, hi))
                continue
            plen = len(s) + 1
            out.update(i for i in range(lo, hi) if rx.fullmatch(self.actions[i].name[plen:].lower()))
        return frozenset(out)

    def names(self, indices: frozenset[int] | set[int]) -> list[str]:
        return sorted(self.actions[i].name for i in indices)

    def of_level(self, level: str) -> frozenset[int]:
        return self._levels()[level]

    @cache  # noqa: B019 - one catalog per process
    def _levels(self) -> dict[str, frozenset[int]]:
        out: dict[str, set[int]] = {k: set() for k in LEVEL_NAMES}
        for i, a in enumerate(self.actions):
            out[a.level].add(i)
        return {k: frozenset(v) for k, v in out.items()}

    def arn_patterns(self, action: str) -> list[str]:
        """The ARN patterns of the resource types an action accepts (empty: only ``*``)."""
        a = self.get(action)
        if a is None:
            return []
        table = self.resources.get(a.service, {})
        return [table[t] for t in a.resource_types if t in table]


@lru_cache(maxsize=16384)
def glob_regex(pattern: str, case: bool = False) -> re.Pattern[str]:
    """An IAM wildcard pattern (``*`` any run, ``?`` one character) as a regex to ``fullmatch``."""
    return re.compile(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), 0 if case else re.I)


@cache
def catalog() -> Catalog:
    text = resources.files("wasec").joinpath("data/iam_actions.json").read_text(encoding="utf-8")
    return Catalog(json.loads(text))


_ARN_VAR = re.compile(r"\\\$\\\{[^}]*\\\}")


@lru_cache(maxsize=4096)
def arn_regex(pattern: str) -> re.Pattern[str]:
    """A regex for the ARNs a catalog ARN pattern (``arn:${Partition}:s3:::${BucketName}``) describes."""
    rx = _ARN_VAR.sub(".*", re.escape(pattern))
    return re.compile(rx + r"\Z", re.I)
