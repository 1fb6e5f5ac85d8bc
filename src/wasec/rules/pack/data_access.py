"""Access to data (SEC03-BP07, SEC08-BP04): public buckets, open resource policies, shared snapshots."""

from __future__ import annotations

import fnmatch
from typing import Any

from wasec.analyzers.policy import (
    is_full_wildcard,
    known_part,
    principal_values,
    public_statements,
    service_wildcard,
    statements,
)
from wasec.model.values import Unknown, UnknownValue
from wasec.rules.pack._common import expect, is_true, principal_account
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Pass, View

PUBLIC = ("SEC03-BP07", "SEC08-BP04")

ACCOUNT_BPA = "Wasec::S3::AccountPublicAccessBlock"


# -- S3 Block Public Access ---------------------------------------------------------------------------
_BPA = {
    "BlockPublicAcls": ("s3-block-public-acls", "S3 bucket blocks public ACLs", "new public ACLs can be set on the bucket and its objects"),
    "IgnorePublicAcls": ("s3-ignore-public-acls", "S3 bucket ignores public ACLs", "existing public ACLs on the bucket and its objects take effect"),
    "BlockPublicPolicy": ("s3-block-public-policy", "S3 bucket blocks public bucket policies", "a bucket policy can make the bucket public"),
    "RestrictPublicBuckets": ("s3-restrict-public-buckets", "S3 bucket restricts access when its policy is public", "a public bucket policy grants access to anyone"),
}


def _bpa_rule(setting: str, rule_id: str, title: str, consequence: str) -> None:
    @rule(rule_id, title=title, severity="high", types=["AWS::S3::Bucket"], area="data", category="exposure",
          wa=PUBLIC, cis=("3.1.4",), fsbp=("S3.8",), needs=[ACCOUNT_BPA],
          why=f"Block Public Access is the guard that keeps a mistake in an ACL or policy from exposing data; "
              f"with {setting} off, {consequence}. Infrastructure code should declare it: S3 turns it on for new "
              f"buckets, but a template that does not say so neither guarantees it for existing buckets nor stops "
              f"it from being switched off unreviewed.",
          fix=f"Set {setting} to true in the bucket's public access block.",
          tf='resource "aws_s3_bucket_public_access_block" "b" {\n  bucket                  = aws_s3_bucket.b.id\n  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}',
          cfn="PublicAccessBlockConfiguration:\n  BlockPublicAcls: true\n  BlockPublicPolicy: true\n  IgnorePublicAcls: true\n  RestrictPublicBuckets: true")
    def check(r: View) -> Any:
        if r.source == "aws" and any(is_true(a.properties.get(setting)) for a in r.peers(ACCOUNT_BPA)):
            return Pass(f"{setting} is on for the whole account")
        if r.raw("PublicAccessBlockConfiguration") is None:
            return Fail("PublicAccessBlockConfiguration", f"{setting} is not declared (left to S3 defaults)")
        v = r.get(f"PublicAccessBlockConfiguration.{setting}", False)
        if not is_true(v):
            return Fail(f"PublicAccessBlockConfiguration.{setting}", f"{setting} is off: {consequence}", v)
        return None


for _setting, (_id, _title, _why) in _BPA.items():
    _bpa_rule(_setting, _id, _title, _why)


_PUBLIC_ACLS = {"PublicRead": "anyone can list and read", "PublicReadWrite": "anyone can read and write",
                "AuthenticatedRead": "any AWS account can read"}
_PUBLIC_GRANTEES = ("http://acs.amazonaws.com/groups/global/AllUsers", "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")


@rule("s3-bucket-acl-public", title="S3 bucket ACL does not grant public access", severity="critical",
      types=["AWS::S3::Bucket"], area="data", category="exposure", wa=PUBLIC, fsbp=("S3.2", "S3.3"),
      why="A public-read ACL exposes every object to the internet; public-write lets anyone plant content.",
      fix="Use the private ACL (or disable ACLs with BucketOwnerEnforced object ownership) and grant access with policies.",
      tf='resource "aws_s3_bucket_ownership_controls" "b" {\n  bucket = aws_s3_bucket.b.id\n  rule {\n    object_ownership = "BucketOwnerEnforced"\n  }\n}',
      cfn="OwnershipControls:\n  Rules:\n    - ObjectOwnership: BucketOwnerEnforced")
