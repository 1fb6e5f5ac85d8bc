"""Set one property of a CloudFormation resource in its YAML or JSON text, the rest untouched.

Positions come from the loader's line map (the same one findings use). A property set on one line
gets its value replaced; a missing one is added under its parent with the indentation of its
siblings (after ``Properties:``, or after ``"Properties": {`` with the comma JSON needs). Flow-style
mappings (``Properties: {A: 1}``) and values over several lines are not rewritten: :class:`EditError`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from wasec.remediation.hcl_edit import EditError
from wasec.sources.documents import Lines

_PLAIN = re.compile(r"^[A-Za-z0-9_./:-]+$")


def _yaml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    s = str(v)
    return s if _PLAIN.match(s) and s.lower() not in ("true", "false", "yes", "no", "null", "on", "off") else json.dumps(s)


def _indent(line: str) -> str:
    return re.match(r"[ \t]*(?:-[ \t]+)?", line).group(0).replace("-", " ")  # type: ignore[union-attr]


def set_property(text: str, lines: Lines, logical_id: str, path: tuple[str, ...], value: Any, is_json: bool) -> str:
    """``text`` with ``Resources.<logical_id>.Properties.<path>`` set to ``value``."""
    rows = text.split("\n")
    full = ("Resources", logical_id, "Properties", *path)
    if full in lines:
        n = lines[full] - 1
        pattern = (r'^(\s*"' + re.escape(path[-1]) + r'"\s*:\s*)(.*?)(\s*,?\s*)$' if is_json
                   else r"^(\s*(?:-\s+)?['\"]?" + re.escape(path[-1]) + r"['\"]?\s*:\s*)(.*?)(\s*)$")
        m = re.match(pattern, rows[n])
        if m and m.group(2)[:1] == "!":
            raise EditError(f"{'.'.join(path)} is set from `{m.group(2)}`; change the value where it is given")
        if not m or not m.group(2) or m.group(2)[0] in "{[|>&*":
            raise EditError(f"{'.'.join(path)} is written over several lines; change it by hand")
        rows[n] = m.group(1) + (json.dumps(value) if is_json else _yaml_value(value)) + m.group(3)
        return "\n".join(rows)
    # the deepest part of the path that exists; what is missing goes under it
    for k in range(len(full) - 1, 1, -1):
        if full[:k] in lines:
            parent, missing = full[:k], full[k:]
            break
    else:
        raise EditError(f"resource {logical_id} is not in this file")
    n = lines[parent] - 1
    head = rows[n]
    siblings = [ln for key, ln in lines.items() if len(key) == len(parent) + 1 and key[:len(parent)] == parent]
    if is_json:
        if not head.rstrip().endswith("{"):
            raise EditError(f"{'.'.join(map(str, parent[1:]))} is written on one line; change it by hand")
        indent = _indent(rows[min(siblings) - 1]) if siblings else _indent(head) + "  "
        nested: Any = value
        for key in reversed(missing[1:]):
            nested = {key: nested}
        more = any(r.strip() and not r.strip().startswith("}") for r in rows[n + 1:n + 2])
        rows.insert(n + 1, f"{indent}{json.dumps(missing[0])}: {json.dumps(nested)}{',' if more else ''}")
        return "\n".join(rows)
    after = head.split(":", 1)[1].strip() if ":" in head else ""
    if after and not after.startswith("#"):
        raise EditError(f"{'.'.join(map(str, parent[1:]))} is written in flow style; change it by hand")
    indent = _indent(rows[min(siblings) - 1]) if siblings else _indent(head) + "  "
    new = []
    for depth, key in enumerate(missing):
        pad = indent + "  " * depth
        new.append(f"{pad}{key}: {_yaml_value(value)}" if depth == len(missing) - 1 else f"{pad}{key}:")
    rows[n + 1:n + 1] = new
    return "\n".join(rows)
