"""Identity and access management (SEC02, SEC03): least privilege, trust, credentials."""

from __future__ import annotations

import re
from typing import Any

from wasec.analyzers.policy import (
    allows_everything,
    analysis,
    denied_by,
    has_restricting_condition,
    is_everyone,
    is_full_wildcard,
    known_part,
    principal_values,
    service_wildcard,
    statements,
    to_policy,
)
from wasec.model.values import Unknown, UnknownValue
from wasec.rules.pack._common import (
    GRANT_TYPES,
    POLICY_TYPES,
    is_true,
    policy_documents,
    principal_account,
)
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, View

LEAST = ("SEC03-BP02",)


def _documents(r: View) -> list[tuple[str, Any]]:
    """(path, document) for every policy document the resource carries, as far as it is known.

    The rules over these documents judge what a policy grants, so an Allow statement nobody can read
    only leaves the rule undecided where nothing else fails (see :func:`known_part`); an unknown
    document, or an unknown Deny that could take a grant away, leaves that document undecided.
    """
    out = []
    for path, doc in policy_documents(r):
        if doc is None:
            continue
        with r.part():
            if isinstance(doc, Unknown):
                r.get(path)  # raises UnknownValue with the reason
            known, unread = known_part(doc)
            for i, why in unread:
                r.undecided.append(UnknownValue(why, _stmt_path(path, doc, i)))
            out.append((path, known))
    return out


def _stmt_path(path: str, doc: Any, index: int) -> str:
    listed = isinstance(doc, dict) and isinstance(doc.get("Statement"), list)
    return f"{path}.Statement.{index}" if listed else f"{path}.Statement"


def _statements(r: View) -> list[tuple[str, Any]]:
    """(path, Statement) for every statement of every policy the resource carries."""
    out = []
    for path, doc in _documents(r):
        stmts = statements(doc)
        for s in stmts:
            if s.allows and denied_by(s, stmts):
                continue  # an explicit deny in the same policy takes the grant away
            out.append((_stmt_path(path, doc, s.index), s))
    return out


def _analyses(r: View) -> list[tuple[str, Any, Any]]:
    """(path, document, wasec.iam Analysis) for every policy document the resource carries."""
    return [(path, doc, analysis(doc)) for path, doc in _documents(r)]


def _actions_of(st: Any) -> list[str]:
    return list(st.actions or st.not_actions or [])


def _granting(a: Any, action: str) -> list[Any]:
    """The Allow statements that grant ``action`` on every resource, unconditionally."""
    from wasec.iam.catalog import catalog  # the IAM engine loads when a scan has IAM to judge

    i = catalog().index.get(action.lower())
    if i is None or i not in a.grants.unconditional:
        return []
    return [s for s in a.statements_granting(action, broadly=True) if not s.principals and not s.conditions]


@rule("iam-policy-admin-access", title="IAM policy does not grant full administrative access", severity="critical",
      types=POLICY_TYPES, area="identity", category="access", wa=LEAST, cis=("2.14",), fsbp=("IAM.1",),
      why="A policy that allows * on * (or NotAction on *) makes its holder an administrator: one leaked credential "
          "or compromised workload owns the account.",
      fix="Grant the specific actions and resources the principal needs; keep administrator access to break-glass roles.",
      tf='statement {\n  actions   = ["s3:GetObject"]\n  resources = ["${aws_s3_bucket.data.arn}/*"]\n}',
      cfn="- Effect: Allow\n  Action: s3:GetObject\n  Resource: !Sub ${DataBucket.Arn}/*")
def admin_access(r: View) -> Any:
    fails = []
    for path, doc, a in _analyses(r):
        if not a.admin:
            continue
        for idx, st in sorted(a.grants.granting.items()):
            if st.conditions or st.index not in a.grants.broad_by:
                continue
            fails.append(Fail(_stmt_path(path, doc, idx), "the statement allows every action on every resource "
                              "(administrator access)", _actions_of(st)))
    return fails


