"""HCL2 parser: native syntax to :mod:`ast` nodes, with templates and heredocs."""

from __future__ import annotations

import re
from typing import Any

from wasec.errors import ParseError
from wasec.sources.terraform.hcl import ast as A
from wasec.sources.terraform.hcl.lexer import EOF, HEREDOC, ID, MAX_DEPTH, NL, NUM, OP, STR, Token, tokenize

_BINARY_PREC = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.S)
_INTERP_RE = re.compile(r"\$\$\{|%%\{|\$\{|%\{")


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text

    def sub(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] in "uU" and len(e) > 1:
            return chr(int(e[1:], 16))
        return _ESCAPES.get(e, "\\" + e)

    return _ESCAPE_RE.sub(sub, text)


def parse(src: str) -> A.Body:
    """Parse a whole ``.tf`` file."""
    tokens, _, _ = tokenize(src)
    p = Parser(tokens)
    return p.parse_body(top=True)


def parse_expression(src: str, line: int = 1) -> A.Expr:
    """Parse one expression (a ``${...}`` body in JSON syntax, a ``-var`` value)."""
    tokens, _, _ = tokenize(src, 0, line)
    p = Parser(tokens)
    p.depth = 1  # newlines are insignificant here
    e = p.expr()
    p.skip_nl()
    if p.peek()[0] != EOF:
        raise ParseError(f"unexpected {p.describe(p.peek())} after expression", p.peek()[2])
    return e


def parse_template(raw: str, line: int, quoted: bool = True, strip_indent: bool = False) -> A.Expr:
    """Parse template text (the inside of a quoted string or a heredoc)."""
    if strip_indent:
        raw = _dedent(raw)
    if "{" not in raw or _INTERP_RE.search(raw) is None:
        return A.Literal(_unescape(raw) if quoted else raw, line)
    flat: list[Any] = []  # str | Expr | ("dir", [tokens], line)
    pos = 0
    strip_next = False
    for_escape = _unescape if quoted else (lambda s: s)
    while True:
        m = _INTERP_RE.search(raw, pos)
        text = raw[pos : m.start()] if m else raw[pos:]
        if strip_next:
            text = text.lstrip()
            strip_next = False
        if text:
            if flat and isinstance(flat[-1], str):
                flat[-1] += for_escape(text)
            else:
                flat.append(for_escape(text))
        if m is None:
            break
        marker = m.group()
        part_line = line + raw.count("\n", 0, m.start())
        if marker in ("$${", "%%{"):
            if flat and isinstance(flat[-1], str):
                flat[-1] += marker[1:]
            else:
                flat.append(marker[1:])
            pos = m.end()
            continue
        toks, end, _ = tokenize(raw, m.end(), part_line, interp=True)
        if toks and toks[0][0] == OP and toks[0][1] == "~":
            toks = toks[1:]
            if flat and isinstance(flat[-1], str):
                flat[-1] = flat[-1].rstrip()
        if toks and toks[-1][0] == OP and toks[-1][1] == "~":
            toks = toks[:-1]
            strip_next = True
        if marker == "${":
            p = Parser([*toks, (EOF, None, part_line)])
            p.depth = 1
            e = p.expr()
            if p.peek()[0] != EOF:
                raise ParseError(f"unexpected {p.describe(p.peek())} in interpolation", part_line)
            flat.append(e)
        else:
            flat.append(("dir", toks, part_line))
        pos = end
    parts, rest = _fold(flat, 0, None)
    if rest != len(flat):
        raise ParseError("unexpected template directive", line)
    if len(parts) == 1 and isinstance(parts[0], A.Expr) and not isinstance(parts[0], (A.TemplateIf, A.TemplateFor)):
        # "${x}" alone keeps x's type (a list stays a list), as in Terraform
        return parts[0]
    return A.Template(parts, line)


def _dedent(raw: str) -> str:
    lines = raw.split("\n")
    widths = [len(x) - len(x.lstrip(" \t")) for x in lines if x.strip()]
    cut = min(widths) if widths else 0
    return "\n".join(x[cut:] for x in lines)


