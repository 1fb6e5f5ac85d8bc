"""What a policy grants, exactly: admin-equivalence, privilege escalation, risky actions on every resource.

A grant is a set of catalog action indices. ``grants(policy)`` expands every Allow (Action or the
complement of NotAction) that reaches *broad* resources (``*``, or a pattern with a wildcard in
its resource part that no ``${aws:username}``-style variable scopes to the caller), then removes
what unconditional Deny statements take away on the same resources. Conditional Allows are
tracked apart: they grant, but only when their condition holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wasec.iam.catalog import Catalog, catalog
from wasec.iam.escalation import METHODS, PASSED_TO, PINNED, Method
from wasec.iam.evaluate import glob_match
from wasec.iam.policy import Condition, Policy, Statement

# Actions that return data (the object, the secret, the parameter, the plaintext).
DATA_EXFILTRATION = (
    "s3:GetObject", "s3:GetObjectVersion", "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath",
    "secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue", "kms:Decrypt",
    "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:ExportTableToPointInTime",
    "rds:CreateDBSnapshot", "rds:ModifyDBSnapshotAttribute", "ec2:CreateSnapshot", "ec2:ModifySnapshotAttribute",
    "ebs:GetSnapshotBlock", "glacier:GetJobOutput", "sqs:ReceiveMessage",
    "kinesis:GetRecords", "logs:GetLogEvents", "logs:FilterLogEvents", "athena:GetQueryResults",
    "codecommit:GitPull", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "lambda:GetFunction",
)
# Actions that return or create credentials.
CREDENTIAL_EXPOSURE = (
    "iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile",
    "iam:CreateServiceSpecificCredential", "iam:ResetServiceSpecificCredential", "iam:UploadSSHPublicKey",
    "sts:AssumeRole", "sts:GetFederationToken", "sts:GetSessionToken", "ecr:GetAuthorizationToken",
    "codeartifact:GetAuthorizationToken", "redshift:GetClusterCredentials", "redshift-serverless:GetCredentials",
    "rds-db:connect", "ec2:GetPasswordData", "ec2-instance-connect:SendSSHPublicKey", "ssm:StartSession",
    "ssm:SendCommand", "cognito-identity:GetCredentialsForIdentity", "cognito-identity:GetOpenIdToken",
    "gamelift:GetInstanceAccess", "appsync:CreateApiKey", "ecr-public:GetAuthorizationToken",
    "mediapackage:RotateChannelCredentials", "mediapackage:RotateIngestEndpointCredentials", "lightsail:GetInstanceAccessDetails", "lightsail:DownloadDefaultKeyPair",
    "eks:CreateAccessEntry", "codepipeline:PollForJobs",
    "cognito-identity:GetOpenIdTokenForDeveloperIdentity", "connect:GetFederationToken", "chime:CreateApiKey",
    "grafana:CreateWorkspaceApiKey", "grafana:CreateWorkspaceServiceAccountToken", "cloud9:CreateEnvironmentToken",
    "airflow:CreateCliToken", "airflow:CreateWebLoginToken", "emr-containers:GetManagedEndpointSessionCredentials",
    "lightsail:CreateBucketAccessKey", "lightsail:GetRelationalDatabaseMasterUserPassword",
    "redshift:GetClusterCredentialsWithIAM", "gamelift:RequestUploadCredentials", "gamelift:GetComputeAccess",
    "gamelift:GetComputeAuthToken", "finspace-api:GetProgrammaticAccessCredentials", "glue:GetConnection",
    "dsql:DbConnectAdmin", "ds:ResetUserPassword", "cognito-idp:AdminSetUserPassword",
)

FAMILY_HEAD = 3
# Systems Manager documents that run whatever their caller passes: sending any other document runs only it
RUNS_ANYTHING = frozenset(d.lower() for d in (
    "AWS-RunShellScript", "AWS-RunPowerShellScript", "AWS-RunRemoteScript", "AWS-RunDocument", "AWS-RunAnsiblePlaybook",
    "AWS-ApplyAnsiblePlaybooks", "AWS-RunSaltState", "AWS-StartInteractiveCommand", "AWS-StartNonInteractiveCommand",
    "AWS-StartSSHSession", "SSM-SessionManagerRunShell", "AWS-StartSSMSession",
))
_DOCUMENT_PINNED = ("ssm:SendCommand", "ssm:StartSession")

_SELF = re.compile(r"\$\{aws:(username|userid|principaltag/[^}]*)\}", re.I)


def broad_resource(pattern: str) -> bool:
    """Whether a Resource pattern reaches resources nobody named (``*``, ``arn:aws:s3:::*``, ``…:user/*``).

    ``arn:aws:s3:::reports/*`` (the objects of one named bucket), ``…:table/orders/*`` and a named
    family (``…:function:billing-*``) are named; a name that is only a wildcard, or starts with one,
    is not, unless a policy variable scopes it to the caller.
    """
    p = pattern.strip()
    if p == "*":
        return True
    if "*" not in p and "?" not in p:
        return False
    if _SELF.search(p):
        return False  # scoped to the caller's own user / tag
    parts = p.split(":", 5)
    if len(parts) < 6:
        return True
    resource = parts[5]
    if parts[2] == "s3" and not re.match(r"(accesspoint|job|storage-lens|access-grants)\b", resource):
        bucket, _, key = resource.partition("/")
        # any bucket, but objects under a named key family (``*/deadline_tracker*.zip``): named, not everything
        return not _named(bucket) and not (key and _named(key.lstrip("*/") if key.startswith("*/") else key))
    kind = re.match(r"([A-Za-z][A-Za-z0-9-]*)[/:](.*)", resource)
    # "user/alice", "function:my-fn", "table/orders", "log-group:/aws/braket*" (log-group names start with "/")
    return not _named(kind.group(2) if kind else resource)


