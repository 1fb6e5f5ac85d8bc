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
            "MasterUsername": d.get("MasterUsername"), "Port": (d.get("Endpoint") or {}).get("Port"),
            "CACertificateIdentifier": d.get("CACertificateIdentifier"),
            "DBSubnetGroupName": (d.get("DBSubnetGroup") or {}).get("DBSubnetGroupName"),
            "DBParameterGroupName": next((g.get("DBParameterGroupName") for g in d.get("DBParameterGroups") or ()), None),
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
            "Port": c.get("Port"),
            "AutoMinorVersionUpgrade": c.get("AutoMinorVersionUpgrade"),
            "PubliclyAccessible": c.get("PubliclyAccessible"), "Tags": tag_list(c.get("TagList")),
            "DBClusterParameterGroupName": c.get("DBClusterParameterGroup"),
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
            "ClusterParameterGroupName": next((g.get("ParameterGroupName") for g in c.get("ClusterParameterGroups") or ()),
                                              None),
        }, arn=ctx.arn("redshift", f"cluster:{cid}"), tags=c.get("Tags"))

    return ctx.map(one, ctx.pages("DescribeClusters", "Clusters"))


@collector("dax", types=["AWS::DAX::Cluster"], calls=["DescribeClusters"])
def dax_clusters(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::DAX::Cluster", c["ClusterName"], {
        "ClusterName": c["ClusterName"],
        "SSESpecification": {"SSEEnabled": (c.get("SSEDescription") or {}).get("Status") in ("ENABLED", "ENABLING")},
        "ClusterEndpointEncryptionType": c.get("ClusterEndpointEncryptionType", "NONE"),
    }, arn=c.get("ClusterArn")) for c in ctx.pages("DescribeClusters", "Clusters")]


# -- parameter groups: only groups of the account's own (an engine's default.* group is judged by its name) ----
def _user_parameters(ctx: Ctx, op: str, **params: Any) -> dict[str, Any] | Unknown:
    answer = ctx.item(op, **params)
    if isinstance(answer, Unknown):
        return answer
    # Source="user" asks for the values someone set; an answer that lists engine defaults too is filtered here
    return {str(p.get("ParameterName")): p.get("ParameterValue") for p in (answer or {}).get("Parameters") or ()
            if p.get("ParameterValue") is not None and p.get("Source", "user") == "user"}


@collector("rds", types=["AWS::RDS::DBParameterGroup", "AWS::DocDB::DBClusterParameterGroup"],
           calls=["DescribeDBParameterGroups", "DescribeDBParameters", "DescribeDBClusterParameterGroups",
                  "DescribeDBClusterParameters"])
def db_parameter_groups(ctx: Ctx) -> list[Resource]:
    def instance_group(g: dict[str, Any]) -> Resource:
        name = g["DBParameterGroupName"]
        return ctx.resource("AWS::RDS::DBParameterGroup", name, {
            "DBParameterGroupName": name, "Family": g.get("DBParameterGroupFamily"),
            "Parameters": _user_parameters(ctx, "DescribeDBParameters", DBParameterGroupName=name, Source="user"),
        }, arn=g.get("DBParameterGroupArn"))

    def docdb_group(g: dict[str, Any]) -> Resource:
        name = g["DBClusterParameterGroupName"]
        return ctx.resource("AWS::DocDB::DBClusterParameterGroup", name, {
            "Name": name, "Family": g.get("DBParameterGroupFamily"),
            "Parameters": _user_parameters(ctx, "DescribeDBClusterParameters", DBClusterParameterGroupName=name,
                                           Source="user"),
        }, arn=g.get("DBClusterParameterGroupArn"))

    own = [g for g in ctx.pages("DescribeDBParameterGroups", "DBParameterGroups")
           if not str(g.get("DBParameterGroupName", "")).startswith("default.")]
    docdb = [g for g in ctx.pages("DescribeDBClusterParameterGroups", "DBClusterParameterGroups")
             if str(g.get("DBParameterGroupFamily", "")).startswith("docdb")
             and not str(g.get("DBClusterParameterGroupName", "")).startswith("default.")]
    return ctx.map(instance_group, own) + ctx.map(docdb_group, docdb)


@collector("rds", types=["AWS::RDS::EventSubscription"], calls=["DescribeEventSubscriptions"])
def event_subscriptions(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::RDS::EventSubscription", e["CustSubscriptionId"], {
        "SubscriptionName": e["CustSubscriptionId"], "SourceType": e.get("SourceType"),
        "EventCategories": list(e.get("EventCategoriesList") or []), "Enabled": bool(e.get("Enabled")),
        "SnsTopicArn": e.get("SnsTopicArn"),
    }, arn=e.get("EventSubscriptionArn")) for e in ctx.pages("DescribeEventSubscriptions", "EventSubscriptionsList")]


@collector("redshift", types=["AWS::Redshift::ClusterParameterGroup"],
           calls=["DescribeClusterParameterGroups", "DescribeClusterParameters"])
def redshift_parameter_groups(ctx: Ctx) -> list[Resource]:
    def one(g: dict[str, Any]) -> Resource:
        name = g["ParameterGroupName"]
        params = _user_parameters(ctx, "DescribeClusterParameters", ParameterGroupName=name, Source="user")
        return ctx.resource("AWS::Redshift::ClusterParameterGroup", name, {
            "ParameterGroupName": name, "ParameterGroupFamily": g.get("ParameterGroupFamily"),
            "Parameters": params if isinstance(params, Unknown) else
            [{"ParameterName": k, "ParameterValue": v} for k, v in params.items()],
        }, arn=ctx.arn("redshift", f"parametergroup:{name}"), tags=g.get("Tags"))

    return ctx.map(one, [g for g in ctx.pages("DescribeClusterParameterGroups", "ParameterGroups")
                         if not str(g.get("ParameterGroupName", "")).startswith("default.")])


@collector("redshift-serverless", types=["AWS::RedshiftServerless::Workgroup", "AWS::RedshiftServerless::Namespace"],
           calls=["ListWorkgroups", "ListNamespaces"])
def redshift_serverless(ctx: Ctx) -> list[Resource]:
    out = [ctx.resource("AWS::RedshiftServerless::Workgroup", w["workgroupName"], {
        "WorkgroupName": w["workgroupName"], "NamespaceName": w.get("namespaceName"),
        "EnhancedVpcRouting": bool(w.get("enhancedVpcRouting")), "PubliclyAccessible": bool(w.get("publiclyAccessible")),
        "ConfigParameters": [{"ParameterKey": p.get("parameterKey"), "ParameterValue": p.get("parameterValue")}
                             for p in w.get("configParameters") or ()],
    }, arn=w.get("workgroupArn")) for w in ctx.pages("ListWorkgroups", "workgroups")]
    out += [ctx.resource("AWS::RedshiftServerless::Namespace", n["namespaceName"], {
        "NamespaceName": n["namespaceName"], "AdminUsername": n.get("adminUsername"), "DbName": n.get("dbName"),
        "LogExports": list(n.get("logExports") or []), "KmsKeyId": n.get("kmsKeyId"),
    }, arn=n.get("namespaceArn")) for n in ctx.pages("ListNamespaces", "namespaces")]
    return out
