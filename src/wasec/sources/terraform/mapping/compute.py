"""EC2, Auto Scaling, Lambda, containers (ECR, ECS, EKS), CodeBuild and other compute."""

from __future__ import annotations

import json
from typing import Any

from wasec.model.values import Unknown
from wasec.sources.shapes import pascal_keys
from wasec.sources.terraform.body import Body
from wasec.sources.terraform.functions import EncodedJson
from wasec.sources.terraform.mapping import Blk, Builder, attaches, json_doc, maps, simple

_METADATA = {"http_tokens": "HttpTokens", "http_endpoint": "HttpEndpoint",
             "http_put_response_hop_limit": "HttpPutResponseHopLimit", "instance_metadata_tags": "InstanceMetadataTags"}
_EBS = {"encrypted": "Ebs.Encrypted", "kms_key_id": "Ebs.KmsKeyId", "volume_size": "Ebs.VolumeSize",
        "volume_type": "Ebs.VolumeType", "delete_on_termination": "Ebs.DeleteOnTermination",
        "snapshot_id": "Ebs.SnapshotId", "device_name": "DeviceName"}


def _block_devices(b: Body, o: Builder, path: str) -> None:
    """root_block_device / ebs_block_device blocks → BlockDeviceMappings."""
    for kind in ("root_block_device", "ebs_block_device"):
        for d in b.blocks(kind):
            idx = o.append(path, {}, d.line, d.file)
            if kind == "root_block_device":
                o.put(f"{path}.{idx}.DeviceName", "root")
            o.copy(d, _EBS, f"{path}.{idx}")


@maps("aws_instance", "AWS::EC2::Instance")
@maps("aws_spot_instance_request", "AWS::EC2::Instance")  # an instance bought on the spot market: the same settings
def _instance(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {
        "ami": "ImageId",
        "instance_type": "InstanceType",
        "subnet_id": "SubnetId",
        "vpc_security_group_ids": "SecurityGroupIds",
        "security_groups": "SecurityGroups",
        "iam_instance_profile": "IamInstanceProfile",
        "user_data": "UserData",
        "user_data_base64": "UserData",
        "monitoring": "Monitoring",
        "ebs_optimized": "EbsOptimized",
        "key_name": "KeyName",
        "source_dest_check": "SourceDestCheck",
        "metadata_options": Blk("MetadataOptions", _METADATA),
    })
    pub = b.attr("associate_public_ip_address")
    if pub is not None:
        o.put("NetworkInterfaces", [{"DeviceIndex": "0"}], pub.line, pub.file)
        o.set("NetworkInterfaces.0.AssociatePublicIpAddress", pub)
    _block_devices(b, o, "BlockDeviceMappings")


@maps("aws_launch_configuration", "AWS::AutoScaling::LaunchConfiguration")
def _launch_configuration(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {
        "name": "LaunchConfigurationName",
        "image_id": "ImageId",
        "instance_type": "InstanceType",
        "associate_public_ip_address": "AssociatePublicIpAddress",
        "user_data": "UserData",
        "user_data_base64": "UserData",
        "security_groups": "SecurityGroups",
        "iam_instance_profile": "IamInstanceProfile",
        "metadata_options": Blk("MetadataOptions", _METADATA),
    })
    _block_devices(b, o, "BlockDeviceMappings")


@maps("aws_launch_template", "AWS::EC2::LaunchTemplate")
def _launch_template(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "LaunchTemplateName"})
    o.put("LaunchTemplateData", {}, b.line, b.file)
    o.copy(b, {
        "image_id": "ImageId",
        "instance_type": "InstanceType",
        "user_data": "UserData",
        "vpc_security_group_ids": "SecurityGroupIds",
        "metadata_options": Blk("MetadataOptions", _METADATA),
        "iam_instance_profile": Blk("IamInstanceProfile", {"arn": "Arn", "name": "Name"}),
        "network_interfaces": Blk("NetworkInterfaces", {
            "associate_public_ip_address": "AssociatePublicIpAddress", "device_index": "DeviceIndex",
            "security_groups": "Groups", "subnet_id": "SubnetId",
        }, many=True),
        "block_device_mappings": Blk("BlockDeviceMappings", {
            "device_name": "DeviceName",
            "ebs": Blk("Ebs", {"encrypted": "Encrypted", "kms_key_id": "KmsKeyId", "volume_size": "VolumeSize"}),
        }, many=True),
    }, "LaunchTemplateData")


simple("aws_autoscaling_group", "AWS::AutoScaling::AutoScalingGroup", {
    "name": "AutoScalingGroupName", "launch_configuration": "LaunchConfigurationName",
    "launch_template": Blk("LaunchTemplate", {"id": "LaunchTemplateId", "name": "LaunchTemplateName", "version": "Version"}),
    "vpc_zone_identifier": "VPCZoneIdentifier", "health_check_type": "HealthCheckType",
    "availability_zones": "AvailabilityZones",
})


