"""Is this value a secret? The precision half of secrets scanning.

A detector finds something shaped like a credential; these checks decide whether it is one. They
refuse what teams legitimately keep in code: placeholders, references to where the secret really
lives (``${VAR}``, ``{{ secrets.X }}``, ``var.x``, ``process.env.X``), values encrypted with sops or
KMS, public keys, hashes named as such, and the documented example keys of AWS and jwt.io.
"""

from __future__ import annotations

import math
import re
from collections import Counter

# A secret-looking name ends with a secret noun ("db_password", "apiKey", "AWS_SECRET_ACCESS_KEY"), perhaps
# followed by a qualifier ("client_secret_value"). A noun inside a longer name is something else
# ("password_reuse_prevention", "token_ttl", "private_key_id"), and a name that starts with a verb names
# an operation ("GetSecretValue", "reset_password", "PassRole").
SECRET_NOUNS = frozenset(("password", "passwd", "pass", "pwd", "passphrase", "secret", "token", "apikey", "credential",
                          "credentials", "dsn", "bearer", "privatekey", "secretkey", "accesskey", "pat"))
KEY_KINDS = frozenset(("api", "access", "private", "secret", "auth", "signing", "encryption", "master", "account",
                       "shared", "app", "client", "consumer", "license", "subscription", "service", "storage", "x",
                       "admin", "root", "deploy", "ssh", "hmac", "jwt", "session", "webhook", "cookie", "crypt", "cipher"))
TWO_WORDS = frozenset((("connection", "string"), ("conn", "str"), ("conn", "string")))
QUALIFIERS = frozenset(("value", "plain", "plaintext", "raw", "b64", "base64", "hex", "str", "string", "text", "literal",
                        "prod", "production", "dev", "staging", "test", "old", "new", "1", "2"))
VERBS = frozenset(("get", "set", "create", "delete", "list", "update", "put", "rotate", "describe", "reset", "remove",
                   "add", "fetch", "read", "load", "generate", "gen", "validate", "check", "verify", "revoke", "bypass",
                   "is", "has", "use", "uses", "enable", "disable", "require", "requires", "show", "hide", "allow",
                   "manage", "store", "save", "send", "encrypt", "decrypt", "hash", "mask", "parse", "refresh", "issue",
                   "make", "build", "find", "lookup", "resolve", "request", "csrf", "xsrf", "no", "max", "min"))
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def name_words(name: str) -> list[str]:
    """``AWS_SECRET_ACCESS_KEY`` → aws secret access key; ``dbPassword`` → db password; ``x.api.key`` → x api key."""
    return [w.lower() for w in _WORDS.findall(name)]


# tokens that are not credentials: pagination, idempotency, workflow and CSRF tokens, KMS grant tokens
NOT_CREDENTIAL_TOKENS = frozenset(("next", "output", "input", "page", "pagination", "continuation", "marker", "cursor",
                                   "sync", "update", "lifecycle", "idempotency", "creation", "request", "verification",
                                   "confirmation", "cancel", "resume", "change", "task", "action", "csrf", "xsrf",
                                   "nonce", "grant", "client", "form", "query", "callback", "cancellation"))


def _ends_with_noun(words: list[str]) -> bool:
    while words and words[-1] in QUALIFIERS and len(words) > 1:
        words = words[:-1]
    if not words:
        return False
    last = words[-1]
    if last == "token" and len(words) > 1 and words[-2] in NOT_CREDENTIAL_TOKENS:
        return False
    if last in SECRET_NOUNS:
        return True
    if last == "key" and len(words) > 1 and words[-2] in KEY_KINDS:
        return True
    return len(words) > 1 and (words[-2], last) in TWO_WORDS
# a name that says the value is fake: still reported by format detectors, never by the generic ones
FAKE_NAME = re.compile(r"(^|_|-|\b)([Ff]ake|FAKE|[Dd]ummy|DUMMY|[Mm]ock|MOCK|[Tt]est|TEST|[Ee]xample|EXAMPLE|"
                       r"[Ss]ample|SAMPLE|[Ss]tub|STUB)(_|-|$|[A-Z])")

PLACEHOLDER_WORDS = re.compile(
    r"(?i)(your[-_ ]?|replace|example|placeholder|changeme|change[-_]me|dummy|fake|sample|redacted|"
    r"not[-_ ]?(a[-_ ]?)?(real|secret|valid)|insert[-_ ]|put[-_ ]?your|goes[-_ ]?here|enter[-_ ]|"
    r"^todo$|^tbd$|^none$|^null$|^nil$|^undefined$|^true$|^false$|\.\.\.|xxxx|\*\*\*|0000000|abcdefgh|12345678|"
    r"^(test|testing|secret|password|passwd|pass|admin|root|user|guest|default|letmein|welcome|qwerty|"
    r"changeit|abc123|test123|password1|password123|p@ssw0rd|passw0rd|string|str|text|integer|number|boolean|object|required|optional|sensitive|hidden|masked|encrypted|base64|secretstring|securestring)$)"
)
REFERENCE = re.compile(
    r"""(?ix)(
      \$\{[^}]*\}? | \$\([^)]*\)? | \{\{.*?\}\} | \{%.*?%\} | %\(\w+\)? | %[sd]$ | <%=.*?%> |
      ^<[^<>]{1,60}>$ | ^\#?\{[^{}]{1,200}\}$ | ^<[A-Za-z_][\w -]{0,60}> | ^\[[\w. -]{1,60}\]$ | ^-----BEGIN |
      ^\$[A-Za-z_][\w.:/-]*$ | ^%[A-Za-z_]\w*%$ | ^@[A-Za-z_][\w.]*$ |
      ^(ENV|env)\[ | \bprocess\.env\b | \bos\.(environ|getenv) | \bSystem\.getenv | \bgetenv\( |
      ^(var|local|data|module|each|self|secrets|vars|env|inputs|steps|needs|matrix|params|values|\.Values)\. |
      ^!(Ref|Sub|GetAtt|ImportValue|FindInMap|Join|Select|Base64) | ^\{\{resolve: | ^(ssm|secretsmanager|vault|op|
      awskms|gcpkms|azurekv|sops|kms|aws-kms|keyvault|env|file|k8s|secret)(:|://) | ^arn:aws | ^ENC\[ | ^vault: |
      ^sha\d+[:-] | ^sha512-
    )""")
