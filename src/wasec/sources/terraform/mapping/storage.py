"""S3, EBS, EFS and AWS Backup."""

from __future__ import annotations

from typing import Any

from wasec.sources.terraform.body import Body
from wasec.sources.terraform.mapping import Blk, Builder, attaches, enabled_status, json_doc, maps, simple

# Terraform canned ACL names → CloudFormation AccessControl values
CANNED_ACL = {
    "private": "Private",
    "public-read": "PublicRead",
    "public-read-write": "PublicReadWrite",
    "authenticated-read": "AuthenticatedRead",
    "log-delivery-write": "LogDeliveryWrite",
    "bucket-owner-read": "BucketOwnerRead",
    "bucket-owner-full-control": "BucketOwnerFullControl",
    "aws-exec-read": "AwsExecRead",
}


def canned_acl(v: Any) -> Any:
    return CANNED_ACL.get(v, v) if isinstance(v, str) else v


_SSE_RULE = {
    "apply_server_side_encryption_by_default": Blk(
        "ServerSideEncryptionByDefault", {"sse_algorithm": "SSEAlgorithm", "kms_master_key_id": "KMSMasterKeyID"}
    ),
    "bucket_key_enabled": "BucketKeyEnabled",
}
_SSE = {"rule": Blk("BucketEncryption.ServerSideEncryptionConfiguration", _SSE_RULE, many=True)}
_LIFECYCLE_RULE = {"id": "Id", "status": "Status", "enabled": ("Status", enabled_status)}
_GRANT = {"permission": "Permission", "permissions": "Permissions", "type": "Grantee.Type", "uri": "Grantee.URI", "id": "Grantee.ID"}


def _grants(b: Body, o: Builder) -> None:
    """ACL grants (legacy ``grant`` blocks or ``access_control_policy``) → AccessControlPolicy.Grants."""
    for g in b.blocks("grant"):
        perms = g.attr("permissions")
        idx = o.append("AccessControlPolicy.Grants", {}, g.line, g.file)
        o.copy(g, {"type": "Grantee.Type", "uri": "Grantee.URI", "id": "Grantee.ID"}, f"AccessControlPolicy.Grants.{idx}")
        o.set(f"AccessControlPolicy.Grants.{idx}.Permissions", perms)
    for acp in b.blocks("access_control_policy"):
        for g in acp.blocks("grant"):
            idx = o.append("AccessControlPolicy.Grants", {}, g.line, g.file)
            o.set(f"AccessControlPolicy.Grants.{idx}.Permission", g.attr("permission"))
            for ge in g.blocks("grantee"):
                o.copy(ge, {"type": "Type", "uri": "URI", "id": "ID", "email_address": "EmailAddress"},
                       f"AccessControlPolicy.Grants.{idx}.Grantee")


@maps("aws_s3_bucket", "AWS::S3::Bucket")
def _bucket(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {
        "bucket": "BucketName",
        "acl": ("AccessControl", canned_acl),
        "policy": ("PolicyDocument", json_doc),
        "object_lock_enabled": "ObjectLockEnabled",
        "versioning": Blk("VersioningConfiguration", {"enabled": ("Status", enabled_status), "mfa_delete": ("MfaDelete", enabled_status)}),
        "logging": Blk("LoggingConfiguration", {"target_bucket": "DestinationBucketName", "target_prefix": "LogFilePrefix"}),
        "server_side_encryption_configuration": Blk("", _SSE),
        "lifecycle_rule": Blk("LifecycleConfiguration.Rules", _LIFECYCLE_RULE, many=True),
        "website": Blk("WebsiteConfiguration", {"index_document": "IndexDocument", "error_document": "ErrorDocument"}),
        "object_lock_configuration": Blk("ObjectLockConfiguration", {
            "object_lock_enabled": "ObjectLockEnabled",
            "rule": Blk("Rule", {"default_retention": Blk("DefaultRetention", {"mode": "Mode", "days": "Days", "years": "Years"})}),
        }),
    })
    _grants(b, o)
    o.name(b.attr("bucket"))