def _fold(flat: list[Any], i: int, until: set[str] | None) -> tuple[list[Any], int]:
    """Turn the flat list of template pieces into nested if/for directives."""
    out: list[Any] = []
    while i < len(flat):
        item = flat[i]
        if isinstance(item, tuple) and item[0] == "dir":
            toks, line = item[1], item[2]
            word = toks[0][1] if toks and toks[0][0] == ID else None
            if until and word in until:
                return out, i
            if word == "if":
                p = Parser([*toks[1:], (EOF, None, line)])
                p.depth = 1
                cond = p.expr()
                then, i = _fold(flat, i + 1, {"else", "endif"})
                else_: list[Any] = []
                if i < len(flat) and flat[i][1][0][1] == "else":
                    else_, i = _fold(flat, i + 1, {"endif"})
                if i >= len(flat):
                    raise ParseError("%{if} without %{endif}", line)
                out.append(A.TemplateIf(cond, then, else_, line))
            elif word == "for":
                p = Parser([*toks[1:], (EOF, None, line)])
                p.depth = 1
                names = [p.ident()]
                if p.accept(","):
                    names.append(p.ident())
                if p.ident() != "in":
                    raise ParseError("expected 'in' in %{for}", line)
                coll = p.expr()
                body, i = _fold(flat, i + 1, {"endfor"})
                if i >= len(flat):
                    raise ParseError("%{for} without %{endfor}", line)
                key_var, val_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
                out.append(A.TemplateFor(key_var, val_var, coll, body, line))
            else:
                raise ParseError(f"unknown template directive %{{{word}}}", line)
        else:
            out.append(item)
        i += 1
    return out, i


