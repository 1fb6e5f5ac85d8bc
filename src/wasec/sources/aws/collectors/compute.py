"""Compute and build: Lambda (functions, their resource-policy statements and URLs), ECS, EKS, ECR,
Auto Scaling launch configurations, CodeBuild, SageMaker notebooks and Step Functions."""

from __future__ import annotations

import json
from typing import Any

from wasec.model.resource import Resource
from wasec.model.values import Unknown
from wasec.sources.aws.collectors.ec2 import decode_user_data
from wasec.sources.aws.spec import Ctx, chunks, collector, known
from wasec.sources.shapes import pascal_keys


def _condition(stmt: dict[str, Any], key: str) -> Any:
    for values in (stmt.get("Condition") or {}).values():
        if isinstance(values, dict):
            for k, v in values.items():
                if k.lower() == key.lower():
                    return v
    return None


def _principal(p: Any) -> Any:
    if isinstance(p, dict):
        for k in ("Service", "AWS", "Federated"):
            if k in p:
                v = p[k]
                return v[0] if isinstance(v, list) and len(v) == 1 else v
    return p


@collector("lambda", types=["AWS::Lambda::Function", "AWS::Lambda::Permission", "AWS::Lambda::Url"],
           calls=["ListFunctions", "GetPolicy", "GetFunctionUrlConfig"])
def functions(ctx: Ctx) -> list[Resource]:
    def one(f: dict[str, Any]) -> list[Resource]:
        name, arn = f["FunctionName"], f["FunctionArn"]
        out = [ctx.resource("AWS::Lambda::Function", name, {
            "FunctionName": name, "Runtime": f.get("Runtime"), "Role": f.get("Role"), "Handler": f.get("Handler"),
            "Environment": {"Variables": (f.get("Environment") or {}).get("Variables") or {}},
            "TracingConfig": {"Mode": (f.get("TracingConfig") or {}).get("Mode", "PassThrough")},
            "KmsKeyArn": f.get("KMSKeyArn"), "PackageType": f.get("PackageType"),
            "VpcConfig": {"SubnetIds": (f.get("VpcConfig") or {}).get("SubnetIds") or [],
                          "SecurityGroupIds": (f.get("VpcConfig") or {}).get("SecurityGroupIds") or []},
        }, arn=arn)]
        policy = ctx.item("GetPolicy", absent=("ResourceNotFoundException",), FunctionName=name)
        doc = known(policy, "Policy")
        if isinstance(doc, Unknown):
            out.append(ctx.resource("AWS::Lambda::Permission", f"{arn}/policy", {"FunctionName": arn, "Principal": doc}))
        elif isinstance(doc, str):
            for i, s in enumerate((json.loads(doc) or {}).get("Statement") or ()):
                out.append(ctx.resource("AWS::Lambda::Permission", f"{arn}/policy/{s.get('Sid') or i}", {
                    "FunctionName": arn, "Action": s.get("Action"), "Principal": _principal(s.get("Principal")),
                    "SourceArn": _condition(s, "AWS:SourceArn"), "SourceAccount": _condition(s, "AWS:SourceAccount"),
                    "PrincipalOrgID": _condition(s, "aws:PrincipalOrgID"),
                    "FunctionUrlAuthType": _condition(s, "lambda:FunctionUrlAuthType"), "Effect": s.get("Effect"),
                }))
        url = ctx.item("GetFunctionUrlConfig", absent=("ResourceNotFoundException",), FunctionName=name)
        if url is not None:
            out.append(ctx.resource("AWS::Lambda::Url", f"{arn}/url", {
                "TargetFunctionArn": arn, "AuthType": known(url, "AuthType"), "Cors": known(url, "Cors"),
            }, names=[known(url, "FunctionUrl")] if not isinstance(url, Unknown) else ()))
        return out

    return [r for rs in ctx.map(one, ctx.pages("ListFunctions", "Functions")) for r in rs]


@collector("ecs", types=["AWS::ECS::Cluster"], calls=["ListClusters", "DescribeClusters"])
def ecs_clusters(ctx: Ctx) -> list[Resource]:
    arns = ctx.pages("ListClusters", "clusterArns")
    out = []
    for batch in chunks(arns, 100):
        for c in (ctx.call("DescribeClusters", clusters=batch, include=["SETTINGS", "TAGS", "CONFIGURATIONS"]) or {}).get(
                "clusters") or ():
            out.append(ctx.resource("AWS::ECS::Cluster", c["clusterName"], {
                "ClusterName": c["clusterName"], "ClusterSettings": pascal_keys(c.get("settings") or []),
                "Configuration": pascal_keys(c.get("configuration") or {}),
            }, arn=c.get("clusterArn"), tags=c.get("tags")))
    return out


