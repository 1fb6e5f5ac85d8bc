"""Data protection at rest (SEC08): encryption and key management."""

from __future__ import annotations

from typing import Any

from wasec.model.values import Unknown
from wasec.rules.pack._common import KMS, customer_key, expect, is_log_bucket, is_true
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Pass, Skip, Unsure, View

AT_REST = ("SEC08-BP02",)
KEYS = ("SEC08-BP01", "SEC08-BP02")


def _enc(id: str, types: tuple[str, ...], path: str | dict[str, str], title: str, severity: str, fsbp: tuple[str, ...],
         tf: str, cfn: str, cis: tuple[str, ...] = (), why: str = "", default: Any = False) -> None:
    expect(id, types=types, path=path, ok=is_true, default=default, message="encryption at rest is not enabled",
           title=title, severity=severity, area="data", category="encryption", wa=AT_REST, fsbp=fsbp, cis=cis,
           why=why or "Data written unencrypted can be read by anyone who obtains the storage, a snapshot or a backup.",
           fix="Enable encryption at rest when creating the resource (it cannot be turned on later for most services).",
           tf=tf, cfn=cfn)


def _cmk(id: str, types: tuple[str, ...], path: str | dict[str, str], title: str, tf: str, cfn: str,
         severity: str = "low", fsbp: tuple[str, ...] = (), applies: Any = None, encrypted: str | None = None,
         cis: tuple[str, ...] = ()) -> None:
    """A customer-managed-key rule; ``encrypted`` names the switch without which no key protects anything."""

    def check(r: View) -> Any:
        if applies is not None and not applies(r):
            return Skip()
        if encrypted is not None and r.get(encrypted) is False:
            return Fail(encrypted, "storage is not encrypted at all", False)
        p = path[r.type] if isinstance(path, dict) else path
        return customer_key(r, p)

    rule(id, title=title, severity=severity, types=types, area="data", category="encryption", wa=KEYS, needs=KMS, fsbp=fsbp,
         cis=cis, why="A customer managed KMS key puts key policy, rotation, audit and revocation under your control; "
             "AWS managed keys cannot be restricted or disabled.",
         fix="Create a KMS key (with rotation enabled) and reference it from the resource.", tf=tf, cfn=cfn)(check)


# -- S3 ----------------------------------------------------------------------------------------
def _sse_rules(r: View) -> list[tuple[str, Any]]:
    return [(p, x) for p, x in r.items("BucketEncryption.ServerSideEncryptionConfiguration") if isinstance(x, dict)]


@rule("s3-bucket-default-encryption", title="S3 bucket declares default encryption", severity="low",
      types=["AWS::S3::Bucket"], area="data", category="encryption", wa=("SEC08-BP02", "SEC08-BP03"),
      why="S3 applies SSE-S3 to new objects when a bucket declares nothing, but declaring the encryption in code "
          "makes it reviewable and keeps it from drifting to a weaker setting.",
      fix="Declare server-side encryption on the bucket (SSE-KMS with a customer managed key for sensitive data).",
      tf='resource "aws_s3_bucket_server_side_encryption_configuration" "b" {\n  bucket = aws_s3_bucket.b.id\n  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm     = "aws:kms"\n      kms_master_key_id = aws_kms_key.s3.arn\n    }\n  }\n}',
      cfn="BucketEncryption:\n  ServerSideEncryptionConfiguration:\n    - ServerSideEncryptionByDefault:\n        SSEAlgorithm: aws:kms\n        KMSMasterKeyID: !Ref S3Key")
def s3_default_encryption(r: View) -> Any:
    rules = _sse_rules(r)
    if not rules:
        return Fail("BucketEncryption", "the bucket declares no default encryption")
    for p, sse in rules:
        algo = (sse.get("ServerSideEncryptionByDefault") or {}).get("SSEAlgorithm") if isinstance(sse.get("ServerSideEncryptionByDefault"), dict) else None
        if isinstance(algo, Unknown):
            return Unsure(f"{p}.ServerSideEncryptionByDefault.SSEAlgorithm is unknown: {algo.reason}", p)
        if algo:
            return None
    return Fail(rules[0][0], "the encryption rule sets no algorithm")


@rule("s3-bucket-sse-kms", title="S3 bucket encrypts with a customer managed KMS key", severity="medium",
      types=["AWS::S3::Bucket"], area="data", category="encryption", wa=KEYS, needs=KMS, fsbp=("S3.17",),
      why="SSE-KMS with your own key adds a second, audited permission check on every read and lets you revoke "
          "access to the data by disabling the key. (Buckets that receive S3 server access logs must use SSE-S3 "
          "and are exempt.)",
      fix="Use SSEAlgorithm aws:kms with a customer managed key.",
      tf='apply_server_side_encryption_by_default {\n  sse_algorithm     = "aws:kms"\n  kms_master_key_id = aws_kms_key.s3.arn\n}',
      cfn="ServerSideEncryptionByDefault:\n  SSEAlgorithm: aws:kms\n  KMSMasterKeyID: !GetAtt S3Key.Arn")
def s3_sse_kms(r: View) -> Any:
    if is_log_bucket(r):
        return Skip("log delivery buckets must use SSE-S3")
    rules = _sse_rules(r)
    if not rules:
        return Fail("BucketEncryption", "the bucket is not encrypted with a KMS key")
    for p, _ in rules:
        algo = r.get(f"{p}.ServerSideEncryptionByDefault.SSEAlgorithm")
        if isinstance(algo, str) and algo.startswith("aws:kms"):
            return customer_key(r, f"{p}.ServerSideEncryptionByDefault.KMSMasterKeyID")
    return Fail(f"{rules[0][0]}.ServerSideEncryptionByDefault.SSEAlgorithm", "uses S3-managed keys (SSE-S3), not KMS",
                r.get(f"{rules[0][0]}.ServerSideEncryptionByDefault.SSEAlgorithm"))


# -- block storage and file systems ----------------------------------------------------------------
_enc("ebs-volume-encrypted", ("AWS::EC2::Volume",), "Encrypted", "EBS volume is encrypted", "high", ("EC2.3",),
     tf='resource "aws_ebs_volume" "v" {\n  encrypted  = true\n  kms_key_id = aws_kms_key.ebs.arn\n}',
     cfn="Encrypted: true\nKmsKeyId: !Ref EbsKey",
     why="An unencrypted volume exposes its data to anyone who can snapshot or attach it. Declare encryption on the "
         "volume instead of relying on an account default that another team can turn off.")
_cmk("ebs-volume-kms-cmk", ("AWS::EC2::Volume",), "KmsKeyId", "EBS volume encrypts with a customer managed KMS key",
     tf="kms_key_id = aws_kms_key.ebs.arn", cfn="KmsKeyId: !Ref EbsKey")


def _mappings(r: View) -> tuple[str, list[tuple[str, Any]]]:
    base = "LaunchTemplateData.BlockDeviceMappings" if r.type == "AWS::EC2::LaunchTemplate" else "BlockDeviceMappings"
    return base, r.items(base)


@rule("ec2-block-device-encrypted", title="EC2 instance and launch configuration volumes are encrypted", severity="high",
      types=["AWS::EC2::Instance", "AWS::AutoScaling::LaunchConfiguration", "AWS::EC2::LaunchTemplate"],
      area="data", category="encryption", wa=AT_REST, fsbp=("EC2.3", "EC2.181"),
      why="Root and data volumes declared without encryption are written in clear; snapshots and copies inherit that.",
      fix="Set encrypted = true on every block device (or enable EBS encryption by default and declare it).",
      tf="root_block_device {\n  encrypted = true\n}\nebs_block_device {\n  device_name = \"/dev/sdg\"\n  encrypted   = true\n}",
      cfn="BlockDeviceMappings:\n  - DeviceName: /dev/xvda\n    Ebs:\n      Encrypted: true")
def block_devices(r: View) -> Any:
    base, mappings = _mappings(r)
    if not mappings:
        if r.type == "AWS::EC2::LaunchTemplate":
            return Skip()
        return Unsure("no block device is declared: the root volume's encryption comes from the AMI and the account's "
                      "EBS default", base)
    fails = []
    for p, m in mappings:
        if not isinstance(m, dict) or ("Ebs" not in m and "NoDevice" in m) or "VirtualName" in m:
            continue
        enc = r.get(f"{p}.Ebs.Encrypted")
        if enc is None:
            snap = r.get(f"{p}.Ebs.SnapshotId")
            if snap:
                continue  # a volume from a snapshot keeps the snapshot's encryption
        if not is_true(enc):
            fails.append(Fail(f"{p}.Ebs.Encrypted" if enc is not None else p,
                              f"block device {m.get('DeviceName', p)} is not encrypted", enc))
    return fails


