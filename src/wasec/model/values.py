"""Values that are not plain data: what a source could not know, and what a value refers to.

Canonical properties are plain CloudFormation-shaped mappings. Two kinds of value may appear in
them besides JSON-like data:

* :class:`Unknown` - the value cannot be known statically (a Terraform variable without a
  value, an attribute computed at apply time, an API call that was denied). Any attempt to test it
  for truth or compare it raises :class:`UnknownValue`, which the rule engine turns into an
  ``UNKNOWN`` finding with the reason. A rule can therefore never silently PASS or FAIL on a value
  nobody knows.
* :class:`RefStr` - a known string that also remembers which resource it came from (a Terraform
  ``aws_s3_bucket.logs.bucket`` whose name is written in the configuration), so relationships
  survive evaluation.
"""

from __future__ import annotations

from typing import Any


class UnknownValue(Exception):
    """Raised when a rule touches a value that cannot be known; the engine reports UNKNOWN."""

    def __init__(self, reason: str, path: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path


class Unknown:
    """A value that cannot be known statically.

    ``nonnull`` records what *is* known: the value exists and is not empty (a reference to another
    resource's ARN, an interpolated string). ``refs`` names the resources it was computed from, so
    rules can still follow relationships ("this key id refers to aws_kms_key.logs").
    """

    __slots__ = ("attr", "nonnull", "reason", "refs", "text")

    def __init__(
        self,
        reason: str,
        *,
        nonnull: bool = False,
        refs: tuple[str, ...] = (),
        attr: str = "",
        text: str | None = None,
    ) -> None:
        self.reason = reason
        self.nonnull = nonnull
        self.refs = refs
        self.attr = attr
        self.text = text  # what is known of a partly known string, unknown parts as ${...}

    def __bool__(self) -> bool:
        if self.nonnull:
            return True
        raise UnknownValue(self.reason)

    def __eq__(self, other: object) -> bool:
        raise UnknownValue(self.reason)

    def __ne__(self, other: object) -> bool:
        raise UnknownValue(self.reason)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<unknown: {self.reason}>"

    @property
    def target(self) -> str | None:
        """The single resource this value refers to, if it refers to exactly one."""
        return self.refs[0] if len(self.refs) == 1 else None


def ref(target: str, attr: str, reason: str | None = None) -> Unknown:
    """A reference to another resource's attribute whose value is only known after deployment."""
    return Unknown(
        reason or f"{target}.{attr} is known only after deployment",
        nonnull=True,
        refs=(target,),
        attr=attr,
        text="${" + f"{target}.{attr}" + "}",
    )


class RefStr(str):
    """A known string that remembers the resource it was read from."""

    __slots__ = ("ref",)
    ref: str

    def __new__(cls, value: str, target: str) -> RefStr:
        obj = super().__new__(cls, value)
        obj.ref = target
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (RefStr, (str(self), self.ref))


def known_prefix(value: object) -> str:
    """What is known of the start of a string: all of a known one, the text before the first unknown part
    of a partly known one (``elasticloadbalancing.${…dns_suffix}`` → ``elasticloadbalancing.``)."""
    if isinstance(value, Unknown):
        return value.text.split("${", 1)[0] if value.text else ""
    return value if isinstance(value, str) else ""


def is_unknown(value: object) -> bool:
    return isinstance(value, Unknown)


def refs_of(value: object) -> tuple[str, ...]:
    """Resource keys a value points at (an Unknown's refs or a RefStr's origin)."""
    if isinstance(value, Unknown):
        return value.refs
    if isinstance(value, RefStr):
        return (value.ref,)
    return ()


def contains_unknown(value: object) -> bool:
    """True when an Unknown hides anywhere inside a value (lists and mappings are searched)."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def to_plain(value: Any) -> Any:
    """Turn a value into JSON-ready data: unknowns become a marker object, RefStr a plain str."""
    if isinstance(value, Unknown):
        out: dict[str, Any] = {"$unknown": value.reason}
        if value.refs:
            out["refs"] = list(value.refs)
        if value.nonnull:
            out["nonnull"] = True
        if value.text:
            out["text"] = value.text
        return out
    if isinstance(value, RefStr):
        return str(value)
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


def from_plain(value: Any) -> Any:
    """Inverse of :func:`to_plain` (a saved inventory read back)."""
    if isinstance(value, dict):
        if "$unknown" in value and len(value) <= 4:
            return Unknown(
                value["$unknown"],
                nonnull=bool(value.get("nonnull")),
                refs=tuple(value.get("refs", ())),
                text=value.get("text"),
            )
        return {k: from_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_plain(v) for v in value]
    return value
