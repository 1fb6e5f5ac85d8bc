"""Risk = impact × likelihood, each 1–5.

Impact starts from the rule's severity and rises with the resource's data classification (a
``DataClassification``-style tag). Likelihood starts from what kind of weakness the rule finds
(public exposure and leaked secrets are likely to be found and used; a missing log is not) and rises
when the resource itself is exposed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wasec.model.finding import Status

if TYPE_CHECKING:
    from wasec.model.resource import Resource
    from wasec.rules.registry import Rule

CLASSIFICATION_TAGS = ("DataClassification", "data-classification", "data_classification", "Classification")
CLASSIFICATION_IMPACT = {"public": 1, "internal": 3, "confidential": 4, "restricted": 5, "secret": 5, "pii": 5,
                         "sensitive": 4, "critical": 5}


def classification(r: Resource) -> str | None:
    for k in CLASSIFICATION_TAGS:
        v = r.tags.get(k)
        if isinstance(v, str) and v:
            return v.strip().lower()
    return None


def score(rule: Rule, r: Resource, status: Status) -> tuple[int, int]:
    """(impact, likelihood) of a finding; a PASS carries no risk."""
    if status is Status.PASS:
        return 0, 0
    impact = rule.severity.rank
    level = classification(r)
    if level is not None and level in CLASSIFICATION_IMPACT:
        impact = max(impact, CLASSIFICATION_IMPACT[level]) if level != "public" else min(impact, 2)
    likelihood = rule.likelihood
    return max(1, min(5, impact)), max(1, min(5, likelihood))
