"""Container images as built: Dockerfiles and Containerfiles.

The image's last stage is what runs; earlier stages only build. Rules read the instructions with
their lines (``wasec.sources.dockerfile``) and judge what the Dockerfile reference says each does.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from wasec.analyzers.inline_secrets import redact, secret_env
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, Unsure, View

DOCKERFILE = ["Docker::Dockerfile"]
HARDEN = ("SEC06-BP02",)
SUPPLY = ("SEC06-BP01", "SEC11-BP06")


def _stages(r: View) -> list[tuple[str, dict[str, Any]]]:
    return [(p, s) for p, s in r.items("stages") if isinstance(s, dict)]


def _shipped(r: View) -> list[tuple[str, dict[str, Any]]]:
    """The stages whose layers end in the image: the last one and those it is built FROM, in turn."""
    stages = _stages(r)
    if not stages:
        return []
    by_name = {str(s.get("as") or "").lower(): (p, s) for p, s in stages if s.get("as")}
    out = [stages[-1]]
    while True:
        base = str(out[-1][1].get("from") or "").lower()
        nxt = by_name.get(base)
        if nxt is None or nxt in out:
            return out
        out.append(nxt)


def _instructions(r: View, stage_path: str, *cmds: str) -> list[tuple[str, dict[str, Any]]]:
    return [(p, i) for p, i in r.items(f"{stage_path}.instructions")
            if isinstance(i, dict) and (not cmds or i.get("cmd") in cmds)]


def _args(r: View) -> dict[str, str]:
    """Build arguments with a default, declared before the first FROM (what FROM lines may use)."""
    out = {}
    for _, a in r.items("args"):
        name, _, default = str(a.get("value", "")).partition("=")
        if default:
            out[name.strip()] = default.strip().strip("\"'")
    return out


_VAR = re.compile(r"\$\{?(\w+)(?::?-([^}]*))?\}?")


def _base(r: View, stage: dict[str, Any], names: set[str]) -> tuple[str, str | None, str | None] | Skip | Unsure:
    """(repository, tag, digest) of a stage's base image, resolved through ARG defaults."""
    ref = str(stage.get("from", ""))
    if ref.lower() == "scratch":
        return Skip("FROM scratch: no base image")
    if ref in names:
        return Skip(f"FROM {ref}: an earlier stage")
    args = _args(r)
    unresolved: list[str] = []

    def sub(m: re.Match[str]) -> str:
        if m.group(1) in args:
            return args[m.group(1)]
        if m.group(2) is not None:
            return m.group(2)
        unresolved.append(m.group(1))
        return ""

    ref = _VAR.sub(sub, ref)
    if unresolved:
        return Unsure(f"the base image depends on build argument {unresolved[0]}, which has no default")
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    name, _, tag = ref.rpartition(":")
    if not name or "/" in tag:
        return ref, None, digest
    return name, tag, digest


@rule("docker-base-latest", title="Base images name a version, not latest", severity="medium", types=DOCKERFILE,
      area="appsec", category="hardening", wa=SUPPLY,
      why="FROM image or image:latest builds on whatever was pushed last: builds stop being reproducible and an "
          "upstream compromise flows straight in.",
      fix="Pin the base image to a version tag and a digest: FROM python:3.12-slim@sha256:<digest>.",
      example='FROM python:3.12-slim@sha256:<digest>', example_lang="dockerfile")
def base_latest(r: View) -> Any:
    out: list[Any] = []
    unsure: list[Unsure] = []
    names: set[str] = set()
    for p, s in _stages(r):
        got = _base(r, s, names)
        if s.get("as"):
            names.add(str(s["as"]))
        if isinstance(got, Unsure):
            unsure.append(got)
        if isinstance(got, (Skip, Unsure)):
            continue
        _, tag, digest = got
        if digest is None and tag in (None, "latest"):
            out.append(Fail(f"{p}.from", f"FROM {s.get('from')} ({'latest' if tag else 'no tag'})", s.get("from")))
    return out or (unsure[0] if unsure else None)


@rule("docker-base-digest", title="Base images are pinned by digest", severity="low", types=DOCKERFILE,
      area="appsec", category="hardening", wa=SUPPLY,
      why="A tag can be moved to another image; a digest names exactly the image that was reviewed.",
      fix="FROM image:tag@sha256:<digest> (Dependabot and Renovate keep digests current).",
      example='FROM python:3.12-slim@sha256:<digest>', example_lang="dockerfile")
