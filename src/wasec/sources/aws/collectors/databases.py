"""Databases and caches: RDS instances and clusters (DocumentDB and Neptune clusters come from the same
API and are told apart by engine), public snapshots, DynamoDB, ElastiCache, Redshift and DAX."""

from __future__ import annotations

from typing import Any

from wasec.model.resource import Resource
from wasec.model.values import Unknown
from wasec.sources.aws.spec import Ctx, collector, known, tag_list

_CLUSTER_TYPES = {"docdb": "AWS::DocDB::DBCluster", "neptune": "AWS::Neptune::DBCluster"}


@collector("rds", types=["AWS::RDS::DBInstance"], calls=["DescribeDBInstances"])
def db_instances(ctx: Ctx) -> list[Resource]:
    out = []
    for d in ctx.pages("DescribeDBInstances", "DBInstances"):
        if str(d.get("Engine", "")) in _CLUSTER_TYPES:
            continue  # DocumentDB and Neptune instances: their settings live on the cluster
        out.append(ctx.resource("AWS::RDS::DBInstance", d["DBInstanceIdentifier"], {
            "DBInstanceIdentifier": d["DBInstanceIdentifier"], "Engine": d.get("Engine"),
            "EngineVersion": d.get("EngineVersion"), "DBInstanceClass": d.get("DBInstanceClass"),
            "StorageEncrypted": bool(d.get("StorageEncrypted")), "KmsKeyId": d.get("KmsKeyId"),
            "PubliclyAccessible": bool(d.get("PubliclyAccessible")),
            "BackupRetentionPeriod": d.get("BackupRetentionPeriod"), "DeletionProtection": bool(d.get("DeletionProtection")),
            "EnableCloudwatchLogsExports": list(d.get("EnabledCloudwatchLogsExports") or []),
            "EnablePerformanceInsights": bool(d.get("PerformanceInsightsEnabled")),
            "PerformanceInsightsKMSKeyId": d.get("PerformanceInsightsKMSKeyId"),
            "EnableIAMDatabaseAuthentication": bool(d.get("IAMDatabaseAuthenticationEnabled")),
            "DBClusterIdentifier": d.get("DBClusterIdentifier"),
            "SourceDBInstanceIdentifier": d.get("ReadReplicaSourceDBInstanceIdentifier"),
            "MultiAZ": bool(d.get("MultiAZ")), "AutoMinorVersionUpgrade": d.get("AutoMinorVersionUpgrade"),
            "CopyTagsToSnapshot": d.get("CopyTagsToSnapshot"), "MonitoringInterval": d.get("MonitoringInterval", 0),
            "MasterUsername": d.get("MasterUsername"),
            "DBSubnetGroupName": (d.get("DBSubnetGroup") or {}).get("DBSubnetGroupName"),
            "Tags": tag_list(d.get("TagList")),
        }, arn=d.get("DBInstanceArn"), tags=d.get("TagList")))
    return out


@collector("rds", types=["AWS::RDS::DBCluster", *_CLUSTER_TYPES.values()], calls=["DescribeDBClusters"])
def db_clusters(ctx: Ctx) -> list[Resource]:
    out = []
    for c in ctx.pages("DescribeDBClusters", "DBClusters"):
        engine = str(c.get("Engine", ""))
        type_ = _CLUSTER_TYPES.get(engine, "AWS::RDS::DBCluster")
        iam = bool(c.get("IAMDatabaseAuthenticationEnabled"))
        out.append(ctx.resource(type_, c["DBClusterIdentifier"], {
            "DBClusterIdentifier": c["DBClusterIdentifier"], "Engine": engine, "EngineMode": c.get("EngineMode"),
            "StorageEncrypted": bool(c.get("StorageEncrypted")), "KmsKeyId": c.get("KmsKeyId"),
            "BackupRetentionPeriod": c.get("BackupRetentionPeriod"), "DeletionProtection": bool(c.get("DeletionProtection")),
            "EnableCloudwatchLogsExports": list(c.get("EnabledCloudwatchLogsExports") or []),
            # CloudFormation names IAM authentication IamAuthEnabled on Neptune clusters
            **({"IamAuthEnabled": iam} if type_ == "AWS::Neptune::DBCluster" else {"EnableIAMDatabaseAuthentication": iam}),
            "CopyTagsToSnapshot": bool(c.get("CopyTagsToSnapshot")), "MasterUsername": c.get("MasterUsername"),
            "AutoMinorVersionUpgrade": c.get("AutoMinorVersionUpgrade"),
            "PubliclyAccessible": c.get("PubliclyAccessible"), "Tags": tag_list(c.get("TagList")),
        }, arn=c.get("DBClusterArn"), tags=c.get("TagList")))
    return out