def _task_definition(td: dict[str, Any]) -> dict[str, Any]:
    volumes = []
    for v in pascal_keys(td.get("volumes") or []):
        if "EfsVolumeConfiguration" in v:
            v["EFSVolumeConfiguration"] = v.pop("EfsVolumeConfiguration")
        volumes.append(v)
    return {"Family": td.get("family"), "ContainerDefinitions": pascal_keys(td.get("containerDefinitions") or []),
            "NetworkMode": td.get("networkMode"), "PidMode": td.get("pidMode"), "IpcMode": td.get("ipcMode"),
            "TaskRoleArn": td.get("taskRoleArn"), "ExecutionRoleArn": td.get("executionRoleArn"), "Volumes": volumes,
            "RequiresCompatibilities": td.get("requiresCompatibilities")}


@collector("ecs", types=["AWS::ECS::TaskDefinition"], calls=["ListTaskDefinitions", "DescribeTaskDefinition"])
def task_definitions(ctx: Ctx) -> list[Resource]:
    latest: dict[str, tuple[int, str]] = {}
    for arn in ctx.pages("ListTaskDefinitions", "taskDefinitionArns", status="ACTIVE"):
        family, _, rev = arn.rsplit("/", 1)[-1].rpartition(":")
        if rev.isdigit() and int(rev) >= latest.get(family, (0, ""))[0]:
            latest[family] = (int(rev), arn)

    def one(arn: str) -> Resource:
        d = ctx.item("DescribeTaskDefinition", taskDefinition=arn)
        td = known(d, "taskDefinition")
        props: dict[str, Any] = {"ContainerDefinitions": td} if isinstance(td, Unknown) else _task_definition(td or {})
        return ctx.resource("AWS::ECS::TaskDefinition", arn.rsplit("/", 1)[-1], props, arn=arn)

    # the newest active revision of each family is what new tasks run
    return ctx.map(one, [arn for _, arn in latest.values()])


@collector("ecs", types=["AWS::ECS::Service"], calls=["ListClusters", "ListServices", "DescribeServices"])
def ecs_services(ctx: Ctx) -> list[Resource]:
    def per_cluster(cluster: str) -> list[Resource]:
        out = []
        for batch in chunks(ctx.pages("ListServices", "serviceArns", cluster=cluster), 10):
            for s in (ctx.call("DescribeServices", cluster=cluster, services=batch) or {}).get("services") or ():
                out.append(ctx.resource("AWS::ECS::Service", s["serviceName"], {
                    "ServiceName": s["serviceName"], "Cluster": cluster, "LaunchType": s.get("launchType"),
                    "PlatformVersion": s.get("platformVersion"), "PlatformFamily": s.get("platformFamily"),
                    "TaskDefinition": s.get("taskDefinition"),
                    "NetworkConfiguration": pascal_keys(s.get("networkConfiguration") or {}),
                }, arn=s.get("serviceArn")))
        return out

    return [r for rs in ctx.map(per_cluster, ctx.pages("ListClusters", "clusterArns")) for r in rs]


@collector("eks", types=["AWS::EKS::Cluster"], calls=["ListClusters", "DescribeCluster"])
def eks_clusters(ctx: Ctx) -> list[Resource]:
    def one(name: str) -> Resource:
        c = known(ctx.item("DescribeCluster", name=name), "cluster")
        if isinstance(c, Unknown):
            return ctx.resource("AWS::EKS::Cluster", name, {"Name": name, "ResourcesVpcConfig": c, "EncryptionConfig": c,
                                                            "Logging": c}, arn=ctx.arn("eks", f"cluster/{name}"))
        enabled = [{"Type": t} for lg in ((c.get("logging") or {}).get("clusterLogging") or ()) if lg.get("enabled")
                   for t in lg.get("types") or ()]
        return ctx.resource("AWS::EKS::Cluster", name, {
            "Name": name, "Version": c.get("version"), "RoleArn": c.get("roleArn"),
            "ResourcesVpcConfig": pascal_keys(c.get("resourcesVpcConfig") or {}),
            "EncryptionConfig": pascal_keys(c.get("encryptionConfig") or []),
            "Logging": {"ClusterLogging": {"EnabledTypes": enabled}},
        }, arn=c.get("arn"), tags=c.get("tags"))

    return ctx.map(one, ctx.pages("ListClusters", "clusters"))


