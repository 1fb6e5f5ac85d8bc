"""The mechanical fixes: rules whose failure one property setting cures, in Terraform and CloudFormation.

A fix is declared once per rule, as the attribute (or nested block and attribute) to set for each
Terraform resource type and the property path to set for each CloudFormation type. Only settings
that cannot break a working deployment on their own belong here (rotation, encryption of new
storage, deletion protection, log validation); a fix that needs a decision (a KMS key, a CIDR) is
left to the rule's written remediation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Fix:
    what: str  # in words, for the plan: "turn on key rotation"
    terraform: dict[str, tuple[tuple[str, ...], str]]  # resource type -> (blocks…, attribute), HCL literal
    cloudformation: dict[str, tuple[tuple[str, ...], Any]]  # resource type -> property path, value

    def for_terraform(self, tf_type: str) -> tuple[tuple[str, ...], str] | None:
        return self.terraform.get(tf_type)

    def for_cloudformation(self, cfn_type: str) -> tuple[tuple[str, ...], Any] | None:
        return self.cloudformation.get(cfn_type)


FIXES: dict[str, Fix] = {
    "kms-key-rotation": Fix(
        "turn on yearly key rotation",
        {"aws_kms_key": (("enable_key_rotation",), "true")},
        {"AWS::KMS::Key": (("EnableKeyRotation",), True)}),
    "sqs-queue-encrypted": Fix(
        "encrypt the queue with SQS-managed keys",
        {"aws_sqs_queue": (("sqs_managed_sse_enabled",), "true")},
        {"AWS::SQS::Queue": (("SqsManagedSseEnabled",), True)}),
    "ebs-volume-encrypted": Fix(
        "encrypt the volume",
        {"aws_ebs_volume": (("encrypted",), "true")},
        {"AWS::EC2::Volume": (("Encrypted",), True)}),
    "rds-instance-encrypted": Fix(
        "encrypt the database storage (takes effect on a new instance)",
        {"aws_db_instance": (("storage_encrypted",), "true")},
        {"AWS::RDS::DBInstance": (("StorageEncrypted",), True)}),
    "rds-cluster-encrypted": Fix(
        "encrypt the cluster storage (takes effect on a new cluster)",
        {"aws_rds_cluster": (("storage_encrypted",), "true")},
        {"AWS::RDS::DBCluster": (("StorageEncrypted",), True)}),
    "rds-not-public": Fix(
        "make the database private",
        {"aws_db_instance": (("publicly_accessible",), "false")},
        {"AWS::RDS::DBInstance": (("PubliclyAccessible",), False)}),
    "rds-deletion-protection": Fix(
        "turn on deletion protection",
        {"aws_db_instance": (("deletion_protection",), "true"), "aws_rds_cluster": (("deletion_protection",), "true")},
        {"AWS::RDS::DBInstance": (("DeletionProtection",), True), "AWS::RDS::DBCluster": (("DeletionProtection",), True)}),
    "cloudtrail-log-file-validation": Fix(
        "turn on log file validation",
        {"aws_cloudtrail": (("enable_log_file_validation",), "true")},
        {"AWS::CloudTrail::Trail": (("EnableLogFileValidation",), True)}),
    "cloudtrail-multi-region": Fix(
        "record every region",
        {"aws_cloudtrail": (("is_multi_region_trail",), "true")},
        {"AWS::CloudTrail::Trail": (("IsMultiRegionTrail",), True)}),
    "ecr-tag-immutability": Fix(
        "make image tags immutable",
        {"aws_ecr_repository": (("image_tag_mutability",), '"IMMUTABLE"')},
        {"AWS::ECR::Repository": (("ImageTagMutability",), "IMMUTABLE")}),
    "ecr-image-scan-on-push": Fix(
        "scan images on push",
        {"aws_ecr_repository": (("image_scanning_configuration", "scan_on_push"), "true")},
        {"AWS::ECR::Repository": (("ImageScanningConfiguration", "ScanOnPush"), True)}),
    "dynamodb-pitr": Fix(
        "turn on point-in-time recovery",
        {"aws_dynamodb_table": (("point_in_time_recovery", "enabled"), "true")},
        {"AWS::DynamoDB::Table": (("PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"), True)}),
    "dynamodb-deletion-protection": Fix(
        "turn on deletion protection",
        {"aws_dynamodb_table": (("deletion_protection_enabled",), "true")},
        {"AWS::DynamoDB::Table": (("DeletionProtectionEnabled",), True)}),
    "ec2-imdsv2-required": Fix(
        "require IMDSv2 session tokens",
        {"aws_instance": (("metadata_options", "http_tokens"), '"required"'),
         "aws_launch_template": (("metadata_options", "http_tokens"), '"required"')},
        {"AWS::EC2::LaunchTemplate": (("LaunchTemplateData", "MetadataOptions", "HttpTokens"), "required")}),
}
