"""Incident response readiness and recoverability (SEC10, SEC07-BP04): retention, versions, backups."""

from __future__ import annotations

from typing import Any

from wasec.rules.pack._common import expect, is_true
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, View

FORENSICS = ("SEC10-BP03",)
LIFECYCLE = ("SEC07-BP04", "SEC10-BP03")


@rule("cloudwatch-log-retention", title="CloudWatch log groups keep logs for at least a year", severity="medium",
      types=["AWS::Logs::LogGroup"], area="incident", category="logging", wa=(*FORENSICS, "SEC04-BP02"),
      options={"min_days": 365},
      why="Intrusions are found months after they start; logs deleted before then cannot show how they began.",
      fix="Set retention to 365 days or more (or archive to S3).", tf="retention_in_days = 365", cfn="RetentionInDays: 365")
def log_retention(r: View) -> Any:
    days = r.get("RetentionInDays")
    minimum = int(r.options.get("min_days", 365))
    if days is not None and int(days) < minimum:
        return Fail("RetentionInDays", f"logs are deleted after {days} days (minimum {minimum})", days)
    return None


@rule("s3-bucket-versioning", title="S3 bucket versioning is enabled", severity="medium", types=["AWS::S3::Bucket"],
      area="incident", category="resilience", wa=(*LIFECYCLE, "SEC08-BP04"), fsbp=("S3.14",),
      why="Versioning keeps overwritten and deleted objects recoverable after a mistake or a ransomware-style attack.",
      fix="Enable versioning (with a lifecycle rule to expire old versions).",
      tf='resource "aws_s3_bucket_versioning" "b" {\n  bucket = aws_s3_bucket.b.id\n  versioning_configuration {\n    status = "Enabled"\n  }\n}',
      cfn="VersioningConfiguration:\n  Status: Enabled")
def versioning(r: View) -> Any:
    status = r.get("VersioningConfiguration.Status")
    if status != "Enabled":
        return Fail("VersioningConfiguration.Status" if r.present("VersioningConfiguration") else "VersioningConfiguration",
                    "versioning is not enabled", status)
    return None


@rule("s3-bucket-mfa-delete", title="S3 bucket requires MFA to delete versions", severity="low", types=["AWS::S3::Bucket"],
      area="incident", category="resilience", wa=LIFECYCLE, cis=("3.1.2",), optional=True,
      why="MFA delete stops a stolen credential from permanently deleting object versions or suspending versioning.",
      fix="Enable MFA delete with the root user's MFA device (it cannot be set by CloudFormation).",
      tf='versioning_configuration {\n  status     = "Enabled"\n  mfa_delete = "Enabled"\n}',
      cfn="# MFA delete can only be enabled by the root user through the S3 API")
def mfa_delete(r: View) -> Any:
    if r.get("VersioningConfiguration.Status") != "Enabled":
        return Skip("versioning is off (s3-bucket-versioning)")
    v = r.get("VersioningConfiguration.MfaDelete")
    if v != "Enabled":
        return Fail("VersioningConfiguration.MfaDelete" if v is not None else "VersioningConfiguration",
                    "deleting versions does not require MFA", v)
    return None


@rule("s3-object-lock-retention", title="S3 Object Lock has a default retention", severity="medium",
      types=["AWS::S3::Bucket"], area="incident", category="resilience", wa=FORENSICS,
      why="Object Lock without a default retention protects nothing unless every writer sets retention itself.",
      fix="Set a default retention (GOVERNANCE or COMPLIANCE) on buckets with Object Lock, such as log archives.",
      tf='rule {\n  default_retention {\n    mode = "COMPLIANCE"\n    days = 365\n  }\n}',
      cfn="ObjectLockConfiguration:\n  ObjectLockEnabled: Enabled\n  Rule:\n    DefaultRetention:\n      Mode: COMPLIANCE\n      Days: 365")