@maps("aws_ami", "Wasec::EC2::AmiLookup", data=True)
def _ami_lookup(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"owners": "Owners", "most_recent": "MostRecent", "executable_users": "ExecutableUsers",
               "filter": Blk("Filters", {"name": "Name", "values": "Values"}, many=True)})


@maps("http", "Wasec::Terraform::HttpRequest", data=True)
def _http(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"url": "Url", "request_headers": "RequestHeaders", "request_body": "RequestBody"})


simple("aws_ami", "Wasec::EC2::Image", {"name": "Name", "imds_support": "ImdsSupport"})

# -- Lambda ---------------------------------------------------------------------------------------
simple("aws_lambda_function", "AWS::Lambda::Function", {
    "function_name": "FunctionName",
    "runtime": "Runtime",
    "role": "Role",
    "handler": "Handler",
    "kms_key_arn": "KmsKeyArn",
    "reserved_concurrent_executions": "ReservedConcurrentExecutions",
    "tracing_config": Blk("TracingConfig", {"mode": "Mode"}),
    "environment": Blk("Environment", {"variables": "Variables"}),
    "vpc_config": Blk("VpcConfig", {"subnet_ids": "SubnetIds", "security_group_ids": "SecurityGroupIds"}),
    "dead_letter_config": Blk("DeadLetterConfig", {"target_arn": "TargetArn"}),
    "code_signing_config_arn": "CodeSigningConfigArn",
    "package_type": "PackageType",
}, name="function_name")
simple("aws_lambda_permission", "AWS::Lambda::Permission", {
    "action": "Action", "function_name": "FunctionName", "principal": "Principal", "source_arn": "SourceArn",
    "source_account": "SourceAccount", "principal_org_id": "PrincipalOrgID",
    "function_url_auth_type": "FunctionUrlAuthType",
})
simple("aws_lambda_function_url", "AWS::Lambda::Url", {
    "function_name": "TargetFunctionArn", "authorization_type": "AuthType",
    "cors": Blk("Cors", {"allow_origins": "AllowOrigins", "allow_credentials": "AllowCredentials"}),
})

# -- containers --------------------------------------------------------------------------------------


@maps("aws_ecr_repository", "AWS::ECR::Repository")
def _ecr(b: Body, o: Builder, m: Any) -> None:
    o.put("ImageTagMutability", "MUTABLE")  # the provider's default
    o.copy(b, {
        "name": "RepositoryName",
        "image_tag_mutability": "ImageTagMutability",
        "image_scanning_configuration": Blk("ImageScanningConfiguration", {"scan_on_push": "ScanOnPush"}),
        "encryption_configuration": Blk("EncryptionConfiguration", {"encryption_type": "EncryptionType", "kms_key": "KmsKey"}, many=False),
    })
    o.name(b.attr("name"))


@attaches("aws_ecr_repository_policy", "AWS::ECR::Repository", via="repository")
def _ecr_policy(b: Body, o: Builder, m: Any) -> None:
    o.policy("RepositoryPolicyText", b.attr("policy"))


@attaches("aws_ecr_lifecycle_policy", "AWS::ECR::Repository", via="repository")
def _ecr_lifecycle(b: Body, o: Builder, m: Any) -> None:
    o.set("LifecyclePolicy.LifecyclePolicyText", b.attr("policy"))


simple("aws_ecr_registry_scanning_configuration", "Wasec::ECR::RegistryScanningConfiguration", {
    "scan_type": "ScanType", "rule": Blk("Rules", {"scan_frequency": "ScanFrequency"}, many=True),
})


@maps("aws_ecs_cluster", "AWS::ECS::Cluster")
def _ecs_cluster(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "ClusterName", "setting": Blk("ClusterSettings", {"name": "Name", "value": "Value"}, many=True),
               "configuration": Blk("Configuration", {"execute_command_configuration": Blk("ExecuteCommandConfiguration", {
                   "kms_key_id": "KmsKeyId", "logging": "Logging", "log_configuration": Blk("LogConfiguration", {
                       "cloud_watch_log_group_name": "CloudWatchLogGroupName",
                       "cloud_watch_encryption_enabled": "CloudWatchEncryptionEnabled",
                       "s3_bucket_name": "S3BucketName", "s3_bucket_encryption_enabled": "S3EncryptionEnabled"})})})})


def container_definitions(v: Any) -> Any:
    if isinstance(v, EncodedJson):
        data = v.data
    elif isinstance(v, str):
        try:
            data = json.loads(v)
        except ValueError:
            return Unknown("container_definitions is not valid JSON")
    else:
        return v
    return pascal_keys(data)


