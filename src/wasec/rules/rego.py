"""Rules written in Rego (OPA / conftest style), evaluated by rego-cpp through ``regopy`` (``wasec[rego]``).

A ``*.rego`` file in a rule pack is one rule over one canonical resource at a time::

    package wasec.acme_bucket_owner
    import rego.v1

    metadata := {"id": "acme-bucket-owner", "title": "Buckets carry an Owner tag", "severity": "medium",
                 "types": ["AWS::S3::Bucket"], "wa": ["SEC07-BP01"]}

    deny contains msg if {
        not input.tags.Owner
        msg := "the bucket has no Owner tag"
    }

``input`` is ``{"type", "id", "source", "properties", "tags", "unknown"}``: the same canonical
properties YAML and built-in rules read, for Terraform, CloudFormation and live accounts alike. A
value that cannot be known statically is ``{"__unknown__": "<reason>"}`` and its path is listed in
``input.unknown``. ``deny`` gives strings or ``{"msg": …, "path": …}`` objects: any → FAIL. With no
denial, a rule that defines ``unknown`` (a set of reasons) and makes it non-empty gives UNKNOWN; else
PASS. Tests for a Rego rule go in a YAML file: ``{tests_for: <rule id>, tests: [...]}``.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

import orjson

from wasec.errors import ConfigError
from wasec.model.finding import Severity
from wasec.model.values import Unknown
from wasec.rules.registry import AREAS, Rule
from wasec.rules.view import Fail, Unsure, View

META_KEYS = {"id", "title", "severity", "types", "area", "category", "wa", "cis", "fsbp", "why", "fix", "terraform",
             "cloudformation"}


def _interpreter() -> Any:
    # rego-cpp carries its own copy of RE2; loaded before google-re2 (which pySigma uses for
    # `wasec events --sigma`), that later crashes the process. Loading google-re2 first, when it is
    # installed, keeps both working in one process (a library user, a test suite).
    with contextlib.suppress(ImportError):
        import re2  # noqa: F401
    try:
        from regopy import Interpreter
    except ImportError:
        raise ConfigError("Rego rules need the rego extra: pip install 'wasec[rego]'") from None
    return Interpreter()


@contextlib.contextmanager
def _native_output() -> Iterator[list[str]]:
    """rego-cpp prints its parse errors on the process's stdout; keep them out of reports, and keep them."""
    out: list[str] = []
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 1)
        try:
            yield out
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            tmp.seek(0)
            out.append(tmp.read().decode("utf-8", "replace"))


def _parse_error(path: str, printed: str, error: Exception) -> ConfigError:
    """The first error rego-cpp printed, as file:line:col: message."""
    m = re.search(r"^(.+)\n-- .*?:(\d+):(\d+)\n", printed, re.M)
    if m:
        return ConfigError(f"{path}:{m.group(2)}:{m.group(3)}: Rego: {m.group(1).strip()}")
    return ConfigError(f"{path}: Rego: {printed.strip() or error}")


def _query(interp: Any, query: str, where: str) -> Any:
    out = interp.query(query)
    if not out.ok():
        raise ConfigError(f"{where}: {str(out).strip()}")
    try:
        doc = orjson.loads(str(out))
    except orjson.JSONDecodeError:  # "undefined": the package does not define it
        return None
    exprs = (doc.get("expressions") or [None]) if isinstance(doc, dict) else [None]
    return exprs[0]


def _plain(v: Any, path: str, unknown: list[str]) -> Any:
    if isinstance(v, Unknown):
        unknown.append(path)
        return {"__unknown__": v.reason}
    if isinstance(v, dict):
        return {str(k): _plain(x, f"{path}.{k}" if path else str(k), unknown) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x, f"{path}[{i}]", unknown) for i, x in enumerate(v)]
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return str(v)


def load(path: str) -> Rule:
    """One Rego file as a rule; every mistake names the file (and the line, where rego-cpp gives one)."""
    from wasec.config import read_config_text

    text = read_config_text(path)
    m = re.search(r"^package\s+([A-Za-z_][\w.]*)", text, re.M)
    if m is None:
        raise ConfigError(f"{path}:1: a Rego rule needs a package line")
    package = m.group(1)
    interp = _interpreter()
    with _native_output() as printed:
        try:
            interp.add_module(path, text)
            error: Exception | None = None
        except Exception as e:  # regopy's RegoError
            error = e
    if error is not None:
        raise _parse_error(path, printed[0], error)
    meta = _query(interp, f"data.{package}.metadata", path)
    line = text[:m.start()].count("\n") + 1
    if not isinstance(meta, dict):
        raise ConfigError(f"{path}:{line}: package {package} needs `metadata := {{\"id\": …, \"title\": …, "
                          "\"severity\": …, \"types\": [...]}}`")
    for k in meta:
        if k not in META_KEYS:
            raise ConfigError(f"{path}: metadata: unknown key '{k}' (known keys: {', '.join(sorted(META_KEYS))})")
    missing = [k for k in ("id", "title", "severity", "types") if k not in meta]
    if missing:
        raise ConfigError(f"{path}: metadata needs '{missing[0]}'")
    try:
        severity = Severity.parse(str(meta["severity"]))
    except ValueError as e:
        raise ConfigError(f"{path}: metadata: {e}") from None
    area = str(meta.get("area", "foundations"))
    if area not in AREAS:
        raise ConfigError(f"{path}: metadata: area must be one of {', '.join(AREAS)}")
    has_unknown = re.search(r"^\s*unknown\s+contains\b", text, re.M) is not None
    title = str(meta["title"])

    def check(r: View) -> Any:
        unknown: list[str] = []
        doc = {"type": r.type, "id": r.id, "source": r.source,
               "properties": _plain(r.props, "", unknown), "tags": dict(r.resource.tags), "unknown": unknown}
        interp.set_input_term(orjson.dumps(doc).decode())
        denied = _query(interp, f"data.{package}.deny", path) or []
        fails = []
        for d in denied:
            if isinstance(d, dict):
                fails.append(Fail(str(d.get("path", "")), str(d.get("msg", title))))
            else:
                fails.append(Fail("", str(d)))
        if fails:
            return fails
        if has_unknown:
            reasons = _query(interp, f"data.{package}.unknown", path) or []
            if reasons:
                return Unsure("; ".join(map(str, reasons)), unknown[0] if unknown else "")
        if r.resource.known is not None:
            return Unsure(f"{r.id} is defined outside the scanned code; only {', '.join(sorted(r.resource.known))} is known here")
        return None

    return Rule(
        id=str(meta["id"]), title=title, severity=severity, types=tuple(str(t) for t in meta["types"]), check=check,
        area=area, category=str(meta.get("category", "hardening")), wa=tuple(meta.get("wa", ())),
        cis=tuple(meta.get("cis", ())), fsbp=tuple(meta.get("fsbp", ())), why=str(meta.get("why", "")),
        fix=str(meta.get("fix", "")), fix_terraform=str(meta.get("terraform", "")),
        fix_cloudformation=str(meta.get("cloudformation", "")), custom=True,
    )