def base_digest(r: View) -> Any:
    out: list[Any] = []
    names: set[str] = set()
    for p, s in _stages(r):
        got = _base(r, s, names)
        if s.get("as"):
            names.add(str(s["as"]))
        if isinstance(got, tuple) and got[2] is None:
            out.append(Fail(f"{p}.from", f"FROM {s.get('from')} has no digest", s.get("from")))
    return out


_ROOT_USERS = {"root", "0"}


@rule("docker-user-root", title="The image runs as a non-root user", severity="high", types=DOCKERFILE,
      area="infrastructure", category="hardening", wa=HARDEN,
      why="Without a USER (or with USER root last), every process in the container runs as root: one escape from "
          "the application is root in the container, a step from the node.",
      fix="Create a user and end the last stage with USER app (or a numeric UID such as USER 10001).",
      example='RUN useradd --uid 10001 --no-create-home app\nUSER 10001', example_lang="dockerfile")
def user_root(r: View) -> Any:
    stages = _stages(r)
    if not stages:
        return None
    p, last = stages[-1]
    users = _instructions(r, p, "USER")
    if users:
        q, u = users[-1]
        who = str(u.get("value", "")).split(":")[0].strip()
        if who in _ROOT_USERS:
            return Fail(f"{q}.value", f"the last USER is {who}", who)
        return None
    if "nonroot" in str(last.get("from", "")):
        return None  # distroless :nonroot and similar images set a non-root user themselves
    if str(last.get("from", "")).lower() == "scratch":
        return Skip("FROM scratch: an image with no user database and no shell (USER 65532 would still set a UID)")
    return Fail(f"{p}.from", "the final stage sets no USER: the container runs as root", last.get("from"))


@rule("docker-add-url", title="ADD does not fetch from a URL", severity="medium", types=DOCKERFILE, area="appsec",
      category="hardening", wa=SUPPLY,
      why="ADD <url> downloads at build time with no checksum unless one is given: what the image contains depends "
          "on a server at that moment.",
      fix="Download with curl and verify a checksum in RUN, or use ADD --checksum=sha256:<digest> <url>.",
      example='ADD --checksum=sha256:<digest> https://example.com/tool.tar.gz /opt/', example_lang="dockerfile")
def add_url(r: View) -> Any:
    out = []
    for p, _ in _stages(r):
        for q, i in _instructions(r, p, "ADD"):
            words = i.get("args") or str(i.get("value", "")).split()
            if any(w.startswith("--checksum") for w in words):
                continue
            sources = [w for w in words if not w.startswith("--")][:-1]
            urls = [w for w in sources if re.match(r"^(https?|ftp)://|^git@", w)]
            if urls:
                out.append(Fail(f"{q}.value", f"ADD fetches {urls[0]} without a checksum", urls[0]))
    return out