@rule("iam-policy-privilege-escalation", title="IAM policy does not allow privilege escalation", severity="high",
      types=POLICY_TYPES, area="identity", category="access", wa=(*LEAST, "SEC03-BP06"),
      why="Some permissions let their holder give itself more: write a new policy version, attach a policy, create "
          "keys for another user, or pass a privileged role to a service it controls. Such a policy is an "
          "administrator one step removed.",
      fix="Remove the permission-management actions, scope iam:PassRole to the roles the workload launches (with "
          "iam:PassedToService), and scope credential actions to ${aws:username}.",
      tf='statement {\n  actions   = ["iam:PassRole"]\n  resources = [aws_iam_role.task.arn]\n}',
      cfn="- Effect: Allow\n  Action: iam:PassRole\n  Resource: !GetAtt TaskRole.Arn")
def privilege_escalation(r: View) -> Any:
    from wasec.iam.analysis import explain

    fails = []
    for path, doc, a in _analyses(r):
        if a.admin:
            fails.append(Fail(path, "the policy grants administrator access: every escalation method is open"))
        for e in a.escalations:
            stmts = [st for act in e.actions for st in a.statements_granting(act, broadly=True)]
            where = _stmt_path(path, doc, stmts[0].index) if stmts else path
            cond = " under a condition" if e.conditional else ""
            fails.append(Fail(where, f"{e.method.title}{cond}: {e.method.how} — {explain(a, e)}", e.actions))
    return fails


_INDEX = re.compile(r"\[(\d+)\]")  # Statement[0].Resource → Statement.0.Resource
# Access Analyzer's security warnings that no other rule already reports (PassRole on *: escalation)
_VALIDATION_WARNINGS = frozenset({"allow-with-notprincipal", "forallvalues-with-single-valued-key",
                                  "missing-paired-condition-keys"})


@rule("iam-policy-valid", title="IAM policies have no Access Analyzer errors or security warnings", severity="medium",
      types=POLICY_TYPES, area="identity", category="access", wa=LEAST,
      why="A policy AWS refuses fails the deployment; an element that does nothing (a misspelt condition key, a private "
          "address in aws:SourceIp, a region in an S3 ARN) silently grants or denies something else than was meant.",
      fix="Correct the element as the finding says (`wasec iam validate` shows every check, as IAM Access Analyzer's "
          "ValidatePolicy names them).",
      tf='condition {\n  test     = "IpAddress"\n  variable = "aws:SourceIp"\n  values   = ["203.0.113.0/24"]\n}',
      cfn="Condition:\n  IpAddress:\n    aws:SourceIp: 203.0.113.0/24")
def policy_valid(r: View) -> Any:
    from wasec.iam.policy import parse
    from wasec.iam.validate import validate

    fails = []
    for path, doc in _documents(r):
        if not isinstance(doc, dict):
            continue
        issues = validate(parse(doc), "identity")
        # a statement with an element unknown before deploy is neither valid nor invalid: undecided
        unread = {_statement_of(i.path) for i in issues if i.severity == "unknown"}
        for i in issues:
            where = path + "." + _INDEX.sub(r".\1", i.path) if i.path.startswith("Statement") else path
            if i.severity == "unknown":
                r.undecided.append(UnknownValue(i.message, where))
            elif _statement_of(i.path) in unread:
                continue
            elif i.severity == "error" or (i.severity == "security" and i.code in _VALIDATION_WARNINGS):
                fails.append(Fail(where, f"{i.code}: {i.message}", i.code))
    return fails


def _statement_of(path: str) -> str:
    """Statement[2].Condition.StringEquals → Statement[2]; a path outside statements is the whole document."""
    return path.split(".", 1)[0] if path.startswith("Statement") else ""


@rule("iam-policy-service-wildcard", title="IAM policy does not grant every action of a service", severity="high",
      types=POLICY_TYPES, area="identity", category="access", wa=LEAST, fsbp=("IAM.21",),
      why="Service-wide wildcards such as s3:* or iam:* include destructive and permission-management actions "
          "nobody intended to grant.",
      fix="List the actions the workload uses (the IAM Access Analyzer policy generator finds them from CloudTrail).",
      tf='actions = ["s3:GetObject", "s3:PutObject"]', cfn="Action: [s3:GetObject, s3:PutObject]")