SOPS_OR_KMS = re.compile(r"^(ENC\[(AES256_GCM|PGP|KMS)|AQ[IE][BC]AH|vault:v\d+:|-----BEGIN PGP MESSAGE|"
                         r"\$ANSIBLE_VAULT|AgA[A-Za-z0-9+/]{100})")
PUBLIC_KEY = re.compile(r"^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\w+|sk-(ssh|ecdsa)-\S+)\s+AAAA|-----BEGIN (RSA )?PUBLIC KEY|"
                        r"-----BEGIN CERTIFICATE|^pk_(live|test)_")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
HEX = re.compile(r"^[0-9a-fA-F]+$")
# a mount (/etc/passwd:/etc/passwd:ro) ends in its options
PATHLIKE = re.compile(r"^((~|\.{1,2})?(/[\w.@-]{1,40})+/?(:[\w,]{1,12})?$|[A-Za-z]:\\|\\\\|file:|https?://[^@\s]*$|s3://|gs://)")
# code on the right of an assignment: a call, member access (``a?.b`` too), indexing, arithmetic, a struct
# literal (``Token{``) or a generic type or call (``useRef<FormApi>(null)``, ``Nested<FormValue>``)
EXPRESSION = re.compile(r"^[A-Za-z_][\w.?]*(\(|\[|\.[A-Za-z_]|\{|<[\w<>, .\[\]|]*>)|^\w+\s*[+*/%]|"
                        r"^(new|await|function|lambda|this|self)\b")
NUMERIC = re.compile(r"^[-+]?\d+([.,]\d+)?[a-zA-Z%]{0,3}$")
# package versions, Debian epochs and revisions included: 1:4.17.4-2ubuntu3, v2.11.0-rc.1
VERSION = re.compile(r"^(\d+:)?v?\d+(\.\d+){1,3}([-+~][\w.+~-]*)?$")

# AWS's documented example credentials and jwt.io's example token
EXAMPLE_VALUES = ("EXAMPLE", "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")


def entropy(s: str) -> float:
    """Shannon entropy in bits per character."""
    if not s:
        return 0.0
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


def classes(s: str) -> int:
    """How many of lower, upper, digit and symbol characters ``s`` mixes."""
    return (any(c.islower() for c in s) + any(c.isupper() for c in s) + any(c.isdigit() for c in s)
            + any(not c.isalnum() for c in s))


def secret_name(name: str) -> bool:
    words = name_words(name)
    return bool(words) and words[0] not in VERBS and _ends_with_noun(words)


_IDENT = re.compile(r"^[A-Za-z]+(?:[._:/-][A-Za-z]+)*$")
_DOTTED = re.compile(r"^[a-z_][a-z0-9_-]*(?:\.[a-z0-9_\[\]*-]+){2,}$|(?i:\.(arn|id|result|value|name|secret_string))$")


def names_a_secret(value: str) -> bool:
    """A value that is itself a name or a reference: ``MasterUserPassword``, ``iam:CreateAccessKey``,
    ``aws_kms_key.main.arn``. Random strings mix digits into their "words" and are not taken for names."""
    if _DOTTED.search(value) or "password" in value.lower():
        return True
    if not (_IDENT.match(value) or _CAMEL.match(value)):
        return False
    words = set(name_words(value))
    return bool(words & SECRET_NOUNS) or "key" in words


_CAMEL = re.compile(r"^[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$")  # PKCS7PrivateKeyTypes


def wordy(value: str) -> bool:
    """Letters in words (``CloudFrontOriginAccessIdentityList.NextMarker``), not a random string, whose case
    changes cut it into fragments of two or three letters."""
    if not _IDENT.match(value):
        return False
    words = name_words(value)
    return sum(map(len, words)) / max(1, len(words)) >= 4


def placeholder(value: str) -> bool:
    """Placeholders, redactions, weak defaults and values with almost no variety (``xxxx-xxxx``)."""
    v = value.strip()
    return bool(PLACEHOLDER_WORDS.search(v)) or len(set(v.lower())) < 5 or any(e in v for e in EXAMPLE_VALUES)


def not_a_secret(value: str) -> str | None:
    """Why a literal assigned to a secret-looking name is nonetheless not a secret (None: it may be one)."""
    v = value.strip()
    if len(v) < 8:
        return "too short"
    if placeholder(v):
        return "a placeholder"
    if any(c.isspace() for c in v):
        return "text with spaces"
    if names_a_secret(v):
        return "the name of a secret, or a reference to one"
    if REFERENCE.search(v):
        return "a reference to where the secret is kept"
    if SOPS_OR_KMS.match(v):
        return "encrypted (sops, KMS, Vault or Ansible Vault)"
    if PUBLIC_KEY.search(v):
        return "a public key"
    if PATHLIKE.match(v):
        return "a path or address"
    if NUMERIC.match(v):
        return "a number"
    if VERSION.match(v):
        return "a version"
    if v.startswith("data:") or v.startswith("iVBORw0KGgo"):
        return "embedded data"
    return None