def _named(name: str) -> bool:
    """Whether a resource name pattern names something: a literal head of three characters or more names a family
    (``awseb-*``, ``deeplens*``, ``/aws/braket*``) — a scope someone chose. ``/aws/`` alone is every service's."""
    head = re.split(r"[*?]", name, maxsplit=1)[0]
    head = re.sub(r"^/+(aws/+)?", "", head)
    return len(head) >= FAMILY_HEAD


@dataclass
class Grants:
    unconditional: frozenset[int]  # on broad resources, no condition
    conditional: frozenset[int]  # on broad resources, under a condition
    granting: dict[int, Statement] = field(default_factory=dict)  # statement index → Allow that grants something
    expanded: dict[int, frozenset[int]] = field(default_factory=dict)  # every Allow's actions, before any Deny
    broad_by: dict[int, frozenset[int]] = field(default_factory=dict)  # statement index → what it grants broadly

    @property
    def broad(self) -> frozenset[int]:
        return self.unconditional | self.conditional


def statement_actions(s: Statement, cat: Catalog) -> frozenset[int]:
    if s.actions is not None:
        out: set[int] = set()
        for a in s.actions:
            out |= cat.expand(a)
        return frozenset(out)
    excluded: set[int] = set()
    for a in s.not_actions or ():
        excluded |= cat.expand(a)
    return cat.all - excluded


def broad_reach(s: Statement, cat: Catalog) -> frozenset[int] | None:
    """The actions a statement's broad resources can reach (``None``: every action, Resource ``*`` or NotResource).

    A resource counts only for the actions it fits: ``glue:UpdateDevEndpoint`` on ``table/*`` grants
    nothing. ``ssm:SendCommand`` needs both the instance and the document: instances ``*`` with a pinned
    document that runs only itself is not command execution.
    """
    if s.not_resources is not None or s.resources is None or "*" in s.resources:
        return None
    out: frozenset[int] = frozenset()
    targets: frozenset[int] = frozenset()  # reached through something other than a document
    for r in s.resources:
        if broad_resource(r):
            fit = cat.fitting(r)
            out |= fit
            if ":document/" not in r:
                targets |= fit
    if out:
        pinned = frozenset(cat.index[a.lower()] for a in _DOCUMENT_PINNED)
        docs = [r for r in s.resources if r.startswith("arn:") and ":document/" in r]
        if docs and not any(broad_resource(d) or d.rsplit("/", 1)[-1].lower() in RUNS_ANYTHING for d in docs):
            out = out - pinned
        out = out - (pinned - targets)  # every document, but which instances is another statement's to say
    return out


def broad_statement(s: Statement) -> bool:
    if s.not_resources is not None:
        return True  # everything except the listed resources
    if s.resources is None:
        return True
    return any(broad_resource(r) for r in s.resources)


def _deny_covers(deny: Statement, allow: Statement) -> bool:
    """Whether an unconditional Deny reaches every resource the Allow reaches."""
    if deny.conditions or deny.not_resources is not None:
        return False
    if deny.resources is None or "*" in deny.resources:
        return True
    if allow.resources is None or allow.not_resources is not None:
        return False
    # a "?"-only pattern is not taken to cover (conservative: the grant stays)
    return all(any(glob_match(d, a, case=True) and ("*" in d or d == a) for d in deny.resources)
               for a in allow.resources)


def _deny_spares_only_named(deny: Statement) -> bool:
    """An unconditional Deny of everything but named resources (NotResource): what it denies is left only on those."""
    return (not deny.conditions and deny.not_resources is not None and deny.resources is None
            and not any(broad_resource(r) for r in deny.not_resources))


