"""``Fn::ForEach`` (the ``AWS::LanguageExtensions`` transform): one template entry per collection item.

::

    Fn::ForEach::Tables:
      - Name                       # the identifier
      - [Points, Score]            # the collection (or a Ref to a list parameter)
      - Table${Name}:              # the output: keys and values with ${Name} / &{Name} / Ref: Name
          Type: AWS::DynamoDB::Table
          Properties: {TableName: !Ref Name}

Expanded before anything else reads the section, as CloudFormation does, so every rule sees the
tables. Line numbers of the expanded entries point at the template body inside the loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

PREFIX = "Fn::ForEach::"
PathKey = tuple[Any, ...]


class ForEachError(ValueError):
    pass


def expand(section: dict[str, Any], collection: Callable[[Any], list[Any]], lines: dict[PathKey, int],
           base: PathKey) -> dict[str, Any]:
    """``section`` with every ``Fn::ForEach::*`` entry replaced by its expansion (nested loops too).

    ``collection`` resolves a loop's collection (a list, or a Ref to a list parameter) or raises
    :class:`ForEachError`; ``lines`` gains entries for the expanded keys.
    """
    if not any(isinstance(k, str) and k.startswith(PREFIX) for k in section):
        return section
    out: dict[str, Any] = {}
    for key, value in section.items():
        if not (isinstance(key, str) and key.startswith(PREFIX)):
            out[key] = value
            continue
        if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str) and isinstance(value[2], dict)):
            raise ForEachError(f"{key}: expected [identifier, collection, {{output key: template}}]")
        ident, items, template = value[0], collection(value[1]), value[2]
        for item in items:
            if not isinstance(item, (str, int, float)):
                raise ForEachError(f"{key}: collection items must be strings")
            sub = str(item)
            for tkey, tval in template.items():
                new_key = _text(tkey, ident, sub)
                body = _value(tval, ident, sub)
                _copy_lines(lines, (*base, key, 2, tkey), (*base, new_key))
                if isinstance(new_key, str) and new_key.startswith(PREFIX):
                    out.update(expand({new_key: body}, collection, lines, base))
                else:
                    out[new_key] = body
    return out


def _text(s: Any, ident: str, item: str) -> Any:
    if not isinstance(s, str):
        return s
    return s.replace("${" + ident + "}", item).replace("&{" + ident + "}", re.sub(r"[^A-Za-z0-9]", "", item))


def _value(v: Any, ident: str, item: str) -> Any:
    if isinstance(v, dict):
        if len(v) == 1 and v.get("Ref") == ident:
            return item
        if len(v) == 1 and "Fn::Sub" in v:
            arg = v["Fn::Sub"]
            if isinstance(arg, str):
                return {"Fn::Sub": _text(arg, ident, item)}
            if isinstance(arg, list) and arg and isinstance(arg[0], str):
                return {"Fn::Sub": [_text(arg[0], ident, item), *[_value(x, ident, item) for x in arg[1:]]]}
        return {_text(k, ident, item): _value(x, ident, item) for k, x in v.items()}
    if isinstance(v, list):
        return [_value(x, ident, item) for x in v]
    return v


def _copy_lines(lines: dict[PathKey, int], old: PathKey, new: PathKey) -> None:
    n = len(old)
    for path, line in list(lines.items()):
        if path[:n] == old:
            lines.setdefault((*new, *path[n:]), line)
