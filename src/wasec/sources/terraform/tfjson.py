"""Terraform's JSON configuration syntax (``.tf.json``) → the same syntax tree as native files.

In JSON syntax every string is a template (``"${var.x}"``) and nested blocks are objects; an
object becomes an attribute whose value the body reader also serves as blocks, so mappers need not
know which syntax a module was written in.
"""

from __future__ import annotations

from typing import Any

from wasec.errors import ParseError
from wasec.sources.documents import Lines, PathKey
from wasec.sources.terraform.hcl import ast as A
from wasec.sources.terraform.hcl.parser import parse_template


def _expr(v: Any, line: int) -> A.Expr:
    if isinstance(v, str):
        return parse_template(v, line, quoted=False)
    if isinstance(v, list):
        return A.TupleExpr([_expr(x, line) for x in v], line)
    if isinstance(v, dict):
        return A.ObjectExpr([(A.Literal(k, line), _expr(x, line)) for k, x in v.items()], line)
    return A.Literal(v, line)


def _body(obj: Any, path: PathKey, lines: Lines) -> A.Body:
    body = A.Body()
    if isinstance(obj, list):  # a block given as a list of objects: merge them
        merged: dict[str, Any] = {}
        for o in obj:
            if isinstance(o, dict):
                merged.update(o)
        obj = merged
    if not isinstance(obj, dict):
        return body
    for k, v in obj.items():
        line = lines.get((*path, k), 1)
        if k == "//":
            continue
        body.attributes[k] = A.Attribute(k, _expr(v, line), line)
    return body


def convert(doc: Any, lines: Lines) -> A.Body:
    if not isinstance(doc, dict):
        raise ParseError("a .tf.json file must hold a JSON object")
    out = A.Body()
    for kind, v in doc.items():
        if not isinstance(v, dict):
            continue
        line = lines.get((kind,), 1)
        if kind in ("resource", "data"):
            for type_, named in v.items():
                if not isinstance(named, dict):
                    continue
                for name, cfg in named.items():
                    rp: PathKey = (kind, type_, name)
                    ln = lines.get(rp, line)
                    out.blocks.append(A.Block(kind, [type_, name], _body(cfg, rp, lines), ln, ln))
        elif kind in ("variable", "module", "output"):
            for name, cfg in v.items():
                bp: PathKey = (kind, name)
                ln = lines.get(bp, line)
                out.blocks.append(A.Block(kind, [name], _body(cfg, bp, lines), ln, ln))
        elif kind == "locals":
            out.blocks.append(A.Block("locals", [], _body(v, (kind,), lines), line, line))
    return out
