"""Do the guardrails hold? For every account (or OU) and guardrail, ask the IAM evaluator whether each
request the guardrail protects is really denied to an ordinary administrator there.

An administrator role (``Allow * on *``) in the account makes the request; the SCPs attached along
the path root → OUs → account are the levels of the organization, each of which must allow and any
of which may deny. So a guardrail holds whatever the SCPs' wording: through a Deny (its conditions
and NotAction honoured), or because a level replaced ``FullAWSAccess`` by an allow-list that leaves
the action out. Nothing is inferred from policy names or texts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

from wasec.foundations.guardrails import Guardrail
from wasec.foundations.orgtree import Node, OrgTree
from wasec.iam.evaluate import Request, evaluate
from wasec.iam.policy import Policy, parse
from wasec.model.finding import Evidence, Finding, Severity, Status

HOLDS, LEAKS, EXEMPT, UNKNOWN = "holds", "leaks", "exempt", "unknown"
# the ordinary administrator each guardrail must stop
_ADMIN = parse({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
               "AdministratorAccess")


@dataclass(frozen=True)
class Cell:
    status: str  # holds | leaks | exempt | unknown
    leaks: tuple[str, ...] = ()  # the protected requests the administrator may still make
    denied_by: tuple[str, ...] = ()  # the SCPs whose statements denied
    reason: str = ""
    notes: tuple[str, ...] = ()


@dataclass
class Row:
    node: Node
    path: tuple[str, ...]  # names root → node
    cells: dict[str, Cell] = field(default_factory=dict)


@dataclass
class Matrix:
    rails: list[Guardrail]
    rows: list[Row]
    tree: OrgTree
    admin_role: str
    decisions: int = 0
    seconds: float = 0.0

    @property
    def leaking(self) -> int:
        return sum(1 for r in self.rows for c in r.cells.values() if c.status == LEAKS)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.tree.source,
            "management_account": self.tree.management or None,
            "scps_enabled": self.tree.scps_enabled,
            "admin_role": self.admin_role,
            "guardrails": [{"id": g.id, "title": g.title, "wa": list(g.wa),
                            "protects": [_show(p) for p in g.protects]} for g in self.rails],
            "rows": [{"id": r.node.id, "name": r.node.name, "kind": r.node.kind, "path": list(r.path),
                      "file": r.node.file, "line": r.node.line,
                      "cells": {gid: {"status": c.status, "leaks": list(c.leaks), "denied_by": list(c.denied_by),
                                      "reason": c.reason, "notes": list(c.notes)} for gid, c in r.cells.items()}}
                     for r in self.rows],
            "summary": {"rows": len(self.rows), "guardrails": len(self.rails), "leaking": self.leaking,
                        "decisions": self.decisions, "seconds": round(self.seconds, 4)},
            "notes": list(self.tree.notes),
            "problems": [str(p) for p in self.tree.problems],
            "findings": [{**f.to_dict(), "wa": list(wa)} for f, wa in findings(self)],
        }


def _show(p: Request) -> str:
    ctx = {k: v for k, v in p.context.items() if not k.startswith("aws:principal")}
    extra = "".join(f" {k}={','.join(v)}" for k, v in ctx.items())
    who = " as root" if p.principal.endswith(":root") else ""
    return f"{p.action}{'' if p.resource == '*' else ' on ' + p.resource}{who}{extra}"


def _levels(tree: OrgTree, path: list[Node]) -> tuple[list[Policy], dict[int, str], str]:
    """One policy per level (the SCPs attached there, statements together), which SCP each statement
    comes from, and a reason if one of them cannot be read."""
    levels, origin = [], {}
    for n in path:
        ids = tree.attached.get(n.id, [])
        bad = [pid for pid in ids if pid in tree.broken]
        if bad:
            return [], {}, f"the SCPs on {n.name} cannot all be read ({tree.broken[bad[0]]})"
        policies = [tree.policies[pid] for pid in ids if pid in tree.policies]
        for p in policies:
            origin.update({id(st): p.name for st in p.statements})
        levels.append(Policy([st for p in policies for st in p.statements], "2012-10-17",
                             f"the SCPs on {n.name}" if policies else f"(no SCP on {n.name})"))
    return levels, origin, ""


def _request(p: Request, account: str, admin_role: str, region: str) -> Request:
    principal = p.principal.replace("111122223333", account) if p.principal else f"arn:aws:iam::{account}:role/{admin_role}"
    ctx = {"aws:requestedregion": [region], **{k: v for k, v in p.context.items() if not k.startswith("aws:principal")}}
    return Request(p.action, p.resource.replace("111122223333", account), principal, ctx)


def decide(tree: OrgTree, rails: list[Guardrail], admin_role: str = "Admin", region: str = "us-east-1") -> Matrix:
    """The account × guardrail matrix."""
    start = time.perf_counter()
    matrix = Matrix(rails, [], tree, admin_role)
    for node in tree.targets():
        path = tree.path(node.id)
        row = Row(node, tuple(n.name for n in path))
        matrix.rows.append(row)
        account = node.id if node.kind == "account" and node.id.isdigit() else "111122223333"
        if node.kind == "account" and node.id == tree.management:
            row.cells = {g.id: Cell(EXEMPT, reason="service control policies never apply to the management account")
                         for g in rails}
            continue
        if not tree.scps_enabled:
            row.cells = {g.id: Cell(LEAKS, tuple(_show(p) for p in g.protects),
                                    reason="service control policies are not in effect: " + "; ".join(tree.notes))
                         for g in rails}
            continue
        levels, origin, broken = _levels(tree, path)
        for g in rails:
            if broken:
                row.cells[g.id] = Cell(UNKNOWN, reason=broken)
                continue
            leaks, by, notes = [], [], []
            for p in g.protects:
                d = evaluate(_request(p, account, admin_role, region), [_ADMIN], scps=levels)
                matrix.decisions += 1
                notes += [n for n in d.notes if n not in notes]
                if d.allowed:
                    leaks.append(_show(p))
                else:
                    names = [origin.get(id(m.statement), m.policy) for m in d.by] or [d.reason]
                    by += [n for n in names if n not in by]
            row.cells[g.id] = Cell(LEAKS if leaks else HOLDS, tuple(leaks), tuple(by), notes=tuple(notes))
    matrix.seconds = time.perf_counter() - start
    return matrix


def findings(matrix: Matrix) -> list[tuple[Finding, tuple[str, ...]]]:
    """One FAIL per account (or OU) and guardrail that does not hold, with the pillar's best practices."""
    out = []
    for row in matrix.rows:
        for g in matrix.rails:
            c = row.cells.get(g.id)
            if c is None or c.status != LEAKS:
                continue
            where = " / ".join(row.path)
            rtype = {"account": "AWS::Organizations::Account", "ou": "AWS::Organizations::OrganizationalUnit",
                     "root": "AWS::Organizations::Organization"}[row.node.kind]
            message = (f"{g.title}: not enforced for {where} — an administrator there may still "
                       f"{'; '.join(c.leaks)}" + (f" ({c.reason})" if c.reason else ""))
            f = Finding(f"org-guardrail-{g.id}", Status.FAIL, Severity.HIGH, g.title, rtype,
                        row.node.id.rsplit("::", 1)[-1], message,
                        matrix.tree.source, file=row.node.file, line=row.node.line, resource_line=row.node.line,
                        account=row.node.id if row.node.kind == "account" else None,
                        evidence=(Evidence("ServiceControlPolicies", list(row.path), c.reason or "no SCP on the path "
                                           "denies it"),), impact=4, likelihood=3)
            out.append((replace(f, fingerprint=f"{f.rule_id}:{row.node.id}"), g.wa))
    return out
