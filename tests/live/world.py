"""An emulated account with a good and a bad example of every resource type wasec collects.

``build()`` creates them through boto3 against the emulator and returns, per canonical type, a
fragment of the good and of the bad resource's id. The live rule-case test then expects every rule
to FAIL on the bad example of its type and PASS on the good one. Secret-looking values are
generated here, at test time.
"""

from __future__ import annotations

import base64
import io
import json
import re
import secrets
import string
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3

REGION = "us-east-1"


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


# every over-broad grant the identity rules look for, in one policy
BAD_STATEMENTS = (
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Allow", "Action": ["s3:*", "iam:PassRole", "kms:Decrypt", "ec2:TerminateInstances"], "Resource": "*"},
    {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
    # an element that does nothing: aws:SourceIp is the public address, never a private one
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*",
     "Condition": {"IpAddress": {"aws:SourceIp": "10.20.0.0/16"}}},
)


def certificate(days_from: int, days_to: int, bits: int = 2048) -> tuple[str, str]:
    """A self-signed certificate and its key (PEM), valid from ``days_from`` to ``days_to`` days from now."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "app.example.com")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key()).serial_number(1)
            .not_valid_before(now + dt.timedelta(days=days_from)).not_valid_after(now + dt.timedelta(days=days_to))
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM).decode(),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                              serialization.NoEncryption()).decode())


def fake_secret() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(40))


@dataclass
class World:
    account: str
    good: dict[str, str] = field(default_factory=dict)  # canonical type → fragment of the good resource's id
    bad: dict[str, str] = field(default_factory=dict)
    # rule → (good fragment, bad fragment) where a rule needs its own example (a default group, an MFA user)
    cases: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)  # builder → why the emulator refused it

    def pair(self, type_: str, good: str, bad: str) -> None:
        self.good[type_] = good
        self.bad[type_] = bad

    def case(self, rule: str, good: str | None = None, bad: str | None = None) -> None:
        self.cases[rule] = (good, bad)

    def expected(self, rule: str, type_: str) -> tuple[str | None, str | None]:
        if rule in self.cases:
            return self.cases[rule]
        return self.good.get(type_), self.bad.get(type_)


def c(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def s3control() -> Any:
    """S3 Control puts the account id in front of the host; the emulator listens on one host."""
    client = c("s3control")

    def one_host(request: Any, **_: Any) -> None:
        request.url = re.sub(r"^(https?://)\d{12}\.", r"\1", request.url)

    client.meta.events.register("before-send", one_host)
    return client


def build() -> World:
    w = World(c("sts").get_caller_identity()["Account"])
    for builder in BUILDERS:
        try:
            builder(w)
        except Exception as e:  # reported by the test as missing cases, with the emulator's reason
            w.broken[builder.__name__] = f"{type(e).__name__}: {e}"[:300]
    return w


# -- identity ----------------------------------------------------------------------------------------
def iam(w: World) -> None:
    i = c("iam")
    i.create_user(UserName="good-user")
    i.create_user(UserName="bad-user")
    i.attach_user_policy(UserName="bad-user", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    i.attach_user_policy(UserName="bad-user", PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    i.put_user_policy(UserName="bad-user", PolicyName="inline", PolicyDocument=policy(*BAD_STATEMENTS))
    i.create_login_profile(UserName="bad-user", Password="Pw-" + fake_secret())
    i.create_access_key(UserName="bad-user")
    i.create_group(GroupName="good-group")
    i.add_user_to_group(GroupName="good-group", UserName="good-user")
    i.put_group_policy(GroupName="good-group", PolicyName="read", PolicyDocument=policy(
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::good-bucket/*"}))
    i.create_group(GroupName="bad-group")
    i.attach_group_policy(GroupName="bad-group", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    i.attach_group_policy(GroupName="bad-group", PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    i.put_group_policy(GroupName="bad-group", PolicyName="all", PolicyDocument=policy(*BAD_STATEMENTS))
    i.create_role(RoleName="good-role", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    i.put_role_policy(RoleName="good-role", PolicyName="logs", PolicyDocument=policy(
        {"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/app:*"}))
    i.create_role(RoleName="bad-role", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "sts:AssumeRole"}))
    i.attach_role_policy(RoleName="bad-role", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    i.attach_role_policy(RoleName="bad-role", PolicyArn="arn:aws:iam::aws:policy/AmazonEC2FullAccess")
    i.put_role_policy(RoleName="bad-role", PolicyName="all", PolicyDocument=policy(*BAD_STATEMENTS))
    i.create_policy(PolicyName="good-policy", PolicyDocument=policy(
        {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "arn:aws:sqs:us-east-1:123456789012:q"}))
    i.create_policy(PolicyName="bad-policy", PolicyDocument=policy(*BAD_STATEMENTS))
    i.create_user(UserName="mfa-user")
    i.create_login_profile(UserName="mfa-user", Password="Pw-" + fake_secret())
    serial = i.create_virtual_mfa_device(VirtualMFADeviceName="mfa-user")["VirtualMFADevice"]["SerialNumber"]
    i.enable_mfa_device(UserName="mfa-user", SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321")
    i.add_user_to_group(GroupName="good-group", UserName="mfa-user")
    w.case("iam-user-console-mfa", "user/mfa-user", "user/bad-user")
    w.case("iam-user-mfa", "user/mfa-user", "user/bad-user")
    w.pair("AWS::IAM::User", "user/good-user", "user/bad-user")
    w.pair("AWS::IAM::Group", "group/good-group", "group/bad-group")
    w.pair("AWS::IAM::Role", "role/good-role", "role/bad-role")
    w.pair("AWS::IAM::ManagedPolicy", "policy/good-policy", "policy/bad-policy")
    i.update_account_password_policy(MinimumPasswordLength=8, RequireSymbols=False, RequireNumbers=False,
                                     RequireUppercaseCharacters=False, RequireLowercaseCharacters=False,
                                     MaxPasswordAge=365, PasswordReusePrevention=1)
    w.bad["Wasec::IAM::AccountPasswordPolicy"] = "password-policy"
    w.bad["Wasec::IAM::RootAccount"] = ":root"


# -- storage -----------------------------------------------------------------------------------------
def s3(w: World) -> None:
    s = c("s3")
    k = c("kms")
    key = k.create_key(Description="s3")["KeyMetadata"]["Arn"]
    s.create_bucket(Bucket="wasec-logs")
    s.put_bucket_acl(Bucket="wasec-logs", ACL="log-delivery-write")
    s.create_bucket(Bucket="good-bucket", ObjectLockEnabledForBucket=True)
    s.put_bucket_encryption(Bucket="good-bucket", ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key}, "BucketKeyEnabled": True}]})
    s.put_public_access_block(Bucket="good-bucket", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s.put_bucket_versioning(Bucket="good-bucket", VersioningConfiguration={"Status": "Enabled", "MFADelete": "Enabled"},
                            MFA="arn:aws:iam::123456789012:mfa/root 123456")
    s.put_bucket_logging(Bucket="good-bucket", BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "wasec-logs",
                                                                                       "TargetPrefix": "good/"}})
    s.put_object_lock_configuration(Bucket="good-bucket", ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}}})
    s.put_bucket_lifecycle_configuration(Bucket="good-bucket", LifecycleConfiguration={"Rules": [
        {"ID": "expire-old-versions", "Status": "Enabled", "Filter": {"Prefix": ""},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 90}}]})
    s.put_bucket_ownership_controls(Bucket="good-bucket", OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    s.put_bucket_policy(Bucket="good-bucket", Policy=policy({
        "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": ["arn:aws:s3:::good-bucket", "arn:aws:s3:::good-bucket/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}))
    s.create_bucket(Bucket="bad-bucket")
    s.put_bucket_acl(Bucket="bad-bucket", ACL="public-read-write")
    s.put_public_access_block(Bucket="bad-bucket", PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
    s.put_bucket_policy(Bucket="bad-bucket", Policy=policy(
        {"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::bad-bucket/*"},
        {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
         "Action": ["s3:GetObject", "s3:PutBucketPolicy"], "Resource": ["arn:aws:s3:::bad-bucket", "arn:aws:s3:::bad-bucket/*"]}))
    s.put_bucket_versioning(Bucket="bad-bucket", VersioningConfiguration={"Status": "Suspended"})
    s.create_bucket(Bucket="lock-bucket", ObjectLockEnabledForBucket=True)
    w.case("s3-object-lock-retention", ":::good-bucket", ":::lock-bucket")
    s.create_bucket(Bucket="unversioned-bucket")
    s.put_bucket_versioning(Bucket="unversioned-bucket", VersioningConfiguration={"Status": "Enabled"})
    w.case("s3-bucket-mfa-delete", ":::good-bucket", ":::unversioned-bucket")
    w.pair("AWS::S3::Bucket", ":::good-bucket", ":::bad-bucket")
    # the account-level block stays off here; the second account turns it on
    w.bad["Wasec::S3::AccountPublicAccessBlock"] = "s3-public-access-block"


# -- network and compute ------------------------------------------------------------------------------
def ec2(w: World) -> None:
    e = c("ec2")
    vpc = e.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    e.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL", LogDestinationType="s3",
                       LogDestination="arn:aws:s3:::wasec-logs")
    default_vpc = e.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    w.pair("AWS::EC2::VPC", vpc, default_vpc)
    good_sub = e.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    bad_sub = e.create_subnet(VpcId=vpc, CidrBlock="10.9.2.0/24")["Subnet"]["SubnetId"]
    e.modify_subnet_attribute(SubnetId=bad_sub, MapPublicIpOnLaunch={"Value": True})
    w.pair("AWS::EC2::Subnet", good_sub, bad_sub)
    good = e.create_security_group(GroupName="good-sg", Description="HTTPS from the VPC", VpcId=vpc)["GroupId"]
    e.authorize_security_group_ingress(GroupId=good, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                                                      "IpRanges": [{"CidrIp": "10.9.0.0/16", "Description": "vpc"}]}])
    e.revoke_security_group_egress(GroupId=good, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    e.authorize_security_group_egress(GroupId=good, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                                                     "IpRanges": [{"CidrIp": "10.9.0.0/16", "Description": "vpc"}]}])
    default_sg = e.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                     {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]["GroupId"]
    e.authorize_security_group_ingress(GroupId=default_sg, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        {"IpProtocol": "tcp", "FromPort": 3306, "ToPort": 3306, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    w.pair("AWS::EC2::SecurityGroup", good, default_sg)
    vpc2 = e.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    quiet = e.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc2]},
                                                {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    e.revoke_security_group_egress(GroupId=quiet["GroupId"], IpPermissions=quiet["IpPermissionsEgress"])
    if quiet["IpPermissions"]:
        e.revoke_security_group_ingress(GroupId=quiet["GroupId"], IpPermissions=quiet["IpPermissions"])
    w.case("sg-default-restricts-all", quiet["GroupId"], default_sg)
    acl = e.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    e.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow", Egress=False,
                               CidrBlock="0.0.0.0/0")
    e.create_network_acl_entry(NetworkAclId=acl, RuleNumber=110, Protocol="6", RuleAction="allow", Egress=False,
                               CidrBlock="10.0.0.0/8", PortRange={"From": 443, "To": 443})
    w.pair("AWS::EC2::NetworkAclEntry", f"{acl}/ingress/110", f"{acl}/ingress/100")
    key = c("kms").create_key(Description="ebs")["KeyMetadata"]["Arn"]
    good_vol = e.create_volume(AvailabilityZone="us-east-1a", Size=10, Encrypted=True, KmsKeyId=key)["VolumeId"]
    bad_vol = e.create_volume(AvailabilityZone="us-east-1a", Size=10)["VolumeId"]
    w.pair("AWS::EC2::Volume", good_vol, bad_vol)
    user_data = f"#!/bin/sh\nexport AWS_SECRET_ACCESS_KEY={fake_secret()}\nexport DB_PASSWORD={fake_secret()}\n"
    bad_i = e.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, UserData=user_data,
                            MetadataOptions={"HttpTokens": "optional", "HttpPutResponseHopLimit": 3},
                            NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": bad_sub, "AssociatePublicIpAddress": True}],
                            )["Instances"][0]["InstanceId"]
    profile = c("iam").create_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Arn"]
    good_i = e.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=good_sub,
                             IamInstanceProfile={"Arn": profile},
                             MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled", "HttpPutResponseHopLimit": 1},
                             BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 8, "Encrypted": True}}],
                             )["Instances"][0]["InstanceId"]
    e.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)  # something runs in the default VPC
    w.pair("AWS::EC2::Instance", good_i, bad_i)
    good_tgw = e.create_transit_gateway(Options={"AutoAcceptSharedAttachments": "disable"})["TransitGateway"]["TransitGatewayId"]
    bad_tgw = e.create_transit_gateway(Options={"AutoAcceptSharedAttachments": "enable"})["TransitGateway"]["TransitGatewayId"]
    w.pair("AWS::EC2::TransitGateway", good_tgw, bad_tgw)
    good_lt = e.create_launch_template(LaunchTemplateName="good-lt", LaunchTemplateData={
        "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 1},
        "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Ebs": {"Encrypted": True}}],
        "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": False}]})["LaunchTemplate"]["LaunchTemplateId"]
    bad_lt = e.create_launch_template(LaunchTemplateName="bad-lt", LaunchTemplateData={
        "MetadataOptions": {"HttpTokens": "optional", "HttpPutResponseHopLimit": 4},
        "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Ebs": {"Encrypted": False}}],
        "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": True}],
        "UserData": base64.b64encode(user_data.encode()).decode()})["LaunchTemplate"]["LaunchTemplateId"]
    w.pair("AWS::EC2::LaunchTemplate", good_lt, bad_lt)
    good_ami = e.create_image(InstanceId=good_i, Name="good-ami")["ImageId"]
    bad_ami = e.create_image(InstanceId=bad_i, Name="bad-ami")["ImageId"]
    e.modify_image_attribute(ImageId=bad_ami, LaunchPermission={"Add": [{"Group": "all"}]})
    w.pair("Wasec::EC2::Image", good_ami, bad_ami)
    # EBS encryption by default: off in this account (the second account turns it on)
    w.bad["Wasec::EC2::EBSEncryptionByDefault"] = "ebs-encryption-by-default"
    a = boto3.client("autoscaling", region_name=REGION)
    a.create_launch_configuration(LaunchConfigurationName="good-lc", ImageId="ami-12c6146b", InstanceType="t3.micro",
                                  MetadataOptions={"HttpTokens": "required", "HttpPutResponseHopLimit": 1},
                                  AssociatePublicIpAddress=False,
                                  BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 8, "Encrypted": True}}])
    a.create_launch_configuration(LaunchConfigurationName="bad-lc", ImageId="ami-12c6146b", InstanceType="t3.micro",
                                  MetadataOptions={"HttpTokens": "optional", "HttpPutResponseHopLimit": 2},
                                  AssociatePublicIpAddress=True, UserData=user_data,
                                  BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 8, "Encrypted": False}}])
    w.pair("AWS::AutoScaling::LaunchConfiguration", "good-lc", "bad-lc")
    a.create_auto_scaling_group(AutoScalingGroupName="good-asg", MinSize=0, MaxSize=1, VPCZoneIdentifier=good_sub,
                                LaunchTemplate={"LaunchTemplateId": good_lt, "Version": "$Latest"})
    a.create_auto_scaling_group(AutoScalingGroupName="bad-asg", MinSize=0, MaxSize=1, VPCZoneIdentifier=good_sub,
                                LaunchConfigurationName="bad-lc")
    w.pair("AWS::AutoScaling::AutoScalingGroup", "good-asg", "bad-asg")
    e.modify_instance_attribute(InstanceId=bad_i, SourceDestCheck={"Value": False})
    good_eni = e.create_network_interface(SubnetId=good_sub, Description="good-eni")["NetworkInterface"]["NetworkInterfaceId"]
    bad_eni = e.create_network_interface(SubnetId=good_sub, Description="bad-eni")["NetworkInterface"]["NetworkInterfaceId"]
    e.modify_network_interface_attribute(NetworkInterfaceId=bad_eni, SourceDestCheck={"Value": False})
    w.pair("AWS::EC2::NetworkInterface", good_eni, bad_eni)
    good_snap = e.create_snapshot(VolumeId=good_vol, Description="good-snapshot")["SnapshotId"]
    bad_snap = e.create_snapshot(VolumeId=bad_vol, Description="bad-snapshot")["SnapshotId"]
    e.modify_snapshot_attribute(SnapshotId=bad_snap, Attribute="createVolumePermission", OperationType="add",
                                GroupNames=["all"])
    w.pair("Wasec::EC2::Snapshot", good_snap, bad_snap)
    fleet_role = c("iam").create_role(RoleName="spot-fleet", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"Service": "spotfleet.amazonaws.com"}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    fleets = {}
    for name, enc in (("good", True), ("bad", False)):
        fleets[name] = e.request_spot_fleet(SpotFleetRequestConfig={
            "IamFleetRole": fleet_role, "TargetCapacity": 1, "SpotPrice": "0.1", "AllocationStrategy": "lowestPrice",
            "LaunchSpecifications": [{
                "ImageId": "ami-12c6146b", "InstanceType": "t3.micro", "SubnetId": good_sub,
                "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8, "Encrypted": enc}}]}]})[
            "SpotFleetRequestId"]
    w.pair("AWS::EC2::SpotFleet", fleets["good"], fleets["bad"])
    cgw = e.create_customer_gateway(Type="ipsec.1", PublicIp="198.51.100.7", BgpAsn=65000)["CustomerGateway"]["CustomerGatewayId"]
    vgw = e.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
    bad_vpn = e.create_vpn_connection(Type="ipsec.1", CustomerGatewayId=cgw, VpnGatewayId=vgw)["VpnConnection"]["VpnConnectionId"]
    w.bad["AWS::EC2::VPNConnection"] = bad_vpn


# -- databases -----------------------------------------------------------------------------------------
def databases(w: World) -> None:
    key = c("kms").create_key(Description="db")["KeyMetadata"]["Arn"]
    monitoring = c("iam").create_role(RoleName="rds-monitoring", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"Service": "monitoring.rds.amazonaws.com"}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    r = c("rds")
    r.create_db_parameter_group(DBParameterGroupName="pg-tls", DBParameterGroupFamily="postgres13", Description="tls only")
    r.modify_db_parameter_group(DBParameterGroupName="pg-tls", Parameters=[
        {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"},
        {"ParameterName": "log_statement", "ParameterValue": "ddl", "ApplyMethod": "immediate"}])
    r.create_db_instance(DBInstanceIdentifier="good-db", Engine="postgres", DBInstanceClass="db.t3.micro",
                         EngineVersion="13.7", DBParameterGroupName="pg-tls", Port=5499,
                         MasterUsername="app", ManageMasterUserPassword=True, AllocatedStorage=20,
                         StorageEncrypted=True, KmsKeyId=key, PubliclyAccessible=False, BackupRetentionPeriod=14,
                         DeletionProtection=True, EnableCloudwatchLogsExports=["postgresql"], MultiAZ=True,
                         EnablePerformanceInsights=True, PerformanceInsightsKMSKeyId=key, AutoMinorVersionUpgrade=True,
                         EnableIAMDatabaseAuthentication=True, CopyTagsToSnapshot=True, MonitoringInterval=60,
                         MonitoringRoleArn=monitoring, CACertificateIdentifier="rds-ca-rsa2048-g1")
    r.create_db_instance(DBInstanceIdentifier="bad-db", Engine="mysql", DBInstanceClass="db.t3.micro",
                         MasterUsername="admin", MasterUserPassword=fake_secret()[:20], AllocatedStorage=20,
                         StorageEncrypted=False, PubliclyAccessible=True, BackupRetentionPeriod=0, DeletionProtection=False,
                         AutoMinorVersionUpgrade=False, CACertificateIdentifier="rds-ca-2019")
    w.pair("AWS::RDS::DBInstance", ":db:good-db", ":db:bad-db")
    r.create_db_instance(DBInstanceIdentifier="quiet-db", Engine="postgres", DBInstanceClass="db.t3.micro",
                         EngineVersion="13.7", MasterUsername="app", ManageMasterUserPassword=True, AllocatedStorage=20)
    w.case("rds-postgres-statement-logging", ":db:good-db", ":db:quiet-db")
    topic = c("sns").create_topic(Name="db-events")["TopicArn"]
    r.create_event_subscription(SubscriptionName="good-events", SnsTopicArn=topic, SourceType="db-instance",
                                EventCategories=["maintenance", "configuration change", "failure"], Enabled=True)
    r.create_event_subscription(SubscriptionName="bad-events", SnsTopicArn=topic, SourceType="db-instance",
                                EventCategories=["backup"])
    w.pair("AWS::RDS::EventSubscription", "good-events", "bad-events")
    # DocumentDB clusters: the emulator's CreateDBCluster does not accept the docdb engine
    for engine, client, typ in (("aurora-postgresql", "rds", "AWS::RDS::DBCluster"), ("neptune", "neptune", "AWS::Neptune::DBCluster")):
        cl = c(client)
        logs = {"aurora-postgresql": ["postgresql"], "docdb": ["audit", "profiler"], "neptune": ["audit"]}[engine]
        extra = {"MasterUserPassword": fake_secret()[:20]} if engine != "neptune" else {}
        cl.create_db_cluster(DBClusterIdentifier=f"good-{engine}", Engine=engine, StorageEncrypted=True, KmsKeyId=key,
                             BackupRetentionPeriod=14, DeletionProtection=True, EnableCloudwatchLogsExports=logs,
                             CopyTagsToSnapshot=True, **({"EnableIAMDatabaseAuthentication": True} if client == "rds" else {}),
                             **({"MasterUsername": "app"} if extra else {}), **extra)
        cl.create_db_cluster(DBClusterIdentifier=f"bad-{engine}", Engine=engine, StorageEncrypted=False,
                             BackupRetentionPeriod=1, DeletionProtection=False, **({"MasterUsername": "admin"} if extra else {}),
                             **({"AutoMinorVersionUpgrade": False} if client == "rds" else {}), **extra)
        w.pair(typ, f"good-{engine}", f"bad-{engine}")
    for name, logs in (("audited-mysql", ["audit", "error"]), ("unaudited-mysql", ["error"])):
        r.create_db_cluster(DBClusterIdentifier=name, Engine="aurora-mysql", MasterUsername="app",
                            MasterUserPassword=fake_secret()[:20], EnableCloudwatchLogsExports=logs)
    w.case("rds-aurora-mysql-audit-log", "audited-mysql", "unaudited-mysql")
    r.create_db_snapshot(DBInstanceIdentifier="good-db", DBSnapshotIdentifier="good-snap")
    r.create_db_snapshot(DBInstanceIdentifier="bad-db", DBSnapshotIdentifier="bad-snap")
    r.modify_db_snapshot_attribute(DBSnapshotIdentifier="bad-snap", AttributeName="restore", ValuesToAdd=["all"])
    w.pair("Wasec::RDS::DBSnapshot", "good-snap", "bad-snap")
    proxy_role = c("iam").create_role(RoleName="rds-proxy", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"Service": "rds.amazonaws.com"}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    subnets = [s["SubnetId"] for s in c("ec2").describe_subnets(
        Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]][:2]  # one VPC's
    secret = c("secretsmanager").create_secret(Name="proxy-db", SecretString=fake_secret())["ARN"]
    for name, tls in (("good-proxy", True), ("bad-proxy", False)):
        r.create_db_proxy(DBProxyName=name, EngineFamily="POSTGRESQL", RoleArn=proxy_role, VpcSubnetIds=subnets,
                          Auth=[{"AuthScheme": "SECRETS", "SecretArn": secret, "IAMAuth": "DISABLED"}], RequireTLS=tls)
    w.pair("AWS::RDS::DBProxy", "good-proxy", "bad-proxy")
    d = c("dynamodb")
    for name, good in (("good-table", True), ("bad-table", False)):
        d.create_table(TableName=name, AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                       KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
                       DeletionProtectionEnabled=good,
                       **({"SSESpecification": {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key}} if good else {}))
        if good:
            d.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    w.pair("AWS::DynamoDB::Table", "table/good-table", "table/bad-table")
    e = c("elasticache")
    e.create_cache_subnet_group(CacheSubnetGroupName="private-cache", CacheSubnetGroupDescription="private",
                                SubnetIds=[s["SubnetId"] for s in c("ec2").describe_subnets(
                                    Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]][:2])
    e.create_replication_group(ReplicationGroupId="good-redis", ReplicationGroupDescription="good", Engine="redis",
                               CacheNodeType="cache.t3.micro", AtRestEncryptionEnabled=True, TransitEncryptionEnabled=True,
                               KmsKeyId=key, SnapshotRetentionLimit=7, AuthToken=fake_secret()[:32],
                               AutoMinorVersionUpgrade=True, CacheSubnetGroupName="private-cache")
    e.create_replication_group(ReplicationGroupId="bad-redis", ReplicationGroupDescription="bad", Engine="redis",
                               CacheNodeType="cache.t3.micro", AtRestEncryptionEnabled=False, TransitEncryptionEnabled=False,
                               SnapshotRetentionLimit=0, AutoMinorVersionUpgrade=False)
    w.pair("AWS::ElastiCache::ReplicationGroup", "good-redis", "bad-redis")
    e.create_cache_cluster(CacheClusterId="good-cache", Engine="redis", CacheNodeType="cache.t3.micro", NumCacheNodes=1,
                           SnapshotRetentionLimit=7, AutoMinorVersionUpgrade=True, CacheSubnetGroupName="private-cache")
    e.create_cache_cluster(CacheClusterId="bad-cache", Engine="redis", CacheNodeType="cache.t3.micro", NumCacheNodes=1,
                           SnapshotRetentionLimit=0, AutoMinorVersionUpgrade=False)
    w.pair("AWS::ElastiCache::CacheCluster", "good-cache", "bad-cache")
    rs = c("redshift")
    rs.create_cluster_subnet_group(ClusterSubnetGroupName="private", Description="private", SubnetIds=[
        c("ec2").describe_subnets()["Subnets"][0]["SubnetId"]])
    rs.create_cluster_parameter_group(ParameterGroupName="dw-tls", ParameterGroupFamily="redshift-2.0", Description="tls")
    rs.create_cluster(ClusterIdentifier="good-dw", NodeType="dc2.large", MasterUsername="dwowner", DBName="analytics",
                      ClusterParameterGroupName="dw-tls",
                      MasterUserPassword="A1" + fake_secret()[:20], ClusterType="single-node", Encrypted=True, KmsKeyId=key,
                      PubliclyAccessible=False, ClusterSubnetGroupName="private", EnhancedVpcRouting=True,
                      AllowVersionUpgrade=True, AutomatedSnapshotRetentionPeriod=7)
    rs.enable_logging(ClusterIdentifier="good-dw", BucketName="wasec-logs")
    rs.create_cluster(ClusterIdentifier="bad-dw", NodeType="dc2.large", MasterUsername="awsuser",
                      MasterUserPassword="A1" + fake_secret()[:20], ClusterType="single-node", Encrypted=False,
                      PubliclyAccessible=True, AllowVersionUpgrade=False, AutomatedSnapshotRetentionPeriod=0)
    w.pair("AWS::Redshift::Cluster", "cluster:good-dw", "cluster:bad-dw")
    dax = c("dax")
    role = c("iam").create_role(RoleName="dax", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"Service": "dax.amazonaws.com"}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    dax.create_cluster(ClusterName="good-dax", NodeType="dax.t3.small", ReplicationFactor=1, IamRoleArn=role,
                       SSESpecification={"Enabled": True}, ClusterEndpointEncryptionType="TLS")
    dax.create_cluster(ClusterName="bad-dax", NodeType="dax.t3.small", ReplicationFactor=1, IamRoleArn=role,
                       SSESpecification={"Enabled": False}, ClusterEndpointEncryptionType="NONE")
    w.pair("AWS::DAX::Cluster", "good-dax", "bad-dax")


# -- keys, queues, secrets, files, search, streams --------------------------------------------------------
def data(w: World) -> None:
    k = c("kms")
    good_key = k.create_key(Description="good", Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{w.account}:root"}, "Action": "kms:*", "Resource": "*"}))["KeyMetadata"]
    k.enable_key_rotation(KeyId=good_key["KeyId"])
    k.create_alias(AliasName="alias/good", TargetKeyId=good_key["KeyId"])
    bad_key = k.create_key(Description="bad", Policy=policy(
        {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}))["KeyMetadata"]
    w.pair("AWS::KMS::Key", good_key["KeyId"], bad_key["KeyId"])
    doomed = k.create_key(Description="doomed")["KeyMetadata"]["KeyId"]
    k.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
    w.case("kms-key-pending-deletion", good_key["KeyId"], doomed)
    key = good_key["Arn"]
    q = c("sqs")
    good_q = q.create_queue(QueueName="good-queue", Attributes={"KmsMasterKeyId": key})["QueueUrl"]
    q.set_queue_attributes(QueueUrl=good_q, Attributes={"Policy": policy(
        {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
         "Resource": f"arn:aws:sqs:us-east-1:{w.account}:good-queue",
         "Condition": {"ArnEquals": {"aws:SourceArn": f"arn:aws:sns:us-east-1:{w.account}:good-topic"}}})})
    bad_q = q.create_queue(QueueName="bad-queue", Attributes={"SqsManagedSseEnabled": "false"})["QueueUrl"]
    q.set_queue_attributes(QueueUrl=bad_q, Attributes={"Policy": policy(
        {"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": f"arn:aws:sqs:us-east-1:{w.account}:bad-queue"})})
    w.pair("AWS::SQS::Queue", ":good-queue", ":bad-queue")
    n = c("sns")
    feedback = c("iam").create_role(RoleName="sns-feedback", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    n.create_topic(Name="good-topic", Attributes={"KmsMasterKeyId": key, "SQSSuccessFeedbackRoleArn": feedback,
                                                  "SQSFailureFeedbackRoleArn": feedback})
    bad_t = n.create_topic(Name="bad-topic")["TopicArn"]
    n.set_topic_attributes(TopicArn=bad_t, AttributeName="Policy", AttributeValue=policy(
        {"Effect": "Allow", "Principal": "*", "Action": "sns:Publish", "Resource": bad_t}))
    w.pair("AWS::SNS::Topic", ":good-topic", ":bad-topic")
    sm = c("secretsmanager")
    good_s = sm.create_secret(Name="good-secret", KmsKeyId=key, SecretString=fake_secret())["ARN"]
    lam = _function(w, "rotator", env={})
    sm.rotate_secret(SecretId=good_s, RotationLambdaARN=lam, RotationRules={"AutomaticallyAfterDays": 30})
    bad_s = sm.create_secret(Name="bad-secret", SecretString=fake_secret())["ARN"]
    sm.put_resource_policy(SecretId=bad_s, ResourcePolicy=policy(
        {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}))
    w.pair("AWS::SecretsManager::Secret", "good-secret", "bad-secret")
    ssm = c("ssm")
    ssm.put_parameter(Name="/app/db_password", Value=fake_secret(), Type="SecureString")
    ssm.put_parameter(Name="/legacy/api_secret", Value=fake_secret(), Type="String")
    w.pair("AWS::SSM::Parameter", "/app/db_password", "/legacy/api_secret")
    params_key = c("kms").create_key(Description="parameters")["KeyMetadata"]["Arn"]
    ssm.put_parameter(Name="/app/api_token", Value=fake_secret(), Type="SecureString", KeyId=params_key)
    w.case("ssm-parameter-kms-cmk", "/app/api_token", "/app/db_password")  # the default key is AWS managed
    content = json.dumps({"schemaVersion": "2.2", "description": "noop", "mainSteps": [
        {"action": "aws:runShellScript", "name": "noop", "inputs": {"runCommand": ["true"]}}]})
    for name in ("good-doc", "bad-doc"):
        ssm.create_document(Name=name, Content=content, DocumentType="Command", DocumentFormat="JSON")
    ssm.modify_document_permission(Name="good-doc", PermissionType="Share", AccountIdsToAdd=["444455556666"])
    ssm.modify_document_permission(Name="bad-doc", PermissionType="Share", AccountIdsToAdd=["all"])
    w.pair("AWS::SSM::Document", "good-doc", "bad-doc")
    efs = c("efs")
    good_fs = efs.create_file_system(CreationToken="good", Encrypted=True, KmsKeyId=key, Backup=True)["FileSystemId"]
    bad_fs = efs.create_file_system(CreationToken="bad", Encrypted=False)["FileSystemId"]
    efs.put_file_system_policy(FileSystemId=bad_fs, Policy=policy(
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "elasticfilesystem:ClientMount", "Resource": "*"}))
    w.pair("AWS::EFS::FileSystem", good_fs, bad_fs)
    good_ap = efs.create_access_point(FileSystemId=good_fs, PosixUser={"Uid": 1000, "Gid": 1000},
                                      RootDirectory={"Path": "/app", "CreationInfo": {
                                          "OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "750"}})["AccessPointId"]
    bad_ap = efs.create_access_point(FileSystemId=bad_fs)["AccessPointId"]
    w.pair("AWS::EFS::AccessPoint", good_ap, bad_ap)
    ec2 = c("ec2")
    private = ec2.describe_subnets(Filters=[{"Name": "cidr-block", "Values": ["10.9.1.0/24"]}])["Subnets"][0]["SubnetId"]
    public = ec2.describe_subnets(Filters=[{"Name": "cidr-block", "Values": ["10.9.2.0/24"]}])["Subnets"][0]["SubnetId"]
    good_mt = efs.create_mount_target(FileSystemId=good_fs, SubnetId=private)["MountTargetId"]
    bad_mt = efs.create_mount_target(FileSystemId=bad_fs, SubnetId=public)["MountTargetId"]
    w.pair("AWS::EFS::MountTarget", good_mt, bad_mt)
    s3c = s3control()
    s3c.create_access_point(AccountId=w.account, Name="good-ap", Bucket="good-bucket")
    s3c.create_access_point(AccountId=w.account, Name="bad-ap", Bucket="bad-bucket", PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
    w.pair("AWS::S3::AccessPoint", "good-ap", "bad-ap")
    fh = c("firehose")
    firehose_role = c("iam").create_role(RoleName="firehose", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"Service": "firehose.amazonaws.com"}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    for name, good in (("good-stream", True), ("bad-stream", False)):
        fh.create_delivery_stream(DeliveryStreamName=name, DeliveryStreamType="DirectPut",
                                  S3DestinationConfiguration={"RoleARN": firehose_role, "BucketARN": "arn:aws:s3:::wasec-logs"},
                                  **({"DeliveryStreamEncryptionConfigurationInput": {
                                      "KeyType": "CUSTOMER_MANAGED_CMK", "KeyARN": key}} if good else {}))
    w.pair("AWS::KinesisFirehose::DeliveryStream", "deliverystream/good-stream", "deliverystream/bad-stream")
    os_ = c("opensearch")
    sub = c("ec2").describe_subnets()["Subnets"][0]["SubnetId"]
    search_sg = c("ec2").describe_security_groups()["SecurityGroups"][0]["GroupId"]
    for engine, version, typ in (("OpenSearch", "OpenSearch_2.11", "AWS::OpenSearchService::Domain"),
                                 ("Elasticsearch", "Elasticsearch_7.10", "AWS::Elasticsearch::Domain")):
        low = engine.lower()[:6]
        os_.create_domain(DomainName=f"good-{low}", EngineVersion=version,
                          EncryptionAtRestOptions={"Enabled": True, "KmsKeyId": key},
                          NodeToNodeEncryptionOptions={"Enabled": True},
                          DomainEndpointOptions={"EnforceHTTPS": True, "TLSSecurityPolicy": "Policy-Min-TLS-1-2-2019-07"},
                          VPCOptions={"SubnetIds": [sub], "SecurityGroupIds": [search_sg]},
                          LogPublishingOptions={
                              "AUDIT_LOGS": {"CloudWatchLogsLogGroupArn": f"arn:aws:logs:us-east-1:{w.account}:log-group:audit",
                                             "Enabled": True},
                              "ES_APPLICATION_LOGS": {"CloudWatchLogsLogGroupArn": f"arn:aws:logs:us-east-1:{w.account}:log-group:app",
                                                      "Enabled": True}},
                          AdvancedSecurityOptions={"Enabled": True, "InternalUserDatabaseEnabled": False})
        os_.create_domain(DomainName=f"bad-{low}", EngineVersion=version,
                          EncryptionAtRestOptions={"Enabled": False}, NodeToNodeEncryptionOptions={"Enabled": False},
                          DomainEndpointOptions={"EnforceHTTPS": False},
                          AccessPolicies=policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "es:*", "Resource": "*"}))
        w.pair(typ, f"good-{low}", f"bad-{low}")
    os_.create_domain(DomainName="aws-key-opense", EngineVersion="OpenSearch_2.11", EncryptionAtRestOptions={"Enabled": True},
                      VPCOptions={"SubnetIds": [sub]})  # and the VPC's default security group
    w.case("opensearch-security-groups", "good-opense", "aws-key-opense")
    w.case("opensearch-kms-cmk", "good-opense", "aws-key-opense")
    kin = c("kinesis")
    kin.create_stream(StreamName="good-stream", ShardCount=1)
    kin.start_stream_encryption(StreamName="good-stream", EncryptionType="KMS", KeyId=key)
    kin.create_stream(StreamName="bad-stream", ShardCount=1)
    w.pair("AWS::Kinesis::Stream", "good-stream", "bad-stream")
    ath = c("athena")
    ath.create_work_group(Name="good-wg", Configuration={"EnforceWorkGroupConfiguration": True,
                                                         "PublishCloudWatchMetricsEnabled": True, "ResultConfiguration": {
        "OutputLocation": "s3://wasec-logs/athena/", "EncryptionConfiguration": {"EncryptionOption": "SSE_KMS", "KmsKey": key}}})
    ath.create_work_group(Name="bad-wg", Configuration={"EnforceWorkGroupConfiguration": False,
                                                        "ResultConfiguration": {"OutputLocation": "s3://wasec-logs/athena/"}})
    w.pair("AWS::Athena::WorkGroup", "good-wg", "bad-wg")


def _function(w: World, name: str, env: dict[str, str], runtime: str = "python3.12", tracing: str = "Active",
              vpc: dict[str, list[str]] | None = None, kms: str | None = None) -> str:
    iam_ = c("iam")
    try:
        role = iam_.get_role(RoleName="lambda-exec")["Role"]["Arn"]
    except iam_.exceptions.NoSuchEntityException:
        role = iam_.create_role(RoleName="lambda-exec", AssumeRolePolicyDocument=policy(
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    return str(c("lambda").create_function(FunctionName=name, Runtime=runtime, Role=role, Handler="index.handler",
                                           Code={"ZipFile": _zip()}, Environment={"Variables": env},
                                           TracingConfig={"Mode": tracing}, **({"VpcConfig": vpc} if vpc else {}),
                                           **({"KMSKeyArn": kms} if kms else {}))["FunctionArn"])


# -- compute and build ----------------------------------------------------------------------------------
def compute(w: World) -> None:
    token = fake_secret()
    e = c("ec2")
    _function(w, "good-fn", env={"TABLE": "orders"}, kms=c("kms").create_key(Description="functions")["KeyMetadata"]["Arn"], vpc={
        "SubnetIds": [e.describe_subnets()["Subnets"][0]["SubnetId"]],
        "SecurityGroupIds": [e.describe_security_groups()["SecurityGroups"][0]["GroupId"]]})
    bad_fn = _function(w, "bad-fn", env={"DB_PASSWORD": token, "API_SECRET_KEY": token}, runtime="python3.7", tracing="PassThrough")
    w.pair("AWS::Lambda::Function", "function:good-fn", "function:bad-fn")
    lam = c("lambda")
    lam.add_permission(FunctionName="good-fn", StatementId="events", Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=f"arn:aws:events:us-east-1:{w.account}:rule/nightly")
    lam.add_permission(FunctionName="bad-fn", StatementId="anyone", Action="lambda:InvokeFunction", Principal="*")
    lam.add_permission(FunctionName="bad-fn", StatementId="s3", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
    w.pair("AWS::Lambda::Permission", "good-fn/policy/events", "bad-fn/policy/anyone")
    w.case("lambda-permission-source", "good-fn/policy/events", "bad-fn/policy/s3")
    lam.create_function_url_config(FunctionName="good-fn", AuthType="AWS_IAM", Cors={"AllowOrigins": ["https://app.example.com"]})
    lam.create_function_url_config(FunctionName="bad-fn", AuthType="NONE", Cors={"AllowOrigins": ["*"]})
    w.pair("AWS::Lambda::Url", "good-fn", "bad-fn")
    del bad_fn
    ecs = c("ecs")
    exec_key = c("kms").create_key(Description="ecs exec")["KeyMetadata"]["Arn"]
    ecs.create_cluster(clusterName="good-cluster", settings=[{"name": "containerInsights", "value": "enabled"}],
                       configuration={"executeCommandConfiguration": {"kmsKeyId": exec_key, "logging": "DEFAULT"}})
    ecs.create_cluster(clusterName="bad-cluster", settings=[{"name": "containerInsights", "value": "disabled"}],
                       configuration={"executeCommandConfiguration": {"logging": "NONE"}})
    w.pair("AWS::ECS::Cluster", "cluster/good-cluster", "cluster/bad-cluster")
    ecs.register_task_definition(family="good-task", networkMode="awsvpc", containerDefinitions=[{
        "name": "app", "image": "app:1", "memory": 256, "readonlyRootFilesystem": True, "privileged": False,
        "secrets": [{"name": "DB_PASSWORD", "valueFrom": f"arn:aws:secretsmanager:us-east-1:{w.account}:secret:db"}],
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app"}}}],
        volumes=[{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "transitEncryption": "ENABLED"}}])
    app_role = f"arn:aws:iam::{w.account}:role/app"
    ecs.register_task_definition(family="bad-task", networkMode="host", pidMode="host", taskRoleArn=app_role,
                                 executionRoleArn=app_role, containerDefinitions=[{
        "name": "app", "image": "app:1", "memory": 256, "privileged": True,
        "environment": [{"name": "DB_PASSWORD", "value": token}]}],
        volumes=[{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "transitEncryption": "DISABLED"}}])
    w.pair("AWS::ECS::TaskDefinition", "good-task", "bad-task")
    ecs.register_task_definition(family="host-task", networkMode="host", containerDefinitions=[{
        "name": "agent", "image": "agent:1", "memory": 128, "privileged": False, "user": "1000:1000"}])
    w.case("ecs-host-network-privileged", "host-task", "bad-task")
    sub = c("ec2").describe_subnets()["Subnets"][0]["SubnetId"]
    sg = c("ec2").describe_security_groups()["SecurityGroups"][0]["GroupId"]
    for name, ip in (("good-svc", "DISABLED"), ("bad-svc", "ENABLED")):
        ecs.create_service(cluster="good-cluster", serviceName=name, taskDefinition="good-task", desiredCount=1,
                           networkConfiguration={"awsvpcConfiguration": {"subnets": [sub], "securityGroups": [sg],
                                                                         "assignPublicIp": ip}})
    w.pair("AWS::ECS::Service", "good-svc", "bad-svc")
    for name, version in (("latest-svc", "LATEST"), ("old-svc", "1.3.0")):
        ecs.create_service(cluster="good-cluster", serviceName=name, taskDefinition="good-task", desiredCount=1,
                           launchType="FARGATE", platformVersion=version,
                           networkConfiguration={"awsvpcConfiguration": {"subnets": [sub], "securityGroups": [sg],
                                                                         "assignPublicIp": "DISABLED"}})
    w.case("ecs-fargate-platform-version", "latest-svc", "old-svc")
    key = c("kms").create_key(Description="eks")["KeyMetadata"]["Arn"]
    role = c("iam").create_role(RoleName="eks", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    eks = c("eks")
    eks.create_cluster(name="good-eks", roleArn=role, version="1.99",  # newer than any calendar wasec ships
                       resourcesVpcConfig={"subnetIds": [sub], "endpointPublicAccess": False,
                                                                         "endpointPrivateAccess": True},
                       encryptionConfig=[{"resources": ["secrets"], "provider": {"keyArn": key}}],
                       logging={"clusterLogging": [{"types": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
                                                    "enabled": True}]})
    eks.create_cluster(name="bad-eks", roleArn=role, resourcesVpcConfig={"subnetIds": [sub], "endpointPublicAccess": True,
                                                                        "publicAccessCidrs": ["0.0.0.0/0"]})
    w.pair("AWS::EKS::Cluster", "cluster/good-eks", "cluster/bad-eks")
    ecr = c("ecr")
    ecr.create_repository(repositoryName="good-repo", imageTagMutability="IMMUTABLE",
                          imageScanningConfiguration={"scanOnPush": True},
                          encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key})
    ecr.put_lifecycle_policy(repositoryName="good-repo", lifecyclePolicyText=json.dumps({"rules": [{
        "rulePriority": 1, "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                                         "countNumber": 14}, "action": {"type": "expire"}}]}))
    ecr.create_repository(repositoryName="bad-repo", imageTagMutability="MUTABLE", imageScanningConfiguration={"scanOnPush": False})
    ecr.set_repository_policy(repositoryName="bad-repo", policyText=policy(
        {"Sid": "all", "Effect": "Allow", "Principal": "*", "Action": "ecr:*"}))
    w.pair("AWS::ECR::Repository", "repository/good-repo", "repository/bad-repo")
    cb = c("codebuild")
    cb_role = c("iam").create_role(RoleName="codebuild", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    cb.create_project(name="good-build", source={"type": "GITHUB", "location": "https://github.com/acme/app"},
                      artifacts={"type": "S3", "location": "wasec-logs", "encryptionDisabled": False},
                      environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL",
                                   "privilegedMode": False, "environmentVariables": [
                                       {"name": "DB_PASSWORD", "value": "/app/db", "type": "PARAMETER_STORE"}]},
                      serviceRole=cb_role, logsConfig={"s3Logs": {"status": "ENABLED", "location": "wasec-logs/cb",
                                                                   "encryptionDisabled": False}})
    cb.create_project(name="bad-build", source={"type": "BITBUCKET",
                                                "location": f"https://ci:{token}@bitbucket.org/acme/app.git"},
                      artifacts={"type": "S3", "location": "wasec-logs", "encryptionDisabled": True},
                      environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL",
                                   "privilegedMode": True, "environmentVariables": [
                                       {"name": "AWS_SECRET_ACCESS_KEY", "value": token, "type": "PLAINTEXT"}]},
                      serviceRole=cb_role, logsConfig={"s3Logs": {"status": "ENABLED", "location": "wasec-logs/cb",
                                                                   "encryptionDisabled": True}})
    w.pair("AWS::CodeBuild::Project", "project/good-build", "project/bad-build")
    cb.create_project(name="quiet-build", source={"type": "GITHUB", "location": "https://github.com/acme/app"},
                      artifacts={"type": "NO_ARTIFACTS"}, serviceRole=cb_role,
                      environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                                   "computeType": "BUILD_GENERAL1_SMALL"},
                      logsConfig={"cloudWatchLogs": {"status": "DISABLED"}, "s3Logs": {"status": "DISABLED"}})
    w.case("codebuild-logging", "project/good-build", "project/quiet-build")
    sm = c("sagemaker")
    sm_role = c("iam").create_role(RoleName="sagemaker", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    sm.create_notebook_instance(NotebookInstanceName="good-nb", InstanceType="ml.t3.medium", RoleArn=sm_role, KmsKeyId=key,
                                DirectInternetAccess="Disabled", RootAccess="Disabled", SubnetId=sub,
                                InstanceMetadataServiceConfiguration={"MinimumInstanceMetadataServiceVersion": "2"},
                                SecurityGroupIds=[c("ec2").describe_security_groups()["SecurityGroups"][0]["GroupId"]])
    sm.create_notebook_instance(NotebookInstanceName="bad-nb", InstanceType="ml.t3.medium", RoleArn=sm_role,
                                DirectInternetAccess="Enabled", RootAccess="Enabled")
    w.pair("AWS::SageMaker::NotebookInstance", "good-nb", "bad-nb")
    for name, isolated in (("good-model", True), ("bad-model", False)):
        sm.create_model(ModelName=name, ExecutionRoleArn=sm_role, EnableNetworkIsolation=isolated,
                        PrimaryContainer={"Image": f"{w.account}.dkr.ecr.us-east-1.amazonaws.com/churn:3"})
    w.pair("AWS::SageMaker::Model", "good-model", "bad-model")
    emr = c("emr")
    ec2 = c("ec2")
    clusters = {}
    for name, cidr in (("good-emr", "10.9.1.0/24"), ("bad-emr", "10.9.2.0/24")):
        subnet = ec2.describe_subnets(Filters=[{"Name": "cidr-block", "Values": [cidr]}])["Subnets"][0]["SubnetId"]
        clusters[name] = emr.run_job_flow(Name=name, ReleaseLabel="emr-7.2.0", JobFlowRole="EMR_EC2_DefaultRole",
                                          **({"SecurityConfiguration": "encrypted"} if name == "good-emr" else {}),
                                          ServiceRole="EMR_DefaultRole", VisibleToAllUsers=True, Instances={
                                              "MasterInstanceType": "m5.xlarge", "InstanceCount": 1,
                                              "KeepJobFlowAliveWhenNoSteps": True, "Ec2SubnetId": subnet})["JobFlowId"]
    w.pair("AWS::EMR::Cluster", clusters["good-emr"], clusters["bad-emr"])
    sf = c("stepfunctions")
    sf_role = c("iam").create_role(RoleName="states", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    sf.create_state_machine(name="good-flow", definition=definition, roleArn=sf_role,
                            loggingConfiguration={"level": "ALL", "includeExecutionData": True, "destinations": [
                                {"cloudWatchLogsLogGroup": {"logGroupArn": f"arn:aws:logs:us-east-1:{w.account}:log-group:/sf:*"}}]},
                            tracingConfiguration={"enabled": True})
    sf.create_state_machine(name="bad-flow", definition=definition, roleArn=sf_role)
    w.pair("AWS::StepFunctions::StateMachine", "good-flow", "bad-flow")


# -- the edge --------------------------------------------------------------------------------------------
def edge(w: World) -> None:
    ec2 = c("ec2")
    cert = c("acm").request_certificate(DomainName="app.example.com")["CertificateArn"]
    subs = [x["SubnetId"] for x in ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]][:2]
    elb = c("elb")
    elb.create_load_balancer(LoadBalancerName="good-clb", Scheme="internal", AvailabilityZones=["us-east-1a"], Listeners=[
        {"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstanceProtocol": "HTTP", "InstancePort": 80,
         "SSLCertificateId": cert}])
    elb.modify_load_balancer_attributes(LoadBalancerName="good-clb", LoadBalancerAttributes={
        "AccessLog": {"Enabled": True, "S3BucketName": "wasec-logs", "EmitInterval": 60},
        "AdditionalAttributes": [{"Key": "elb.http.desyncmitigationmode", "Value": "strictest"}]})
    body, key = certificate(-400, -10)  # a certificate kept in IAM, and long expired
    iam_cert = c("iam").upload_server_certificate(ServerCertificateName="bad-cert", CertificateBody=body,
                                                  PrivateKey=key)["ServerCertificateMetadata"]["Arn"]
    w.bad["AWS::IAM::ServerCertificate"] = "bad-cert"
    elb.create_load_balancer(LoadBalancerName="bad-clb", AvailabilityZones=["us-east-1a"], Listeners=[
        {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 80},
        {"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstanceProtocol": "HTTP", "InstancePort": 80,
         "SSLCertificateId": iam_cert}])
    elb.modify_load_balancer_attributes(LoadBalancerName="bad-clb", LoadBalancerAttributes={
        "AdditionalAttributes": [{"Key": "elb.http.desyncmitigationmode", "Value": "monitor"}]})
    w.pair("AWS::ElasticLoadBalancing::LoadBalancer", "good-clb", "bad-clb")
    acm = c("acm")
    body, key = certificate(-10, 400)
    good_cert = acm.import_certificate(Certificate=body, PrivateKey=key)["CertificateArn"]
    body, key = certificate(-10, 10, bits=1024)  # a short key, about to expire
    bad_cert = acm.import_certificate(Certificate=body, PrivateKey=key)["CertificateArn"]
    w.pair("AWS::CertificateManager::Certificate", good_cert.rsplit("/", 1)[1], bad_cert.rsplit("/", 1)[1])
    wildcard = acm.request_certificate(DomainName="*.example.com")["CertificateArn"]
    w.case("acm-certificate-no-wildcard", good_cert.rsplit("/", 1)[1], wildcard.rsplit("/", 1)[1])
    waf = c("wafv2")
    seen = {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": "m"}
    good_acl = waf.create_web_acl(Name="good-acl", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=seen,
                                  Rules=[{"Name": "common", "Priority": 0, "OverrideAction": {"None": {}}, "VisibilityConfig": seen,
                                          "Statement": {"ManagedRuleGroupStatement": {
                                              "VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}}},
                                         {"Name": "bad-inputs", "Priority": 1, "OverrideAction": {"None": {}},
                                          "VisibilityConfig": seen, "Statement": {"ManagedRuleGroupStatement": {
                                              "VendorName": "AWS", "Name": "AWSManagedRulesKnownBadInputsRuleSet"}}}]
                                  )["Summary"]["ARN"]
    waf.put_logging_configuration(LoggingConfiguration={"ResourceArn": good_acl, "LogDestinationConfigs": [
        f"arn:aws:firehose:us-east-1:{w.account}:deliverystream/aws-waf-logs-good"]})
    unseen = {**seen, "CloudWatchMetricsEnabled": False}
    waf.create_web_acl(Name="bad-acl", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=seen, Rules=[
        {"Name": "rate", "Priority": 0, "Action": {"Block": {}}, "VisibilityConfig": unseen,
         "Statement": {"RateBasedStatement": {"Limit": 1000, "AggregateKeyType": "IP"}}}])
    waf.create_web_acl(Name="empty-acl", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=seen)
    w.pair("AWS::WAFv2::WebACL", "good-acl", "bad-acl")
    w.case("waf-web-acl-rules", "good-acl", "empty-acl")
    ram = c("ram")
    for name, external in (("good-share", False), ("bad-share", True)):
        ram.create_resource_share(name=name, allowExternalPrincipals=external)
    w.pair("AWS::RAM::ResourceShare", "good-share", "bad-share")
    v2 = c("elbv2")
    good_lb = v2.create_load_balancer(Name="good-alb", Subnets=subs, Scheme="internal", Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    v2.modify_load_balancer_attributes(LoadBalancerArn=good_lb, Attributes=[
        {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
        {"Key": "access_logs.s3.enabled", "Value": "true"}, {"Key": "access_logs.s3.bucket", "Value": "wasec-logs"},
        {"Key": "deletion_protection.enabled", "Value": "true"}])
    bad_lb = v2.create_load_balancer(Name="bad-alb", Subnets=subs, Scheme="internet-facing", Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    v2.modify_load_balancer_attributes(LoadBalancerArn=bad_lb, Attributes=[
        {"Key": "routing.http.desync_mitigation_mode", "Value": "monitor"}])
    w.pair("AWS::ElasticLoadBalancingV2::LoadBalancer", "good-alb", "bad-alb")
    vpc = ec2.describe_subnets(SubnetIds=subs[:1])["Subnets"][0]["VpcId"]
    tg = v2.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
    good_l = v2.create_listener(LoadBalancerArn=good_lb, Protocol="HTTPS", Port=443, SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
                                Certificates=[{"CertificateArn": cert}],
                                DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])["Listeners"][0]["ListenerArn"]
    bad_l = v2.create_listener(LoadBalancerArn=bad_lb, Protocol="HTTP", Port=80,
                               DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])["Listeners"][0]["ListenerArn"]
    w.pair("AWS::ElasticLoadBalancingV2::Listener", good_l.rsplit("/", 3)[-3], bad_l.rsplit("/", 3)[-3])
    weak = v2.create_listener(LoadBalancerArn=bad_lb, Protocol="HTTPS", Port=443, SslPolicy="ELBSecurityPolicy-2016-08",
                              Certificates=[{"CertificateArn": cert}],
                              DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])["Listeners"][0]["ListenerArn"]
    w.case("elb-tls-policy", good_l.rsplit("/", 1)[-1], weak.rsplit("/", 1)[-1])
    ag = c("apigateway")
    good_api = ag.create_rest_api(name="good-api", policy=policy(
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-123"}}}))["id"]
    bad_api = ag.create_rest_api(name="bad-api", policy=policy(
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}))["id"]
    w.pair("AWS::ApiGateway::RestApi", good_api, bad_api)
    for api, good in ((good_api, True), (bad_api, False)):
        root = ag.get_resources(restApiId=api)["items"][0]["id"]
        validator = ag.create_request_validator(restApiId=api, name="all", validateRequestBody=True,
                                                validateRequestParameters=True)["id"] if good else None
        ag.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="AWS_IAM" if good else "NONE",
                      **({"requestValidatorId": validator} if validator else {}))
        ag.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
        dep = ag.create_deployment(restApiId=api)["id"]
        ag.create_stage(restApiId=api, stageName="prod", deploymentId=dep, tracingEnabled=good)
        if good:
            ag.update_stage(restApiId=api, stageName="prod", patchOperations=[
                {"op": "replace", "path": "/accessLogSettings/destinationArn",
                 "value": f"arn:aws:logs:us-east-1:{w.account}:log-group:api"},
                {"op": "replace", "path": "/accessLogSettings/format", "value": "$context.requestId"},
                {"op": "replace", "path": "/*/*/caching/enabled", "value": "true"},
                {"op": "replace", "path": "/*/*/caching/dataEncrypted", "value": "true"}])
        else:
            ag.update_stage(restApiId=api, stageName="prod", patchOperations=[
                {"op": "replace", "path": "/*/*/caching/enabled", "value": "true"},
                {"op": "replace", "path": "/*/*/caching/dataEncrypted", "value": "false"},
                {"op": "replace", "path": "/*/*/logging/dataTrace", "value": "true"}])
    w.pair("AWS::ApiGateway::Stage", f"{good_api}/stages/prod", f"{bad_api}/stages/prod")
    w.pair("AWS::ApiGateway::Method", f"{good_api}/", f"{bad_api}/")
    ag.create_domain_name(domainName="good.example.com", securityPolicy="TLS_1_2",
                          regionalCertificateArn=cert)
    ag.create_domain_name(domainName="bad.example.com", securityPolicy="TLS_1_0",
                          regionalCertificateArn=cert)
    w.pair("AWS::ApiGateway::DomainName", "good.example.com", "bad.example.com")
    v2a = c("apigatewayv2")
    for name, good in (("good-http", True), ("bad-http", False)):
        api = v2a.create_api(Name=name, ProtocolType="HTTP")["ApiId"]
        v2a.create_route(ApiId=api, RouteKey="GET /orders", AuthorizationType="AWS_IAM" if good else "NONE")
        v2a.create_stage(ApiId=api, StageName="prod", **({"AccessLogSettings": {
            "DestinationArn": f"arn:aws:logs:us-east-1:{w.account}:log-group:http", "Format": "$context.requestId"}} if good else {}))
        if good:
            gid = api
        else:
            bid = api
    w.pair("AWS::ApiGatewayV2::Stage", f"{gid}/prod", f"{bid}/prod")
    w.pair("AWS::ApiGatewayV2::Route", f"{gid}/", f"{bid}/")
    v2a.create_domain_name(DomainName="good2.example.com", DomainNameConfigurations=[
        {"CertificateArn": cert, "SecurityPolicy": "TLS_1_2"}])
    v2a.create_domain_name(DomainName="bad2.example.com", DomainNameConfigurations=[
        {"CertificateArn": cert, "SecurityPolicy": "TLS_1_0"}])
    w.pair("AWS::ApiGatewayV2::DomainName", "good2.example.com", "bad2.example.com")
    cf = c("cloudfront")
    ids = {}
    for name, good in (("good", True), ("bad", False)):
        origin: dict[str, Any] = {"Id": "app", "DomainName": "app.example.com", "CustomOriginConfig": {
            "HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only" if good else "http-only",
            "OriginSslProtocols": {"Quantity": 1, "Items": ["TLSv1.2" if good else "TLSv1"]}}}
        s3_origin: dict[str, Any] = {"Id": "assets", "DomainName": "good-bucket.s3.us-east-1.amazonaws.com",
                                     "S3OriginConfig": {"OriginAccessIdentity": ""},
                                     "OriginAccessControlId": "E2QWRUHAPOMQZL" if good else ""}
        config: dict[str, Any] = {
            "CallerReference": name, "Comment": name, "Enabled": True, "DefaultRootObject": "index.html" if good else "",
            "Origins": {"Quantity": 2, "Items": [origin, s3_origin]},
            "DefaultCacheBehavior": {"TargetOriginId": "app", "ViewerProtocolPolicy": "redirect-to-https" if good else "allow-all",
                                     "MinTTL": 0, "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                                     "TrustedSigners": {"Enabled": False, "Quantity": 0},
                                     **({"ResponseHeadersPolicyId": "67f7725c-6f97-4210-82d7-5512b31e9d03"} if good else {})},
            "ViewerCertificate": {"CloudFrontDefaultCertificate": False, "MinimumProtocolVersion": "TLSv1.2_2021" if good else "TLSv1",
                                  "ACMCertificateArn": cert,
                                  "SSLSupportMethod": "sni-only" if good else "vip"},
            "Logging": {"Enabled": good, "IncludeCookies": False, "Bucket": "wasec-logs.s3.amazonaws.com" if good else "",
                        "Prefix": "cf/" if good else ""},
        }
        if good:
            config["WebACLId"] = f"arn:aws:wafv2:us-east-1:{w.account}:global/webacl/edge/abc"
        ids[name] = cf.create_distribution(DistributionConfig=config)["Distribution"]["Id"]
    w.pair("AWS::CloudFront::Distribution", ids["good"], ids["bad"])
    config["CallerReference"], config["Comment"] = "default-cert", "default-cert"
    config["ViewerCertificate"] = {"CloudFrontDefaultCertificate": True, "MinimumProtocolVersion": "TLSv1"}
    w.case("cloudfront-custom-certificate", ids["good"], cf.create_distribution(DistributionConfig=config)["Distribution"]["Id"])


# -- detection -----------------------------------------------------------------------------------------
def monitoring(w: World) -> None:
    s = c("s3")
    s.create_bucket(Bucket="wasec-open-trail")
    s.put_bucket_policy(Bucket="wasec-open-trail", Policy=policy(
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::wasec-open-trail/*"}))
    logs = c("logs")
    key = c("kms").create_key(Description="logs")["KeyMetadata"]["Arn"]
    logs.create_log_group(logGroupName="good-logs", kmsKeyId=key)
    logs.put_retention_policy(logGroupName="good-logs", retentionInDays=400)
    logs.create_log_group(logGroupName="bad-logs")
    logs.put_retention_policy(logGroupName="bad-logs", retentionInDays=7)
    w.pair("AWS::Logs::LogGroup", "log-group:good-logs", "log-group:bad-logs")
    role = c("iam").create_role(RoleName="trail", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    ct = c("cloudtrail")
    # a poor trail: one region, not logging, no validation, no KMS, into a public bucket; it does record
    # object-level events for good-bucket (the S3 object-logging rules' good case)
    ct.create_trail(Name="bad-trail", S3BucketName="wasec-open-trail")
    ct.put_event_selectors(TrailName="bad-trail", EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": True,
                                                                    "DataResources": [{"Type": "AWS::S3::Object",
                                                                                       "Values": ["arn:aws:s3:::good-bucket/"]}]}])
    w.bad["AWS::CloudTrail::Trail"] = "trail/bad-trail"
    # a logging single-region trail recording good-bucket's object-level events
    ct.create_trail(Name="data-trail", S3BucketName="wasec-open-trail")
    ct.put_event_selectors(TrailName="data-trail", EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": False,
                                                                     "DataResources": [{"Type": "AWS::S3::Object",
                                                                                        "Values": ["arn:aws:s3:::good-bucket/"]}]}])
    ct.start_logging(Name="data-trail")
    cfg = c("config")
    cfg.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": role, "recordingGroup": {
        "allSupported": False, "includeGlobalResourceTypes": False, "resourceTypes": ["AWS::S3::Bucket"]}})
    w.bad["AWS::Config::ConfigurationRecorder"] = "config-recorder/default"
    good_agg = cfg.put_configuration_aggregator(ConfigurationAggregatorName="good-agg", AccountAggregationSources=[
        {"AccountIds": [w.account], "AllAwsRegions": True}])["ConfigurationAggregator"]["ConfigurationAggregatorArn"]
    bad_agg = cfg.put_configuration_aggregator(ConfigurationAggregatorName="bad-agg", AccountAggregationSources=[
        {"AccountIds": [w.account], "AwsRegions": ["us-east-1"], "AllAwsRegions": False}])["ConfigurationAggregator"]["ConfigurationAggregatorArn"]
    w.pair("AWS::Config::ConfigurationAggregator", good_agg, bad_agg)
    gd = c("guardduty").create_detector(Enable=False)["DetectorId"]
    w.bad["AWS::GuardDuty::Detector"] = gd
    w.bad["Wasec::AWS::Region"] = f"{w.account}/us-east-1"
    c("macie2").enable_macie()
    c("macie2").disable_macie()
    w.bad["AWS::Macie::Session"] = f"{w.account}/us-east-1/macie"
    w.bad["Wasec::AWS::Account"] = w.account


# -- streaming, messaging, transfer, desktops, migration ---------------------------------------------------
def misc(w: World) -> None:
    ec2 = c("ec2")
    by_az: dict[str, str] = {}
    for x in ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]:
        by_az.setdefault(x["AvailabilityZone"], x["SubnetId"])
    subs = sorted(by_az.values())[:2]
    key = c("kms").create_key(Description="misc")["KeyMetadata"]["Arn"]
    k = c("kafka")
    k.create_cluster(ClusterName="good-msk", KafkaVersion="3.5.1", NumberOfBrokerNodes=2, BrokerNodeGroupInfo={
        "InstanceType": "kafka.m5.large", "ClientSubnets": subs, "ConnectivityInfo": {"PublicAccess": {"Type": "DISABLED"}}},
        EncryptionInfo={"EncryptionAtRest": {"DataVolumeKMSKeyId": key},
                        "EncryptionInTransit": {"ClientBroker": "TLS", "InCluster": True}},
        LoggingInfo={"BrokerLogs": {"CloudWatchLogs": {"Enabled": True, "LogGroup": "msk"}}},
        ClientAuthentication={"Sasl": {"Iam": {"Enabled": True}}, "Unauthenticated": {"Enabled": False}})
    k.create_cluster(ClusterName="bad-msk", KafkaVersion="3.5.1", NumberOfBrokerNodes=2, BrokerNodeGroupInfo={
        "InstanceType": "kafka.m5.large", "ClientSubnets": subs, "ConnectivityInfo": {"PublicAccess": {"Type": "SERVICE_PROVIDED_EIPS"}}},
        EncryptionInfo={"EncryptionInTransit": {"ClientBroker": "PLAINTEXT", "InCluster": False}})
    w.pair("AWS::MSK::Cluster", "good-msk", "bad-msk")
    mq = c("mq")
    for name, good in (("good-mq", True), ("bad-mq", False)):
        mq.create_broker(BrokerName=name, EngineType="ActiveMQ", EngineVersion="5.17.6", HostInstanceType="mq.t3.micro",
                         DeploymentMode="SINGLE_INSTANCE", PubliclyAccessible=not good, AutoMinorVersionUpgrade=good,
                         EncryptionOptions={"UseAwsOwnedKey": False, "KmsKeyId": key} if good else {"UseAwsOwnedKey": True},
                         Users=[{"Username": "app", "Password": fake_secret()[:20]}],
                         Logs={"Audit": good, "General": good})
    w.pair("AWS::AmazonMQ::Broker", "good-mq", "bad-mq")
    t = c("transfer")
    good_t = t.create_server(Protocols=["SFTP"], EndpointType="PUBLIC", SecurityPolicyName="TransferSecurityPolicy-2024-01")["ServerId"]
    bad_t = t.create_server(Protocols=["FTP", "SFTP"], EndpointType="VPC", EndpointDetails={"SubnetIds": subs[:1]})["ServerId"]
    w.pair("AWS::Transfer::Server", good_t, bad_t)
    w.case("transfer-server-not-public", bad_t, good_t)  # the VPC endpoint is the good one here
    dms = c("dms")
    dms.create_replication_instance(ReplicationInstanceIdentifier="good-dms", ReplicationInstanceClass="dms.t3.micro",
                                    PubliclyAccessible=False, KmsKeyId=key, AutoMinorVersionUpgrade=True)
    dms.create_replication_instance(ReplicationInstanceIdentifier="bad-dms", ReplicationInstanceClass="dms.t3.micro",
                                    PubliclyAccessible=True, AutoMinorVersionUpgrade=False)
    w.pair("AWS::DMS::ReplicationInstance", "good-dms", "bad-dms")
    endpoints = {}
    for name, engine, extra in (("good-src", "postgres", {"SslMode": "verify-full", "KmsKeyId": key}),
                                ("bad-src", "mysql", {"SslMode": "none"})):
        endpoints[name] = dms.create_endpoint(EndpointIdentifier=name, EndpointType="source", EngineName=engine,
                                              ServerName="db.internal.example.com", Port=5432, DatabaseName="orders",
                                              Username="replicator", Password=fake_secret()[:20], **extra)["Endpoint"]["EndpointArn"]
    w.pair("AWS::DMS::Endpoint", "good-src", "bad-src")
    for rule, engine, settings, good, bad in (
            ("dms-endpoint-redis-tls", "redis", "RedisSettings", {"SslSecurityProtocol": "ssl-encryption"},
             {"SslSecurityProtocol": "plaintext"}),
            ("dms-endpoint-neptune-iam", "neptune", "NeptuneSettings", {"IamAuthEnabled": True}, {"IamAuthEnabled": False}),
            ("dms-endpoint-mongodb-auth", "mongodb", "MongoDbSettings", {"AuthType": "password"}, {"AuthType": "no"})):
        base = {"redis": {"ServerName": "cache.internal.example.com", "Port": 6379},
                "neptune": {"S3BucketName": "dms-staging", "S3BucketFolder": "graph"},
                "mongodb": {"ServerName": "docs.internal.example.com", "Port": 27017}}[engine]
        for name, extra in ((f"good-{engine}", good), (f"bad-{engine}", bad)):
            dms.create_endpoint(EndpointIdentifier=name, EndpointType="target" if engine != "mongodb" else "source",
                                EngineName=engine, **{settings: {**base, **extra}})
        w.case(rule, f"good-{engine}", f"bad-{engine}")
    instance = dms.describe_replication_instances()["ReplicationInstances"][0]["ReplicationInstanceArn"]
    logged = {"Logging": {"EnableLogging": True, "LogComponents": [
        {"Id": i, "Severity": "LOGGER_SEVERITY_DEFAULT"} for i in ("SOURCE_CAPTURE", "SOURCE_UNLOAD", "TARGET_APPLY", "TARGET_LOAD")]}}
    for name, settings in (("good-task", logged), ("bad-task", {"Logging": {"EnableLogging": False}})):
        dms.create_replication_task(ReplicationTaskIdentifier=name, SourceEndpointArn=endpoints["good-src"],
                                    TargetEndpointArn=endpoints["bad-src"], ReplicationInstanceArn=instance,
                                    MigrationType="full-load", TableMappings=json.dumps({"rules": []}),
                                    ReplicationTaskSettings=json.dumps(settings))
    w.pair("AWS::DMS::ReplicationTask", "good-task", "bad-task")
    ws = c("workspaces")
    ds = c("ds").create_directory(Name="corp.example.com", Password="P@ss" + fake_secret()[:12], Size="Small",
                                  VpcSettings={"VpcId": ec2.describe_subnets(SubnetIds=subs[:1])["Subnets"][0]["VpcId"],
                                               "SubnetIds": subs})["DirectoryId"]
    ws.register_workspace_directory(DirectoryId=ds)
    made = ws.create_workspaces(Workspaces=[
        {"DirectoryId": ds, "UserName": "good-user", "BundleId": "wsb-1", "VolumeEncryptionKey": key,
         "RootVolumeEncryptionEnabled": True, "UserVolumeEncryptionEnabled": True},
        {"DirectoryId": ds, "UserName": "bad-user", "BundleId": "wsb-1"}])["PendingRequests"]
    w.pair("AWS::WorkSpaces::Workspace", made[0]["WorkspaceId"], made[1]["WorkspaceId"])
    apps = c("appsync")
    role = c("iam").create_role(RoleName="appsync-logs", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"Service": "appsync.amazonaws.com"}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    good_api = apps.create_graphql_api(name="good-graph", authenticationType="AWS_IAM", logConfig={
        "fieldLogLevel": "ERROR", "cloudWatchLogsRoleArn": role})["graphqlApi"]["apiId"]
    bad_api = apps.create_graphql_api(name="bad-graph", authenticationType="API_KEY")["graphqlApi"]["apiId"]
    w.pair("AWS::AppSync::GraphQLApi", good_api, bad_api)
    for api, enc in ((good_api, True), (bad_api, False)):
        apps.create_api_cache(apiId=api, ttl=300, apiCachingBehavior="FULL_REQUEST_CACHING", type="SMALL",
                              transitEncryptionEnabled=enc, atRestEncryptionEnabled=enc)
    w.pair("AWS::AppSync::ApiCache", f"{good_api}/cache", f"{bad_api}/cache")
    dsync = c("datasync")
    ds_role = c("iam").create_role(RoleName="datasync", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"Service": "datasync.amazonaws.com"}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    src = dsync.create_location_s3(S3BucketArn="arn:aws:s3:::good-bucket", S3Config={"BucketAccessRoleArn": ds_role})["LocationArn"]
    dst = dsync.create_location_s3(S3BucketArn="arn:aws:s3:::wasec-logs", S3Config={"BucketAccessRoleArn": ds_role})["LocationArn"]
    dsync.create_task(SourceLocationArn=src, DestinationLocationArn=dst, Name="good-sync",
                      CloudWatchLogGroupArn=f"arn:aws:logs:us-east-1:{w.account}:log-group:/datasync")
    dsync.create_task(SourceLocationArn=src, DestinationLocationArn=dst, Name="bad-sync")
    w.pair("AWS::DataSync::Task", "good-sync", "bad-sync")
    tr = c("transfer")
    conns = {}
    for name, logged_ in (("good", True), ("bad", False)):
        conns[name] = tr.create_connector(Url=f"sftp://{name}.partner.example.com", AccessRole=ds_role,
                                          SftpConfig={"UserSecretId": "partner", "TrustedHostKeys": ["ssh-ed25519 AAAA"]},
                                          **({"LoggingRole": ds_role} if logged_ else {}))["ConnectorId"]
    w.pair("AWS::Transfer::Connector", conns["good"], conns["bad"])
    idp = c("cognito-idp")
    strong = {"MinimumLength": 12, "RequireLowercase": True, "RequireUppercase": True, "RequireNumbers": True,
              "RequireSymbols": True, "TemporaryPasswordValidityDays": 3}
    idp.create_user_pool(PoolName="good-users", Policies={"PasswordPolicy": strong})
    idp.create_user_pool(PoolName="bad-users", Policies={"PasswordPolicy": {**strong, "MinimumLength": 6,
                                                                            "RequireSymbols": False}})
    w.pair("AWS::Cognito::UserPool", "good-users", "bad-users")
    pca = c("acm-pca")
    cas = {}
    for name in ("good-root", "bad-root"):
        cas[name] = pca.create_certificate_authority(CertificateAuthorityType="ROOT", CertificateAuthorityConfiguration={
            "KeyAlgorithm": "RSA_2048", "SigningAlgorithm": "SHA256WITHRSA", "Subject": {"CommonName": name}})[
            "CertificateAuthorityArn"]
    pca.update_certificate_authority(CertificateAuthorityArn=cas["good-root"], Status="DISABLED")
    w.pair("AWS::ACMPCA::CertificateAuthority", cas["good-root"].rsplit("/", 1)[-1], cas["bad-root"].rsplit("/", 1)[-1])
    nfw = c("network-firewall")
    vpc = ec2.describe_subnets(SubnetIds=subs[:1])["Subnets"][0]["VpcId"]
    for name, good in (("good-fw", True), ("bad-fw", False)):
        fw = nfw.create_firewall(FirewallName=name, VpcId=vpc, SubnetMappings=[{"SubnetId": subs[0]}],
                                 FirewallPolicyArn=f"arn:aws:network-firewall:us-east-1:{w.account}:firewall-policy/edge",
                                 DeleteProtection=good, SubnetChangeProtection=good,
                                 **({"EncryptionConfiguration": {"KeyId": key, "Type": "CUSTOMER_KMS"}} if good else {}))[
                                     "Firewall"]["FirewallArn"]
        if good:
            nfw.update_logging_configuration(FirewallArn=fw, LoggingConfiguration={"LogDestinationConfigs": [
                {"LogType": "ALERT", "LogDestinationType": "CloudWatchLogs", "LogDestination": {"logGroup": "fw"}}]})
    w.pair("AWS::NetworkFirewall::Firewall", "good-fw", "bad-fw")
    ci = c("cognito-identity")
    for name, guests in (("good_pool", False), ("bad_pool", True)):
        ci.create_identity_pool(IdentityPoolName=name, AllowUnauthenticatedIdentities=guests)
    w.pair("AWS::Cognito::IdentityPool", "good_pool", "bad_pool")
    logs = c("logs")
    logs.create_log_group(logGroupName="/aws/route53/good.example.org")
    dns_logs = f"arn:aws:logs:us-east-1:{w.account}:log-group:/aws/route53/good.example.org:*"
    r53 = c("route53")
    good_zone = r53.create_hosted_zone(Name="good.example.org", CallerReference="good")["HostedZone"]["Id"].rsplit("/", 1)[-1]
    r53.create_query_logging_config(HostedZoneId=good_zone, CloudWatchLogsLogGroupArn=dns_logs)
    bad_zone = r53.create_hosted_zone(Name="bad.example.org", CallerReference="bad")["HostedZone"]["Id"].rsplit("/", 1)[-1]
    w.pair("AWS::Route53::HostedZone", good_zone, bad_zone)
    # EMR block public access is one setting per region: never set here (the emulator turns any put into
    # "on"), on in the second account
    w.bad["Wasec::EMR::BlockPublicAccessConfiguration"] = "emr-block-public-access"


GD_FEATURES = ("S3_DATA_EVENTS", "EKS_AUDIT_LOGS", "EBS_MALWARE_PROTECTION", "RDS_LOGIN_EVENTS", "EKS_RUNTIME_MONITORING",
               "LAMBDA_NETWORK_LOGS", "RUNTIME_MONITORING")

def identity_center(w: World) -> None:
    """Permission sets: the identity rules judge their inline and managed policies as a role's."""
    sso = c("sso-admin")
    instance = sso.list_instances()["Instances"][0]["InstanceArn"]
    sets = {}
    for name in ("Good", "Bad"):
        sets[name] = sso.create_permission_set(Name=name, InstanceArn=instance)["PermissionSet"]["PermissionSetArn"]
    sso.put_inline_policy_to_permission_set(InstanceArn=instance, PermissionSetArn=sets["Good"], InlinePolicy=policy(
        {"Effect": "Allow", "Action": ["ssm:StartSession"], "Resource": "arn:aws:ec2:*:*:instance/*"}))
    sso.put_inline_policy_to_permission_set(InstanceArn=instance, PermissionSetArn=sets["Bad"],
                                            InlinePolicy=policy(*BAD_STATEMENTS))
    for arn in ("arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/AmazonS3FullAccess"):
        sso.attach_managed_policy_to_permission_set(InstanceArn=instance, PermissionSetArn=sets["Bad"],
                                                    ManagedPolicyArn=arn)
    w.pair("AWS::SSO::PermissionSet", sets["Good"].rsplit("/", 1)[-1], sets["Bad"].rsplit("/", 1)[-1])