def s3_acl(r: View) -> Any:
    fails = []
    with r.part():
        acl = r.get("AccessControl")
        if acl in _PUBLIC_ACLS:
            fails.append(Fail("AccessControl", f"canned ACL {acl}: {_PUBLIC_ACLS[acl]}", acl))
    with r.part():  # grants nobody can read (a bucket defined elsewhere) do not hide a public canned ACL
        for p, g in r.items("AccessControlPolicy.Grants"):
            uri = (g.get("Grantee") or {}).get("URI") if isinstance(g, dict) and isinstance(g.get("Grantee"), dict) else None
            if uri in _PUBLIC_GRANTEES:
                fails.append(Fail(f"{p}.Grantee.URI", f"grant to {uri.rsplit('/', 1)[-1]}", uri))
    return fails


def _public_policy(id: str, types: tuple[str, ...], path: str, title: str, what: str, fsbp: tuple[str, ...],
                   tf: str, cfn: str, cis: tuple[str, ...] = ("2.21",)) -> None:
    @rule(id, title=title, severity="critical", types=types, area="data", category="exposure", wa=PUBLIC, cis=cis,
          fsbp=fsbp,
          why=f"A policy that allows Principal \"*\" without a condition tying it to your organization, account, "
              f"network or source lets anyone on the internet {what}.",
          fix="Name the principals that need access, or add a restricting condition (aws:PrincipalOrgID, "
              "aws:SourceAccount, aws:SourceVpce…).", tf=tf, cfn=cfn)
    def check(r: View) -> Any:
        doc = r.raw(path)
        if doc is None:
            return None
        if isinstance(doc, Unknown):
            r.get(path)  # raises: the document is not known
        listed = isinstance(doc, dict) and isinstance(doc.get("Statement"), list)
        known, unread = known_part(doc)  # an Allow nobody can read may open more, never less
        r.undecided += [UnknownValue(why, f"{path}.Statement.{i}" if listed else path) for i, why in unread]
        return [Fail(f"{path}.Statement.{s.index}" if listed else path,
                     f"statement {s.data.get('Sid') or s.index} allows everyone", s.data.get("Action"))
                for s in public_statements(known)]


_public_policy("s3-bucket-policy-public", ("AWS::S3::Bucket",), "PolicyDocument", "S3 bucket policy does not allow public access",
               "read or change the bucket's data", ("S3.2", "S3.3"),
               tf='condition {\n  test     = "StringEquals"\n  variable = "aws:PrincipalOrgID"\n  values   = [var.org_id]\n}',
               cfn="Condition:\n  StringEquals:\n    aws:PrincipalOrgID: !Ref OrgId")
_public_policy("sqs-queue-policy-public", ("AWS::SQS::Queue",), "PolicyDocument", "SQS queue policy does not allow public access",
               "send, read or delete messages", ("SQS.3",),
               tf='condition {\n  test     = "ArnEquals"\n  variable = "aws:SourceArn"\n  values   = [aws_sns_topic.t.arn]\n}',
               cfn="Condition:\n  ArnEquals:\n    aws:SourceArn: !Ref Topic")
_public_policy("sns-topic-policy-public", ("AWS::SNS::Topic",), "PolicyDocument", "SNS topic policy does not allow public access",
               "publish to or subscribe to the topic", ("SNS.4",),
               tf='condition {\n  test     = "StringEquals"\n  variable = "aws:SourceAccount"\n  values   = [data.aws_caller_identity.current.account_id]\n}',
               cfn="Condition:\n  StringEquals:\n    aws:SourceAccount: !Ref AWS::AccountId")
_public_policy("ecr-repository-policy-public", ("AWS::ECR::Repository",), "RepositoryPolicyText",
               "ECR repository policy does not allow public access", "pull or push images", (),
               tf='principals {\n  type        = "AWS"\n  identifiers = ["arn:aws:iam::111122223333:root"]\n}',
               cfn="Principal:\n  AWS: arn:aws:iam::111122223333:root")
_public_policy("kms-key-policy-public", ("AWS::KMS::Key",), "KeyPolicy", "KMS key policy does not allow public access",
               "use or manage the key", ("KMS.5",),
               tf='principals {\n  type        = "AWS"\n  identifiers = ["arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"]\n}',
               cfn="Principal:\n  AWS: !Sub arn:aws:iam::${AWS::AccountId}:root")
_public_policy("secretsmanager-secret-policy-public", ("AWS::SecretsManager::Secret",), "ResourcePolicy",
               "Secrets Manager secret policy does not allow public access", "read the secret", (),
               tf='principals {\n  type        = "AWS"\n  identifiers = [aws_iam_role.app.arn]\n}',
               cfn="Principal:\n  AWS: !GetAtt AppRole.Arn")