@rule("spot-fleet-ebs-encrypted", title="Spot Fleet launch specifications encrypt their EBS volumes", severity="medium",
      types=["AWS::EC2::SpotFleet"], area="data", category="encryption", wa=AT_REST, fsbp=("EC2.173",),
      why="Every instance the fleet launches gets the volumes its launch specifications declare; unencrypted there "
          "means unencrypted on every Spot Instance, and in their snapshots.",
      fix="Set Encrypted on every EBS block device of the launch specifications (or launch from an encrypting "
          "launch template).",
      tf="launch_specification {\n  root_block_device {\n    encrypted = true\n  }\n}",
      cfn="LaunchSpecifications:\n  - BlockDeviceMappings:\n      - DeviceName: /dev/xvda\n        Ebs: {Encrypted: true}")
def spot_fleet_volumes(r: View) -> Any:
    fails = []
    for sp, _ in r.items("SpotFleetRequestConfigData.LaunchSpecifications"):
        for p, m in r.items(f"{sp}.BlockDeviceMappings"):
            if not isinstance(m, dict) or "Ebs" not in m:
                continue
            enc = r.get(f"{p}.Ebs.Encrypted")
            if enc is None and r.get(f"{p}.Ebs.SnapshotId"):
                continue  # a volume from a snapshot keeps the snapshot's encryption
            if not is_true(enc):
                fails.append(Fail(f"{p}.Ebs.Encrypted" if enc is not None else p,
                                  f"block device {m.get('DeviceName', p)} is not encrypted", enc))
    return fails


_enc("efs-encrypted", ("AWS::EFS::FileSystem",), "Encrypted", "EFS file system is encrypted at rest", "high",
     ("EFS.1", "EFS.8"), cis=("3.3.1",),
     tf='resource "aws_efs_file_system" "fs" {\n  encrypted  = true\n  kms_key_id = aws_kms_key.efs.arn\n}',
     cfn="Encrypted: true\nKmsKeyId: !Ref EfsKey")

# -- databases ---------------------------------------------------------------------------------------


def _standalone_instance(r: View) -> bool:
    """RDS instances in an Aurora cluster take storage settings from the cluster."""
    return not r.present("DBClusterIdentifier") and not r.present("SourceDBInstanceIdentifier")


def _aurora(r: View) -> bool:
    engine = r.get("Engine")
    return isinstance(engine, str) and engine.startswith("aurora")


expect("rds-instance-encrypted", types=["AWS::RDS::DBInstance"], path="StorageEncrypted", ok=is_true, default=False,
       message="storage is not encrypted", applies=lambda r: _standalone_instance(r) and not _aurora(r),
       title="RDS DB instance storage is encrypted", severity="high", area="data", category="encryption", wa=AT_REST,
       cis=("3.2.1",), fsbp=("RDS.3",),
       why="Unencrypted database storage, its automated backups, read replicas and snapshots are readable by anyone "
           "who obtains them.",
       fix="Create the instance with storage encryption (restore an encrypted snapshot copy to encrypt an existing one).",
       tf='resource "aws_db_instance" "db" {\n  storage_encrypted = true\n  kms_key_id        = aws_kms_key.rds.arn\n}',
       cfn="StorageEncrypted: true\nKmsKeyId: !Ref RdsKey")
_cmk("rds-instance-kms-cmk", ("AWS::RDS::DBInstance",), "KmsKeyId", "RDS DB instance encrypts with a customer managed KMS key",
     tf="kms_key_id = aws_kms_key.rds.arn", cfn="KmsKeyId: !Ref RdsKey",
     applies=lambda r: _standalone_instance(r) and not _aurora(r))


def _cluster_encrypted(r: View) -> Any:
    if r.get("EngineMode") == "serverless":
        return Pass("Aurora Serverless v1 clusters are always encrypted")
    if is_true(r.get("StorageEncrypted", False)) or (r.present("KmsKeyId") and r.get("StorageEncrypted") is None
                                                       and r.source == "aws"):
        return None
    return Fail("StorageEncrypted", "cluster storage is not encrypted", r.get("StorageEncrypted"))


rule("rds-cluster-encrypted", title="RDS DB cluster storage is encrypted", severity="high", types=["AWS::RDS::DBCluster"],
     area="data", category="encryption", wa=AT_REST, fsbp=("RDS.27",),
     why="Cluster volumes, backups and snapshots of an unencrypted cluster are readable by whoever obtains them.",
     fix="Create the cluster with storage_encrypted = true and a KMS key.",
     tf='resource "aws_rds_cluster" "c" {\n  storage_encrypted = true\n  kms_key_id        = aws_kms_key.rds.arn\n}',
     cfn="StorageEncrypted: true\nKmsKeyId: !Ref RdsKey")(_cluster_encrypted)
_cmk("rds-cluster-kms-cmk", ("AWS::RDS::DBCluster",), "KmsKeyId", "RDS DB cluster encrypts with a customer managed KMS key",
     tf="kms_key_id = aws_kms_key.rds.arn", cfn="KmsKeyId: !Ref RdsKey", encrypted="StorageEncrypted")


@rule("rds-performance-insights-kms-cmk", title="RDS Performance Insights data is encrypted with a customer managed key",
      severity="low", types=["AWS::RDS::DBInstance"], area="data", category="encryption", wa=KEYS, needs=KMS,
      why="Performance Insights stores query text, which can contain sensitive values.",
      fix="Set a customer managed key for Performance Insights.",
      tf="performance_insights_kms_key_id = aws_kms_key.rds.arn", cfn="PerformanceInsightsKMSKeyId: !Ref RdsKey")
def pi_kms(r: View) -> Any:
    if not is_true(r.get("EnablePerformanceInsights", False)):
        return Skip()
    return customer_key(r, "PerformanceInsightsKMSKeyId")


_enc("docdb-cluster-encrypted", ("AWS::DocDB::DBCluster",), "StorageEncrypted", "DocumentDB cluster is encrypted at rest",
     "high", ("DocumentDB.1",), tf="storage_encrypted = true\nkms_key_id        = aws_kms_key.docdb.arn",
     cfn="StorageEncrypted: true\nKmsKeyId: !Ref DocDbKey")
_cmk("docdb-cluster-kms-cmk", ("AWS::DocDB::DBCluster",), "KmsKeyId", "DocumentDB cluster encrypts with a customer managed KMS key",
     tf="kms_key_id = aws_kms_key.docdb.arn", cfn="KmsKeyId: !Ref DocDbKey", encrypted="StorageEncrypted")
_enc("neptune-cluster-encrypted", ("AWS::Neptune::DBCluster",), "StorageEncrypted", "Neptune cluster is encrypted at rest",
     "high", ("Neptune.1",), tf="storage_encrypted = true\nkms_key_arn       = aws_kms_key.neptune.arn",
     cfn="StorageEncrypted: true\nKmsKeyId: !Ref NeptuneKey")
_cmk("neptune-cluster-kms-cmk", ("AWS::Neptune::DBCluster",), "KmsKeyId", "Neptune cluster encrypts with a customer managed KMS key",
     tf="kms_key_arn = aws_kms_key.neptune.arn", cfn="KmsKeyId: !Ref NeptuneKey", severity="medium",
     encrypted="StorageEncrypted")
_enc("redshift-cluster-encrypted", ("AWS::Redshift::Cluster",), "Encrypted", "Redshift cluster is encrypted at rest", "high",
     ("Redshift.10",), tf="encrypted  = true\nkms_key_id = aws_kms_key.redshift.arn",
     cfn="Encrypted: true\nKmsKeyId: !Ref RedshiftKey")
_cmk("redshift-cluster-kms-cmk", ("AWS::Redshift::Cluster",), "KmsKeyId", "Redshift cluster encrypts with a customer managed KMS key",
     tf="kms_key_id = aws_kms_key.redshift.arn", cfn="KmsKeyId: !Ref RedshiftKey", severity="medium")


@rule("dynamodb-table-sse-kms", title="DynamoDB table encrypts with a KMS key", severity="low",
      types=["AWS::DynamoDB::Table"], area="data", category="encryption", wa=AT_REST,
      why="Tables without SSESpecification are encrypted with an AWS owned key that you cannot see, audit or control.",
      fix="Enable SSE with KMS (preferably a customer managed key).",
      tf="server_side_encryption {\n  enabled     = true\n  kms_key_arn = aws_kms_key.dynamodb.arn\n}",
      cfn="SSESpecification:\n  SSEEnabled: true\n  SSEType: KMS\n  KMSMasterKeyId: !Ref TableKey")
def dynamodb_sse(r: View) -> Any:
    if not is_true(r.get("SSESpecification.SSEEnabled", False)):
        return Fail("SSESpecification.SSEEnabled" if r.present("SSESpecification") else "SSESpecification",
                    "the table uses an AWS owned key", r.get("SSESpecification.SSEEnabled"))
    return None