class Parser:
    __slots__ = ("depth", "i", "nest", "toks")

    def __init__(self, toks: list[Token]) -> None:
        # two more EOFs so a fixed lookahead (``[*]`` is three tokens) never runs off the end
        end = toks[-1] if toks and toks[-1][0] == EOF else (EOF, None, toks[-1][2] if toks else 1)
        self.toks = [*toks, end, end] if toks and toks[-1][0] == EOF else [*toks, end, end, end]
        self.i = 0
        self.depth = 0  # bracket depth: newlines are insignificant when > 0
        self.nest = 0  # recursion guard

    # -- token helpers ---------------------------------------------------------------------
    def peek(self) -> Token:
        if self.depth:
            self.skip_nl()
        return self.toks[self.i]

    def skip_nl(self) -> None:
        toks = self.toks
        while toks[self.i][0] == NL:
            self.i += 1

    def next(self) -> Token:
        t = self.peek()
        if t[0] != EOF:
            self.i += 1
        return t

    def accept(self, op: str) -> bool:
        t = self.peek()
        if t[0] == OP and t[1] == op:
            self.i += 1
            return True
        return False

    def expect(self, op: str) -> Token:
        t = self.next()
        if t[0] != OP or t[1] != op:
            raise ParseError(f"expected '{op}' but found {self.describe(t)}", t[2])
        return t

    def ident(self) -> str:
        t = self.next()
        if t[0] != ID:
            raise ParseError(f"expected a name but found {self.describe(t)}", t[2])
        return str(t[1])

    @staticmethod
    def describe(t: Token) -> str:
        kind, value = t[0], t[1]
        if kind == EOF:
            return "end of file"
        if kind == NL:
            return "end of line"
        if kind in (STR, HEREDOC):
            return "a string"
        return repr(value)

    # -- bodies ----------------------------------------------------------------------------
    def parse_body(self, top: bool = False) -> A.Body:
        body = A.Body()
        toks = self.toks
        while True:
            t = toks[self.i]
            kind = t[0]
            if kind == NL:
                self.i += 1
                continue
            if kind == EOF:
                if not top:
                    raise ParseError("missing '}' before end of file", t[2])
                return body
            if kind == OP and t[1] == "}" and not top:
                return body
            if kind != ID:
                raise ParseError(f"expected an attribute or block but found {self.describe(t)}", t[2])
            name, line = str(t[1]), t[2]
            self.i += 1
            nt = toks[self.i]
            if nt[0] == OP and nt[1] == "=":
                self.i += 1
                expr = self.expr()
                end = toks[self.i]
                if end[0] == NL:
                    self.i += 1
                elif not (end[0] == EOF or (end[0] == OP and end[1] == "}")):
                    raise ParseError(f"expected end of line after attribute {name!r}, found {self.describe(end)}", end[2])
                if name in body.attributes:
                    raise ParseError(f"attribute {name!r} is defined twice", line)
                body.attributes[name] = A.Attribute(name, expr, line)
                continue
            labels: list[str] = []
            while True:
                lt = toks[self.i]
                if lt[0] == STR:
                    labels.append(_unescape(str(lt[1])))
                    self.i += 1
                elif lt[0] == ID:
                    labels.append(str(lt[1]))
                    self.i += 1
                else:
                    break
            ob = toks[self.i]
            if not (ob[0] == OP and ob[1] == "{"):
                raise ParseError(f"expected '=' or '{{' after {name!r} but found {self.describe(ob)}", ob[2])
            self.i += 1
            self.nest += 1
            if self.nest > MAX_DEPTH:
                raise ParseError(f"blocks nested deeper than {MAX_DEPTH} levels", line)
            inner = self.parse_body()
            self.nest -= 1
            close = toks[self.i]
            self.i += 1  # the '}'
            body.blocks.append(A.Block(name, labels, inner, line, close[2]))

    # -- expressions -----------------------------------------------------------------------
    def expr(self) -> A.Expr:
        self.nest += 1
        if self.nest > MAX_DEPTH:
            raise ParseError(f"expression nested deeper than {MAX_DEPTH} levels", self.toks[self.i][2])
        cond = self.binary(1)
        if self.accept("?"):
            then = self.expr()
            self.expect(":")
            else_ = self.expr()
            cond = A.Conditional(cond, then, else_, cond.line)
        self.nest -= 1
        return cond

    def binary(self, min_prec: int) -> A.Expr:
        left = self.unary()
        while True:
            t = self.peek()
            if t[0] != OP:
                return left
            prec = _BINARY_PREC.get(str(t[1]))
            if prec is None or prec < min_prec:
                return left
            self.i += 1
            right = self.binary(prec + 1)
            left = A.Binary(str(t[1]), left, right, left.line)

    def unary(self) -> A.Expr:
        t = self.peek()
        if t[0] == OP and t[1] in ("!", "-"):
            self.i += 1
            operand = self.unary()
            if t[1] == "-" and isinstance(operand, A.Literal) and isinstance(operand.value, (int, float)):
                return A.Literal(-operand.value, t[2])
            return A.Unary(str(t[1]), operand, t[2])
        return self.postfix(self.primary())

    def postfix(self, e: A.Expr) -> A.Expr:
        toks = self.toks
        while True:
            t = toks[self.i]  # no newline skipping before a traversal at depth 0
            if self.depth:
                t = self.peek()
            if t[0] != OP:
                return e
            if t[1] == ".":
                self.i += 1
                nt = self.next()
                if nt[0] == ID:
                    e = A.GetAttr(e, str(nt[1]), e.line)
                elif nt[0] == NUM:  # legacy index: foo.0
                    e = A.Index(e, A.Literal(nt[1], nt[2]), e.line)
                elif nt[0] == OP and nt[1] == "*":
                    e = A.Splat(e, self.splat_ops(attr_only=True), e.line)
                else:
                    raise ParseError(f"expected an attribute name after '.' but found {self.describe(nt)}", nt[2])
            elif t[1] == "[":
                self.i += 1
                self.depth += 1
                if self.accept("*"):
                    self.expect("]")
                    self.depth -= 1
                    e = A.Splat(e, self.splat_ops(attr_only=False), e.line)
                    continue
                key = self.expr()
                self.expect("]")
                self.depth -= 1
                e = A.Index(e, key, e.line)
            else:
                return e

    def splat_ops(self, attr_only: bool) -> list[tuple[str, Any]]:
        ops: list[tuple[str, Any]] = []
        toks = self.toks
        while True:
            t = toks[self.i]
            if t[0] == OP and t[1] == "." and toks[self.i + 1][0] == ID:
                ops.append(("attr", str(toks[self.i + 1][1])))
                self.i += 2
            elif t[0] == OP and (t[1], toks[self.i + 1][1], toks[self.i + 2][1]) == ("[", "*", "]") and not attr_only:
                self.i += 3  # a[*].b[*].c: the inner splat applies to each element's b
                ops.append(("splat", self.splat_ops(attr_only=False)))
                return ops
            elif t[0] == OP and (t[1], toks[self.i + 1][1]) == (".", "*"):
                self.i += 2
                ops.append(("splat", self.splat_ops(attr_only=True)))
                return ops
            elif not attr_only and t[0] == OP and t[1] == "[":
                self.i += 1
                self.depth += 1
                key = self.expr()
                self.expect("]")
                self.depth -= 1
                ops.append(("index", key))
            else:
                return ops

    def primary(self) -> A.Expr:
        t = self.next()
        kind, value, line = t
        if kind == NUM:
            return A.Literal(value, line)
        if kind == STR:
            return parse_template(str(value), line, quoted=True)
        if kind == HEREDOC:
            assert isinstance(value, tuple)
            body: str = value[0]
            return parse_template(body, line + 1, quoted=False, strip_indent=bool(value[1]))
        if kind == ID:
            name = str(value)
            if name == "true":
                return A.Literal(True, line)
            if name == "false":
                return A.Literal(False, line)
            if name == "null":
                return A.Literal(None, line)
            nt = self.toks[self.i]
            if nt[0] == OP and nt[1] == "(":
                return self.call(name, line)
            return A.Var(name, line)
        if kind == OP:
            if value == "(":
                self.depth += 1
                e = self.expr()
                self.expect(")")
                self.depth -= 1
                return e
            if value == "[":
                return self.tuple_or_for(line)
            if value == "{":
                return self.object_or_for(line)
        raise ParseError(f"expected an expression but found {self.describe(t)}", line)

    def call(self, name: str, line: int) -> A.Expr:
        self.i += 1  # '('
        self.depth += 1
        args: list[A.Expr] = []
        expand = False
        while not self.accept(")"):
            args.append(self.expr())
            if self.accept("..."):
                expand = True
            if not self.accept(","):
                self.expect(")")
                break
        self.depth -= 1
        return A.Call(name, args, expand, line)

    def _for_head(self) -> tuple[str | None, str, A.Expr]:
        names = [self.ident()]
        if self.accept(","):
            names.append(self.ident())
        if self.ident() != "in":
            raise ParseError("expected 'in' in for expression", self.toks[self.i][2])
        coll = self.expr()
        self.expect(":")
        return (names[0], names[1], coll) if len(names) == 2 else (None, names[0], coll)

    def tuple_or_for(self, line: int) -> A.Expr:
        self.depth += 1
        t = self.peek()
        if t[0] == ID and t[1] == "for" and self.toks[self.i + 1][0] == ID:
            self.i += 1
            key_var, val_var, coll = self._for_head()
            value = self.expr()
            cond = self.expr() if self._accept_word("if") else None
            self.expect("]")
            self.depth -= 1
            return A.ForExpr(key_var, val_var, coll, None, value, cond, False, line)
        items: list[A.Expr] = []
        while not self.accept("]"):
            items.append(self.expr())
            if not self.accept(","):
                self.expect("]")
                break
        self.depth -= 1
        return A.TupleExpr(items, line)

    def _accept_word(self, word: str) -> bool:
        t = self.peek()
        if t[0] == ID and t[1] == word:
            self.i += 1
            return True
        return False

    def object_or_for(self, line: int) -> A.Expr:
        self.depth += 1
        t = self.peek()
        if t[0] == ID and t[1] == "for" and self.toks[self.i + 1][0] == ID:
            self.i += 1
            key_var, val_var, coll = self._for_head()
            key = self.expr()
            self.expect("=>")
            value = self.expr()
            group = self.accept("...")
            cond = self.expr() if self._accept_word("if") else None
            self.expect("}")
            self.depth -= 1
            return A.ForExpr(key_var, val_var, coll, key, value, cond, group, line)
        items: list[tuple[A.Expr, A.Expr]] = []
        while not self.accept("}"):
            kt = self.peek()
            nt = self.toks[self.i + 1]
            if kt[0] == ID and nt[0] == OP and nt[1] in ("=", ":"):
                k: A.Expr = A.Literal(str(kt[1]), kt[2])
                self.i += 1
            else:
                k = self.expr()
            t2 = self.next()
            if not (t2[0] == OP and t2[1] in ("=", ":")):
                raise ParseError(f"expected '=' in object but found {self.describe(t2)}", t2[2])
            items.append((k, self.expr()))
            self.accept(",")
        self.depth -= 1
        return A.ObjectExpr(items, line)
