"""Managed databases beyond encryption and exposure: who signs in and how, what is monitored, what
travels with a snapshot (SEC02, SEC04, SEC07-BP02, SEC08, SEC09)."""

from __future__ import annotations

from typing import Any

from wasec.rules.pack._common import expect, is_true
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, View

CLUSTERED = ("AWS::RDS::DBCluster",)
# engines whose users can sign in with IAM tokens (Oracle, SQL Server and Db2 cannot)
_IAM_AUTH_ENGINES = ("mysql", "mariadb", "postgres", "aurora", "aurora-mysql", "aurora-postgresql")
# the administrator name each engine proposes: the first one an attacker tries
_DEFAULT_ADMIN = {"postgres": "postgres", "aurora-postgresql": "postgres"}


def _standalone(r: View) -> bool:
    """An RDS instance that is not a member of a cluster (a member's sign-in settings are the cluster's)."""
    return r.type != "AWS::RDS::DBInstance" or not r.present("DBClusterIdentifier")


def _engine(r: View) -> str:
    return str(r.get("Engine") or "").lower()


@rule("rds-iam-authentication", title="RDS databases accept IAM authentication", severity="medium",
      types=["AWS::RDS::DBInstance", *CLUSTERED], area="identity", category="access", wa=("SEC02-BP02", "SEC02-BP05"),
      fsbp=("RDS.10", "RDS.12"),
      why="IAM database authentication replaces long-lived database passwords with tokens that expire in 15 minutes, "
          "issued to IAM principals whose access is logged and revocable.",
      fix="Turn on IAM database authentication and grant rds-db:connect to the roles that need it.",
      tf="iam_database_authentication_enabled = true", cfn="EnableIAMDatabaseAuthentication: true")
def rds_iam_auth(r: View) -> Any:
    if not _standalone(r):
        return Skip("a cluster member: the cluster decides")
    engine = _engine(r)
    if engine and not engine.startswith(_IAM_AUTH_ENGINES):
        return Skip(f"{engine} does not support IAM database authentication")
    if not is_true(r.get("EnableIAMDatabaseAuthentication", False)):
        return Fail("EnableIAMDatabaseAuthentication" if r.present("EnableIAMDatabaseAuthentication") else "",
                    "IAM database authentication is off: only database passwords sign in")
    return None


expect("neptune-iam-authentication", types=["AWS::Neptune::DBCluster"], path="IamAuthEnabled", ok=is_true, default=False,
       message="IAM database authentication is off", title="Neptune clusters require IAM authentication",
       severity="medium", area="identity", category="access", wa=("SEC02-BP02", "SEC03-BP02"), fsbp=("Neptune.7",),
       why="Without IAM authentication anyone who reaches the cluster's endpoint can query the graph; with it every "
           "request is signed by an IAM principal.",
       fix="Turn on IAM database authentication.", tf="iam_database_authentication_enabled = true",
       cfn="IamAuthEnabled: true")


@rule("rds-custom-admin-username", title="RDS databases do not use the engine's default administrator name",
      severity="medium", types=["AWS::RDS::DBInstance", *CLUSTERED], area="identity", category="access",
      wa=("SEC02-BP01",), fsbp=("RDS.24", "RDS.25"),
      why="The default administrator name (admin, postgres) is half of a credential every brute-force tool already "
          "knows.",
      fix="Choose an administrator name of your own when creating the database (it cannot be changed later).",
      tf='username = "dbowner_7c1"', cfn="MasterUsername: dbowner_7c1")
def rds_admin_name(r: View) -> Any:
    if not _standalone(r):
        return Skip("a cluster member: the cluster's administrator signs in")
    engine = _engine(r)
    if engine.startswith(("docdb", "neptune")):
        return Skip(f"{engine} is not judged here")
    name = r.get("MasterUsername")
    if name is None:
        return Skip("no administrator is created here (a replica or a restore keeps its source's)")
    if str(name).lower() in ("admin", _DEFAULT_ADMIN.get(engine, "admin")):
        return Fail("MasterUsername", f"the administrator is named {name!r}, the engine's default", name)
    return None


