"""Policy validation against the action catalog: what AWS would reject, and what silently grants nothing."""

from __future__ import annotations

from wasec.iam.analysis import statement_actions
from wasec.iam.catalog import Catalog, catalog
from wasec.iam.checks import check
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
    issues += check(policy, kind, cat)  # the rest of Access Analyzer's checks a document alone decides
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
    """Resources and actions that do not fit each other: an ARN no action of the statement can use, or a named
    action none of the statement's resources can name (an action without resource types takes only ``*``).

    An action that needs several resources (``ec2:RunInstances``: instance, subnet, image…) may get them from
    several statements, so one fitting resource is enough here.
    """
    if s.actions is None or not s.resources or any(r.strip() == "*" for r in s.resources):
        return []
    acts: set[int] = set()
    for a in s.actions:
        acts |= cat.expand(a)
    if not acts:
        return []
    arns = [r for r in s.resources if r.startswith("arn:")]
    if len(arns) < len(s.resources):
        return []  # a reference wasec could not resolve may be anything
    out = []
    reached: set[int] = set()
    for r in arns:
        fit = cat.fitting(r) & acts
        reached |= fit
        if not fit:
            names = sorted(cat.actions[i].name for i in acts)
            typed = [n for n in names if cat.arn_patterns(n)]
            what = (f"{r} fits none of the resource types of {', '.join(typed[:3])}" if typed else
                    f"{', '.join(names[:3])} take(s) only Resource \"*\", not {r}")
            out.append(Issue("warning", "resource-mismatch", f"{s.path}.Resource", what))
    for a in s.actions:
        if "*" in a or "?" in a:
            continue  # a wildcard is expected to sweep in actions the resources do not concern
        i = cat.index.get(a.lower())
        if i is not None and i not in reached and any(x in reached for x in acts):
            why = ("it takes only Resource \"*\"" if not cat.arn_patterns(a)
                   else "none of the statement's resources is of a type it uses")
            out.append(Issue("warning", "resource-mismatch", f"{s.path}.Action",
                             f"{cat.actions[i].name} is not granted by this statement: {why}"))
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