def object_lock(r: View) -> Any:
    enabled = is_true(r.get("ObjectLockEnabled", False)) or r.get("ObjectLockConfiguration.ObjectLockEnabled") == "Enabled"
    if not enabled:
        return Skip("Object Lock is not used")
    if not r.present("ObjectLockConfiguration.Rule.DefaultRetention"):
        return Fail("ObjectLockConfiguration", "Object Lock is enabled without a default retention")
    return None


def _backup_days(id: str, types: tuple[str, ...], path: str, title: str, minimum: int, fsbp: tuple[str, ...], tf: str, cfn: str,
                 default: int = 1, applies: Any = None, severity: str = "medium") -> None:
    @rule(id, title=title, severity=severity, types=types, area="incident", category="resilience", wa=LIFECYCLE, fsbp=fsbp,
          options={"min_days": minimum},
          why="Automated backups are the way back after data is destroyed or encrypted by an attacker; one day of "
              "retention leaves almost no window to notice.",
          fix="Keep automated backups long enough to cover the time it takes to detect an incident.", tf=tf, cfn=cfn)
    def check(r: View) -> Any:
        if applies is not None and not applies(r):
            return Skip()
        v = r.get(path, default)
        need = int(r.options.get("min_days", minimum))
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            try:
                v = int(v)
            except (TypeError, ValueError):
                return Fail(path, "backup retention is not a number", v)
        if v < need:
            return Fail(path if r.present(path) else "", f"backups are kept {v} day(s), fewer than {need}", v)
        return None


_backup_days("rds-backup-retention", ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster"), "BackupRetentionPeriod",
             "RDS keeps automated backups beyond the one-day default", 2, ("RDS.11",), "backup_retention_period = 7",
             "BackupRetentionPeriod: 7",
             applies=lambda r: r.type == "AWS::RDS::DBCluster" or not r.present("DBClusterIdentifier"))
_backup_days("docdb-backup-retention", ("AWS::DocDB::DBCluster",), "BackupRetentionPeriod",
             "DocumentDB keeps backups for at least 7 days", 7, ("DocumentDB.2",), "backup_retention_period = 7",
             "BackupRetentionPeriod: 7", severity="low")
_backup_days("neptune-backup-retention", ("AWS::Neptune::DBCluster",), "BackupRetentionPeriod",
             "Neptune keeps backups for at least 7 days", 7, ("Neptune.5",), "backup_retention_period = 7",
             "BackupRetentionPeriod: 7", severity="low")


@rule("elasticache-redis-backups", title="ElastiCache Redis clusters take automatic backups", severity="medium",
      types=["AWS::ElastiCache::CacheCluster", "AWS::ElastiCache::ReplicationGroup"], area="incident",
      category="resilience", wa=LIFECYCLE, fsbp=("ElastiCache.1",),
      why="Without snapshots, a flushed or corrupted cache that holds state cannot be restored.",
      fix="Set snapshot_retention_limit to at least 1.", tf="snapshot_retention_limit = 7", cfn="SnapshotRetentionLimit: 7")
def redis_backups(r: View) -> Any:
    engine = str(r.get("Engine", "redis")).lower()
    if engine not in ("redis", "valkey"):
        return Skip("memcached has no backups")
    node = r.get("CacheNodeType")
    if isinstance(node, str) and node.startswith("cache.t1."):
        return Skip("t1 nodes do not support backups")
    if r.type == "AWS::ElastiCache::CacheCluster" and r.present("ReplicationGroupId"):
        return Skip("backups are set on the replication group")
    v = r.get("SnapshotRetentionLimit", 0)
    if not isinstance(v, int) or v < 1:
        return Fail("SnapshotRetentionLimit" if r.present("SnapshotRetentionLimit") else "", "automatic backups are off", v)
    return None


@rule("dynamodb-global-table-pitr", title="DynamoDB global tables keep point-in-time recovery in every replica",
      severity="medium", types=["AWS::DynamoDB::GlobalTable"], area="incident", category="resilience", wa=LIFECYCLE,
      fsbp=("DynamoDB.2",),
      why="Each replica region restores only from its own point-in-time recovery; a replica without it cannot be "
          "brought back after a malicious or mistaken write reaches it.",
      fix="Enable point-in-time recovery in each replica's specification.",
      tf="# aws_dynamodb_table with replica blocks: point_in_time_recovery { enabled = true } and replica { point_in_time_recovery = true }",
      cfn="Replicas:\n  - Region: eu-west-1\n    PointInTimeRecoverySpecification:\n      PointInTimeRecoveryEnabled: true")