def _copy_tags(id: str, types: tuple[str, ...], what: str, fsbp: tuple[str, ...], applies: Any = None) -> None:
    expect(id, types=types, path="CopyTagsToSnapshot", ok=is_true, default=False, applies=applies,
           message="snapshots do not carry the tags (data classification, owner) of the database",
           title=f"{what} copy their tags to snapshots", severity="low", area="data", category="hygiene",
           wa=("SEC07-BP02",), fsbp=fsbp,
           why="A snapshot holds the same data as its database; without the database's tags (DataClassification, "
               "owner) its sensitivity is unknown to the controls and people that rely on tags.",
           fix="Copy tags to snapshots.", tf="copy_tags_to_snapshot = true", cfn="CopyTagsToSnapshot: true")


_copy_tags("rds-copy-tags-to-snapshot", ("AWS::RDS::DBInstance", *CLUSTERED), "RDS databases",
           ("RDS.16", "RDS.17", "RDS.47", "RDS.48"), applies=_standalone)
_copy_tags("neptune-copy-tags-to-snapshot", ("AWS::Neptune::DBCluster",), "Neptune clusters", ("Neptune.8",))


@rule("rds-enhanced-monitoring", title="RDS DB instances have enhanced monitoring", severity="low",
      types=["AWS::RDS::DBInstance"], area="detection", category="logging", wa=("SEC04-BP01",), fsbp=("RDS.6",),
      why="Enhanced monitoring shows the processes and operating-system metrics of the database host: the evidence of "
          "a crypto-miner, an exfiltration burst or a runaway query that CloudWatch's hypervisor metrics miss.",
      fix="Set a monitoring interval (1-60 seconds) and a monitoring role.",
      tf="monitoring_interval = 60\nmonitoring_role_arn = aws_iam_role.rds_monitoring.arn",
      cfn="MonitoringInterval: 60\nMonitoringRoleArn: !GetAtt RdsMonitoringRole.Arn")
def rds_enhanced_monitoring(r: View) -> Any:
    interval = r.get("MonitoringInterval", 0)
    if not interval or int(interval) <= 0:
        return Fail("MonitoringInterval" if r.present("MonitoringInterval") else "", "enhanced monitoring is off", interval)
    return None


@rule("rds-snapshot-encrypted", title="RDS snapshots are encrypted", severity="medium", types=["Wasec::RDS::DBSnapshot"],
      area="data", category="encryption", wa=("SEC08-BP02",), fsbp=("RDS.4", "Neptune.6"), needs=["AWS::RDS::DBInstance"],
      why="A snapshot is the whole database in one object: unencrypted, anyone it is shared with or copied to reads "
          "everything.",
      fix="Snapshot encrypted databases; copy an unencrypted snapshot with a KMS key and delete the original.",
      tf='resource "aws_db_snapshot_copy" "enc" {\n  source_db_snapshot_identifier = aws_db_snapshot.s.db_snapshot_arn\n'
         '  kms_key_id                    = aws_kms_key.db.arn\n}',
      cfn="# snapshots of an instance with StorageEncrypted: true are encrypted")
def rds_snapshot_encrypted(r: View) -> Any:
    enc = r.get("Encrypted")
    if enc is None:  # in code a snapshot is as encrypted as the instance it is taken of
        source = r.resolve(r.raw("DBInstanceIdentifier"), "AWS::RDS::DBInstance")
        if source is None:
            r.get("DBInstanceIdentifier")  # an unknown source is said as such
            return Skip("the snapshot's database is not in the scanned code")
        enc = source.properties.get("StorageEncrypted", False)
    if not is_true(enc):
        return Fail("Encrypted" if r.present("Encrypted") else "DBInstanceIdentifier", "the snapshot is not encrypted", enc)
    return None


expect("rds-proxy-tls", types=["AWS::RDS::DBProxy"], path="RequireTLS", ok=is_true, default=False,
       message="the proxy accepts connections without TLS", title="RDS proxies require TLS", severity="medium",
       area="data", category="encryption", wa=("SEC09-BP02",), fsbp=("RDS.43",),
       why="Without RequireTLS, clients may send credentials and query results through the proxy in clear text.",
       fix="Require TLS on the proxy.", tf="require_tls = true", cfn="RequireTLS: true")


# -- Redshift --------------------------------------------------------------------------------------------
expect("redshift-automated-snapshots", types=["AWS::Redshift::Cluster"], path="AutomatedSnapshotRetentionPeriod",
       ok=lambda v: int(v) >= 1, default=1, message="automated snapshots are off",
       title="Redshift clusters take automated snapshots", severity="medium", area="incident", category="resilience",
       wa=("SEC07-BP04", "SEC10-BP03"), fsbp=("Redshift.3",),
       why="Automated snapshots are the way back after data is deleted or corrupted, and a record of what the data was.",
       fix="Keep automated snapshots (1-35 days; 7 or more is common).", tf="automated_snapshot_retention_period = 7",
       cfn="AutomatedSnapshotRetentionPeriod: 7")