@attaches("aws_s3_bucket_public_access_block", "AWS::S3::Bucket", via="bucket")
def _pab(b: Body, o: Builder, m: Any) -> None:
    o.put("PublicAccessBlockConfiguration", o.get("PublicAccessBlockConfiguration") or {}, b.line, b.file)
    o.copy(b, {
        "block_public_acls": "BlockPublicAcls",
        "block_public_policy": "BlockPublicPolicy",
        "ignore_public_acls": "IgnorePublicAcls",
        "restrict_public_buckets": "RestrictPublicBuckets",
    }, "PublicAccessBlockConfiguration")


@attaches("aws_s3_bucket_server_side_encryption_configuration", "AWS::S3::Bucket", via="bucket")
def _sse(b: Body, o: Builder, m: Any) -> None:
    o.put("BucketEncryption", {"ServerSideEncryptionConfiguration": []}, b.line, b.file)
    o.copy(b, _SSE)


@attaches("aws_s3_bucket_versioning", "AWS::S3::Bucket", via="bucket")
def _versioning(b: Body, o: Builder, m: Any) -> None:
    o.block(b, "versioning_configuration", "VersioningConfiguration", {"status": "Status", "mfa_delete": "MfaDelete"})
    o.set("VersioningConfiguration.MfaDeviceConfigured", b.attr("mfa"), lambda v: bool(v))


@attaches("aws_s3_bucket_logging", "AWS::S3::Bucket", via="bucket")
def _logging(b: Body, o: Builder, m: Any) -> None:
    o.put("LoggingConfiguration", {}, b.line, b.file)
    o.copy(b, {"target_bucket": "DestinationBucketName", "target_prefix": "LogFilePrefix"}, "LoggingConfiguration")


@attaches("aws_s3_bucket_acl", "AWS::S3::Bucket", via="bucket")
def _acl(b: Body, o: Builder, m: Any) -> None:
    o.set("AccessControl", b.attr("acl"), canned_acl)
    _grants(b, o)


@attaches("aws_s3_bucket_policy", "AWS::S3::Bucket", via="bucket")
def _policy(b: Body, o: Builder, m: Any) -> None:
    o.policy("PolicyDocument", b.attr("policy"))


@attaches("aws_s3_bucket_object_lock_configuration", "AWS::S3::Bucket", via="bucket")
def _object_lock(b: Body, o: Builder, m: Any) -> None:
    o.put("ObjectLockEnabled", True, b.line, b.file)
    o.put("ObjectLockConfiguration", {"ObjectLockEnabled": "Enabled"}, b.line, b.file)
    o.block(b, "rule", "ObjectLockConfiguration.Rule", {
        "default_retention": Blk("DefaultRetention", {"mode": "Mode", "days": "Days", "years": "Years"}),
    })


@attaches("aws_s3_bucket_lifecycle_configuration", "AWS::S3::Bucket", via="bucket")
def _lifecycle(b: Body, o: Builder, m: Any) -> None:
    o.put("LifecycleConfiguration", {"Rules": []}, b.line, b.file)
    o.block(b, "rule", "LifecycleConfiguration.Rules", {"id": "Id", "status": "Status"}, many=True)


@attaches("aws_s3_bucket_ownership_controls", "AWS::S3::Bucket", via="bucket")
def _ownership(b: Body, o: Builder, m: Any) -> None:
    o.block(b, "rule", "OwnershipControls.Rules", {"object_ownership": "ObjectOwnership"}, many=True)


@attaches("aws_s3_bucket_website_configuration", "AWS::S3::Bucket", via="bucket")
def _website(b: Body, o: Builder, m: Any) -> None:
    o.put("WebsiteConfiguration", {}, b.line, b.file)
    o.block(b, "index_document", "WebsiteConfiguration", {"suffix": "IndexDocument"})


@attaches("aws_s3_bucket_notification", "AWS::S3::Bucket", via="bucket")
def _notification(b: Body, o: Builder, m: Any) -> None:
    o.put("NotificationConfiguration", {"Declared": True}, b.line, b.file)


