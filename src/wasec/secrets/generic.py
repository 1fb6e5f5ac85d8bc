"""Secrets with no format of their own: a literal assigned to a secret-looking name.

``DB_PASSWORD=…``, ``"client_secret": "…"``, ``apiKey: '…'``, ``-H "X-Api-Key: …"``, a Kubernetes
``- name: DB_PASSWORD`` with its ``value:`` on the next line, a Terraform ``variable "db_password"``
with a ``default``. In source code only quoted literals count (an unquoted value is an expression:
``password = get_secret(…)``), except the literal fallback in ``os.environ.get("X") or "…"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wasec.secrets.detectors import Context
from wasec.secrets.values import (
    EXPRESSION,
    FAKE_NAME,
    HEX,
    UUID,
    classes,
    entropy,
    not_a_secret,
    secret_name,
    wordy,
)

ANCHORS = ("pass", "pwd", "secret", "token", "key", "auth", "cred", "dsn", "conn", "bearer")

ASSIGN = re.compile(
    r"""(?<![\w.$@\\:-])(?P<name>[A-Za-z_$@][\w.$@-]{0,80})["'\]]?\s*
        (?P<op>:=|=>|\|\|=|\?\?=|=|:)(?![=:])[ \t]*
        (?:(?P<q>["'`])(?P<qv>[^"'`\n]{1,1000}?)(?P=q)|(?P<uv>(?:[^\s"'`,;&)}\]]|&(?![\w.-]+=)){1,1000}))""",
    re.X,
)
# the literal default of an expression: x || "…", x ?? "…", x or "…", os.environ.get("X", "…"), ENV.fetch("X", "…")
FALLBACK = re.compile(r"""(?:\|\||\?\?|\bor\b|(?:get|getenv|fetch|getProperty|GetEnvironmentVariable)\(\s*["'][^"'\n]*["']\s*,)"""
                      r"""\s*(?P<q>["'`])(?P<v>[^"'`\n]{1,500})(?P=q)""")
COMMENT_NAME = re.compile(r"\s(?:#|//)\s*(?P<name>[A-Za-z_][\w.-]*)\s*$")  # default = "…"  # db_password
# command-line flags: mysql --password=…, vault login -token …, psql --password '…'
FLAG = re.compile(r"""(?<![\w-])--?(?P<name>[A-Za-z][\w-]{1,40})(?:=|[ \t]+)(?P<q>["']?)(?P<v>[^\s"'`;|&]{6,})(?P=q)""")
BEARER = re.compile(r"(?i)\b(?:authorization[\"']?\s*[:=]\s*[\"']?\s*)?(?:bearer|token)\s+(?P<v>[A-Za-z0-9._~+/-]{20,}=*)")
VARIABLE_BLOCK = re.compile(r"""^\s*(?:variable|param|parameter)\s+["']?(?P<name>[\w-]+)["']?\s*\{?\s*$""", re.I)
YAML_KEY_ONLY = re.compile(r"^(?P<indent>\s*)-?\s*(?P<name>[\w.-]+):\s*$")
CHILD_DEFAULT = re.compile(r"""^\s*(?:default|Default|value|Value)\s*[:=]\s*(?P<q>["']?)(?P<v>[^"'\s#]+.*?)(?P=q)\s*(?:#.*)?$""")
K8S_NAME = re.compile(r"^\s*-?\s*name:\s*[\"']?(?P<name>[\w.-]+)[\"']?\s*$")

# file extensions whose unquoted right-hand sides are code, not literals
CODE = frozenset(("py", "pyi", "js", "jsx", "mjs", "cjs", "ts", "tsx", "go", "java", "kt", "kts", "scala", "rb", "php",
                  "cs", "c", "h", "cc", "cpp", "hpp", "rs", "swift", "tf", "hcl", "groovy", "gradle", "dart", "lua",
                  "pl", "pm", "r", "vue", "svelte", "ex", "exs", "erl", "clj", "fs", "ps1", "psm1", "m", "mm", "sql"))


@dataclass
class Assignment:
    name: str
    value: str
    start: int  # of the value in the line
    line_delta: int = 0  # the value is this many lines below the anchor line


def _name(name: str) -> str:
    """``process.env.DB_PASS`` → ``process_env_DB_PASS``; ``x.api.key`` → ``x_api_key``."""
    return re.sub(r"[.$@-]+", "_", name).strip("_") or name


IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CALL = re.compile(r"^[A-Za-z_][\w.]*\(")


def _literal_in_code(value: str) -> bool:
    """An unquoted right-hand side in source code is an expression, unless it cannot be one: a token such
    as ``U3VtbWVy…=`` in a YAML document embedded in the file, not ``get_secret(arn)`` or ``token``."""
    value = value.lstrip("!*")  # a negation or a pointer dereference of what follows
    if EXPRESSION.match(value) or value.endswith(("(", ".", ",")):
        return False
    if IDENTIFIER.match(value):
        return len(value) >= 16 and classes(value) >= 3 and entropy(value) >= 3.5
    return True


def assignments(line: str, code: bool) -> list[Assignment]:
    out = []
    pos = 0
    while True:
        m = ASSIGN.search(line, pos)
        if m is None:
            break
        pos = m.start("q") if m.group("q") else m.start("uv")  # a value may hold assignments of its own
        name = m.group("name")
        if name[0] == "$" and m.group("op") == ":":
            continue  # $secret-name:key is where Argo CD and others read a secret, not an assignment
        if m.group("qv") is not None:
            value, start = m.group("qv"), m.start("qv")
            pos = m.end()
        else:
            value, start = m.group("uv"), m.start("uv")
            expression = CALL.match(value) is not None  # a call is code in any file (a README's example)
            if (code and not _literal_in_code(value)) or expression or value.startswith(("$", "(", "[", "{", "&")):
                fb = FALLBACK.search(line, m.start("uv"))
                if not fb:
                    continue  # an expression; only a literal fallback after it is a value
                if secret_name(_name(value)):
                    name = value  # pw = process.env.DB_PASS || "…": the default is DB_PASS's
                value, start = fb.group("v"), fb.start("v")
        leaf = _name(name)
        if not secret_name(leaf):
            c = COMMENT_NAME.search(line, m.end())  # default = "…"  # db_password
            if not (c and secret_name(c.group("name"))):
                continue
            leaf = c.group("name")
        out.append(Assignment(leaf, value.strip(), start))
    return out


def _below(line: str, ctx: Context) -> list[Assignment]:
    """Names whose value is on a following line: k8s env entries, Terraform variables, YAML parameters."""
    m = K8S_NAME.match(line)
    if m and secret_name(m.group("name")):
        after = ctx.following(1)
        v = re.match(r"""^\s*value:\s*(?P<q>["']?)(?P<v>.+?)(?P=q)\s*$""", after[0]) if after else None
        return [Assignment(m.group("name"), v.group("v"), v.start("v"), 1)] if v else []
    m = VARIABLE_BLOCK.match(line) or YAML_KEY_ONLY.match(line)
    if m and secret_name(m.group("name")):
        for i, nxt in enumerate(ctx.following(8), 1):
            if nxt.strip() in ("}", "") or (YAML_KEY_ONLY.match(nxt) and not nxt.startswith((m.groupdict().get("indent") or "") + " ")):
                break
            d = CHILD_DEFAULT.match(nxt)
            if d:
                return [Assignment(m.group("name"), d.group("v"), d.start("v"), i)]
    return []


def _key_like(value: str) -> bool:
    """Keys and tokens are long and random: a short hex string is a hash or an id, a UUID an id or an
    idempotency token, letters in words a name."""
    if HEX.match(value):
        return len(value) >= 32
    return len(value) >= 16 and entropy(value) >= 3.0 and not UUID.match(value) and not wordy(value)


def describe(value: str) -> tuple[str, str]:
    """(confidence, shape) of a value that passed the checks."""
    n = len(value)
    random_ = entropy(value) >= 3.5 and n >= 16
    if HEX.match(value) and n >= 32:
        return "high", f"a {n}-character hex key"
    if random_ and classes(value) >= 2:
        return "high", f"a {n}-character random string"
    return "medium", "a password-like string"


def scan_line(line: str, ctx: Context, code: bool) -> list[tuple[str, Assignment, str, str]]:
    """(detector id, assignment, confidence, why) for each secret literal on the line."""
    out = []
    found = assignments(line, code)
    if not found:
        found = _below(line, ctx)
    for a in found:
        if FAKE_NAME.search(a.name) or not_a_secret(a.value):
            continue
        kind = "password-assignment" if re.search(r"(?i)pass|pwd", a.name) else "generic-secret"
        if kind == "generic-secret" and not _key_like(a.value):
            continue
        conf, shape = describe(a.value)
        out.append((kind, a, conf, f"{shape} assigned to {a.name}"))
    for m in FLAG.finditer(line):
        name, v = m.group("name"), m.group("v")
        if secret_name(name) and not FAKE_NAME.search(name) and not not_a_secret(v) and not v.startswith("-") \
                and not any(a.start == m.start("v") for _, a, _, _ in out):
            kind = "password-assignment" if re.search(r"(?i)pass|pwd", name) else "generic-secret"
            if kind == "generic-secret" and not _key_like(v):
                continue
            conf, shape = describe(v)
            out.append((kind, Assignment(name, v, m.start("v")), conf, f"{shape} given as --{name} on a command line"))
    for m in BEARER.finditer(line):
        v = m.group("v")
        if any(a.start == m.start("v") for _, a, _, _ in out):
            continue
        if not not_a_secret(v) and entropy(v) >= 3.5:
            out.append(("bearer-token", Assignment("Authorization", v, m.start("v")), "medium",
                        "a bearer token in an Authorization header"))
    return out
