"""Terraform's built-in functions, evaluated statically.

A function that receives an unknown argument returns an unknown result (which keeps the
references of its arguments), except where the answer does not depend on it (``length`` of a list
with unknown elements, ``coalesce`` whose first argument is known). Functions that read the
machine (``timestamp``, ``uuid``) or need state are unknown.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import itertools
import json
import math
import os
import re
from collections.abc import Callable
from typing import Any

from wasec import safe_io
from wasec.errors import InputError
from wasec.model.values import RefStr, Unknown, UnknownValue, contains_unknown, refs_of


class EncodedJson(str):
    """A JSON string that keeps the structure it was encoded from (unknowns included).

    ``jsonencode({... Resource = aws_s3_bucket.b.arn ...})`` yields text that is not fully known,
    but the policy structure is; mappers read ``.data`` instead of parsing the text.
    """

    __slots__ = ("data",)
    data: Any

    def __new__(cls, data: Any) -> EncodedJson:
        obj = super().__new__(cls, json.dumps(_placeholder(data), separators=(",", ":")))
        obj.data = data
        return obj


def _placeholder(v: Any) -> Any:
    if isinstance(v, Unknown):
        return getattr(v, "text", None) or "${unknown}"
    if isinstance(v, dict):
        return {k: _placeholder(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_placeholder(x) for x in v]
    return v


# no real configuration builds a list or a string this long in a function: a larger one is a hostile file
MAX_COLLECTION = 100_000


class FunctionError(Exception):
    pass


def unknown_from(args: list[Any], name: str) -> Unknown:
    refs: list[str] = []
    for a in args:
        for r in _all_refs(a):
            if r not in refs:
                refs.append(r)
    return Unknown(f"{name}() of a value known only after deployment", nonnull=True, refs=tuple(refs))


def _all_refs(v: Any) -> list[str]:
    out = list(refs_of(v))
    if isinstance(v, dict):
        for x in v.values():
            out += _all_refs(x)
    elif isinstance(v, list):
        for x in v:
            out += _all_refs(x)
    return out


# -- helpers -----------------------------------------------------------------------------------
def _s(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if v is None:
        raise FunctionError("cannot use null as a string")
    if isinstance(v, (dict, list)):
        raise FunctionError("cannot convert a collection to a string")
    return str(v)


def _num(v: Any) -> int | float:
    if isinstance(v, bool):
        raise FunctionError("a bool is not a number")
    if isinstance(v, (int, float)):
        return v
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise FunctionError(f"{v!r} is not a number") from None
    return int(f) if f.is_integer() else f


def _list(v: Any) -> list[Any]:
    if isinstance(v, list):
        return v
    if isinstance(v, dict):
        return list(v.values())
    raise FunctionError("expected a list")


def _format(fmt: str, *args: Any) -> str:
    out: list[str] = []
    it = iter(args)
    i, n = 0, len(fmt)
    while i < n:
        c = fmt[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        m = re.match(r"%([-+ #0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])", fmt[i:])
        if not m:
            out.append(c)
            i += 1
            continue
        flags, width, prec, verb = m.groups()
        i += m.end()
        if verb == "%":
            out.append("%")
            continue
        v = next(it)
        if verb in "sv":
            s = v if isinstance(v, str) else json.dumps(v) if isinstance(v, (dict, list)) else _s(v)
        elif verb == "q":
            s = json.dumps(_s(v))
        elif verb == "d":
            s = str(int(_num(v)))
        elif verb in "fFeEgG":
            s = ("%" + (("." + prec) if prec else "") + verb) % float(_num(v))
        elif verb == "t":
            s = "true" if v else "false"
        elif verb in "xX":
            s = format(int(_num(v)), verb)
        elif verb == "o":
            s = format(int(_num(v)), "o")
        elif verb == "b":
            s = format(int(_num(v)), "b")
        else:
            s = _s(v)
        if width:
            if int(width) > MAX_COLLECTION:
                raise FunctionError(f"format(): width {width} is too large")
            s = s.ljust(int(width)) if "-" in flags else s.rjust(int(width), "0" if "0" in flags else " ")
        out.append(s)
    return "".join(out)


def _flatten(v: Any) -> list[Any]:
    out: list[Any] = []
    for x in _list(v):
        if isinstance(x, list):
            out.extend(_flatten(x))
        else:
            out.append(x)
    return out


def _merge(*maps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in maps:
        if m is None:
            continue
        if not isinstance(m, dict):
            raise FunctionError("merge() takes maps")
        out.update(m)
    return out


def _lookup(m: Any, key: Any, *default: Any) -> Any:
    if not isinstance(m, dict):
        raise FunctionError("lookup() takes a map")
    if key in m:
        return m[key]
    if default:
        return default[0]
    raise FunctionError(f"lookup(): no key {key!r}")


def _element(lst: Any, idx: Any) -> Any:
    lst = _list(lst)
    if not lst:
        raise FunctionError("element() of an empty list")
    return lst[int(_num(idx)) % len(lst)]


def _coalesce(*vals: Any) -> Any:
    for v in vals:
        if isinstance(v, Unknown):
            return v
        if v is not None and v != "":
            return v
    raise FunctionError("coalesce(): no non-null argument")


def _cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> str:
    net = ipaddress.ip_network(_s(prefix), strict=False)
    new_prefix = net.prefixlen + int(_num(newbits))
    size = 2 ** (net.max_prefixlen - new_prefix)
    addr = int(net.network_address) + int(_num(netnum)) * size
    return str(ipaddress.ip_network((addr, new_prefix)))


def _cidrsubnets(prefix: Any, *newbits: Any) -> list[str]:
    """Consecutive subnets of the given sizes, each aligned after the one before (Terraform's allocation)."""
    net = ipaddress.ip_network(_s(prefix), strict=False)
    out, current = [], int(net.network_address)
    for bits in newbits:
        new_prefix = net.prefixlen + int(_num(bits))
        size = 2 ** (net.max_prefixlen - new_prefix)
        current += -current % size
        sub = ipaddress.ip_network((current, new_prefix))
        if not sub.subnet_of(net):  # type: ignore[arg-type]
            raise FunctionError(f"cidrsubnets(): not enough address space left in {net}")
        out.append(str(sub))
        current += size
    return out


def _timestamp(text: Any) -> Any:
    import datetime as dt

    try:
        return dt.datetime.fromisoformat(_s(text).replace("z", "Z"))
    except ValueError:
        raise FunctionError(f"not an RFC 3339 timestamp: {text!r}") from None


_DATE_TOKEN = re.compile(r"'(?:[^']|'')*'|YYYY|YY|MMMM|MMM|MM|M|DD|D|EEEE|EEE|hh|h|HH|H|AA|aa|mm|m|ss|s|ZZZZZ|ZZZZ|ZZZ|Z")


def _formatdate(spec: Any, timestamp: Any) -> str:
    """Terraform's formatdate: YYYY MM DD hh mm ss and the rest of its tokens, 'literals' in quotes."""
    t = _timestamp(timestamp)
    off = t.utcoffset()
    minutes = int(off.total_seconds() // 60) if off is not None else 0
    sign, hh, mm = ("-" if minutes < 0 else "+"), abs(minutes) // 60, abs(minutes) % 60
    table = {"YYYY": f"{t.year:04d}", "YY": f"{t.year % 100:02d}", "MMMM": t.strftime("%B"), "MMM": t.strftime("%b"),
             "MM": f"{t.month:02d}", "M": str(t.month), "DD": f"{t.day:02d}", "D": str(t.day),
             "EEEE": t.strftime("%A"), "EEE": t.strftime("%a"), "hh": f"{t.hour:02d}", "h": str(t.hour),
             "HH": f"{(t.hour % 12) or 12:02d}", "H": str((t.hour % 12) or 12), "AA": "AM" if t.hour < 12 else "PM",
             "aa": "am" if t.hour < 12 else "pm", "mm": f"{t.minute:02d}", "m": str(t.minute), "ss": f"{t.second:02d}",
             "s": str(t.second), "ZZZZZ": f"{sign}{hh:02d}:{mm:02d}", "ZZZZ": f"{sign}{hh:02d}{mm:02d}",
             "ZZZ": "UTC" if minutes == 0 else f"{sign}{hh:02d}{mm:02d}", "Z": "Z" if minutes == 0 else f"{sign}{hh:02d}:{mm:02d}"}

    def token(m: re.Match[str]) -> str:
        text = m.group(0)
        return text[1:-1].replace("''", "'") if text.startswith("'") else table[text]

    return _DATE_TOKEN.sub(token, _s(spec))


_DURATION = re.compile(r"(-?\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def _timeadd(timestamp: Any, duration: Any) -> str:
    import datetime as dt

    text = _s(duration)
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.lstrip("+"):
        raise FunctionError(f"timeadd(): not a duration: {text!r}")
    seconds = sum(float(n) * _UNIT[u] for n, u in parts)
    out = _timestamp(timestamp) + dt.timedelta(seconds=seconds)
    return out.isoformat().replace("+00:00", "Z")


def _timecmp(a: Any, b: Any) -> int:
    x, y = _timestamp(a), _timestamp(b)
    return (x > y) - (x < y)


def _cidrhost(prefix: Any, hostnum: Any) -> str:
    net = ipaddress.ip_network(_s(prefix), strict=False)
    return str(net.network_address + int(_num(hostnum)))


def _regex(pattern: Any, text: Any) -> Any:
    m = re.search(_go_regex(_s(pattern)), _s(text))
    if not m:
        raise FunctionError("regex(): no match")
    if m.groupdict():
        return m.groupdict()
    if m.groups():
        return list(m.groups())
    return m.group()


def _regexall(pattern: Any, text: Any) -> list[Any]:
    out: list[Any] = []
    for m in re.finditer(_go_regex(_s(pattern)), _s(text)):
        out.append(m.groupdict() or list(m.groups()) if m.groups() else m.group())
    return out


def _go_regex(p: str) -> str:
    return re.sub(r"\(\?P?<", "(?P<", p)


def _replace(s: Any, old: Any, new: Any) -> str:
    s, old, new = _s(s), _s(old), _s(new)
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        return re.sub(_go_regex(old[1:-1]), re.sub(r"\$\{?(\w+)\}?", r"\\g<\1>", new), s)
    return s.replace(old, new)


def _substr(s: Any, off: Any, length: Any) -> str:
    s = _s(s)
    o, n = int(_num(off)), int(_num(length))
    if o < 0:
        o += len(s)
    return s[o:] if n < 0 else s[o : o + n]


def _setproduct(lists: list[list[Any]]) -> list[list[Any]]:
    n = math.prod(len(x) for x in lists) if lists else 0
    if n > MAX_COLLECTION:
        raise FunctionError(f"setproduct() would make {n:,} elements")
    return [list(t) for t in itertools.product(*lists)]


def _range(*a: Any) -> list[int | float]:
    nums = [_num(x) for x in a]
    start: int | float
    stop: int | float
    step: int | float
    if len(nums) == 1:
        start, stop, step = 0, nums[0], 1
    elif len(nums) == 2:
        start, stop, step = nums[0], nums[1], 1
    else:
        start, stop, step = nums
    out: list[int | float] = []
    x = start
    while (step > 0 and x < stop) or (step < 0 and x > stop):
        out.append(x)
        x += step
        if len(out) > MAX_COLLECTION:
            raise FunctionError("range() too large")
    return out


def _tobool(v: Any) -> bool | None:
    if v is None or isinstance(v, bool):
        return v
    if v in ("true", "false"):
        return v == "true"
    raise FunctionError(f"cannot convert {v!r} to bool")


def _tonumber(v: Any) -> Any:
    return None if v is None else _num(v)


def _tostring(v: Any) -> Any:
    return None if v is None else _s(v)


def _one(v: Any) -> Any:
    lst = _list(v)
    if len(lst) > 1:
        raise FunctionError("one() of more than one element")
    return lst[0] if lst else None


def _distinct(v: Any) -> list[Any]:
    out: list[Any] = []
    for x in _list(v):
        if x not in out:
            out.append(x)
    return out


def _setop(op: str) -> Callable[..., list[Any]]:
    def f(*sets: Any) -> list[Any]:
        lists = [_list(s) for s in sets]
        if not lists:
            return []
        out = list(lists[0])
        for other in lists[1:]:
            if op == "union":
                out += [x for x in other if x not in out]
            elif op == "intersection":
                out = [x for x in out if x in other]
            else:
                out = [x for x in out if x not in other]
        return _distinct(out)

    return f


def _file_reader(base_dir: str) -> dict[str, Callable[..., Any]]:
    """Functions that read files relative to a module directory (bounded in size)."""

    def read(path: Any) -> str:
        try:
            return safe_io.read_text(os.path.join(base_dir, _s(path)), 5 * safe_io.MB)
        except InputError as e:
            raise FunctionError(f"file({path!r}): {e}") from None

    def fileexists(path: Any) -> bool:
        return safe_io.is_regular(os.path.join(base_dir, _s(path)))

    def filebase64(path: Any) -> str:
        return base64.b64encode(read(path).encode()).decode()

    return {"file": read, "fileexists": fileexists, "filebase64": filebase64}


def _templatefile(base_dir: str) -> Callable[..., Any]:
    def templatefile(path: Any, variables: Any) -> Any:
        from wasec.sources.terraform.eval import render_template_text

        text = _file_reader(base_dir)["file"](path)
        return render_template_text(text, variables if isinstance(variables, dict) else {}, base_dir)

    return templatefile


def _jsondecode(s: Any) -> Any:
    try:
        return json.loads(_s(s))
    except json.JSONDecodeError as e:
        raise FunctionError(f"jsondecode(): {e.msg} at line {e.lineno}") from None


def _yamldecode(s: Any) -> Any:
    import yaml

    try:
        return yaml.load(_s(s), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as e:
        raise FunctionError(f"yamldecode(): {e}") from None


def _sha(algo: str) -> Callable[[Any], str]:
    return lambda s: hashlib.new(algo, _s(s).encode()).hexdigest()


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": lambda x: abs(_num(x)),
    "ceil": lambda x: math.ceil(_num(x)),
    "floor": lambda x: math.floor(_num(x)),
    "max": lambda *x: max(_num(v) for v in _flatten(list(x))),
    "min": lambda *x: min(_num(v) for v in _flatten(list(x))),
    "pow": lambda a, b: _num(a) ** _num(b),
    "signum": lambda x: (_num(x) > 0) - (_num(x) < 0),
    "parseint": lambda s, base: int(_s(s), int(_num(base))),
    "log": lambda x, b: math.log(_num(x), _num(b)),
    "sum": lambda x: sum(_num(v) for v in _list(x)),
    "chomp": lambda s: _s(s).rstrip("\r\n"),
    "format": lambda f, *a: _format(_s(f), *a),
    "formatlist": lambda f, *a: [
        _format(_s(f), *[x[i] if isinstance(x, list) else x for x in a])
        for i in range(max([len(x) for x in a if isinstance(x, list)] or [1]))
    ],
    "indent": lambda n, s: _s(s).replace("\n", "\n" + " " * int(_num(n))),
    "join": lambda sep, *lists: _s(sep).join(_s(x) for lst in lists for x in _list(lst) if x is not None),
    "lower": lambda s: _s(s).lower(),
    "upper": lambda s: _s(s).upper(),
    "title": lambda s: _s(s).title(),
    "split": lambda sep, s: _s(s).split(_s(sep)),
    "strrev": lambda s: _s(s)[::-1],
    "substr": _substr,
    "replace": _replace,
    "regex": _regex,
    "regexall": _regexall,
    "trim": lambda s, chars: _s(s).strip(_s(chars)),
    "trimprefix": lambda s, p: _s(s).removeprefix(_s(p)),
    "trimsuffix": lambda s, p: _s(s).removesuffix(_s(p)),
    "trimspace": lambda s: _s(s).strip(),
    "startswith": lambda s, p: _s(s).startswith(_s(p)),
    "endswith": lambda s, p: _s(s).endswith(_s(p)),
    "strcontains": lambda s, p: _s(p) in _s(s),
    "alltrue": lambda lst: all(x is True or x == "true" for x in _list(lst)),
    "anytrue": lambda lst: any(x is True or x == "true" for x in _list(lst)),
    "chunklist": lambda lst, n: [_list(lst)[i : i + int(_num(n))] for i in range(0, len(_list(lst)), int(_num(n)))],
    "coalesce": _coalesce,
    "coalescelist": lambda *ls: next((x for x in ls if _list(x)), []),
    "compact": lambda lst: [x for x in _list(lst) if x not in (None, "")],
    "concat": lambda *ls: [x for lst in ls for x in _list(lst)],
    "contains": lambda lst, v: v in _list(lst),
    "distinct": _distinct,
    "element": _element,
    "flatten": _flatten,
    "index": lambda lst, v: _list(lst).index(v),
    "keys": lambda m: sorted(m) if isinstance(m, dict) else _list(m),
    "length": lambda v: len(v) if isinstance(v, (list, dict, str)) else len(_list(v)),
    "lookup": _lookup,
    "merge": _merge,
    "range": _range,
    "reverse": lambda lst: list(reversed(_list(lst))),
    "setintersection": _setop("intersection"),
    "setproduct": lambda *ls: _setproduct([_list(x) for x in ls]),
    "setsubtract": _setop("subtract"),
    "setunion": _setop("union"),
    "slice": lambda lst, a, b: _list(lst)[int(_num(a)) : int(_num(b))],
    "sort": lambda lst: sorted(_s(x) for x in _list(lst)),
    "transpose": lambda m: {
        v: sorted(k for k, vs in m.items() if v in vs) for vs in m.values() for v in vs
    },
    "values": lambda m: [m[k] for k in sorted(m)] if isinstance(m, dict) else _list(m),
    "zipmap": lambda ks, vs: dict(zip([_s(k) for k in _list(ks)], _list(vs))),
    "one": _one,
    "base64decode": lambda s: base64.b64decode(_s(s)).decode("utf-8", "replace"),
    "base64encode": lambda s: base64.b64encode(_s(s).encode()).decode(),
    "base64gzip": lambda s: base64.b64encode(__import__("gzip").compress(_s(s).encode())).decode(),
    "jsondecode": _jsondecode,
    "jsonencode": EncodedJson,
    "yamldecode": _yamldecode,
    "yamlencode": lambda v: __import__("yaml").safe_dump(v, sort_keys=False),
    "urlencode": lambda s: __import__("urllib.parse").parse.quote(_s(s), safe=""),
    "csvdecode": lambda s: list(__import__("csv").DictReader(_s(s).splitlines())),
    "textencodebase64": lambda s, enc: base64.b64encode(_s(s).encode(_s(enc))).decode(),
    "textdecodebase64": lambda s, enc: base64.b64decode(_s(s)).decode(_s(enc)),
    "md5": _sha("md5"),
    "sha1": _sha("sha1"),
    "sha256": _sha("sha256"),
    "sha512": _sha("sha512"),
    "base64sha256": lambda s: base64.b64encode(hashlib.sha256(_s(s).encode()).digest()).decode(),
    "base64sha512": lambda s: base64.b64encode(hashlib.sha512(_s(s).encode()).digest()).decode(),
    "cidrsubnet": _cidrsubnet,
    "cidrsubnets": _cidrsubnets,
    "formatdate": _formatdate,
    "timeadd": _timeadd,
    "timecmp": _timecmp,
    "basename": lambda p: _s(p).rstrip("/").rsplit("/", 1)[-1] or ("/" if _s(p).startswith("/") else "."),
    "dirname": lambda p: (_s(p).rstrip("/").rsplit("/", 1)[0] or "/") if "/" in _s(p).rstrip("/") else ".",
    "cidrhost": _cidrhost,
    "cidrnetmask": lambda p: str(ipaddress.ip_network(_s(p), strict=False).netmask),
    "tobool": _tobool,
    "tonumber": _tonumber,
    "tostring": _tostring,
    "tolist": lambda v: _list(v),
    "toset": lambda v: _distinct(v),
    "tomap": lambda v: dict(v) if isinstance(v, dict) else _merge(v),
    "sensitive": lambda v: v,
    "nonsensitive": lambda v: v,
    "type": lambda v: type(v).__name__,
}

# functions whose result is unknown by nature (time, randomness, the home directory, files hashed for deployment)
UNKNOWN_FUNCTIONS = {
    "timestamp", "uuid", "uuidv5", "bcrypt", "rsadecrypt", "plantimestamp", "filemd5", "filesha1", "filesha256",
    "filesha512", "filebase64sha256", "filebase64sha512", "fileset", "pathexpand", "ephemeralasnull",
    "templatestring", "issensitive",
}

# functions that decide on their own what to do with unknown arguments
UNKNOWN_AWARE = {"try", "can", "coalesce", "length", "jsonencode", "concat", "merge", "tolist", "toset", "compact",
                 "flatten", "element", "lookup", "sensitive", "nonsensitive", "tomap", "one", "distinct"}


def call(name: str, args: list[Any], base_dir: str) -> Any:
    """Apply function ``name``; raises FunctionError for misuse, KeyError for unknown names."""
    if name.startswith("provider::"):
        return unknown_from(args, name)
    if name in UNKNOWN_FUNCTIONS:
        return unknown_from(args, name)
    if name in ("file", "fileexists", "filebase64"):
        fn: Callable[..., Any] = _file_reader(base_dir)[name]
    elif name == "abspath":  # relative to where Terraform runs: the root module's directory
        fn = lambda p: os.path.normpath(os.path.join(base_dir, _s(p))).replace(os.sep, "/")  # noqa: E731
    elif name == "templatefile":
        fn = _templatefile(base_dir)
    else:
        fn = FUNCTIONS[name]
    if name not in UNKNOWN_AWARE:
        if any(isinstance(a, Unknown) or contains_unknown(a) for a in args):
            return unknown_from(args, name)
    elif name in ("concat", "merge", "flatten", "compact", "tolist", "toset", "distinct", "element", "lookup", "one", "tomap"):
        if any(isinstance(a, Unknown) for a in args):
            return unknown_from(args, name)
    elif name == "length" and isinstance(args[0], Unknown):
        return unknown_from(args, name)
    try:
        result = fn(*args)
    except UnknownValue:  # an unknown item compared or tested inside (distinct, compact, contains…)
        return unknown_from(args, name)
    if isinstance(result, str) and not isinstance(result, (RefStr, EncodedJson)) and len(args) == 1 and isinstance(args[0], RefStr):
        return RefStr(result, args[0].ref)
    return result