def service_wildcards(r: View) -> Any:
    fails = []
    for p, s in _statements(r):
        if not s.allows or allows_everything(s):
            continue
        for a in s.actions:
            if isinstance(a, Unknown):
                continue
            svc = service_wildcard(a)
            if svc or (isinstance(a, str) and re.fullmatch(r"[a-z0-9-]*\*[a-z0-9-]*:\*", a.strip().lower() or "")):
                fails.append(Fail(f"{p}.Action", f"the statement grants {a}", a))
            elif is_full_wildcard(a) and not any(is_full_wildcard(x) for x in s.resources):
                fails.append(Fail(f"{p}.Action", "the statement grants every action (on specific resources)", a))
    return fails


_READ_PREFIXES = ("get", "list", "describe", "head", "batchget", "lookup", "search", "view", "query", "scan", "select",
                  "filter", "read")


def _write_action(a: str) -> bool:
    """A write, permissions or tagging action that could be scoped to resources.

    The action catalog decides where it knows the action: one that supports no resource-level
    permissions (``ec2:CreateKeyPair``…, ``logs:CreateLogDelivery``) can only be granted on ``*``, so
    ``*`` is not a choice anyone made. Unknown names fall back to their verb.
    """
    from wasec.iam.catalog import catalog

    cat = catalog()
    found = cat.expand(a)
    if found:
        return any(cat.actions[i].level in ("W", "P", "T") and cat.actions[i].resource_types for i in found)
    if ":" not in a:
        return True
    name = a.split(":", 1)[1].lower()
    return not name.startswith(_READ_PREFIXES)


@rule("iam-policy-wildcard-resource", title="IAM policy does not allow write actions on every resource",
      severity="medium", types=POLICY_TYPES, area="identity", category="access", wa=LEAST,
      why="Write and permission actions granted on Resource \"*\" reach every bucket, queue and key in the account, "
          "including ones created later.",
      fix="Scope the statement's resources to the ARNs the workload owns.",
      tf='resources = [aws_sqs_queue.jobs.arn]', cfn="Resource: !GetAtt JobsQueue.Arn")
def wildcard_resource(r: View) -> Any:
    fails = []
    for p, s in _statements(r):
        if not s.allows or allows_everything(s) or s.conditions:
            continue
        if not any(is_full_wildcard(x) for x in s.resources):
            continue
        writes = [a for a in s.actions if isinstance(a, str) and not is_full_wildcard(a) and not service_wildcard(a)
                  and _write_action(a)]
        if writes:
            fails.append(Fail(f"{p}.Resource", f"write actions ({', '.join(writes[:3])}) on every resource", "*"))
    return fails


@rule("iam-passrole-unrestricted", title="IAM policy does not allow iam:PassRole on every role", severity="high",
      types=POLICY_TYPES, area="identity", category="access", wa=LEAST,
      why="iam:PassRole on * lets the holder hand any role, administrator included, to a service it controls: a "
          "classic privilege escalation.",
      fix="Scope iam:PassRole to the role ARNs the workload launches, with an iam:PassedToService condition.",
      tf='statement {\n  actions   = ["iam:PassRole"]\n  resources = [aws_iam_role.task.arn]\n}',
      cfn="- Effect: Allow\n  Action: iam:PassRole\n  Resource: !GetAtt TaskRole.Arn")
def passrole(r: View) -> Any:
    fails = []
    for path, doc, a in _analyses(r):
        for st in _granting(a, "iam:PassRole"):
            fails.append(Fail(_stmt_path(path, doc, st.index) + ".Action", "iam:PassRole is allowed on every role",
                              _actions_of(st)))
    return fails


@rule("iam-kms-decrypt-all-keys", title="IAM policy does not allow decryption with every KMS key", severity="medium",
      types=POLICY_TYPES, area="identity", category="access", wa=LEAST, fsbp=("KMS.1", "KMS.2"),
      why="kms:Decrypt on * lets the principal read any data encrypted under any key it can reach.",
      fix="Scope kms:Decrypt to the key ARNs the workload uses.",
      tf='statement {\n  actions   = ["kms:Decrypt"]\n  resources = [aws_kms_key.app.arn]\n}',
      cfn="- Effect: Allow\n  Action: kms:Decrypt\n  Resource: !GetAtt AppKey.Arn")
