"""Find secrets in a blob of text: the part of secrets scanning that must be fast.

Every anchor of every detector is searched over the whole file with ``bytes.find`` (C speed, no
regex); only the lines an anchor lands on are decoded and matched. A 20 KB file with no anchor is
done in microseconds; a line with one is matched by the detectors that own the anchor.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from wasec.secrets import generic
from wasec.secrets.detectors import BY_ID, DETECTORS, Detector, value_of


@dataclass(frozen=True)
class Hit:
    """One secret on one line. ``value`` never leaves the process: outputs get ``redacted`` and ``digest``."""

    detector: str
    line: int  # 1-based
    column: int  # 1-based
    value: str = field(repr=False)
    confidence: str  # high | medium | low
    why: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.value.encode()).hexdigest()

    @property
    def redacted(self) -> str:
        return redact(self.value)


def redact(value: str) -> str:
    """Two characters at each end at most, and only of a long value; never the secret."""
    if len(value) < 12:
        return "*" * min(len(value), 8)
    return f"{value[:2]}{'*' * 8}{value[-2:]}"


GENERIC = "generic"
GENERIC_TITLES = {
    "password-assignment": ("Hard-coded password", "high"),
    "generic-secret": ("Hard-coded secret", "high"),
    "bearer-token": ("Bearer token", "high"),
}


def _anchor_table(detectors: tuple[Detector, ...]) -> list[tuple[re.Pattern[bytes] | bytes, dict[bytes, frozenset[str]]]]:
    """One regex per first byte of the (lower-cased) anchors: a couple of dozen C-speed passes over a file
    instead of one per anchor. Each maps the anchor it matched to the detectors it serves (an anchor that
    contains another, such as ``accountkey=`` and ``key``, serves both)."""
    owners: dict[bytes, set[str]] = {}
    for d in detectors:
        for text in d.anchors:
            owners.setdefault(text.lower().encode(), set()).add(d.id)
    for text in generic.ANCHORS:
        owners.setdefault(text.encode(), set()).add(GENERIC)
    for a, ids in owners.items():
        for b, ids_b in owners.items():
            if b != a and b in a:
                ids |= ids_b
    groups: dict[bytes, list[bytes]] = {}
    for a in owners:
        groups.setdefault(a[:1], []).append(a)
    table: list[tuple[re.Pattern[bytes] | bytes, dict[bytes, frozenset[str]]]] = []
    for _, anchors in sorted(groups.items()):
        anchors.sort(key=len, reverse=True)  # the longest first: it serves the detectors of those it contains
        # a lone anchor is found faster by bytes.find (it skips ahead on rare bytes) than by a regex
        searcher = anchors[0] if len(anchors) == 1 else re.compile(b"|".join(re.escape(a) for a in anchors))
        table.append((searcher, {a: frozenset(owners[a]) for a in anchors}))
    return table


ANCHORS = _anchor_table(DETECTORS)
# anchors that are common in ordinary text, confirmed where they are found before their line is read:
# a URL only matters with user:password@, "-us" only after 32 hex digits (pattern, bytes to look back)
CONFIRM: dict[bytes, tuple[re.Pattern[bytes], int]] = {
    b"://": (re.compile(rb"://[^\s/?#@'\"<>]*:[^\s@/'\"<>]+@"), 0),
    b"-us": (re.compile(rb"[0-9a-f]{32}-us\d"), 32),
}


class _Ctx:
    __slots__ = ("data", "end", "line")

    def __init__(self, data: bytes, end: int, line: str) -> None:
        self.data, self.end, self.line = data, end, line

    def following(self, n: int) -> list[str]:
        out, pos = [], self.end + 1
        for _ in range(n):
            if pos >= len(self.data):
                break
            nxt = self.data.find(b"\n", pos)
            nxt = len(self.data) if nxt < 0 else nxt
            out.append(self.data[pos:nxt].decode("utf-8", "replace"))
            pos = nxt + 1
        return out


def scan_bytes(data: bytes, code: bool = False, first_line: int = 1) -> list[Hit]:
    """Every secret in ``data`` (the content of one file, or the added lines of one diff hunk)."""
    low = data.lower()
    lines: dict[int, tuple[int, set[str], list[int]]] = {}  # line start -> (line end, detector ids, anchor offsets)
    for searcher, owners in ANCHORS:
        for i, anchor in _occurrences(searcher, low):
            confirm = CONFIRM.get(anchor)
            if confirm is not None and not confirm[0].match(low, max(0, i - confirm[1])):
                continue
            start = data.rfind(b"\n", 0, i) + 1
            end = data.find(b"\n", i)
            if end < 0:
                end = len(data)
            entry = lines.get(start)
            if entry is None:
                lines[start] = (end, set(owners[anchor]), [i])
            else:
                entry[1].update(owners[anchor])
                entry[2].append(i)
    hits: list[Hit] = []
    number, pos = first_line, 0
    for start in sorted(lines):
        end, ids, at = lines[start]
        number += data.count(b"\n", pos, start)
        pos = start
        if end - start <= LONG_LINE:
            text = data[start:end].decode("utf-8", "replace")
            hits += _scan_line(text, ids, _Ctx(data, end, text), number, code)
            continue
        # a minified bundle or a log line of megabytes: look around each anchor, not along the whole line
        for a, b in _windows(at, start, end):
            text = data[a:b].decode("utf-8", "replace")
            for h in _scan_line(text, ids, _Ctx(data, end, text), number, code):
                hits.append(h if h.line != number else replace(h, column=h.column + len(data[start:a].decode("utf-8", "replace"))))
    return hits


def _occurrences(searcher: re.Pattern[bytes] | bytes, text: bytes) -> Iterator[tuple[int, bytes]]:
    if isinstance(searcher, bytes):
        i = text.find(searcher)
        while i >= 0:
            yield i, searcher
            i = text.find(searcher, i + len(searcher))
        return
    m = searcher.search(text)
    while m is not None:
        yield m.start(), m.group()
        m = searcher.search(text, m.end())


LONG_LINE = 4096
WINDOW = (512, 1024)  # bytes before and after an anchor


def _windows(at: list[int], start: int, end: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for i in sorted(at):
        a, b = max(start, i - WINDOW[0]), min(end, i + WINDOW[1])
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _scan_line(text: str, ids: set[str], ctx: _Ctx, number: int, code: bool) -> list[Hit]:
    out: list[Hit] = []
    taken: list[tuple[int, int]] = []  # value spans already reported on this line
    for did in sorted(ids - {GENERIC}, key=_ORDER.__getitem__):
        d = BY_ID[did]
        for m in d.pattern.finditer(text):
            value = value_of(m)
            verdict = d.check(value, m, ctx) if d.check else ("high", "")
            col = m.start("secret") if "secret" in d.pattern.groupindex else m.start()
            if verdict is None:
                taken.append((col, m.end()))  # refused by its own format (a bad checksum): not a generic secret either
                continue
            conf, why = verdict[0], verdict[1]
            if len(verdict) == 3:
                value = verdict[2]
            if any(a <= col < b for a, b in taken):
                continue
            taken.append((col, m.end()))
            out.append(Hit(d.id, number, col + 1, value, conf, f"{d.why}; {why}" if why else d.why))
    if GENERIC in ids:
        for kind, a, conf, why in generic.scan_line(text, ctx, code):
            if a.line_delta == 0 and any(s <= a.start < e or a.start <= s < a.start + len(a.value) for s, e in taken):
                continue  # a format detector already reported this value
            out.append(Hit(kind, number + a.line_delta, a.start + 1, a.value, conf, why))
    return out


_ORDER = {d.id: i for i, d in enumerate(DETECTORS)}


def title_of(detector: str) -> tuple[str, str]:
    """(title, severity) of a detector id."""
    d = BY_ID.get(detector)
    return (d.title, d.severity) if d else GENERIC_TITLES.get(detector, (detector, "high"))
