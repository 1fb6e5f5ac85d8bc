"""Registry, git and archive modules fetched without ``terraform init`` (``wasec scan --download-modules``).

Sources are read as Terraform reads them:

- a registry address ``[hostname/]namespace/name/provider[//subdir]`` with a ``version`` constraint: the
  module registry protocol — service discovery (``/.well-known/terraform.json``, ``modules.v1``), the
  versions list, the highest version the constraint allows (``=``, ``!=``, ``>``, ``>=``, ``<``, ``<=``,
  ``~>``; pre-releases only when named exactly), then the download endpoint's ``X-Terraform-Get``;
- ``git::URL[//subdir][?ref=…]``, ``github.com/…`` and ``git@github.com:…`` (cloned with git);
- ``https://…`` archives (``.zip``, ``.tar.gz``, ``.tgz``, ``.tar.bz2``, ``.tar.xz`` or ``?archive=``).

Everything lands in a cache directory, one folder per source and version, reused by later scans. Each module
that cannot be fetched is a problem that names the source and the reason; the scan goes on without it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import ssl
import subprocess
import tarfile
import tempfile
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass, field

DEFAULT_REGISTRY = "registry.terraform.io"
MAX_ARCHIVE = 200 * 1024 * 1024  # bytes of a downloaded archive, and of what it unpacks to
TIMEOUT = 60.0
_REGISTRY = re.compile(r"^(?:(?P<host>[A-Za-z0-9.-]+(?::\d+)?)/)?(?P<ns>[\w-]+)/(?P<name>[\w-]+)/(?P<provider>[a-z0-9]+)"
                       r"(?://(?P<sub>.*))?$")
_ARCHIVES = (".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar")


class FetchError(Exception):
    """A module that could not be fetched, and why."""


def default_cache() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "wasec", "modules")


# -- versions -------------------------------------------------------------------------------------------

_VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


def parse_version(text: str) -> tuple[int, int, int, str] | None:
    m = _VERSION.match(text.strip())
    if m is None:
        return None
    return int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0), m.group(4) or ""


def _key(v: tuple[int, int, int, str]) -> tuple[int, int, int, int, str]:
    return v[0], v[1], v[2], 0 if v[3] else 1, v[3]  # a pre-release comes before its release


def satisfies(version: str, constraint: str) -> bool:
    """Whether ``version`` meets a Terraform version constraint (comma-separated conditions, all must hold)."""
    v = parse_version(version)
    if v is None:
        return False
    conditions = [c.strip() for c in constraint.split(",") if c.strip()]
    exact = any(re.match(r"^=?\s*v?\d", c) and "-" in c for c in conditions)
    if v[3] and not exact:
        return False  # pre-releases only when a constraint names one exactly
    for c in conditions:
        m = re.match(r"^(~>|>=|<=|!=|=|>|<)?\s*(.+)$", c)
        if m is None:
            return False
        op, want_text = m.group(1) or "=", m.group(2)
        want = parse_version(want_text)
        if want is None:
            raise FetchError(f"version constraint {constraint!r}: {want_text!r} is not a version")
        a, b = _key(v), _key(want)
        holds = {"=": a == b, "!=": a != b, ">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}
        if op in holds and not holds[op]:
            return False
        if op == "~>":
            parts = len(want_text.lstrip("v").split("-")[0].split("."))
            upper = (want[0] + 1, 0, 0, "") if parts <= 2 else (want[0], want[1] + 1, 0, "")
            if parts == 1:
                upper = (want[0] + 1, 0, 0, "")
            if not (a >= b and a < _key(upper)):
                return False
    return True


def best(versions: list[str], constraint: str | None) -> str | None:
    """The highest of ``versions`` the constraint allows (any release when there is none)."""
    ok = [x for x in versions if parse_version(x) is not None and (satisfies(x, constraint) if constraint else
                                                                    not parse_version(x)[3])]  # type: ignore[index]
    return max(ok, key=lambda x: _key(parse_version(x)), default=None)  # type: ignore[arg-type]


# -- sources ----------------------------------------------------------------------------------------------

def split_subdir(source: str) -> tuple[str, str]:
    """``URL//sub/dir?query`` → (``URL?query``, ``sub/dir``), as go-getter splits them (the scheme's // kept)."""
    scheme_end = source.find("://")
    start = scheme_end + 3 if scheme_end >= 0 else 0
    i = source.find("//", start)
    if i < 0:
        return source, ""
    rest = source[i + 2:]
    sub, q, query = rest.partition("?")
    return source[:i] + (q + query if q else ""), sub.strip("/")


def is_registry(source: str) -> bool:
    return "::" not in source and "://" not in source and not source.startswith(("github.com/", "git@", "bitbucket.org/")) \
        and _REGISTRY.match(source) is not None


