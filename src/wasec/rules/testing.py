"""``wasec rules test``: run every custom rule's own cases, the way CI runs unit tests.

A case is a Terraform or CloudFormation snippet (or a file) and the status the rule must give it:
``fail`` (some resource fails), ``pass`` (it applies, and everything passes) or ``unknown`` (no
failure, and something cannot be decided statically). A rule that applies to nothing in its case
is a wrong case too: a test that checks nothing must not look green.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from typing import Any

from wasec.rules.packs import Case, Pack
from wasec.rules.registry import Rule


@dataclass
class Outcome:
    case: Case
    ok: bool
    got: str  # what happened, in words: "FAIL ×1, PASS ×2" or the input error


@dataclass
class _Scanned:
    findings: list[Any]  # the rule's findings on the case's resources
    types: set[str]  # resource types the case's code holds
    errors: list[str]


def _scan(rule: Rule, case: Case) -> _Scanned:
    from wasec.scanning import scan_inventory
    from wasec.sources import SourceOptions, collect

    with tempfile.TemporaryDirectory(prefix="wasec-rule-test-") as tmp:
        if case.file is not None:
            path = case.file
        else:
            # a built-in case is written under its own name (its extension decides how it is read); the
            # words pass/fail stay out of the path, which some rules read
            name = (case.filename.replace("unknown", "u").replace("pass", "p").replace("fail", "f") if case.filename
                    else "main.tf" if case.terraform is not None else "template.yaml")
            path = os.path.join(tmp, name)
            text = (case.content if case.content is not None else
                    case.terraform if case.terraform is not None else case.cloudformation or "")
            if name.endswith(".dockerfile"):  # a Dockerfile has no end-of-line comments: the marker goes
                text = "\n".join(line.removesuffix("#!").rstrip() for line in text.split("\n"))
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text)
        collected = collect([path], SourceOptions(tf_vars=case.vars, cfn_params=dict(case.params)))
        errors = [str(p) for p in collected.problems if p.kind == "error"]
        findings = scan_inventory(collected.inventory, [rule], tmp)
    return _Scanned([f for f in findings if f.rule_id == rule.id and f.resource_id != "(account)"],
                    {r.type for r in collected.inventory}, errors)


def check(rule: Rule, case: Case) -> Outcome:
    """Whether ``rule`` gives ``case`` the status it expects (and, for a FAIL, points where it is marked)."""
    if case.file is not None and not os.path.isfile(case.file):
        return Outcome(case, False, f"no such file: {case.file}")
    s = _scan(rule, case)
    if s.errors:
        return Outcome(case, False, "input error: " + "; ".join(s.errors))
    got = Counter(f.status.value for f in s.findings)
    fail, unknown, passed = got["FAIL"], got["UNKNOWN"], got["PASS"]
    words = ", ".join(f"{k} ×{n}" for k, n in sorted(got.items())) or "the rule applied to no resource"
    variant = case.name if case.filename else ""
    reads = any(t in s.types for t in rule.types)
    if case.expect == "pass" and "_skip" in variant:  # the rule does not apply: no finding, on a resource it reads
        ok = not s.findings and reads
        words += "" if reads else " (and the case holds no resource the rule reads)"
    elif case.expect == "pass" and "_absent" in variant:  # a rule against a type existing: none, no finding
        ok = not s.findings and not reads
    else:
        ok = {"fail": fail > 0, "pass": passed > 0 and not fail and not unknown,
              "unknown": unknown > 0 and not fail}[case.expect]
    if ok and case.expect == "fail" and case.lines:
        at = {e.line for f in s.findings if f.status.value == "FAIL" for e in f.evidence} | \
             {f.line for f in s.findings if f.status.value == "FAIL"}
        if not at & set(case.lines):
            ok = False
            words += f", on line(s) {sorted(n for n in at if n)} where line(s) {list(case.lines)} are marked"
    return Outcome(case, ok, words)


def run_cases(cases: list[Case], rules: dict[str, Rule]) -> list[Outcome]:
    """Each case against its rule; a case for a rule nobody defines is a wrong case."""
    return [check(rules[c.rule_id], c) if c.rule_id in rules else Outcome(c, False, f"no rule {c.rule_id}")
            for c in cases]


def run(pack: Pack) -> list[Outcome]:
    return run_cases(pack.cases, {r.id: r for r in pack.rules})
