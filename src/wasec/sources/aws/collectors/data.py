"""Keys, queues, secrets, file systems, search and streaming: KMS, SQS, SNS, Secrets Manager, SSM
parameters, EFS, OpenSearch/Elasticsearch, MSK, Amazon MQ, Kinesis, Athena, EMR, Transfer Family,
WorkSpaces and DMS."""

from __future__ import annotations

import json
from typing import Any

from wasec.model.resource import Resource
from wasec.model.values import Unknown
from wasec.sources.aws.spec import Ctx, chunks, collector, known


def _json(text: Any) -> Any:
    if isinstance(text, str):
        try:
            return json.loads(text)
        except ValueError:
            return Unknown("the policy is not valid JSON")
    return text


@collector("kms", types=["AWS::KMS::Key", "AWS::KMS::Alias"],
           calls=["ListKeys", "ListAliases", "DescribeKey", "GetKeyRotationStatus", "GetKeyPolicy"])
def keys(ctx: Ctx) -> list[Resource]:
    aliases = ctx.pages("ListAliases", "Aliases")
    by_key: dict[str, list[str]] = {}
    for a in aliases:
        if a.get("TargetKeyId"):
            by_key.setdefault(a["TargetKeyId"], []).extend([a["AliasName"], a.get("AliasArn", "")])

    def one(k: dict[str, Any]) -> Resource | None:
        kid = k["KeyId"]
        meta = known(ctx.item("DescribeKey", KeyId=kid), "KeyMetadata")
        if isinstance(meta, Unknown):
            return ctx.resource("AWS::KMS::Key", kid, {"KeyPolicy": meta, "EnableKeyRotation": meta},
                                arn=k.get("KeyArn"), names=by_key.get(kid, ()))
        props: dict[str, Any] = {
            "KeyManager": meta.get("KeyManager"), "KeyState": meta.get("KeyState"), "Enabled": meta.get("Enabled"),
            "KeySpec": meta.get("KeySpec", "SYMMETRIC_DEFAULT"), "KeyUsage": meta.get("KeyUsage", "ENCRYPT_DECRYPT"),
            "Origin": meta.get("Origin"), "MultiRegion": meta.get("MultiRegion"), "Description": meta.get("Description"),
        }
        if meta.get("KeyState") in ("PendingDeletion", "PendingReplicaDeletion"):
            pass  # its rotation and policy can no longer be read; what matters is that it is going (KMS.3)
        elif meta.get("KeyManager") == "CUSTOMER":
            if props["KeySpec"] == "SYMMETRIC_DEFAULT" and meta.get("Origin") != "EXTERNAL":
                rot = ctx.item("GetKeyRotationStatus", KeyId=kid)
                props["EnableKeyRotation"] = known(rot, "KeyRotationEnabled")
            pol = ctx.item("GetKeyPolicy", KeyId=kid, PolicyName="default")
            props["KeyPolicy"] = _json(known(pol, "Policy"))
        return ctx.resource("AWS::KMS::Key", kid, props, arn=meta.get("Arn") or k.get("KeyArn"), names=by_key.get(kid, ()))

    out = [r for r in ctx.map(one, ctx.pages("ListKeys", "Keys")) if r is not None]
    for a in aliases:
        out.append(ctx.resource("AWS::KMS::Alias", a["AliasName"], {"AliasName": a["AliasName"],
                                                                   "TargetKeyId": a.get("TargetKeyId")},
                                arn=a.get("AliasArn")))
    return out


