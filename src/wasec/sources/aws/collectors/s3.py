"""S3: each bucket with its encryption, public access block, versioning, logging, policy, ACL and
object lock merged into one ``AWS::S3::Bucket`` (as CloudFormation describes a bucket), and the
account-level Block Public Access."""

from __future__ import annotations

import json
from typing import Any

from wasec.model.resource import Resource
from wasec.model.values import Unknown
from wasec.sources.aws.spec import Ctx, collector, known, tag_list

BUCKET_CALLS = ("GetBucketLocation", "GetBucketEncryption", "GetPublicAccessBlock", "GetBucketVersioning",
                "GetBucketLogging", "GetBucketPolicy", "GetBucketAcl", "GetObjectLockConfiguration",
                "GetBucketOwnershipControls", "GetBucketTagging", "GetBucketLifecycleConfiguration")


def _region(ctx: Ctx, b: dict[str, Any]) -> str | Unknown:
    if b.get("BucketRegion"):
        return str(b["BucketRegion"])
    loc = ctx.item("GetBucketLocation", Bucket=b["Name"])
    if isinstance(loc, Unknown):
        return loc
    c = (loc or {}).get("LocationConstraint")
    return str({None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(c, c))


def _bucket(ctx: Ctx, b: dict[str, Any]) -> Resource:
    name = b["Name"]
    region = _region(ctx, b)
    where = ctx.region if isinstance(region, Unknown) else region

    def get(op: str, *absent: str) -> Any:
        return ctx.item(op, absent=absent, region=where, Bucket=name)

    props: dict[str, Any] = {"BucketName": name}
    enc = get("GetBucketEncryption", "ServerSideEncryptionConfigurationNotFoundError")
    rules = known(enc, "ServerSideEncryptionConfiguration", "Rules")
    if isinstance(rules, Unknown):
        props["BucketEncryption"] = rules
    elif rules:
        props["BucketEncryption"] = {"ServerSideEncryptionConfiguration": [
            {"ServerSideEncryptionByDefault": r.get("ApplyServerSideEncryptionByDefault", {}),
             "BucketKeyEnabled": r.get("BucketKeyEnabled", False)} for r in rules]}
    pab = get("GetPublicAccessBlock", "NoSuchPublicAccessBlockConfiguration")
    if pab is not None:
        props["PublicAccessBlockConfiguration"] = known(pab, "PublicAccessBlockConfiguration")
    ver = get("GetBucketVersioning")
    if isinstance(ver, Unknown):
        props["VersioningConfiguration"] = ver
    elif ver and ver.get("Status"):
        props["VersioningConfiguration"] = {"Status": ver["Status"], "MfaDelete": ver.get("MFADelete", "Disabled")}
    log = get("GetBucketLogging")
    target = known(log, "LoggingEnabled")
    if isinstance(target, Unknown):
        props["LoggingConfiguration"] = target
    elif target:
        props["LoggingConfiguration"] = {"DestinationBucketName": target.get("TargetBucket"),
                                         "LogFilePrefix": target.get("TargetPrefix")}
    pol = get("GetBucketPolicy", "NoSuchBucketPolicy")
    if pol is not None:
        props["PolicyDocument"] = pol if isinstance(pol, Unknown) else _json(pol.get("Policy"))
    life = get("GetBucketLifecycleConfiguration", "NoSuchLifecycleConfiguration")
    if life is not None:
        rules_life = known(life, "Rules")
        props["LifecycleConfiguration"] = rules_life if isinstance(rules_life, Unknown) else {
            "Rules": [{"Id": x.get("ID"), "Status": x.get("Status")} for x in rules_life or ()]}
    own = get("GetBucketOwnershipControls", "OwnershipControlsNotFoundError")
    rules_own = known(own, "OwnershipControls", "Rules")
    if rules_own is not None:
        props["OwnershipControls"] = rules_own if isinstance(rules_own, Unknown) else {"Rules": rules_own}
    acl_disabled = isinstance(rules_own, list) and any(r.get("ObjectOwnership") == "BucketOwnerEnforced" for r in rules_own)
    if not acl_disabled:
        acl = get("GetBucketAcl")
        grants = known(acl, "Grants")
        props["AccessControlPolicy"] = grants if isinstance(grants, Unknown) else {"Grants": grants or []}
    lock = get("GetObjectLockConfiguration", "ObjectLockConfigurationNotFoundError")
    cfg = known(lock, "ObjectLockConfiguration")
    if isinstance(cfg, Unknown):
        props["ObjectLockEnabled"] = cfg
    elif cfg:
        props["ObjectLockEnabled"] = cfg.get("ObjectLockEnabled") == "Enabled"
        props["ObjectLockConfiguration"] = cfg
    tags = known(get("GetBucketTagging", "NoSuchTagSet"), "TagSet")
    if isinstance(tags, list):
        props["Tags"] = tag_list(tags)
    return ctx.resource("AWS::S3::Bucket", name, props, arn=f"arn:{ctx.partition}:s3:::{name}",
                        names=[f"{name}.s3.amazonaws.com"], tags=tags if isinstance(tags, list) else None,
                        region=region if isinstance(region, str) else None)


def _json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return Unknown("the bucket policy is not valid JSON")


@collector("s3", scope="global", types=["AWS::S3::Bucket"], calls=["ListBuckets", *BUCKET_CALLS])
def buckets(ctx: Ctx) -> list[Resource]:
    listed = ctx.pages("ListBuckets", "Buckets")
    return ctx.map(lambda b: _bucket(ctx, b), listed)


@collector("s3control", scope="global", types=["Wasec::S3::AccountPublicAccessBlock"], calls=["GetPublicAccessBlock"])
def account_public_access_block(ctx: Ctx) -> list[Resource]:
    answer = ctx.call("GetPublicAccessBlock", absent=("NoSuchPublicAccessBlockConfiguration",), AccountId=ctx.account)
    cfg = (answer or {}).get("PublicAccessBlockConfiguration", {})
    keys = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    return [ctx.resource("Wasec::S3::AccountPublicAccessBlock", f"{ctx.account}/s3-public-access-block",
                         {k: bool(cfg.get(k, False)) for k in keys}, region=None)]


@collector("s3control", types=["AWS::S3::AccessPoint"], calls=["ListAccessPoints", "GetAccessPoint"])
def access_points(ctx: Ctx) -> list[Resource]:
    def one(ap: dict[str, Any]) -> Resource:
        d = ctx.item("GetAccessPoint", AccountId=ctx.account, Name=ap["Name"])
        block = known(d, "PublicAccessBlockConfiguration")
        return ctx.resource("AWS::S3::AccessPoint", ap["Name"], {
            "Name": ap["Name"], "Bucket": ap.get("Bucket"), "NetworkOrigin": ap.get("NetworkOrigin"),
            # an access point always has the four settings; an answer without them reads as the default (all on)
            "PublicAccessBlockConfiguration": block if isinstance(block, Unknown) else block or {},
        }, arn=ap.get("AccessPointArn"))

    return ctx.map(one, ctx.pages("ListAccessPoints", "AccessPointList", AccountId=ctx.account))
