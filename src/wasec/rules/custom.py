"""User rules in YAML, loaded from ``.wasec/rules/*.yml``, over canonical properties.

::

    id: acme-bucket-owner-tag
    title: S3 buckets carry an owner tag
    severity: low
    types: [AWS::S3::Bucket]
    wa: [SEC07-BP01]
    message: the bucket has no Owner tag
    check:                      # what must hold; a failing condition fails the rule
      all:
        - path: Tags
          exists: true
        - any:
            - path: BucketName
              matches: "^acme-"
            - not: {path: AccessControl, equals: PublicRead}

``Tags.<key>`` reads a tag by its key. Conditions: ``exists``, ``equals``, ``not_equals``, ``in``, ``not_in``, ``matches`` (regular
expression), ``contains``, ``gte``, ``lte``, ``truthy``; combined with ``all``, ``any``, ``not``.
A condition on a value that is unknown makes the finding UNKNOWN, as for built-in rules.
The same rule runs on Terraform, CloudFormation and live accounts.
"""

from __future__ import annotations

import re
from typing import Any

from wasec.errors import ConfigError
from wasec.model.finding import Severity
from wasec.model.values import Unknown, UnknownValue
from wasec.rules.registry import AREAS, Rule
from wasec.rules.view import MISSING, Fail, View, truthy

_OPS = {"exists", "equals", "not_equals", "in", "not_in", "matches", "contains", "gte", "lte", "truthy"}


def validate(cond: Any, where: str) -> None:
    if not isinstance(cond, dict):
        raise ConfigError(f"{where}: a condition must be a mapping")
    if "all" in cond or "any" in cond:
        key = "all" if "all" in cond else "any"
        items = cond[key]
        if not isinstance(items, list) or not items:
            raise ConfigError(f"{where}: '{key}' needs a non-empty list")
        for i, c in enumerate(items):
            validate(c, f"{where}.{key}[{i}]")
        return
    if "not" in cond:
        validate(cond["not"], f"{where}.not")
        return
    if "path" not in cond:
        raise ConfigError(f"{where}: a condition needs 'path' (or all/any/not)")
    ops = [k for k in cond if k != "path"]
    unknown = [k for k in ops if k not in _OPS]
    if unknown or len(ops) != 1:
        raise ConfigError(f"{where}: use exactly one of {', '.join(sorted(_OPS))} with 'path' (got {', '.join(ops) or 'none'})")
    if "matches" in cond:
        try:
            re.compile(str(cond["matches"]))
        except re.error as e:
            raise ConfigError(f"{where}: invalid regular expression: {e}") from None


def _tag(r: View, key: str) -> Any:
    """``Tags.<key>``: a tag by its key, whatever shape the source gives tags (list of Key/Value or mapping)."""
    tags = r.get("Tags")  # an unknown tag set (or tag) makes the condition unknown
    if isinstance(tags, dict):
        v = tags.get(key, MISSING)
    elif isinstance(tags, list):
        v = next((t.get("Value") for t in tags if isinstance(t, dict) and t.get("Key") == key), MISSING)
    else:
        v = r.resource.tags.get(key, MISSING)
    if isinstance(v, Unknown):
        raise UnknownValue(f"Tags.{key} is unknown: {v.reason}", "Tags")
    return v


def holds(r: View, cond: dict[str, Any]) -> tuple[bool, str]:
    """Evaluate a condition; returns (result, the path it turned on)."""
    if "all" in cond:
        for c in cond["all"]:
            ok, path = holds(r, c)
            if not ok:
                return False, path
        return True, ""
    if "any" in cond:
        paths = []
        for c in cond["any"]:
            ok, path = holds(r, c)
            if ok:
                return True, path
            paths.append(path)
        return False, paths[0] if paths else ""
    if "not" in cond:
        ok, path = holds(r, cond["not"])
        return not ok, path
    path = str(cond["path"])
    v = _tag(r, path[5:]) if path.startswith("Tags.") else r.get(path, MISSING)
    (op, arg), = ((k, x) for k, x in cond.items() if k != "path")
    present = v is not MISSING and v is not None
    if op == "exists":
        return present == bool(arg), path
    if op == "truthy":
        return present and truthy(v) == bool(arg), path
    if not present:
        return op in ("not_equals", "not_in"), path
    if op == "equals":
        return v == arg, path
    if op == "not_equals":
        return v != arg, path
    if op == "in":
        return v in (arg or []), path
    if op == "not_in":
        return v not in (arg or []), path
    if op == "matches":
        return isinstance(v, str) and re.search(str(arg), v) is not None, path
    if op == "contains":
        return (arg in v) if isinstance(v, (list, str, dict)) else False, path
    try:
        if op == "gte":
            return float(v) >= float(arg), path
        if op == "lte":
            return float(v) <= float(arg), path
    except (TypeError, ValueError):
        return False, path
    return False, path


def rule_from_dict(d: dict[str, Any], where: str) -> Rule:
    for key in ("id", "title", "severity", "types", "check"):
        if key not in d:
            raise ConfigError(f"{where}: missing '{key}'")
    types = d["types"] if isinstance(d["types"], list) else [d["types"]]
    try:
        severity = Severity.parse(str(d["severity"]))
    except ValueError as e:
        raise ConfigError(f"{where}: {e}") from None
    area = str(d.get("area", "foundations"))
    if area not in AREAS:
        raise ConfigError(f"{where}: area must be one of {', '.join(AREAS)}")
    validate(d["check"], f"{where}: check")
    message = str(d.get("message") or f"does not satisfy: {d['title']}")
    cond = d["check"]

    def check(r: View) -> Any:
        ok, path = holds(r, cond)
        return None if ok else Fail(path, message)

    return Rule(
        id=str(d["id"]), title=str(d["title"]), severity=severity, types=tuple(str(t) for t in types), check=check,
        area=area, category=str(d.get("category", "hardening")), wa=tuple(d.get("wa", ())), cis=tuple(d.get("cis", ())),
        fsbp=tuple(d.get("fsbp", ())), why=str(d.get("why", "")), fix=str(d.get("fix", "")),
        fix_terraform=str(d.get("terraform", "")), fix_cloudformation=str(d.get("cloudformation", "")), custom=True,
    )