def _needs_key(c: Condition) -> bool:
    """Whether a condition is false when its key is absent from the request (IAM's rule for a missing key: every
    operator fails but the negated ones, ...IfExists, ForAllValues, and Null: true)."""
    if c.if_exists or c.negated or c.qualifier == "forallvalues":
        return False
    if c.base == "null":
        return all(v.lower() == "false" for v in c.values)
    return True


def never_matching(s: Statement, cat: Catalog) -> frozenset[int]:
    """The actions an Allow names whose requests never carry a key its conditions require: it grants them nothing
    (``glue:*`` when ``glue:LakeFormationPermissions`` is ``Enabled`` does not grant ``glue:UpdateDevEndpoint``)."""
    keys = {c.key for c in s.conditions if _needs_key(c)}
    if not keys:
        return frozenset()
    return frozenset(i for i in statement_actions(s, cat) if any(cat.never_carries(i, k) for k in keys))


def grants(policy: Policy, cat: Catalog | None = None) -> Grants:
    cat = cat or catalog()
    uncond: set[int] = set()
    cond: set[int] = set()
    granting: dict[int, Statement] = {}
    broad_by: dict[int, frozenset[int]] = {}
    expanded = {s.index: statement_actions(s, cat) - never_matching(s, cat) for s in policy.statements if s.allows}
    denies = [(d, statement_actions(d, cat)) for d in policy.statements if not d.allows]
    for s in policy.statements:
        if not s.allows or s.principals is not None or s.not_principals is not None:
            continue
        acts = expanded[s.index]
        narrowed: frozenset[int] = frozenset()  # left only on the resources a Deny's NotResource names
        for d, denied in denies:
            if _deny_covers(d, s):
                acts = acts - denied
            elif _deny_spares_only_named(d):
                narrowed |= acts & denied
        if not acts:
            continue
        if broad_statement(s):
            reach = broad_reach(s, cat)
            wide = (acts if reach is None else acts & reach) - narrowed
            (cond if s.conditions else uncond).update(wide)
            if wide:
                broad_by[s.index] = wide
        granting[s.index] = s
    _documents_decide(policy, cat, uncond, cond, broad_by)
    return Grants(frozenset(uncond), frozenset(cond - uncond), granting, expanded, broad_by)


def _runs_anything(resource: str) -> bool:
    if resource == "*" or not resource.startswith("arn:"):
        return True
    if ":document/" not in resource:
        return False
    return broad_resource(resource) or resource.rsplit("/", 1)[-1].lower() in RUNS_ANYTHING


def _documents_decide(policy: Policy, cat: Catalog, uncond: set[int], cond: set[int],
                      broad_by: dict[int, frozenset[int]]) -> None:
    """ssm:SendCommand needs the instance and the document allowed: on every instance, it runs commands only if some
    Allow of the policy also reaches a document that runs what its caller passes. (StartSession is left alone:
    unless ssm:SessionDocumentAccessCheck asks for it, the default shell document is not checked at all.)"""
    for name in ("ssm:SendCommand", "ssm:CreateAssociation"):
        i = cat.index[name.lower()]
        if i not in uncond and i not in cond:
            continue
        reaching = [s for s in policy.statements if s.allows and s.principals is None and i in statement_actions(s, cat)]
        if any(s.resources is None or s.not_resources is not None or any(_runs_anything(r) for r in s.resources)
               for s in reaching):
            continue
        uncond.discard(i)
        cond.discard(i)
        for k in list(broad_by):
            broad_by[k] = broad_by[k] - {i}


@dataclass
class Escalation:
    method: Method
    actions: list[str]  # the granted actions that enable it
    conditional: bool


@dataclass
class Analysis:
    policy: Policy
    grants: Grants
    admin: bool = False
    admin_conditional: bool = False
    escalations: list[Escalation] = field(default_factory=list)
    data_exfiltration: list[str] = field(default_factory=list)
    credential_exposure: list[str] = field(default_factory=list)
    resource_exposure: list[str] = field(default_factory=list)  # permissions-management actions on *

    def statements_granting(self, action: str, broadly: bool = False) -> list[Statement]:
        """The Allow statements that grant ``action`` (``broadly``: on resources nobody named)."""
        i = catalog().index.get(action.lower())
        table = self.grants.broad_by if broadly else self.grants.expanded
        return [s for s in self.policy.statements if i is not None and i in table.get(s.index, ())]


def _condition_text(st: Statement) -> str:
    return "; ".join(f"{c.operator} {c.key} = {', '.join(c.values) if len(c.values) != 1 else c.values[0]}"
                     for c in st.conditions)


