"""JSON lines: one finding per line, the shape log pipelines and SIEMs ingest (and `wasec events --follow -f json`
prints as it goes). Problems are lines too, marked ``"type": "problem"``, so nothing is lost on the way."""

from __future__ import annotations

from typing import Any

import orjson


def render(result: Any, show_passed: bool = False, **_: Any) -> str:
    lines = [orjson.dumps({"type": "finding", **f.to_dict()}, option=orjson.OPT_NON_STR_KEYS)
             for f in result.findings if show_passed or f.status.value != "PASS"]
    lines += [orjson.dumps({"type": "problem", "file": p.file, "line": p.line, "message": p.message, "kind": p.kind})
              for p in result.problems]
    return "".join(x.decode() + "\n" for x in lines)
