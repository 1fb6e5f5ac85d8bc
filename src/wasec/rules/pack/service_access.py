"""Who may use a service and as whom (SEC03-BP02, SEC02): no anonymous or unauthenticated access, access
points pinned to an identity, containers that do not share the host, buckets governed by policies."""

from __future__ import annotations

from typing import Any

from wasec.rules.pack._common import expect, is_true
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, View

LEAST = ("SEC03-BP02",)


@rule("efs-access-point-root-directory", title="EFS access points confine clients to a directory", severity="medium",
      types=["AWS::EFS::AccessPoint"], area="identity", category="access", wa=LEAST, fsbp=("EFS.3",),
      why="An access point whose root is / lets every client that uses it see the whole file system.",
      fix="Give the access point a root directory of its own.", tf='root_directory {\n  path = "/app"\n}',
      cfn="RootDirectory:\n  Path: /app")
def efs_root(r: View) -> Any:
    path = str(r.get("RootDirectory.Path", "/") or "/")
    if path.rstrip("/") == "":
        return Fail("RootDirectory.Path" if r.present("RootDirectory") else "", "the access point exposes the file system's root")
    return None


expect("efs-access-point-user", types=["AWS::EFS::AccessPoint"], path="PosixUser",
       message="clients choose their own user and group on the file system",
       title="EFS access points enforce a user identity", severity="medium", area="identity", category="access",
       wa=LEAST, fsbp=("EFS.4",),
       why="Without a POSIX user on the access point, each client's own user and group (root included) decide what "
           "it may read and write.",
       fix="Set the POSIX user (uid, gid) the access point imposes.", tf="posix_user {\n  uid = 1000\n  gid = 1000\n}",
       cfn="PosixUser:\n  Uid: '1000'\n  Gid: '1000'")


@rule("ecs-host-network-privileged", title="ECS tasks on the host network run unprivileged, as a user", severity="high",
      types=["AWS::ECS::TaskDefinition"], area="infrastructure", category="hardening", wa=("SEC06-BP02", *LEAST),
      fsbp=("ECS.1",),
      why="A container on the host network that is privileged, or root, is root on the instance's network stack: it can "
          "sniff, spoof and reach everything the instance can, the metadata service included.",
      fix="Use the awsvpc network mode; if host is needed, run unprivileged as a non-root user.",
      tf='network_mode = "awsvpc"', cfn="NetworkMode: awsvpc")
def ecs_host(r: View) -> Any:
    if str(r.get("NetworkMode", "bridge")).lower() != "host":
        return Skip("not the host network mode")
    fails = []
    for p, c in r.items("ContainerDefinitions"):
        if not isinstance(c, dict):
            continue
        user = str(r.get(f"{p}.User") or "")
        if is_true(r.get(f"{p}.Privileged", False)):
            fails.append(Fail(f"{p}.Privileged", f"container {c.get('Name', p)} is privileged on the host network", True))
        elif user in ("", "root", "0") or user.startswith(("root:", "0:")):
            fails.append(Fail(f"{p}.User" if user else p, f"container {c.get('Name', p)} runs as root on the host network",
                              user or None))
    return fails


@rule("msk-unauthenticated-access", title="MSK clusters refuse unauthenticated clients", severity="medium",
      types=["AWS::MSK::Cluster"], area="identity", category="access", wa=(*LEAST, "SEC02-BP01"), fsbp=("MSK.6",),
      why="With unauthenticated access on, anyone who reaches the brokers can produce and consume every topic.",
      fix="Turn unauthenticated access off and use IAM, SASL/SCRAM or mutual TLS.",
      tf="client_authentication {\n  unauthenticated = false\n  sasl {\n    iam = true\n  }\n}",
      cfn="ClientAuthentication:\n  Unauthenticated:\n    Enabled: false\n  Sasl:\n    Iam:\n      Enabled: true")
