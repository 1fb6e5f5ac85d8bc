"""JSON written as text with ``${…}`` parts known only at apply time (a heredoc policy).

``jsonencode({...})`` keeps its structure, so a policy with one computed ARN stays a policy with
one unknown value. A heredoc or a quoted string loses it: the whole text is unknown. Here the text
is parsed with each unknown part held in place by a marker, so the document keeps its known
statements and only the values that held a ``${…}`` are unknown.
"""

from __future__ import annotations

import json
import re
from typing import Any

from wasec.model.values import Unknown

_PART = re.compile(r"\$\{[^{}]*\}")
_MARK = re.compile("\ue000(\\d+)\ue001")


def _marked(text: str) -> tuple[str, list[str]]:
    """The text with each ``${…}`` replaced by a marker (quoted where it stands outside a JSON string)."""
    parts: list[str] = []
    out: list[str] = []
    in_string = False
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and in_string:
            out.append(text[i:i + 2])
            i += 2
            continue
        if c == '"':
            in_string = not in_string
        elif c == "$":
            m = _PART.match(text, i)
            if m is not None:
                mark = f"\ue000{len(parts)}\ue001"
                parts.append(m.group())
                out.append(mark if in_string else f'"{mark}"')
                i = m.end()
                continue
        out.append(c)
        i += 1
    return "".join(out), parts


def parse(value: Unknown) -> Any:
    """The document ``value.text`` describes, unknown parts as Unknowns; ``value`` itself when it is not JSON."""
    text = (value.text or "").strip()
    if not text.startswith(("{", "[")) or "${" not in text:
        return value
    marked, parts = _marked(text)
    try:
        data = json.loads(marked)
    except ValueError:
        return value
    refs = value.refs

    def restore(s: str) -> str:
        return _MARK.sub(lambda m: parts[int(m.group(1))], s)

    def unknown(s: str) -> Unknown:
        shown = restore(s)
        mine = tuple(r for r in refs if r in shown) or refs
        return Unknown(f"{shown} is known only after deployment", nonnull=True, refs=mine, text=shown)

    def walk(v: Any) -> Any:
        if isinstance(v, str):
            return unknown(v) if _MARK.search(v) else v
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, dict):
            if any(_MARK.search(k) for k in v):  # a key nobody knows: what the mapping means is unknown
                return Unknown(f"a key of {restore(json.dumps(v))[:120]} is known only after deployment", refs=refs)
            return {k: walk(x) for k, x in v.items()}
        return v

    return walk(data)
