"""Rules and their registry.

A rule is a small function over one resource (a :class:`~wasec.rules.view.View`) with its metadata
declared once in :func:`rule`: stable id, title, severity, resource types, the Well-Architected best
practices it evidences, CIS and FSBP control ids, why it matters and how to fix it in Terraform and
in CloudFormation. The function returns nothing to pass, a :class:`Fail` (or several) to fail,
:class:`Skip` when the rule does not apply, :class:`Unsure` when it cannot decide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from wasec.model.finding import Severity

AREAS = {
    "foundations": "Security foundations",
    "identity": "Identity and access management",
    "detection": "Detection",
    "infrastructure": "Infrastructure protection",
    "data": "Data protection",
    "incident": "Incident response",
    "appsec": "Application security",
}

# Likelihood (1-5) a rule's category carries before exposure is known; see wasec.findings.risk.
LIKELIHOOD = {"exposure": 5, "access": 4, "secret": 5, "network": 4, "encryption": 2, "logging": 2, "resilience": 2,
              "hardening": 3, "hygiene": 1}

Check = Callable[..., Any]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity
    types: tuple[str, ...]
    check: Check
    area: str
    category: str
    wa: tuple[str, ...] = ()
    cis: tuple[str, ...] = ()
    fsbp: tuple[str, ...] = ()
    cis_eks: tuple[str, ...] = ()  # CIS Amazon EKS Benchmark recommendations (Kubernetes rules)
    why: str = ""
    fix: str = ""
    fix_terraform: str = ""
    fix_cloudformation: str = ""
    # the fix as a Kubernetes manifest or Dockerfile excerpt, for rules over those (language: yaml | dockerfile)
    fix_example: str = ""
    fix_example_lang: str = ""
    # where the rule's facts can be known: code-only rules ("code"), live-only ("live"), or both
    scope: str = "any"
    options: dict[str, Any] = field(default_factory=dict)
    custom: bool = False
    # optional rules run only with --strict or when named: sound, but noisy for most teams
    optional: bool = False
    # other resource types the rule reads (peers, references): a live scan collects them too
    needs: tuple[str, ...] = ()

    @property
    def help_uri(self) -> str:
        return f"https://github.com/wasec/wasec/blob/main/docs/rules.md#{self.id}"

    @property
    def likelihood(self) -> int:
        return LIKELIHOOD.get(self.category, 3)


class Registry:
    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}
        self._by_type: dict[str, list[Rule]] | None = None

    def add(self, r: Rule) -> Rule:
        if r.id in self._rules:
            raise ValueError(f"rule {r.id} is defined twice")
        if r.area not in AREAS:
            raise ValueError(f"rule {r.id}: unknown area {r.area!r}")
        self._rules[r.id] = r
        self._by_type = None
        return r

    def __iter__(self) -> Any:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def get(self, rule_id: str) -> Rule | None:
        return self._rules.get(rule_id)

    def for_type(self, type_: str) -> list[Rule]:
        if self._by_type is None:
            self._by_type = {}
            for r in self._rules.values():
                for t in r.types:
                    self._by_type.setdefault(t, []).append(r)
        return self._by_type.get(type_, [])


REGISTRY = Registry()


def rule(
    id: str,
    *,
    title: str,
    severity: str,
    types: Iterable[str],
    area: str,
    category: str,
    wa: Iterable[str] = (),
    cis: Iterable[str] = (),
    fsbp: Iterable[str] = (),
    cis_eks: Iterable[str] = (),
    why: str = "",
    fix: str = "",
    tf: str = "",
    cfn: str = "",
    example: str = "",
    example_lang: str = "yaml",
    scope: str = "any",
    options: dict[str, Any] | None = None,
    optional: bool = False,
    needs: Iterable[str] = (),
) -> Callable[[Check], Check]:
    """Declare a rule; the decorated function is its check."""

    def deco(fn: Check) -> Check:
        REGISTRY.add(Rule(
            id=id, title=title, severity=Severity.parse(severity), types=tuple(types), check=fn, area=area,
            category=category, wa=tuple(wa), cis=tuple(cis), fsbp=tuple(fsbp), cis_eks=tuple(cis_eks), why=why.strip(), fix=fix.strip(),
            fix_terraform=tf.strip("\n"), fix_cloudformation=cfn.strip("\n"),
            fix_example=example.strip("\n"), fix_example_lang=example_lang if example else "", scope=scope, options=options or {},
            optional=optional, needs=tuple(needs),
        ))
        return fn

    return deco


def load_builtin() -> Registry:
    """Import the rule pack (registration happens on import) and return the registry."""
    from wasec.rules import pack  # noqa: F401

    return REGISTRY
