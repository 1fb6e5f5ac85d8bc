"""``Fn::ImportValue`` across the templates of one scan.

A stack exports a value under a name (``Outputs: X: Export: Name``) and another stack imports it by
that name. When both templates are scanned, the import is the exported value: a literal stays a
literal, and a reference to a resource of the exporting template still leads rules to that resource
(its key carries the exporting template's scope). Export names are often built from the stack name
(``${AWS::StackName}-VpcId``), which only deployment fixes: such a name matches any import with the
same fixed parts, and is used only when exactly one export matches; several are reported as such.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from wasec.model.values import RefStr, Unknown

_PART = re.compile(r"\$\{[^}]*\}")
_MAX_PARTS = 4


@dataclass
class Export:
    name: str  # the name, or its text with the parts known at deploy time as ${…}
    path: str
    value: Any
    parts: list[str] | None  # the fixed parts between unknown ones, when the name has unknown parts


@dataclass
class Exports:
    """The exports of every template scanned, gathered in a first pass, then used by the templates that import."""

    exports: list[Export] = field(default_factory=list)
    importers: set[str] = field(default_factory=set)  # templates that imported before every export was known
    complete: bool = False

    def add(self, path: str, name: Any, value: Any) -> None:
        if isinstance(name, Unknown):
            text = name.text or ""
            # CloudFormation caps export names at 255 characters; a name that is mostly unknown parts (or whose fixed
            # text is a separator or two) would match anything, so it matches nothing
            parts = _PART.split(text)
            if len(text) > 255 or len(parts) - 1 > _MAX_PARTS or sum(c.isalnum() for c in "".join(parts)) < 3:
                return
            self.exports.append(Export(text, path, _scoped(value, path), parts))
        elif isinstance(name, str):
            self.exports.append(Export(name, path, _scoped(value, path), None))

    def lookup(self, path: str, name: Any) -> Any:
        """The value imported by ``name`` from ``path``; Unknown when no scanned template (or several) export it."""
        if not self.complete:
            self.importers.add(path)
            return Unknown("an export of another stack", nonnull=True)
        hits = [e for e in self.exports if e.path != path and _matches(e, name)]
        if not hits:
            return Unknown("an export of another stack (no scanned template exports it)", nonnull=True)
        # several: a template beside the importer, then one in the same format (a tree that ships each template as
        # JSON and YAML exports every name twice), then one value they all agree on
        for near in (lambda e: os.path.dirname(e.path) == os.path.dirname(path),
                     lambda e: os.path.splitext(e.path)[1] == os.path.splitext(path)[1]):
            if len(hits) > 1 and any(near(e) for e in hits):
                hits = [e for e in hits if near(e)]
        if len(hits) > 1 and not isinstance(hits[0].value, Unknown) and all(e.value == hits[0].value for e in hits):
            hits = hits[:1]
        if len(hits) > 1:
            where = ", ".join(sorted({e.path for e in hits})[:3])
            return Unknown(f"an export of another stack ({len(hits)} scanned templates export a matching name: {where})",
                           nonnull=True)
        return hits[0].value


def _matches(e: Export, name: Any) -> bool:
    if isinstance(name, Unknown):
        if not name.text:
            return False
        return _PART.sub("\0", name.text) == _PART.sub("\0", e.name)
    if not isinstance(name, str) or len(name) > 255:
        return False
    return name == e.name if e.parts is None else _fits(e.parts, name)


def _fits(parts: list[str], name: str) -> bool:
    """Whether ``name`` is the fixed ``parts`` in order with at least one character for each unknown part between
    them; the leftmost place of each part is the one that leaves the most room, so one pass decides (no regex
    backtracking on hostile names)."""
    first, last = parts[0], parts[-1]
    if len(name) < len(first) + len(last) + len(parts) - 1 or not name.startswith(first) or not name.endswith(last):
        return False
    pos, end = len(first), len(name) - len(last)
    for middle in parts[1:-1]:
        i = name.find(middle, pos + 1)
        if i < 0 or i + len(middle) > end - 1:
            return False
        pos = i + len(middle)
    return end - pos >= 1


def _scoped(value: Any, path: str) -> Any:
    """References to the exporting template's resources, named so the importing template can still follow them."""
    if isinstance(value, Unknown) and value.refs:
        return Unknown(f"{value.reason} (exported by {path})", nonnull=value.nonnull, attr=value.attr, text=value.text,
                       refs=tuple(r if "::" in r else f"{path}::{r}" for r in value.refs))
    if isinstance(value, RefStr) and "::" not in value.ref:
        return RefStr(str(value), f"{path}::{value.ref}")
    return value
