"""Hostile input a real repository can hold: every scan finishes, names what it could not read, and a
canary finding beside each hostile thing is still reported exactly once.

Each case is built at test time in its own directory next to ``canary.tf`` (an SQS queue without
encryption), and scanned by the real command in a child process under a time limit and a memory
cap, so a hang or a blow-up fails the test instead of the machine.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

CANARY = 'resource "aws_sqs_queue" "canary" {\n  sqs_managed_sse_enabled = false\n}\n'
LIMIT_SECONDS = 60
LIMIT_BYTES = 3 * 1024**3


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))


def wasec(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    return subprocess.run([sys.executable, "-m", "wasec", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=LIMIT_SECONDS, preexec_fn=_cap, env=env, stdin=subprocess.DEVNULL)


@dataclass
class Case:
    name: str
    build: Callable[[Path], None]
    rc: int  # 1: the canary fails and nothing worse; 2: a named input error as well
    problem: str  # text the named problem must hold ("" when the hostile thing is simply handled)
    flags: tuple[str, ...] = ()


def _fifo(d: Path) -> None:
    os.mkfifo(d / "notes.txt")
    os.mkfifo(d / "pipe.tf")


def _dev_zero(d: Path) -> None:
    (d / "zero.txt").symlink_to("/dev/zero")
    (d / "zero.tf").symlink_to("/dev/zero")


def _root_link(d: Path) -> None:
    (d / "everything").symlink_to("/")


def _loops(d: Path) -> None:
    (d / "sub").mkdir()
    (d / "sub" / "up").symlink_to("..")
    (d / "self").symlink_to(".")
    (d / "again.tf").symlink_to("canary.tf")  # the canary under a second name: still read once


def _splat_template(d: Path) -> None:
    (d / "splat.tf").write_text('variable "l" {\n  default = ["a"]\n}\noutput "n" {\n  value = "${length(var.l[*])}"\n}\n'
                                'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'
                                'output "p" {\n  value = "${join("", aws_s3_bucket.b[*].arn)}/*"\n}\n')


def _attribute_cycle(d: Path) -> None:
    (d / "cycle.tf").write_text('resource "aws_s3_bucket" "a" {\n  bucket = aws_s3_bucket.b.id\n}\n'
                                'resource "aws_s3_bucket" "b" {\n  bucket = aws_s3_bucket.a.id\n}\n')


def _huge_count(d: Path) -> None:
    (d / "many.tf").write_text('resource "aws_s3_bucket" "many" {\n  count  = 1000000000\n  bucket = "b"\n}\n'
                               'resource "null_resource" "more" {\n  count = 1000000000\n}\n')


def _nested_counts(d: Path) -> None:
    (d / "main.tf").write_text('module "m" {\n  source = "./m"\n  count  = 5000\n}\n')
    (d / "m").mkdir()
    (d / "m" / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  count = 5000\n  sqs_managed_sse_enabled = true\n}\n')


def _loop_bomb(d: Path) -> None:
    (d / "loops.tf").write_text('locals {\n  big = [for a in range(100000) : [for b in range(100000) : b]]\n'
                                '  wide = format("%999999999d", 1)\n  prod = setproduct(range(1000), range(1000), range(1000))\n}\n'
                                'resource "aws_s3_bucket" "l" {\n  bucket = "x${length(local.big)}"\n}\n')


def _self_module(d: Path) -> None:
    (d / "self.tf").write_text('module "me" {\n  source = "./"\n}\n')


def _module_cycle(d: Path) -> None:
    for a, b in (("a", "b"), ("b", "a")):
        (d / a).mkdir()
        (d / a / "main.tf").write_text(f'module "{b}" {{\n  source = "../{b}"\n}}\n'
                                       f'resource "aws_sqs_queue" "in_{a}" {{\n  sqs_managed_sse_enabled = true\n}}\n')


def _yaml_bomb(d: Path) -> None:
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", 'a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 12):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 10)}]")
    lines.append("Resources: {X: {Type: AWS::SQS::Queue, Properties: {Tags: *l}}}")
    (d / "bomb.yaml").write_text("\n".join(lines) + "\n")


def _invalid_utf8(d: Path) -> None:
    (d / "latin1.tf").write_bytes(b'resource "aws_s3_bucket" "b" {\n  bucket = "caf\xe9"\n}\n')


def _binary(d: Path) -> None:
    (d / "blob.tf").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 64)


def _deep_nesting(d: Path) -> None:
    (d / "deep.tf").write_text('locals {\n  x = ' + "[" * 5000 + "]" * 5000 + "\n}\n")
    (d / "deep.json").write_text('{"AWSTemplateFormatVersion": "2010-09-09", "Resources": ' + '{"a":' * 50000 + "1"
                                 + "}" * 50000 + "}")
    (d / "deep.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n" + "".join(
        "  " * i + f"k{i}:\n" for i in range(1, 3000)))


def _huge_file(d: Path) -> None:
    with open(d / "huge.tf", "w") as fh:
        for _ in range(3 * 1024):
            fh.write('locals { x = "' + "a" * 1000 + '" }\n')


def _unterminated(d: Path) -> None:
    (d / "heredoc.tf").write_text('resource "aws_iam_policy" "p" {\n  policy = <<EOF\n{"Statement": []}\n')
    (d / "string.tf.json").write_text('{"resource": {"aws_s3_bucket": {"b": {"bucket": "unterminated}}}')
    (d / "scalar.tf.json").write_text("42")


def _gzip_bomb(d: Path) -> None:
    # not infrastructure code: read by the secrets scan as bytes, never decompressed
    (d / "logs.json.gz").write_bytes(gzip.compress(b"\0" * (50 * 1024 * 1024)))


CASES = [
    Case("fifo", _fifo, 1, "a FIFO"),
    Case("dev-zero", _dev_zero, 1, "leads out of"),
    Case("dev-zero-followed", _dev_zero, 1, "a character device", ("--follow-symlinks",)),
    Case("root-link", _root_link, 1, "leads out of"),
    Case("link-loops", _loops, 1, ""),
    Case("splat-in-template", _splat_template, 1, ""),
    Case("attribute-cycle", _attribute_cycle, 2, "reference cycle"),
    Case("huge-count", _huge_count, 1, "only the first 10,000"),
    Case("nested-counts", _nested_counts, 1, "instances"),
    Case("loop-bomb", _loop_bomb, 1, "loops visit more than"),
    Case("self-module", _self_module, 2, "calls back into a module being evaluated"),
    Case("module-cycle", _module_cycle, 2, "calls back into a module being evaluated"),
    Case("yaml-bomb", _yaml_bomb, 2, "alias bomb"),
    Case("invalid-utf8", _invalid_utf8, 2, "not valid UTF-8"),
    Case("binary", _binary, 2, "binary"),
    Case("deep-nesting", _deep_nesting, 2, "nested"),
    Case("huge-file", _huge_file, 2, "over the 1 MB limit", ("--max-file-size", "1")),
    Case("unterminated", _unterminated, 2, ""),
    Case("gzip-bomb", _gzip_bomb, 1, ""),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input(case: Case, tmp_path: Path) -> None:
    d = tmp_path / case.name
    d.mkdir()
    (d / "canary.tf").write_text(CANARY)
    case.build(d)
    r = wasec("scan", ".", "--format", "json", *case.flags, cwd=d)
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode == case.rc, f"exit {r.returncode}: {r.stderr[-2000:]}"
    doc = json.loads(r.stdout)
    canary = [f for f in doc["findings"] if f["rule_id"] == "sqs-queue-encrypted" and f["status"] == "FAIL"
              and f["resource_id"] == "aws_sqs_queue.canary"]
    assert len(canary) == 1, f"the canary is reported {len(canary)} times"
    problems = [p for p in doc["problems"] if p["file"]]
    if case.problem:
        assert any(case.problem in p["message"] for p in problems), problems
    if case.rc == 2:
        assert any(p["kind"] == "error" for p in problems), problems
    # every problem names a file that is the scanned tree's (never a path outside it)
    for p in problems:
        assert not os.path.isabs(p["file"]) and not p["file"].startswith(".."), p


def test_secrets_scan_reads_no_fifo_device_or_outside_file(tmp_path: Path) -> None:
    d = tmp_path / "repo"
    d.mkdir()
    _fifo(d)
    _dev_zero(d)
    _root_link(d)
    outside = tmp_path / "outside.env"
    outside.write_text("AWS_SECRET_ACCESS_KEY=" + "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "Q1w2E3r4T5y6\n")
    (d / "linked.env").symlink_to(outside)
    r = wasec("secrets", ".", "--format", "json", cwd=d)
    assert "Traceback" not in r.stderr and r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["findings"] == []
    said = " ".join(p["message"] for p in doc["problems"])
    assert "a FIFO" in said and "leads out of" in said


def test_an_internal_error_in_one_file_is_a_named_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wasec.scanning import ScanOptions, scan
    from wasec.sources.terraform import mapping

    def broken(*_: object) -> None:
        raise ZeroDivisionError("a mapper bug")

    monkeypatch.setattr(mapping.MAPPERS["aws_s3_bucket"], "fn", broken)
    (tmp_path / "canary.tf").write_text(CANARY)
    (tmp_path / "b.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n')
    result = scan(ScanOptions(paths=[str(tmp_path)], root=str(tmp_path), secrets=False))
    p = [p for p in result.problems if p.file.endswith("b.tf")]
    assert p and p[0].line == 1 and "internal error while mapping aws_s3_bucket.b" in p[0].message, result.problems
    assert any(f.rule_id == "sqs-queue-encrypted" and f.status.value == "FAIL" for f in result.findings)


def test_a_run_that_cannot_finish_exits_3_never_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    import wasec.scanning
    from wasec.cli import main

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("the engine broke")

    monkeypatch.setattr(wasec.scanning, "scan", broken)
    with pytest.raises(SystemExit) as exit_:
        main(["scan", str(tmp_path), "-q"])
    assert exit_.value.code == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: the engine broke" in err and "Traceback" not in err
