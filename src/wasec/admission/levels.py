"""What a request's path asks of the webhook, and who is never judged.

Namespaces choose levels with labels, as Pod Security Admission does: ``wasec.io/enforce: high`` denies a
failing finding of high severity or more and returns the others as warnings, ``wasec.io/warn: medium``
narrows those warnings, ``wasec.io/audit: low`` records findings as audit annotations. The webhook never
reads the Kubernetes API: ``wasec admission config`` writes one webhook per combination of labels, each
calling a path that names its levels (``/validate/enforce-high/warn-medium``), so the API server picks the
path by the namespace's labels. A label whose value is not a level is enforced at the strictest level
(as Pod Security Admission does), with a warning that names it.

The control plane is never judged: its own identities and system namespaces are exempt by default, so
the webhook can never stop the cluster from running itself.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from wasec.model.finding import Severity

LANES = ("enforce", "warn", "audit")
LEVELS = ("critical", "high", "medium", "low")
LABEL = "wasec.io/"  # + lane
INVALID = "invalid"
STRICTEST = Severity.LOW
LOWEST = Severity.INFO

SYSTEM_USERS = ("system:apiserver", "system:kube-controller-manager", "system:kube-scheduler",
                "system:serviceaccount:kube-system:*")
SYSTEM_GROUPS = ("system:nodes",)  # kubelets (mirror pods); administrators are judged like anyone
SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")


class BadPath(ValueError):
    """A path the webhook does not serve."""


@dataclass(frozen=True)
class Levels:
    """The severities at which a request is denied, warned about and audited (None: that lane is off)."""

    enforce: Severity | None = None
    warn: Severity | None = None
    audit: Severity | None = None
    invalid: tuple[str, ...] = ()  # lanes whose namespace label is not a level (applied at the strictest)
    cluster: bool = False  # the webhook for cluster-scoped kinds

    @classmethod
    def only(cls, lane: str, level: Severity) -> Levels:
        """One lane at ``level``."""
        return cls(enforce=level if lane == "enforce" else None, warn=level if lane == "warn" else None,
                   audit=level if lane == "audit" else None)

    @property
    def mode(self) -> str:
        """The strongest lane: what the decision log and the metrics call this request's mode."""
        return next((lane for lane in LANES if getattr(self, lane) is not None), "audit")

    @property
    def notes(self) -> tuple[str, ...]:
        """What the user is told with the answer: the labels that are not levels."""
        return tuple(f"the namespace's label {LABEL}{lane} is not one of {', '.join(LEVELS)}: applying the strictest "
                     f"level ({STRICTEST.value}) until it is fixed" for lane in self.invalid)

    def path(self) -> str:
        """The request path that names these levels."""
        parts = ["cluster"] if self.cluster else []
        for lane in LANES:
            level = getattr(self, lane)
            if level is not None:
                parts.append(f"{lane}-{INVALID if lane in self.invalid else level.value}")
        return "/validate/" + "/".join(parts)


def parse_path(path: str, default: Levels, fail_on: Severity) -> Levels:
    """The levels a request path names. ``/validate`` is ``default``; ``/validate/enforce`` (``warn``, ``audit``)
    the single lanes of earlier configurations, enforcing at ``fail_on``."""
    parts = [p for p in path.split("?")[0].strip("/").split("/") if p]
    if not parts or parts[0] != "validate":
        raise BadPath(f"unknown path {path}: POST an AdmissionReview to /validate/<lane>-<level>[/…]")
    parts = parts[1:]
    if not parts:
        return default
    if len(parts) == 1 and parts[0] in LANES:
        return Levels.only(parts[0], fail_on if parts[0] == "enforce" else LOWEST)
    cluster = parts[0] == "cluster"
    if cluster:
        parts = parts[1:]
    chosen: dict[str, Any] = {}
    invalid = []
    for part in parts:
        lane, _, level = part.partition("-")
        if lane not in LANES or lane in chosen or not (level in LEVELS or level == INVALID):
            raise BadPath(f"unknown path {path}: each part is <lane>-<level>, lane one of {', '.join(LANES)}, "
                          f"level one of {', '.join(LEVELS)}")
        chosen[lane] = STRICTEST if level == INVALID else Severity(level)
        if level == INVALID:
            invalid.append(lane)
    if not chosen:
        raise BadPath(f"unknown path {path}: name at least one lane")
    return Levels(**chosen, invalid=tuple(invalid), cluster=cluster)


@dataclass(frozen=True)
class Exemptions:
    """Who and where the webhook never judges: a request from one of ``users`` (``*`` globs) or ``groups``, or an
    object in one of ``namespaces``, is admitted and logged as exempt."""

    users: tuple[str, ...] = SYSTEM_USERS
    groups: tuple[str, ...] = SYSTEM_GROUPS
    namespaces: tuple[str, ...] = SYSTEM_NAMESPACES

    def why(self, request: dict[str, Any]) -> str | None:
        """The reason ``request`` is exempt, or None when it is judged."""
        info = request.get("userInfo")
        info = info if isinstance(info, dict) else {}
        user = info.get("username")
        if isinstance(user, str) and any(fnmatch.fnmatchcase(user, u) for u in self.users):
            return f"user {user} is exempt"
        groups = info.get("groups")
        for g in groups if isinstance(groups, list) else ():
            if g in self.groups:
                return f"group {g} is exempt"
        namespace = request.get("namespace")
        if isinstance(namespace, str) and namespace in self.namespaces:
            return f"namespace {namespace} is exempt"
        return None
