"""Baselines: record today's failing findings so CI fails only on new ones.

A baseline holds fingerprints (rule + resource identity), so it survives line moves, reformatting
and edits elsewhere in a file. Findings whose fingerprint is in the baseline are suppressed (kind
``baseline``) and reported as such; fixing one simply drops it out of the next baseline.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

from wasec.errors import UsageError
from wasec.model.finding import Finding, Status, Suppression

VERSION = 1


def write(findings: list[Finding], path: str) -> int:
    entries = {
        f.fingerprint: {"rule": f.rule_id, "resource": f.resource_id, "type": f.resource_type, "file": f.file}
        for f in findings if f.status is Status.FAIL and f.suppressed is None
    }
    doc = {"version": VERSION, "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "findings": entries}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1, sort_keys=True)
        fh.write("\n")
    os.replace(tmp, path)
    return len(entries)


def load(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as e:
        raise UsageError(f"baseline {path}: cannot read: {e.strerror}") from None
    except ValueError as e:
        raise UsageError(f"baseline {path}: not valid JSON ({e})") from None
    if not isinstance(doc, dict) or doc.get("version") != VERSION or not isinstance(doc.get("findings"), dict):
        raise UsageError(f"baseline {path}: not a wasec baseline (version {VERSION}); write one with `wasec baseline write`")
    findings: dict[str, Any] = doc["findings"]
    return findings


def apply(findings: list[Finding], path: str) -> list[Finding]:
    known = load(path)
    out = []
    for f in findings:
        if f.status is Status.FAIL and f.suppressed is None and f.fingerprint in known:
            f = f.with_(suppressed=Suppression("baseline", f"in baseline {os.path.basename(path)}", source=path))
        out.append(f)
    return out
