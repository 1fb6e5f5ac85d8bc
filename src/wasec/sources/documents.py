"""YAML and JSON documents loaded with the line of every key and list item.

YAML is composed by libyaml (PyYAML's C loader) and converted here, which gives positions, keeps
CloudFormation's short-form tags (``!Ref``, ``!GetAtt`` …) as their long form, and bounds the work:
a document whose aliases expand past :data:`MAX_NODES` values (a "billion laughs" bomb) or that
nests deeper than :data:`MAX_DEPTH` is refused with a clear error instead of exhausting memory.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from wasec.errors import ParseError

PathKey = tuple[str | int, ...]
Lines = dict[PathKey, int]

MAX_NODES = 2_000_000
MAX_DEPTH = 400

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_INTRINSIC_TAGS = {
    "!Ref": "Ref", "!Condition": "Condition", "!GetAtt": "Fn::GetAtt", "!Sub": "Fn::Sub", "!Join": "Fn::Join",
    "!If": "Fn::If", "!Equals": "Fn::Equals", "!And": "Fn::And", "!Or": "Fn::Or", "!Not": "Fn::Not",
    "!FindInMap": "Fn::FindInMap", "!Select": "Fn::Select", "!Split": "Fn::Split", "!Base64": "Fn::Base64",
    "!GetAZs": "Fn::GetAZs", "!ImportValue": "Fn::ImportValue", "!Cidr": "Fn::Cidr", "!Transform": "Fn::Transform",
    "!ToJsonString": "Fn::ToJsonString", "!Length": "Fn::Length", "!ForEach": "Fn::ForEach",
}


class _Converter:
    def __init__(self) -> None:
        self.count = 0
        self.lines: Lines = {}

    def convert(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise ParseError(f"document expands to more than {MAX_NODES:,} values (a YAML alias bomb?)")
        if depth > MAX_DEPTH:
            raise ParseError(f"document is nested deeper than {MAX_DEPTH} levels", node.start_mark.line + 1)
        tag = node.tag
        if tag in _INTRINSIC_TAGS:
            fn = _INTRINSIC_TAGS[tag]
            if isinstance(node, yaml.ScalarNode):
                value: Any = node.value
                if fn == "Fn::GetAtt":
                    value = value.split(".", 1)
                elif fn == "Fn::GetAZs" and value == "":
                    value = ""
            else:
                value = self._collection(node, (*path, fn), depth)
            return {fn: value}
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        return self._collection(node, path, depth)

    def _collection(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        if isinstance(node, yaml.SequenceNode):
            out_list = []
            for i, item in enumerate(node.value):
                p = (*path, i)
                self.lines.setdefault(p, item.start_mark.line + 1)
                out_list.append(self.convert(item, p, depth + 1))
            return out_list
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for k, v in node.value:
                if k.tag == "tag:yaml.org,2002:merge":
                    merged = self.convert(v, path, depth + 1)
                    for m in merged if isinstance(merged, list) else [merged]:
                        if isinstance(m, dict):
                            for mk, mv in m.items():
                                out.setdefault(mk, mv)
                    continue
                key = self.convert(k, path, depth + 1)
                if isinstance(key, (dict, list)):
                    raise ParseError("a mapping key must be a scalar", k.start_mark.line + 1)
                key = _key_text(key)
                p = (*path, key)
                self.lines.setdefault(p, k.start_mark.line + 1)
                out[key] = self.convert(v, p, depth + 1)
            return out
        return _scalar(node)


def _key_text(k: Any) -> str:
    if isinstance(k, bool):
        return "true" if k else "false"
    if k is None:
        return "null"
    return str(k)


def _scalar(node: yaml.Node) -> Any:
    tag, value = node.tag, node.value
    if tag == "tag:yaml.org,2002:str" or getattr(node, "style", None) in ("'", '"', "|", ">"):
        return value
    if tag == "tag:yaml.org,2002:bool":
        return value.lower() in ("true", "yes", "on", "y")
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:int":
        digits = value.replace("_", "")
        for base in (10, 0):
            try:
                return int(digits, base)
            except ValueError:
                continue
        return value
    if tag == "tag:yaml.org,2002:float":
        try:
            return float(value.replace("_", ""))
        except ValueError:
            return value
    return value


def load_yaml(text: str) -> tuple[Any, Lines]:
    """Parse one YAML document; returns (value, lines)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        what = e.problem or e.context or ""
        if "nesting depth" in what:  # PyYAML 6.0.4 and newer stop deep documents themselves
            what = f"document is nested too deeply ({what})"
        raise ParseError(f"invalid YAML: {what}", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as e:
        raise ParseError(f"invalid YAML: {e}") from None
    if node is None:
        return None, {}
    conv = _Converter()
    try:
        value = conv.convert(node, (), 0)
    except RecursionError:
        raise ParseError("document is nested too deeply") from None
    return value, conv.lines


def load_yaml_all(text: str) -> list[tuple[Any, Lines, int]]:
    """Parse every document of a YAML stream; (value, lines, first line) for each non-empty one.

    The alias budget is shared by the whole stream, so a bomb split over many documents is refused too.
    """
    conv = _Converter()
    out: list[tuple[Any, Lines, int]] = []
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            if node is None:
                continue
            conv.lines = {}
            try:
                value = conv.convert(node, (), 0)
            except RecursionError:
                raise ParseError("document is nested too deeply", node.start_mark.line + 1) from None
            out.append((value, conv.lines, node.start_mark.line + 1))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        what = e.problem or e.context or ""
        if "nesting depth" in what:
            what = f"document is nested too deeply ({what})"
        raise ParseError(f"invalid YAML: {what}", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as e:
        raise ParseError(f"invalid YAML: {e}") from None
    return out


# -- JSON with positions ----------------------------------------------------------------------
_WS = re.compile(r"[ \t\r\n]*")
_STRING = re.compile(r'"((?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*)"')
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_ESC = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_ESC_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)")


def _unescape(s: str) -> str:
    if "\\" not in s:
        return s

    def sub(m: re.Match[str]) -> str:
        e = m.group(1)
        return chr(int(e[1:], 16)) if e[0] == "u" else _ESC[e]

    out = _ESC_RE.sub(sub, s)
    # join UTF-16 surrogate pairs
    return out.encode("utf-16", "surrogatepass").decode("utf-16") if any(0xD800 <= ord(c) <= 0xDFFF for c in out) else out


class _JsonParser:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.lines: Lines = {}
        # line starts, to turn offsets into line numbers with bisect
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, pos: int) -> int:
        from bisect import bisect_right

        return bisect_right(self.starts, pos)

    def ws(self) -> None:
        self.i = _WS.match(self.s, self.i).end()  # type: ignore[union-attr]

    def fail(self, what: str) -> ParseError:
        found = repr(self.s[self.i]) if self.i < len(self.s) else "end of file"
        return ParseError(f"invalid JSON: expected {what}, found {found}", self.line(self.i))

    def value(self, path: PathKey, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise ParseError(f"document is nested deeper than {MAX_DEPTH} levels", self.line(self.i))
        self.ws()
        s, i = self.s, self.i
        c = s[i] if i < len(s) else ""
        if c == "{":
            self.i += 1
            out: dict[str, Any] = {}
            self.ws()
            if s[self.i : self.i + 1] == "}":
                self.i += 1
                return out
            while True:
                self.ws()
                m = _STRING.match(s, self.i)
                if m is None:
                    raise self.fail("a string key")
                key = _unescape(m.group(1))
                p = (*path, key)
                self.lines.setdefault(p, self.line(self.i))
                self.i = m.end()
                self.ws()
                if s[self.i : self.i + 1] != ":":
                    raise self.fail("':'")
                self.i += 1
                out[key] = self.value(p, depth + 1)
                self.ws()
                c = s[self.i : self.i + 1]
                self.i += 1
                if c == "}":
                    return out
                if c != ",":
                    self.i -= 1
                    raise self.fail("',' or '}'")
        if c == "[":
            self.i += 1
            lst: list[Any] = []
            self.ws()
            if s[self.i : self.i + 1] == "]":
                self.i += 1
                return lst
            while True:
                self.ws()
                p = (*path, len(lst))
                self.lines.setdefault(p, self.line(self.i))
                lst.append(self.value(p, depth + 1))
                self.ws()
                c = s[self.i : self.i + 1]
                self.i += 1
                if c == "]":
                    return lst
                if c != ",":
                    self.i -= 1
                    raise self.fail("',' or ']'")
        if c == '"':
            m = _STRING.match(s, i)
            if m is None:
                raise self.fail("a valid string")
            self.i = m.end()
            return _unescape(m.group(1))
        if s.startswith("true", i):
            self.i += 4
            return True
        if s.startswith("false", i):
            self.i += 5
            return False
        if s.startswith("null", i):
            self.i += 4
            return None
        m = _NUMBER.match(s, i)
        if m is not None and m.end() > i:
            self.i = m.end()
            return float(m.group()) if (m.group(1) or m.group(2)) else int(m.group())
        raise self.fail("a value")


def load_json(text: str) -> tuple[Any, Lines]:
    """Parse JSON keeping the line of every key and item; returns (value, lines)."""
    p = _JsonParser(text)
    try:
        value = p.value((), 0)
    except RecursionError:
        raise ParseError("document is nested too deeply") from None
    p.ws()
    if p.i != len(text):
        raise p.fail("end of document")
    return value, p.lines


def load_json_stream(text: str) -> list[tuple[Any, Lines, int]]:
    """Consecutive JSON values, as ``kubectl`` reads a JSON file: (value, lines, first line) for each."""
    p = _JsonParser(text)
    out: list[tuple[Any, Lines, int]] = []
    p.ws()
    while p.i < len(text) or not out:
        p.lines = {}
        first = p.line(p.i)
        try:
            value = p.value((), 0)
        except RecursionError:
            raise ParseError("document is nested too deeply", first) from None
        out.append((value, p.lines, first))
        p.ws()
    return out
