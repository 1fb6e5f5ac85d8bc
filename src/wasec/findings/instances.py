"""Instances of one block that a rule judges alike are one finding, with their count.

``count = 1000`` gives a thousand resources ``aws_instance.web[0]`` … ``[999]``; when a rule says the same of
each (same status, message, place and exception), the report says it once for ``aws_instance.web[*]`` and how
many instances it covers. Instances judged differently stay apart.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict

from wasec.model.finding import Finding

_INDEX = re.compile(r"^(.*)\[(\d+)\]$")  # count's instances; for_each's keys name instances someone chose


def collapse(findings: list[Finding]) -> list[Finding]:
    """The findings, with identical findings of a block's instances made one (in the place of the first)."""
    groups: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for i, f in enumerate(findings):
        m = _INDEX.match(f.resource_id)
        if m is None or f.source not in ("terraform", "terraform-plan"):
            continue
        s = f.suppressed
        groups[(f.rule_id, f.status, m.group(1), f.message, f.file, f.line, f.root,
                (s.kind, s.reason) if s else None, f.notes)].append(i)
    merged: dict[int, Finding] = {}
    dropped: set[int] = set()
    for key, members in groups.items():
        if len(members) < 2:
            continue
        first = findings[members[0]]
        base = str(key[2])
        merged[members[0]] = first.with_(
            resource_id=f"{base}[*]", message=f"{first.message} (the same in {len(members)} instances)",
            fingerprint=hashlib.sha256(f"{first.rule_id}|{first.resource_type}|{base}[*]|{first.root}".encode())
            .hexdigest()[:24])
        dropped.update(members[1:])
    return [merged.get(i, f) for i, f in enumerate(findings) if i not in dropped]
