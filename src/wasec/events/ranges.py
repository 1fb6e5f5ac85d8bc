"""AWS's published IP address ranges (``ip-ranges.json``): is an address AWS's own?

wasec ships a dated, compacted copy (every prefix of every service, merged) and reads a newer one from
the user's cache when ``wasec events ip-ranges --refresh`` has written it. An address in no AWS range
is outside AWS: an EC2 instance's role credentials used from there have left the instance.
"""

from __future__ import annotations

import bisect
import gzip
import ipaddress
import os
from dataclasses import dataclass
from functools import cache
from typing import Any

import orjson

from wasec import data as files
from wasec.errors import InputError

URL = "https://ip-ranges.amazonaws.com/ip-ranges.json"
FILE = "aws_ip_ranges.json.gz"


def cache_path() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "wasec", FILE)


@dataclass(frozen=True)
class Ranges:
    """Merged AWS prefixes as sorted (first, last) address integers, per IP version."""

    created: str  # AWS's createDate, e.g. 2026-08-22-15-17-05
    sync_token: str
    where: str  # the file it came from
    starts: dict[int, list[int]]
    ends: dict[int, list[int]]

    def contains(self, ip: str) -> bool | None:
        """True in an AWS range, False outside every one, None when ``ip`` is not an address."""
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return None
        n = int(addr)
        starts = self.starts[addr.version]
        i = bisect.bisect_right(starts, n) - 1
        return i >= 0 and n <= self.ends[addr.version][i]

    @property
    def date(self) -> str:
        return self.created[:10]

    @property
    def prefixes(self) -> int:
        return len(self.starts[4]) + len(self.starts[6])


def compact(doc: Any) -> dict[str, Any]:
    """AWS's ip-ranges.json → wasec's shape: the date and token, and every prefix merged per IP version."""
    if not isinstance(doc, dict) or not isinstance(doc.get("prefixes"), list) or "createDate" not in doc:
        raise InputError("not AWS's ip-ranges.json: it needs createDate and prefixes")
    try:
        v4 = ipaddress.collapse_addresses(ipaddress.IPv4Network(p["ip_prefix"]) for p in doc["prefixes"])
        v6 = ipaddress.collapse_addresses(ipaddress.IPv6Network(p["ipv6_prefix"])
                                          for p in doc.get("ipv6_prefixes") or [])
        ipv4, ipv6 = [str(n) for n in v4], [str(n) for n in v6]
    except (KeyError, TypeError, ValueError) as e:
        raise InputError(f"not AWS's ip-ranges.json: a prefix is wrong ({e})") from None
    if not ipv4:
        raise InputError("not AWS's ip-ranges.json: it lists no IPv4 prefix")
    return {"source": URL, "createDate": str(doc["createDate"]), "syncToken": str(doc.get("syncToken", "")),
            "ipv4": ipv4, "ipv6": ipv6}


def _build(data: dict[str, Any], where: str) -> Ranges:
    starts: dict[int, list[int]] = {4: [], 6: []}
    ends: dict[int, list[int]] = {4: [], 6: []}
    for version, key in ((4, "ipv4"), (6, "ipv6")):
        for text in data[key]:  # already merged and sorted: no two overlap
            net = ipaddress.ip_network(text)
            starts[version].append(int(net.network_address))
            ends[version].append(int(net.broadcast_address))
    return Ranges(data["createDate"], data["syncToken"], where, starts, ends)


def _read(path: str) -> dict[str, Any]:
    with open(path, "rb") as fh:
        data: dict[str, Any] = orjson.loads(gzip.decompress(fh.read()))
    return data


@cache
def load() -> Ranges:
    """The newest copy: the user's refreshed one when it is newer than the one wasec ships."""
    data, where = orjson.loads(gzip.decompress(files.read_bytes(FILE))), f"wasec's copy ({FILE})"
    mine = cache_path()
    if os.path.exists(mine):
        try:
            cached = _read(mine)
            if str(cached["createDate"]) > str(data["createDate"]):
                data, where = cached, mine
        except (OSError, ValueError, KeyError, gzip.BadGzipFile):
            pass  # a broken cache never hides the shipped copy; `wasec events ip-ranges` names it
    return _build(data, where)


def save(doc: Any, path: str | None = None) -> tuple[str, dict[str, Any]]:
    """Write a compacted ip-ranges.json to the cache (or ``path``); returns where, and what was written."""
    data = compact(doc)
    path = path or cache_path()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(gzip.compress(orjson.dumps(data), mtime=0))
    os.replace(tmp, path)
    load.cache_clear()
    return path, data


def download(url: str = URL, timeout: float = 30.0) -> Any:
    """AWS's ip-ranges.json (or a copy at ``url``: https://, http:// or a local file)."""
    import urllib.request

    if "://" not in url:
        with open(url, "rb") as fh:
            return orjson.loads(fh.read())
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # the URL is the user's or AWS's
        return orjson.loads(resp.read(64 * 1024 * 1024))
