"""Every rule against real Terraform and CloudFormation files: one parametrised test.

Cases live in ``cases/<area>.cases``, next to nothing but each other:

    ### rule-id
    --- fail.tf          (fail | pass | unknown, any suffix, then .tf / .tf.json / .yaml / .json)
    resource ... {       a line ending in "#!" is where the FAIL finding must point
    --- pass.yaml
    Resources: ...

A ``fail`` case must produce a FAIL of that rule; ``pass`` at least one PASS and neither FAIL nor
UNKNOWN (``pass_skip…``: the rule does not apply, so no finding at all on a resource it reads;
``pass_absent…``: for rules against a type existing at all, the modern equivalent and no finding);
``unknown`` an UNKNOWN and no FAIL. No case may produce an input error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from wasec.model.finding import Status
from wasec.rules.registry import load_builtin
from wasec.scanning import ScanOptions, scan

CASES_DIR = Path(__file__).parent / "cases"
_NAME = re.compile(r"^(pass|fail|unknown)(_[\w-]+)?\.(tf|tf\.json|yaml|yml|json)$")


@dataclass
class Case:
    rule: str
    name: str
    content: str
    source: str  # file:line of the case

    @property
    def kind(self) -> str:
        return self.name.split(".")[0].split("_")[0]

    @property
    def lang(self) -> str:
        return "tf" if self.name.endswith((".tf", ".tf.json")) else "cfn"


def _parse(path: Path) -> list[Case]:
    cases: list[Case] = []
    rule: str | None = None
    name: str | None = None
    start = 0
    buf: list[str] = []
    for lineno, line in enumerate([*path.read_text().split("\n"), "### end"], 1):
        if line.startswith(("### ", "--- ")) and rule and name:
            cases.append(Case(rule, name, "\n".join(buf).strip("\n") + "\n", f"{path.name}:{start}"))
            name = None
        if line.startswith("### "):
            rule, buf = line[4:].strip(), []
        elif line.startswith("--- "):
            name, buf, start = line[4:].strip(), [], lineno
            assert _NAME.match(name), f"{path.name}:{lineno}: bad case name {name!r}"
        elif name is not None:
            buf.append(line)
    return cases


def load_cases() -> list[Case]:
    return [c for path in sorted(CASES_DIR.glob("*.cases")) for c in _parse(path)]


CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}/{c.name}" for c in CASES])
def test_rule_case(case: Case, tmp_path: Path) -> None:
    registry = load_builtin()
    assert case.rule in registry, f"{case.source}: unknown rule {case.rule}"
    f = tmp_path / case.name.replace("unknown", "u").replace("pass", "p").replace("fail", "f")
    f.write_text(case.content)
    result = scan(ScanOptions(paths=[str(f)], root=str(tmp_path), rules=[case.rule]))
    assert not result.errors, f"{case.source}: input errors: {[str(p) for p in result.errors]}"
    found = [x for x in result.findings if x.rule_id == case.rule]
    got = sorted({x.status.value for x in found})
    where = f"{case.source} ({case.rule} {case.name}): got {got} {[x.message for x in found]}"
    if case.kind == "fail":
        fails = [x for x in found if x.status is Status.FAIL]
        assert fails, where
        marked = [i for i, line in enumerate(case.content.split("\n"), 1) if line.rstrip().endswith("#!")]
        if marked:
            lines = {e.line for x in fails for e in x.evidence} | {x.line for x in fails}
            assert lines & set(marked), f"{where}: expected a finding on line(s) {marked}, got {sorted(n for n in lines if n)}"
    elif case.kind == "pass":
        assert not any(x.status in (Status.FAIL, Status.UNKNOWN) for x in found), where
        if "_skip" in case.name:  # the rule does not apply: no finding, but the resource was read
            assert not found and any(r.type in registry.get(case.rule).types for r in result.inventory), where
        elif "_absent" in case.name:  # rules against a resource type existing at all: none, no finding
            assert not found and not any(r.type in registry.get(case.rule).types for r in result.inventory), where
        else:
            assert any(x.status is Status.PASS for x in found), where
    else:
        assert any(x.status is Status.UNKNOWN for x in found), where
        assert not any(x.status is Status.FAIL for x in found), where


def _languages(rule_types: tuple[str, ...]) -> set[str]:
    from wasec.sources.terraform.mapping import DATA_MAPPERS, MAPPERS

    tf_types = {m.cfn_type for m in (*MAPPERS.values(), *DATA_MAPPERS.values())}
    langs = set()
    if any(t in tf_types for t in rule_types):
        langs.add("tf")
    if any(not t.startswith("Wasec::") for t in rule_types):
        langs.add("cfn")
    return langs


def test_every_rule_has_passing_and_failing_cases() -> None:
    registry = load_builtin()
    have: dict[tuple[str, str, str], int] = {}
    for c in CASES:
        have[(c.rule, c.lang, c.kind)] = have.get((c.rule, c.lang, c.kind), 0) + 1
    missing = []
    for r in registry:
        if r.scope == "live":
            continue  # facts only a live account shows: their cases run against the emulator (tests/live)
        for lang in sorted(_languages(r.types)):
            for kind in ("fail", "pass"):
                if (r.id, lang, kind) not in have:
                    missing.append(f"{r.id}: no {kind} case in {lang}")
    assert not missing, "\n".join(missing)
