"""The canonical resource: one real-world AWS object, whatever source described it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from wasec.model.values import RefStr, Unknown, refs_of

PathKey = tuple[str | int, ...]


class Loc(NamedTuple):
    """A place in a source file (1-based line)."""

    file: str
    line: int


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a resource came from.

    ``source`` is ``terraform``, ``terraform-plan``, ``cloudformation`` or ``aws``. ``scope`` groups
    resources that may refer to each other by ``id`` (a template file, a Terraform root module
    directory, an account/region); ``file``/``line`` point at the declaration for code, ``arn`` at
    the live object.
    """

    source: str
    scope: str
    file: str | None = None
    line: int | None = None
    arn: str | None = None


@dataclass(frozen=True, slots=True)
class Resource:
    """A resource in AWS's own vocabulary: CloudFormation type name and property shape.

    ``locs`` maps property paths to source locations, so a finding can point at the line of the
    attribute at fault. ``known`` is ``None`` when the source described the whole resource; for a
    fragment (a Terraform ``aws_s3_bucket_policy`` whose bucket lives elsewhere) it lists the
    top-level properties that *are* described, and every other property reads as unknown.
    """

    type: str
    id: str
    properties: dict[str, Any]
    origin: Origin
    account: str | None = None
    region: str | None = None
    locs: dict[PathKey, Loc] = field(default_factory=dict, compare=False, repr=False)
    names: tuple[str, ...] = ()
    known: frozenset[str] | None = None
    tags: dict[str, str] = field(default_factory=dict, compare=False)
    also: tuple[str, ...] = ()  # other types whose rules judge it too (a custom resource that carries a pod template)

    @property
    def key(self) -> str:
        return f"{self.origin.scope}::{self.id}"

    def loc(self, path: PathKey = ()) -> Loc | None:
        """The location of the longest known prefix of ``path`` (the resource itself at worst)."""
        locs = self.locs
        for n in range(len(path), -1, -1):
            hit = locs.get(path[:n])
            if hit is not None:
                return hit
        if self.origin.file and self.origin.line:
            return Loc(self.origin.file, self.origin.line)
        return None


