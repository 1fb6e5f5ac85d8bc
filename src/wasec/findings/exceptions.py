"""Exceptions: reviewed reasons for a finding not to count.

Two forms, both with a reason:

* inline, next to the code: ``# wasec:ignore RULE-ID why it is acceptable`` (``#`` or ``//``
  comments in Terraform, ``#`` in YAML), on the resource's line, the attribute's line, or the line
  above either;
* in ``.wasec/exceptions.yml``, reviewed like code::

      exceptions:
        - rule: s3-bucket-access-logging
          resource: aws_s3_bucket.public_site     # resource id; * and ? globs allowed
          file: site/main.tf                      # optional; from the project root (where .wasec is)
          justification: static site content, logged at CloudFront
          owner: web-team@example.com
          expires: 2027-03-31

An exception without a justification (or, in the file, without an owner and expiry) is refused
and reported. An expired exception no longer suppresses its finding, and the finding says so.
Inline ignores can be switched off (``inline_ignores: false``) so that only reviewed exceptions count.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import re
from dataclasses import dataclass

from wasec import safe_io
from wasec.config import Config, read_yaml
from wasec.errors import InputError
from wasec.model.finding import Finding, Problem, Status, Suppression

INLINE = re.compile(r"(?:#|//)\s*wasec:ignore(?:\s+([A-Za-z0-9_.:-]+))?(?:\s+(.*\S))?")


@dataclass
class FileException:
    rule: str
    resource: str
    file: str | None
    justification: str
    owner: str
    expires: dt.date
    line: int | None


def _load_file_exceptions(config: Config) -> tuple[list[FileException], list[Problem]]:
    path = config.path("exceptions.yml")
    if path is None or not os.path.exists(path):
        return [], []
    data = read_yaml(path) or {}
    entries = data.get("exceptions", []) if isinstance(data, dict) else data
    out: list[FileException] = []
    problems: list[Problem] = []
    if not isinstance(entries, list):
        return [], [Problem(path, "expected a list under 'exceptions'")]
    for i, e in enumerate(entries):
        where = f"exception #{i + 1}"
        if not isinstance(e, dict):
            problems.append(Problem(path, f"{where}: expected a mapping"))
            continue
        missing = [k for k in ("rule", "resource", "justification", "owner", "expires") if not e.get(k)]
        if missing:
            problems.append(Problem(path, f"{where} refused: missing {', '.join(missing)} "
                                          "(every exception needs a rule, resource, justification, owner and expiry)"))
            continue
        expires = e["expires"]
        if isinstance(expires, str):
            try:
                expires = dt.date.fromisoformat(expires)
            except ValueError:
                problems.append(Problem(path, f"{where} refused: expires must be a date (YYYY-MM-DD), got {expires!r}"))
                continue
        if isinstance(expires, dt.datetime):
            expires = expires.date()
        out.append(FileException(str(e["rule"]), str(e["resource"]), e.get("file"), str(e["justification"]),
                                 str(e["owner"]), expires, None))
    return out, problems


class _Lines:
    def __init__(self) -> None:
        self.cache: dict[str, list[str]] = {}

    def get(self, path: str) -> list[str]:
        if path not in self.cache:
            try:
                self.cache[path] = safe_io.read_text(path, 50 * safe_io.MB, errors="replace").split("\n")
            except InputError:
                self.cache[path] = []
        return self.cache[path]


def _inline_markers(lines: list[str], candidates: list[int]) -> list[tuple[int, str | None, str | None]]:
    out = []
    for ln in sorted(set(candidates)):
        if 1 <= ln <= len(lines):
            text = lines[ln - 1]
            if "wasec:ignore" in text:
                m = INLINE.search(text)
                if m:
                    out.append((ln, m.group(1), m.group(2)))
    return out


def apply_exceptions(findings: list[Finding], config: Config, root: str, today: dt.date | None = None,
                     inline: bool | set[str] = True) -> tuple[list[Finding], list[Problem]]:
    """Suppress findings covered by a valid exception; report refused and expired ones.

    ``inline=False`` for findings whose lines are not today's files (git history): only exceptions.yml;
    a set of paths when the caller knows which files mention ``wasec:ignore`` (the others are not read).
    """
    today = today or dt.date.today()
    file_excs, problems = _load_file_exceptions(config)
    lines = _Lines()
    reported: set[tuple[str, int]] = set()
    out: list[Finding] = []
    for f in findings:
        if f.status is Status.PASS:
            out.append(f)
            continue
        sup: Suppression | None = None
        notes: list[str] = list(f.notes)
        if f.file and inline and (inline is True or f.file in inline):
            path = f.file if os.path.isabs(f.file) else os.path.join(root, f.file)
            start = f.resource_line
            cands = [x for x in (f.line, (f.line or 0) - 1, start, (start or 0) - 1, (start or 0) + 1) if x]
            for ln, rid, reason in _inline_markers(lines.get(path), cands):
                if rid not in (f.rule_id, "*", None):
                    continue
                key = (path, ln)
                if not reason:
                    if key not in reported:
                        reported.add(key)
                        problems.append(Problem(f.file, f"wasec:ignore {rid or ''} refused: give a reason after the rule id", ln))
                    continue
                if not config.inline_ignores:
                    if key not in reported:
                        reported.add(key)
                        problems.append(Problem(f.file, "inline wasec:ignore is disabled by configuration "
                                                        "(inline_ignores: false); use .wasec/exceptions.yml", ln, "warning"))
                    continue
                if rid is None:
                    continue
                sup = Suppression("inline", reason, source=f"{f.file}:{ln}")
                break
        if sup is None:
            for e in file_excs:
                if e.rule != f.rule_id or not fnmatch.fnmatchcase(f.resource_id, e.resource):
                    continue
                if e.file and f.file and not fnmatch.fnmatchcase(config.relative(f.file, root), e.file) \
                        and not fnmatch.fnmatchcase(f.file, e.file):
                    continue
                if e.expires < today:
                    notes.append(f"exception expired on {e.expires.isoformat()} (owner {e.owner}): {e.justification}")
                    continue
                sup = Suppression("exception", e.justification, e.owner, e.expires.isoformat(),
                                  config.path("exceptions.yml"))
                break
        out.append(f.with_(suppressed=sup, notes=tuple(notes)) if (sup or notes != list(f.notes)) else f)
    return out, problems


def parse_inline(text: str) -> list[tuple[str | None, str | None]]:
    """Markers in a text (for tests and `wasec rules`)."""
    return [(m.group(1), m.group(2)) for m in INLINE.finditer(text)]