@collector("rds", types=["AWS::RDS::DBProxy"], calls=["DescribeDBProxies"])
def db_proxies(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::RDS::DBProxy", p["DBProxyName"], {
        "DBProxyName": p["DBProxyName"], "EngineFamily": p.get("EngineFamily"), "RequireTLS": bool(p.get("RequireTLS")),
    }, arn=p.get("DBProxyArn")) for p in ctx.pages("DescribeDBProxies", "DBProxies")]


@collector("rds", types=["Wasec::RDS::DBSnapshot"],
           calls=["DescribeDBSnapshots", "DescribeDBSnapshotAttributes", "DescribeDBClusterSnapshots",
                  "DescribeDBClusterSnapshotAttributes"])
def db_snapshots(ctx: Ctx) -> list[Resource]:
    def shared(op: str, key: str, result: str, sid: str) -> Any:
        answer = ctx.item(op, **{key: sid})
        attrs = known(answer, result, "DBSnapshotAttributes" if "Cluster" not in op else "DBClusterSnapshotAttributes")
        if isinstance(attrs, Unknown):
            return attrs
        return [v for a in attrs or () if a.get("AttributeName") == "restore" for v in a.get("AttributeValues") or ()]

    def instance_snap(s: dict[str, Any]) -> Resource:
        sid = s["DBSnapshotIdentifier"]
        return ctx.resource("Wasec::RDS::DBSnapshot", sid, {
            "Encrypted": bool(s.get("Encrypted")),
            "SharedAccounts": shared("DescribeDBSnapshotAttributes", "DBSnapshotIdentifier", "DBSnapshotAttributesResult", sid),
        }, arn=s.get("DBSnapshotArn"))

    def cluster_snap(s: dict[str, Any]) -> Resource:
        sid = s["DBClusterSnapshotIdentifier"]
        return ctx.resource("Wasec::RDS::DBSnapshot", sid, {
            "Encrypted": bool(s.get("StorageEncrypted")),
            "SharedAccounts": shared("DescribeDBClusterSnapshotAttributes", "DBClusterSnapshotIdentifier",
                                     "DBClusterSnapshotAttributesResult", sid),
        }, arn=s.get("DBClusterSnapshotArn"))

    # only manual snapshots can be shared
    return [*ctx.map(instance_snap, ctx.pages("DescribeDBSnapshots", "DBSnapshots", SnapshotType="manual")),
            *ctx.map(cluster_snap, ctx.pages("DescribeDBClusterSnapshots", "DBClusterSnapshots", SnapshotType="manual"))]


@collector("dynamodb", types=["AWS::DynamoDB::Table"], calls=["ListTables", "DescribeTable", "DescribeContinuousBackups"])
def tables(ctx: Ctx) -> list[Resource]:
    def one(name: str) -> Resource:
        d = ctx.item("DescribeTable", TableName=name)
        table = known(d, "Table")
        pitr = ctx.item("DescribeContinuousBackups", TableName=name)
        status = known(pitr, "ContinuousBackupsDescription", "PointInTimeRecoveryDescription", "PointInTimeRecoveryStatus")
        if isinstance(table, Unknown):
            return ctx.resource("AWS::DynamoDB::Table", name, {"TableName": name, "SSESpecification": table,
                                                               "DeletionProtectionEnabled": table},
                                arn=ctx.arn("dynamodb", f"table/{name}"))
        sse = table.get("SSEDescription") or {}
        spec: dict[str, Any] = {"SSEEnabled": sse.get("Status") in ("ENABLED", "ENABLING", "UPDATING")}
        if spec["SSEEnabled"]:
            spec["SSEType"] = sse.get("SSEType", "KMS")
            spec["KMSMasterKeyId"] = sse.get("KMSMasterKeyArn")
        return ctx.resource("AWS::DynamoDB::Table", name, {
            "TableName": name, "SSESpecification": spec,
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": status if isinstance(status, Unknown)
                                                 else status == "ENABLED"},
            "DeletionProtectionEnabled": bool(table.get("DeletionProtectionEnabled")),
        }, arn=table.get("TableArn"))

    return ctx.map(one, ctx.pages("ListTables", "TableNames"))


@collector("elasticache", types=["AWS::ElastiCache::ReplicationGroup"],
           calls=["DescribeReplicationGroups", "DescribeCacheClusters"])