def kms_decrypt_all(r: View) -> Any:
    fails = []
    for path, doc, a in _analyses(r):
        seen = set()
        for act in ("kms:Decrypt", "kms:ReEncryptFrom"):
            for st in _granting(a, act):
                if st.index not in seen:
                    seen.add(st.index)
                    fails.append(Fail(_stmt_path(path, doc, st.index) + ".Action",
                                      "decryption is allowed with every KMS key", _actions_of(st)))
    return fails


_ADMIN_POLICY = re.compile(r"arn:aws[\w-]*:iam::aws:policy/AdministratorAccess$")
_FULL_ACCESS = re.compile(r"arn:aws[\w-]*:iam::aws:policy/(?:[\w-]+/)*(\w+FullAccess)$")


def _managed_arns(r: View) -> list[tuple[str, Any]]:
    return [(p, v) for p, v in r.items("ManagedPolicies" if r.type == "AWS::SSO::PermissionSet" else "ManagedPolicyArns")]


def may_be(value: Unknown, literal: str) -> bool:
    """Whether an ARN known only at deploy time could be ``literal``: what is known of its text (unknown parts
    written ``${…}``) matches it, or nothing of it is known."""
    if value.text is None:
        return True
    pattern = ".*".join(re.escape(part) for part in re.split(r"\$\{[^}]*\}", value.text))
    return re.fullmatch(pattern, literal) is not None


def _undecided(r: View, path: str, arn: Unknown, literal: str, what: str) -> None:
    if may_be(arn, literal):
        r.undecided.append(UnknownValue(f"the policy ARN is known only at deploy time ({arn.reason}): it may be {what}",
                                        path))


@rule("iam-admin-policy-attached", title="AdministratorAccess is not attached to a user, group or role",
      severity="high", types=GRANT_TYPES, needs=["AWS::IAM::ManagedPolicy"], area="identity", category="access", wa=LEAST, cis=("2.14",),
      why="AdministratorAccess grants every action on every resource; attach it only to audited break-glass roles.",
      fix="Replace AdministratorAccess with a policy scoped to the job.",
      tf='policy_arn = aws_iam_policy.deployer.arn', cfn="ManagedPolicyArns:\n  - !Ref DeployerPolicy")
def admin_attached(r: View) -> Any:
    fails = []
    for p, arn in _managed_arns(r):
        if isinstance(arn, str) and _ADMIN_POLICY.match(arn):
            fails.append(Fail(p, "AdministratorAccess is attached", arn))
        elif isinstance(arn, (Unknown, str)):
            target = r.resolve(arn, "AWS::IAM::ManagedPolicy")
            if target is not None:
                doc = target.properties.get("PolicyDocument")
                if not isinstance(doc, Unknown) and analysis(doc).admin:
                    fails.append(Fail(p, f"{target.id} grants full administrative access", target.id))
            elif isinstance(arn, Unknown):
                _undecided(r, p, arn, "arn:aws:iam::aws:policy/AdministratorAccess", "AdministratorAccess")
    # a permission set names customer managed policies by name: the policy of that name in each account
    for p, ref in r.items("CustomerManagedPolicyReferences"):
        name = ref.get("Name") if isinstance(ref, dict) else None
        target = r.resolve(name, "AWS::IAM::ManagedPolicy") if isinstance(name, (str, Unknown)) else None
        if target is None:
            continue
        doc = target.properties.get("PolicyDocument")
        if isinstance(doc, dict) and analysis(doc).admin:
            fails.append(Fail(f"{p}.Name", f"{target.id} grants full administrative access", name))
    return fails


@rule("iam-full-access-policy-attached", title="AWS *FullAccess managed policies are not attached", severity="medium",
      types=GRANT_TYPES, area="identity", category="access", wa=LEAST,
      why="FullAccess managed policies grant every action of a service (for example AmazonS3FullAccess reaches every "
          "bucket in the account).",
      fix="Attach a customer managed policy scoped to the resources the principal uses.",
      tf='policy_arn = aws_iam_policy.read_reports.arn', cfn="ManagedPolicyArns:\n  - !Ref ReadReportsPolicy")
