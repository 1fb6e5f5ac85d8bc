"""Static evaluation of Terraform expressions.

Values are plain Python data. What Terraform would only know at apply time becomes an
:class:`~wasec.model.values.Unknown` that keeps the references it came from, so rules can say
"unknown" instead of guessing, and relationships (this bucket policy → that bucket) survive.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from wasec.model.values import RefStr, Unknown, UnknownValue, contains_unknown, ref
from wasec.sources.terraform import functions as F
from wasec.sources.terraform.hcl import ast as A

if TYPE_CHECKING:
    from wasec.sources.terraform.config import Scope


class EvalError(Exception):
    pass


class Cycle(Exception):
    def __init__(self, chain: list[str]) -> None:
        super().__init__(" → ".join(chain))
        self.chain = chain


# Attributes whose value equals another argument of the same resource (the bucket's id is its name).
ID_ALIASES: dict[str, dict[str, str]] = {
    "aws_s3_bucket": {"id": "bucket"},
    "aws_iam_role": {"id": "name"},
    "aws_iam_user": {"id": "name"},
    "aws_iam_group": {"id": "name"},
    "aws_iam_instance_profile": {"id": "name"},
    "aws_cloudwatch_log_group": {"id": "name"},
    "aws_sns_topic": {},
    "aws_ecr_repository": {"id": "name", "repository_name": "name"},
    "aws_kms_alias": {"id": "name"},
    "aws_lambda_function": {"id": "function_name"},
    "aws_db_instance": {"id": "identifier"},
    "aws_secretsmanager_secret": {},
    "aws_cloudtrail": {"id": "name"},
    "aws_eks_cluster": {"id": "name"},
    "aws_ecs_cluster": {"id": "name"},
    "aws_ssm_parameter": {"id": "name"},
    "aws_api_gateway_stage": {"name": "stage_name"},
}


class Ctx:
    """An evaluation context: the module instance and the names bound around the expression."""

    __slots__ = ("scope", "vars")

    def __init__(self, scope: Scope, vars: dict[str, Any] | None = None) -> None:
        self.scope = scope
        self.vars = vars or {}

    def bind(self, **names: Any) -> Ctx:
        return Ctx(self.scope, {**self.vars, **names})


def ev(e: A.Expr, ctx: Ctx) -> Any:
    return _DISPATCH[type(e)](e, ctx)


def _literal(e: A.Literal, ctx: Ctx) -> Any:
    return e.value


def _template(e: A.Template, ctx: Ctx) -> Any:
    return render_parts(e.parts, ctx)


def render_parts(parts: list[Any], ctx: Ctx) -> Any:
    out: list[str] = []
    unknowns: list[Unknown] = []
    for p in parts:
        if isinstance(p, str):
            out.append(p)
            continue
        if isinstance(p, A.TemplateIf):
            c = ev(p.cond, ctx)
            if isinstance(c, Unknown):
                unknowns.append(Unknown("template condition is unknown", nonnull=True, refs=c.refs))
                out.append("${" + describe(p.cond) + "}")
                continue
            v = render_parts(p.then if c else p.else_, ctx)
        elif isinstance(p, A.TemplateFor):
            coll = ev(p.coll, ctx)
            if isinstance(coll, Unknown):
                unknowns.append(coll)
                out.append("${...}")
                continue
            pieces = []
            if isinstance(coll, (list, dict)):
                ctx.scope.spend(len(coll), p.line)
            for k, item in _iter_coll(coll):
                b = {p.val_var: item}
                if p.key_var:
                    b[p.key_var] = k
                pieces.append(render_parts(p.body, ctx.bind(**b)))
            if any(isinstance(x, Unknown) for x in pieces):
                unknowns.extend(x for x in pieces if isinstance(x, Unknown))
                out.append("${...}")
                continue
            v = "".join(pieces)
        else:
            v = ev(p, ctx)
        if isinstance(v, Unknown):
            unknowns.append(v)
            out.append(v.text if v.text else "${" + describe(p) + "}")
            continue
        if v is None:
            raise EvalError("null value in string template")
        if isinstance(v, (dict, list)):
            raise EvalError("a collection cannot be used in a string template")
        out.append(F._s(v))
    text = "".join(out)
    if unknowns:
        refs: list[str] = []
        for u in unknowns:
            refs.extend(r for r in u.refs if r not in refs)
        reason = f"string depends on {', '.join(refs)}" if refs else unknowns[0].reason
        return Unknown(reason, nonnull=True, refs=tuple(refs), text=text)
    return text


def _tuple(e: A.TupleExpr, ctx: Ctx) -> Any:
    return [ev(x, ctx) for x in e.items]


def _object(e: A.ObjectExpr, ctx: Ctx) -> Any:
    out: dict[str, Any] = {}
    for k, v in e.items:
        key = k.value if isinstance(k, A.Literal) else ev(k, ctx)
        if isinstance(key, Unknown):
            return Unknown("object key is unknown", refs=key.refs)
        out[F._s(key)] = ev(v, ctx)
    return out


def _unary(e: A.Unary, ctx: Ctx) -> Any:
    v = ev(e.expr, ctx)
    if isinstance(v, Unknown):
        return Unknown(v.reason, refs=v.refs)
    if e.op == "!":
        return not _bool(v)
    return -F._num(v)


def _bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if v in ("true", "false"):
        return v == "true"
    raise EvalError(f"{v!r} is not a bool")


def _binary(e: A.Binary, ctx: Ctx) -> Any:
    op = e.op
    left = ev(e.left, ctx)
    if op in ("&&", "||") and not isinstance(left, Unknown):
        lb = _bool(left)
        if op == "&&" and not lb:
            return False
        if op == "||" and lb:
            return True
        right = ev(e.right, ctx)
        return right if isinstance(right, Unknown) else _bool(right)
    right = ev(e.right, ctx)
    if isinstance(left, Unknown) or isinstance(right, Unknown):
        if op in ("&&", "||"):
            other = right if isinstance(left, Unknown) else left
            if not isinstance(other, Unknown):
                ob = _bool(other)
                if op == "&&" and not ob:
                    return False
                if op == "||" and ob:
                    return True
        u = left if isinstance(left, Unknown) else right
        return Unknown(u.reason, refs=u.refs)
    if op == "==":
        return _eq(left, right)
    if op == "!=":
        return not _eq(left, right)
    if op in ("&&", "||"):
        return _bool(left) and _bool(right) if op == "&&" else _bool(left) or _bool(right)
    a, b = F._num(left), F._num(right)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            raise EvalError("division by zero")
        r = a / b
        return int(r) if float(r).is_integer() else r
    if op == "%":
        return a % b
    if op == "<":
        return a < b
    if op == ">":
        return a > b
    if op == "<=":
        return a <= b
    if op == ">=":
        return a >= b
    raise EvalError(f"unknown operator {op}")


def _eq(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return bool(a == b)


def _conditional(e: A.Conditional, ctx: Ctx) -> Any:
    c = ev(e.cond, ctx)
    if isinstance(c, Unknown):
        t, f = ev(e.then, ctx), ev(e.else_, ctx)
        if not isinstance(t, Unknown) and not isinstance(f, Unknown) and not contains_unknown(t) and t == f:
            return t
        refs = tuple(dict.fromkeys(c.refs + _refs(t) + _refs(f)))
        nonnull = _nonnull(t) and _nonnull(f)
        return Unknown(f"depends on a condition that is unknown ({c.reason})", nonnull=nonnull, refs=refs)
    return ev(e.then if _bool(c) else e.else_, ctx)


def _refs(v: Any) -> tuple[str, ...]:
    return v.refs if isinstance(v, Unknown) else (v.ref,) if isinstance(v, RefStr) else ()


def _nonnull(v: Any) -> bool:
    return v.nonnull if isinstance(v, Unknown) else v not in (None, "", [], {})


def _call(e: A.Call, ctx: Ctx) -> Any:
    name = e.name
    if name in ("try", "can"):
        for arg in e.args:
            try:
                v = ev(arg, ctx)
            except (EvalError, F.FunctionError, KeyError, IndexError, TypeError, ValueError):
                continue
            if name == "can":
                return True if not isinstance(v, Unknown) else v
            return v
        if name == "can":
            return False
        raise EvalError("try(): no argument could be evaluated")
    args = [ev(a, ctx) for a in e.args]
    if e.expand and args:
        last = args.pop()
        if isinstance(last, Unknown):
            return F.unknown_from([last], name)
        args.extend(last if isinstance(last, list) else list(last.values()) if isinstance(last, dict) else [last])
    try:
        return F.call(name, args, ctx.scope.root_dir)  # file paths start where Terraform runs: the root module
    except KeyError:
        return F.unknown_from(args, name)
    except F.FunctionError as err:
        raise EvalError(f"{name}(): {err}") from None
    except (TypeError, ValueError, IndexError, ZeroDivisionError, AttributeError) as err:
        raise EvalError(f"{name}(): {err}") from None


def _iter_coll(coll: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(coll, dict):
        yield from coll.items()
    elif isinstance(coll, list):
        yield from enumerate(coll)
    elif coll is None:
        return
    else:
        raise EvalError("for expression over a value that is not a collection")


def _for(e: A.ForExpr, ctx: Ctx) -> Any:
    coll = ev(e.coll, ctx)
    if isinstance(coll, Unknown):
        return Unknown(f"for expression over an unknown collection ({coll.reason})", refs=coll.refs)
    if isinstance(coll, (list, dict)):
        ctx.scope.spend(len(coll), e.line)
    if e.key is None:
        out_list: list[Any] = []
        for k, v in _iter_coll(coll):
            b = {e.val_var: v}
            if e.key_var:
                b[e.key_var] = k
            c = ctx.bind(**b)
            if e.cond is not None:
                cv = ev(e.cond, c)
                if isinstance(cv, Unknown):
                    return Unknown("for expression filter is unknown", refs=cv.refs)
                if not _bool(cv):
                    continue
            out_list.append(ev(e.value, c))
        return out_list
    out: dict[str, Any] = {}
    for k, v in _iter_coll(coll):
        b = {e.val_var: v}
        if e.key_var:
            b[e.key_var] = k
        c = ctx.bind(**b)
        if e.cond is not None:
            cv = ev(e.cond, c)
            if isinstance(cv, Unknown):
                return Unknown("for expression filter is unknown", refs=cv.refs)
            if not _bool(cv):
                continue
        key = ev(e.key, c)
        if isinstance(key, Unknown):
            return Unknown("for expression key is unknown", refs=key.refs)
        val = ev(e.value, c)
        if e.group:
            out.setdefault(F._s(key), []).append(val)
        else:
            out[F._s(key)] = val
    return out


def _splat(e: A.Splat, ctx: Ctx) -> Any:
    return _each(ev(e.src, ctx), e.ops, ctx)


def _each(src: Any, ops: list[tuple[str, Any]], ctx: Ctx) -> Any:
    if isinstance(src, Unknown):
        return Unknown(src.reason, nonnull=src.nonnull, refs=src.refs)
    if src is None:
        return []
    out = []
    if isinstance(src, list):
        ctx.scope.spend(len(src), 0)
    for item in src if isinstance(src, list) else [src]:
        for kind, arg in ops:
            if kind == "splat":
                item = _each(item, arg, ctx)
                break
            item = step(item, arg if kind == "attr" else ev(arg, ctx))
        out.append(item)
    return out


def step(value: Any, key: Any) -> Any:
    """One traversal step (``.name`` or ``[key]``) on an evaluated value."""
    if isinstance(value, Unknown):
        return Unknown(value.reason, refs=value.refs, text=(value.text + f".{key}") if value.text else None)
    if isinstance(key, Unknown):
        return Unknown("index is unknown", refs=key.refs)
    if isinstance(value, dict):
        k = F._s(key)
        if k in value:
            return value[k]
        raise EvalError(f"no attribute or key {k!r}")
    if isinstance(value, list):
        try:
            return value[int(F._num(key))]
        except (IndexError, F.FunctionError):
            raise EvalError(f"index {key!r} out of range") from None
    if value is None:
        raise EvalError(f"cannot read {key!r} of null")
    raise EvalError(f"cannot read {key!r} of a {type(value).__name__}")


def _traversal(e: A.Expr, ctx: Ctx) -> Any:
    """Var / GetAttr / Index chains: resolve the root name, then walk the steps."""
    steps: list[Any] = []
    cur: A.Expr = e
    while True:
        if isinstance(cur, A.GetAttr):
            steps.append(cur.name)
            cur = cur.obj
        elif isinstance(cur, A.Index):
            k = ev(cur.key, ctx)
            steps.append(k)
            cur = cur.obj
        else:
            break
    steps.reverse()
    if not isinstance(cur, A.Var):
        value = ev(cur, ctx)
        for s in steps:
            value = step(value, s)
        return value
    name = cur.name
    if name in ctx.vars:
        value = ctx.vars[name]
        for s in steps:
            value = step(value, s)
        return value
    return ctx.scope.resolve(name, steps, ctx, e.line)


def describe(e: Any) -> str:
    """Source-like text of a traversal, for messages and partial strings."""
    if isinstance(e, A.Var):
        return e.name
    if isinstance(e, A.GetAttr):
        return f"{describe(e.obj)}.{e.name}"
    if isinstance(e, A.Index):
        k = e.key.value if isinstance(e.key, A.Literal) else "…"
        return f"{describe(e.obj)}[{k!r}]" if isinstance(k, str) else f"{describe(e.obj)}[{k}]"
    if isinstance(e, A.Call):
        return f"{e.name}(…)"
    return "…"


_DISPATCH: dict[type, Any] = {
    A.Literal: _literal,
    A.Template: _template,
    A.TupleExpr: _tuple,
    A.ObjectExpr: _object,
    A.Var: _traversal,
    A.GetAttr: _traversal,
    A.Index: _traversal,
    A.Splat: _splat,
    A.Call: _call,
    A.ForExpr: _for,
    A.Unary: _unary,
    A.Binary: _binary,
    A.Conditional: _conditional,
}


def safe_ev(e: A.Expr, ctx: Ctx) -> Any:
    """Evaluate; an invalid expression yields an Unknown that says why (the scan goes on)."""
    try:
        return ev(e, ctx)
    except Cycle:
        raise
    except EvalError as err:
        return Unknown(f"cannot evaluate expression on line {e.line}: {err}")
    except UnknownValue as u:  # a function or a data source compared or tested a value not known yet
        return Unknown(u.reason)
    except RecursionError:
        return Unknown(f"expression on line {e.line} is nested too deeply")


def resource_attr_ref(address: str, attr: str, value: Any) -> Any:
    """Tag a value read from another resource with that resource, so relationships survive."""
    if isinstance(value, str) and not isinstance(value, (RefStr, F.EncodedJson)):
        return RefStr(value, address)
    if value is None:
        return ref(address, attr)
    if isinstance(value, Unknown) and address not in value.refs:
        return Unknown(value.reason, nonnull=value.nonnull, refs=(*value.refs, address), attr=attr, text=value.text)
    return value


def render_template_text(text: str, variables: dict[str, Any], base_dir: str) -> Any:
    """``templatefile()``: render a template file with only the given variables in scope."""
    from wasec.sources.terraform.config import Module, Scope
    from wasec.sources.terraform.hcl.parser import parse_template

    expr = parse_template(text, 1, quoted=False)
    scope = Scope(Module(base_dir), prefix="", inputs={})
    return ev(expr, Ctx(scope, dict(variables)))