@collector("ecr", types=["AWS::ECR::Repository"], calls=["DescribeRepositories", "GetRepositoryPolicy", "GetLifecyclePolicy"])
def repositories(ctx: Ctx) -> list[Resource]:
    def one(r: dict[str, Any]) -> Resource:
        name = r["repositoryName"]
        props: dict[str, Any] = {
            "RepositoryName": name, "ImageTagMutability": r.get("imageTagMutability"),
            "ImageScanningConfiguration": {"ScanOnPush": bool((r.get("imageScanningConfiguration") or {}).get("scanOnPush"))},
            "EncryptionConfiguration": pascal_keys(r.get("encryptionConfiguration") or {"encryptionType": "AES256"}),
        }
        pol = ctx.item("GetRepositoryPolicy", absent=("RepositoryPolicyNotFoundException",), repositoryName=name)
        if pol is not None:
            text = known(pol, "policyText")
            props["RepositoryPolicyText"] = json.loads(text) if isinstance(text, str) else text
        life = ctx.item("GetLifecyclePolicy", absent=("LifecyclePolicyNotFoundException",), repositoryName=name)
        if life is not None:
            props["LifecyclePolicy"] = {"LifecyclePolicyText": known(life, "lifecyclePolicyText")}
        return ctx.resource("AWS::ECR::Repository", name, props, arn=r.get("repositoryArn"), names=[r.get("repositoryUri")])

    return ctx.map(one, ctx.pages("DescribeRepositories", "repositories"))


@collector("autoscaling", types=["AWS::AutoScaling::LaunchConfiguration"], calls=["DescribeLaunchConfigurations"])
def launch_configurations(ctx: Ctx) -> list[Resource]:
    out = []
    for lc in ctx.pages("DescribeLaunchConfigurations", "LaunchConfigurations"):
        meta = lc.get("MetadataOptions") or {}
        out.append(ctx.resource("AWS::AutoScaling::LaunchConfiguration", lc["LaunchConfigurationName"], {
            "LaunchConfigurationName": lc["LaunchConfigurationName"], "ImageId": lc.get("ImageId"),
            "AssociatePublicIpAddress": bool(lc.get("AssociatePublicIpAddress")),
            "MetadataOptions": {k: meta[k] for k in ("HttpTokens", "HttpEndpoint", "HttpPutResponseHopLimit") if k in meta},
            "BlockDeviceMappings": [{"DeviceName": m.get("DeviceName"),
                                     **({"Ebs": {"Encrypted": bool((m.get("Ebs") or {}).get("Encrypted"))}} if "Ebs" in m else {})}
                                    for m in lc.get("BlockDeviceMappings") or ()],
            "UserData": decode_user_data(lc.get("UserData")),
        }, arn=lc.get("LaunchConfigurationARN")))
    return out


@collector("codebuild", types=["AWS::CodeBuild::Project"], calls=["ListProjects", "BatchGetProjects"])
def projects(ctx: Ctx) -> list[Resource]:
    out = []
    for batch in chunks(ctx.pages("ListProjects", "projects"), 100):
        for p in (ctx.call("BatchGetProjects", names=batch) or {}).get("projects") or ():
            out.append(ctx.resource("AWS::CodeBuild::Project", p["name"], {
                "Name": p["name"], "Artifacts": pascal_keys(p.get("artifacts") or {}),
                "SecondaryArtifacts": pascal_keys(p.get("secondaryArtifacts") or []),
                "Environment": pascal_keys(p.get("environment") or {}), "LogsConfig": pascal_keys(p.get("logsConfig") or {}),
                "EncryptionKey": p.get("encryptionKey"), "ServiceRole": p.get("serviceRole"),
                "Source": {"Type": (p.get("source") or {}).get("type"), "Location": (p.get("source") or {}).get("location")},
            }, arn=p.get("arn"), tags=p.get("tags")))
    return out


@collector("sagemaker", types=["AWS::SageMaker::NotebookInstance"], calls=["ListNotebookInstances", "DescribeNotebookInstance"])
def notebooks(ctx: Ctx) -> list[Resource]:
    def one(n: dict[str, Any]) -> Resource:
        name = n["NotebookInstanceName"]
        d = ctx.item("DescribeNotebookInstance", NotebookInstanceName=name)
        get = (lambda k: d) if isinstance(d, Unknown) else (lambda k: (d or {}).get(k))
        return ctx.resource("AWS::SageMaker::NotebookInstance", name, {
            "NotebookInstanceName": name, "DirectInternetAccess": get("DirectInternetAccess"),
            "RootAccess": get("RootAccess"), "KmsKeyId": get("KmsKeyId"), "SubnetId": get("SubnetId"),
            "InstanceMetadataServiceConfiguration": get("InstanceMetadataServiceConfiguration"),
        }, arn=n.get("NotebookInstanceArn"))

    return ctx.map(one, ctx.pages("ListNotebookInstances", "NotebookInstances"))