def full_access(r: View) -> Any:
    fails = []
    for p, arn in _managed_arns(r):
        if isinstance(arn, str) and (m := _FULL_ACCESS.match(arn)):
            fails.append(Fail(p, f"{m.group(1)} is attached", arn))
        elif isinstance(arn, Unknown) and r.resolve(arn, "AWS::IAM::ManagedPolicy") is None:
            _undecided(r, p, arn, "arn:aws:iam::aws:policy/AmazonS3FullAccess", "an AWS FullAccess policy")
    return fails


@rule("iam-managed-policy-escalation", title="No AWS managed policy attached lets its holder escalate",
      severity="high", types=GRANT_TYPES, area="identity", category="access", wa=(*LEAST, "SEC03-BP06"),
      why="An AWS managed policy is named by ARN, but it grants what its document says: some (IAMFullAccess, "
          "AWSLambda_FullAccess, AmazonSageMakerFullAccess …) let their holder pass any role to a service it "
          "controls, rewrite policies or mint credentials — an administrator one step removed.",
      fix="Replace it with a customer managed policy scoped to the job (iam:PassRole to the roles it launches).",
      tf='policy_arn = aws_iam_policy.deploy_functions.arn', cfn="ManagedPolicyArns:\n  - !Ref DeployFunctionsPolicy")
def managed_policy_escalation(r: View) -> Any:
    from wasec.iam.managed import document, name_of

    fails = []
    for p, arn in _managed_arns(r):
        if not isinstance(arn, str) or _ADMIN_POLICY.match(arn):
            continue  # AdministratorAccess is iam-admin-policy-attached's
        doc = document(arn)
        if doc is None:
            continue
        a = analysis(doc)
        methods = [e for e in a.escalations if not e.conditional]
        if methods:
            first = methods[0]
            more = f" (and {len(methods) - 1} more method{'s' if len(methods) > 2 else ''})" if len(methods) > 1 else ""
            fails.append(Fail(p, f"{name_of(arn)} lets its holder escalate: {first.method.title} (enabled by "
                                 f"{', '.join(first.actions)}){more}", arn))
    return fails


@rule("iam-user-direct-policies", title="IAM users receive permissions only through groups", severity="low",
      types=["AWS::IAM::User"], area="identity", category="access", wa=("SEC02-BP06", "SEC03-BP02"), cis=("2.13",),
      fsbp=("IAM.2",),
      why="Policies attached to individual users are hard to review and outlive the job they were granted for.",
      fix="Attach policies to groups (or better, use roles with federation) and add users to groups.",
      tf='resource "aws_iam_group_policy_attachment" "dev" {\n  group      = aws_iam_group.developers.name\n  policy_arn = aws_iam_policy.dev.arn\n}',
      cfn="Groups:\n  - !Ref Developers")
def user_policies(r: View) -> Any:
    fails = []
    if r.items("Policies"):
        fails.append(Fail("Policies", "the user has inline policies"))
    if r.items("ManagedPolicyArns"):
        fails.append(Fail("ManagedPolicyArns", "managed policies are attached to the user"))
    return fails


@rule("iam-user-in-group", title="IAM users belong to a group", severity="low", types=["AWS::IAM::User"], area="identity",
      category="access", wa=("SEC03-BP02", "SEC02-BP06"), optional=True,
      why="Groups are where permissions are meant to be granted and reviewed; a user in no group has either nothing "
          "to do (remove it) or permissions attached some other way that a review of the groups misses.",
      fix="Add the user to the group of its job function (or remove the user).",
      tf='resource "aws_iam_user_group_membership" "alice" {\n  user   = aws_iam_user.alice.name\n'
         '  groups = [aws_iam_group.developers.name]\n}',
      cfn="Groups:\n  - !Ref Developers")
def user_in_group(r: View) -> Any:
    if not r.present("Groups"):
        return Fail("", f"IAM user {r.get('UserName') or r.resource.id} is in no group")
    return None


