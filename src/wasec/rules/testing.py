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

from wasec.rules.packs import Case, Pack
from wasec.rules.registry import Rule


@dataclass
class Outcome:
    case: Case
    ok: bool
    got: str  # what happened, in words: "FAIL ×1, PASS ×2" or the input error


def _statuses(rule: Rule, case: Case) -> tuple[Counter[str], list[str]]:
    from wasec.scanning import scan_inventory
    from wasec.sources import SourceOptions, collect

    with tempfile.TemporaryDirectory(prefix="wasec-rule-test-") as tmp:
        if case.file is not None:
            path = case.file
        else:
            name = "main.tf" if case.terraform is not None else "template.yaml"
            path = os.path.join(tmp, name)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(case.terraform if case.terraform is not None else case.cloudformation or "")
        collected = collect([path], SourceOptions(tf_vars=case.vars, cfn_params=dict(case.params)))
        errors = [str(p) for p in collected.problems if p.kind == "error"]
        findings = scan_inventory(collected.inventory, [rule], tmp)
    return Counter(f.status.value for f in findings if f.rule_id == rule.id and f.resource_id != "(account)"), errors


def run(pack: Pack) -> list[Outcome]:
    rules = {r.id: r for r in pack.rules}
    out = []
    for case in pack.cases:
        if case.file is not None and not os.path.isfile(case.file):
            out.append(Outcome(case, False, f"no such file: {case.file}"))
            continue
        got, errors = _statuses(rules[case.rule_id], case)
        if errors:
            out.append(Outcome(case, False, "input error: " + "; ".join(errors)))
            continue
        fail, unknown, passed = got["FAIL"], got["UNKNOWN"], got["PASS"]
        ok = {"fail": fail > 0, "pass": passed > 0 and not fail and not unknown, "unknown": unknown > 0 and not fail}[case.expect]
        words = ", ".join(f"{k} ×{n}" for k, n in sorted(got.items())) or "the rule applied to no resource"
        out.append(Outcome(case, ok, words))
    return out
