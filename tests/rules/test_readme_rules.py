"""The README's rule examples are real: they load, their tests pass, and they fail what they should."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from tests.conftest import scan_paths
from tests.rules.test_rule_packs import wasec

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_rule_examples(tmp_path: Path) -> None:
    if importlib.util.find_spec("regopy") is None:
        pytest.skip("the README's Rego example needs the rego extra")
    text = README.read_text()
    section = text[text.index("### Your own rules"):text.index("### Properties beyond")]
    blocks = re.findall(r"```(yaml|rego)\n(.*?)```", section, re.S)
    assert [kind for kind, _ in blocks] == ["yaml", "yaml", "rego"]
    rules = tmp_path / ".wasec" / "rules"
    (rules / "cases").mkdir(parents=True)
    (rules / "owner.yml").write_text(blocks[0][1])
    (rules / "refine.yml").write_text(blocks[1][1])  # two documents: a refinement and a disable
    (rules / "owner.rego").write_text(blocks[2][1])
    (rules / "cases" / "untagged-from-variable.tf").write_text('variable "t" {}\nresource "aws_s3_bucket" "b" { tags = var.t }\n')
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  tags = { env = "prod" }\n}\n')
    r = wasec("rules", "test", cwd=tmp_path)
    assert r.returncode == 0 and "3 of 3 case(s) as expected, 3 rule(s)" in r.stdout, r.stdout + r.stderr
    got = {f.rule_id: f.status.value for f in scan_paths(tmp_path, secrets=False).findings if f.rule_id.startswith("acme-")}
    assert got == {"acme-bucket-owner": "FAIL", "acme-owner": "FAIL", "acme-prod-versioning": "FAIL"}
