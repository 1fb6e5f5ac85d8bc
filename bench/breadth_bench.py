#!/usr/bin/env python3
"""Breadth: wasec's AWS rules against the AWS checks a Checkov checkout declares — which have a counterpart.

    python bench/breadth_bench.py CHECKOV_CHECKOUT

Reads the ids, titles and resource types of Checkov's Terraform and CloudFormation AWS checks (titles only, to know
what exists), and sorts each id into: judged by a wasec rule, not a security-pillar concern (reliability, cost,
hygiene — listed below with the reason), or not judged (the gaps, listed). A check counts as judged only when a
wasec rule reads one of its resource types (a sanity check on the hand-made lists). Prints the counts, the gaps,
and how many of wasec's AWS rules judge something no Checkov check does. Nothing here is a test; the figures go
into the issue notes.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# Checkov AWS checks that are not security-pillar concerns, by reason
NOT_SECURITY = {
    "resilience (multi-AZ, failover, backup plans, replication)": [
        "CKV2_AWS_8", "CKV2_AWS_9", "CKV2_AWS_18", "CKV2_AWS_50", "CKV2_AWS_59", "CKV_AWS_144", "CKV_AWS_157",
        "CKV_AWS_310", "CKV_AWS_318", "CKV_AWS_326"],
    "capacity, health and cost": [
        "CKV2_AWS_15", "CKV2_AWS_16", "CKV2_AWS_19", "CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_120", "CKV_AWS_135",
        "CKV_AWS_138", "CKV_AWS_152", "CKV_AWS_225", "CKV_AWS_261", "CKV_AWS_300", "CKV_AWS_312", "CKV_AWS_319"],
    "resources left unattached or unused": ["CKV2_AWS_1", "CKV2_AWS_5", "CKV2_AWS_14", "CKV_AWS_227"],
    "deployment mechanics (create before destroy, tags, notifications)": [
        "CKV_AWS_153", "CKV_AWS_217", "CKV_AWS_233", "CKV_AWS_237", "CKV_AWS_252", "CKV2_AWS_62", "CKV_AWS_216"],
    "not a weakness (a NAT route, geo restriction, a declared default key policy, bucket lock-out)": [
        "CKV2_AWS_35", "CKV_AWS_374", "CKV2_AWS_64", "CKV_AWS_93"],
}
# security checks wasec does not judge yet
NOT_JUDGED = [
    "CKV2_AWS_23", "CKV2_AWS_37", "CKV_AWS_257", "CKV_AWS_114",
    "CKV_AWS_146", "CKV_AWS_208", "CKV_AWS_229", "CKV_AWS_230",
    "CKV_AWS_250", "CKV_AWS_388",
    "CKV_AWS_279", "CKV_AWS_280", "CKV_AWS_385",
]
# checks on policy documents or account settings, whose resource types wasec reads under other names
ACCOUNT_OR_DOCUMENT = {"CKV_AWS_1", "CKV_AWS_49", "CKV_AWS_107", "CKV_AWS_108", "CKV_AWS_109", "CKV_AWS_110",
                       "CKV_AWS_111", "CKV_AWS_283", "CKV_AWS_286", "CKV_AWS_287", "CKV_AWS_288", "CKV_AWS_289",
                       "CKV_AWS_290", "CKV_AWS_355", "CKV_AWS_356", "CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260",
                       "CKV_AWS_277", "CKV_AWS_382", "CKV_AWS_231", "CKV_AWS_232", "CKV_AWS_102", "CKV_AWS_106",
                       "CKV2_AWS_3", "CKV2_AWS_10", "CKV2_AWS_11", "CKV2_AWS_45", "CKV2_AWS_48", "CKV_AWS_121",
                       "CKV_AWS_9", "CKV_AWS_10", "CKV_AWS_11", "CKV_AWS_12", "CKV_AWS_13", "CKV_AWS_14", "CKV_AWS_15",
                       # parameter groups and rotation schedules, judged on the cluster or secret they apply to
                       "CKV_AWS_90", "CKV_AWS_104", "CKV_AWS_105", "CKV_AWS_304"}

_ID = re.compile(r"\b(CKV2?_AWS_\d+)\b")
_TYPE = re.compile(r"[\"'\s-](aws_[a-z0-9_]+|AWS::[A-Za-z0-9]+::[A-Za-z0-9]+)[\"'\s,\]]")


def checkov_checks(root: Path) -> dict[str, set[str]]:
    """Check id → resource types (Terraform or CloudFormation names) over every AWS check file."""
    out: dict[str, set[str]] = {}
    for kind in ("terraform", "cloudformation"):
        for sub in ("resource", "graph_checks", "data"):
            for f in sorted((root / "checkov" / kind / "checks" / sub / "aws").glob("*")):
                if f.suffix not in (".py", ".yaml", ".json"):
                    continue
                text = f.read_text(errors="replace")
                m = _ID.search(text)
                if m:
                    out.setdefault(m.group(1), set()).update(_TYPE.findall(text))
    return out


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    from wasec.rules.registry import load_builtin
    from wasec.sources.terraform.mapping import DATA_MAPPERS, MAPPERS

    checks = checkov_checks(Path(sys.argv[1]))
    canonical = {t: m.cfn_type for t, m in {**DATA_MAPPERS, **MAPPERS}.items()}
    rules = [r for r in load_builtin() if any(t.startswith(("AWS::", "Wasec::")) for t in r.types)]
    read = {t for r in rules for t in r.types}
    excluded = {i for ids in NOT_SECURITY.values() for i in ids}
    judged, doubtful = [], []
    for cid, types in sorted(checks.items()):
        if cid in excluded or cid in NOT_JUDGED:
            continue
        mine = {canonical.get(t, t) for t in types}
        (judged if cid in ACCOUNT_OR_DOCUMENT or mine & read else doubtful).append(cid)
    security = len(checks) - len(excluded & checks.keys())
    print(f"Checkov AWS checks (Terraform + CloudFormation ids): {len(checks)}")
    print(f"  not security-pillar concerns: {len(excluded & checks.keys())}")
    for why, ids in NOT_SECURITY.items():
        print(f"    {why}: {len(ids)}")
    print(f"  security checks: {security}; judged by a wasec rule: {len(judged)}; not judged: {len(NOT_JUDGED)}")
    print(f"    not judged: {' '.join(NOT_JUDGED)}")
    if doubtful:
        print(f"  listed as judged but no wasec rule reads their types (check the lists): {' '.join(doubtful)}")
    live_only = [r for r in rules if all(t.startswith("Wasec::") for t in r.types) and r.scope == "live"]
    print(f"wasec AWS rules: {len(rules)} (of which live-account only: {len(live_only)}); "
          f"resource types judged: {len(read)}")


if __name__ == "__main__":
    main()