@rule("dynamodb-table-kms-cmk", title="DynamoDB table encrypts with a customer managed KMS key", severity="low",
      types=["AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"], area="data", category="encryption", wa=KEYS, needs=KMS,
      why="A customer managed key lets you restrict, audit and revoke access to the table's data.",
      fix="Enable SSE with a customer managed key.",
      tf="server_side_encryption {\n  enabled     = true\n  kms_key_arn = aws_kms_key.dynamodb.arn\n}\nreplica {\n"
         "  region_name = \"eu-west-2\"\n  kms_key_arn = aws_kms_key.dynamodb_replica.arn\n}",
      cfn="SSESpecification:\n  SSEEnabled: true\n  SSEType: KMS\n  KMSMasterKeyId: !Ref TableKey")
def dynamodb_cmk(r: View) -> Any:
    if not is_true(r.get("SSESpecification.SSEEnabled", False)):
        return Fail(r.nearest("SSESpecification"), "the table does not use a customer managed key")
    fails: list[Fail] = []
    if r.type == "AWS::DynamoDB::Table":  # a global table names its keys per replica, each in its region
        if not r.present("SSESpecification.KMSMasterKeyId"):
            return Fail("SSESpecification.KMSMasterKeyId", "the table uses the AWS managed key (aws/dynamodb)")
        if (found := customer_key(r, "SSESpecification.KMSMasterKeyId")) is not None:
            return found
    for p, x in r.items("Replicas"):
        region = x.get("Region", "another region") if isinstance(x, dict) else "another region"
        if not r.present(f"{p}.SSESpecification.KMSMasterKeyId"):
            fails.append(Fail(p, f"the replica in {region} uses the AWS managed key (aws/dynamodb)"))
        elif (found := customer_key(r, f"{p}.SSESpecification.KMSMasterKeyId")) is not None:
            fails.append(found)
    return fails


_enc("dax-cluster-encrypted", ("AWS::DAX::Cluster",), "SSESpecification.SSEEnabled", "DAX cluster is encrypted at rest",
     "medium", ("DynamoDB.3",), tf="server_side_encryption {\n  enabled = true\n}", cfn="SSESpecification:\n  SSEEnabled: true")
_enc("elasticache-redis-at-rest", ("AWS::ElastiCache::ReplicationGroup",), "AtRestEncryptionEnabled",
     "ElastiCache replication group is encrypted at rest", "medium", ("ElastiCache.4",),
     tf="at_rest_encryption_enabled = true\nkms_key_id                 = aws_kms_key.cache.arn",
     cfn="AtRestEncryptionEnabled: true\nKmsKeyId: !Ref CacheKey")
_enc("opensearch-encrypted-at-rest", ("AWS::Elasticsearch::Domain", "AWS::OpenSearchService::Domain"),
     "EncryptionAtRestOptions.Enabled", "OpenSearch domain is encrypted at rest", "high", ("ES.1", "Opensearch.1"),
     tf="encrypt_at_rest {\n  enabled    = true\n  kms_key_id = aws_kms_key.search.arn\n}",
     cfn="EncryptionAtRestOptions:\n  Enabled: true\n  KmsKeyId: !Ref SearchKey")

# -- messaging and streams -------------------------------------------------------------------------
expect("sns-topic-encrypted", types=["AWS::SNS::Topic"], path="KmsMasterKeyId",
       message="the topic is not encrypted at rest", title="SNS topic is encrypted at rest", severity="medium",
       area="data", category="encryption", wa=AT_REST, fsbp=("SNS.1",),
       why="Messages stored in an unencrypted topic can be read from the service's storage.",
       fix="Set a KMS key on the topic.", tf="kms_master_key_id = aws_kms_key.sns.arn", cfn="KmsMasterKeyId: !Ref TopicKey")
_cmk("sns-topic-kms-cmk", ("AWS::SNS::Topic",), "KmsMasterKeyId", "SNS topic encrypts with a customer managed KMS key",
     tf="kms_master_key_id = aws_kms_key.sns.arn", cfn="KmsMasterKeyId: !Ref TopicKey", severity="medium")


@rule("sqs-queue-encrypted", title="SQS queue is encrypted at rest", severity="medium", types=["AWS::SQS::Queue"],
      area="data", category="encryption", wa=AT_REST, fsbp=("SQS.1",),
      why="Queued messages often carry sensitive payloads; SQS encrypts new queues with SQS-owned keys unless told "
          "otherwise.",
      fix="Keep SSE-SQS on, or better set a customer managed KMS key.",
      tf="kms_master_key_id = aws_kms_key.sqs.arn", cfn="KmsMasterKeyId: !Ref QueueKey")
def sqs_encrypted(r: View) -> Any:
    if r.present("KmsMasterKeyId"):
        return None
    sse = r.get("SqsManagedSseEnabled")
    if sse is not None and not is_true(sse):
        return Fail("SqsManagedSseEnabled", "server-side encryption is turned off", sse)
    return Pass("encrypted with SQS-owned keys (SSE-SQS)")


_cmk("sqs-queue-kms-cmk", ("AWS::SQS::Queue",), "KmsMasterKeyId", "SQS queue encrypts with a customer managed KMS key",
     tf="kms_master_key_id = aws_kms_key.sqs.arn", cfn="KmsMasterKeyId: !Ref QueueKey", severity="medium")
expect("kinesis-stream-encrypted", types=["AWS::Kinesis::Stream"], path="StreamEncryption.EncryptionType",
       ok=lambda v: str(v).upper() == "KMS", default="NONE", message="the stream is not encrypted",
       title="Kinesis data stream is encrypted at rest", severity="medium", area="data", category="encryption",
       wa=AT_REST, fsbp=("Kinesis.1",), why="Records in an unencrypted stream are stored in clear for the retention period.",
       fix="Enable KMS encryption on the stream.", tf='encryption_type = "KMS"\nkms_key_id      = aws_kms_key.kinesis.arn',
       cfn="StreamEncryption:\n  EncryptionType: KMS\n  KeyId: !Ref StreamKey")
_cmk("msk-cluster-kms-cmk", ("AWS::MSK::Cluster",), "EncryptionInfo.EncryptionAtRest.DataVolumeKMSKeyId",
     "MSK cluster encrypts data volumes with a customer managed KMS key",
     tf="encryption_info {\n  encryption_at_rest_kms_key_arn = aws_kms_key.msk.arn\n}",
     cfn="EncryptionInfo:\n  EncryptionAtRest:\n    DataVolumeKMSKeyId: !Ref MskKey")

# -- secrets, logs, keys ----------------------------------------------------------------------------
_cmk("secretsmanager-secret-kms-cmk", ("AWS::SecretsManager::Secret",), "KmsKeyId",
     "Secrets Manager secret encrypts with a customer managed KMS key",
     tf="kms_key_id = aws_kms_key.secrets.arn", cfn="KmsKeyId: !Ref SecretsKey")
_cmk("cloudwatch-log-group-kms", ("AWS::Logs::LogGroup",), "KmsKeyId", "CloudWatch log group encrypts with a customer managed KMS key",
     tf="kms_key_id = aws_kms_key.logs.arn", cfn="KmsKeyId: !GetAtt LogsKey.Arn")
_cmk("cloudtrail-kms-encryption", ("AWS::CloudTrail::Trail",), "KMSKeyId", "CloudTrail logs are encrypted with a KMS key",
     tf="kms_key_id = aws_kms_key.cloudtrail.arn", cfn="KMSKeyId: !Ref TrailKey", severity="medium",
     fsbp=("CloudTrail.2",), cis=("4.5",))


@rule("kms-key-rotation", title="KMS key rotation is enabled", severity="medium", types=["AWS::KMS::Key"],
      area="data", category="encryption", wa=("SEC08-BP01", "SEC02-BP05"), cis=("4.6",), fsbp=("KMS.4",),
      why="Automatic rotation limits how much data one key version protects, without any change for callers.",
      fix="Enable automatic rotation on symmetric encryption keys.", tf="enable_key_rotation = true",
      cfn="EnableKeyRotation: true")
def kms_rotation(r: View) -> Any:
    if r.get("KeyManager", "CUSTOMER") == "AWS":
        return Skip("AWS managed keys rotate every year on their own")
    spec = r.get("KeySpec", "SYMMETRIC_DEFAULT")
    usage = r.get("KeyUsage", "ENCRYPT_DECRYPT")
    if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT" or r.get("Origin") == "EXTERNAL":
        return Skip("rotation applies to symmetric encryption keys with AWS key material")
    v = r.get("EnableKeyRotation", False)
    if not is_true(v):
        return Fail("EnableKeyRotation", "automatic key rotation is disabled", v)
    return None


