"""CloudTrail records from files, directories and standard input.

S3 delivery files (gzip JSON ``{"Records": [...]}``), plain JSON (that object, a list of records or
one record) and JSON lines, gzipped or not, read recursively. A :class:`Prefilter` lets a caller skip a
file whose event names are none it cares about, before parsing it: most delivery files
hold nothing a detection looks at, and a byte search is far cheaper than JSON.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from wasec import safe_io
from wasec.errors import InputError
from wasec.model.finding import Problem


@dataclass
class ReadStats:
    files: int = 0
    skipped_files: int = 0  # nothing of interest in their bytes
    records: int = 0
    bytes: int = 0
    problems: list[Problem] = field(default_factory=list)


# (the file or s3:// object, the record's place in it, the record): the place is how jq finds it —
# "Records[12]" in a delivery file, "[3]" in a list, "line 7" in JSON lines, "" when the file is one record
Located = tuple[str, "int | str", dict[str, Any]]  # an int n is "Records[n]", kept unformatted until an alert


def place_text(place: int | str) -> str:
    return f"Records[{place}]" if isinstance(place, int) else place


def parse_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    if not isinstance(text, str):
        raise ValueError(f"not a time: {text!r}")
    try:
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a time: {text!r} (use ISO 8601, e.g. 2026-11-24T10:00:00Z)") from None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _s3_keys(url: str, stats: ReadStats) -> Iterator[str]:
    """s3://bucket/prefix → every delivery file under it (digests left out), read-only: ListObjectsV2."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, _, prefix = url[len("s3://"):].partition("/")
    try:
        pages = boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            for obj in page.get("Contents", []):
                if "/CloudTrail-Digest/" not in obj["Key"] and not obj["Key"].endswith("/"):
                    yield f"s3://{bucket}/{obj['Key']}"
    except (ClientError, BotoCoreError) as e:
        stats.problems.append(Problem(url, f"cannot list: {e}"))


# one delivery file, decompressed: CloudTrail writes a file every five minutes, far below this
MAX_LOG_BYTES = 512 * 1024 * 1024


def _gunzip(data: bytes, limit: int) -> bytes:
    """Decompress gzip members, refusing to grow past ``limit`` bytes (a gzip bomb is an error, not a crash)."""
    out: list[bytes] = []
    total = 0
    while data:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out.append(d.decompress(data, limit + 1 - total))
        total += len(out[-1])
        if total > limit or d.unconsumed_tail:
            raise InputError(f"decompresses to more than {limit // (1024 * 1024)} MB: not read")
        data = d.unused_data  # CloudTrail files may hold several gzip members
        if not d.eof:
            raise InputError("truncated gzip data")
    return b"".join(out)