@collector("sqs", types=["AWS::SQS::Queue"], calls=["ListQueues", "GetQueueAttributes"])
def queues(ctx: Ctx) -> list[Resource]:
    def one(url: str) -> Resource:
        attrs = known(ctx.item("GetQueueAttributes", QueueUrl=url, AttributeNames=["All"]), "Attributes")
        name = url.rstrip("/").rsplit("/", 1)[-1]
        arn = ctx.arn("sqs", name)
        if isinstance(attrs, Unknown):
            return ctx.resource("AWS::SQS::Queue", name, {"QueueName": name, "KmsMasterKeyId": attrs,
                                                          "SqsManagedSseEnabled": attrs, "PolicyDocument": attrs},
                                arn=arn, names=[url])
        attrs = attrs or {}
        props: dict[str, Any] = {"QueueName": name, "KmsMasterKeyId": attrs.get("KmsMasterKeyId"),
                                 "SqsManagedSseEnabled": str(attrs.get("SqsManagedSseEnabled", "false")).lower() == "true"}
        if attrs.get("Policy"):
            props["PolicyDocument"] = _json(attrs["Policy"])
        return ctx.resource("AWS::SQS::Queue", name, props, arn=attrs.get("QueueArn", arn), names=[url])

    return ctx.map(one, ctx.pages("ListQueues", "QueueUrls"))


def _delivery_logging(attrs: dict[str, Any]) -> list[dict[str, Any]]:
    """GetTopicAttributes' <Protocol>SuccessFeedbackRoleArn / FailureFeedbackRoleArn, as CloudFormation spells them."""
    out = []
    for protocol, prefix in (("application", "Application"), ("http", "HTTP"), ("lambda", "Lambda"), ("sqs", "SQS"),
                             ("firehose", "Firehose")):
        ok, bad = attrs.get(f"{prefix}SuccessFeedbackRoleArn"), attrs.get(f"{prefix}FailureFeedbackRoleArn")
        if ok or bad:
            out.append({"Protocol": protocol, "SuccessFeedbackRoleArn": ok, "FailureFeedbackRoleArn": bad})
    return out


@collector("sns", types=["AWS::SNS::Topic"], calls=["ListTopics", "GetTopicAttributes"])
def topics(ctx: Ctx) -> list[Resource]:
    def one(t: dict[str, Any]) -> Resource:
        arn = t["TopicArn"]
        attrs = known(ctx.item("GetTopicAttributes", TopicArn=arn), "Attributes")
        name = arn.rsplit(":", 1)[-1]
        if isinstance(attrs, Unknown):
            return ctx.resource("AWS::SNS::Topic", name, {"TopicName": name, "KmsMasterKeyId": attrs, "PolicyDocument": attrs,
                                                          "DeliveryStatusLogging": attrs}, arn=arn)
        attrs = attrs or {}
        props: dict[str, Any] = {"TopicName": name, "KmsMasterKeyId": attrs.get("KmsMasterKeyId"),
                                 "DeliveryStatusLogging": _delivery_logging(attrs)}
        if attrs.get("Policy"):
            props["PolicyDocument"] = _json(attrs["Policy"])
        return ctx.resource("AWS::SNS::Topic", name, props, arn=arn)

    return ctx.map(one, ctx.pages("ListTopics", "Topics"))


@collector("secretsmanager", types=["AWS::SecretsManager::Secret"], calls=["ListSecrets", "GetResourcePolicy"])
def secrets(ctx: Ctx) -> list[Resource]:
    def one(s: dict[str, Any]) -> Resource:
        pol = ctx.item("GetResourcePolicy", SecretId=s["ARN"])
        policy = known(pol, "ResourcePolicy")
        return ctx.resource("AWS::SecretsManager::Secret", s["Name"], {
            "Name": s["Name"], "KmsKeyId": s.get("KmsKeyId"), "RotationEnabled": bool(s.get("RotationEnabled")),
            "LastRotatedDate": _iso(s.get("LastRotatedDate")), "LastAccessedDate": _iso(s.get("LastAccessedDate")),
            "CreatedDate": _iso(s.get("CreatedDate")),
            **({"ResourcePolicy": _json(policy)} if policy is not None else {}),
        }, arn=s["ARN"], tags=s.get("Tags"))

    return ctx.map(one, ctx.pages("ListSecrets", "SecretList"))


@collector("ssm", types=["AWS::SSM::Parameter"], calls=["DescribeParameters"])
def parameters(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::SSM::Parameter", p["Name"], {"Name": p["Name"], "Type": p.get("Type"), "Tier": p.get("Tier"),
                                                         "KmsKeyId": p.get("KeyId")},
                         arn=p.get("ARN") or ctx.arn("ssm", f"parameter/{p['Name'].lstrip('/')}"))
            for p in ctx.pages("DescribeParameters", "Parameters")]


