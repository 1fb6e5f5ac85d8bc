"""The canonical model every source produces and every rule reads."""

from wasec.model.finding import Evidence, Finding, Problem, Severity, Status, Suppression
from wasec.model.resource import Inventory, Loc, Origin, PathKey, Resource
from wasec.model.values import RefStr, Unknown, UnknownValue, ref

__all__ = [
    "Evidence",
    "Finding",
    "Inventory",
    "Loc",
    "Origin",
    "PathKey",
    "Problem",
    "RefStr",
    "Resource",
    "Severity",
    "Status",
    "Suppression",
    "Unknown",
    "UnknownValue",
    "ref",
]
