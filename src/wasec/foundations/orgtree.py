"""An organization's tree and the service control policies attached along it, read live or from code.

Live, it comes from the management account's read-only Organizations API; from code, from the
canonical ``AWS::Organizations::*`` resources the Terraform and CloudFormation sources produce (where
AWS's default ``FullAWSAccess`` attachment, which code never declares, is assumed at every level).
Either way the result is the same plain tree, so one analysis decides whether the guardrails hold.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from wasec.errors import WasecError
from wasec.iam.policy import Policy, PolicyError, parse
from wasec.model.finding import Problem
from wasec.model.resource import Inventory, Resource
from wasec.model.values import Unknown

FULL_AWS_ACCESS = "p-FullAWSAccess"
SCP = "SERVICE_CONTROL_POLICY"
_ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    kind: str  # root | ou | account
    parent: str | None
    file: str | None = None
    line: int | None = None


@dataclass
class OrgTree:
    """Roots, OUs and accounts; SCPs by id and which are attached to each node."""

    nodes: dict[str, Node] = field(default_factory=dict)
    policies: dict[str, Policy] = field(default_factory=dict)
    attached: dict[str, list[str]] = field(default_factory=dict)  # node id → policy ids
    broken: dict[str, str] = field(default_factory=dict)  # policy id → why it cannot be read
    scps_enabled: bool = True
    management: str = ""  # SCPs never apply to the management account
    source: str = "aws"
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def path(self, node_id: str) -> list[Node]:
        """The nodes from the root down to ``node_id``."""
        out: list[Node] = []
        seen: set[str] = set()
        cur: str | None = node_id
        while cur is not None and cur in self.nodes and cur not in seen:
            seen.add(cur)
            out.append(self.nodes[cur])
            cur = self.nodes[cur].parent
        return out[::-1]

    def targets(self) -> list[Node]:
        """What the matrix has a row for: every account; from code, also every OU and the root
        (code rarely declares the accounts an OU will hold)."""
        kinds = ("account",) if self.source == "aws" else ("root", "ou", "account")
        order = {"root": 0, "ou": 1, "account": 2}
        rows = [n for n in self.nodes.values() if n.kind in kinds]
        return sorted(rows, key=lambda n: (order[n.kind], " / ".join(p.name for p in self.path(n.id))))


def _policy(pid: str, name: str, content: Any, tree: OrgTree, where: str, code: bool = False) -> None:
    """Read one SCP; from ``code``, a document AWS would refuse is not read either (live ones were accepted)."""
    try:
        doc = json.loads(content) if isinstance(content, str) else content
        if isinstance(doc, Unknown) and doc.reason:
            raise PolicyError(doc.reason)
        if doc is None or _unknown_inside(doc):
            raise PolicyError("its content is known only after deployment")
        policy = parse(doc, name or pid)
        refused = next((i for i in policy.issues if i.severity == "error"), None)
        if code and refused is not None:
            raise PolicyError(f"AWS refuses it: {refused.path}: {refused.message}")
        tree.policies[pid] = policy
    except (PolicyError, ValueError) as e:
        tree.broken[pid] = str(e)
        tree.problems.append(Problem(where, f"service control policy {name or pid} cannot be read: {e}"))


def _unknown_inside(v: Any) -> bool:
    """Whether any part of a document is unknown (one unknown statement or condition decides nothing)."""
    if isinstance(v, Unknown):
        return True
    if isinstance(v, dict):
        return any(_unknown_inside(x) for x in v.values())
    if isinstance(v, list):
        return any(_unknown_inside(x) for x in v)
    return False


# -- live ---------------------------------------------------------------------------------------------

# every call `wasec org guardrails` makes live (`wasec permissions --command org-guardrails` grants these)
CALLS = tuple(("organizations", op) for op in ("DescribeOrganization", "ListRoots", "ListPoliciesForTarget",
                                               "DescribePolicy", "ListOrganizationalUnitsForParent",
                                               "ListAccountsForParent"))


def from_api(api: Any, region: str = "us-east-1") -> OrgTree:
    """Read the tree from the management (or delegated administrator) account: list and describe only."""
    from wasec.sources.aws.api import CallError

    tree = OrgTree()
    try:
        org = api.call("organizations", region, "DescribeOrganization")["Organization"]
        roots = api.pages("organizations", region, "ListRoots", "Roots")
    except CallError as e:
        raise WasecError(f"wasec org guardrails needs the organization's tree (run it from the management account "
                         f"or a delegated administrator): {e.reason}") from None
    tree.management = str(org.get("MasterAccountId", ""))
    if org.get("FeatureSet") != "ALL":
        tree.scps_enabled = False
        tree.notes.append("the organization has only consolidated billing: service control policies cannot apply")
    todo: list[tuple[str, str | None, str, str]] = []
    for r in roots:
        enabled = any(t.get("Type") == SCP and t.get("Status") == "ENABLED" for t in r.get("PolicyTypes", []))
        if not enabled:
            tree.scps_enabled = False
            tree.notes.append(f"the service control policy type is not enabled on root {r['Id']}")
        todo.append((r["Id"], None, str(r.get("Name", "Root")), "root"))
    contents: dict[str, Any] = {}
    while todo:
        nid, parent, name, kind = todo.pop()
        tree.nodes[nid] = Node(nid, name, kind, parent)
        where = f"aws:organizations:{nid}"
        try:
            attached = api.pages("organizations", region, "ListPoliciesForTarget", "Policies", TargetId=nid, Filter=SCP)
        except CallError as e:
            tree.problems.append(Problem(where, f"cannot list the policies attached to {name}: {e.reason}"))
            tree.broken[f"unlisted:{nid}"] = e.reason
            attached = [{"Id": f"unlisted:{nid}", "Name": "(not listed)"}]
        tree.attached[nid] = [str(p["Id"]) for p in attached]
        for p in attached:
            pid = str(p["Id"])
            if pid in contents or pid in tree.broken:
                continue
            try:
                contents[pid] = api.call("organizations", region, "DescribePolicy", PolicyId=pid)["Policy"]["Content"]
            except CallError as e:
                tree.broken[pid] = e.reason
                tree.problems.append(Problem(where, f"cannot read service control policy {p.get('Name', pid)}: {e.reason}"))
                continue
            _policy(pid, str(p.get("Name", pid)), contents[pid], tree, where)
        if kind == "account":
            continue
        try:
            ous = api.pages("organizations", region, "ListOrganizationalUnitsForParent", "OrganizationalUnits", ParentId=nid)
            accounts = api.pages("organizations", region, "ListAccountsForParent", "Accounts", ParentId=nid)
        except CallError as e:
            tree.problems.append(Problem(where, f"cannot list what {name} contains: {e.reason}"))
            continue
        todo += [(str(o["Id"]), nid, str(o.get("Name", o["Id"])), "ou") for o in ous]
        todo += [(str(a["Id"]), nid, str(a.get("Name", a["Id"])), "account") for a in accounts
                 if a.get("Status", "ACTIVE") == "ACTIVE"]
    return tree


# -- code ---------------------------------------------------------------------------------------------

_ROOT_ID = re.compile(r"^r-[0-9a-z]{4,32}$")
_OU_ID = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
CODE_ROOT = "root"


def _node_of(value: Any, near: Resource, inv: Inventory, by_key: dict[str, str], tree: OrgTree) -> str | None:
    """The node id a ParentId/TargetId designates: a declared OU or account, the organization's root, or a
    literal id (kept as a node of its own)."""
    hit = inv.resolve(value, near, "AWS::Organizations::OrganizationalUnit", "AWS::Organizations::Account",
                      "AWS::Organizations::Organization")
    if hit is not None:
        return CODE_ROOT if hit.type == "AWS::Organizations::Organization" else by_key[hit.key]
    if isinstance(value, str):
        if _ROOT_ID.match(value):
            return CODE_ROOT
        if _OU_ID.match(value) or _ACCOUNT_ID.match(value):
            kind = "ou" if value.startswith("ou-") else "account"
            tree.nodes.setdefault(value, Node(value, value, kind, CODE_ROOT))
            return value
    if isinstance(value, Unknown) and any("organization" in r for r in value.refs):
        return CODE_ROOT  # data.aws_organizations_organization.x.roots[0].id and the like
    return None


def from_resources(inv: Inventory) -> OrgTree:
    """The tree declared in code, with the SCPs and their attachments."""
    tree = OrgTree(source="code")
    tree.nodes[CODE_ROOT] = Node(CODE_ROOT, "Root", "root", None)
    tree.attached[CODE_ROOT] = [FULL_AWS_ACCESS]
    tree.policies[FULL_AWS_ACCESS] = parse(_ALLOW_ALL, "FullAWSAccess")
    tree.notes.append("code cannot show AWS's default FullAWSAccess attachments: assumed on the root, every OU "
                      "and every account")
    by_key: dict[str, str] = {}
    members = inv.of_type("AWS::Organizations::OrganizationalUnit", "AWS::Organizations::Account")
    for r in members:
        by_key[r.key] = r.key
    for org in inv.of_type("AWS::Organizations::Organization"):
        types = org.properties.get("EnabledPolicyTypes")
        tree.source = org.origin.source
        if isinstance(types, list) and SCP not in types:
            tree.scps_enabled = False
            tree.notes.append(f"{org.id} does not enable {SCP} in enabled_policy_types")
    for r in members:
        kind = "ou" if r.type.endswith("OrganizationalUnit") else "account"
        raw = r.properties.get("ParentId") if kind == "ou" else (r.properties.get("ParentIds") or [None])[0]
        parent = _node_of(raw, r, inv, by_key, tree) if raw is not None else None
        name = r.properties.get("Name" if kind == "ou" else "AccountName")
        tree.nodes[r.key] = Node(r.key, name if isinstance(name, str) else r.id, kind, parent or CODE_ROOT,
                                 r.origin.file, r.origin.line)
        tree.attached.setdefault(r.key, [FULL_AWS_ACCESS])
    for p in inv.of_type("AWS::Organizations::Policy"):
        if p.properties.get("Type", SCP) != SCP:
            continue
        tree.source = p.origin.source
        where = f"{p.origin.file}:{p.origin.line}" if p.origin.line else str(p.origin.file)
        name = p.properties.get("Name")
        _policy(p.key, name if isinstance(name, str) else p.id, p.properties.get("Content"), tree, where, code=True)
        targets = p.properties.get("TargetIds")
        if not isinstance(targets, list) or not targets:
            tree.notes.append(f"{p.id} ({where}) is attached to nothing in this code")
            continue
        for t in targets:
            node = _node_of(t, p, inv, by_key, tree)
            if node is None:  # a variable, a data source: a row of its own, under the root as the least it inherits
                node = f"target:{_show(t)}"
                tree.nodes.setdefault(node, Node(node, f"{_show(t)} (not named in this code)", "account", CODE_ROOT,
                                                 p.origin.file, p.origin.line))
            tree.attached.setdefault(node, [FULL_AWS_ACCESS]).append(p.key)
    return tree


def policy_files(paths: list[str]) -> list[str]:
    """The JSON files under ``paths`` that hold a policy document (``Statement``): what ``wasec init guardrails
    -f json`` writes, or SCPs kept as plain documents."""
    import os

    found: list[str] = []
    for top in paths:
        walk: list[tuple[str, list[str]]] = [(top, [os.path.basename(top)])] if os.path.isfile(top) else \
            [(d, fs) for d, _, fs in os.walk(top)]
        for d, names in walk:
            for name in sorted(names):
                path = top if os.path.isfile(top) else os.path.join(d, name)
                if not name.lower().endswith(".json"):
                    continue
                try:
                    with open(path, encoding="utf-8") as f:
                        head = f.read(1 << 16)
                except (OSError, UnicodeDecodeError):
                    continue
                if '"Statement"' in head and '"Version"' in head:
                    found.append(path)
    return found


def from_documents(files: list[str], attach_to: str = "root") -> OrgTree:
    """SCPs kept as plain documents, attached to ``attach_to`` (the root, or an OU the matrix names) as one would
    attach them: every account under it inherits them."""
    tree = OrgTree(source="code")
    tree.nodes[CODE_ROOT] = Node(CODE_ROOT, "Root", "root", None)
    tree.attached[CODE_ROOT] = [FULL_AWS_ACCESS]
    tree.policies[FULL_AWS_ACCESS] = parse(_ALLOW_ALL, "FullAWSAccess")
    target = CODE_ROOT
    if attach_to != "root":
        target = f"ou:{attach_to}"
        tree.nodes[target] = Node(target, attach_to, "ou", CODE_ROOT)
        tree.attached[target] = [FULL_AWS_ACCESS]
    tree.notes.append(f"policy documents, evaluated as attached to {attach_to} (--attach-to), with AWS's default "
                      "FullAWSAccess beside them")
    import os

    for path in files:
        pid = f"file:{path}"
        try:
            with open(path, encoding="utf-8") as f:
                content = f.read()
        except OSError as e:
            tree.problems.append(Problem(path, f"cannot read: {e.strerror}"))
            continue
        _policy(pid, os.path.splitext(os.path.basename(path))[0], content, tree, path, code=True)
        if pid in tree.policies:
            tree.attached[target].append(pid)
    return tree


def _show(v: Any) -> str:
    if isinstance(v, Unknown):
        return v.text or ", ".join(v.refs) or v.reason
    return str(v)