@collector("efs", types=["AWS::EFS::FileSystem"], calls=["DescribeFileSystems", "DescribeBackupPolicy", "DescribeFileSystemPolicy"])
def file_systems(ctx: Ctx) -> list[Resource]:
    def one(f: dict[str, Any]) -> Resource:
        fid = f["FileSystemId"]
        props: dict[str, Any] = {"Encrypted": bool(f.get("Encrypted")), "KmsKeyId": f.get("KmsKeyId"),
                                 "PerformanceMode": f.get("PerformanceMode")}
        backup = ctx.item("DescribeBackupPolicy", absent=("PolicyNotFound",), FileSystemId=fid)
        status = known(backup, "BackupPolicy", "Status")
        props["BackupPolicy"] = status if isinstance(status, Unknown) else {"Status": status or "DISABLED"}
        policy = ctx.item("DescribeFileSystemPolicy", absent=("PolicyNotFound",), FileSystemId=fid)
        if policy is not None:
            props["FileSystemPolicy"] = _json(known(policy, "Policy"))
        return ctx.resource("AWS::EFS::FileSystem", fid, props, arn=f.get("FileSystemArn"), names=[f.get("Name")],
                            tags=f.get("Tags"))

    return ctx.map(one, ctx.pages("DescribeFileSystems", "FileSystems"))


@collector("opensearch", types=["AWS::OpenSearchService::Domain", "AWS::Elasticsearch::Domain"],
           calls=["ListDomainNames", "DescribeDomains"])
def domains(ctx: Ctx) -> list[Resource]:
    # one API lists both engines; each domain keeps the type its engine has in CloudFormation
    names = [(d["DomainName"], d.get("EngineType")) for d in (ctx.call("ListDomainNames") or {}).get("DomainNames") or ()]
    out = []
    for batch in chunks(names, 5):
        for d in (ctx.call("DescribeDomains", DomainNames=[n for n, _ in batch]) or {}).get("DomainStatusList") or ():
            legacy = str(d.get("EngineVersion", "")).startswith("Elasticsearch") or dict(batch).get(d["DomainName"]) == "Elasticsearch"
            t = "AWS::Elasticsearch::Domain" if legacy else "AWS::OpenSearchService::Domain"
            out.append(ctx.resource(t, d["DomainName"], {
                "DomainName": d["DomainName"], "EngineVersion": d.get("EngineVersion"),
                "EncryptionAtRestOptions": d.get("EncryptionAtRestOptions") or {"Enabled": False},
                "NodeToNodeEncryptionOptions": d.get("NodeToNodeEncryptionOptions") or {"Enabled": False},
                "DomainEndpointOptions": d.get("DomainEndpointOptions") or {},
                "LogPublishingOptions": d.get("LogPublishingOptions") or {},
                "VPCOptions": d.get("VPCOptions") or {},
                "AdvancedSecurityOptions": d.get("AdvancedSecurityOptions") or {},
                "AccessPolicies": _json(d.get("AccessPolicies")) if d.get("AccessPolicies") else None,
            }, arn=d.get("ARN")))
    return out


@collector("kafka", types=["AWS::MSK::Cluster"], calls=["ListClustersV2"])
def msk_clusters(ctx: Ctx) -> list[Resource]:
    out = []
    for c in ctx.pages("ListClustersV2", "ClusterInfoList"):
        p = c.get("Provisioned")
        if not isinstance(p, dict):
            continue  # serverless clusters are always private, encrypted and IAM-authenticated
        out.append(ctx.resource("AWS::MSK::Cluster", c["ClusterName"], {
            "ClusterName": c["ClusterName"], "BrokerNodeGroupInfo": p.get("BrokerNodeGroupInfo") or {},
            "EncryptionInfo": p.get("EncryptionInfo") or {}, "LoggingInfo": p.get("LoggingInfo") or {},
            "ClientAuthentication": p.get("ClientAuthentication") or {},
        }, arn=c.get("ClusterArn"), tags=c.get("Tags")))
    return out


