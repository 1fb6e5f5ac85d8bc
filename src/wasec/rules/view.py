"""What a rule sees: one resource, read through paths, with unknown values made explicit.

``get`` raises :class:`UnknownValue` when it meets a value nobody knows, and the engine turns that
into an UNKNOWN finding with the reason, so a rule written as if every value were known can never
PASS or FAIL on a guess.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from wasec.model.resource import Inventory, PathKey, Resource
from wasec.model.values import Unknown, UnknownValue

MISSING: Any = object()


@lru_cache(maxsize=4096)
def parse_path(path: str) -> PathKey:
    return tuple(int(p) if p.isdigit() else p for p in path.split(".")) if path else ()


def show_path(key: PathKey) -> str:
    out = ""
    for p in key:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


@dataclass(frozen=True, slots=True)
class Fail:
    """A failed check: the property path at fault, what is wrong, and the value found."""

    path: str
    message: str
    value: Any = MISSING


@dataclass(frozen=True, slots=True)
class Skip:
    """The rule does not apply to this resource (a memcached cluster for a Redis rule)."""

    reason: str = ""


@dataclass(frozen=True, slots=True)
class Unsure:
    """The rule cannot decide; becomes an UNKNOWN finding with the reason."""

    reason: str
    path: str = ""


@dataclass(frozen=True, slots=True)
class Pass:
    """An explicit pass with a note (the default when a rule returns nothing)."""

    note: str = ""
    path: str = ""


@dataclass
class View:
    resource: Resource
    inventory: Inventory
    options: dict[str, Any] = field(default_factory=dict)
    # parts of the resource a rule could not judge (see part()): they make a rule UNKNOWN only when nothing fails
    undecided: list[UnknownValue] = field(default_factory=list)

    @contextmanager
    def part(self) -> Iterator[None]:
        """Judge one part of the resource (one rule of a security group, one policy statement).

        An unknown value met inside leaves only that part undecided, and the rule goes on with the
        next: a definite failure elsewhere is still a FAIL; with no failure the rule is UNKNOWN.
        Use it only where an unknown part can add failures but not take one away.
        """
        try:
            yield
        except UnknownValue as u:
            self.undecided.append(u)

    @property
    def type(self) -> str:
        return self.resource.type

    @property
    def id(self) -> str:
        return self.resource.id

    @property
    def props(self) -> dict[str, Any]:
        return self.resource.properties

    @property
    def source(self) -> str:
        return self.resource.origin.source

    def _check_known(self, key: PathKey, path: str) -> None:
        known = self.resource.known
        if known is not None and key and key[0] not in known:
            raise UnknownValue(
                f"{self.resource.id} is defined outside the scanned code; only {', '.join(sorted(known)) or 'a part'} is known here",
                path,
            )

    def raw(self, path: str, default: Any = None) -> Any:
        """The value at ``path`` (unknowns returned as they are); ``default`` when absent."""
        key = parse_path(path)
        self._check_known(key, path)
        cur: Any = self.resource.properties
        for part in key:
            if type(cur) is dict:  # the common case first: rules run this for every property they read
                if part not in cur:
                    return default
                cur = cur[part]
                continue
            if isinstance(cur, Unknown):
                return cur
            if isinstance(cur, list) and len(cur) == 1 and isinstance(part, str) and isinstance(cur[0], dict):
                cur = cur[0]  # tolerate a one-item list where a mapping is expected
            if isinstance(cur, dict):
                if part not in cur:
                    return default
                cur = cur[part]
            elif isinstance(cur, list) and isinstance(part, int):
                if part >= len(cur):
                    return default
                cur = cur[part]
            else:
                return default
        if isinstance(cur, Unknown):
            return cur
        return default if cur is None and key else cur

    def get(self, path: str, default: Any = None) -> Any:
        """The value at ``path``; raises UnknownValue if it (or what contains it) is unknown."""
        v = self.raw(path, MISSING)
        if v is MISSING:
            return default
        if isinstance(v, Unknown):
            raise UnknownValue(f"{path} is unknown: {v.reason}", path)
        return v

    def value(self, path: str, default: Any = None) -> Any:
        """Like :meth:`get`, but a known-present reference (an ARN computed at deploy time) is returned."""
        v = self.raw(path, MISSING)
        if v is MISSING:
            return default
        if isinstance(v, Unknown) and not v.nonnull:
            raise UnknownValue(f"{path} is unknown: {v.reason}", path)
        return v

    def nearest(self, *paths: str) -> str:
        """The first of ``paths`` the resource declares, so a failure points at its line; "" (the resource) if none."""
        return next((p for p in paths if self.raw(p) is not None), "")

    def present(self, path: str) -> bool:
        """Whether ``path`` holds a non-empty value (a reference counts; an unknown raises)."""
        v = self.raw(path, MISSING)
        if v is MISSING or v is None:
            return False
        if isinstance(v, Unknown):
            if v.nonnull:
                return True
            raise UnknownValue(f"{path} is unknown: {v.reason}", path)
        return v not in ("", [], {})

    def items(self, path: str) -> list[tuple[str, Any]]:
        """The items of the list at ``path`` with their paths (a single mapping counts as one)."""
        v = self.get(path)
        if v is None:
            return []
        if isinstance(v, dict):
            return [(path, v)]
        if not isinstance(v, list):
            return [(path, v)]
        return [(f"{path}.{i}", x) for i, x in enumerate(v)]

    def each(self, path: str) -> Iterator[tuple[str, Any]]:
        yield from self.items(path)

    def resolve(self, value: Any, *types: str) -> Resource | None:
        return self.inventory.resolve(value, self.resource, *types)

    def peers(self, *types: str) -> list[Resource]:
        """Resources of ``types`` in this resource's scope (its template, Terraform root or account).

        In a live inventory, a type that could not be read (denied, unavailable) raises UnknownValue:
        a missing peer is evidence only when the account was actually read.
        """
        for t in types:
            why = self.inventory.unseen(self.resource, t)
            if why is not None:
                raise UnknownValue(why)
        return self.inventory.peers(self.resource, *types)

    def in_region(self, *types: str) -> list[Resource]:
        """Peers of ``types`` in this resource's region (every region for an account-wide resource)."""
        region = self.resource.region
        return [p for p in self.peers(*types) if region is None or p.region in (region, None)]

    def related(self, type_: str, path: str) -> list[Resource]:
        """Resources of ``type_`` in the same scope whose property ``path`` refers to this resource."""
        for_unseen = self.inventory.unseen(self.resource, type_)
        if for_unseen is not None:
            raise UnknownValue(for_unseen)
        return self.inventory.referrers(self.resource, type_, parse_path(path))


def truthy(v: Any) -> bool:
    """CloudFormation booleans may be written as strings."""
    if isinstance(v, str):
        return v.strip().lower() == "true"
    return bool(v)


def falsy_explicit(v: Any) -> bool:
    if isinstance(v, str):
        return v.strip().lower() == "false"
    return v is False
