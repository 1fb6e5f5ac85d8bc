"""`wasec init baseline`: every file it writes passes every default rule, CloudFormation passes cfn-lint, and the
Terraform modules are documented (every input described, with a default)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from wasec.cli.commands import cli
from wasec.foundations.baselines import BLOCKS, blocks, files
from wasec.model.finding import Status
from wasec.scanning import ScanOptions, scan


def _init(tmp: Path, fmt: str, *extra: str) -> Path:
    r = CliRunner().invoke(cli, ["init", "baseline", str(tmp), "-f", fmt, *extra])
    assert r.exit_code == 0, r.output
    return tmp


@pytest.mark.parametrize("fmt", ["terraform", "cloudformation"])
def test_every_block_passes_every_default_rule(tmp_path: Path, fmt: str) -> None:
    root = _init(tmp_path, fmt)
    for block in blocks(fmt):
        target = root / (block if fmt == "terraform" else f"{block}.yaml")
        result = scan(ScanOptions(paths=[str(target)]))
        assert not result.problems, (block, result.problems)
        failing = [(f.rule_id, f.resource_id, f.message) for f in result.findings if f.counts]
        assert not failing, (block, failing)
        passed = sum(1 for f in result.findings if f.status is Status.PASS)
        assert passed >= 2, (block, passed)  # the rules really ran on what the block makes
        # the only suppression is the documented one in vpc.yaml, with its reason
        for f in result.findings:
            if f.suppressed is not None:
                assert (block, f.rule_id) == ("vpc", "sg-egress-unrestricted") and f.suppressed.reason


def test_formats_offer_their_blocks_and_the_cli_refuses_to_overwrite(tmp_path: Path) -> None:
    assert blocks("terraform") == list(BLOCKS)
    assert blocks("cloudformation") == [b for b in BLOCKS if b != "account"]
    root = _init(tmp_path / "tf", "terraform", "--only", "s3-bucket,kms-key")
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == [
        "README.md", "kms-key/main.tf", "kms-key/outputs.tf", "kms-key/variables.tf",
        "s3-bucket/main.tf", "s3-bucket/outputs.tf", "s3-bucket/variables.tf"]
    (root / "kms-key" / "main.tf").write_text("# mine\n")
    r = CliRunner().invoke(cli, ["init", "baseline", str(root), "--only", "kms-key"])
    assert r.exit_code == 2 and "already exist" in r.output
    assert (root / "kms-key" / "main.tf").read_text() == "# mine\n"
    assert CliRunner().invoke(cli, ["init", "baseline", str(root), "--only", "kms-key", "--force"]).exit_code == 0
    assert (root / "kms-key" / "main.tf").read_text() == files("terraform")["kms-key/main.tf"]
    r = CliRunner().invoke(cli, ["init", "baseline", str(tmp_path / "cfn"), "-f", "cloudformation", "--only", "account"])
    assert r.exit_code == 2 and "no cloudformation baseline named account" in r.output


def test_cloudformation_templates_pass_cfn_lint(tmp_path: Path) -> None:
    from cfnlint.api import lint

    root = _init(tmp_path, "cloudformation")
    for block in blocks("cloudformation"):
        # errors and warnings in the regions a team deploys the baselines to (informational hints aside)
        for region in ("us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2"):
            matches = [m for m in lint((root / f"{block}.yaml").read_text(), regions=[region]) if m.rule.id[0] in "EW"]
            assert not matches, (block, region, [str(m) for m in matches])


_VARIABLE = re.compile(r'variable "(\w+)" \{(.*?)\n\}', re.S)


@pytest.mark.parametrize("block", BLOCKS)
def test_terraform_modules_are_documented_and_parameterised(block: str) -> None:
    texts = files("terraform", [block])
    variables = _VARIABLE.findall(texts[f"{block}/variables.tf"])
    assert variables, block
    for name, body in variables:
        assert "description" in body and "default" in body, (block, name)
        assert f"var.{name}" in texts[f"{block}/main.tf"], (block, name, "unused input")
    assert "output " in texts[f"{block}/outputs.tf"]
    assert f"`{block}`" in texts["README.md"]