expect("redshift-enhanced-vpc-routing", types=["AWS::Redshift::Cluster"], path="EnhancedVpcRouting", ok=is_true,
       default=False, message="COPY and UNLOAD traffic bypasses the VPC",
       title="Redshift clusters use enhanced VPC routing", severity="high", area="infrastructure", category="network",
       wa=("SEC05-BP01", "SEC05-BP02"), fsbp=("Redshift.7",),
       why="Without enhanced VPC routing, COPY and UNLOAD go over the internet path, outside security groups, network "
           "ACLs, VPC endpoint policies and flow logs.",
       fix="Turn on enhanced VPC routing (and add S3 VPC endpoints or NAT for the traffic).",
       tf="enhanced_vpc_routing = true", cfn="EnhancedVpcRouting: true")
expect("redshift-custom-admin-username", types=["AWS::Redshift::Cluster"], path="MasterUsername",
       ok=lambda v: str(v).lower() != "awsuser", applies=lambda r: r.present("MasterUsername"),
       message="the administrator is named awsuser, the console's default",
       title="Redshift clusters do not use the default administrator name", severity="high", area="identity",
       category="access", wa=("SEC02-BP01",), fsbp=("Redshift.8",),
       why="awsuser is the name the console proposes: half of a credential every brute-force tool already knows.",
       fix="Create the cluster with an administrator name of your own.", tf='master_username = "dwowner_41a"',
       cfn="MasterUsername: dwowner_41a")
expect("redshift-custom-database-name", types=["AWS::Redshift::Cluster"], path="DBName",
       ok=lambda v: str(v).lower() != "dev", default="dev", message="the database is named dev, the default",
       title="Redshift clusters do not use the default database name", severity="medium", area="identity",
       category="access", wa=("SEC02-BP01",), fsbp=("Redshift.9",),
       why="The default database name (dev) is one less thing an attacker with a stolen password must guess.",
       fix="Name the first database yourself.", tf='database_name = "analytics"', cfn="DBName: analytics")


expect("redshift-serverless-enhanced-vpc-routing", types=["AWS::RedshiftServerless::Workgroup"], path="EnhancedVpcRouting",
       ok=is_true, default=False, message="COPY and UNLOAD traffic bypasses the VPC",
       title="Redshift Serverless workgroups use enhanced VPC routing", severity="high", area="infrastructure",
       category="network", wa=("SEC05-BP01", "SEC05-BP02"), fsbp=("RedshiftServerless.1",),
       why="Without enhanced VPC routing, COPY and UNLOAD go over the internet path, outside security groups, network "
           "ACLs, VPC endpoint policies and flow logs.",
       fix="Turn on enhanced VPC routing (and add S3 VPC endpoints or NAT for the traffic).",
       tf="enhanced_vpc_routing = true", cfn="EnhancedVpcRouting: true")
expect("redshift-serverless-custom-admin-username", types=["AWS::RedshiftServerless::Namespace"], path="AdminUsername",
       ok=lambda v: str(v).lower() != "admin", applies=lambda r: r.present("AdminUsername"),
       message="the administrator is named admin, the console's default",
       title="Redshift Serverless namespaces do not use the default administrator name", severity="medium",
       area="identity", category="access", wa=("SEC02-BP01",), fsbp=("RedshiftServerless.5",),
       why="admin is the name the console proposes: half of a credential every brute-force tool already knows.",
       fix="Create the namespace with an administrator name of your own.", tf='admin_username = "dwowner_41a"',
       cfn="AdminUsername: dwowner_41a")
expect("redshift-serverless-custom-database-name", types=["AWS::RedshiftServerless::Namespace"], path="DbName",
       ok=lambda v: str(v).lower() != "dev", default="dev", message="the database is named dev, the default",
       title="Redshift Serverless namespaces do not use the default database name", severity="medium", area="identity",
       category="access", wa=("SEC02-BP01",), fsbp=("RedshiftServerless.7",),
       why="The default database name (dev) is one less thing an attacker with a stolen password must guess.",
       fix="Name the first database yourself.", tf='db_name = "analytics"', cfn="DbName: analytics")


