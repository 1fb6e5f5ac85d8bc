"""Bad input is reported with its path, line and reason, and the rest of the scan goes on."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import scan_paths

GOOD_TF = 'resource "aws_sqs_queue" "ok" {\n  sqs_managed_sse_enabled = false\n}\n'


def _assert_rest_scanned(result) -> None:  # type: ignore[no-untyped-def]
    assert any(f.rule_id == "sqs-queue-encrypted" and f.status.value == "FAIL" for f in result.findings), \
        "the good file next to the bad one must still be scanned"


def _problem(result, name: str):  # type: ignore[no-untyped-def]
    hits = [p for p in result.problems if p.file.endswith(name)]
    assert hits, f"no problem reported for {name}: {[str(p) for p in result.problems]}"
    return hits[0]


def test_broken_hcl(write: Callable[..., Path]) -> None:
    root = write({"good/main.tf": GOOD_TF, "bad/main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = \n}\n'})
    result = scan_paths(root)
    p = _problem(result, "bad/main.tf")
    assert p.kind == "error" and p.line == 2 and "expected an expression" in p.message
    _assert_rest_scanned(result)


def test_broken_yaml_template(write: Callable[..., Path]) -> None:
    root = write({"good.tf": GOOD_TF, "t.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A: {Type: [unclosed\n"})
    result = scan_paths(root)
    p = _problem(result, "t.yaml")
    assert p.kind == "error" and p.line and "invalid YAML" in p.message
    _assert_rest_scanned(result)


def test_yaml_billion_laughs_is_refused(write: Callable[..., Path]) -> None:
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    lines.append("Resources: {X: {Type: AWS::SQS::Queue, Properties: {Tags: *j}}}")
    root = write({"good.tf": GOOD_TF, "bomb.yaml": "\n".join(lines) + "\n"})
    result = scan_paths(root)
    p = _problem(result, "bomb.yaml")
    assert "alias bomb" in p.message
    _assert_rest_scanned(result)


def test_huge_file_is_skipped_with_a_reason(write: Callable[..., Path], tmp_path: Path) -> None:
    root = write({"good.tf": GOOD_TF})
    with open(tmp_path / "huge.tf", "w") as fh:
        line = 'locals { x = "' + "a" * 1000 + '" }\n'
        for _ in range(52 * 1024):  # ~50 MB
            fh.write(line)
    result = scan_paths(root)
    p = _problem(result, "huge.tf")
    assert "over the 20 MB limit" in p.message
    _assert_rest_scanned(result)


def test_binary_file_with_an_iac_extension(write: Callable[..., Path]) -> None:
    root = write({"good.tf": GOOD_TF, "blob.tf": b"\x00\x01\x02ELF\x00" * 100})
    result = scan_paths(root)
    assert "binary" in _problem(result, "blob.tf").message
    _assert_rest_scanned(result)


def test_binary_yaml_is_not_mistaken_for_a_template(write: Callable[..., Path]) -> None:
    root = write({"good.tf": GOOD_TF, "image.yaml": b"\x89PNG\x00\x00Resources: Type: AWS::S3::Bucket"})
    result = scan_paths(root)
    assert not [p for p in result.problems if p.file.endswith("image.yaml")]
    _assert_rest_scanned(result)


@pytest.mark.skipif(os.name == "nt", reason="symlinks")
def test_symlink_loop(write: Callable[..., Path], tmp_path: Path) -> None:
    root = write({"good.tf": GOOD_TF, "sub/x.txt": "hi"})
    os.symlink(tmp_path, tmp_path / "sub" / "loop")
    result = scan_paths(root)
    p = _problem(result, "loop")
    assert "symlink loop" in p.message and p.kind == "warning"
    _assert_rest_scanned(result)


def test_deep_nesting_everywhere(write: Callable[..., Path]) -> None:
    deep_json = '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": ' + "[" * 5000 + "]" * 5000 + "}"
    deep_yaml = "AWSTemplateFormatVersion: '2010-09-09'\nResources: " + "[" * 5000 + "]" * 5000 + "\n"
    deep_tf = "locals {\n  x = " + "[" * 5000 + "]" * 5000 + "\n}\n"
    root = write({"good.tf": GOOD_TF, "deep.json": deep_json, "deep.yaml": deep_yaml, "deep/main.tf": deep_tf})
    result = scan_paths(root)
    for name in ("deep.json", "deep.yaml", "deep/main.tf"):
        assert "nested" in _problem(result, name).message
    _assert_rest_scanned(result)


def test_reference_cycle_between_locals(write: Callable[..., Path]) -> None:
    root = write({"good.tf": GOOD_TF, "cycle/main.tf": 'locals {\n  a = "${local.b}-x"\n  b = local.a\n}\n'
                                                       'resource "aws_sqs_queue" "q" { kms_master_key_id = local.a }\n'})
    result = scan_paths(root)
    p = _problem(result, "cycle/main.tf")
    assert "reference cycle" in p.message and p.line in (2, 3)
    (f,) = [f for f in result.findings if f.rule_id == "sqs-queue-kms-cmk" and f.resource_id == "aws_sqs_queue.q"]
    assert f.status.value == "UNKNOWN" and "cycle" in f.message
    _assert_rest_scanned(result)


def test_template_with_500_resources(write: Callable[..., Path]) -> None:
    body = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:"]
    for i in range(500):
        body.append(f"  Q{i}:\n    Type: AWS::SQS::Queue\n    Properties: {{QueueName: q{i}, SqsManagedSseEnabled: {str(i % 2 == 0).lower()}}}")
    root = write({"big.yaml": "\n".join(body) + "\n"})
    result = scan_paths(root)
    fails = [f for f in result.findings if f.rule_id == "sqs-queue-encrypted" and f.status.value == "FAIL"]
    assert len(result.inventory) == 500 and len(fails) == 250
    assert not result.problems


def test_unreadable_path_is_reported(tmp_path: Path) -> None:
    result = scan_paths(tmp_path / "does-not-exist", root=tmp_path)
    assert any("no such file" in p.message for p in result.problems)


def test_a_file_named_on_purpose_that_holds_no_format_is_said(write: Callable[..., Path]) -> None:
    root = write({"good.tf": GOOD_TF, "compose.yaml": "services:\n  web:\n    image: nginx:1.27\n",
                  "notes/unrelated.yaml": "a: 1\n"})
    # named: a warning says nothing was read from it; found by walking a directory: ignored as before
    result = scan_paths(root / "good.tf", root / "compose.yaml", root / "notes", root=root)
    p = _problem(result, "compose.yaml")
    assert p.kind == "warning" and "not a format wasec scans" in p.message
    assert not [q for q in result.problems if q.file.endswith("unrelated.yaml")]
    _assert_rest_scanned(result)