def global_table_pitr(r: View) -> Any:
    return [Fail(r.nearest(f"{p}.PointInTimeRecoverySpecification", p), f"the {x.get('Region', 'replica')} replica has no point-in-time recovery")
            for p, x in r.items("Replicas") if isinstance(x, dict)
            and not is_true(r.get(f"{p}.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled", False))]


expect("dynamodb-pitr", types=["AWS::DynamoDB::Table"], path="PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled",
       ok=is_true, default=False, message="point-in-time recovery is off", title="DynamoDB point-in-time recovery is enabled",
       severity="medium", area="incident", category="resilience", wa=LIFECYCLE, fsbp=("DynamoDB.2",),
       why="PITR restores a table to any second of the last 35 days after accidental or malicious writes.",
       fix="Enable point-in-time recovery.", tf="point_in_time_recovery {\n  enabled = true\n}",
       cfn="PointInTimeRecoverySpecification:\n  PointInTimeRecoveryEnabled: true")


@rule("efs-backups", title="EFS file systems have automatic backups", severity="medium", types=["AWS::EFS::FileSystem"],
      area="incident", category="resilience", wa=LIFECYCLE, fsbp=("EFS.7", "EFS.2"),
      why="Automatic backups give a recovery point for shared file data.", fix="Enable the backup policy.",
      tf='resource "aws_efs_backup_policy" "fs" {\n  file_system_id = aws_efs_file_system.fs.id\n  backup_policy {\n    status = "ENABLED"\n  }\n}',
      cfn="BackupPolicy:\n  Status: ENABLED")
def efs_backups(r: View) -> Any:
    if str(r.get("BackupPolicy.Status", "DISABLED")).upper() != "ENABLED":
        return Fail("BackupPolicy" if r.present("BackupPolicy") else "", "automatic backups are off", r.get("BackupPolicy.Status"))
    return None


def _deletion(id: str, types: tuple[str, ...], path: str, title: str, fsbp: tuple[str, ...], tf: str, cfn: str,
              applies: Any = None) -> None:
    expect(id, types=types, path=path, ok=is_true, default=False, message="deletion protection is off", applies=applies,
           title=title, severity="low", area="incident", category="resilience", wa=LIFECYCLE, fsbp=fsbp,
           why="Deletion protection stops a mistaken apply or a compromised credential from deleting the database in one call.",
           fix="Enable deletion protection.", tf=tf, cfn=cfn)


_deletion("rds-deletion-protection", ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster"), "DeletionProtection",
          "RDS deletion protection is enabled", ("RDS.7", "RDS.8"), "deletion_protection = true", "DeletionProtection: true",
          applies=lambda r: r.type == "AWS::RDS::DBCluster" or not r.present("DBClusterIdentifier"))
_deletion("dynamodb-deletion-protection", ("AWS::DynamoDB::Table",), "DeletionProtectionEnabled",
          "DynamoDB deletion protection is enabled", ("DynamoDB.6",), "deletion_protection_enabled = true",
          "DeletionProtectionEnabled: true")
_deletion("docdb-deletion-protection", ("AWS::DocDB::DBCluster",), "DeletionProtection",
          "DocumentDB deletion protection is enabled", ("DocumentDB.5",), "deletion_protection = true", "DeletionProtection: true")
_deletion("neptune-deletion-protection", ("AWS::Neptune::DBCluster",), "DeletionProtection",
          "Neptune deletion protection is enabled", ("Neptune.4",), "deletion_protection = true", "DeletionProtection: true")