@collector("mq", types=["AWS::AmazonMQ::Broker"], calls=["ListBrokers", "DescribeBroker"])
def brokers(ctx: Ctx) -> list[Resource]:
    def one(b: dict[str, Any]) -> Resource:
        d = ctx.item("DescribeBroker", BrokerId=b["BrokerId"])
        if isinstance(d, Unknown):
            props: dict[str, Any] = {"BrokerName": b.get("BrokerName"), "Logs": d, "PubliclyAccessible": d}
        else:
            d = d or {}
            props = {"BrokerName": d.get("BrokerName"), "EngineType": d.get("EngineType"),
                     "PubliclyAccessible": bool(d.get("PubliclyAccessible")),
                     "Logs": {"Audit": bool((d.get("Logs") or {}).get("Audit")), "General": bool((d.get("Logs") or {}).get("General"))},
                     "AutoMinorVersionUpgrade": bool(d.get("AutoMinorVersionUpgrade")),
                     "EncryptionOptions": d.get("EncryptionOptions") or {}}
        return ctx.resource("AWS::AmazonMQ::Broker", b["BrokerId"], props, arn=b.get("BrokerArn"), names=[b.get("BrokerName")])

    return ctx.map(one, ctx.pages("ListBrokers", "BrokerSummaries"))


@collector("kinesis", types=["AWS::Kinesis::Stream"], calls=["ListStreams", "DescribeStreamSummary"])
def streams(ctx: Ctx) -> list[Resource]:
    def one(name: str) -> Resource:
        s = known(ctx.item("DescribeStreamSummary", StreamName=name), "StreamDescriptionSummary")
        if isinstance(s, Unknown):
            return ctx.resource("AWS::Kinesis::Stream", name, {"Name": name, "StreamEncryption": s},
                                arn=ctx.arn("kinesis", f"stream/{name}"))
        enc = (s or {}).get("EncryptionType", "NONE")
        return ctx.resource("AWS::Kinesis::Stream", name, {
            "Name": name, "StreamEncryption": {"EncryptionType": enc, "KeyId": (s or {}).get("KeyId")} if enc != "NONE" else None,
        }, arn=(s or {}).get("StreamARN"))

    return ctx.map(one, ctx.pages("ListStreams", "StreamNames"))


@collector("athena", types=["AWS::Athena::WorkGroup"], calls=["ListWorkGroups", "GetWorkGroup"])
def workgroups(ctx: Ctx) -> list[Resource]:
    def one(w: dict[str, Any]) -> Resource:
        g = known(ctx.item("GetWorkGroup", WorkGroup=w["Name"]), "WorkGroup")
        cfg = g if isinstance(g, Unknown) else (g or {}).get("Configuration") or {}
        return ctx.resource("AWS::Athena::WorkGroup", w["Name"], {"Name": w["Name"], "WorkGroupConfiguration": cfg},
                            arn=ctx.arn("athena", f"workgroup/{w['Name']}"))

    return ctx.map(one, ctx.pages("ListWorkGroups", "WorkGroups"))


@collector("emr", types=["AWS::EMR::SecurityConfiguration"], calls=["ListSecurityConfigurations", "DescribeSecurityConfiguration"])
def emr_security_configurations(ctx: Ctx) -> list[Resource]:
    def one(c: dict[str, Any]) -> Resource:
        d = ctx.item("DescribeSecurityConfiguration", Name=c["Name"])
        return ctx.resource("AWS::EMR::SecurityConfiguration", c["Name"], {
            "Name": c["Name"], "SecurityConfiguration": d if isinstance(d, Unknown) else _json((d or {}).get("SecurityConfiguration")),
        })

    return ctx.map(one, ctx.pages("ListSecurityConfigurations", "SecurityConfigurations"))


@collector("transfer", types=["AWS::Transfer::Server"], calls=["ListServers", "DescribeServer"])
def transfer_servers(ctx: Ctx) -> list[Resource]:
    def one(s: dict[str, Any]) -> Resource:
        d = known(ctx.item("DescribeServer", ServerId=s["ServerId"]), "Server")
        return ctx.resource("AWS::Transfer::Server", s["ServerId"], {
            "Protocols": d if isinstance(d, Unknown) else (d or {}).get("Protocols") or ["SFTP"],
            "EndpointType": s.get("EndpointType"), "IdentityProviderType": s.get("IdentityProviderType"),
            "SecurityPolicyName": known(d, "SecurityPolicyName"),
        }, arn=s.get("Arn"))

    return ctx.map(one, ctx.pages("ListServers", "Servers"))