@dataclass
class Fetcher:
    """Fetches module sources into ``cache`` (see the module's docstring)."""

    cache: str = field(default_factory=default_cache)
    context: ssl.SSLContext = field(default_factory=ssl.create_default_context)
    fetched: dict[tuple[str, str], str] = field(default_factory=dict)

    def module_dir(self, source: str, version: str | None) -> str:
        """The local directory of a module source (fetched once per source and version), or FetchError."""
        key = (source, version or "")
        if key not in self.fetched:
            self.fetched[key] = self._fetch(source, version)
        return self.fetched[key]

    def _fetch(self, source: str, version: str | None) -> str:
        if is_registry(source):
            return self._registry(source, version)
        if version:
            raise FetchError(f"version = {version!r} applies to registry modules only (Terraform refuses it here)")
        return self._remote(source)

    def _remote(self, source: str) -> str:
        address, sub = split_subdir(source)
        target = self._cached(address, lambda dest: self._get(address, dest))
        return _inside(target, sub)

    def _get(self, address: str, dest: str) -> None:
        if address.startswith("git::"):
            self._git(address[5:], dest)
        elif address.startswith(("github.com/", "bitbucket.org/")):
            self._git("https://" + address, dest)
        elif address.startswith("git@"):
            self._git("ssh://" + address.replace(":", "/", 1), dest)
        elif address.startswith(("https://", "http://")):
            url, archive = _archive_kind(address)
            if archive is None:
                raise FetchError(f"{address}: an HTTP source must name an archive (.zip, .tar.gz …, or ?archive=)")
            self._unpack(self._download(url), archive, dest)
        else:
            scheme = address.split("::", 1)[0] if "::" in address else address.split(":", 1)[0]
            raise FetchError(f"{address}: {scheme} sources are not fetched (git, HTTPS archives and registries are)")

    # -- registry -------------------------------------------------------------------------------------

    def _registry(self, source: str, constraint: str | None) -> str:
        m = _REGISTRY.match(source)
        assert m is not None
        host = m.group("host") or DEFAULT_REGISTRY
        base = self._discover(host)
        module = f"{m.group('ns')}/{m.group('name')}/{m.group('provider')}"
        listing = self._json(urllib.parse.urljoin(base, f"{module}/versions"))
        mods = listing.get("modules") if isinstance(listing, dict) else None
        versions = [str(v.get("version")) for mod in mods if isinstance(mod, dict)
                    for v in mod.get("versions") or [] if isinstance(v, dict)] if isinstance(mods, list) else []
        chosen = best(versions, constraint)
        if chosen is None:
            raise FetchError(f"{host}/{module}: no version matches {constraint or 'any release'} "
                             f"(offered: {', '.join(versions[:8]) or 'none'})")
        url = urllib.parse.urljoin(base, f"{module}/{chosen}/download")
        location = self._download_location(url)
        address, sub = split_subdir(location)
        target = self._cached(f"{host}/{module}@{chosen}", lambda dest: self._get(address, dest))
        return _inside(_inside(target, sub), m.group("sub") or "")

    def _discover(self, host: str) -> str:
        doc = self._json(f"https://{host}/.well-known/terraform.json")
        path = doc.get("modules.v1") if isinstance(doc, dict) else None
        if not isinstance(path, str):
            raise FetchError(f"{host} offers no module registry (modules.v1 in /.well-known/terraform.json)")
        return urllib.parse.urljoin(f"https://{host}/", path if path.endswith("/") else path + "/")

    def _download_location(self, url: str) -> str:
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=TIMEOUT) as r:
                location = r.headers.get("X-Terraform-Get")
                body = r.read(1 << 20)
        except OSError as e:
            raise FetchError(f"{url}: {_why(e)}") from None
        if not location:
            try:
                location = json.loads(body).get("location") if body else None
            except (ValueError, AttributeError):
                location = None
        if not location:
            raise FetchError(f"{url}: the registry answered without X-Terraform-Get")
        # a relative location is relative to the download URL (go-getter's rule); scheme-forcing prefixes stay
        _, sep, rest = location.partition("::")
        if sep and "://" in rest:
            return location
        return urllib.parse.urljoin(url, location) if "://" not in location and not location.startswith(
            ("git@", "github.com/")) else location

    def _json(self, url: str) -> object:
        try:
            with urllib.request.urlopen(url, context=self.context, timeout=TIMEOUT) as r:
                return json.loads(r.read(4 << 20))
        except OSError as e:
            raise FetchError(f"{url}: {_why(e)}") from None
        except ValueError:
            raise FetchError(f"{url}: not JSON") from None

    # -- transports -------------------------------------------------------------------------------------

    def _download(self, url: str) -> bytes:
        try:
            with urllib.request.urlopen(url, context=self.context, timeout=TIMEOUT) as r:
                data = r.read(MAX_ARCHIVE + 1)
        except OSError as e:
            raise FetchError(f"{url}: {_why(e)}") from None
        if len(data) > MAX_ARCHIVE:
            raise FetchError(f"{url}: larger than {MAX_ARCHIVE // (1024 * 1024)} MB")
        return data

    def _unpack(self, data: bytes, kind: str, dest: str) -> None:
        total = 0
        try:
            if kind == "zip":
                with zipfile.ZipFile(io.BytesIO(data)) as z:
                    for info in z.infolist():
                        total += info.file_size
                        if total > MAX_ARCHIVE:
                            raise FetchError(f"the archive unpacks to more than {MAX_ARCHIVE // (1024 * 1024)} MB")
                        _safe_member(dest, info.filename)
                        if not info.is_dir():
                            z.extract(info, dest)
            else:
                with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as t:
                    for member in t.getmembers():
                        total += max(member.size, 0)
                        if total > MAX_ARCHIVE:
                            raise FetchError(f"the archive unpacks to more than {MAX_ARCHIVE // (1024 * 1024)} MB")
                        _safe_member(dest, member.name)
                        if member.isfile() or member.isdir():  # links and devices are never written
                            if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
                                t.extract(member, dest, filter="data")
                            else:
                                t.extract(member, dest)
        except (zipfile.BadZipFile, tarfile.TarError, OSError) as e:
            raise FetchError(f"not a readable {kind} archive: {e}") from None

    def _git(self, url: str, dest: str) -> None:
        url, _, query = url.partition("?")
        params = urllib.parse.parse_qs(query)
        ref = (params.get("ref") or [""])[0]
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
        run = [["git", "clone", "--quiet", "--depth", "1", *(["--branch", ref] if ref else []), url, dest]]
        if ref and re.fullmatch(r"[0-9a-f]{7,40}", ref):  # a commit: clone, then check it out
            run = [["git", "clone", "--quiet", url, dest], ["git", "-C", dest, "checkout", "--quiet", ref]]
        try:
            self._run(run, url, ref, env)
        except FetchError as e:
            if "shallow" not in str(e) or "--depth" not in run[0]:
                raise
            shutil.rmtree(dest, ignore_errors=True)  # a server without shallow clones (dumb HTTP): the whole history
            i = run[0].index("--depth")
            self._run([run[0][:i] + run[0][i + 2:]], url, ref, env)
        shutil.rmtree(os.path.join(dest, ".git"), ignore_errors=True)

    @staticmethod
    def _run(run: list[list[str]], url: str, ref: str, env: dict[str, str]) -> None:
        for cmd in run:
            try:
                done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
            except FileNotFoundError:
                raise FetchError("git is not installed") from None
            except subprocess.TimeoutExpired:
                raise FetchError(f"{url}: git took longer than 5 minutes") from None
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["git failed"])[-1]
                raise FetchError(f"{url}{'@' + ref if ref else ''}: {last}")

    def _cached(self, identity: str, fill: object) -> str:
        dest = os.path.join(self.cache, hashlib.sha256(identity.encode()).hexdigest()[:24])
        if os.path.isdir(dest):
            return dest
        os.makedirs(self.cache, exist_ok=True)
        work = tempfile.mkdtemp(dir=self.cache, prefix=".fetch-")
        try:
            target = os.path.join(work, "m")
            fill(target)  # type: ignore[operator]
            os.makedirs(target, exist_ok=True)
            os.replace(target, dest)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return dest


