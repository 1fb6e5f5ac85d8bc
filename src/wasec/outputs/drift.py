"""Baseline drift across an organization: accounts × the controls every account should have from day zero.

Read from the findings of a multi-account (``--org``) scan, so a newly vended account that missed its
baseline shows at once. A cell is ``bad`` when any of the control's rules fails in that account (the
regions named), ``ok`` when they pass, ``unknown`` when they could not be assessed there.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from wasec.model.finding import Status
from wasec.outputs.matrix import Cell, Grid

# (column, what it means, the rules that evidence it: a rule id, or a prefix ending in "*")
BASELINE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("trail", "A multi-region CloudTrail trail is logging", ("cloudtrail-enabled-all-regions",)),
    ("guardduty", "GuardDuty is on in every region", ("guardduty-enabled",)),
    ("config", "AWS Config records in every region", ("config-enabled",)),
    ("securityhub", "Security Hub is on with its standards (FSBP, CIS)",
     ("securityhub-enabled", "securityhub-default-standards")),
    ("access-analyzer", "IAM Access Analyzer is enabled", ("access-analyzer-enabled",)),
    ("ebs-encryption", "EBS encryption by default", ("ebs-encryption-by-default",)),
    ("s3-bpa", "S3 Block Public Access for the account", ("s3-account-public-access-block",)),
    ("password-policy", "The IAM password policy", ("iam-password-*",)),
)


def _column(rule_id: str) -> str | None:
    for cid, _, rules in BASELINE:
        if any(rule_id == r or (r.endswith("*") and rule_id.startswith(r[:-1])) for r in rules):
            return cid
    return None


def grid(findings: list[Any], accounts: list[str]) -> Grid:
    """The accounts × baseline controls matrix."""
    seen: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for f in findings:
        cid = _column(f.rule_id)
        if cid is None or not f.account:
            continue
        status = "excepted" if f.status is Status.FAIL and f.suppressed is not None else f.status.value
        seen[(f.account, cid)][status].add(f.region or "global" if f.status is not Status.PASS else f.rule_id)
    g = Grid("Baseline across accounts", [(cid, title) for cid, title, _ in BASELINE])
    for acct in accounts:
        cells = {}
        for cid, _, _ in BASELINE:
            got = seen.get((acct, cid), {})
            if got.get("FAIL"):
                cells[cid] = Cell("bad", "missing in " + ", ".join(sorted(got["FAIL"])))
            elif got.get("UNKNOWN"):
                cells[cid] = Cell("unknown", "not assessed in " + ", ".join(sorted(got["UNKNOWN"])))
            elif got.get("excepted"):
                cells[cid] = Cell("na", "missing, under an accepted exception")
            elif got.get("PASS"):
                cells[cid] = Cell("ok")
            else:
                cells[cid] = Cell("unknown", "no rule of this control ran in this account")
        g.rows.append((acct, cells))
    return g