simple("aws_s3_account_public_access_block", "Wasec::S3::AccountPublicAccessBlock", {
    "block_public_acls": "BlockPublicAcls",
    "block_public_policy": "BlockPublicPolicy",
    "ignore_public_acls": "IgnorePublicAcls",
    "restrict_public_buckets": "RestrictPublicBuckets",
})

simple("aws_ebs_volume", "AWS::EC2::Volume", {
    "encrypted": "Encrypted",
    "kms_key_id": "KmsKeyId",
    "size": "Size",
    "availability_zone": "AvailabilityZone",
    "type": "VolumeType",
})

simple("aws_ebs_encryption_by_default", "Wasec::EC2::EBSEncryptionByDefault", {"enabled": "Enabled"})
simple("aws_ebs_default_kms_key", "Wasec::EC2::EBSDefaultKmsKey", {"key_arn": "KmsKeyId"})


@attaches("aws_ami_launch_permission", "Wasec::EC2::Image", via="image_id")
def _ami_perm(b: Body, o: Builder, m: Any) -> None:
    for key, cfn in (("group", "Group"), ("account_id", "UserId"), ("organization_arn", "OrganizationArn")):
        v = b.attr(key)
        if v is not None:
            o.append("LaunchPermissions", {cfn: v.value}, v.line, v.file)


@maps("aws_efs_file_system", "AWS::EFS::FileSystem")
def _efs(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"encrypted": "Encrypted", "kms_key_id": "KmsKeyId", "creation_token": "FileSystemTags.Name"})
    o.props.pop("FileSystemTags", None)


@attaches("aws_efs_backup_policy", "AWS::EFS::FileSystem", via="file_system_id")
def _efs_backup(b: Body, o: Builder, m: Any) -> None:
    o.block(b, "backup_policy", "BackupPolicy", {"status": "Status"})


@attaches("aws_efs_file_system_policy", "AWS::EFS::FileSystem", via="file_system_id")
def _efs_policy(b: Body, o: Builder, m: Any) -> None:
    o.policy("FileSystemPolicy", b.attr("policy"))


simple("aws_efs_access_point", "AWS::EFS::AccessPoint", {
    "file_system_id": "FileSystemId",
    "posix_user": Blk("PosixUser", {"uid": "Uid", "gid": "Gid"}),
    "root_directory": Blk("RootDirectory", {"path": "Path"}),
})

simple("aws_backup_vault", "AWS::Backup::BackupVault", {"name": "BackupVaultName", "kms_key_arn": "EncryptionKeyArn"})


@attaches("aws_backup_vault_lock_configuration", "AWS::Backup::BackupVault", via="backup_vault_name")
def _vault_lock(b: Body, o: Builder, m: Any) -> None:
    o.put("LockConfiguration", {}, b.line, b.file)
    o.copy(b, {"min_retention_days": "MinRetentionDays", "max_retention_days": "MaxRetentionDays",
               "changeable_for_days": "ChangeableForDays"}, "LockConfiguration")


@attaches("aws_backup_vault_policy", "AWS::Backup::BackupVault", via="backup_vault_name")
def _vault_policy(b: Body, o: Builder, m: Any) -> None:
    o.policy("AccessPolicy", b.attr("policy"))


simple("aws_backup_plan", "AWS::Backup::BackupPlan", {
    "name": "BackupPlan.BackupPlanName",
    "rule": Blk("BackupPlan.BackupPlanRule", {"rule_name": "RuleName", "target_vault_name": "TargetBackupVault",
                                             "schedule": "ScheduleExpression",
                                             "lifecycle": Blk("Lifecycle", {"delete_after": "DeleteAfterDays"})}, many=True),
})
simple("aws_backup_selection", "AWS::Backup::BackupSelection", {
    "plan_id": "BackupPlanId",
    "name": "BackupSelection.SelectionName",
    "resources": "BackupSelection.Resources",
})


