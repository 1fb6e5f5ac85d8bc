"""HCL2 tokenizer.

Hand-written for speed and for positions: every token carries its line. Quoted strings and heredocs
come out raw (their interpolations are parsed later by the template parser), so the common case of
a string without ``${`` costs one regular-expression match.
"""

from __future__ import annotations

import re

from wasec.errors import ParseError

# token kinds
NL, ID, NUM, STR, HEREDOC, OP, EOF = "NL", "ID", "NUM", "STR", "HEREDOC", "OP", "EOF"

Token = tuple[str, object, int]  # (kind, value, line)

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\ufeff]+)
  | (?P<nl>\n)
  | (?P<comment>\#[^\n]*|//[^\n]*)
  | (?P<mcomment>/\*.*?\*/)
  | (?P<heredoc><<(?P<hstrip>-?)(?P<hmarker>[A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n)
  | (?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<id>[A-Za-z_][A-Za-z0-9_-]*(?:::[A-Za-z_][A-Za-z0-9_-]*)*)
  | (?P<str>")
  | (?P<op>==|!=|<=|>=|&&|\|\||=>|\.\.\.|[{}\[\]()=,.?:!<>+\-*/%~])
    """,
    re.X | re.S,
)
_SIMPLE_STR = re.compile(r'(?:[^"\\$%\n]|\\.|\$(?!\{)|%(?!\{))*"')
MAX_DEPTH = 100


def scan_string(src: str, pos: int, line: int) -> tuple[str, int]:
    """Scan a quoted template starting after its opening quote; return (raw content, end)."""
    m = _SIMPLE_STR.match(src, pos)
    if m is not None:
        end = m.end()
        return src[pos : end - 1], end
    i, n, depth = pos, len(src), 0
    while i < n:
        c = src[i]
        if depth == 0:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                return src[pos:i], i + 1
            if c == "\n":
                break
            if c in "$%" and i + 2 < n and src[i + 1] == c and src[i + 2] == "{":
                i += 3
                continue
            if c in "$%" and i + 1 < n and src[i + 1] == "{":
                depth = 1
                i += 2
                continue
            i += 1
        else:
            if c == '"':
                _, i = scan_string(src, i + 1, line)
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            i += 1
    raise ParseError("unterminated string", line)


def tokenize(src: str, pos: int = 0, line: int = 1, interp: bool = False) -> tuple[list[Token], int, int]:
    """Tokenize from ``pos``. In ``interp`` mode, stop after the ``}`` that closes a ``${``.

    Returns (tokens, end position, end line).
    """
    toks: list[Token] = []
    append = toks.append
    match = _TOKEN.match
    n = len(src)
    depth = 0
    while pos < n:
        m = match(src, pos)
        if m is None:
            raise ParseError(f"unexpected character {src[pos]!r}", line)
        kind = m.lastgroup
        end = m.end()
        if kind == "ws" or kind == "comment":
            pass
        elif kind == "nl":
            if not interp:
                append((NL, None, line))
            line += 1
        elif kind == "id":
            append((ID, m.group(), line))
        elif kind == "op":
            op = m.group()
            if op == "{":
                depth += 1
            elif op == "}":
                if interp and depth == 0:
                    return toks, end, line
                depth -= 1
            append((OP, op, line))
        elif kind == "str":
            raw, end = scan_string(src, end, line)
            append((STR, raw, line))
        elif kind == "num":
            text = m.group()
            append((NUM, float(text) if ("." in text or "e" in text or "E" in text) else int(text), line))
        elif kind == "mcomment":
            line += m.group().count("\n")
        elif kind == "heredoc":
            strip, marker = m.group("hstrip") == "-", m.group("hmarker")
            start_line = line
            body_start = end
            line += 1
            closer = re.compile(r"^[ \t]*" + re.escape(marker) + r"[ \t]*\r?$", re.M)
            c = closer.search(src, body_start)
            if c is None:
                raise ParseError(f"heredoc <<{marker} is never closed", start_line)
            body = src[body_start : c.start()]
            line += body.count("\n")
            append((HEREDOC, (body, strip), start_line))
            end = c.end()
        pos = end
    if interp:
        raise ParseError("unterminated interpolation", line)
    append((EOF, None, line))
    return toks, pos, line