@maps("aws_ecs_task_definition", "AWS::ECS::TaskDefinition")
def _task_definition(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {
        "family": "Family",
        "container_definitions": ("ContainerDefinitions", container_definitions),
        "network_mode": "NetworkMode",
        "pid_mode": "PidMode",
        "ipc_mode": "IpcMode",
        "execution_role_arn": "ExecutionRoleArn",
        "task_role_arn": "TaskRoleArn",
        "requires_compatibilities": "RequiresCompatibilities",
        "volume": Blk("Volumes", {
            "name": "Name",
            "efs_volume_configuration": Blk("EFSVolumeConfiguration", {
                "file_system_id": "FilesystemId", "root_directory": "RootDirectory",
                "transit_encryption": "TransitEncryption",
            }),
        }, many=True),
    })


@maps("aws_ecs_service", "AWS::ECS::Service")
def _ecs_service(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "ServiceName", "launch_type": "LaunchType", "platform_version": "PlatformVersion",
               "cluster": "Cluster", "task_definition": "TaskDefinition"})
    for nc in b.blocks("network_configuration"):
        o.put("NetworkConfiguration.AwsvpcConfiguration", {}, nc.line, nc.file)
        o.set("NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp", nc.attr("assign_public_ip"),
              lambda v: "ENABLED" if v else "DISABLED")
        o.set("NetworkConfiguration.AwsvpcConfiguration.Subnets", nc.attr("subnets"))


@maps("aws_eks_cluster", "AWS::EKS::Cluster")
def _eks(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {
        "name": "Name",
        "version": "Version",
        "role_arn": "RoleArn",
        "vpc_config": Blk("ResourcesVpcConfig", {
            "endpoint_public_access": "EndpointPublicAccess",
            "endpoint_private_access": "EndpointPrivateAccess",
            "public_access_cidrs": "PublicAccessCidrs",
            "subnet_ids": "SubnetIds",
            "security_group_ids": "SecurityGroupIds",
        }),
        "encryption_config": Blk("EncryptionConfig", {
            "resources": "Resources", "provider": Blk("Provider", {"key_arn": "KeyArn"}),
        }, many=True),
    })
    types = b.attr("enabled_cluster_log_types")
    if types is not None:
        value = types.value
        if isinstance(value, list):
            value = [{"Type": t} for t in value]
        o.put("Logging.ClusterLogging.EnabledTypes", value, types.line, types.file)


# -- build and other compute -----------------------------------------------------------------------
_ARTIFACTS = {"type": "Type", "encryption_disabled": "EncryptionDisabled", "location": "Location",
              "artifact_identifier": "ArtifactIdentifier"}


@maps("aws_codebuild_project", "AWS::CodeBuild::Project")
def _codebuild(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {
        "name": "Name",
        "encryption_key": "EncryptionKey",
        "artifacts": Blk("Artifacts", _ARTIFACTS),
        "secondary_artifacts": Blk("SecondaryArtifacts", _ARTIFACTS, many=True),
        "source": Blk("Source", {"type": "Type", "location": "Location"}),
        "environment": Blk("Environment", {
            "privileged_mode": "PrivilegedMode", "image": "Image", "type": "Type",
            "environment_variable": Blk("EnvironmentVariables", {"name": "Name", "value": "Value", "type": "Type"}, many=True),
        }),
        "logs_config": Blk("LogsConfig", {
            "cloudwatch_logs": Blk("CloudWatchLogs", {"status": "Status"}),
            "s3_logs": Blk("S3Logs", {"status": "Status", "encryption_disabled": "EncryptionDisabled"}),
        }),
    })


simple("aws_sagemaker_notebook_instance", "AWS::SageMaker::NotebookInstance", {
    "name": "NotebookInstanceName", "direct_internet_access": "DirectInternetAccess", "root_access": "RootAccess",
    "kms_key_id": "KmsKeyId", "subnet_id": "SubnetId",
    "instance_metadata_service_configuration": Blk("InstanceMetadataServiceConfiguration", {
        "minimum_instance_metadata_service_version": "MinimumInstanceMetadataServiceVersion"}),
})
simple("aws_workspaces_workspace", "AWS::WorkSpaces::Workspace", {
    "root_volume_encryption_enabled": "RootVolumeEncryptionEnabled",
    "user_volume_encryption_enabled": "UserVolumeEncryptionEnabled",
    "volume_encryption_key": "VolumeEncryptionKey",
})


@maps("aws_sfn_state_machine", "AWS::StepFunctions::StateMachine")
def _state_machine(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {
        "name": "StateMachineName",
        "role_arn": "RoleArn",
        "definition": ("Definition", json_doc),
        "logging_configuration": Blk("LoggingConfiguration", {
            "level": "Level", "include_execution_data": "IncludeExecutionData",
            "log_destination": ("Destinations", lambda v: [{"CloudWatchLogsLogGroup": {"LogGroupArn": v}}]),
        }),
        "tracing_configuration": Blk("TracingConfiguration", {"enabled": "Enabled"}),
    })


