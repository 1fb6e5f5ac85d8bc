"""Dockerfiles (and Containerfiles) → one canonical resource each, every instruction with its line.

The parser follows the Dockerfile reference: the ``escape`` parser directive, line continuations,
comments (also between continued lines), JSON (exec) and shell forms, heredocs (``RUN <<EOF``) and
build stages. Properties: ``stages`` (each ``from``, ``as``, ``platform``, ``line`` and its
``instructions``: ``cmd``, ``value``, ``args`` for the exec form, ``line``) and ``args`` (the ``ARG``
lines before the first ``FROM``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from wasec.errors import InputError
from wasec.model.finding import Problem
from wasec.model.resource import Loc, Origin, PathKey, Resource
from wasec.sources.files import read_text

SOURCE = "dockerfile"
TYPE = "Docker::Dockerfile"
_DIRECTIVE = re.compile(r"^#\s*(escape|syntax|check)\s*=\s*(\S+)\s*$", re.I)
_HEREDOC = re.compile(r"<<-?\s*[\"']?([A-Za-z_][\w]*)[\"']?")
_INSTRUCTION = re.compile(r"^\s*([A-Za-z]+)(?:\s+(.*))?$", re.S)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, joined text) of each instruction: continuations joined, comments dropped."""
    lines = text.splitlines()
    escape = "\\"
    for raw in lines:  # parser directives: only at the very top, before any other line
        m = _DIRECTIVE.match(raw.strip())
        if not m:
            break
        if m.group(1).lower() == "escape" and m.group(2) in ("\\", "`"):
            escape = m.group(2)
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        start, parts = i + 1, []
        while True:
            body = line.rstrip()
            if body.endswith(escape) and not body.endswith(escape * 2):
                parts.append(body[:-1])
                i += 1
                while i < len(lines) and (not lines[i].strip() or lines[i].strip().startswith("#")):
                    i += 1  # comments and empty lines inside a continuation are skipped
                if i >= len(lines):
                    break
                line = lines[i]
                continue
            parts.append(body)
            i += 1
            break
        joined = " ".join(p.strip() for p in parts)
        for tag in _HEREDOC.findall(joined) if joined.split(None, 1)[0].upper() in ("RUN", "COPY", "ADD") else []:
            body_lines = []
            while i < len(lines) and lines[i].strip() != tag:
                body_lines.append(lines[i])
                i += 1
            i += 1  # the closing delimiter
            joined += "\n" + "\n".join(body_lines)
        out.append((start, joined))
    return out


def parse(text: str) -> dict[str, Any]:
    """The Dockerfile as data (see the module docstring)."""
    stages: list[dict[str, Any]] = []
    global_args: list[dict[str, Any]] = []
    for line, joined in _logical_lines(text):
        m = _INSTRUCTION.match(joined)
        if not m:
            continue
        cmd, value = m.group(1).upper(), (m.group(2) or "").strip()
        inst: dict[str, Any] = {"cmd": cmd, "value": value, "line": line}
        if value.startswith("["):
            try:
                args = json.loads(value)
                if isinstance(args, list) and all(isinstance(a, str) for a in args):
                    inst["args"] = args
            except ValueError:
                pass  # not JSON: the shell form, as Docker reads it
        if cmd == "FROM":
            words = value.split()
            platform = next((w.split("=", 1)[1] for w in words if w.startswith("--platform=")), None)
            words = [w for w in words if not w.startswith("--")]
            stage: dict[str, Any] = {"from": words[0] if words else "", "line": line, "instructions": []}
            if len(words) >= 3 and words[1].lower() == "as":
                stage["as"] = words[2]
            if platform:
                stage["platform"] = platform
            stages.append(stage)
        elif stages:
            stages[-1]["instructions"].append(inst)
        elif cmd == "ARG":
            global_args.append(inst)
    return {"stages": stages, "args": global_args}


def load_dockerfile(path: str, max_bytes: int) -> tuple[list[Resource], list[Problem]]:
    try:
        text = read_text(path, max_bytes)
    except InputError as e:
        return [], [Problem(path, str(e))]
    props = parse(text)
    if not props["stages"]:
        return [], [Problem(path, "no FROM instruction: not a Dockerfile, or an empty one", kind="warning")]
    templated = next((st for st in props["stages"] if "{{" in st["from"] or "{%" in st["from"]), None)
    if templated is not None:
        return [], [Problem(path, "a template, not a Dockerfile yet: its FROM holds {{ }} placeholders; scan the "
                                  "Dockerfiles it renders", templated["line"], kind="warning")]
    locs: dict[PathKey, Loc] = {(): Loc(path, props["stages"][0]["line"])}
    for si, st in enumerate(props["stages"]):
        locs[("stages", si)] = locs[("stages", si, "from")] = Loc(path, st["line"])
        for ii, inst in enumerate(st["instructions"]):
            locs[("stages", si, "instructions", ii)] = Loc(path, inst["line"])
            locs[("stages", si, "instructions", ii, "value")] = Loc(path, inst["line"])
    for ai, inst in enumerate(props["args"]):
        locs[("args", ai)] = Loc(path, inst["line"])
    return [Resource(TYPE, path, props, Origin(SOURCE, path, path, 1), locs=locs)], []
