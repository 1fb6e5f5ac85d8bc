"""Set one attribute in a Terraform resource block, as a person would: the rest of the file untouched.

The block is found by its ``resource "TYPE" "NAME"`` header; braces are matched skipping strings
(with their ``${…}`` interpolations), heredocs and comments. An attribute already set on one line
gets its value replaced; a missing one is added with the indentation of its neighbours; a missing
nested block (``metadata_options { … }``) is added whole. A value spread over several lines is not
rewritten: :class:`EditError` says so, and the finding keeps its written remediation.
"""

from __future__ import annotations

import re

_LITERAL = re.compile(r'^(true|false|null|-?[0-9.]+|"[^"$%]*")$')
_HEREDOC = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\n")


class EditError(ValueError):
    pass


def _skip_string(text: str, i: int) -> int:
    """Index just past the string opened by the quote at ``i``."""
    n = len(text)
    i += 1
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return i + 1
        if text.startswith("${", i) or text.startswith("%{", i):
            i = _skip_braces(text, i + 1) + 1
            continue
        if c == "\n":
            raise EditError("unterminated string")
        i += 1
    raise EditError("unterminated string")


def _skip_braces(text: str, i: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``i``, skipping strings, heredocs and comments."""
    depth, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i = _skip_string(text, i)
            continue
        if c == "#" or text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
            continue
        if text.startswith("<<", i) and _HEREDOC.match(text, i):
            i = _skip_heredoc(text, i)
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise EditError("unbalanced braces")


def _children(text: str, open_: int, close: int) -> list[tuple[int, int, str]]:
    """Direct children of the block between ``open_`` and ``close``: (start, end of line or block, text of the head)."""
    out = []
    i = open_ + 1
    while i < close:
        c = text[i]
        if c in " \t\r\n":
            i += 1
            continue
        if c == "#" or text.startswith("//", i):
            j = text.find("\n", i)
            i = close if j < 0 else j
            continue
        if text.startswith("/*", i):
            i = text.find("*/", i + 2) + 2
            continue
        start = i
        # one statement: up to the end of its line at this depth (strings, brackets and blocks skipped)
        depth = 0
        while i < close:
            c = text[i]
            if c == '"':
                i = _skip_string(text, i)
                continue
            if text.startswith("<<", i) and _HEREDOC.match(text, i):
                i = _skip_heredoc(text, i)
                continue
            if c == "{":
                i = _skip_braces(text, i) + 1
                continue
            if c in "([":
                depth += 1
            elif c in ")]":
                depth -= 1
            elif c == "\n" and depth <= 0:
                break
            i += 1
        out.append((start, i, text[start:i]))
    return out


def _skip_heredoc(text: str, i: int) -> int:
    m = _HEREDOC.match(text, i)
    assert m is not None
    end = re.compile(r"^[ \t]*" + re.escape(m.group(1)) + r"[ \t]*$", re.M).search(text, m.end())
    if end is None:
        raise EditError("unterminated heredoc")
    return end.end()


def _indent_of(text: str, pos: int) -> str:
    line_start = text.rfind("\n", 0, pos) + 1
    return re.match(r"[ \t]*", text[line_start:]).group(0)  # type: ignore[union-attr]


def find_resource(text: str, tf_type: str, name: str) -> int:
    """Offset of the ``{`` opening ``resource "tf_type" "name"``."""
    m = re.search(r'^[ \t]*resource[ \t]+"' + re.escape(tf_type) + r'"[ \t]+"' + re.escape(name) + r'"[ \t]*\{', text, re.M)
    if m is None:
        raise EditError(f'resource "{tf_type}" "{name}" is not declared in this file')
    return m.end() - 1


def set_attribute(text: str, open_: int, path: tuple[str, ...], value: str) -> str:
    """``text`` with ``path`` (nested blocks…, attribute) set to ``value`` in the block opened at ``open_``."""
    close = _skip_braces(text, open_)
    kids = _children(text, open_, close)
    name, rest = path[0], path[1:]
    if rest:
        for start, _end, head in kids:
            if re.match(re.escape(name) + r"\s*\{", head):
                return set_attribute(text, text.index("{", start), rest, value)
        body = _block_text(rest, value)
        return _insert(text, open_, close, kids, f"{name} {{\n{body}}}")
    for start, end, head in kids:
        m = re.match(re.escape(name) + r"(\s*=\s*)(?!=)", head)
        if m:
            if "\n" in head:
                raise EditError(f"{name} is set over several lines; change it by hand")
            current = head[m.end():].split("#")[0].split("//")[0].strip()
            if not _LITERAL.match(current):  # var.x, a conditional…: the value is decided elsewhere
                raise EditError(f"{name} is set from `{current}`; change the value where it is given")
            return text[:start] + name + m.group(1) + value + text[end:]
    return _insert(text, open_, close, kids, f"{name} = {value}")


def _block_text(path: tuple[str, ...], value: str, indent: str = "  ") -> str:
    if len(path) == 1:
        return f"{indent}{path[0]} = {value}\n"
    return f"{indent}{path[0]} {{\n{_block_text(path[1:], value, indent + '  ')}{indent}}}\n"


def _insert(text: str, open_: int, close: int, kids: list[tuple[int, int, str]], stmt: str) -> str:
    base = _indent_of(text, open_)
    inner = text[open_ + 1:close]
    if "\n" not in inner:  # a one-line block ({} or { x = 1 }): reopen it over several lines
        step = base + "  "
        lines = [x for x in (inner.strip(),) if x] + [stmt]
        body = "".join(step + _reindent(x, step) + "\n" for x in lines)
        return text[:open_ + 1] + "\n" + body + base + text[close:]
    step = _indent_of(text, kids[0][0]) if kids else base + "  "
    line_start = text.rfind("\n", 0, close) + 1
    if text[line_start:close].strip():  # "  x = 1 }": close on its own line first
        return text[:close].rstrip() + "\n" + step + _reindent(stmt, step) + "\n" + base + text[close:]
    return text[:line_start] + step + _reindent(stmt, step) + "\n" + text[line_start:]


def _reindent(stmt: str, indent: str) -> str:
    first, *more = stmt.split("\n")
    return "\n".join([first, *[indent + x if x else x for x in more]])
