"""Building canonical resources, shared by the Terraform and CloudFormation sources.

A :class:`Builder` accumulates one resource's properties with the source line of each. An
:class:`Assembly` holds the builders of one scope (a template, a Terraform root) and merges
sub-resources into the resource they configure; when that resource is not in the scanned code it
creates a *fragment*, a resource of the right type that knows only the properties merged into it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wasec.model.resource import Loc, Origin, PathKey, Resource
from wasec.model.values import RefStr, Unknown


def split_path(path: str) -> PathKey:
    return tuple(int(p) if p.isdigit() else p for p in path.split(".")) if path else ()


class Builder:
    """One canonical resource under construction."""

    def __init__(self, type_: str, id_: str, file: str, line: int, partial: bool = False) -> None:
        self.type = type_
        self.id = id_
        self.file = file
        self.line = line
        self.props: dict[str, Any] = {}
        self.locs: dict[PathKey, Loc] = {}
        self.names: list[str] = []
        self.tags: dict[str, str] = {}
        self.partial = partial
        self.known: set[str] = set()

    def put(self, path: PathKey | str, value: Any, line: int | None = None, file: str | None = None) -> None:
        key = split_path(path) if isinstance(path, str) else path
        cur: Any = self.props
        for i, part in enumerate(key[:-1]):
            nxt = key[i + 1]
            if isinstance(cur, dict):
                if not isinstance(cur.get(part), (dict, list)):
                    cur[part] = [] if isinstance(nxt, int) else {}
                cur = cur[part]
            else:
                assert isinstance(part, int)
                while len(cur) <= part:
                    cur.append([] if isinstance(nxt, int) else {})
                cur = cur[part]
        last = key[-1]
        if isinstance(cur, dict):
            cur[last] = value
        else:
            assert isinstance(last, int)
            while len(cur) <= last:
                cur.append(None)
            cur[last] = value
        if line:
            self.locs[key] = Loc(file or self.file, line)
        if self.partial:
            self.known.add(str(key[0]))

    def get(self, path: str) -> Any:
        cur: Any = self.props
        for part in split_path(path):
            if isinstance(cur, dict):
                cur = cur.get(part)
            elif isinstance(cur, list) and isinstance(part, int) and part < len(cur):
                cur = cur[part]
            else:
                return None
        return cur

    def append(self, path: str, value: Any, line: int | None = None, file: str | None = None) -> int:
        """Append to the list at ``path``; returns the new index."""
        lst = self.get(path)
        idx = len(lst) if isinstance(lst, list) else 0
        if not isinstance(lst, list):
            self.put(path, [], line, file)
        self.put(f"{path}.{idx}" if path else str(idx), value, line, file)
        return idx

    def name(self, *values: Any) -> None:
        for v in values:
            v = getattr(v, "value", v)
            if isinstance(v, str) and v:
                self.names.append(str(v))


class Assembly:
    """The builders of one scope, with sub-resource merging."""

    def __init__(self, scope_name: str, source: str, factory: Callable[..., Builder] = Builder) -> None:
        self.scope_name = scope_name
        self.source = source
        self.factory = factory
        self.builders: dict[str, Builder] = {}
        self._by_name: dict[tuple[str, str], Builder] = {}
        self.order: list[Builder] = []

    def add(self, b: Builder) -> None:
        self.builders[b.id] = b
        self.order.append(b)

    def index_names(self) -> None:
        for b in self.order:
            for n in b.names:
                self._by_name.setdefault((b.type, n), b)

    def find(self, value: Any, type_: str) -> Builder | None:
        """The builder ``value`` designates: by reference, else by name or ARN."""
        targets: list[str] = []
        if isinstance(value, RefStr):
            targets.append(value.ref)
        elif isinstance(value, Unknown):
            targets.extend(value.refs)
        for t in targets:
            # r[0] of a resource whose count is unknown is its one evaluated instance, not a resource elsewhere
            base = t[: t.rindex("[")] if t.endswith("]") and "[" in t else None
            for cand in (t, f"{t}[0]", base):
                b = self.builders.get(cand) if cand else None
                if b is not None and b.type == type_:
                    return b
        if isinstance(value, Unknown) and value.text and "${" in value.text:
            # the same partly known name on both sides (!Sub "${AppName}-logs" on a bucket and on its policy)
            return self._by_name.get((type_, value.text))
        if isinstance(value, str) and not isinstance(value, Unknown):
            text = str(value)
            hit = self._by_name.get((type_, text))
            if hit is None and text.startswith("arn:"):
                tail = text.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
                hit = self._by_name.get((type_, tail))
            if hit is None and "/" in text and not text.startswith("arn:"):  # an SQS queue URL
                hit = self._by_name.get((type_, text.rsplit("/", 1)[-1]))
            return hit
        return None

    def parent(self, value: Any, type_: str, fallback_id: str, file: str, line: int) -> Builder:
        """The resource ``value`` designates, or a fragment standing for it."""
        hit = self.find(value, type_)
        if hit is not None:
            return hit
        if isinstance(value, RefStr):
            key = value.ref
        elif isinstance(value, Unknown):
            key = value.target or value.text or fallback_id
        elif isinstance(value, str) and value:
            key = value
        else:
            key = fallback_id
        existing = self.builders.get(key)
        if existing is not None and existing.type == type_ and existing.partial:
            return existing
        if existing is not None:
            key = f"{key}#{type_.rsplit('::', 1)[-1]}"
            existing = self.builders.get(key)
            if existing is not None and existing.partial:
                return existing
        frag = self.factory(type_, key, file, line, partial=True)
        if isinstance(value, str) and not isinstance(value, Unknown):
            frag.names.append(str(value))
            self._by_name.setdefault((type_, str(value)), frag)
        self.add(frag)
        return frag

    def resources(self) -> list[Resource]:
        out = []
        for b in self.order:
            locs = b.locs
            if () not in locs:
                locs[()] = Loc(b.file, b.line)
            out.append(Resource(
                type=b.type,
                id=b.id,
                properties=b.props,
                origin=Origin(self.source, self.scope_name, b.file, b.line),
                locs=locs,
                names=tuple(dict.fromkeys(b.names)),
                known=frozenset(b.known) if b.partial else None,
                tags=b.tags,
            ))
        return out
