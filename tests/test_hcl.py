"""The HCL2 parser: syntax, positions and clear errors."""

from __future__ import annotations

import pytest

from wasec.errors import ParseError
from wasec.sources.terraform.hcl import ast as A
from wasec.sources.terraform.hcl.parser import parse, parse_expression


def test_blocks_attributes_and_lines() -> None:
    body = parse('''
# comment
resource "aws_s3_bucket" "logs" {
  bucket = "logs" // trailing comment
  /* block
     comment */
  versioning {
    enabled = true
  }
}
''')
    (block,) = body.blocks
    assert (block.type, block.labels, block.line, block.end_line) == ("resource", ["aws_s3_bucket", "logs"], 3, 10)
    assert block.body.attributes["bucket"].line == 4
    (nested,) = block.body.blocks_of("versioning")
    assert nested.line == 7 and nested.body.attributes["enabled"].line == 8


def test_one_line_blocks_and_identifiers_with_dashes() -> None:
    body = parse('resource "aws_sqs_queue" "q" { name = "q" }\nlocals { my-name = 1 }\n')
    assert body.blocks[0].body.attributes["name"].expr.value == "q"  # type: ignore[attr-defined]
    assert "my-name" in body.blocks[1].body.attributes


def test_templates_interpolation_directives_and_escapes() -> None:
    e = parse_expression('"a-${var.x}-\\"q\\"-$${literal}"')
    assert isinstance(e, A.Template)
    assert e.parts[0] == "a-" and isinstance(e.parts[1], A.GetAttr) and e.parts[2] == '-"q"-${literal}'
    e = parse_expression('"%{ if var.on }yes%{ else }no%{ endif }"')
    assert isinstance(e, A.Template) and isinstance(e.parts[0], A.TemplateIf)
    e = parse_expression('"${x}"')
    assert isinstance(e, A.Var)  # a lone interpolation keeps its type


def test_heredocs_keep_lines_and_strip_indent() -> None:
    body = parse('a = <<EOF\n  one\n  two\nEOF\nb = <<-EOT\n    x\n      y\n    EOT\nc = 1\n')
    a, b, c = (body.attributes[k] for k in "abc")
    assert a.expr.value == "  one\n  two\n"  # type: ignore[attr-defined]
    assert b.expr.value == "x\n  y\n"  # type: ignore[attr-defined]
    assert c.line == 9


def test_expressions_precedence_for_splat_index_conditional() -> None:
    e = parse_expression("1 + 2 * 3 == 7 && !false ? [for x in y : x.id if x.on] : { a = 1, b = [1, 2] }")
    assert isinstance(e, A.Conditional) and isinstance(e.then, A.ForExpr) and isinstance(e.else_, A.ObjectExpr)
    assert isinstance(parse_expression("aws_instance.web[*].id"), A.Splat)
    assert isinstance(parse_expression("var.list.0"), A.Index)
    assert isinstance(parse_expression("provider::aws::arn_parse(x)"), A.Call)


def test_object_keys_with_colon_and_newlines() -> None:
    e = parse_expression('{\n  "a": 1\n  b = 2,\n  (var.k) = 3\n}')
    assert isinstance(e, A.ObjectExpr) and len(e.items) == 3


@pytest.mark.parametrize(("src", "line", "words"), [
    ('resource "a" "b" {\n  x = \n}\n', 2, "expected an expression"),
    ('resource "a" "b" {\n  x = 1\n', 3, "missing '}'"),
    ('x = "unterminated\ny = 1\n', 1, "unterminated string"),
    ("x = <<EOF\nnever closed\n", 1, "never closed"),
    ("a = 1\na = 2\n", 2, "defined twice"),
    ("x = 1 y = 2\n", 1, "expected end of line"),
])
def test_errors_name_the_line(src: str, line: int, words: str) -> None:
    with pytest.raises(ParseError) as e:
        parse(src)
    assert e.value.line == line and words in e.value.message


def test_deep_nesting_is_refused_not_a_crash() -> None:
    with pytest.raises(ParseError, match="nested deeper"):
        parse("x = " + "[" * 2000 + "]" * 2000 + "\n")