BUILDERS: list[Callable[[World], None]] = [iam, s3, ec2, databases, data, compute, edge, monitoring, misc,
                                           identity_center]


def build_good_account() -> World:
    """A second account where every account-wide fact is as the pillar asks (boto3 must point at it)."""
    w = World(c("sts").get_caller_identity()["Account"])
    iam_ = c("iam")
    iam_.update_account_password_policy(MinimumPasswordLength=16, RequireSymbols=True, RequireNumbers=True,
                                        RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
                                        MaxPasswordAge=90, PasswordReusePrevention=24, AllowUsersToChangePassword=True)
    w.good["Wasec::IAM::AccountPasswordPolicy"] = "password-policy"
    iam_.create_role(RoleName="support", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{w.account}:root"}, "Action": "sts:AssumeRole"}))
    iam_.attach_role_policy(RoleName="support", PolicyArn="arn:aws:iam::aws:policy/AWSSupportAccess")
    s3control().put_public_access_block(AccountId=w.account, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    w.good["Wasec::S3::AccountPublicAccessBlock"] = "s3-public-access-block"
    c("ec2").enable_ebs_encryption_by_default()
    w.good["Wasec::EC2::EBSEncryptionByDefault"] = "ebs-encryption-by-default"
    s = c("s3")
    s.create_bucket(Bucket=f"logs-{w.account}")
    s.put_bucket_acl(Bucket=f"logs-{w.account}", ACL="log-delivery-write")
    s.create_bucket(Bucket=f"trail-{w.account}")
    s.put_bucket_logging(Bucket=f"trail-{w.account}", BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": f"logs-{w.account}",
                                                                                             "TargetPrefix": "trail/"}})
    s.put_public_access_block(Bucket=f"trail-{w.account}", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    key = c("kms").create_key(Description="trail")["KeyMetadata"]["Arn"]
    logs = c("logs")
    logs.create_log_group(logGroupName="trail", kmsKeyId=key)
    trail_role = iam_.create_role(RoleName="trail", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    ct = c("cloudtrail")
    ct.create_trail(Name="good-trail", S3BucketName=f"trail-{w.account}", IsMultiRegionTrail=True, EnableLogFileValidation=True,
                    KmsKeyId=key, IncludeGlobalServiceEvents=True,
                    CloudWatchLogsLogGroupArn=f"arn:aws:logs:us-east-1:{w.account}:log-group:trail:*",
                    CloudWatchLogsRoleArn=trail_role)
    ct.start_logging(Name="good-trail")
    w.good["AWS::CloudTrail::Trail"] = "trail/good-trail"
    gd = c("guardduty").create_detector(Enable=True, Features=[
        {"Name": f, "Status": "ENABLED", "AdditionalConfiguration": [
            {"Name": a, "Status": "ENABLED"} for a in ("EKS_ADDON_MANAGEMENT", "ECS_FARGATE_AGENT_MANAGEMENT", "EC2_AGENT_MANAGEMENT")]}
        for f in GD_FEATURES])["DetectorId"]
    w.good["AWS::GuardDuty::Detector"] = gd
    c("macie2").enable_macie()
    w.good["AWS::Macie::Session"] = f"{w.account}/us-east-1/macie"
    c("securityhub").enable_security_hub(EnableDefaultStandards=True)
    w.good["AWS::SecurityHub::Hub"] = "hub"
    role = iam_.create_role(RoleName="config", AssumeRolePolicyDocument=policy(
        {"Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"}, "Action": "sts:AssumeRole"}))["Role"]["Arn"]
    cfg = c("config")
    cfg.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": role, "recordingGroup": {
        "allSupported": True, "includeGlobalResourceTypes": True}})
    cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": f"trail-{w.account}"})
    cfg.start_configuration_recorder(ConfigurationRecorderName="default")
    w.good["AWS::Config::ConfigurationRecorder"] = "config-recorder/default"
    boto3.client("account", region_name=REGION).put_alternate_contact(
        AlternateContactType="SECURITY", EmailAddress="security@example.com", Name="Security", PhoneNumber="+1-555-0100",
        Title="Security team")
    w.good["Wasec::AWS::Account"] = w.account
    w.good["Wasec::IAM::RootAccount"] = ":root"  # no keys, never used (MFA cannot be set in the emulator)
    w.good["Wasec::AWS::Region"] = f"{w.account}/us-east-1"
    c("emr").put_block_public_access_configuration(BlockPublicAccessConfiguration={
        "BlockPublicSecurityGroupRules": True, "PermittedPublicSecurityGroupRuleRanges": [{"MinRange": 22, "MaxRange": 22}]})
    w.good["Wasec::EMR::BlockPublicAccessConfiguration"] = "emr-block-public-access"
    return w


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return 1\n")
    return buf.getvalue()
