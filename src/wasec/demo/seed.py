"""A realistic emulated account: secure and insecure resources side by side, in two regions.

``seed`` builds it through the public APIs (as a person or a pipeline would) and returns what it
planted: each deliberate misconfiguration with the wasec rule that must find it, so the demo can
show them, the tests can assert them and the benchmark can compare tools on them. ``scale``
repeats the resource mix for benchmarks (a few hundred resources at scale 10). Secret-looking
values are generated at run time and are not credentials for anything.
"""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass, field
from typing import Any

REGIONS = ("us-east-1", "eu-west-1")


@dataclass
class Planted:
    rule: str
    resource: str  # a name or id the finding's resource id contains
    region: str | None = None
    why: str = ""


@dataclass
class Seeded:
    account: str
    regions: tuple[str, ...]
    planted: list[Planted] = field(default_factory=list)
    resources: int = 0

    def plant(self, rule: str, resource: str, region: str | None = None, why: str = "") -> None:
        self.planted.append(Planted(rule, resource, region, why))


def _fake_key_pair() -> tuple[str, str]:
    """An access-key-shaped pair made up now (it authenticates nowhere)."""
    kid = "AKIA" + "".join(secrets.choice(string.ascii_uppercase + "234567") for _ in range(16))
    secret = "".join(secrets.choice(string.ascii_letters + string.digits + "/+") for _ in range(40))
    return kid, secret