# -- analytics, build and desktops --------------------------------------------------------------
@rule("athena-workgroup-encryption", title="Athena query results are encrypted", severity="medium",
      types=["AWS::Athena::WorkGroup", "Wasec::Athena::Database"], area="data", category="encryption", wa=AT_REST,
      fsbp=("Athena.1",), why="Query results written to S3 unencrypted can contain whatever the queries read.",
      fix="Set an encryption configuration (SSE_KMS or CSE_KMS) for query results.",
      tf='result_configuration {\n  encryption_configuration {\n    encryption_option = "SSE_KMS"\n    kms_key_arn       = aws_kms_key.athena.arn\n  }\n}',
      cfn="WorkGroupConfiguration:\n  ResultConfiguration:\n    EncryptionConfiguration:\n      EncryptionOption: SSE_KMS")
def athena_encryption(r: View) -> Any:
    path = ("WorkGroupConfiguration.ResultConfiguration.EncryptionConfiguration.EncryptionOption"
            if r.type == "AWS::Athena::WorkGroup" else "EncryptionConfiguration.EncryptionOption")
    if not r.present(path):
        return Fail(path.rsplit(".", 1)[0] if r.present(path.rsplit(".", 1)[0]) else path.split(".")[0],
                    "query results are not encrypted")
    return None


@rule("athena-workgroup-enforce-configuration", title="Athena workgroup settings override client settings",
      severity="medium", types=["AWS::Athena::WorkGroup"], area="data", category="encryption", wa=AT_REST,
      why="Unless the workgroup enforces its configuration, each client can send query results elsewhere without "
          "encryption.",
      fix="Set enforce_workgroup_configuration = true.",
      tf="configuration {\n  enforce_workgroup_configuration = true\n}",
      cfn="WorkGroupConfiguration:\n  EnforceWorkGroupConfiguration: true")
def athena_enforce(r: View) -> Any:
    v = r.get("WorkGroupConfiguration.EnforceWorkGroupConfiguration", False)
    if not is_true(v):
        return Fail("WorkGroupConfiguration.EnforceWorkGroupConfiguration" if r.present("WorkGroupConfiguration")
                    else "WorkGroupConfiguration", "clients can override the workgroup's result encryption", v)
    return None


@rule("codebuild-artifacts-encrypted", title="CodeBuild artifacts are encrypted", severity="medium",
      types=["AWS::CodeBuild::Project"], area="data", category="encryption", wa=AT_REST,
      why="Build artifacts carry the code and often configuration you ship; disabling their encryption leaves them "
          "readable in S3.",
      fix="Remove encryption_disabled (encryption is on by default).",
      tf="artifacts {\n  type                = \"S3\"\n  encryption_disabled = false\n}",
      cfn="Artifacts:\n  Type: S3\n  EncryptionDisabled: false")
def codebuild_artifacts(r: View) -> Any:
    fails = []
    if is_true(r.get("Artifacts.EncryptionDisabled", False)):
        fails.append(Fail("Artifacts.EncryptionDisabled", "artifact encryption is disabled", True))
    for p, a in r.items("SecondaryArtifacts"):
        if isinstance(a, dict) and is_true(r.get(f"{p}.EncryptionDisabled", False)):
            fails.append(Fail(f"{p}.EncryptionDisabled", "secondary artifact encryption is disabled", True))
    if is_true(r.get("LogsConfig.S3Logs.EncryptionDisabled", False)):
        fails.append(Fail("LogsConfig.S3Logs.EncryptionDisabled", "S3 build logs are not encrypted", True))
    return fails


@rule("workspaces-volumes-encrypted", title="WorkSpaces root and user volumes are encrypted", severity="high",
      types=["AWS::WorkSpaces::Workspace"], area="data", category="encryption", wa=AT_REST,
      fsbp=("WorkSpaces.1", "WorkSpaces.2"), why="Desktop volumes hold users' files, credentials and browser data.",
      fix="Enable root and user volume encryption with a KMS key.",
      tf="root_volume_encryption_enabled = true\nuser_volume_encryption_enabled = true\nvolume_encryption_key          = aws_kms_key.ws.arn",
      cfn="RootVolumeEncryptionEnabled: true\nUserVolumeEncryptionEnabled: true\nVolumeEncryptionKey: !Ref WsKey")
def workspaces(r: View) -> Any:
    return [Fail(p, f"{label} volume is not encrypted", r.get(p)) for p, label in
            (("RootVolumeEncryptionEnabled", "root"), ("UserVolumeEncryptionEnabled", "user"))
            if not is_true(r.get(p, False))]


def _emr_config(r: View) -> dict[str, Any]:
    v = r.get("SecurityConfiguration")
    return v.get("EncryptionConfiguration", {}) if isinstance(v, dict) else {}


@rule("emr-encryption-at-rest", title="EMR security configuration encrypts data at rest", severity="high",
      types=["AWS::EMR::SecurityConfiguration"], area="data", category="encryption", wa=AT_REST, fsbp=("EMR.3",),
      why="EMR writes working data to S3 and local disks; without at-rest encryption it is stored in clear.",
      fix="Set EnableAtRestEncryption with S3 and local disk encryption.",
      tf='configuration = jsonencode({\n  EncryptionConfiguration = {\n    EnableAtRestEncryption = true\n    AtRestEncryptionConfiguration = { ... }\n  }\n})',
      cfn="SecurityConfiguration:\n  EncryptionConfiguration:\n    EnableAtRestEncryption: true")
def emr_at_rest(r: View) -> Any:
    if not is_true(_emr_config(r).get("EnableAtRestEncryption", False)):
        return Fail("SecurityConfiguration.EncryptionConfiguration.EnableAtRestEncryption", "at-rest encryption is disabled")
    return None


@rule("emr-local-disk-encryption", title="EMR security configuration encrypts local disks", severity="high",
      types=["AWS::EMR::SecurityConfiguration"], area="data", category="encryption", wa=AT_REST,
      why="Spilled intermediate data on instance disks is as sensitive as the input.",
      fix="Configure LocalDiskEncryptionConfiguration with a key provider.",
      tf='LocalDiskEncryptionConfiguration = {\n  EncryptionKeyProviderType = "AwsKms"\n  AwsKmsKey                 = aws_kms_key.emr.arn\n}',
      cfn="LocalDiskEncryptionConfiguration:\n  EncryptionKeyProviderType: AwsKms\n  AwsKmsKey: !GetAtt EmrKey.Arn")
def emr_local_disk(r: View) -> Any:
    cfg = _emr_config(r)
    local = (cfg.get("AtRestEncryptionConfiguration") or {}).get("LocalDiskEncryptionConfiguration") if isinstance(cfg.get("AtRestEncryptionConfiguration"), dict) else None
    if not isinstance(local, dict) or not local.get("EncryptionKeyProviderType"):
        return Fail("SecurityConfiguration.EncryptionConfiguration.AtRestEncryptionConfiguration.LocalDiskEncryptionConfiguration",
                    "local disks are not encrypted")
    return None


@rule("sagemaker-notebook-kms", title="SageMaker notebook instance volume uses a KMS key", severity="medium",
      types=["AWS::SageMaker::NotebookInstance"], area="data", category="encryption", wa=KEYS, needs=KMS,
      why="Notebook volumes hold data scientists' working data and credentials.",
      fix="Set kms_key_id on the notebook instance.", tf="kms_key_id = aws_kms_key.sagemaker.arn", cfn="KmsKeyId: !Ref NbKey")
def sagemaker_kms(r: View) -> Any:
    return customer_key(r, "KmsKeyId")


@rule("ecr-repository-kms", title="ECR repository encrypts images with a customer managed KMS key", severity="low",
      types=["AWS::ECR::Repository"], area="data", category="encryption", wa=KEYS, needs=KMS,
      why="Images can embed code and secrets; a customer managed key lets you control and audit who can pull layers.",
      fix="Use KMS encryption with a customer managed key.",
      tf='encryption_configuration {\n  encryption_type = "KMS"\n  kms_key         = aws_kms_key.ecr.arn\n}',
      cfn="EncryptionConfiguration:\n  EncryptionType: KMS\n  KmsKey: !Ref EcrKey")
def ecr_kms(r: View) -> Any:
    if str(r.get("EncryptionConfiguration.EncryptionType", "AES256")).upper() != "KMS":
        return Fail("EncryptionConfiguration", "images are encrypted with AES256 (S3 managed keys), not KMS")
    if not r.present("EncryptionConfiguration.KmsKey"):
        return Fail("EncryptionConfiguration.KmsKey", "uses the AWS managed key (aws/ecr)")
    return customer_key(r, "EncryptionConfiguration.KmsKey")


@rule("eks-secrets-encryption", title="EKS encrypts Kubernetes secrets with a KMS key", severity="high",
      types=["AWS::EKS::Cluster"], area="data", category="encryption", wa=KEYS, needs=KMS, fsbp=("EKS.3",),
      why="Without envelope encryption, Kubernetes secrets are only base64-encoded in etcd.",
      fix="Configure encryption_config for the secrets resource with a KMS key.",
      tf='encryption_config {\n  resources = ["secrets"]\n  provider {\n    key_arn = aws_kms_key.eks.arn\n  }\n}',
      cfn="EncryptionConfig:\n  - Resources: [secrets]\n    Provider:\n      KeyArn: !GetAtt EksKey.Arn")
