"""A variable's declared ``type``, applied to its value as Terraform applies it.

What matters for evaluation is what Terraform fills in: an ``object({...})`` attribute declared
``optional(T, default)`` and left out (or null) takes the default, or null; a ``list``, ``set``,
``map`` or ``tuple`` converts each element; ``bool`` and ``number`` convert strings (``-var x=true``).
Without this a module that reads ``statement.value.effect`` from an object where the caller left
``effect`` out cannot be evaluated, and many public modules are written that way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wasec.model.values import Unknown
from wasec.sources.terraform import functions as F
from wasec.sources.terraform.hcl import ast as A

Evaluate = Callable[[A.Expr], Any]


def conform(value: Any, t: A.Expr | None, evaluate: Evaluate) -> Any:
    """``value`` converted to type expression ``t``; anything not understood is left as it is."""
    if t is None or value is None or isinstance(value, Unknown):
        return value
    if isinstance(t, A.Var):
        return _primitive(value, t.name)
    if not isinstance(t, A.Call) or not t.args:
        return value
    inner = t.args[0]
    if t.name in ("list", "set") and isinstance(value, list):
        return [conform(v, inner, evaluate) for v in value]
    if t.name == "map" and isinstance(value, dict):
        return {k: conform(v, inner, evaluate) for k, v in value.items()}
    if t.name == "tuple" and isinstance(value, list) and isinstance(inner, A.TupleExpr):
        return [conform(v, ti, evaluate) for v, ti in zip(value, inner.items)] + value[len(inner.items):]
    if t.name == "object" and isinstance(value, dict) and isinstance(inner, A.ObjectExpr):
        return _object(value, inner, evaluate)
    return value


def _object(value: dict[str, Any], spec: A.ObjectExpr, evaluate: Evaluate) -> dict[str, Any]:
    out = dict(value)
    for key_expr, type_expr in spec.items:
        name = _key(key_expr)
        if name is None:
            continue
        attr_type: A.Expr | None = type_expr
        default: Any = None
        if isinstance(type_expr, A.Call) and type_expr.name == "optional" and type_expr.args:
            attr_type = type_expr.args[0]
            if len(type_expr.args) > 1:
                default = evaluate(type_expr.args[1])
            if out.get(name) is None:
                out[name] = default
        if name in out:
            out[name] = conform(out[name], attr_type, evaluate)
    return out


def _key(e: A.Expr) -> str | None:
    if isinstance(e, A.Var):
        return e.name
    if isinstance(e, A.Literal) and isinstance(e.value, str):
        return e.value
    if isinstance(e, A.Template) and len(e.parts) == 1 and isinstance(e.parts[0], str):
        return e.parts[0]
    return None


def _primitive(value: Any, name: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        if name == "bool":
            return F._tobool(value)
        if name == "number":
            return F._num(value)
    except F.FunctionError:
        return value
    return value