@collector("stepfunctions", types=["AWS::StepFunctions::StateMachine"], calls=["ListStateMachines", "DescribeStateMachine"])
def state_machines(ctx: Ctx) -> list[Resource]:
    def one(m: dict[str, Any]) -> Resource:
        d = ctx.item("DescribeStateMachine", stateMachineArn=m["stateMachineArn"])
        if isinstance(d, Unknown):
            props: dict[str, Any] = {"LoggingConfiguration": d, "TracingConfiguration": d}
        else:
            props = {"LoggingConfiguration": pascal_keys((d or {}).get("loggingConfiguration") or {"level": "OFF"}),
                     "TracingConfiguration": pascal_keys((d or {}).get("tracingConfiguration") or {"enabled": False})}
        return ctx.resource("AWS::StepFunctions::StateMachine", m["name"], {"StateMachineName": m["name"], **props},
                            arn=m["stateMachineArn"])

    return ctx.map(one, ctx.pages("ListStateMachines", "stateMachines"))



@collector("ssm", types=["Wasec::SSM::ManagedInstance"], calls=["DescribeInstanceInformation"])
def managed_instances(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("Wasec::SSM::ManagedInstance", i["InstanceId"], {
        "InstanceId": i["InstanceId"], "PingStatus": i.get("PingStatus"), "PlatformType": i.get("PlatformType"),
    }, arn=ctx.arn("ssm", f"managed-instance/{i['InstanceId']}"))
        for i in ctx.pages("DescribeInstanceInformation", "InstanceInformationList")]


@collector("emr", types=["Wasec::EMR::BlockPublicAccessConfiguration"], calls=["GetBlockPublicAccessConfiguration"])
def emr_block_public_access(ctx: Ctx) -> list[Resource]:
    cfg = known(ctx.call("GetBlockPublicAccessConfiguration"), "BlockPublicAccessConfiguration")
    return [ctx.resource("Wasec::EMR::BlockPublicAccessConfiguration", f"{ctx.account}/{ctx.region}/emr-block-public-access", {
        "BlockPublicSecurityGroupRules": bool((cfg or {}).get("BlockPublicSecurityGroupRules")),
    }, arn=ctx.arn("elasticmapreduce", "block-public-access-configuration"))]


@collector("cognito-identity", types=["AWS::Cognito::IdentityPool"], calls=["ListIdentityPools", "DescribeIdentityPool"])
def identity_pools(ctx: Ctx) -> list[Resource]:
    def one(p: dict[str, Any]) -> Resource:
        d = ctx.item("DescribeIdentityPool", IdentityPoolId=p["IdentityPoolId"])
        allow = known(d, "AllowUnauthenticatedIdentities")
        return ctx.resource("AWS::Cognito::IdentityPool", p["IdentityPoolId"], {
            "IdentityPoolName": p.get("IdentityPoolName"), "AllowUnauthenticatedIdentities": allow,
        }, arn=ctx.arn("cognito-identity", f"identitypool/{p['IdentityPoolId']}"), names=[p.get("IdentityPoolName")])

    return ctx.map(one, ctx.pages("ListIdentityPools", "IdentityPools", MaxResults=60))


@collector("autoscaling", types=["AWS::AutoScaling::AutoScalingGroup"], calls=["DescribeAutoScalingGroups"])
def auto_scaling_groups(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::AutoScaling::AutoScalingGroup", g["AutoScalingGroupName"], {
        "AutoScalingGroupName": g["AutoScalingGroupName"], "LaunchConfigurationName": g.get("LaunchConfigurationName"),
        "LaunchTemplate": g.get("LaunchTemplate"), "VPCZoneIdentifier": [x for x in str(g.get("VPCZoneIdentifier") or "").split(",") if x],
        "HealthCheckType": g.get("HealthCheckType"),
    }, arn=g.get("AutoScalingGroupARN"), tags=g.get("Tags")) for g in ctx.pages("DescribeAutoScalingGroups", "AutoScalingGroups")]