def eks_secrets(r: View) -> Any:
    for p, cfg in r.items("EncryptionConfig"):
        if not isinstance(cfg, dict):
            continue
        resources = r.get(f"{p}.Resources") or []
        if "secrets" in (resources if isinstance(resources, list) else [resources]):
            if not r.present(f"{p}.Provider.KeyArn"):
                return Fail(f"{p}.Provider", "secrets encryption names no KMS key")
            return None
    return Fail("EncryptionConfig", "Kubernetes secrets are not encrypted with a KMS key")


expect("ebs-encryption-by-default", types=["Wasec::EC2::EBSEncryptionByDefault"], path="Enabled", ok=is_true,
       default=True, message="new EBS volumes are not encrypted by default in this region",
       title="EBS encryption by default is on in every region", severity="medium", area="data", category="encryption",
       wa=("SEC08-BP02", "SEC08-BP03"), cis=("6.1.1",), fsbp=("EC2.7",),
       why="With the regional default on, every new volume and snapshot copy is encrypted, whoever creates it and "
           "however; without it, one template that forgets encrypted = true stores data in clear.",
       fix="Turn on EBS encryption by default in every enabled region.",
       tf='resource "aws_ebs_encryption_by_default" "this" {\n  enabled = true\n}',
       cfn="# set with aws ec2 enable-ebs-encryption-by-default in each region")
_cmk("efs-kms-cmk", ("AWS::EFS::FileSystem",), "KmsKeyId", "EFS file system encrypts with a customer managed KMS key",
     tf="encrypted  = true\nkms_key_id = aws_kms_key.efs.arn", cfn="Encrypted: true\nKmsKeyId: !Ref EfsKey",
     encrypted="Encrypted")
_cmk("mq-kms-cmk", ("AWS::AmazonMQ::Broker",), "EncryptionOptions.KmsKeyId",
     "Amazon MQ broker encrypts with a customer managed KMS key",
     tf="encryption_options {\n  use_aws_owned_key = false\n  kms_key_id        = aws_kms_key.mq.arn\n}",
     cfn="EncryptionOptions:\n  UseAwsOwnedKey: false\n  KmsKeyId: !Ref MqKey",
     applies=lambda r: str(r.get("EngineType") or "").lower() == "activemq")  # RabbitMQ brokers take no key


_GLUE_S3_OK = ("SSE-KMS", "SSE-S3")


@rule("glue-security-configuration-encrypted", title="Glue security configurations encrypt S3 output, logs and "
      "job bookmarks", severity="medium", types=["AWS::Glue::SecurityConfiguration"], area="data",
      category="encryption", wa=AT_REST,
      why="Jobs and crawlers write their output, their CloudWatch logs and their bookmarks under the security "
          "configuration: a part left DISABLED stores data (and in logs, values from the data) unencrypted.",
      fix="Encrypt all three: S3 with SSE-KMS, CloudWatch with SSE-KMS, job bookmarks with CSE-KMS.",
      tf='encryption_configuration {\n  cloudwatch_encryption {\n    cloudwatch_encryption_mode = "SSE-KMS"\n    '
         'kms_key_arn = aws_kms_key.glue.arn\n  }\n  job_bookmarks_encryption {\n    job_bookmarks_encryption_mode = '
         '"CSE-KMS"\n    kms_key_arn = aws_kms_key.glue.arn\n  }\n  s3_encryption {\n    s3_encryption_mode = '
         '"SSE-KMS"\n    kms_key_arn = aws_kms_key.glue.arn\n  }\n}',
      cfn="EncryptionConfiguration:\n  CloudWatchEncryption: {CloudWatchEncryptionMode: SSE-KMS, KmsKeyArn: !GetAtt "
          "GlueKey.Arn}\n  JobBookmarksEncryption: {JobBookmarksEncryptionMode: CSE-KMS, KmsKeyArn: !GetAtt GlueKey.Arn}"
          "\n  S3Encryptions: [{S3EncryptionMode: SSE-KMS, KmsKeyArn: !GetAtt GlueKey.Arn}]")
def glue_security_configuration(r: View) -> Any:
    base = "EncryptionConfiguration"
    fails = []
    s3 = [(p, e) for p, e in r.items(f"{base}.S3Encryptions") if isinstance(e, dict)]
    if not s3 or any(str(e.get("S3EncryptionMode", "DISABLED")).upper() not in _GLUE_S3_OK for _, e in s3):
        bad = next((p for p, e in s3 if str(e.get("S3EncryptionMode", "DISABLED")).upper() not in _GLUE_S3_OK),
                   f"{base}.S3Encryptions")
        fails.append(Fail(f"{bad}.S3EncryptionMode" if s3 else bad, "S3 output is not encrypted"))
    if str(r.get(f"{base}.CloudWatchEncryption.CloudWatchEncryptionMode", "DISABLED")).upper() != "SSE-KMS":
        fails.append(Fail(f"{base}.CloudWatchEncryption.CloudWatchEncryptionMode", "CloudWatch logs are not encrypted"))
    if str(r.get(f"{base}.JobBookmarksEncryption.JobBookmarksEncryptionMode", "DISABLED")).upper() != "CSE-KMS":
        fails.append(Fail(f"{base}.JobBookmarksEncryption.JobBookmarksEncryptionMode",
                          "job bookmarks are not encrypted"))
    return fails


expect("glue-job-security-configuration", types=["AWS::Glue::Job", "AWS::Glue::Crawler", "AWS::Glue::DevEndpoint"],
       path={"AWS::Glue::Job": "SecurityConfiguration", "AWS::Glue::Crawler": "CrawlerSecurityConfiguration",
             "AWS::Glue::DevEndpoint": "SecurityConfiguration"},
       message="no security configuration: output, logs and bookmarks are written unencrypted",
       title="Glue jobs and crawlers run under a security configuration", severity="medium", area="data",
       category="encryption", wa=AT_REST,
       why="Without a security configuration a job writes its S3 output, CloudWatch logs and bookmarks with no "
           "encryption of Glue's own.",
       fix="Name an encrypting security configuration on the job or crawler.",
       tf="security_configuration = aws_glue_security_configuration.encrypted.name",
       cfn="SecurityConfiguration: !Ref EncryptedGlueConfiguration")

expect("sagemaker-endpoint-encrypted", types=["AWS::SageMaker::EndpointConfig"], path="KmsKeyId",
       message="the endpoint's storage volumes are not encrypted with a key of yours",
       title="SageMaker endpoint configurations encrypt the endpoint's storage", severity="medium", area="data",
       category="encryption", wa=KEYS,
       why="The ML storage volumes attached to the endpoint's instances hold the model and what it caches; without a "
           "KMS key named here their encryption is not under your control or your audit.",
       fix="Set a KMS key on the endpoint configuration.", tf="kms_key_arn = aws_kms_key.sagemaker.arn",
       cfn="KmsKeyId: !Ref SageMakerKey")


expect("appsync-cache-at-rest", types=["AWS::AppSync::ApiCache"], path="AtRestEncryptionEnabled", ok=is_true,
       default=False, message="the cache stores resolver results unencrypted",
       title="AppSync API caches are encrypted at rest", severity="medium", area="data", category="encryption",
       wa=AT_REST, fsbp=("AppSync.1",),
       why="Cached resolver results (often user data) sit on the cache nodes' storage.",
       fix="Recreate the cache with encryption at rest enabled.", tf="at_rest_encryption_enabled = true",
       cfn="AtRestEncryptionEnabled: true")

expect("glue-ml-transform-encrypted", types=["AWS::Glue::MLTransform"],
       path="TransformEncryption.MLUserDataEncryption.MLUserDataEncryptionMode",
       ok=lambda v: str(v).upper() == "SSE-KMS", default="DISABLED",
       message="the transform's user data (labels, training data) is not encrypted with a key of yours",
       title="Glue machine-learning transforms encrypt their user data", severity="medium", area="data",
       category="encryption", wa=KEYS, fsbp=("Glue.3",),
       why="A transform keeps the labels and the data it learns from; without a KMS key they are stored under "
           "Glue's defaults, outside your key policies and audit.",
       fix="Set ML user data encryption to SSE-KMS with a key of yours.",
       tf='# aws_glue_ml_transform has no encryption argument: create the transform with CloudFormation or the API',
       cfn="TransformEncryption:\n  MLUserDataEncryption:\n    MLUserDataEncryptionMode: SSE-KMS\n    KmsKeyId: !Ref GlueKey")


# -- customer managed keys of the remaining services --------------------------------------------------------
_cmk("timestream-kms-cmk", ("AWS::Timestream::Database",), "KmsKeyId",
     "Timestream databases encrypt with a customer managed KMS key", tf="kms_key_id = aws_kms_key.metrics.arn",
     cfn="KmsKeyId: !Ref MetricsKey")