_public_policy("glacier-vault-policy-public", ("Wasec::Glacier::Vault",), "AccessPolicy",
               "Glacier vault access policy does not allow public access", "retrieve or delete the vault's archives", (),
               tf='principals {\n  type        = "AWS"\n  identifiers = [aws_iam_role.archiver.arn]\n}',
               cfn="# Glacier vaults are no CloudFormation resource: set the vault access policy with the API")
_public_policy("efs-file-system-policy-public", ("AWS::EFS::FileSystem",), "FileSystemPolicy",
               "EFS file system policy does not allow public access", "mount and read the file system", (),
               tf='principals {\n  type        = "AWS"\n  identifiers = [aws_iam_role.app.arn]\n}',
               cfn="Principal:\n  AWS: !GetAtt AppRole.Arn")
_public_policy("opensearch-domain-policy-public", ("AWS::Elasticsearch::Domain", "AWS::OpenSearchService::Domain"),
               "AccessPolicies", "OpenSearch domain access policy does not allow public access", "query and change the domain",
               ("ES.2", "Opensearch.2"),
               tf='principals {\n  type        = "AWS"\n  identifiers = [aws_iam_role.search.arn]\n}',
               cfn="Principal:\n  AWS: !GetAtt SearchRole.Arn")
_public_policy("apigateway-resource-policy-public", ("AWS::ApiGateway::RestApi",), "Policy",
               "API Gateway resource policy does not allow public invoke without conditions", "invoke the API", (),
               tf='condition {\n  test     = "StringEquals"\n  variable = "aws:SourceVpce"\n  values   = [aws_vpc_endpoint.api.id]\n}',
               cfn="Condition:\n  StringEquals:\n    aws:SourceVpce: !Ref ApiEndpoint")


@rule("sqs-queue-policy-wildcard-actions", title="SQS queue policy does not grant all actions", severity="high",
      types=["AWS::SQS::Queue"], area="data", category="access", wa=("SEC03-BP02",),
      why="A grant of sqs:* (or *) lets the grantee delete the queue, purge it and change its policy, not just use it.",
      fix="Grant only the actions the consumer needs (sqs:SendMessage, sqs:ReceiveMessage…).",
      tf='actions = ["sqs:SendMessage"]', cfn="Action: sqs:SendMessage")
def sqs_wildcard(r: View) -> Any:
    doc = r.raw("PolicyDocument")
    if doc is None:
        return None
    fails = []
    for s in statements(r.get("PolicyDocument")):
        if not s.allows:
            continue
        for a in s.actions:
            if is_full_wildcard(a) or service_wildcard(a) == "sqs":
                fails.append(Fail(f"PolicyDocument.Statement.{s.index}.Action", f"statement grants {a}", a))
    return fails


@rule("ami-not-public", title="AMI is not shared publicly", severity="critical", types=["Wasec::EC2::Image"],
      area="data", category="exposure", wa=PUBLIC, why="A public AMI exposes its disk contents, including any secrets baked in.",
      fix="Share the AMI with specific accounts or your organization instead of \"all\".",
      tf='resource "aws_ami_launch_permission" "share" {\n  image_id   = aws_ami.app.id\n  account_id = "111122223333"\n}',
      cfn="# share AMIs with specific accounts only")
def ami_public(r: View) -> Any:
    return [Fail(f"{p}.Group", "the image is launchable by everyone", "all") for p, perm in r.items("LaunchPermissions")
            if isinstance(perm, dict) and str(perm.get("Group", "")).lower() == "all"]


@rule("rds-snapshot-not-public", title="RDS snapshot is not shared publicly", severity="critical",
      types=["Wasec::RDS::DBSnapshot"], area="data", category="exposure", wa=PUBLIC, fsbp=("RDS.1", "DocumentDB.3", "Neptune.3"),
      why="A public snapshot lets any AWS account restore your database.",
      fix="Remove \"all\" from the snapshot's shared accounts.", tf='shared_accounts = ["111122223333"]',
      cfn="# share snapshots with specific accounts only")
def rds_snapshot(r: View) -> Any:
    shared = r.get("SharedAccounts") or []
    if "all" in (shared if isinstance(shared, list) else [shared]):
        return Fail("SharedAccounts", "the snapshot is restorable by every AWS account", shared)
    return None


