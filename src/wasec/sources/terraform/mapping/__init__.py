"""Terraform resources → canonical CloudFormation-shaped resources.

Each supported Terraform type has one mapper, registered with :func:`maps` (a resource of its own)
or :func:`attaches` (a Terraform sub-resource merged into the resource it configures, such as
``aws_s3_bucket_versioning`` into its ``AWS::S3::Bucket``). Mappers copy attributes with a table
(``{"tf_name": "CfnPath"}``) and write through a :class:`Builder` that records the source line of
every property it sets.

The service modules below are imported for their registrations.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from wasec.model.resource import Loc
from wasec.model.values import Unknown
from wasec.sources.builder import Builder as _Builder
from wasec.sources.builder import split_path
from wasec.sources.terraform.body import Body, Val
from wasec.sources.terraform.functions import EncodedJson


class Blk(NamedTuple):
    """A nested Terraform block copied to a CloudFormation path with its own table."""

    path: str
    table: dict[str, Any]
    many: bool = False


class Builder(_Builder):
    """A builder that can also copy Terraform attributes and blocks, recording their lines."""

    def set(self, path: str, val: Val | None, fn: Callable[[Any], Any] | None = None) -> None:
        """Copy one Terraform attribute (if set) to ``path``, converting known values with ``fn``."""
        if val is None:
            return
        v = val.value
        if fn is not None and (not isinstance(v, Unknown) or getattr(fn, "reads_unknown", False)):
            v = fn(v)
        self.put(path, v, val.line, val.file)

    def policy(self, path: str, val: Val | None) -> None:
        """Set a resource policy document; a second policy for the same resource adds its statements.

        Two Terraform policy resources for one bucket or queue fight over it; wasec evaluates every
        statement either could apply, each located in its own file.
        """
        if val is None:
            return
        doc = json_doc(val.value)
        current = self.get(path)
        if not (isinstance(current, dict) and isinstance(doc, dict)):
            self.set(path, val, json_doc)
            return
        old, new = current.get("Statement"), doc.get("Statement")
        old_list = old if isinstance(old, list) else [old] if old is not None else []
        new_list = new if isinstance(new, list) else [new] if new is not None else []
        key = split_path(path)
        current["Statement"] = old_list + new_list
        for i in range(len(new_list)):
            self.locs[(*key, "Statement", len(old_list) + i)] = Loc(val.file, val.line)

    def copy(self, body: Body, table: dict[str, Any], prefix: str = "") -> None:
        for tf_name, spec in table.items():
            if isinstance(spec, Blk):
                self.block(body, tf_name, _join(prefix, spec.path), spec.table, spec.many)
            elif isinstance(spec, tuple):
                self.set(_join(prefix, spec[0]), body.attr(tf_name), spec[1])
            else:
                self.set(_join(prefix, spec), body.attr(tf_name))

    def block(self, body: Body, tf_name: str, path: str, table: dict[str, Any], many: bool = False) -> list[Body]:
        """Copy nested blocks ``tf_name`` to ``path`` (a list when ``many``)."""
        unknown = body.blocks_unknown(tf_name)
        if unknown is not None:
            # a block standing for its children (path "") marks each child block's path
            for p in [path] if path else [_join(path, s.path) for s in table.values() if isinstance(s, Blk)]:
                self.put(p, unknown, body.line, body.file)
            return []
        blocks = body.blocks(tf_name)
        if not blocks:
            return []
        for i, b in enumerate(blocks if many else blocks[:1]):
            p = f"{path}.{i}" if many else path
            if p:
                self.put(p, self.get(p) if isinstance(self.get(p), dict) else {}, b.line, b.file)
            self.copy(b, table, p)
        return blocks


def _join(prefix: str, path: str) -> str:
    return f"{prefix}.{path}" if prefix and path else prefix or path


@dataclass
class Mapper:
    tf_type: str
    cfn_type: str
    fn: Callable[..., None]
    parent: str | None = None  # attribute naming the parent, for attachments


MAPPERS: dict[str, Mapper] = {}
DATA_MAPPERS: dict[str, Mapper] = {}


def maps(tf_type: str, cfn_type: str, *, data: bool = False) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register the mapper of a Terraform type that becomes a canonical resource of its own."""

    def deco(fn: Callable[..., None]) -> Callable[..., None]:
        table = DATA_MAPPERS if data else MAPPERS
        if tf_type in table:
            raise ValueError(f"{tf_type} is mapped twice")
        table[tf_type] = Mapper(tf_type, cfn_type, fn)
        return fn

    return deco


def attaches(tf_type: str, parent_type: str, via: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register a Terraform sub-resource whose settings belong to the resource named by ``via``."""

    def deco(fn: Callable[..., None]) -> Callable[..., None]:
        if tf_type in MAPPERS:
            raise ValueError(f"{tf_type} is mapped twice")
        MAPPERS[tf_type] = Mapper(tf_type, parent_type, fn, parent=via)
        return fn

    return deco


def simple(tf_type: str, cfn_type: str, table: dict[str, Any], name: str | None = None) -> None:
    """Register a mapper that is only a copy table (the common case)."""

    def fn(b: Body, o: Builder, m: Any) -> None:
        o.copy(b, table)
        if name:
            o.name(b.attr(name))

    maps(tf_type, cfn_type)(fn)


# -- value converters shared by mappers -------------------------------------------------------
def json_doc(v: Any) -> Any:
    """A policy or JSON document attribute: parse text, keep structure from jsonencode()."""
    if isinstance(v, EncodedJson):
        return v.data
    if isinstance(v, Unknown):
        from wasec.sources.terraform import partial_json

        return partial_json.parse(v)  # a heredoc with a computed ARN keeps its known statements
    if isinstance(v, str):
        text = v.strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return Unknown("document is not valid JSON")
    return v


json_doc.reads_unknown = True  # type: ignore[attr-defined]  # a partly known text keeps what is known


def enabled_status(v: Any) -> Any:
    if isinstance(v, bool):
        return "Enabled" if v else "Suspended"
    return v


def as_list(v: Any) -> Any:
    if v is None or isinstance(v, (list, Unknown)):
        return v
    return [v]


def tags_of(b: Body) -> dict[str, str]:
    t = b.attr("tags")
    if t is None or not isinstance(t.value, dict):
        return {}
    return {str(k): v for k, v in t.value.items() if isinstance(v, str)}


from wasec.sources.terraform.mapping import (  # noqa: E402,F401  (registrations)
    compute,
    data_services,
    identity,
    kubernetes,
    logging,
    network,
    storage,
)