# -- S3 access points, EFS mount targets ------------------------------------------------------------------
_AP_BLOCK = {"block_public_acls": "BlockPublicAcls", "ignore_public_acls": "IgnorePublicAcls",
             "block_public_policy": "BlockPublicPolicy", "restrict_public_buckets": "RestrictPublicBuckets"}
simple("aws_s3_access_point", "AWS::S3::AccessPoint", {
    "name": "Name", "bucket": "Bucket", "policy": ("Policy", json_doc),
    "public_access_block_configuration": Blk("PublicAccessBlockConfiguration", _AP_BLOCK),
}, name="name")
simple("aws_s3control_multi_region_access_point", "AWS::S3::MultiRegionAccessPoint", {
    "details": Blk("", {"name": "Name", "public_access_block": Blk("PublicAccessBlockConfiguration", _AP_BLOCK)}),
})
simple("aws_efs_mount_target", "AWS::EFS::MountTarget", {
    "file_system_id": "FileSystemId", "subnet_id": "SubnetId", "security_groups": "SecurityGroups",
})


# -- keys of storage services and copies (customer managed keys) ---------------------------------------
_FSX = {"aws_fsx_lustre_file_system": "LUSTRE", "aws_fsx_windows_file_system": "WINDOWS",
        "aws_fsx_ontap_file_system": "ONTAP", "aws_fsx_openzfs_file_system": "OPENZFS"}


def _fsx(kind: str) -> Any:
    def fn(b: Body, o: Builder, m: Any) -> None:
        o.put("FileSystemType", kind, b.line, b.file)
        o.copy(b, {"kms_key_id": "KmsKeyId"})
        if kind == "LUSTRE":
            o.copy(b, {"deployment_type": "DeploymentType"}, "LustreConfiguration")
    return fn


for _tf, _kind in _FSX.items():
    maps(_tf, "AWS::FSx::FileSystem")(_fsx(_kind))

simple("aws_kinesis_video_stream", "AWS::KinesisVideo::Stream", {"name": "Name", "kms_key_id": "KmsKeyId"}, name="name")
simple("aws_timestreamwrite_database", "AWS::Timestream::Database",
       {"database_name": "DatabaseName", "kms_key_id": "KmsKeyId"}, name="database_name")
simple("aws_codeartifact_domain", "AWS::CodeArtifact::Domain", {"domain": "DomainName", "encryption_key": "EncryptionKey"},
       name="domain")
simple("aws_ebs_snapshot_copy", "Wasec::EC2::SnapshotCopy", {"encrypted": "Encrypted", "kms_key_id": "KmsKeyId"})
simple("aws_ami_copy", "Wasec::EC2::ImageCopy", {"name": "Name", "encrypted": "Encrypted", "kms_key_id": "KmsKeyId"})
for _tf in ("aws_s3_object", "aws_s3_object_copy", "aws_s3_bucket_object"):
    simple(_tf, "Wasec::S3::Object", {"bucket": "Bucket", "key": "Key", "server_side_encryption": "ServerSideEncryption",
                                      "kms_key_id": "KmsKeyId"})
simple("aws_glacier_vault", "Wasec::Glacier::Vault", {"name": "VaultName", "access_policy": ("AccessPolicy", json_doc)},
       name="name")
simple("aws_dlm_lifecycle_policy", "AWS::DLM::LifecyclePolicy", {
    "description": "Description",
    "policy_details": Blk("PolicyDetails", {
        "schedule": Blk("Schedules", {"name": "Name", "cross_region_copy_rule": Blk("CrossRegionCopyRules", {
            "target": "Target", "encrypted": "Encrypted", "cmk_arn": "CmkArn"}, many=True)}, many=True),
        "action": Blk("Actions", {"name": "Name", "cross_region_copy": Blk("CrossRegionCopy", {
            "target": "Target", "encryption_configuration": Blk("EncryptionConfiguration", {
                "encrypted": "Encrypted", "cmk_arn": "CmkArn"})}, many=True)}, many=True),
    }),
})