_cmk("backup-vault-kms-cmk", ("AWS::Backup::BackupVault",), "EncryptionKeyArn",
     "Backup vaults encrypt recovery points with a customer managed KMS key", severity="medium",
     tf="kms_key_arn = aws_kms_key.backup.arn", cfn="EncryptionKeyArn: !GetAtt BackupKey.Arn")
_cmk("kinesis-video-kms-cmk", ("AWS::KinesisVideo::Stream",), "KmsKeyId",
     "Kinesis video streams encrypt with a customer managed KMS key", tf="kms_key_id = aws_kms_key.video.arn",
     cfn="KmsKeyId: !Ref VideoKey")
_cmk("fsx-kms-cmk", ("AWS::FSx::FileSystem",), "KmsKeyId", "FSx file systems encrypt with a customer managed KMS key",
     severity="medium", applies=lambda r: not (str(r.get("FileSystemType", "")).upper() == "LUSTRE" and str(
         r.get("LustreConfiguration.DeploymentType", "SCRATCH_1")).upper().startswith("SCRATCH")),
     tf="kms_key_id = aws_kms_key.fsx.arn", cfn="KmsKeyId: !Ref FsxKey")
_cmk("codeartifact-domain-kms-cmk", ("AWS::CodeArtifact::Domain",), "EncryptionKey",
     "CodeArtifact domains encrypt packages with a customer managed KMS key", tf="encryption_key = aws_kms_key.packages.arn",
     cfn="EncryptionKey: !GetAtt PackagesKey.Arn")
_cmk("dms-replication-instance-kms-cmk", ("AWS::DMS::ReplicationInstance",), "KmsKeyId",
     "DMS replication instances encrypt their storage with a customer managed KMS key",
     tf="kms_key_arn = aws_kms_key.dms.arn", cfn="KmsKeyId: !Ref DmsKey")
_cmk("dms-endpoint-kms-cmk", ("AWS::DMS::Endpoint",), "KmsKeyId",
     "DMS endpoints encrypt their connection settings with a customer managed KMS key",
     tf="kms_key_arn = aws_kms_key.dms.arn", cfn="KmsKeyId: !Ref DmsKey")
_cmk("memorydb-kms-cmk", ("AWS::MemoryDB::Cluster",), "KmsKeyId", "MemoryDB clusters encrypt with a customer managed KMS key",
     tf="kms_key_arn = aws_kms_key.memorydb.arn", cfn="KmsKeyId: !Ref MemoryDbKey")
_cmk("sagemaker-domain-kms-cmk", ("AWS::SageMaker::Domain",), "KmsKeyId",
     "SageMaker domains encrypt their home file system with a customer managed KMS key",
     tf="kms_key_id = aws_kms_key.sagemaker.arn", cfn="KmsKeyId: !Ref SageMakerKey")
_cmk("redshift-serverless-kms-cmk", ("AWS::RedshiftServerless::Namespace",), "KmsKeyId",
     "Redshift Serverless namespaces encrypt with a customer managed KMS key", severity="medium",
     tf="kms_key_id = aws_kms_key.redshift.arn", cfn="KmsKeyId: !Ref RedshiftKey")
_cmk("bedrock-agent-kms-cmk", ("AWS::Bedrock::Agent",), "CustomerEncryptionKeyArn",
     "Bedrock agents encrypt their sessions with a customer managed KMS key",
     tf="customer_encryption_key_arn = aws_kms_key.agent.arn", cfn="CustomerEncryptionKeyArn: !GetAtt AgentKey.Arn")
_cmk("kendra-index-kms-cmk", ("AWS::Kendra::Index",), "ServerSideEncryptionConfiguration.KmsKeyId",
     "Kendra indexes encrypt with a customer managed KMS key",
     tf="server_side_encryption_configuration {\n  kms_key_id = aws_kms_key.search.arn\n}",
     cfn="ServerSideEncryptionConfiguration:\n  KmsKeyId: !Ref SearchKey")
_cmk("appflow-kms-cmk", ("AWS::AppFlow::Flow", "AWS::AppFlow::ConnectorProfile"), "KMSArn",
     "AppFlow flows and connector profiles encrypt with a customer managed KMS key",
     tf="kms_arn = aws_kms_key.appflow.arn", cfn="KMSArn: !GetAtt AppFlowKey.Arn")
_cmk("cloudtrail-event-data-store-kms-cmk", ("AWS::CloudTrail::EventDataStore",), "KmsKeyId",
     "CloudTrail Lake event data stores encrypt with a customer managed KMS key", severity="medium",
     tf="kms_key_id = aws_kms_key.trail.arn", cfn="KmsKeyId: !Ref TrailKey")
_cmk("scheduler-schedule-kms-cmk", ("AWS::Scheduler::Schedule",), "KmsKeyArn",
     "EventBridge Scheduler schedules encrypt their target input with a customer managed KMS key",
     tf="kms_key_arn = aws_kms_key.scheduler.arn", cfn="KmsKeyArn: !GetAtt SchedulerKey.Arn")
_cmk("imagebuilder-component-kms-cmk", ("AWS::ImageBuilder::Component",), "KmsKeyId",
     "Image Builder components encrypt with a customer managed KMS key", tf="kms_key_id = aws_kms_key.images.arn",
     cfn="KmsKeyId: !GetAtt ImagesKey.Arn")
_cmk("opensearch-kms-cmk", ("AWS::OpenSearchService::Domain", "AWS::Elasticsearch::Domain"),
     "EncryptionAtRestOptions.KmsKeyId", "OpenSearch domains encrypt with a customer managed KMS key",
     applies=lambda r: is_true(r.get("EncryptionAtRestOptions.Enabled", False)),
     tf="encrypt_at_rest {\n  enabled    = true\n  kms_key_id = aws_kms_key.search.arn\n}",
     cfn="EncryptionAtRestOptions:\n  Enabled: true\n  KmsKeyId: !Ref SearchKey")
_cmk("ssm-parameter-kms-cmk", ("AWS::SSM::Parameter",), "KmsKeyId",
     "SecureString parameters encrypt with a customer managed KMS key",
     applies=lambda r: str(r.get("Type", "")) == "SecureString", tf="key_id = aws_kms_key.params.arn",
     cfn="# CloudFormation creates no SecureString parameter: create it with the CLI or Terraform")
_cmk("lambda-environment-kms-cmk", ("AWS::Lambda::Function", "AWS::Serverless::Function"), "KmsKeyArn",
     "Lambda functions encrypt their environment variables with a customer managed KMS key",
     applies=lambda r: bool(r.get("Environment.Variables")), tf="kms_key_arn = aws_kms_key.functions.arn",
     cfn="KmsKeyArn: !GetAtt FunctionsKey.Arn")
_cmk("s3-object-kms-cmk", ("Wasec::S3::Object",), "KmsKeyId", "S3 objects written by code encrypt with a customer managed KMS key",
     tf='server_side_encryption = "aws:kms"\nkms_key_id             = aws_kms_key.s3.arn',
     cfn="# CloudFormation writes no S3 object: set the bucket's default encryption to the key (s3-bucket-sse-kms)")


def _key_choice(id: str, types: tuple[str, ...], path: str, kind: str, customer: str, title: str, tf: str, cfn: str,
                severity: str = "low") -> None:
    """A key chosen by a type switch (``kind``) beside the key id: the switch must name a customer managed key."""

    def check(r: View) -> Any:
        cfg = r.get(path)
        if cfg is None:
            return Fail(path, "no customer managed KMS key is set: the service's own key is used")
        chosen = r.get(f"{path}.{kind}")  # unknown: the engine reports UNKNOWN
        if str(chosen).upper() != customer:
            return Fail(f"{path}.{kind}", "the service's own key is used, not a customer managed key", chosen)
        return None

    rule(id, title=title, severity=severity, types=types, area="data", category="encryption", wa=KEYS, needs=KMS,
         why="A customer managed KMS key puts key policy, rotation, audit and revocation under your control; "
             "AWS owned keys cannot be restricted or disabled.",
         fix="Choose a customer managed KMS key.", tf=tf, cfn=cfn)(check)


_key_choice("keyspaces-table-kms-cmk", ("AWS::Cassandra::Table",), "EncryptionSpecification", "EncryptionType",
            "CUSTOMER_MANAGED_KMS_KEY", "Keyspaces tables encrypt with a customer managed KMS key",
            tf='encryption_specification {\n  type               = "CUSTOMER_MANAGED_KMS_KEY"\n'
               '  kms_key_identifier = aws_kms_key.cassandra.arn\n}',
            cfn="EncryptionSpecification:\n  EncryptionType: CUSTOMER_MANAGED_KMS_KEY\n  KmsKeyIdentifier: !GetAtt CassandraKey.Arn")
