"""Rules: pure checks over canonical resources, with their framework mappings.

A new rule is one decorated function in the right ``pack`` area file plus its fixtures; see
:func:`wasec.rules.registry.rule`.
"""

from wasec.rules.registry import REGISTRY, Rule, load_builtin, rule
from wasec.rules.view import Fail, Pass, Skip, Unsure, View

__all__ = ["REGISTRY", "Fail", "Pass", "Rule", "Skip", "Unsure", "View", "load_builtin", "rule"]
