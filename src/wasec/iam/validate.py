"""Policy validation against the action catalog: what AWS would reject, and what silently grants nothing."""

from __future__ import annotations

from wasec.iam.analysis import statement_actions
from wasec.iam.catalog import Catalog, arn_regex, catalog
from wasec.iam.evaluate import glob_match
from wasec.iam.policy import Issue, Policy, Statement


def validate(policy: Policy, kind: str = "identity", cat: Catalog | None = None) -> list[Issue]:
    """Parse issues plus: unknown services and actions, resources that fit none of an action's resource
    types, principals where they do not belong (or missing where they must be), redundant statements."""
    cat = cat or catalog()
    issues = list(policy.issues)
    for s in policy.statements:
        issues += _actions(s, cat)
        issues += _resources(s, cat)
        has_principal = s.principals is not None or s.not_principals is not None
        if kind in ("identity", "scp", "boundary") and has_principal:
            issues.append(Issue("error", "principal-in-identity-policy", s.path,
                                f"a {kind} policy cannot name a Principal"))
        if kind in ("resource", "trust") and not has_principal:
            issues.append(Issue("error", "no-principal", s.path, f"a {kind} policy statement needs a Principal"))
        if kind in ("identity", "boundary") and s.resources is None and s.not_resources is None:
            issues.append(Issue("error", "no-resource", s.path, "the statement has neither Resource nor NotResource"))
        if s.allows and s.not_actions is not None and s.resources and "*" in s.resources and kind != "scp":
            issues.append(Issue("warning", "allow-notaction", s.path,
                                "Allow with NotAction on * grants every other action, including future ones"))
        if s.allows and s.not_resources is not None:
            issues.append(Issue("warning", "allow-notresource", s.path,
                                "Allow with NotResource grants the actions on every other resource, including new ones"))
    issues += _redundant(policy, cat)
    return issues


def _actions(s: Statement, cat: Catalog) -> list[Issue]:
    out = []
    for field_, values in (("Action", s.actions), ("NotAction", s.not_actions)):
        for a in values or ():
            if a.strip() == "*":
                continue
            svc, sep, name = a.partition(":")
            path = f"{s.path}.{field_}"
            if not sep or not name:
                out.append(Issue("error", "bad-action", path, f"{a!r} is not service:action"))
            elif "*" not in svc and "?" not in svc and not cat.known_service(svc):
                out.append(Issue("error", "unknown-service", path, f"no AWS service has the prefix {svc!r} ({a})"))
            elif not cat.expand(a):
                out.append(Issue("error", "unknown-action", path, f"{a!r} matches no {svc} action"))
    return out


def _resources(s: Statement, cat: Catalog) -> list[Issue]:
    """A resource ARN that fits none of the resource types of any of the statement's actions."""
    if s.actions is None or not s.resources or any(r.strip() == "*" for r in s.resources):
        return []
    acts = [cat.actions[i] for a in s.actions for i in cat.expand(a)]
    if not acts or len(acts) > 200:
        return []
    out = []
    for r in s.resources:
        if "${" in r or not r.startswith("arn:"):
            continue
        patterns = [p for a in acts for p in cat.arn_patterns(a.name)]
        if all(not a.resource_types for a in acts):
            out.append(Issue("warning", "resource-mismatch", f"{s.path}.Resource",
                             f"{', '.join(sorted({a.name for a in acts})[:3])} take(s) only Resource \"*\", not {r}"))
            continue
        probe = r.replace("*", "x").replace("?", "x")
        if patterns and not any(arn_regex(p).fullmatch(probe) or arn_regex(p).fullmatch(r) for p in patterns):
            out.append(Issue("warning", "resource-mismatch", f"{s.path}.Resource",
                             f"{r} fits none of the resource types of {', '.join(sorted({a.name for a in acts})[:3])}"))
    return out


def _redundant(policy: Policy, cat: Catalog) -> list[Issue]:
    """A statement whose every grant another statement of the same effect already makes, unconditionally."""
    out = []
    sts = [s for s in policy.statements if s.principals is None and s.not_principals is None]
    sets = {s.index: statement_actions(s, cat) for s in sts}
    for s in sts:
        for o in sts:
            if o is s or o.effect != s.effect or o.conditions or o.not_resources is not None:
                continue
            if s.not_resources is not None or s.resources is None or o.resources is None:
                continue
            if not sets[s.index] or not sets[s.index] <= sets[o.index]:
                continue
            if not all(any(glob_match(p, r, case=True) for p in o.resources) for r in s.resources):
                continue
            if sets[s.index] == sets[o.index] and set(s.resources) == set(o.resources) and \
                    not s.conditions and o.index > s.index:
                continue  # identical twins: report only the later one
            out.append(Issue("warning", "redundant-statement", s.path,
                             f"everything it {'allows' if s.allows else 'denies'} is already "
                             f"{'allowed' if s.allows else 'denied'} by {o.label}"))
            break
    return out