@rule("iam-user-in-code", title="People sign in through a federated identity provider, not as IAM users declared in code",
      severity="low", types=["AWS::IAM::User"], area="identity", category="access", wa=("SEC02-BP04", "SEC02-BP06"),
      scope="code", optional=True,
      why="An IAM user is a second identity for a person, with its own password and keys to protect, rotate and "
          "remove when they leave; IAM Identity Center or a federated IdP keeps one identity, one MFA, one off switch.",
      fix="Give people access through IAM Identity Center permission sets (or roles assumed from your IdP).",
      tf='resource "aws_ssoadmin_permission_set" "developers" {\n  name         = "Developers"\n'
         '  instance_arn = tolist(data.aws_ssoadmin_instances.main.arns)[0]\n}',
      cfn="Type: AWS::SSO::PermissionSet\nProperties:\n  Name: Developers\n  InstanceArn: !Ref SsoInstanceArn")
def user_in_code(r: View) -> Any:
    return Fail("", f"IAM user {r.get('UserName') or r.resource.id} is declared")


@rule("iam-access-key-in-code", title="IAM access keys are not created as code", severity="medium",
      types=["AWS::IAM::AccessKey"], area="identity", category="secret", wa=("SEC02-BP02", "SEC02-BP05"), scope="code",
      why="A long-lived access key created by a template lands in its state or outputs, never expires and is the "
          "most common credential leaked. Workloads should use roles; people should use federation.",
      fix="Use an IAM role (instance profile, task role, IRSA, OIDC for CI) instead of an access key.",
      tf='resource "aws_iam_role" "ci" {\n  assume_role_policy = data.aws_iam_policy_document.github_oidc.json\n}',
      cfn="# use a role with a web identity trust instead of AWS::IAM::AccessKey")
def access_key(r: View) -> Any:
    status = r.get("Status", "Active")
    if str(status) == "Inactive":
        return Skip("the key is inactive")
    return Fail("", f"a long-lived access key is created for {r.get('UserName') or 'a user'}")


@rule("iam-trust-policy-public", title="IAM role cannot be assumed by anyone", severity="critical",
      types=["AWS::IAM::Role"], area="identity", category="exposure", wa=("SEC03-BP07", "SEC03-BP02"), cis=("2.21",),
      why="A trust policy with Principal \"*\" and no restricting condition lets any AWS account assume the role.",
      fix="Name the accounts, roles or services that may assume the role, and add sts:ExternalId or "
          "aws:PrincipalOrgID for third parties.",
      tf='principals {\n  type        = "AWS"\n  identifiers = ["arn:aws:iam::111122223333:role/deployer"]\n}',
      cfn="Principal:\n  AWS: arn:aws:iam::111122223333:role/deployer")
def trust_public(r: View) -> Any:
    from wasec.iam.exposure import exposures

    doc = r.get("AssumeRolePolicyDocument")
    if doc is None:
        return None
    fails = []
    for e in exposures(to_policy(doc), trust_policy=True):
        if e.kind not in ("public", "open-federation"):
            continue
        where = _stmt_path("AssumeRolePolicyDocument", doc, e.statement.index)
        msg = "anyone may assume the role" if e.kind == "public" else e.detail
        fails.append(Fail(f"{where}.Principal", msg, e.principal))
    return fails


@rule("iam-trust-cross-account-condition", title="Cross-account role trust requires an external id or organization",
      severity="medium", types=["AWS::IAM::Role"], area="identity", category="access", wa=("SEC03-BP09", "SEC03-BP07"),
      options={"trusted_accounts": []},
      why="A role that trusts another account without sts:ExternalId (or aws:PrincipalOrgID) is open to the "
          "confused-deputy problem: anyone the other account acts for can make it assume your role.",
      fix="Require sts:ExternalId for third parties, aws:PrincipalOrgID for your organization, or list the account "
          "under trusted_accounts in .wasec/config.yml.",
      tf='condition {\n  test     = "StringEquals"\n  variable = "sts:ExternalId"\n  values   = [var.external_id]\n}',
      cfn="Condition:\n  StringEquals:\n    sts:ExternalId: !Ref ExternalId")
