"""Credentials written into infrastructure code: user data scripts, environment variables.

Values are never returned in the clear: callers get the name and a redacted value.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

SECRET_NAME = re.compile(
    r"(?i)(pass(word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|"
    r"client[_-]?secret|credential|auth[_-]?key|signing[_-]?key|connection[_-]?string|dsn)"
)
NOT_SECRET_NAME = re.compile(r"(?i)([_-](path|file|arn|id|name|url|uri|ssm|param|parameter|region|length|policy|type|version|"
                             r"ttl|timeout|expiry|expiration|lifetime|duration|seconds|minutes|enabled|header|endpoint)$|"
                             r"^(ssm|secret)_?(path|arn|name|id)|public[_-]?key)")
AWS_KEY_ID = re.compile(r"\b((?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16})\b")
ASSIGNMENT = re.compile(
    r"""(?ix)
    (?:export\s+|set\s+|ENV\s+|-e\s+)?
    (?P<name>[A-Z_][A-Z0-9_.-]{1,64})
    \s*[=:]\s*
    \\?["']?(?P<value>[^\s"'\\`;&|#]{4,})
    """
)
PLACEHOLDER = re.compile(
    r"(?i)^(\$\{?[A-Za-z_][\w.:-]*\}?|\{\{.*\}\}|<[^>]+>|%\(?\w+\)?s?|(x)\2{3,}|\*{3,}|"
    r"changeme|change[_-]?me|replace[_-]?me|example|placeholder|dummy|your[_-]?.*|todo|none|null|true|false|"
    r"\$\(.*\)|resolve:.*|arn:aws:.*|/.*|ssm:.*|secretsmanager:.*)$"
)


# GOOGLE_API_KEY_VAL, CHANGE_ME: an upper-case token a deploy step substitutes, not a credential
TOKEN_PLACEHOLDER = re.compile(r"[A-Z]+(?:_[A-Z]+)+")


def redact(value: str) -> str:
    """First and last characters at most; never the secret."""
    v = str(value)
    if len(v) <= 8:
        return "*" * len(v)
    return f"{v[:2]}{'*' * min(12, len(v) - 4)}{v[-2:]}"


def _maybe_base64(text: str) -> str:
    t = text.strip()
    if len(t) >= 16 and re.fullmatch(r"[A-Za-z0-9+/=\s]+", t):
        try:
            decoded = base64.b64decode(t, validate=False).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return text
        if decoded.isprintable() or "\n" in decoded:
            return decoded
    return text


CREDENTIAL_NAMES = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}


def secret_name(name: str) -> bool:
    if name.upper() in CREDENTIAL_NAMES:
        return True
    return bool(SECRET_NAME.search(name)) and not NOT_SECRET_NAME.search(name)


def literal_secret_value(value: Any) -> bool:
    """A literal that looks like a real secret (not a reference, placeholder or empty)."""
    if not isinstance(value, str):
        return False
    v = value.strip().strip("\"'")
    if len(v) < 4 or PLACEHOLDER.match(v) or v[0] in "$`%" or TOKEN_PLACEHOLDER.fullmatch(v):
        return False
    return not (v.startswith("{{resolve:") or "${" in v)


def find_in_script(text: Any) -> list[tuple[str, str]]:
    """(what, redacted value) for credentials found in a user-data script or similar text."""
    if not isinstance(text, str):
        return []
    body = _maybe_base64(text)
    found: list[tuple[str, str]] = []
    for m in AWS_KEY_ID.finditer(body):
        found.append(("AWS access key id", redact(m.group(1))))
    for m in ASSIGNMENT.finditer(body):
        name, value = m.group("name"), m.group("value")
        if secret_name(name) and literal_secret_value(value):
            found.append((name, redact(value)))
    return found


def secret_env(name: Any, value: Any) -> bool:
    return isinstance(name, str) and secret_name(name) and literal_secret_value(value)