@collector("workspaces", types=["AWS::WorkSpaces::Workspace"], calls=["DescribeWorkspaces"])
def workspaces(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::WorkSpaces::Workspace", w["WorkspaceId"], {
        "UserName": w.get("UserName"), "BundleId": w.get("BundleId"),
        "RootVolumeEncryptionEnabled": bool(w.get("RootVolumeEncryptionEnabled")),
        "UserVolumeEncryptionEnabled": bool(w.get("UserVolumeEncryptionEnabled")), "VolumeEncryptionKey": w.get("VolumeEncryptionKey"),
    }, arn=ctx.arn("workspaces", f"workspace/{w['WorkspaceId']}")) for w in ctx.pages("DescribeWorkspaces", "Workspaces")]


@collector("dms", types=["AWS::DMS::ReplicationInstance"], calls=["DescribeReplicationInstances"])
def replication_instances(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::DMS::ReplicationInstance", i["ReplicationInstanceIdentifier"], {
        "ReplicationInstanceIdentifier": i["ReplicationInstanceIdentifier"], "PubliclyAccessible": bool(i.get("PubliclyAccessible")),
        "KmsKeyId": i.get("KmsKeyId"), "AutoMinorVersionUpgrade": i.get("AutoMinorVersionUpgrade"), "MultiAZ": i.get("MultiAZ"),
    }, arn=i.get("ReplicationInstanceArn")) for i in ctx.pages("DescribeReplicationInstances", "ReplicationInstances")]


def _iso(v: Any) -> Any:
    return v.isoformat() if hasattr(v, "isoformat") else v


@collector("firehose", types=["AWS::KinesisFirehose::DeliveryStream"],
           calls=["ListDeliveryStreams", "DescribeDeliveryStream"])
def delivery_streams(ctx: Ctx) -> list[Resource]:
    def one(name: str) -> Resource:
        d = known(ctx.item("DescribeDeliveryStream", DeliveryStreamName=name), "DeliveryStreamDescription")
        if isinstance(d, Unknown):
            return ctx.resource("AWS::KinesisFirehose::DeliveryStream", name, {
                "DeliveryStreamName": name, "DeliveryStreamEncryptionConfigurationInput": d},
                arn=ctx.arn("firehose", f"deliverystream/{name}"))
        enc = (d or {}).get("DeliveryStreamEncryptionConfiguration") or {}
        on = enc.get("Status") in ("ENABLED", "ENABLING")
        return ctx.resource("AWS::KinesisFirehose::DeliveryStream", name, {
            "DeliveryStreamName": name, "DeliveryStreamType": (d or {}).get("DeliveryStreamType"),
            "DeliveryStreamEncryptionConfigurationInput": {"Enabled": on, **({"KeyType": enc.get("KeyType"),
                                                                              "KeyARN": enc.get("KeyARN")} if on else {})},
        }, arn=(d or {}).get("DeliveryStreamARN"))

    return ctx.map(one, ctx.pages("ListDeliveryStreams", "DeliveryStreamNames"))


@collector("efs", types=["AWS::EFS::AccessPoint"], calls=["DescribeAccessPoints"])
def access_points(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::EFS::AccessPoint", a["AccessPointId"], {
        "FileSystemId": a.get("FileSystemId"), "PosixUser": a.get("PosixUser"),
        "RootDirectory": {"Path": (a.get("RootDirectory") or {}).get("Path", "/")},
    }, arn=a.get("AccessPointArn"), names=[a.get("Name")]) for a in ctx.pages("DescribeAccessPoints", "AccessPoints")]


@collector("dms", types=["AWS::DMS::Endpoint", "AWS::DMS::ReplicationTask"],
           calls=["DescribeEndpoints", "DescribeReplicationTasks"])