def trust_cross_account(r: View) -> Any:
    doc = r.get("AssumeRolePolicyDocument")
    if doc is None:
        return None
    trusted = {str(a) for a in r.options.get("trusted_accounts", [])}
    fails = []
    for s in statements(doc):
        if not s.allows or has_restricting_condition(s):
            continue
        if any(str(k).startswith("aws:multifactorauth") for k in s.condition_keys()):
            continue
        for t, v in principal_values(s):
            if t != "AWS" or is_everyone(t, v):
                continue
            acct = principal_account(v)
            if acct is None or acct == "self" or acct in trusted:
                continue
            fails.append(Fail(f"AssumeRolePolicyDocument.Statement.{s.index}.Principal",
                              f"account {acct} may assume the role without sts:ExternalId or aws:PrincipalOrgID", acct))
    return fails


# -- account password policy ------------------------------------------------------------------------------
_PW = "Wasec::IAM::AccountPasswordPolicy"


def _pw_rule(id: str, title: str, prop: str, ok: Any, message: str, cis: tuple[str, ...], tf: str,
             options: dict[str, Any] | None = None) -> None:
    @rule(id, title=title, severity="medium", types=[_PW], area="identity", category="hardening",
          wa=("SEC02-BP01",), cis=cis, fsbp=("IAM.7",), options=options,
          why="Console passwords are the one credential people choose themselves; the account policy is what "
              "stops weak and reused ones.",
          fix="Strengthen the account password policy (and prefer federation with MFA over IAM users).",
          tf=f'resource "aws_iam_account_password_policy" "strict" {{\n  {tf}\n}}',
          cfn="# the account password policy is set with the IAM API (aws_iam_account_password_policy in Terraform)")
    def check(r: View) -> Any:
        v = r.get(prop)
        if not ok(v, r.options):
            return Fail(prop, message.format(v=v, **r.options), v)
        return None


_pw_rule("iam-password-min-length", "Password policy requires at least 14 characters", "MinimumPasswordLength",
         lambda v, o: isinstance(v, int) and v >= o["min"], "minimum length is {v}, below {min}", ("2.8",),
         "minimum_password_length = 14", {"min": 14})
_pw_rule("iam-password-reuse-prevention", "Password policy prevents reuse of the last 24 passwords",
         "PasswordReusePrevention", lambda v, o: isinstance(v, int) and v >= o["min"],
         "remembers {v} previous passwords, fewer than {min}", ("2.9",), "password_reuse_prevention = 24", {"min": 24})
_pw_rule("iam-password-require-symbols", "Password policy requires a symbol", "RequireSymbols",
         lambda v, o: is_true(v), "symbols are not required", (), "require_symbols = true")
_pw_rule("iam-password-require-numbers", "Password policy requires a number", "RequireNumbers",
         lambda v, o: is_true(v), "numbers are not required", (), "require_numbers = true")
_pw_rule("iam-password-require-uppercase", "Password policy requires an uppercase letter", "RequireUppercaseCharacters",
         lambda v, o: is_true(v), "uppercase letters are not required", (), "require_uppercase_characters = true")
_pw_rule("iam-password-require-lowercase", "Password policy requires a lowercase letter", "RequireLowercaseCharacters",
         lambda v, o: is_true(v), "lowercase letters are not required", (), "require_lowercase_characters = true")
_pw_rule("iam-password-max-age", "Passwords expire within 90 days", "MaxPasswordAge",
         lambda v, o: isinstance(v, int) and 0 < v <= o["max"], "passwords never expire or live longer than {max} days",
         (), "max_password_age = 90", {"max": 90})


@rule("ec2-instance-role", title="EC2 instances reach AWS with an instance role", severity="medium",
      types=["AWS::EC2::Instance"], area="identity", category="access", wa=("SEC02-BP02",), cis=("2.16",),
      why="An instance profile gives the instance temporary credentials that rotate themselves; without one, "
          "software on it that calls AWS uses long-lived keys kept on disk or in user data.",
      fix="Attach an instance profile whose role grants what the software needs (and nothing when it needs nothing).",
      tf="iam_instance_profile = aws_iam_instance_profile.app.name", cfn="IamInstanceProfile: !Ref AppInstanceProfile")
def instance_role(r: View) -> Any:
    if not r.present("IamInstanceProfile"):
        return Fail("", "the instance has no instance profile (no role)")
    return None