class Inventory:
    """All resources of one scan, indexed for the relationships rules follow.

    It is append-only while sources run and read-only while rules run.
    """

    def __init__(self, resources: Iterable[Resource] = ()) -> None:
        self._resources: list[Resource] = []
        self._by_key: dict[str, Resource] = {}
        self._by_type: dict[str, list[Resource]] = defaultdict(list)
        self._by_name: dict[str, list[Resource]] = defaultdict(list)
        self.complete: bool = False  # True when the inventory is a whole account (live scans)
        # live scans: which types were read per account, and why a type could not be read in a region
        # ("*" for account-wide collectors); there, the absence of a resource is evidence only if it was read
        self.collected: dict[str, set[str]] = defaultdict(set)
        self.gaps: dict[tuple[str, str, str], str] = {}
        # set when the inventory holds one object seen alone (admission): its peers are unknown, not absent
        self.alone: str | None = None
        # built on first use, once rules run (sources only add): peers by scope, and who refers to whom
        self._by_scope_type: dict[tuple[str, str], list[Resource]] | None = None
        self._referrers: dict[tuple[str, PathKey, str], dict[str, list[Resource]]] = {}
        for r in resources:
            self.add(r)

    def add(self, r: Resource) -> None:
        self._by_scope_type = None
        self._referrers.clear()
        self._resources.append(r)
        self._by_key[r.key] = r
        self._by_type[r.type].append(r)
        for n in {r.id, *r.names}:
            if n:
                self._by_name[str(n)].append(r)

    def extend(self, rs: Iterable[Resource]) -> None:
        for r in rs:
            self.add(r)

    def __iter__(self) -> Iterator[Resource]:
        return iter(self._resources)

    def __len__(self) -> int:
        return len(self._resources)

    def types(self) -> list[str]:
        """Every resource type the inventory holds."""
        return [t for t, rs in self._by_type.items() if rs]

    def of_type(self, *types: str) -> list[Resource]:
        out: list[Resource] = []
        for t in types:
            out.extend(self._by_type.get(t, ()))
        return out

    def peers(self, near: Resource, *types: str) -> list[Resource]:
        """Resources of ``types`` in the same scope as ``near`` (one template, one Terraform root, one account)."""
        if self._by_scope_type is None:
            index: dict[tuple[str, str], list[Resource]] = defaultdict(list)
            for r in self._resources:
                index[(r.origin.scope, r.type)].append(r)
            self._by_scope_type = index
        scope = near.origin.scope
        if len(types) == 1:
            return list(self._by_scope_type.get((scope, types[0]), ()))
        return [r for t in types for r in self._by_scope_type.get((scope, t), ())]

    def referrers(self, target: Resource, type_: str, path: PathKey) -> list[Resource]:
        """Resources of ``type_`` in ``target``'s scope whose property at ``path`` designates ``target``.

        The answer for every target is indexed on the first question, so asking it of each of N
        resources costs N, not N² (a bucket asking which buckets send it their logs).
        """
        key = (type_, path, target.type)
        index = self._referrers.get(key)
        if index is None:
            index = defaultdict(list)
            for other in self.of_type(type_):
                v = _dig(other.properties, path)
                for item in v if isinstance(v, list) else [v]:
                    if item is None:
                        continue
                    hit = self.resolve(item, other, target.type)
                    if hit is not None and (not index[hit.key] or index[hit.key][-1] is not other):
                        index[hit.key].append(other)
            self._referrers[key] = index
        return [o for o in index.get(target.key, ()) if o.origin.scope == target.origin.scope]

    def unseen(self, near: Resource, type_: str) -> str | None:
        """Why resources of ``type_`` around ``near`` may be missing from a live inventory (None: they are all here)."""
        if self.alone is not None:
            return self.alone
        if not self.complete or not near.account:
            return None
        if type_ not in self.collected.get(near.account, ()):
            return f"{type_} was not collected in account {near.account}"
        for (account, region, t), why in self.gaps.items():
            if t == type_ and account == near.account and (near.region is None or region in (near.region, "*")):
                return why
        return None

    def get(self, key: str) -> Resource | None:
        return self._by_key.get(key)

    def resolve(self, value: object, near: Resource, *types: str) -> Resource | None:
        """The resource ``value`` designates, seen from ``near`` (same scope), if it is in the inventory.

        ``value`` may be a reference (an :class:`Unknown` with refs, a :class:`RefStr`) or a literal
        name or ARN; ``types`` narrows the search when given.
        """
        scope = near.origin.scope
        for target in refs_of(value):
            hit = self._by_key.get(f"{scope}::{target}")
            if hit is None and "::" in target:  # a key with its scope: another template's resource, via Fn::ImportValue
                hit = self._by_key.get(target)
            if hit is None and "[" not in target:
                hit = self._by_key.get(f"{scope}::{target}[0]")
            if hit is not None and (not types or hit.type in types):
                return hit
        if isinstance(value, Unknown) or not isinstance(value, str) or not value:
            return None
        hits = [h for h in self._by_name.get(str(value), ()) if not types or h.type in types]
        if not hits:
            return None
        same = [h for h in hits if h.origin.scope == scope]
        return (same or hits)[0]

    def refers_to(self, value: object, target: Resource, near: Resource) -> bool:
        """Whether ``value`` (a reference, name or ARN) designates ``target``."""
        if isinstance(value, list):
            return any(self.refers_to(v, target, near) for v in value)
        hit = self.resolve(value, near, target.type)
        return hit is target


def ref_key(value: object) -> str | None:
    """The resource id a value points at, if it is a reference."""
    if isinstance(value, RefStr):
        return value.ref
    if isinstance(value, Unknown):
        return value.target
    return None


def _dig(d: Any, key: PathKey) -> Any:
    for part in key:
        if isinstance(d, dict):
            d = d.get(part)
        elif isinstance(d, list) and isinstance(part, int) and part < len(d):
            d = d[part]
        else:
            return None
    return d