def _env_pairs(i: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, value) pairs of an ENV or ARG instruction (KEY=value …, or the legacy ENV KEY value)."""
    value = str(i.get("value", ""))
    try:
        words = shlex.split(value, posix=True)
    except ValueError:
        words = value.split()
    if i.get("cmd") == "ENV" and words and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    return [(w.split("=", 1)[0], w.split("=", 1)[1]) for w in words if "=" in w]


@rule("docker-secret-in-env", title="ENV and ARG carry no secret", severity="high", types=DOCKERFILE, area="data",
      category="secret", wa=("SEC02-BP03",),
      why="ENV values are stored in the image's configuration and ARG values in its history: anyone who pulls the "
          "image reads them.",
      fix="Pass secrets at build time with RUN --mount=type=secret, and at run time from a secret store.",
      example='RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci', example_lang="dockerfile")
def secret_in_env(r: View) -> Any:
    from wasec.secrets.engine import scan_bytes

    out = []
    for p in ["args"] + [f"{sp}.instructions" for sp, _ in _stages(r)]:
        for q, i in r.items(p):
            if not isinstance(i, dict) or i.get("cmd") not in ("ENV", "ARG"):
                continue
            for name, value in _env_pairs(i):
                hits = [h for h in scan_bytes(value.encode("utf-8", "replace")) if h.confidence in ("high", "medium")]
                if hits or secret_env(name, value):
                    out.append(Fail(f"{q}.value", f"{i['cmd']} {name} holds {'a ' + hits[0].detector if hits else 'a secret'} "
                                                  f"({redact(value)})"))
    return out


_PIPE_TO_SHELL = re.compile(r"\b(curl|wget)\b[^|;&]*\|\s*(sudo\s+)?(\S*/)?(ba|z|da|k)?sh\b")


@rule("docker-curl-pipe-shell", title="RUN does not pipe a download into a shell", severity="high", types=DOCKERFILE,
      area="appsec", category="hardening", wa=SUPPLY,
      why="curl … | sh runs whatever the server sends at build time, unreviewed and unverified.",
      fix="Download the script or package, verify its checksum or signature, then run it.",
      example='RUN curl -fsSLo /tmp/install.sh https://example.com/install.sh \\\n && echo "<sha256>  /tmp/install.sh" | sha256sum -c - \\\n && sh /tmp/install.sh', example_lang="dockerfile")
def curl_pipe_shell(r: View) -> Any:
    out = []
    for p, _ in _stages(r):
        for q, i in _instructions(r, p, "RUN"):
            m = _PIPE_TO_SHELL.search(str(i.get("value", "")))
            if m:
                out.append(Fail(f"{q}.value", f"RUN pipes {m.group(1)} into a shell", m.group(0)))
    return out


# a package manager where a shell runs a command: not "pip install" inside an echoed message
_CMD = r"(?:^(?:--\S+\s+)*|[;&|(`\n]|\b(?:then|do|else|sudo|exec|env)\s)\s*(?:\S*/)?"
_CACHES = (
    (re.compile(_CMD + r"apt(-get)?\s+(-\S+\s+)*install\b"), re.compile(r"\brm\s+(-\S+\s+)+[\"']?/var/lib/apt/lists|\bapt(-get)?\s+dist-clean\b"),
     "apt-get install",
     "rm -rf /var/lib/apt/lists/*"),
    (re.compile(_CMD + r"apk\s+(-\S+\s+)*add\b"), re.compile(r"--no-cache\b|rm\s+-[rf]+\s+/var/cache/apk"), "apk add",
     "--no-cache"),
    (re.compile(_CMD + r"(?:python[\d.]*\s+-m\s+)?pip[\d.]*\s+(-\S+\s+)*install\b"), re.compile(r"--no-cache-dir\b|PIP_NO_CACHE_DIR"), "pip install",
     "--no-cache-dir"),
    (re.compile(_CMD + r"(yum|dnf|microdnf)\s+(-\S+\s+)*install\b"), re.compile(r"\b(yum|dnf|microdnf)\s+clean\s+all\b"),
     "yum/dnf install", "yum clean all"),
)


@rule("docker-package-cache", title="Package manager caches are not left in the image", severity="low",
      types=DOCKERFILE, area="infrastructure", category="hygiene", wa=HARDEN,
      why="Package indexes and caches left in a layer make the image larger and hand an attacker the tools and "
          "metadata to install more.",
      fix="Clean in the same RUN (apt-get … && rm -rf /var/lib/apt/lists/*; apk add --no-cache; pip install "
          "--no-cache-dir), or use a cache mount (RUN --mount=type=cache,…).",
      example='RUN apt-get update \\\n && apt-get install -y --no-install-recommends ca-certificates \\\n && rm -rf /var/lib/apt/lists/*', example_lang="dockerfile")
def package_cache(r: View) -> Any:
    out = []
    for p, _ in _shipped(r):  # the final stage and the stages it is built on ship their layers
        env = " ".join(str(i.get("value", "")) for _, i in _instructions(r, p, "ENV"))
        for q, i in _instructions(r, p, "RUN"):
            text = str(i.get("value", ""))
            if "--mount=type=cache" in text:
                continue
            for install, clean, what, fix in _CACHES:
                m = install.search(text)
                # a cleaning command must come after the install it cleans up (yum clean all && yum install leaves
                # the cache); a flag (--no-cache, --no-cache-dir) may stand anywhere in the command
                after = m.end() if m and what in ("apt-get install", "yum/dnf install") else 0
                if m and not clean.search(text, after) and not clean.search(env):
                    out.append(Fail(f"{q}.value", f"{what} leaves its cache in the layer (add {fix})", what))
    return out