def explain(a: Analysis, e: Escalation) -> str:
    """One line: which statements grant the actions that enable an escalation, on what, and under which condition."""
    parts = []
    for act in e.actions:
        for st in a.statements_granting(act, broadly=True)[:1]:
            where = ", ".join(st.resources or ()) if st.resources is not None else \
                f"everything but {', '.join(st.not_resources or ())}"
            cond = _condition_text(st)
            parts.append(f"{st.label} grants {act} on {where}" + (f" when {cond}" if cond else ""))
    return "; ".join(parts)


ADMIN_SHARE = 0.95  # a grant covering this share of all actions, IAM included, is administrator access


# any one of these on every resource lets the holder give itself whatever else it lacks
SELF_GRANTING = ("iam:CreatePolicyVersion", "iam:PutUserPolicy", "iam:PutRolePolicy", "iam:PutGroupPolicy",
                 "iam:AttachUserPolicy", "iam:AttachRolePolicy", "iam:AttachGroupPolicy")


def is_admin(granted: frozenset[int], cat: Catalog) -> bool:
    """Every action (or all but a few) with IAM's permissions management, or with a way to grant itself the
    rest (``NotAction: iam:DeleteUser`` on ``*`` is administrator access): the holder can do anything."""
    if len(granted) < ADMIN_SHARE * len(cat):
        return False
    iam_pm = cat.expand("iam:*") & cat.of_level("P")
    return iam_pm <= granted or any(cat.index.get(a.lower()) in granted for a in SELF_GRANTING)


def _passed_to(policy: Policy, g: Grants, cat: Catalog) -> list[str] | None:
    """The services iam:PassRole may pass roles to (iam:PassedToService values), None when any."""
    i = cat.index["iam:passrole"]
    out: list[str] = []
    for s in policy.statements:
        if not s.allows or i not in g.broad_by.get(s.index, ()):
            continue
        conds = [c for c in s.conditions if c.lkey == "iam:passedtoservice"]
        if not conds or any(c.negated or c.if_exists or c.base not in ("stringequals", "stringlike",
                                                                        "stringequalsignorecase") for c in conds):
            return None
        out += [v for c in conds for v in c.values]
    return out


def _pinned(policy: Policy, g: Grants, cat: Catalog, action: str, key: str, escalating: tuple[str, ...]) -> bool:
    """Whether every statement granting ``action`` pins ``key`` to values none of which is in ``escalating``."""
    i = cat.index.get(action.lower())
    granting = [s for s in policy.statements if s.allows and i is not None and i in g.broad_by.get(s.index, ())]
    if not granting:
        return False
    for s in granting:
        conds = [c for c in s.conditions if c.lkey == key.lower() and _needs_key(c) and not c.negated]
        if not conds or any(glob_match(v, e) or glob_match(e, v) for c in conds for v in c.values for e in escalating):
            return False
    return True


def _names(cat: Catalog, wanted: tuple[str, ...], granted: frozenset[int]) -> list[str]:
    return [a for a in wanted if (i := cat.index.get(a.lower())) is not None and i in granted]


def analyze(policy: Policy, cat: Catalog | None = None) -> Analysis:
    """The identity-policy view of a document: what it lets its holder do on resources nobody listed."""
    cat = cat or catalog()
    g = grants(policy, cat)
    out = Analysis(policy, g)
    out.admin = is_admin(g.unconditional, cat)
    out.admin_conditional = not out.admin and is_admin(g.broad, cat)
    broad = g.broad
    if not out.admin:
        passed_to = _passed_to(policy, g, cat)
        for m in METHODS:
            hit = m.enabled_by(broad, cat)
            if hit is None:
                continue
            services = PASSED_TO.get(m.id)
            if services and passed_to is not None and not any(
                    glob_match(p, svc) for p in passed_to for svc in services):
                continue  # iam:PassRole only to other services
            if m.id in PINNED and _pinned(policy, g, cat, *PINNED[m.id]):
                continue
            conditional = not all(cat.index[a.lower()] in g.unconditional for a in hit)
            out.escalations.append(Escalation(m, hit, conditional))
    # exposure categories count unconditional grants: a condition (iam:PassedToService, a tag, a VPC) is what
    # narrows these actions in practice, while escalation above is reported even under one, and marked so
    plain = g.unconditional
    out.data_exfiltration = _names(cat, DATA_EXFILTRATION, plain)
    out.credential_exposure = _names(cat, CREDENTIAL_EXPOSURE, plain)
    out.resource_exposure = [a for a in cat.names(plain & cat.of_level("P")) if not _READS.match(a.split(":", 1)[1])]
    return out


# AWS files some reads under "Permissions management" (quicksight:DescribeDashboardPermissions): exposure is
# changing who can access a resource, not reading who can
_READS = re.compile(r"(Describe|Get|List|Search|View|Check|Preview|Validate|Simulate)[A-Z]|(GET|HEAD|OPTIONS)$")