@rule("s3-account-public-access-block", title="Account-level S3 Block Public Access is fully on", severity="high",
      types=["Wasec::S3::AccountPublicAccessBlock"], area="data", category="exposure", wa=PUBLIC, cis=("3.1.4",),
      fsbp=("S3.1",), why="The account-level block is the last guard for every bucket, including ones created by hand.",
      fix="Turn on all four settings at the account level.",
      tf='resource "aws_s3_account_public_access_block" "this" {\n  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}',
      cfn="# set with the S3 Control API or aws_s3_account_public_access_block")
def account_bpa(r: View) -> Any:
    return [Fail(k, f"{k} is off at the account level", r.get(k)) for k in _BPA if not is_true(r.get(k, False))]


expect("ram-share-external-principals", types=["AWS::RAM::ResourceShare"], path="AllowExternalPrincipals", ok=lambda v: not is_true(v),
       default=True, message="the share can be given to principals outside the organization",
       title="RAM resource shares stay within the organization", severity="medium", area="identity", category="access",
       wa=("SEC03-BP08", "SEC03-BP07"),
       why="A share that allows external principals can hand subnets, transit gateways, license configurations or "
           "databases to any account, not just the organization's.",
       fix="Set allow external principals to false, and share with the organization or its OUs.",
       tf="allow_external_principals = false", cfn="AllowExternalPrincipals: false")


# -- what other accounts may do to a bucket ------------------------------------------------------------------
# the bucket-level actions that hand control of the bucket or its objects' access to whoever holds them
_CONTROL_ACTIONS = ("s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutBucketPolicy", "s3:PutEncryptionConfiguration",
                    "s3:PutObjectAcl")


def _grants(pattern: Any, action: str) -> bool:
    if not isinstance(pattern, str):
        return False
    return fnmatch.fnmatchcase(action.lower(), pattern.strip().lower())


@rule("s3-bucket-policy-cross-account-control", title="Bucket policies give other accounts no control of the bucket",
      severity="high", types=["AWS::S3::Bucket"], area="data", category="access", wa=("SEC03-BP07", "SEC03-BP09"),
      fsbp=("S3.6",), options={"trusted_accounts": []},
      why="An account allowed to change the bucket's policy, ACLs or default encryption can grant itself (or anyone) "
          "everything, lock the owner out or point encryption at its own key.",
      fix="Grant other accounts only the data actions they need (s3:GetObject, s3:PutObject), never policy, ACL or "
          "encryption changes.",
      tf='statement {\n  principals {\n    type        = "AWS"\n    identifiers = ["arn:aws:iam::111122223333:root"]\n  }\n'
         '  actions   = ["s3:GetObject"]\n  resources = ["${aws_s3_bucket.b.arn}/*"]\n}',
      cfn="Principal:\n  AWS: arn:aws:iam::111122223333:root\nAction: s3:GetObject\nResource: !Sub '${Bucket.Arn}/*'")
def bucket_cross_account(r: View) -> Any:
    doc = r.get("PolicyDocument")
    if doc is None:
        return None
    own = r.resource.account
    trusted = {str(a) for a in r.options.get("trusted_accounts", [])}
    fails = []
    for s in statements(doc):
        with r.part():
            if not s.allows or s.not_actions:
                continue
            granted = [a for a in _CONTROL_ACTIONS if any(_grants(p, a) for p in s.actions)]
            if not granted:
                continue
            for t, v in principal_values(s):
                if t != "AWS":
                    continue
                acct = principal_account(v)
                if acct is None or acct == "self" or acct == own or acct in trusted:
                    continue
                fails.append(Fail(f"PolicyDocument.Statement.{s.index}.Action",
                                  f"account {acct} may {', '.join(granted)}", acct))
    return fails


@rule("ec2-snapshot-not-public", title="EBS snapshots are not public", severity="critical",
      types=["Wasec::EC2::Snapshot"], area="data", category="exposure", wa=PUBLIC, scope="live", fsbp=("EC2.1",),
      why="Any AWS account can create a volume from a public snapshot and read the disk: databases, keys, logs.",
      fix="Remove the 'all' create-volume permission (aws ec2 modify-snapshot-attribute --create-volume-permission "
          "\"Remove=[{Group=all}]\"), and turn on block public access for snapshots.",
      tf='resource "aws_ebs_snapshot_block_public_access" "this" {\n  state = "block-all-sharing"\n}',
      cfn="# snapshot sharing is set with the EC2 API (modify-snapshot-attribute)")
def snapshot_public(r: View) -> Any:
    groups = r.get("CreateVolumePermissions") or []
    if any(isinstance(p, dict) and p.get("Group") == "all" for p in groups):
        return Fail("CreateVolumePermissions", "anyone may create a volume from the snapshot", "all")
    return None