@rule("elb-deletion-protection", title="Load balancers have deletion protection", severity="low",
      types=["AWS::ElasticLoadBalancingV2::LoadBalancer"], area="incident", category="resilience", wa=LIFECYCLE,
      fsbp=("ELB.6",),
      why="Deleting a load balancer takes the application off the air and frees its DNS name; protection makes that "
          "a deliberate two-step act, not a side effect of an apply.",
      fix="Enable deletion protection.", tf="enable_deletion_protection = true",
      cfn="LoadBalancerAttributes:\n  - Key: deletion_protection.enabled\n    Value: 'true'")
def elb_deletion(r: View) -> Any:
    for p, a in r.items("LoadBalancerAttributes"):
        if isinstance(a, dict) and a.get("Key") == "deletion_protection.enabled":
            v = r.get(f"{p}.Value")
            return None if is_true(v) else Fail(f"{p}.Value", "deletion protection is off", v)
    return Fail("LoadBalancerAttributes" if r.present("LoadBalancerAttributes") else "", "deletion protection is off")

@rule("secretsmanager-rotation", title="Secrets Manager secrets rotate automatically", severity="medium",
      types=["AWS::SecretsManager::Secret"], area="identity", category="secret", wa=("SEC02-BP05",),
      fsbp=("SecretsManager.1",), why="A secret that never changes stays valid for as long as it has been leaked.",
      fix="Add a rotation schedule with a rotation function.",
      tf='resource "aws_secretsmanager_secret_rotation" "db" {\n  secret_id           = aws_secretsmanager_secret.db.id\n  rotation_lambda_arn = aws_lambda_function.rotate.arn\n  rotation_rules {\n    automatically_after_days = 30\n  }\n}',
      cfn="DbSecretRotation:\n  Type: AWS::SecretsManager::RotationSchedule\n  Properties:\n    SecretId: !Ref DbSecret\n    RotationRules:\n      AutomaticallyAfterDays: 30")
def secret_rotation(r: View) -> Any:
    if r.get("RotationEnabled") is True:
        return None
    if r.source != "aws" and r.related("AWS::SecretsManager::RotationSchedule", "SecretId"):
        return None  # code declares the schedule as its own resource; a live secret reports RotationEnabled
    return Fail("", "no rotation schedule rotates this secret")


@rule("s3-bucket-lifecycle", title="S3 buckets have lifecycle rules", severity="low", types=["AWS::S3::Bucket"],
      area="data", category="resilience", wa=("SEC07-BP04",), fsbp=("S3.13", "S3.10"),
      why="Lifecycle rules decide how long data (and old versions of it) is kept: data kept forever by default is data "
          "that can leak long after anyone needed it.",
      fix="Add lifecycle rules that transition and expire objects (and noncurrent versions) by your retention policy.",
      tf='resource "aws_s3_bucket_lifecycle_configuration" "b" {\n  bucket = aws_s3_bucket.b.id\n  rule {\n'
         '    id     = "expire"\n    status = "Enabled"\n    noncurrent_version_expiration {\n      noncurrent_days = 90\n    }\n  }\n}',
      cfn="LifecycleConfiguration:\n  Rules:\n    - Id: expire\n      Status: Enabled\n      NoncurrentVersionExpiration:\n"
          "        NoncurrentDays: 90")
def lifecycle(r: View) -> Any:
    rules = r.get("LifecycleConfiguration.Rules")
    if not any(isinstance(x, dict) and str(x.get("Status", "Enabled")) == "Enabled" for x in rules or []):
        return Fail("LifecycleConfiguration" if r.present("LifecycleConfiguration") else "", "no enabled lifecycle rule")
    return None


expect("route53-domain-transfer-lock", types=["Wasec::Route53Domains::Domain"], path="TransferLock", ok=is_true,
       default=True, message="the domain can be transferred to another registrar",
       title="Registered domains keep their transfer lock", severity="high", area="infrastructure",
       category="hardening", wa=("SEC06-BP02",), scope="code",
       why="An unlocked domain can be moved to another registrar with its authorization code; whoever holds the "
           "domain holds its mail, its certificates and its users' trust.",
       fix="Keep the transfer lock on; unlock only during a planned transfer.", tf="transfer_lock = true",
       cfn="# Route 53 domains are not a CloudFormation resource")
