"""What a new user meets first: tables that fit the terminal, commands that say which thing was meant,
typos answered with the closest name, missing extras named, and gates that honour their flags."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import scan_paths
from wasec.outputs import render

LONG = "modules/networking/private-endpoints/very-long-directory-name-for-the-team"
TF = '''resource "aws_security_group" "an_exceptionally_long_security_group_name_for_the_platform_team" {
  description = "db"
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
'''


def wasec(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasec", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.fixture
def deep(write: Callable[..., Path]) -> Path:
    return write({f"{LONG}/main.tf": TF})


@pytest.mark.parametrize("width", [60, 100, 200])
def test_text_never_cuts_a_path_or_a_name_at_any_width(deep: Path, width: int) -> None:
    result = scan_paths(deep, secrets=False)
    out = render("text", result, width=width)
    where = f"{LONG}/main.tf:"
    for text in (where, "an_exceptionally_long_security_group_name_for_the_platform_team"):
        assert text in out, f"{text} is cut at width {width}:\n{out}"
    if width < 200:  # too narrow for the table: one block per finding, still within the terminal but for paths
        assert "┃" not in out.split("Infrastructure protection")[1].split("\n\n")[0]


def test_piped_text_has_no_padding(deep: Path) -> None:
    r = wasec("scan", ".", "--no-secrets", cwd=deep)
    assert r.returncode == 1
    assert all(line == line.rstrip() for line in r.stdout.split("\n"))


def test_scan_aws_with_a_local_aws_directory_asks_which_was_meant(tmp_path: Path) -> None:
    (tmp_path / "aws").mkdir()
    r = wasec("scan", "aws", cwd=tmp_path)
    assert r.returncode == 2 and "`wasec scan ./aws`" in r.stderr and "--live" in r.stderr
    r = wasec("scan", "aws", "--live", "--services", "s4", cwd=tmp_path)  # the live scan, which then names its error
    assert r.returncode == 2 and "unknown service(s) s4 (did you mean 's3'?)" in r.stderr
    assert wasec("scan", "./aws", "-q", cwd=tmp_path).returncode == 0


def test_risk_honours_fail_on_and_quiet(deep: Path) -> None:
    r = wasec("risk", ".", "-q", "--no-secrets", cwd=deep)
    assert r.returncode == 0 and r.stdout == ""  # a report: no gate unless asked
    assert wasec("risk", ".", "-q", "--no-secrets", "--fail-on", "high", cwd=deep).returncode == 1
    assert wasec("risk", ".", "-q", "--no-secrets", "--fail-on", "critical", cwd=deep).returncode == 0
    assert wasec("risk", ".", "-q", "--no-secrets", "--fail-on-risk", "20", cwd=deep).returncode == 1
    r = wasec("risk", ".", "--no-secrets", "-f", "json", "-o", "risk.json", cwd=deep)
    assert r.returncode == 0 and json.loads((deep / "risk.json").read_text())["matrix"]


def test_diff_takes_negative_scan_references(deep: Path) -> None:
    for _ in range(2):
        assert wasec("scan", ".", "--save", "--no-secrets", "-q", cwd=deep).returncode == 1
    r = wasec("diff", "1", "-1", cwd=deep)
    assert r.returncode == 0 and r.stdout.startswith("scan 1 ") and "→ scan 2" in r.stdout
    assert wasec("diff", "-2", "-1", "--fail-on-new", cwd=deep).returncode == 0


@pytest.mark.parametrize("args,said", [
    (("rules", "show", "s3-bucket-versionning"), "did you mean 's3-bucket-versioning'?"),
    (("rules", "list", "--area", "identiy"), "did you mean 'identity'?"),
    (("scan", ".", "--rules", "sg-admin-port-open"), "did you mean 'sg-admin-ports-open'?"),
    (("scan", ".", "--skip-rules", "rds-not-publik"), "did you mean 'rds-not-public'?"),
    (("permissions", "--services", "dynamodbb"), "did you mean 'dynamodb'?"),
])
def test_typos_get_the_closest_name(tmp_path: Path, args: tuple[str, ...], said: str) -> None:
    r = wasec(*args, cwd=tmp_path)
    assert r.returncode == 2 and said in r.stderr, r.stderr


def test_action_typos_get_the_closest_action(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", '
                                     '"Resource": "*"}]}')
    r = wasec("iam", "explain", "p.json", "-a", "s3:GetObjet", "-r", "arn:aws:s3:::b/k", cwd=tmp_path)
    assert r.returncode == 2 and "did you mean 's3:GetObject'?" in r.stderr
    r = wasec("iam", "explain", "p.json", "-a", "dynamdb:GetItem", "-r", "*", cwd=tmp_path)
    assert r.returncode == 2 and "no AWS service has the prefix 'dynamdb' (did you mean 'dynamodb'?)" in r.stderr


def test_a_missing_extra_is_named_with_the_install_command(monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    from wasec.cli import main

    monkeypatch.setitem(sys.modules, "boto3", None)  # as if `pip install wasec` without [aws]
    monkeypatch.setitem(sys.modules, "botocore", None)
    with pytest.raises(SystemExit) as exit_:
        main(["scan", "aws", "--regions", "us-east-1", "-q"])
    assert exit_.value.code == 2
    assert "this needs boto3, which is not installed: pip install 'wasec[aws]'" in capsys.readouterr().err


def test_every_unit_of_a_live_scan_is_planned_once() -> None:
    from wasec.sources.aws.units import Plan

    units = Plan(["111122223333"], ["eu-west-1"], ["ec2"], ["account", "iam"], "eu-west-1").units()
    keys = [u.key for u in units]
    assert len(keys) == len(set(keys)) and "111122223333/global/account" in keys  # the account service is read too