def _policy(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def seed(scale: int = 1, regions: tuple[str, ...] = REGIONS) -> Seeded:
    """Build the account (boto3 must already point at the emulator)."""
    import boto3

    account = boto3.client("sts", region_name=regions[0]).get_caller_identity()["Account"]
    out = Seeded(account, regions)
    _identity(out, regions[0], scale)
    _storage(out, regions[0], scale)
    for i, region in enumerate(regions):
        _regional(out, region, scale, first=i == 0)
    return out


def _identity(out: Seeded, region: str, scale: int) -> None:
    import boto3

    iam = boto3.client("iam", region_name=region)
    iam.update_account_password_policy(MinimumPasswordLength=8, RequireSymbols=False, RequireNumbers=True)
    out.plant("iam-password-min-length", "password-policy", why="minimum length 8")
    trust_ec2 = _policy([{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}])
    for n in range(scale):
        sfx = "" if n == 0 else f"-{n}"
        iam.create_user(UserName=f"deploy-bot{sfx}")
        iam.attach_user_policy(UserName=f"deploy-bot{sfx}", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
        iam.create_access_key(UserName=f"deploy-bot{sfx}")
        out.plant("iam-admin-policy-attached", f"user/deploy-bot{sfx}", why="AdministratorAccess on a user")
        iam.create_user(UserName=f"alice{sfx}")
        iam.create_login_profile(UserName=f"alice{sfx}", Password="Demo-" + secrets.token_urlsafe(12))
        out.plant("iam-user-console-mfa", f"user/alice{sfx}", why="console password, no MFA")
        iam.create_group(GroupName=f"developers{sfx}")
        iam.add_user_to_group(GroupName=f"developers{sfx}", UserName=f"alice{sfx}")
        iam.attach_group_policy(GroupName=f"developers{sfx}", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
        doc = _policy([{"Effect": "Allow", "Action": "*", "Resource": "*"}])
        iam.create_policy(PolicyName=f"break-glass{sfx}", PolicyDocument=doc)
        out.plant("iam-policy-admin-access", f"policy/break-glass{sfx}", why="Action * on Resource *")
        iam.create_role(RoleName=f"app-server{sfx}", AssumeRolePolicyDocument=trust_ec2)
        iam.put_role_policy(RoleName=f"app-server{sfx}", PolicyName="read-config", PolicyDocument=_policy(
            [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::acme-config/*"}]))
        iam.create_role(RoleName=f"vendor-access{sfx}", AssumeRolePolicyDocument=_policy(
            [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]))
        out.plant("iam-trust-policy-public", f"role/vendor-access{sfx}", why="anyone may assume the role")
        out.resources += 7
    iam.create_role(RoleName="incident-response", AssumeRolePolicyDocument=_policy(
        [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{out.account}:root"}, "Action": "sts:AssumeRole",
          "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]))
    iam.attach_role_policy(RoleName="incident-response", PolicyArn="arn:aws:iam::aws:policy/AWSSupportAccess")
    out.plant("root-mfa", "root", why="the emulated root user has no MFA")


def _storage(out: Seeded, region: str, scale: int) -> None:
    import boto3

    s3 = boto3.client("s3", region_name=region)
    s3.create_bucket(Bucket="acme-access-logs")
    s3.put_bucket_acl(Bucket="acme-access-logs", ACL="log-delivery-write")
    for n in range(scale):
        sfx = "" if n == 0 else f"-{n}"
        public = f"acme-public-assets{sfx}"
        s3.create_bucket(Bucket=public)
        s3.put_bucket_policy(Bucket=public, Policy=_policy([{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
                                                            "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{public}/*"}]))
        out.plant("s3-bucket-policy-public", public, why="Principal * may read every object")
        s3.create_bucket(Bucket=f"acme-open-acl{sfx}")
        s3.put_bucket_acl(Bucket=f"acme-open-acl{sfx}", ACL="public-read")
        out.plant("s3-bucket-acl-public", f"acme-open-acl{sfx}", why="public-read ACL")
        data = f"acme-customer-data{sfx}"
        s3.create_bucket(Bucket=data)
        s3.put_bucket_encryption(Bucket=data, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/customer-data"},
             "BucketKeyEnabled": True}]})
        s3.put_public_access_block(Bucket=data, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
        s3.put_bucket_versioning(Bucket=data, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_logging(Bucket=data, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "acme-access-logs",
                                                                                   "TargetPrefix": f"{data}/"}})
        s3.put_bucket_policy(Bucket=data, Policy=_policy([{"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                                          "Resource": [f"arn:aws:s3:::{data}", f"arn:aws:s3:::{data}/*"],
                                                          "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]))
        s3.put_bucket_tagging(Bucket=data, Tagging={"TagSet": [{"Key": "DataClassification", "Value": "confidential"}]})
        out.resources += 3
    out.resources += 1


def _regional(out: Seeded, region: str, scale: int, first: bool) -> None:
    import boto3

    ec2 = boto3.client("ec2", region_name=region)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    out.plant("vpc-flow-logs", vpc, region, "no flow log")
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    logs = boto3.client("logs", region_name=region)
    logs.create_log_group(logGroupName="/acme/app")
    logs.put_retention_policy(logGroupName="/acme/app", retentionInDays=7)
    out.plant("cloudwatch-log-retention", "/acme/app", region, "logs deleted after a week")
    logs.create_log_group(logGroupName="/acme/audit")
    logs.put_retention_policy(logGroupName="/acme/audit", retentionInDays=365)
    for n in range(scale):
        sg = ec2.create_security_group(GroupName=f"bastion-{n}", Description="SSH for admins", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "ssh"}]}])
        out.plant("sg-admin-ports-open", sg, region, "SSH open to the internet")
        web = ec2.create_security_group(GroupName=f"web-{n}", Description="HTTPS from the load balancer", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.20.0.0/16", "Description": "lb"}]}])
        vol = ec2.create_volume(AvailabilityZone=f"{region}a", Size=20)["VolumeId"]
        out.plant("ebs-volume-encrypted", vol, region, "unencrypted volume")
        ec2.create_volume(AvailabilityZone=f"{region}a", Size=20, Encrypted=True)
        out.resources += 4
    key_id, secret = _fake_key_pair()
    user_data = f"#!/bin/bash\nexport AWS_ACCESS_KEY_ID={key_id}\nexport AWS_SECRET_ACCESS_KEY={secret}\n./start.sh\n"
    inst = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=subnet,
                             UserData=user_data, MetadataOptions={"HttpTokens": "optional"})["Instances"][0]["InstanceId"]
    out.plant("ec2-imdsv2-required", inst, region, "IMDSv1 allowed")
    out.plant("ec2-user-data-secrets", inst, region, "credentials in user data")
    ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=subnet,
                      MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"})
    out.resources += 6
    if first:
        ec2.enable_ebs_encryption_by_default()
    else:
        out.plant("ebs-encryption-by-default", "ebs-encryption-by-default", region, "off in this region")

    kms = boto3.client("kms", region_name=region)
    loose = kms.create_key(Description="app key")["KeyMetadata"]["KeyId"]
    out.plant("kms-key-rotation", loose, region, "rotation off")
    good = kms.create_key(Description="customer data")["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=good)
    kms.create_alias(AliasName="alias/customer-data", TargetKeyId=good)

    sqs = boto3.client("sqs", region_name=region)
    for n in range(scale):
        url = sqs.create_queue(QueueName=f"orders-{n}")["QueueUrl"]
        arn = f"arn:aws:sqs:{region}:{out.account}:orders-{n}"
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": _policy([
            {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn}])})
        out.plant("sqs-queue-policy-public", f"orders-{n}", region, "anyone may send")
        sqs.create_queue(QueueName=f"billing-{n}", Attributes={"KmsMasterKeyId": "alias/customer-data"})
        out.resources += 2
    sns = boto3.client("sns", region_name=region)
    sns.create_topic(Name="alerts")
    out.plant("sns-topic-encrypted", "alerts", region, "no KMS key")

    rds = boto3.client("rds", region_name=region)
    rds.create_db_instance(DBInstanceIdentifier="legacy-db", Engine="mysql", DBInstanceClass="db.t3.micro",
                           MasterUsername="admin", MasterUserPassword=secrets.token_urlsafe(16), AllocatedStorage=20,
                           PubliclyAccessible=True, StorageEncrypted=False, BackupRetentionPeriod=0)
    out.plant("rds-not-public", "legacy-db", region, "publicly accessible")
    out.plant("rds-instance-encrypted", "legacy-db", region, "unencrypted storage")
    ddb = boto3.client("dynamodb", region_name=region)
    ddb.create_table(TableName="sessions", AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    out.plant("dynamodb-pitr", "sessions", region, "no point-in-time recovery")
    out.resources += 7

    if first:
        s3 = boto3.client("s3", region_name=region)
        s3.create_bucket(Bucket="acme-cloudtrail")
        ct = boto3.client("cloudtrail", region_name=region)
        ct.create_trail(Name="main", S3BucketName="acme-cloudtrail", IsMultiRegionTrail=False)
        ct.start_logging(Name="main")
        out.plant("cloudtrail-log-file-validation", "trail/main", region, "log file validation off")
        out.plant("cloudtrail-enabled-all-regions", out.account, None, "only a single-region trail")
        boto3.client("guardduty", region_name=region).create_detector(Enable=True)
        out.resources += 3
    else:
        out.plant("guardduty-enabled", f"{out.account}/{region}", region, "GuardDuty off in this region")