def _archive_kind(address: str) -> tuple[str, str | None]:
    parsed = urllib.parse.urlsplit(address)
    params = urllib.parse.parse_qs(parsed.query)
    forced = (params.pop("archive", [""]) or [""])[0]
    url = urllib.parse.urlunsplit(parsed._replace(query=urllib.parse.urlencode(params, doseq=True)))
    if forced:
        return url, "zip" if forced == "zip" else "tar"
    path = parsed.path.lower()
    kind = next((k for k in _ARCHIVES if path.endswith(k)), None)
    return url, None if kind is None else "zip" if kind == ".zip" else "tar"


def _safe_member(dest: str, name: str) -> None:
    target = os.path.realpath(os.path.join(dest, name))
    if not (target == os.path.realpath(dest) or target.startswith(os.path.realpath(dest) + os.sep)):
        raise FetchError(f"the archive writes outside its folder ({name})")


def _inside(directory: str, sub: str) -> str:
    if not sub:
        return directory
    target = os.path.realpath(os.path.join(directory, sub))
    if not target.startswith(os.path.realpath(directory) + os.sep) or not os.path.isdir(target):
        raise FetchError(f"no folder {sub} in the module")
    return target


def _why(e: OSError) -> str:
    reason = getattr(e, "reason", None) or getattr(e, "strerror", None) or e
    code = getattr(e, "code", None)
    return f"HTTP {code}" if code else str(reason)