_key_choice("network-firewall-kms-cmk", ("AWS::NetworkFirewall::Firewall", "AWS::NetworkFirewall::FirewallPolicy",
                                         "AWS::NetworkFirewall::RuleGroup"), "EncryptionConfiguration", "Type",
            "CUSTOMER_KMS", "Network Firewall resources encrypt with a customer managed KMS key",
            tf='encryption_configuration {\n  type   = "CUSTOMER_KMS"\n  key_id = aws_kms_key.firewall.arn\n}',
            cfn="EncryptionConfiguration:\n  Type: CUSTOMER_KMS\n  KeyId: !GetAtt FirewallKey.Arn")
_key_choice("firehose-kms-cmk", ("AWS::KinesisFirehose::DeliveryStream",), "DeliveryStreamEncryptionConfigurationInput",
            "KeyType", "CUSTOMER_MANAGED_CMK", "Firehose delivery streams encrypt with a customer managed KMS key",
            tf='server_side_encryption {\n  enabled  = true\n  key_type = "CUSTOMER_MANAGED_CMK"\n  key_arn  = aws_kms_key.stream.arn\n}',
            cfn="DeliveryStreamEncryptionConfigurationInput:\n  KeyType: CUSTOMER_MANAGED_CMK\n  KeyARN: !GetAtt StreamKey.Arn")


@rule("codepipeline-artifacts-kms-cmk", title="CodePipeline artifact stores encrypt with a customer managed KMS key",
      severity="medium", types=["AWS::CodePipeline::Pipeline"], area="data", category="encryption", wa=KEYS, needs=KMS,
      why="Artifacts carry the built application between stages; with the default S3 key anyone who can read the "
          "bucket reads them, and no key policy of yours stands between a stage and another account.",
      fix="Give each artifact store a customer managed KMS key.",
      tf='artifact_store {\n  location = aws_s3_bucket.artifacts.bucket\n  type     = "S3"\n  encryption_key {\n'
         '    id   = aws_kms_key.artifacts.arn\n    type = "KMS"\n  }\n}',
      cfn="ArtifactStore:\n  Type: S3\n  Location: !Ref ArtifactBucket\n  EncryptionKey:\n    Id: !GetAtt ArtifactKey.Arn\n"
          "    Type: KMS")
def pipeline_cmk(r: View) -> Any:
    stores = [("ArtifactStore", r.get("ArtifactStore"))] if r.present("ArtifactStore") else [
        (f"ArtifactStores.{i}.ArtifactStore", s.get("ArtifactStore") if isinstance(s, dict) else None)
        for i, s in enumerate(r.get("ArtifactStores") or [])]
    fails: list[Fail] = []
    for path, _ in stores:
        if not r.present(f"{path}.EncryptionKey.Id"):
            fails.append(Fail(path, "the artifact store uses the default S3 key"))
        else:
            found = customer_key(r, f"{path}.EncryptionKey.Id")
            if found is not None:
                fails.append(found)
    return fails


@rule("rds-global-cluster-encrypted", title="Global database clusters are encrypted at rest", severity="high",
      types=["AWS::RDS::GlobalCluster", "Wasec::DocDB::GlobalCluster"], area="data", category="encryption",
      wa=AT_REST,
      why="A global cluster replicates every write to other regions; created unencrypted, every secondary copies "
          "the data in clear and cannot be encrypted later.",
      fix="Create the global cluster with storage encryption (or from an encrypted source cluster).",
      tf="storage_encrypted = true", cfn="StorageEncrypted: true")
def global_cluster_encrypted(r: View) -> Any:
    if r.present("SourceDBClusterIdentifier"):
        return Skip("encryption follows the source cluster, judged on its own")
    if not is_true(r.get("StorageEncrypted", False)):
        return Fail("StorageEncrypted", "the global cluster is not encrypted at rest", r.get("StorageEncrypted"))
    return None


@rule("ec2-copies-encrypted", title="Copied EBS snapshots and AMIs are encrypted", severity="medium",
      types=["Wasec::EC2::SnapshotCopy", "Wasec::EC2::ImageCopy"], area="data", category="encryption", wa=AT_REST,
      why="A copy of an unencrypted snapshot or image is unencrypted unless the copy asks for encryption: the copy is "
          "the moment to fix it, and copies are what gets shared and moved between regions.",
      fix="Encrypt the copy with a customer managed key.",
      tf="encrypted  = true\nkms_key_id = aws_kms_key.ebs.arn",
      cfn="# CloudFormation copies no snapshot or image: pass Encrypted and KmsKeyId to CopySnapshot or CopyImage")
def copies_encrypted(r: View) -> Any:
    if not is_true(r.get("Encrypted", False)) and not r.present("KmsKeyId"):
        return Fail("Encrypted", "the copy is not encrypted unless its source was", r.get("Encrypted"))
    return None


@rule("imagebuilder-recipe-volumes-encrypted", title="Image Builder recipes encrypt the volumes of the images they build",
      severity="medium", types=["AWS::ImageBuilder::ImageRecipe"], area="data", category="encryption", wa=AT_REST,
      why="A recipe's block device mappings become every instance's volumes: an unencrypted mapping is copied into "
          "each AMI built and each instance launched from it.",
      fix="Set Encrypted (with a customer managed key) on each EBS mapping.",
      tf='block_device_mapping {\n  device_name = "/dev/xvda"\n  ebs {\n    encrypted  = true\n'
         '    kms_key_id = aws_kms_key.images.arn\n  }\n}',
      cfn="BlockDeviceMappings:\n  - DeviceName: /dev/xvda\n    Ebs:\n      Encrypted: true\n      KmsKeyId: !GetAtt ImagesKey.Arn")
def recipe_volumes(r: View) -> Any:
    return [Fail(r.nearest(f"{p}.Ebs.Encrypted", f"{p}.Ebs", p), "the volume is not encrypted", r.get(f"{p}.Ebs.Encrypted"))
            for p, m in r.items("BlockDeviceMappings")
            if isinstance(m, dict) and not m.get("NoDevice") and not is_true(r.get(f"{p}.Ebs.Encrypted", False))]


@rule("imagebuilder-distribution-kms-cmk", title="Image Builder distributions encrypt the AMIs they publish with a customer "
      "managed KMS key", severity="low", types=["AWS::ImageBuilder::DistributionConfiguration"], area="data",
      category="encryption", wa=KEYS, needs=KMS,
      why="The AMI copied to each region is encrypted with that region's default key unless the distribution names "
          "one: who may launch or share it is then not under your key policy.",
      fix="Name a customer managed key in each AMI distribution.",
      tf="distribution {\n  region = \"eu-west-1\"\n  ami_distribution_configuration {\n    kms_key_id = aws_kms_key.images.arn\n  }\n}",
      cfn="Distributions:\n  - Region: eu-west-1\n    AmiDistributionConfiguration:\n      KmsKeyId: !GetAtt ImagesKey.Arn")
def distribution_cmk(r: View) -> Any:
    fails: list[Fail] = []
    for p, d in r.items("Distributions"):
        if not isinstance(d, dict) or not r.present(f"{p}.AmiDistributionConfiguration"):
            continue
        found = customer_key(r, f"{p}.AmiDistributionConfiguration.KmsKeyId")
        if found is not None:
            fails.append(found)
    return fails


@rule("dlm-cross-region-copies-encrypted", title="Data Lifecycle Manager encrypts the copies it makes in other regions",
      severity="medium", types=["AWS::DLM::LifecyclePolicy"], area="data", category="encryption", wa=AT_REST,
      why="Cross-region copy rules decide the encryption of the copy: without Encrypted, snapshots of unencrypted "
          "volumes land unencrypted in the other region (and event-based copies of shared snapshots too).",
      fix="Set Encrypted (with a customer managed key in the target region) on every cross-region copy.",
      tf="cross_region_copy_rule {\n  target    = \"eu-west-2\"\n  encrypted = true\n  cmk_arn   = aws_kms_key.dr.arn\n}",
      cfn="CrossRegionCopyRules:\n  - Target: eu-west-2\n    Encrypted: true\n    CmkArn: !GetAtt DrKey.Arn")
def dlm_copies(r: View) -> Any:
    fails: list[Fail] = []
    for sp, _ in r.items("PolicyDetails.Schedules"):
        for cp, _ in r.items(f"{sp}.CrossRegionCopyRules"):
            if not is_true(r.get(f"{cp}.Encrypted", False)):
                fails.append(Fail(f"{cp}.Encrypted", "the cross-region copy is not encrypted", r.get(f"{cp}.Encrypted")))
    for ap, _ in r.items("PolicyDetails.Actions"):
        for cp, _ in r.items(f"{ap}.CrossRegionCopy"):
            if not is_true(r.get(f"{cp}.EncryptionConfiguration.Encrypted", False)):
                fails.append(Fail(f"{cp}.EncryptionConfiguration", "the cross-region copy is not encrypted"))
    return fails


