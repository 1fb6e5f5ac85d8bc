"""Outputs turn a scan result into a report; they know nothing of sources or rules' internals.

One table maps a format name to its module and file extension; a new format is one module and one
line here. Every module exposes ``render(result) -> str``.
"""

from __future__ import annotations

import importlib
from typing import Any

from wasec.errors import UsageError

FORMATS: dict[str, tuple[str, str]] = {
    "text": ("wasec.outputs.text", "txt"),
    "json": ("wasec.outputs.json_report", "json"),
    "jsonl": ("wasec.outputs.jsonl", "jsonl"),
    "sarif": ("wasec.outputs.sarif", "sarif"),
    "junit": ("wasec.outputs.junit", "xml"),
    "asff": ("wasec.outputs.asff", "asff.json"),
    "ocsf": ("wasec.outputs.ocsf", "ocsf.json"),
    "markdown": ("wasec.outputs.markdown", "md"),
    "html": ("wasec.outputs.html", "html"),
    "csv": ("wasec.outputs.csv_report", "csv"),
}


def parse_formats(spec: str) -> list[str]:
    names = [x.strip().lower() for x in spec.split(",") if x.strip()]
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        raise UsageError(f"unknown format {', '.join(unknown)} (one of: {', '.join(FORMATS)})")
    return names or ["text"]


def render(name: str, result: Any, **opts: Any) -> str:
    module = importlib.import_module(FORMATS[name][0])
    out: str = module.render(result, **opts)
    return out


def extension(name: str) -> str:
    return FORMATS[name][1]
