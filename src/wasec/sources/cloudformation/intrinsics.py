"""CloudFormation intrinsic functions, resolved statically.

Parameters resolve to their defaults (or ``--param`` values), conditions are evaluated, mappings
looked up. What only CloudFormation knows at deploy time (``!GetAtt``, a resource's ``!Ref``, the
account id) becomes an :class:`Unknown` that remembers the logical id it points at.
"""

from __future__ import annotations

import json
import re
from typing import Any

from wasec.model.values import RefStr, Unknown, contains_unknown, ref
from wasec.sources.cloudformation.exports import Exports
from wasec.sources.shapes import PSEUDO_PARTITION

NO_VALUE = object()  # AWS::NoValue: the property is removed

# What !Ref returns when the resource declares its physical name (so the name is known).
REF_NAME_PROPERTY = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::ECR::Repository": "RepositoryName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Logs::DeliverySource": "Name",
    "AWS::Serverless::Function": "FunctionName",
}
_PSEUDO = {
    "AWS::AccountId": "the deploying account's id",
    "AWS::Region": "the deployment region",
    "AWS::StackName": "the stack name",
    "AWS::StackId": "the stack id",
    "AWS::NotificationARNs": "the stack's notification ARNs",
    "AWS::Partition": "the partition",
    "AWS::URLSuffix": "the URL suffix",
}
_SUB = re.compile(r"\$\{([^}!][^}]*)\}")


class CfnError(Exception):
    pass


class Resolver:
    def __init__(self, template: dict[str, Any], params: dict[str, Any] | None = None,
                 exports: Exports | None = None, path: str = "") -> None:
        self.t = template
        self.exports = exports
        self.path = path
        self.resources: dict[str, Any] = _section(template, "Resources")
        self.mappings: dict[str, Any] = _section(template, "Mappings")
        self.conditions_src: dict[str, Any] = _section(template, "Conditions")
        self.params: dict[str, Any] = {}
        declared = _section(template, "Parameters")
        given = params or {}
        for name, spec in declared.items():
            spec = spec if isinstance(spec, dict) else {}
            if name in given:
                self.params[name] = _param_value(given[name], spec)
            elif "Default" in spec:
                self.params[name] = _param_value(spec["Default"], spec)
            else:
                self.params[name] = Unknown(f"parameter {name} has no default (set it with --param {name}=…)",
                                            text="${" + name + "}")
        self._conditions: dict[str, Any] = {}
        self._evaluating: set[str] = set()

    # -- conditions --------------------------------------------------------------------------
    def condition(self, name: str) -> Any:
        if name in self._conditions:
            return self._conditions[name]
        if name in self._evaluating:
            raise CfnError(f"condition {name} refers to itself")
        if name not in self.conditions_src:
            raise CfnError(f"condition {name} is not defined")
        self._evaluating.add(name)
        try:
            v = self.cond_value(self.conditions_src[name])
        finally:
            self._evaluating.discard(name)
        self._conditions[name] = v
        return v

    def cond_value(self, expr: Any) -> Any:
        if isinstance(expr, dict) and len(expr) == 1:
            (fn, arg), = expr.items()
            if fn == "Condition":
                return self.condition(str(arg))
            if fn == "Fn::Equals":
                a, b = (self.resolve(x) for x in arg)
                if isinstance(a, Unknown) or isinstance(b, Unknown):
                    return Unknown("condition depends on an unknown value")
                return str(_as_string(a)) == str(_as_string(b))  # CloudFormation compares strings
            if fn in ("Fn::And", "Fn::Or"):
                vals = [self.cond_value(x) for x in arg]
                known = [v for v in vals if not isinstance(v, Unknown)]
                if fn == "Fn::And" and any(v is False for v in known):
                    return False
                if fn == "Fn::Or" and any(v is True for v in known):
                    return True
                if len(known) < len(vals):
                    return Unknown("condition depends on an unknown value")
                return all(known) if fn == "Fn::And" else any(known)
            if fn == "Fn::Not":
                v = self.cond_value(arg[0] if isinstance(arg, list) else arg)
                return v if isinstance(v, Unknown) else not v
        v = self.resolve(expr)
        if isinstance(v, Unknown):
            return v
        if isinstance(v, str):
            return v.lower() == "true"
        return bool(v)

    # -- values --------------------------------------------------------------------------------
    def resolve(self, v: Any) -> Any:
        if isinstance(v, dict):
            if len(v) == 1:
                (k, arg), = v.items()
                if k == "Ref" or k.startswith("Fn::"):
                    return self._fn(k, arg)
            out: dict[str, Any] = {}
            for k, x in v.items():
                r = self.resolve(x)
                if r is not NO_VALUE:
                    out[k] = r
            return out
        if isinstance(v, list):
            return [r for r in (self.resolve(x) for x in v) if r is not NO_VALUE]
        return v

    def _fn(self, fn: str, arg: Any) -> Any:
        handler = _FUNCTIONS.get(fn)
        if handler is None:
            return Unknown(f"{fn} is evaluated by CloudFormation at deploy time", nonnull=True)
        try:
            return handler(self, arg)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError) as e:
            raise CfnError(f"invalid {fn}: {e}") from None

    def ref(self, name: str) -> Any:
        if name in self.params:
            return self.params[name]
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in PSEUDO_PARTITION:
            return PSEUDO_PARTITION[name]
        if name in _PSEUDO:
            return Unknown(f"{name} is {_PSEUDO[name]}", nonnull=True, text="${" + name + "}")
        res = self.resources.get(name)
        if isinstance(res, dict):
            prop = REF_NAME_PROPERTY.get(str(res.get("Type")))
            props = _section(res, "Properties")
            if prop and prop in props:
                value = self.resolve(props[prop])
                if isinstance(value, str):
                    return RefStr(value, name)
            return ref(name, "Ref")
        raise CfnError(f"!Ref {name}: no such parameter or resource")


