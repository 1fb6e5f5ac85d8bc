"""Sigma rules for CloudTrail, run over the same records as wasec's own detections.

pySigma (the ``sigma`` extra) parses rules, applies their modifiers and resolves their conditions;
this module turns each parsed condition into a predicate over one record and wraps it in a
:class:`~wasec.events.detections.Detection`, so dispatch, findings, alerts and outputs are shared.
A rule that cannot be run exactly (another log source, a correlation, a value type or construct
this evaluator does not implement) is reported with the reason; it is never dropped in silence.

Semantics follow the Sigma specification: strings compare case-insensitively with ``*``/``?``
wildcards unless ``|cased``; a list of values is any-of (all-of with ``|all``); ``null`` matches a
missing or empty field; ``|re`` searches; dotted field names walk CloudTrail's nested JSON, and a
list on the way matches when any of its items does.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml

from wasec.events.detections import DETECT, Detection, actor

Pred = Callable[[dict[str, Any]], bool]
LEVELS = {"informational": "info", "low": "low", "medium": "medium", "high": "high", "critical": "critical"}
_MISSING = object()


class Unsupported(Exception):
    """A construct this evaluator cannot run exactly."""


@dataclass(frozen=True)
class SigmaProblem:
    path: str
    rule: str  # "-": the file itself
    reason: str

    @property
    def kind(self) -> str:
        """A file that cannot be read as Sigma is an input error; a rule that cannot run, a warning."""
        return "error" if self.rule == "-" else "warning"

    def __str__(self) -> str:
        return f"{self.path}: {self.rule}: {self.reason}"


@dataclass
class SigmaRules:
    detections: list[Detection]
    problems: list[SigmaProblem]
    files: int = 0


def load(paths: Iterable[str | Path]) -> SigmaRules:
    """Every Sigma rule under ``paths`` (files or directories of ``*.yml``/``*.yaml``) for CloudTrail."""
    try:
        from sigma.collection import SigmaCollection
        from sigma.correlations import SigmaCorrelationRule
        from sigma.exceptions import SigmaError
        from sigma.rule import SigmaRule
    except ImportError:
        raise RuntimeError("Sigma rules need pySigma: pip install 'wasec[sigma]'") from None

    out = SigmaRules([], [])
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.suffix in (".yml", ".yaml") and f.is_file())
        elif p.is_file():
            files.append(p)
        else:
            out.problems.append(SigmaProblem(str(p), "-", "no such file or directory"))
    seen: dict[str, str] = {}
    for f in files:
        out.files += 1
        try:
            collection = SigmaCollection.from_yaml(f.read_bytes(), collect_errors=True)
        except (SigmaError, OSError, ValueError, yaml.YAMLError) as e:  # the file, not one rule
            out.problems.append(SigmaProblem(str(f), "-", f"not a Sigma rule file: {e}"))
            continue
        for rule in collection.rules:
            title = str(getattr(rule, "title", "") or "(untitled)")
            if isinstance(rule, SigmaCorrelationRule):
                out.problems.append(SigmaProblem(str(f), title, "correlation rules are not supported"))
                continue
            if not isinstance(rule, SigmaRule):
                out.problems.append(SigmaProblem(str(f), title, f"unsupported rule type {type(rule).__name__}"))
                continue
            if rule.errors:
                out.problems.append(SigmaProblem(str(f), title, "; ".join(str(e) for e in rule.errors)))
                continue
            ls = rule.logsource
            if (ls.product or "").lower() != "aws" or (ls.service or "").lower() != "cloudtrail":
                out.problems.append(SigmaProblem(str(f), title, f"log source is product {ls.product!r}, service "
                                                 f"{ls.service!r}, not product 'aws', service 'cloudtrail': skipped"))
                continue
            try:
                d = compile_rule(rule, str(f))
            except (Unsupported, SigmaError, re.error, ValueError) as e:
                out.problems.append(SigmaProblem(str(f), title, f"unsupported: {e}"))
                continue
            if d.id in seen:
                out.problems.append(SigmaProblem(str(f), title, f"same id as {seen[d.id]}: skipped"))
                continue
            seen[d.id] = str(f)
            out.detections.append(d)
    return out


def compile_rule(rule: Any, path: str) -> Detection:
    """One parsed rule → a Detection whose check fires when any of its conditions holds."""
    preds = [_node(c.parsed) for c in rule.detection.parsed_condition]
    names: set[str] | None = set()
    for c in rule.detection.parsed_condition:
        n = _event_names(c.parsed)
        names = None if n is None or names is None else names | n
    title = str(rule.title)
    level = LEVELS.get(str(getattr(rule.level, "name", rule.level) or "medium").lower(), "medium")
    mitre = tuple(t.name.upper() for t in rule.tags or () if t.namespace == "attack" and re.fullmatch(r"t\d{4}(\.\d{3})?", t.name))
    ident = f"sigma-{rule.id}" if rule.id else f"sigma-{Path(path).stem}"
    fp = "; ".join(map(str, rule.falsepositives or ()))
    playbook = f"Sigma rule {Path(path).name}: {' '.join(str(rule.description or title).split())}" + \
        (f" Known false positives: {fp}." if fp else "")

    matches = _join(preds, conjunction=False)

    # the Detection Rule License, SigmaHQ's, asks that a match name the rule's author
    credit = f" (by {' '.join(str(rule.author).split())}" + (f"; {rule.license}" if rule.license else "") + ")" \
        if rule.author else ""

    def check(r: dict[str, Any]) -> str | None:
        if matches(r):
            return f"Sigma rule '{title}'{credit} matched {r.get('eventSource')} {r.get('eventName')} by {actor(r)}"
        return None

    return Detection(ident, title, level, tuple(sorted(names)) if names else ("*",), mitre, DETECT, playbook, check,
                     failures=True, marker=None)


# --- conditions ------------------------------------------------------------------------------------

def _node(n: Any) -> Pred:
    from sigma import conditions as C

    if isinstance(n, (C.ConditionAND, C.ConditionOR)):
        return _join([_node(a) for a in n.args], isinstance(n, C.ConditionAND))
    if isinstance(n, C.ConditionNOT):
        inner = _node(n.args[0])
        return lambda r: not inner(r)
    if isinstance(n, C.ConditionFieldEqualsValueExpression):
        return _field(n.field, n.value)
    if isinstance(n, C.ConditionValueExpression):
        raise Unsupported("keyword (field-less) search: name the field to match")
    raise Unsupported(f"condition element {type(n).__name__}")


def _join(parts: list[Pred], conjunction: bool) -> Pred:
    """and / or over predicates, without a generator per record (this runs for every record)."""
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        return (lambda r: a(r) and b(r)) if conjunction else (lambda r: a(r) or b(r))

    def every(r: dict[str, Any]) -> bool:
        for p in parts:  # noqa: SIM110 (a loop: no generator per record)
            if not p(r):
                return False
        return True

    def some(r: dict[str, Any]) -> bool:
        for p in parts:  # noqa: SIM110
            if p(r):
                return True
        return False
    return every if conjunction else some


def _event_names(n: Any) -> set[str] | None:
    """The event names (lower case) a record must have for the condition to hold, or None if any may."""
    from sigma import conditions as C
    from sigma.types import SigmaString

    if isinstance(n, C.ConditionFieldEqualsValueExpression):
        v = n.value
        if n.field == "eventName" and isinstance(v, SigmaString) and not v.contains_special():
            return {str(v.to_plain()).lower()}
        return None
    if isinstance(n, C.ConditionAND):
        known = [s for s in map(_event_names, n.args) if s is not None]
        return min(known, key=len) if known else None
    if isinstance(n, C.ConditionOR):
        parts = [_event_names(a) for a in n.args]
        return None if any(p is None for p in parts) else set().union(*parts)  # type: ignore[arg-type]
    return None


# --- values ----------------------------------------------------------------------------------------

def values_at(r: Any, field: str) -> list[Any]:
    """The values at a dotted path; lists on the way are walked into. [] when the path is absent."""
    cur = [r]
    for key in field.split("."):
        nxt = []
        for c in cur:
            if isinstance(c, list):
                c = [x.get(key, _MISSING) for x in c if isinstance(x, dict)]
                nxt += [x for x in c if x is not _MISSING]
            elif isinstance(c, dict) and key in c:
                nxt.append(c[key])
        cur = nxt
    out: list[Any] = []
    for c in cur:
        out += c if isinstance(c, list) else [c]
    return out


def _text(v: Any) -> str | None:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (str, int, float)):
        return str(v)
    if isinstance(v, dict):
        # rules written for SIEMs that keep requestParameters as text: its JSON, then its strings as they
        # are (a policy document inside is a JSON string, whose quotes the outer JSON would escape)
        return "\n".join([orjson.dumps(v).decode(), *_strings(v)])
    return None


def _strings(v: Any) -> list[str]:
    if isinstance(v, str):
        return [v]
    if isinstance(v, dict):
        return [s for x in v.values() for s in _strings(x)]
    if isinstance(v, list):
        return [s for x in v for s in _strings(x)]
    return []


def _getter(field: str) -> Callable[[dict[str, Any]], Any]:
    """values_at for one field, compiled: plain dict lookups, and the general walk only when a list is met."""
    keys = field.split(".")
    if len(keys) == 1:
        def one(r: dict[str, Any]) -> Any:
            v = r.get(field, _MISSING)
            return () if v is _MISSING else v if isinstance(v, list) else (v,)
        return one

    def get(r: dict[str, Any]) -> Any:
        cur: Any = r
        for k in keys:
            if isinstance(cur, dict):
                cur = cur.get(k, _MISSING)
                if cur is _MISSING:
                    return ()
            else:
                return values_at(r, field)
        return cur if isinstance(cur, list) else (cur,)
    return get


def _field(field: str | None, value: Any) -> Pred:
    from sigma.types import SigmaExists, SigmaNull

    if field is None:
        raise Unsupported("keyword (field-less) search: name the field to match")
    get = _getter(field)
    if isinstance(value, SigmaNull):  # null and exists look at presence, not at values
        return lambda r: all(v is None or v == "" for v in get(r))
    if isinstance(value, SigmaExists):
        want = bool(value.exists)
        return lambda r: any(v is not None for v in get(r)) == want
    test = _value(value, field)

    def pred(r: dict[str, Any]) -> bool:
        for v in get(r):  # noqa: SIM110
            if test(v, r):
                return True
        return False
    return pred


def _value(value: Any, field: str) -> Callable[[Any, dict[str, Any]], bool]:
    """A test of one value found at the field (the record is passed for field references)."""
    from sigma import types as T

    if isinstance(value, (T.SigmaNull, T.SigmaExists)):
        raise Unsupported(f"null or exists inside a list of values in {field}")
    if isinstance(value, T.SigmaString):
        if value.contains_placeholder():
            raise Unsupported(f"placeholder in {field}: expand it with a pySigma pipeline first")
        cased = isinstance(value, T.SigmaCasedString)
        if not value.contains_special():
            plain = str(value.to_plain())
            if cased:
                return lambda v, r: _text(v) == plain
            low = plain.lower()
            return lambda v, r: v.lower() == low if type(v) is str else (t := _text(v)) is not None and t.lower() == low
        rx = re.compile(_wildcards(value), 0 if cased else re.IGNORECASE | re.DOTALL)
        return lambda v, r: (t := _text(v)) is not None and rx.fullmatch(t) is not None
    if isinstance(value, T.SigmaRegularExpression):
        flags = 0
        for f in value.flags:
            flags |= {"IGNORECASE": re.IGNORECASE, "MULTILINE": re.MULTILINE, "DOTALL": re.DOTALL}[f.name]
        rx = re.compile(str(value.regexp), flags)
        return lambda v, r: (t := _text(v)) is not None and rx.search(t) is not None
    if isinstance(value, T.SigmaBool):
        want = bool(value.boolean)
        return lambda v, r: v is want or (isinstance(v, str) and v.lower() == str(want).lower())
    if isinstance(value, T.SigmaNumber):
        n = value.number
        return lambda v, r: _num(v) == n
    if isinstance(value, T.SigmaCompareExpression):
        n, op = value.number.number, value.op.name
        cmp = {"LT": lambda a: a < n, "LTE": lambda a: a <= n, "GT": lambda a: a > n, "GTE": lambda a: a >= n,
               "NEQ": lambda a: a != n}[op]
        return lambda v, r: (x := _num(v)) is not None and cmp(x)
    if isinstance(value, T.SigmaCIDRExpression):
        net = ipaddress.ip_network(str(value.cidr), strict=False)
        return lambda v, r: _in_network(v, net)
    if isinstance(value, T.SigmaFieldReference):
        other = value.field
        if value.starts_with or value.ends_with:
            raise Unsupported(f"field reference with startswith/endswith in {field}")
        return lambda v, r: (t := _text(v)) is not None and any(_text(o) == t for o in values_at(r, other))
    if isinstance(value, T.SigmaExpansion):
        tests = [_value(x, field) for x in value.values]
        return lambda v, r: any(t(v, r) for t in tests)
    raise Unsupported(f"value type {type(value).__name__} in {field}")


def _wildcards(s: Any) -> str:
    from sigma.types import SpecialChars

    out = []
    for part in s.s:
        if part == SpecialChars.WILDCARD_MULTI:
            out.append(".*")
        elif part == SpecialChars.WILDCARD_SINGLE:
            out.append(".")
        else:
            out.append(re.escape(str(part)))
    return "".join(out)


def _num(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    try:
        return float(v) if isinstance(v, str) else None
    except ValueError:
        return None


def _in_network(v: Any, net: Any) -> bool:
    if not isinstance(v, str):
        return False
    try:
        return ipaddress.ip_address(v) in net
    except ValueError:
        return False