def replication_groups(ctx: Ctx) -> list[Resource]:
    # a group's engine version and subnet group are its members' (the cluster list is one cached answer)
    members = {c.get("ReplicationGroupId"): c for c in ctx.pages("DescribeCacheClusters", "CacheClusters")}

    def of_members(g: dict[str, Any], key: str) -> Any:
        m = members.get(g["ReplicationGroupId"])
        return m.get(key) if m is not None else Unknown(f"no member cluster of {g['ReplicationGroupId']} was listed")

    return [ctx.resource("AWS::ElastiCache::ReplicationGroup", g["ReplicationGroupId"], {
        "ReplicationGroupId": g["ReplicationGroupId"], "Engine": g.get("Engine", "redis"),
        "EngineVersion": of_members(g, "EngineVersion"), "CacheSubnetGroupName": of_members(g, "CacheSubnetGroupName"),
        "CacheNodeType": g.get("CacheNodeType"), "AtRestEncryptionEnabled": bool(g.get("AtRestEncryptionEnabled")),
        "TransitEncryptionEnabled": bool(g.get("TransitEncryptionEnabled")), "KmsKeyId": g.get("KmsKeyId"),
        "SnapshotRetentionLimit": g.get("SnapshotRetentionLimit", 0), "AuthTokenEnabled": g.get("AuthTokenEnabled"),
        "AutomaticFailoverEnabled": g.get("AutomaticFailover") == "enabled",
        "AutoMinorVersionUpgrade": g.get("AutoMinorVersionUpgrade"),
    }, arn=g.get("ARN")) for g in ctx.pages("DescribeReplicationGroups", "ReplicationGroups")]


@collector("elasticache", types=["AWS::ElastiCache::CacheCluster"], calls=["DescribeCacheClusters"])
def cache_clusters(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::ElastiCache::CacheCluster", c["CacheClusterId"], {
        "ClusterName": c["CacheClusterId"], "Engine": c.get("Engine"), "EngineVersion": c.get("EngineVersion"),
        "CacheNodeType": c.get("CacheNodeType"), "CacheSubnetGroupName": c.get("CacheSubnetGroupName"),
        "ReplicationGroupId": c.get("ReplicationGroupId"), "SnapshotRetentionLimit": c.get("SnapshotRetentionLimit", 0),
        "TransitEncryptionEnabled": bool(c.get("TransitEncryptionEnabled")),
        "AutoMinorVersionUpgrade": c.get("AutoMinorVersionUpgrade"),
    }, arn=c.get("ARN")) for c in ctx.pages("DescribeCacheClusters", "CacheClusters")]


@collector("redshift", types=["AWS::Redshift::Cluster"], calls=["DescribeClusters", "DescribeLoggingStatus"])
def redshift_clusters(ctx: Ctx) -> list[Resource]:
    def one(c: dict[str, Any]) -> Resource:
        cid = c["ClusterIdentifier"]
        status = ctx.item("DescribeLoggingStatus", ClusterIdentifier=cid)
        logging: Any = status if isinstance(status, Unknown) else (
            {"Enabled": True, "BucketName": status.get("BucketName"), "LogDestinationType": status.get("LogDestinationType")}
            if status and status.get("LoggingEnabled") else None)
        return ctx.resource("AWS::Redshift::Cluster", cid, {
            "ClusterIdentifier": cid, "Encrypted": bool(c.get("Encrypted")), "KmsKeyId": c.get("KmsKeyId"),
            "PubliclyAccessible": bool(c.get("PubliclyAccessible")), "ClusterSubnetGroupName": c.get("ClusterSubnetGroupName"),
            "EnhancedVpcRouting": bool(c.get("EnhancedVpcRouting")), "LoggingProperties": logging,
            "AutomatedSnapshotRetentionPeriod": c.get("AutomatedSnapshotRetentionPeriod"), "Tags": tag_list(c.get("Tags")),
            "AllowVersionUpgrade": c.get("AllowVersionUpgrade"), "MasterUsername": c.get("MasterUsername"),
            "DBName": c.get("DBName"),
        }, arn=ctx.arn("redshift", f"cluster:{cid}"), tags=c.get("Tags"))

    return ctx.map(one, ctx.pages("DescribeClusters", "Clusters"))


@collector("dax", types=["AWS::DAX::Cluster"], calls=["DescribeClusters"])
def dax_clusters(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::DAX::Cluster", c["ClusterName"], {
        "ClusterName": c["ClusterName"],
        "SSESpecification": {"SSEEnabled": (c.get("SSEDescription") or {}).get("Status") in ("ENABLED", "ENABLING")},
        "ClusterEndpointEncryptionType": c.get("ClusterEndpointEncryptionType", "NONE"),
    }, arn=c.get("ClusterArn")) for c in ctx.pages("DescribeClusters", "Clusters")]