@rule("glue-data-catalog-encrypted", title="The Glue Data Catalog is encrypted at rest", severity="medium",
      types=["AWS::Glue::DataCatalogEncryptionSettings"], area="data", category="encryption", wa=AT_REST,
      why="The catalog holds every table's schema, location and connection details; without SSE-KMS its metadata is "
          "stored unencrypted.",
      fix="Set the catalog encryption mode to SSE-KMS with a customer managed key.",
      tf='data_catalog_encryption_settings {\n  encryption_at_rest {\n    catalog_encryption_mode = "SSE-KMS"\n'
         '    sse_aws_kms_key_id      = aws_kms_key.glue.arn\n  }\n  connection_password_encryption {\n'
         '    return_connection_password_encrypted = true\n    aws_kms_key_id = aws_kms_key.glue.arn\n  }\n}',
      cfn="DataCatalogEncryptionSettings:\n  EncryptionAtRest:\n    CatalogEncryptionMode: SSE-KMS\n    SseAwsKmsKeyId: !Ref GlueKey")
def catalog_encrypted(r: View) -> Any:
    p = "DataCatalogEncryptionSettings.EncryptionAtRest.CatalogEncryptionMode"
    mode = r.get(p, "DISABLED")
    if str(mode).upper() not in ("SSE-KMS", "SSE-KMS-WITH-SERVICE-ROLE"):
        return Fail(p, "the catalog's metadata is not encrypted", mode)
    return None


expect("glue-connection-passwords-encrypted", types=["AWS::Glue::DataCatalogEncryptionSettings"],
       path="DataCatalogEncryptionSettings.ConnectionPasswordEncryption.ReturnConnectionPasswordEncrypted", ok=is_true,
       default=False, message="connection passwords are returned in clear to whoever reads a connection",
       title="Glue returns connection passwords encrypted", severity="medium", area="data", category="encryption",
       wa=("SEC08-BP02", "SEC02-BP03"),
       why="GetConnection returns each JDBC connection's password: in clear, any principal allowed to read the catalog "
           "reads the database passwords.",
       fix="Turn on connection password encryption with a KMS key whose use you restrict.",
       tf="connection_password_encryption {\n  return_connection_password_encrypted = true\n  aws_kms_key_id = aws_kms_key.glue.arn\n}",
       cfn="ConnectionPasswordEncryption:\n  ReturnConnectionPasswordEncrypted: true\n  KmsKeyId: !Ref GlueKey")


expect("emr-cluster-security-configuration", types=["AWS::EMR::Cluster"], path="SecurityConfiguration",
       message="the cluster runs without a security configuration: no encryption at rest or in transit, no Kerberos",
       title="EMR clusters run with a security configuration", severity="medium", area="data", category="encryption",
       wa=("SEC08-BP02", "SEC09-BP02"),
       why="Encryption of EMRFS data, local disks and traffic between nodes, and Kerberos or Lake Formation "
           "authentication, are all set by the security configuration: a cluster without one has none of them.",
       fix="Create a security configuration with at-rest and in-transit encryption and name it on the cluster.",
       tf="security_configuration = aws_emr_security_configuration.encrypted.name",
       cfn="SecurityConfiguration: !Ref EncryptedEmrConfiguration")
_cmk("ecs-exec-kms-cmk", ("AWS::ECS::Cluster",), "Configuration.ExecuteCommandConfiguration.KmsKeyId",
     "ECS Exec sessions are encrypted with a customer managed KMS key",
     applies=lambda r: r.raw("Configuration.ExecuteCommandConfiguration") is not None,
     tf="configuration {\n  execute_command_configuration {\n    kms_key_id = aws_kms_key.exec.arn\n  }\n}",
     cfn="Configuration:\n  ExecuteCommandConfiguration:\n    KmsKeyId: !Ref ExecKey")


@rule("comprehend-model-kms-cmk", title="Comprehend custom models encrypt the model and its training volumes with a "
      "customer managed KMS key", severity="low", types=["Wasec::Comprehend::Model"], area="data",
      category="encryption", wa=KEYS, needs=KMS,
      why="A custom model is built from, and can reveal, its training documents; its artifacts and the training "
          "instances' volumes are then encrypted with keys outside your control.",
      fix="Set the model and volume KMS keys.",
      tf="model_kms_key_id  = aws_kms_key.comprehend.arn\nvolume_kms_key_id = aws_kms_key.comprehend.arn",
      cfn="# Comprehend entity recognizers and classifiers are no CloudFormation resource")
def comprehend_cmk(r: View) -> Any:
    return [f for p in ("ModelKmsKeyId", "VolumeKmsKeyId") if (f := customer_key(r, p)) is not None]


@rule("connect-storage-encrypted", title="Amazon Connect stores recordings, transcripts and media streams encrypted with "
      "KMS", severity="medium", types=["AWS::Connect::InstanceStorageConfig"], area="data", category="encryption",
      wa=KEYS,
      why="Call recordings, chat transcripts and live media hold what customers say; Connect encrypts the S3 and Kinesis "
          "Video copies with a KMS key only when the storage configuration names one.",
      fix="Give the S3 or Kinesis Video storage an encryption configuration with a customer managed key.",
      tf='storage_config {\n  storage_type = "S3"\n  s3_config {\n    bucket_name = aws_s3_bucket.recordings.id\n'
         '    encryption_config {\n      encryption_type = "KMS"\n      key_id          = aws_kms_key.connect.arn\n    }\n  }\n}',
      cfn="StorageType: S3\nS3Config:\n  BucketName: !Ref Recordings\n  EncryptionConfig:\n    EncryptionType: KMS\n"
          "    KeyId: !GetAtt ConnectKey.Arn")
def connect_storage(r: View) -> Any:
    for cfg in ("S3Config", "KinesisVideoStreamConfig"):
        if r.raw(cfg) is not None and not r.present(f"{cfg}.EncryptionConfig.KeyId"):
            return Fail(cfg, "the stored media is not encrypted with a KMS key")
    return None


@rule("sagemaker-monitoring-job-kms", title="SageMaker data quality jobs encrypt their results and volumes with KMS",
      severity="low", types=["AWS::SageMaker::DataQualityJobDefinition"], area="data", category="encryption", wa=KEYS,
      why="Monitoring jobs read samples of the endpoint's traffic and write statistics and violations about it: both "
          "the output and the processing volumes hold production data.",
      fix="Set a KMS key on the job output and on the cluster's volumes.",
      tf="data_quality_job_output_config {\n  kms_key_id = aws_kms_key.sagemaker.arn\n}\njob_resources {\n"
         "  cluster_config {\n    volume_kms_key_id = aws_kms_key.sagemaker.arn\n  }\n}",
      cfn="DataQualityJobOutputConfig:\n  KmsKeyId: !Ref SageMakerKey\nJobResources:\n  ClusterConfig:\n"
          "    VolumeKmsKeyId: !Ref SageMakerKey")
def monitoring_kms(r: View) -> Any:
    fails = []
    for p in ("DataQualityJobOutputConfig.KmsKeyId", "JobResources.ClusterConfig.VolumeKmsKeyId"):
        if not r.present(p):
            fails.append(Fail(r.nearest(p.rsplit(".", 1)[0]),
                              f"{'the output' if 'Output' in p else 'the processing volumes'} are not encrypted with a KMS key"))
    return fails
_cmk("database-copies-kms-cmk", ("Wasec::Database::SnapshotCopy",), "KmsKeyId",
     "Copies of database snapshots and backups are encrypted with a customer managed KMS key",
     tf="kms_key_id = aws_kms_key.dr.arn",
     cfn="# CloudFormation copies no snapshot: pass KmsKeyId to CopyDBSnapshot, StartDBInstanceAutomatedBackupsReplication")
_cmk("sagemaker-flow-definition-kms-cmk", ("Wasec::SageMaker::FlowDefinition",), "OutputConfig.KmsKeyId",
     "SageMaker human review workflows encrypt their output with a customer managed KMS key",
     tf="output_config {\n  s3_output_path = \"s3://reviews/\"\n  kms_key_id     = aws_kms_key.sagemaker.arn\n}",
     cfn="# flow definitions are no CloudFormation resource")
_cmk("rds-activity-stream-kms-cmk", ("Wasec::RDS::ActivityStream",), "KmsKeyId",
     "Database activity streams are encrypted with a customer managed KMS key",
     tf="kms_key_id = aws_kms_key.activity.key_id",
     cfn="# activity streams are started with the API (StartActivityStream), not declared in CloudFormation")
_key_choice("codeguru-reviewer-kms-cmk", ("Wasec::CodeGuru::RepositoryAssociation",), "KmsKeyDetails", "EncryptionOption",
            "CUSTOMER_MANAGED_CMK", "CodeGuru Reviewer keeps the reviewed source under a customer managed KMS key",
            tf='kms_key_details {\n  encryption_option = "CUSTOMER_MANAGED_CMK"\n  kms_key_id        = aws_kms_key.code.key_id\n}',
            cfn="# the KMS key of a repository association is set with the API")
