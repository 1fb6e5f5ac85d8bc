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

from wasec import data as files

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
        # condition keys: each service's own (lower-cased), and per action those its request can carry
        self.service_keys: dict[str, tuple[str, ...]] = {}
        carried: dict[str, frozenset[str]] = {}
        for prefix, svc in data["services"].items():
            self.services[prefix] = svc["name"]
            self.resources[prefix] = svc["resources"]
            keys = tuple(k.lower() for k in svc.get("keys", ()))
            self.service_keys[prefix.lower()] = keys
            for action, spec in svc["actions"].items():
                spec, _, ids = spec.partition(" ~")
                level, _, types = spec.partition(" ")
                names.append((f"{prefix}:{action}", level, tuple(types.split()) if types else ()))
                if ids:
                    carried[f"{prefix}:{action}".lower()] = frozenset(keys[int(i)] for i in ids.split(","))
        names.sort(key=lambda t: t[0].lower())
        self.actions: list[Action] = [Action(n, lv, t) for n, lv, t in names]
        self.index: dict[str, int] = {a.name.lower(): i for i, a in enumerate(self.actions)}
        self._carried: dict[int, frozenset[str]] = {self.index[n]: k for n, k in carried.items()}
        # per service: (first index, end index) into the sorted list
        self.spans: dict[str, tuple[int, int]] = {}
        for i, a in enumerate(self.actions):
            svc = a.service.lower()
            lo, _ = self.spans.get(svc, (i, i))
            self.spans[svc] = (lo, i + 1)
        self.all: frozenset[int] = frozenset(range(len(self.actions)))
        self._fitting: dict[str, frozenset[int]] = {}
        self._templates: dict[str, list[tuple[str, ...]]] = {}
        self._by_arn_service: dict[str, list[tuple[tuple[str, ...], frozenset[int]]]] | None = None

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

    def never_carries(self, action: int, key: str) -> bool:
        """Whether a request for ``action`` can never carry the condition key ``key``: a key of the action's own
        service that the Service Authorization Reference lists for other actions only. A global key (``aws:``),
        another service's key or one the catalog does not know might be carried: False."""
        k = key.lower()
        service, sep, _ = k.partition(":")
        if not sep or service == "aws" or service != self.actions[action].service.lower():
            return False
        known = self.service_keys.get(service, ())
        if not any(_key_match(t, k) for t in known):
            return False  # a key the catalog does not know (newer than it, or misspelt): not decided here
        return not any(_key_match(t, k) for t in self._carried.get(action, ()))

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


    def arn_templates(self, service: str) -> list[tuple[str, ...]]:
        """A service's resource ARN formats as their six fields, policy variables read as ``*`` (computed once)."""
        got = self._templates.get(service)
        if got is None:
            got = self._templates[service] = [_arn_fields(p) for p in self.resources.get(service, {}).values()
                                              if _VAR.sub("*", p).count(":") >= 5]
        return got

    def fitting(self, resource: str) -> frozenset[int]:
        """The actions a Resource pattern can reach: those with a resource type it could name.

        ``arn:aws:glue:*:*:table/*`` reaches ``glue:GetTable`` but not ``glue:UpdateDevEndpoint``; an action
        without resource types is reached only by ``*``. A value that is not an ARN reaches everything (it is
        a reference wasec could not resolve, judged conservatively).
        """
        hit = self._fitting.get(resource)
        if hit is None:
            hit = self._fitting[resource] = self._reach(resource)
        return hit

    def _reach(self, resource: str) -> frozenset[int]:
        if resource == "*" or not resource.startswith("arn:"):
            return self.all
        fields = _arn_fields(resource)
        if self._by_arn_service is None:
            self._by_arn_service = self._index_patterns()
        service = fields[2].lower()
        if "*" in service or "?" in service:
            candidates = [x for v in self._by_arn_service.values() for x in v]
        else:  # the service's own patterns, those of a ${Vendor} service field, and a renamed service's
            candidates = [x for svc in (service, "*", ARN_ALIASES.get(service)) if svc
                          for x in self._by_arn_service.get(svc, [])]
            fields = (*fields[:2], "*", *fields[3:])  # the service is settled by the choice of candidates
        out: set[int] = set()
        for pattern, indices in candidates:
            if all(globs_intersect(a, b) for a, b in zip(fields, pattern, strict=True)):
                out |= indices
        return frozenset(out)

    def _index_patterns(self) -> dict[str, list[tuple[tuple[str, ...], frozenset[int]]]]:
        by_pattern: dict[str, set[int]] = {}
        for i, a in enumerate(self.actions):
            table = self.resources.get(a.service, {})
            for t in a.resource_types:
                if t in table:
                    by_pattern.setdefault(table[t], set()).add(i)
        out: dict[str, list[tuple[tuple[str, ...], frozenset[int]]]] = {}
        for pattern, indices in by_pattern.items():
            fields = _arn_fields(_VAR.sub("*", pattern))
            out.setdefault(fields[2].lower(), []).append((fields, frozenset(indices)))
        return out


