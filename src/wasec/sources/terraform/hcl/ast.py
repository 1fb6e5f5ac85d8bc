"""HCL2 syntax tree. Every node carries the 1-based line it starts on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Expr:
    __slots__ = ()
    line: int


@dataclass(slots=True, eq=False)
class Literal(Expr):
    value: Any
    line: int


@dataclass(slots=True, eq=False)
class Template(Expr):
    """A string with interpolations: ``parts`` are ``str`` or ``Expr`` (including directives)."""

    parts: list[Any]
    line: int


@dataclass(slots=True, eq=False)
class TemplateIf(Expr):
    cond: Expr
    then: list[Any]
    else_: list[Any]
    line: int


@dataclass(slots=True, eq=False)
class TemplateFor(Expr):
    key_var: str | None
    val_var: str
    coll: Expr
    body: list[Any]
    line: int


@dataclass(slots=True, eq=False)
class TupleExpr(Expr):
    items: list[Expr]
    line: int


@dataclass(slots=True, eq=False)
class ObjectExpr(Expr):
    items: list[tuple[Expr, Expr]]
    line: int


@dataclass(slots=True, eq=False)
class Var(Expr):
    name: str
    line: int


@dataclass(slots=True, eq=False)
class GetAttr(Expr):
    obj: Expr
    name: str
    line: int


@dataclass(slots=True, eq=False)
class Index(Expr):
    obj: Expr
    key: Expr
    line: int


@dataclass(slots=True, eq=False)
class Splat(Expr):
    """``src[*].a.b`` / ``src.*.a``: ``ops`` apply to each element."""

    src: Expr
    ops: list[tuple[str, Any]]  # ("attr", name) | ("index", Expr)
    line: int


@dataclass(slots=True, eq=False)
class Call(Expr):
    name: str
    args: list[Expr]
    expand: bool
    line: int


@dataclass(slots=True, eq=False)
class ForExpr(Expr):
    key_var: str | None
    val_var: str
    coll: Expr
    key: Expr | None  # object form when not None
    value: Expr
    cond: Expr | None
    group: bool
    line: int


@dataclass(slots=True, eq=False)
class Unary(Expr):
    op: str
    expr: Expr
    line: int


@dataclass(slots=True, eq=False)
class Binary(Expr):
    op: str
    left: Expr
    right: Expr
    line: int


@dataclass(slots=True, eq=False)
class Conditional(Expr):
    cond: Expr
    then: Expr
    else_: Expr
    line: int


@dataclass(slots=True, eq=False)
class Attribute:
    name: str
    expr: Expr
    line: int


@dataclass(slots=True, eq=False)
class Block:
    type: str
    labels: list[str]
    body: Body
    line: int
    end_line: int


@dataclass(slots=True, eq=False)
class Body:
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def blocks_of(self, type_: str) -> list[Block]:
        return [b for b in self.blocks if b.type == type_]


def references(expr: Expr) -> list[tuple[str, ...]]:
    """Traversals an expression reads (``var.x`` → ("var", "x")), for dependency analysis."""
    out: list[tuple[str, ...]] = []

    def walk(e: Any) -> None:
        name: str
        if isinstance(e, (Var, GetAttr, Index)):
            chain: list[str] = []
            cur: Any = e
            while True:
                if isinstance(cur, GetAttr):
                    chain.append(cur.name)
                    cur = cur.obj
                elif isinstance(cur, Index):
                    walk(cur.key)
                    if isinstance(cur.key, Literal):
                        chain.append(str(cur.key.value))
                    cur = cur.obj
                else:
                    break
            if isinstance(cur, Var):
                out.append((cur.name, *reversed(chain)))
            else:
                walk(cur)
            return
        if isinstance(e, Expr):
            for name in e.__slots__:  # dataclass slots are the fields
                walk(getattr(e, name, None))
        elif isinstance(e, (list, tuple)):
            for x in e:
                walk(x)

    walk(expr)
    return out
