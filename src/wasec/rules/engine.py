"""Run rules over an inventory and turn their answers into findings."""

from __future__ import annotations

import hashlib
import inspect
import os
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from wasec.findings.risk import RiskModel, score
from wasec.model.finding import Evidence, Finding, Status
from wasec.model.resource import Inventory, Resource
from wasec.model.values import UnknownValue
from wasec.rules.registry import Rule
from wasec.rules.view import MISSING, Fail, Pass, Skip, Unsure, View, parse_path

# progress(stage, done, total): how far a long scan is, for a progress bar
Progress = Callable[[str, int, int], None]


@lru_cache(maxsize=65536)
def display_path(path: str | None, root: str) -> str | None:
    """Paths in findings are relative to the scan root when inside it (stable across checkouts)."""
    if not path:
        return path
    try:
        rel = os.path.relpath(path, root)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel.replace(os.sep, "/")


def fingerprint(rule_id: str, r: Resource, root: str) -> str:
    """Rule + resource identity: survives line moves, reformatting and file edits around it."""
    scope = r.origin.scope if r.origin.source == "aws" else display_path(r.origin.scope, root)
    if r.origin.source == "kubernetes":  # a folder may hold the same object twice (variants of one example)
        scope = f"{scope}|{display_path(r.origin.file, root)}"
    data = f"{rule_id}|{r.type}|{scope}|{r.id}"
    return hashlib.sha256(data.encode()).hexdigest()[:24]


LIVE_ONLY = "only a live account shows this (run `wasec scan aws`)"


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + "…"
    return value


class Engine:
    def __init__(self, rules: Iterable[Rule], root: str = ".", options: dict[str, dict[str, Any]] | None = None,
                 risk: RiskModel | None = None) -> None:
        self.rules = list(rules)
        self.root = root
        self.options = options or {}
        self.risk = risk or RiskModel()
        self._by_type: dict[str, list[Rule]] = {}
        for rule in self.rules:
            for t in rule.types:
                self._by_type.setdefault(t, []).append(rule)

    def evaluate(self, inv: Inventory, progress: Progress | None = None) -> list[Finding]:
        findings: list[Finding] = []
        total = len(inv)
        for n, r in enumerate(inv):
            if progress is not None and n % 500 == 0:
                progress("checking", n, total)
            live = r.origin.source == "aws"
            rules = self._by_type.get(r.type, ())
            if r.also:
                rules = [*rules, *(x for t in r.also for x in self._by_type.get(t, ()) if x not in rules)]
            for rule in rules:
                if rule.scope == "code" and live:
                    continue  # a fact only code has (a secret written into a template)
                if rule.scope == "live" and not live:
                    findings.append(self._finding(rule, r, Status.UNKNOWN, LIVE_ONLY, ()))
                    continue
                f = self.run(rule, r, inv)
                if f is not None:
                    findings.append(f)
        if not inv.complete:
            findings.extend(self._live_only(inv))
        return findings

    def _live_only(self, inv: Inventory) -> list[Finding]:
        """Account facts (root MFA, GuardDuty on in every region) are not in code: say so once per rule, when the
        code describes AWS at all (manifests, Dockerfiles or another cloud's Terraform say nothing of an account)."""
        if not any(t.startswith("AWS::") for t in inv.types()):
            return []
        out = []
        for rule in self.rules:
            if rule.scope == "live" and not inv.of_type(*rule.types):
                out.append(Finding(
                    rule_id=rule.id, status=Status.UNKNOWN, severity=rule.severity, title=rule.title,
                    resource_type=rule.types[0], resource_id="(account)", message=LIVE_ONLY, source="code",
                    fingerprint=hashlib.sha256(f"{rule.id}|live-only".encode()).hexdigest()[:24],
                ))
        return out

    def not_assessed(self, rule: Rule, r: Resource, reason: str) -> Finding:
        """An UNKNOWN finding for a resource (or an account/region stand-in) that could not be read."""
        return self._finding(rule, r, Status.UNKNOWN, reason, ())

    def run(self, rule: Rule, r: Resource, inv: Inventory) -> Finding | None:
        view = View(r, inv, {**rule.options, **self.options.get(rule.id, {})})
        try:
            out = rule.check(view)
            if inspect.isgenerator(out):
                out = list(out)
        except UnknownValue as u:
            return self._finding(rule, r, Status.UNKNOWN, u.reason, (), path=u.path)
        except Exception as e:  # a rule bug must never turn into a silent PASS
            return self._finding(rule, r, Status.UNKNOWN, f"rule error: {type(e).__name__}: {e}", ())
        if isinstance(out, Skip):
            return None
        if isinstance(out, Unsure):
            return self._finding(rule, r, Status.UNKNOWN, out.reason, (), path=out.path)
        fails = [out] if isinstance(out, Fail) else [x for x in out if isinstance(x, Fail)] if isinstance(out, list) else []
        if not fails and view.undecided:  # nothing failed, but a part could not be judged
            first = view.undecided[0]
            more = f" (and {len(view.undecided) - 1} more part{'s' if len(view.undecided) > 2 else ''})" \
                if len(view.undecided) > 1 else ""
            return self._finding(rule, r, Status.UNKNOWN, first.reason + more, (), path=first.path)
        if not fails:
            note = out.note if isinstance(out, Pass) else ""
            return self._finding(rule, r, Status.PASS, note or rule.title, (), path=out.path if isinstance(out, Pass) else "")
        evidence = []
        for f in fails:
            loc = r.loc(parse_path(f.path))
            evidence.append(Evidence(
                path=f.path,
                value=None if f.value is MISSING else _short(f.value),
                message=f.message,
                file=display_path(loc.file, self.root) if loc else None,
                line=loc.line if loc else None,
            ))
        message = fails[0].message + (f" (and {len(fails) - 1} more)" if len(fails) > 1 else "")
        return self._finding(rule, r, Status.FAIL, message, tuple(evidence))

    def _finding(self, rule: Rule, r: Resource, status: Status, message: str, evidence: tuple[Evidence, ...],
                 path: str = "") -> Finding:
        if evidence:
            file, line = evidence[0].file, evidence[0].line
        else:
            loc = r.loc(parse_path(path)) if path else r.loc()
            file = display_path(loc.file, self.root) if loc else None
            line = loc.line if loc else None
        impact, likelihood, factors = score(rule, r, status, self.risk)
        decl = r.loc()
        resource_line = decl.line if decl is not None and display_path(decl.file, self.root) == file else None
        via = None
        if r.origin.source in ("terraform", "terraform-plan") and decl is not None and r.origin.scope and \
                os.path.dirname(os.path.abspath(decl.file)) != os.path.abspath(r.origin.scope):
            via = display_path(r.origin.scope, self.root)  # a module's resource: which root called it
        return Finding(
            rule_id=rule.id,
            status=status,
            severity=rule.severity,
            title=rule.title,
            resource_type=r.type,
            resource_id=r.id,
            message=message,
            source=r.origin.source,
            file=file,
            line=line,
            resource_line=resource_line,
            arn=r.origin.arn,
            account=r.account,
            region=r.region,
            evidence=evidence,
            fingerprint=fingerprint(rule.id, r, self.root),
            impact=impact,
            likelihood=likelihood,
            risk_factors=factors,
            root=via,
        )