def dms_endpoints_and_tasks(ctx: Ctx) -> list[Resource]:
    out = [ctx.resource("AWS::DMS::Endpoint", e["EndpointIdentifier"], {
        "EndpointIdentifier": e["EndpointIdentifier"], "EndpointType": str(e.get("EndpointType", "")).lower(),
        "EngineName": e.get("EngineName"), "SslMode": e.get("SslMode"), "KmsKeyId": e.get("KmsKeyId"),
        "NeptuneSettings": {"IamAuthEnabled": bool((e.get("NeptuneSettings") or {}).get("IamAuthEnabled"))},
        "MongoDbSettings": {"AuthType": (e.get("MongoDbSettings") or {}).get("AuthType", "password")},
        "RedisSettings": {"SslSecurityProtocol": (e.get("RedisSettings") or {}).get("SslSecurityProtocol",
                                                                                     "ssl-encryption")},
    }, arn=e.get("EndpointArn")) for e in ctx.pages("DescribeEndpoints", "Endpoints")]
    out += [ctx.resource("AWS::DMS::ReplicationTask", t["ReplicationTaskIdentifier"], {
        "ReplicationTaskIdentifier": t["ReplicationTaskIdentifier"], "MigrationType": t.get("MigrationType"),
        "ReplicationTaskSettings": _json(t.get("ReplicationTaskSettings")) if t.get("ReplicationTaskSettings") else None,
    }, arn=t.get("ReplicationTaskArn")) for t in ctx.pages("DescribeReplicationTasks", "ReplicationTasks",
                                                          WithoutSettings=False)]
    return out


@collector("ssm", types=["AWS::SSM::Document"], calls=["ListDocuments", "DescribeDocumentPermission"])
def ssm_documents(ctx: Ctx) -> list[Resource]:
    def one(d: dict[str, Any]) -> Resource:
        perm = ctx.item("DescribeDocumentPermission", Name=d["Name"], PermissionType="Share")
        ids: Any = perm if isinstance(perm, Unknown) else list((perm or {}).get("AccountIds") or [])
        return ctx.resource("AWS::SSM::Document", d["Name"], {
            "Name": d["Name"], "DocumentType": d.get("DocumentType"),
            "Permissions": {"Type": "Share", "AccountIds": ids},
        }, arn=ctx.arn("ssm", f"document/{d['Name']}"), tags=d.get("Tags"))

    return ctx.map(one, ctx.pages("ListDocuments", "DocumentIdentifiers", Filters=[{"Key": "Owner", "Values": ["Self"]}]))


_SSM_SETTINGS = ("/ssm/documents/console/public-sharing-permission", "/ssm/automation/customer-script-log-destination")


@collector("ssm", types=["Wasec::SSM::ServiceSetting"], calls=["GetServiceSetting"])
def ssm_service_settings(ctx: Ctx) -> list[Resource]:
    out = []
    for sid in _SSM_SETTINGS:
        value = known(ctx.call("GetServiceSetting", SettingId=sid), "ServiceSetting", "SettingValue")
        out.append(ctx.resource("Wasec::SSM::ServiceSetting", f"{ctx.account}/{ctx.region}{sid}", {
            "SettingId": sid, "SettingValue": value,
        }, arn=ctx.arn("ssm", f"servicesetting{sid}")))
    return out


@collector("efs", types=["AWS::EFS::MountTarget"], calls=["DescribeFileSystems", "DescribeMountTargets"])
def mount_targets(ctx: Ctx) -> list[Resource]:
    def per_fs(fs: dict[str, Any]) -> list[Resource]:
        answer = ctx.call("DescribeMountTargets", FileSystemId=fs["FileSystemId"]) or {}
        return [ctx.resource("AWS::EFS::MountTarget", m["MountTargetId"], {
            "FileSystemId": fs["FileSystemId"], "SubnetId": m.get("SubnetId"),
        }, arn=ctx.arn("elasticfilesystem", f"file-system/{fs['FileSystemId']}/mount-target/{m['MountTargetId']}"))
            for m in answer.get("MountTargets") or ()]

    return [r for rs in ctx.map(per_fs, ctx.pages("DescribeFileSystems", "FileSystems")) for r in rs]