@collector("sagemaker", types=["AWS::SageMaker::Model"], calls=["ListModels", "DescribeModel"])
def sagemaker_models(ctx: Ctx) -> list[Resource]:
    def one(m: dict[str, Any]) -> Resource:
        d = ctx.item("DescribeModel", ModelName=m["ModelName"])
        isolated = d if isinstance(d, Unknown) else bool((d or {}).get("EnableNetworkIsolation"))
        return ctx.resource("AWS::SageMaker::Model", m["ModelName"], {
            "ModelName": m["ModelName"], "EnableNetworkIsolation": isolated,
            "ExecutionRoleArn": known(d, "ExecutionRoleArn"),
        }, arn=m.get("ModelArn"))

    return ctx.map(one, ctx.pages("ListModels", "Models"))


_EMR_ACTIVE = ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"]


@collector("emr", types=["AWS::EMR::Cluster"], calls=["ListClusters", "DescribeCluster"])
def emr_clusters(ctx: Ctx) -> list[Resource]:
    def one(c: dict[str, Any]) -> Resource:
        d = known(ctx.item("DescribeCluster", ClusterId=c["Id"]), "Cluster")
        if isinstance(d, Unknown):
            return ctx.resource("AWS::EMR::Cluster", c["Id"], {"Name": c.get("Name"), "Instances": d},
                                arn=c.get("ClusterArn"), names=[c.get("Name")])
        attrs = (d or {}).get("Ec2InstanceAttributes") or {}
        return ctx.resource("AWS::EMR::Cluster", c["Id"], {
            "Name": c.get("Name"), "MasterPublicDnsName": (d or {}).get("MasterPublicDnsName"),
            "SecurityConfiguration": (d or {}).get("SecurityConfiguration"),
            "Instances": {"Ec2SubnetId": attrs.get("Ec2SubnetId"),
                          "Ec2SubnetIds": attrs.get("RequestedEc2SubnetIds") or []},
        }, arn=c.get("ClusterArn"), names=[c.get("Name")])

    return ctx.map(one, ctx.pages("ListClusters", "Clusters", ClusterStates=_EMR_ACTIVE))


@collector("elasticbeanstalk", types=["AWS::ElasticBeanstalk::Environment"],
           calls=["DescribeEnvironments", "DescribeConfigurationSettings"])
def beanstalk_environments(ctx: Ctx) -> list[Resource]:
    def one(e: dict[str, Any]) -> Resource:
        cfg = ctx.item("DescribeConfigurationSettings", ApplicationName=e["ApplicationName"],
                       EnvironmentName=e["EnvironmentName"])
        settings: Any = known(cfg, "ConfigurationSettings")
        if not isinstance(settings, Unknown):
            settings = [{"Namespace": o.get("Namespace"), "OptionName": o.get("OptionName"), "Value": o.get("Value")}
                        for c in settings or () for o in c.get("OptionSettings") or ()
                        if o.get("Namespace", "").startswith("aws:elasticbeanstalk:cloudwatch")]
        return ctx.resource("AWS::ElasticBeanstalk::Environment", e["EnvironmentName"], {
            "EnvironmentName": e["EnvironmentName"], "ApplicationName": e.get("ApplicationName"), "OptionSettings": settings,
        }, arn=e.get("EnvironmentArn"))

    return ctx.map(one, [e for e in ctx.pages("DescribeEnvironments", "Environments", IncludeDeleted=False)
                         if e.get("Status") not in ("Terminated", "Terminating")])


@collector("codebuild", types=["AWS::CodeBuild::ReportGroup"], calls=["ListReportGroups", "BatchGetReportGroups"])
def report_groups(ctx: Ctx) -> list[Resource]:
    out = []
    for batch in chunks(ctx.pages("ListReportGroups", "reportGroups"), 100):
        for g in (ctx.call("BatchGetReportGroups", reportGroupArns=batch) or {}).get("reportGroups") or ():
            export = g.get("exportConfig") or {}
            dest = export.get("s3Destination") or {}
            out.append(ctx.resource("AWS::CodeBuild::ReportGroup", g["name"], {
                "Name": g["name"], "Type": g.get("type"),
                "ExportConfig": {"ExportConfigType": export.get("exportConfigType", "NO_EXPORT"), "S3Destination": {
                    "Bucket": dest.get("bucket"), "EncryptionDisabled": bool(dest.get("encryptionDisabled")),
                    "EncryptionKey": dest.get("encryptionKey")}},
            }, arn=g.get("arn")))
    return out