# -- ElastiCache -------------------------------------------------------------------------------------------
@rule("elasticache-custom-subnet-group", title="ElastiCache clusters do not use the default subnet group",
      severity="high", types=["AWS::ElastiCache::CacheCluster", "AWS::ElastiCache::ReplicationGroup"],
      area="infrastructure", category="network", wa=("SEC05-BP01",), fsbp=("ElastiCache.7",),
      why="The default subnet group places the cache in the default VPC's subnets, which are public and shared with "
          "everything else launched without a plan.",
      fix="Create a subnet group of private subnets for the cache.",
      tf="subnet_group_name = aws_elasticache_subnet_group.private.name",
      cfn="CacheSubnetGroupName: !Ref PrivateCacheSubnets")
def elasticache_subnet_group(r: View) -> Any:
    if r.type == "AWS::ElastiCache::CacheCluster" and r.present("ReplicationGroupId"):
        return Skip("a member of a replication group: the group decides")
    group = r.get("CacheSubnetGroupName")
    if group is None or str(group) == "default":
        return Fail("CacheSubnetGroupName" if group is not None else "", "the cache is in the default subnet group", group)
    return None


@rule("elasticache-redis-auth", title="ElastiCache for Redis before 6.0 requires AUTH", severity="medium",
      types=["AWS::ElastiCache::ReplicationGroup"], area="identity", category="access", wa=("SEC03-BP02",),
      fsbp=("ElastiCache.6",),
      why="Redis before 6.0 has no users: without an AUTH token anyone who reaches the port reads and writes everything.",
      fix="Set an AUTH token (with in-transit encryption), or move to Redis 6+ with RBAC user groups.",
      tf="transit_encryption_enabled = true\nauth_token                 = var.redis_auth_token",
      cfn="TransitEncryptionEnabled: true\nAuthToken: '{{resolve:secretsmanager:redis-auth}}'")
def redis_auth(r: View) -> Any:
    if str(r.get("Engine", "redis")).lower() != "redis":
        return Skip("not Redis")
    version = r.get("EngineVersion")
    if version is None:
        return Skip("the engine version is the service's default (7.x), which has user-based access control")
    try:
        major = int(str(version).split(".")[0])
    except ValueError:
        return Skip(f"engine version {version!r}")
    if major >= 6:
        return Skip("Redis 6+: access is governed by user groups")
    if r.present("AuthToken") or is_true(r.get("AuthTokenEnabled", False)):
        return None
    return Fail("AuthToken" if r.source != "aws" else "AuthTokenEnabled", f"Redis {version} accepts anyone without AUTH")


_DEFAULT_PORTS = {"mysql": 3306, "mariadb": 3306, "aurora": 3306, "aurora-mysql": 3306, "postgres": 5432,
                  "aurora-postgresql": 5432, "oracle-ee": 1521, "oracle-ee-cdb": 1521, "oracle-se2": 1521,
                  "oracle-se2-cdb": 1521, "sqlserver-ee": 1433, "sqlserver-se": 1433, "sqlserver-ex": 1433,
                  "sqlserver-web": 1433, "db2-se": 50000, "db2-ae": 50000}


@rule("rds-default-port", title="RDS databases do not listen on their engine's default port", severity="low",
      types=["AWS::RDS::DBInstance", "AWS::RDS::DBCluster"], area="infrastructure", category="network",
      wa=("SEC05-BP02",), fsbp=("RDS.23",), optional=True,
      why="Scanners and worms try 3306, 5432, 1433 and 1521 first; another port does not stop a targeted attack "
          "but takes the database out of the internet's background noise.",
      fix="Set a port other than the engine's default.", tf="port = 5499", cfn="Port: 5499")
def rds_default_port(r: View) -> Any:
    engine = str(r.get("Engine") or "").lower()
    default = _DEFAULT_PORTS.get(engine)
    if default is None:
        return Skip(f"no default port known for engine {engine or '(none)'}")
    if r.type == "AWS::RDS::DBInstance" and r.present("DBClusterIdentifier"):
        return Skip("the cluster sets the port")
    port = r.get("Port", default)
    try:
        same = int(port) == default
    except (TypeError, ValueError):
        return Fail("Port", f"the port is not a number: {port!r}", port)
    return Fail("Port" if r.present("Port") else "", f"the database listens on {engine}'s default port {default}",
                port) if same else None