def _read_bytes(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    if path.startswith("s3://"):
        import boto3

        bucket, _, key = path[len("s3://"):].partition("/")
        body: bytes = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
        return body
    return safe_io.read_bytes(path, MAX_LOG_BYTES)


def delivery_files(paths: Iterable[str], stats: ReadStats | None = None) -> Iterator[str]:
    """Each file to read: the paths given, the files under directories (sorted), the keys under s3:// prefixes."""
    for p in paths:
        if p.startswith("s3://"):
            yield from _s3_keys(p, stats or ReadStats())
        elif p == "-" or os.path.isfile(p):
            yield p
        elif os.path.isdir(p):
            for d, dirs, names in os.walk(p):
                dirs.sort()
                for n in sorted(names):
                    if n.endswith((".json", ".json.gz", ".jsonl", ".jsonl.gz", ".gz", ".log")):
                        yield os.path.join(d, n)
        else:
            yield p  # reported as unreadable below


EVENT_NAME = re.compile(rb'"eventName"\s*:\s*"([^"]{1,128})"')
API_VERSION = re.compile(rb"(?:19|20)\d{6}(?:v\d+)?(?=\0|$)")  # AddPermission20150331v2 → addpermission


@dataclass(frozen=True)
class Prefilter:
    """What a delivery file must hold to be worth parsing: one of the event ``names`` (lower case), or one
    of the literal ``markers`` (bytes every record a detection over all records can fire on contains)."""

    names: frozenset[bytes]
    markers: frozenset[bytes] = frozenset()
    # markers wanted only while their test holds: a sequence's second step matters once its first happened
    armed: tuple[tuple[bytes, Callable[[], bool]], ...] = ()

    def wants(self, raw: bytes) -> bool:
        found = EVENT_NAME.findall(raw)  # one regex pass collects every eventName in the file
        if found and not self.names.isdisjoint(API_VERSION.sub(b"", b"\0".join(found).lower()).split(b"\0")):
            return True
        return any(m in raw for m in self.markers) or any(m in raw for m, on in self.armed if on())


def read_at(paths: Iterable[str], stats: ReadStats | None = None, prefilter: Prefilter | None = None,
            since: dt.datetime | None = None, until: dt.datetime | None = None) -> Iterator[Located]:
    """Every record with where it is: (file, position, record)."""
    stats = stats or ReadStats()
    for path in delivery_files(paths, stats):
        yield from read_file(path, stats, prefilter, since, until)


def placed(doc: Any) -> list[tuple[int | str, Any]]:
    """The CloudTrail records in a parsed document, each with its place: a delivery file (its index in Records), a
    list of records or of delivery files, one record, or an EventBridge "AWS API Call via CloudTrail" event."""
    if isinstance(doc, dict):
        if isinstance(doc.get("Records"), list):
            return list(enumerate(doc["Records"]))
        if isinstance(doc.get("detail"), dict) and "eventName" in doc["detail"]:
            return [("detail", doc["detail"])]
        return [("", doc)] if "eventName" in doc else []
    if isinstance(doc, list):
        if doc and isinstance(doc[0], dict) and "Records" in doc[0]:
            return [(f"[{i}].{place_text(place)}", r) for i, x in enumerate(doc) for place, r in placed(x)]
        return [(f"[{i}]", r) for i, r in enumerate(doc)]
    return []


def read_file(path: str, stats: ReadStats, prefilter: Prefilter | None = None, since: dt.datetime | None = None,
              until: dt.datetime | None = None) -> Iterator[Located]:
    """The records of one file (a path, ``s3://bucket/key`` or ``-``), each with its place in the file."""
    try:
        raw = _read_bytes(path)
        if raw[:2] == b"\x1f\x8b":
            raw = _gunzip(raw, MAX_LOG_BYTES)
    except Exception as e:  # OSError, a bad gzip, an S3 error: reported, and the rest is read
        why = str(getattr(e, "strerror", None) or e)
        stats.problems.append(Problem(path, why if why.startswith("cannot read") else f"cannot read: {why}"))
        return
    stats.files += 1
    stats.bytes += len(raw)
    if prefilter is not None and not prefilter.wants(raw):
        # nothing a detection reads is in it; still, a truncated or foreign file must not pass unnoticed
        body = raw.strip()
        if body and not (body[:1] in b"{[" and body[-1:] in b"}]"):
            stats.problems.append(Problem(path, "not CloudTrail JSON: it does not start and end as JSON does"))
        else:
            stats.skipped_files += 1
        return
    records: list[tuple[int | str, Any]]
    try:
        records = placed(orjson.loads(raw))
    except orjson.JSONDecodeError:
        records = []
        for i, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records += [(f"line {i}" + (f" {place_text(place)}" if place != "" else ""), r)
                            for place, r in placed(orjson.loads(line))]
            except orjson.JSONDecodeError as e:
                stats.problems.append(Problem(path, f"not CloudTrail JSON or JSON lines: {e}", i))
                break
    for place, r in records:
        if not isinstance(r, dict):
            continue
        if since or until:
            try:
                t = parse_time(r.get("eventTime"))
            except ValueError:
                t = None
            if t is None or (since and t < since) or (until and t > until):
                continue
        stats.records += 1
        yield path, place, r