def msk_unauthenticated(r: View) -> Any:
    v = r.get("ClientAuthentication.Unauthenticated.Enabled")
    if v is None:
        auth = r.get("ClientAuthentication")
        # without any client authentication configured, MSK accepts unauthenticated clients
        if isinstance(auth, dict) and any(k in auth for k in ("Sasl", "Tls")):
            return None
        return Fail("ClientAuthentication" if auth is not None else "", "no client authentication is required")
    if is_true(v):
        return Fail("ClientAuthentication.Unauthenticated.Enabled", "unauthenticated clients are accepted", True)
    return None


@rule("opensearch-fine-grained-access", title="OpenSearch domains use fine-grained access control", severity="high",
      types=["AWS::OpenSearchService::Domain"], area="identity", category="access", wa=LEAST, fsbp=("Opensearch.7",),
      why="Fine-grained access control restricts who reads which index, document and field; without it any principal "
          "the domain policy lets in reads everything.",
      fix="Enable advanced security options (fine-grained access control) with an IAM or internal master user.",
      tf="advanced_security_options {\n  enabled                        = true\n  internal_user_database_enabled = false\n"
         "  master_user_options {\n    master_user_arn = aws_iam_role.search_admin.arn\n  }\n}",
      cfn="AdvancedSecurityOptions:\n  Enabled: true\n  MasterUserOptions:\n    MasterUserARN: !GetAtt SearchAdmin.Arn")
def opensearch_fgac(r: View) -> Any:
    if not is_true(r.get("AdvancedSecurityOptions.Enabled", False)):
        return Fail("AdvancedSecurityOptions" if r.present("AdvancedSecurityOptions") else "",
                    "fine-grained access control is off")
    return None


expect("cognito-identity-pool-unauthenticated", types=["AWS::Cognito::IdentityPool"],
       path="AllowUnauthenticatedIdentities", ok=lambda v: not is_true(v), default=False,
       message="the identity pool hands AWS credentials to unauthenticated guests",
       title="Cognito identity pools give no credentials to unauthenticated identities", severity="medium",
       area="identity", category="access", wa=("SEC02-BP01", *LEAST), fsbp=("Cognito.2",),
       why="Guest identities get credentials of the unauthenticated role without signing in: anyone on the internet "
           "can call what that role allows.",
       fix="Turn unauthenticated identities off (or make the guest role allow nothing sensitive).",
       tf="allow_unauthenticated_identities = false", cfn="AllowUnauthenticatedIdentities: false")


@rule("s3-acls-disabled", title="S3 buckets do not use ACLs (bucket owner enforced)", severity="medium",
      types=["AWS::S3::Bucket"], area="identity", category="access", wa=(*LEAST, "SEC08-BP04"), fsbp=("S3.12",),
      why="ACLs grant access outside bucket policies and IAM, per object, where no review sees them; with object "
          "ownership set to bucket owner enforced, ACLs are off and policies alone decide.",
      fix="Set object ownership to BucketOwnerEnforced (the default for new buckets since April 2023).",
      tf='resource "aws_s3_bucket_ownership_controls" "b" {\n  bucket = aws_s3_bucket.b.id\n  rule {\n'
         '    object_ownership = "BucketOwnerEnforced"\n  }\n}',
      cfn="OwnershipControls:\n  Rules:\n    - ObjectOwnership: BucketOwnerEnforced")
def acls_disabled(r: View) -> Any:
    rules = r.get("OwnershipControls.Rules")
    owner = [(i, x.get("ObjectOwnership")) for i, x in enumerate(rules if isinstance(rules, list) else [])
             if isinstance(x, dict)]
    if owner:
        if all(o != "BucketOwnerEnforced" for _, o in owner):
            i, o = owner[0]
            return Fail(f"OwnershipControls.Rules.{i}.ObjectOwnership", f"object ownership is {o}: ACLs are in use", o)
        return None
    if r.source == "aws":
        return Fail("", "no ownership controls: ACLs are in use")
    acl = r.get("AccessControl")
    if acl not in (None, "Private") or r.present("AccessControlPolicy"):
        return Fail("AccessControl" if acl is not None else "AccessControlPolicy", "the bucket sets an ACL", acl)
    return None  # a new bucket's default: bucket owner enforced