def _section(template: dict[str, Any], name: str) -> dict[str, Any]:
    v = template.get(name)
    return v if isinstance(v, dict) else {}


def _param_value(v: Any, spec: dict[str, Any]) -> Any:
    """A parameter's value as CloudFormation passes it: a string (``Default: true`` is "true"), or a list."""
    t = str(spec.get("Type", "String"))
    if t.startswith("List<") or t == "CommaDelimitedList":
        if isinstance(v, str):
            return [x.strip() for x in v.split(",")]
        return [_as_string(x) for x in v] if isinstance(v, list) else v
    return _as_string(v)


def _as_string(v: Any) -> Any:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return v


def _ref(r: Resolver, arg: Any) -> Any:
    return r.ref(str(arg))


def _getatt(r: Resolver, arg: Any) -> Any:
    if isinstance(arg, str):
        arg = arg.split(".", 1)
    name, attr = str(arg[0]), r.resolve(arg[1]) if len(arg) > 1 else ""
    if name not in r.resources:
        raise CfnError(f"!GetAtt {name}: no such resource")
    return ref(name, str(attr))


def _sub(r: Resolver, arg: Any) -> Any:
    if isinstance(arg, list):
        text, local = str(arg[0]), {k: r.resolve(v) for k, v in (arg[1] or {}).items()}
    else:
        text, local = str(arg), {}
    parts: list[str] = []
    unknowns: list[Unknown] = []
    pos = 0
    for m in _SUB.finditer(text):
        parts.append(text[pos : m.start()])
        pos = m.end()
        key = m.group(1).strip()
        if key in local:
            v = local[key]
        elif "." in key and key.split(".", 1)[0] in r.resources:
            name, attr = key.split(".", 1)
            v = ref(name, attr)
        else:
            v = r.ref(key)
        if isinstance(v, Unknown):
            unknowns.append(v)
            parts.append(v.text or "${" + key + "}")
        else:
            parts.append(_text(v))
    parts.append(text[pos:])
    out = "".join(parts).replace("${!", "${")
    if unknowns:
        refs = tuple(dict.fromkeys(x for u in unknowns for x in u.refs))
        return Unknown("!Sub of values known at deploy time", nonnull=True, refs=refs, text=out)
    return out


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, dict)):
        return json.dumps(v)
    return str(v)


def _join(r: Resolver, arg: Any) -> Any:
    delim, items = r.resolve(arg[0]), r.resolve(arg[1])
    if isinstance(items, Unknown) or isinstance(delim, Unknown):
        return Unknown("!Join of an unknown list", nonnull=True, refs=getattr(items, "refs", ()))
    unknowns = [x for x in items if isinstance(x, Unknown)]
    text = str(delim).join((x.text or "${…}") if isinstance(x, Unknown) else _text(x) for x in items)
    if unknowns:
        refs = tuple(dict.fromkeys(x for u in unknowns for x in u.refs))
        return Unknown("!Join of values known at deploy time", nonnull=True, refs=refs, text=text)
    return text


