"""Uniform read access to a Terraform resource body, whatever syntax it came from.

Mappers read ``attr(name)`` and ``blocks(name)``; the native-syntax body evaluates lazily (and
expands ``dynamic`` blocks), the dictionary body serves JSON syntax and plan values. Every value
comes with the line it was written on.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

from wasec.model.values import Unknown
from wasec.sources.terraform.eval import Ctx, safe_ev
from wasec.sources.terraform.hcl import ast as A


class Val(NamedTuple):
    value: Any
    line: int
    file: str


class Body(Protocol):
    file: str
    line: int

    def attr(self, name: str) -> Val | None: ...

    def blocks(self, name: str) -> list[Body]: ...

    def blocks_unknown(self, name: str) -> Unknown | None: ...

    def names(self) -> list[str]: ...

    def block_names(self) -> list[str]: ...


class HclBody:
    """A native-syntax body evaluated in a context."""

    __slots__ = ("_cache", "body", "ctx", "file", "line")

    def __init__(self, body: A.Body, ctx: Ctx, file: str, line: int) -> None:
        self.body = body
        self.ctx = ctx
        self.file = file
        self.line = line
        self._cache: dict[str, Val | None] = {}

    def attr(self, name: str) -> Val | None:
        try:
            return self._cache[name]
        except KeyError:
            pass
        a = self.body.attributes.get(name)
        v = None if a is None else Val(safe_ev(a.expr, self.ctx), a.line, self.file)
        self._cache[name] = v
        return v

    def names(self) -> list[str]:
        return list(self.body.attributes)

    def block_names(self) -> list[str]:
        """The types of the nested blocks, in order, once each (a dynamic block by the type it makes)."""
        return list(dict.fromkeys(b.labels[0] if b.type == "dynamic" and b.labels else b.type for b in self.body.blocks))

    def blocks(self, name: str) -> list[Body]:
        out: list[Body] = []
        for b in self.body.blocks:
            if b.type == name:
                out.append(HclBody(b.body, self.ctx, self.file, b.line))
            elif b.type == "dynamic" and b.labels and b.labels[0] == name:
                out.extend(self._dynamic(b, name))
        if not out:
            v = self.attr(name)  # attribute syntax: ingress = [{...}]
            if v is not None:
                items = v.value if isinstance(v.value, list) else [v.value] if isinstance(v.value, dict) else []
                out.extend(DictBody(x, self.file, v.line) for x in items if isinstance(x, dict))
        return out

    def _dynamic(self, b: A.Block, name: str) -> list[Body]:
        fe = b.body.attributes.get("for_each")
        content = [x for x in b.body.blocks if x.type == "content"]
        if fe is None or not content:
            return []
        coll = safe_ev(fe.expr, self.ctx)
        if isinstance(coll, Unknown):
            return []
        it = b.body.attributes.get("iterator")
        iterator = it.expr.name if it is not None and isinstance(it.expr, A.Var) else name
        items = coll.items() if isinstance(coll, dict) else enumerate(coll) if isinstance(coll, list) else ()
        return [
            HclBody(content[0].body, self.ctx.bind(**{iterator: {"key": k, "value": v}}), self.file, content[0].line)
            for k, v in items
        ]

    def blocks_unknown(self, name: str) -> Unknown | None:
        for b in self.body.blocks:
            if b.type == "dynamic" and b.labels and b.labels[0] == name:
                fe = b.body.attributes.get("for_each")
                if fe is not None:
                    coll = safe_ev(fe.expr, self.ctx)
                    if isinstance(coll, Unknown):
                        return Unknown(f"dynamic {name} blocks depend on {coll.reason}", refs=coll.refs)
        v = self.attr(name)
        if v is not None and isinstance(v.value, Unknown) and not any(b.type == name for b in self.body.blocks):
            return v.value
        return None


class DictBody:
    """A body given as data: JSON-syntax attributes, plan values, attribute-syntax objects."""

    __slots__ = ("data", "file", "line", "lines", "unknown")

    def __init__(
        self,
        data: dict[str, Any],
        file: str,
        line: int,
        lines: dict[str, int] | None = None,
        unknown: dict[str, Any] | None = None,
    ) -> None:
        self.data = data
        self.file = file
        self.line = line
        self.lines = lines or {}
        self.unknown = unknown or {}  # plan "after_unknown" for this level

    def attr(self, name: str) -> Val | None:
        if self.unknown.get(name) is True:
            return Val(Unknown(f"{name} is known only after apply"), self.lines.get(name, self.line), self.file)
        if name not in self.data:
            return None
        return Val(self.data[name], self.lines.get(name, self.line), self.file)

    def names(self) -> list[str]:
        return list(self.data)

    def block_names(self) -> list[str]:
        """Keys holding nested blocks: lists of objects, as plans and JSON syntax write them."""
        return [k for k, v in self.data.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)]

    def blocks(self, name: str) -> list[Body]:
        v = self.data.get(name)
        items = v if isinstance(v, list) else [v] if isinstance(v, dict) else []
        unk = self.unknown.get(name)
        out: list[Body] = []
        for i, x in enumerate(items):
            if isinstance(x, dict):
                u = unk[i] if isinstance(unk, list) and i < len(unk) and isinstance(unk[i], dict) else (
                    unk if isinstance(unk, dict) else None
                )
                out.append(DictBody(x, self.file, self.lines.get(name, self.line), None, u))
        return out

    def blocks_unknown(self, name: str) -> Unknown | None:
        if self.unknown.get(name) is True:
            return Unknown(f"{name} is known only after apply")
        v = self.data.get(name)
        return v if isinstance(v, Unknown) else None