_VAR = re.compile(r"\$\{[^}]*\}")


def _key_match(template: str, key: str) -> bool:
    """A catalog condition key (``s3:ExistingObjectTag/${TagKey}``, lower-cased) against a policy's key."""
    if "${" not in template:
        return template == key
    head = template.split("${", 1)[0]
    return key.startswith(head) and len(key) > len(head)
# services renamed after their ARNs were catalogued: the new ARNs name the same resources
ARN_ALIASES = {"codeconnections": "codestar-connections"}
_WILD = re.compile(r"[*?]")


def _arn_fields(arn: str) -> tuple[str, ...]:
    """arn, partition, service, region, account, resource: policy variables read as ``*``."""
    parts = _VAR.sub("*", arn).split(":", 5)
    return tuple(parts + [""] * (6 - len(parts)))


@lru_cache(maxsize=65536)
def globs_intersect(a: str, b: str) -> bool:
    """Whether two IAM wildcard patterns (``*``, ``?``) match at least one common string (case-insensitive)."""
    a, b = a.lower(), b.lower()
    if a == b or a == "*" or b == "*":
        return True
    wild_a, wild_b = "*" in a or "?" in a, "*" in b or "?" in b
    if not wild_a or not wild_b:  # one side is a plain string: match it
        return a == b if not (wild_a or wild_b) else bool(glob_regex(b if wild_b else a).fullmatch(a if wild_b else b))
    # cheap refusals: the literal heads, and the literal tails, must agree
    ha, hb = _WILD.split(a, maxsplit=1)[0], _WILD.split(b, maxsplit=1)[0]
    n = min(len(ha), len(hb))
    if ha[:n] != hb[:n]:
        return False
    a, b = a[n:], b[n:]
    ta, tb = _WILD.split(a)[-1], _WILD.split(b)[-1]
    n = min(len(ta), len(tb))
    if n and ta[-n:] != tb[-n:]:
        return False
    a, b = a[:len(a) - n], b[:len(b) - n]
    if a == "*" or b == "*" or (a[:1] == "*" and b[-1:] == "*") or (b[:1] == "*" and a[-1:] == "*"):
        return True  # *A and B*: a string for B followed by a string for A matches both
    seen: dict[tuple[int, int], bool] = {}

    def go(i: int, j: int) -> bool:
        key = (i, j)
        if key in seen:
            return seen[key]
        if i == len(a) and j == len(b):
            r = True
        elif i < len(a) and a[i] == "*":
            r = go(i + 1, j) or (j < len(b) and go(i, j + 1))
        elif j < len(b) and b[j] == "*":
            r = go(i, j + 1) or (i < len(a) and go(i + 1, j))
        elif i == len(a) or j == len(b):
            r = False
        else:
            r = (a[i] == b[j] or a[i] == "?" or b[j] == "?") and go(i + 1, j + 1)
        seen[key] = r
        return r

    return go(0, 0)


@lru_cache(maxsize=16384)
def glob_regex(pattern: str, case: bool = False) -> re.Pattern[str]:
    """An IAM wildcard pattern (``*`` any run, ``?`` one character) as a regex to ``fullmatch``."""
    return re.compile(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), 0 if case else re.I)


@cache
def catalog() -> Catalog:
    text = files.read_text("iam_actions.json")
    return Catalog(json.loads(text))