simple("aws_emr_security_configuration", "AWS::EMR::SecurityConfiguration", {
    "name": "Name", "configuration": ("SecurityConfiguration", json_doc),
})
simple("aws_emr_block_public_access_configuration", "Wasec::EMR::BlockPublicAccessConfiguration", {
    "block_public_security_group_rules": "BlockPublicSecurityGroupRules",
})
simple("aws_transfer_server", "AWS::Transfer::Server", {"protocols": "Protocols", "endpoint_type": "EndpointType",
                                                       "security_policy_name": "SecurityPolicyName"})
simple("aws_dms_replication_instance", "AWS::DMS::ReplicationInstance", {
    "replication_instance_id": "ReplicationInstanceIdentifier", "publicly_accessible": "PubliclyAccessible",
    "kms_key_arn": "KmsKeyId", "auto_minor_version_upgrade": "AutoMinorVersionUpgrade", "multi_az": "MultiAZ",
})
simple("aws_elastic_beanstalk_environment", "AWS::ElasticBeanstalk::Environment", {
    "name": "EnvironmentName",
    "setting": Blk("OptionSettings", {"namespace": "Namespace", "name": "OptionName", "value": "Value"}, many=True),
})



@maps("aws_spot_fleet_request", "AWS::EC2::SpotFleet")
def _spot_fleet(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"iam_fleet_role": "SpotFleetRequestConfigData.IamFleetRole",
               "target_capacity": "SpotFleetRequestConfigData.TargetCapacity"})
    for i, spec in enumerate(b.blocks("launch_specification")):
        base = f"SpotFleetRequestConfigData.LaunchSpecifications.{i}"
        o.put(base, {}, spec.line, spec.file)
        o.copy(spec, {"ami": "ImageId", "instance_type": "InstanceType", "subnet_id": "SubnetId"}, base)
        _block_devices(spec, o, f"{base}.BlockDeviceMappings")


simple("aws_sagemaker_model", "AWS::SageMaker::Model", {
    "name": "ModelName", "enable_network_isolation": "EnableNetworkIsolation", "execution_role_arn": "ExecutionRoleArn",
}, name="name")
simple("aws_emr_cluster", "AWS::EMR::Cluster", {
    "name": "Name", "release_label": "ReleaseLabel", "security_configuration": "SecurityConfiguration",
    "ec2_attributes": Blk("Instances", {"subnet_id": "Ec2SubnetId", "subnet_ids": "Ec2SubnetIds",
                                        "emr_managed_master_security_group": "EmrManagedMasterSecurityGroup"}),
}, name="name")
simple("aws_codebuild_report_group", "AWS::CodeBuild::ReportGroup", {
    "name": "Name", "type": "Type",
    "export_config": Blk("ExportConfig", {"type": "ExportConfigType", "s3_destination": Blk("S3Destination", {
        "bucket": "Bucket", "encryption_disabled": "EncryptionDisabled", "encryption_key": "EncryptionKey",
    })}),
}, name="name")


simple("aws_batch_job_definition", "AWS::Batch::JobDefinition", {
    "name": "JobDefinitionName", "type": "Type",
    "container_properties": ("ContainerProperties", container_definitions),  # JSON in the Batch API's camelCase
})
simple("aws_cloudformation_stack", "AWS::CloudFormation::Stack", {
    "name": "StackName", "notification_arns": "NotificationARNs", "template_url": "TemplateURL",
})
simple("aws_eks_node_group", "AWS::EKS::Nodegroup", {
    "cluster_name": "ClusterName", "node_group_name": "NodegroupName",
    "remote_access": Blk("RemoteAccess", {"ec2_ssh_key": "Ec2SshKey",
                                          "source_security_group_ids": "SourceSecurityGroups"}),
})


@maps("aws_codepipeline", "AWS::CodePipeline::Pipeline")
def _pipeline(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "Name", "role_arn": "RoleArn"})
    o.name(b.attr("name"))
    store = {"location": "Location", "type": "Type", "encryption_key": Blk("EncryptionKey", {"id": "Id", "type": "Type"})}
    stores = b.blocks("artifact_store")
    if len(stores) == 1 and stores[0].attr("region") is None:
        o.block(b, "artifact_store", "ArtifactStore", store)
        return
    for i, s in enumerate(stores):  # one store per region: CloudFormation's ArtifactStores
        o.put(f"ArtifactStores.{i}", {}, s.line, s.file)
        o.copy(s, {"region": "Region"}, f"ArtifactStores.{i}")
        o.put(f"ArtifactStores.{i}.ArtifactStore", {}, s.line, s.file)
        o.copy(s, store, f"ArtifactStores.{i}.ArtifactStore")