def _if(r: Resolver, arg: Any) -> Any:
    c = r.condition(str(arg[0]))
    if isinstance(c, Unknown):
        a, b = r.resolve(arg[1]), r.resolve(arg[2])
        if not contains_unknown(a) and not contains_unknown(b) and a is not NO_VALUE and a == b:
            return a
        return Unknown(f"depends on condition {arg[0]}, which is unknown")
    return r.resolve(arg[1] if c else arg[2])


def _find_in_map(r: Resolver, arg: Any) -> Any:
    keys = [r.resolve(x) for x in arg[:3]]
    if any(isinstance(k, Unknown) for k in keys):
        return Unknown("!FindInMap with an unknown key")
    m = r.mappings.get(str(keys[0]), {})
    try:
        return r.resolve(m[str(keys[1])][str(keys[2])])
    except (KeyError, TypeError):
        if len(arg) > 3 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
            return r.resolve(arg[3]["DefaultValue"])
        raise CfnError(f"!FindInMap: no {keys[0]}/{keys[1]}/{keys[2]}") from None


def _select(r: Resolver, arg: Any) -> Any:
    idx, items = r.resolve(arg[0]), r.resolve(arg[1])
    if isinstance(idx, Unknown) or isinstance(items, Unknown):
        return Unknown("!Select from an unknown list", nonnull=True)
    return items[int(idx)]


def _split(r: Resolver, arg: Any) -> Any:
    delim, text = r.resolve(arg[0]), r.resolve(arg[1])
    if isinstance(text, Unknown) or isinstance(delim, Unknown):
        return Unknown("!Split of an unknown string", nonnull=True)
    return str(text).split(str(delim))


def _base64(r: Resolver, arg: Any) -> Any:
    return r.resolve(arg)  # kept as the text it encodes, which is what rules read


def _to_json(r: Resolver, arg: Any) -> Any:
    v = r.resolve(arg)
    return v if contains_unknown(v) else json.dumps(v)


def _cidr(r: Resolver, arg: Any) -> Any:
    """Fn::Cidr [ipBlock, count, cidrBits]: the first ``count`` subnets of ``ipBlock`` with ``cidrBits`` host bits,
    in address order — the same for every deployment, so computed here."""
    import ipaddress

    if not isinstance(arg, list) or len(arg) != 3:
        raise CfnError("!Cidr takes [ipBlock, count, cidrBits]")
    block, count, bits = (r.resolve(x) for x in arg)
    if any(isinstance(x, Unknown) for x in (block, count, bits)):
        return Unknown("CIDR blocks of an address block known at deploy time", nonnull=True)
    try:
        net = ipaddress.ip_network(str(block), strict=False)
        count, bits = int(count), int(bits)
    except ValueError as e:
        raise CfnError(f"!Cidr: {e}") from None
    prefix = net.max_prefixlen - bits
    if not 1 <= count <= 256 or prefix < net.prefixlen or count > 2 ** (prefix - net.prefixlen):
        raise CfnError(f"!Cidr: {count} subnets with {bits} host bits do not fit in {net}")
    return [str(n) for _, n in zip(range(count), net.subnets(new_prefix=prefix), strict=False)]


def _import_value(r: Resolver, arg: Any) -> Any:
    if r.exports is None:
        return Unknown("an export of another stack", nonnull=True)
    return r.exports.lookup(r.path, r.resolve(arg))


def _length(r: Resolver, arg: Any) -> Any:
    v = r.resolve(arg)
    return v if isinstance(v, Unknown) else len(v)


_FUNCTIONS: dict[str, Any] = {
    "Ref": _ref,
    "Fn::GetAtt": _getatt,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::If": _if,
    "Fn::FindInMap": _find_in_map,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::Base64": _base64,
    "Fn::ToJsonString": _to_json,
    "Fn::Length": _length,
    "Fn::GetAZs": lambda r, a: Unknown("the region's availability zones", nonnull=True),
    "Fn::ImportValue": _import_value,
    "Fn::Cidr": _cidr,
    "Fn::Equals": lambda r, a: r.cond_value({"Fn::Equals": a}),
    "Fn::And": lambda r, a: r.cond_value({"Fn::And": a}),
    "Fn::Or": lambda r, a: r.cond_value({"Fn::Or": a}),
    "Fn::Not": lambda r, a: r.cond_value({"Fn::Not": a}),
    "Condition": lambda r, a: r.condition(str(a)),
}
