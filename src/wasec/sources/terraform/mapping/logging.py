"""Detection services: CloudTrail, CloudWatch Logs, flow logs, Config, GuardDuty, Security Hub."""

from __future__ import annotations

from typing import Any

from wasec.sources.terraform.body import Body, Val
from wasec.sources.terraform.mapping import Blk, Builder, attaches, maps, simple

_NONE = Val(None, 0, "")


@maps("aws_cloudtrail", "AWS::CloudTrail::Trail")
def _trail(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {
        "name": "TrailName",
        "s3_bucket_name": "S3BucketName",
        "s3_key_prefix": "S3KeyPrefix",
        "is_multi_region_trail": "IsMultiRegionTrail",
        "enable_log_file_validation": "EnableLogFileValidation",
        "kms_key_id": "KMSKeyId",
        "cloud_watch_logs_group_arn": "CloudWatchLogsLogGroupArn",
        "cloud_watch_logs_role_arn": "CloudWatchLogsRoleArn",
        "include_global_service_events": "IncludeGlobalServiceEvents",
        "enable_logging": "IsLogging",
        "is_organization_trail": "IsOrganizationTrail",
        "sns_topic_name": "SnsTopicName",
        "event_selector": Blk("EventSelectors", {
            "read_write_type": "ReadWriteType",
            "include_management_events": "IncludeManagementEvents",
            "data_resource": Blk("DataResources", {"type": "Type", "values": "Values"}, many=True),
        }, many=True),
        "advanced_event_selector": Blk("AdvancedEventSelectors", {
            "name": "Name",
            "field_selector": Blk("FieldSelectors", {
                "field": "Field", "equals": "Equals", "not_equals": "NotEquals",
                "starts_with": "StartsWith", "not_starts_with": "NotStartsWith",
                "ends_with": "EndsWith", "not_ends_with": "NotEndsWith",
            }, many=True),
        }, many=True),
    })
    o.name(b.attr("name"))


@maps("aws_cloudwatch_log_group", "AWS::Logs::LogGroup")
def _log_group(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "LogGroupName", "kms_key_id": "KmsKeyId", "retention_in_days": "RetentionInDays",
               "log_group_class": "LogGroupClass"})
    r = b.attr("retention_in_days")
    if r is not None and r.value == 0:
        o.props.pop("RetentionInDays", None)  # 0 means "never expire" in Terraform
    o.name(b.attr("name"))


simple("aws_cloudwatch_log_metric_filter", "AWS::Logs::MetricFilter", {
    "name": "FilterName", "pattern": "FilterPattern", "log_group_name": "LogGroupName",
    "metric_transformation": Blk("MetricTransformations", {"name": "MetricName", "namespace": "MetricNamespace",
                                                           "value": "MetricValue"}, many=True),
})
simple("aws_cloudwatch_metric_alarm", "AWS::CloudWatch::Alarm", {
    "alarm_name": "AlarmName", "metric_name": "MetricName", "namespace": "Namespace",
    "alarm_actions": "AlarmActions", "comparison_operator": "ComparisonOperator", "threshold": "Threshold",
})
simple("aws_cloudwatch_log_delivery_source", "AWS::Logs::DeliverySource", {
    "name": "Name", "log_type": "LogType", "resource_arn": "ResourceArn",
}, name="name")
simple("aws_cloudwatch_log_delivery", "AWS::Logs::Delivery", {
    "delivery_source_name": "DeliverySourceName", "delivery_destination_arn": "DeliveryDestinationArn",
})


@maps("aws_flow_log", "AWS::EC2::FlowLog")
def _flow_log(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"traffic_type": "TrafficType", "log_destination": "LogDestination",
               "log_destination_type": "LogDestinationType", "log_group_name": "LogGroupName",
               "iam_role_arn": "DeliverLogsPermissionArn"})
    for tf, kind in (("vpc_id", "VPC"), ("subnet_id", "Subnet"), ("eni_id", "NetworkInterface"),
                     ("transit_gateway_id", "TransitGateway")):
        v = b.attr(tf)
        if v is not None:
            o.set("ResourceId", v)
            o.put("ResourceType", kind)


@maps("aws_config_configuration_recorder", "AWS::Config::ConfigurationRecorder")
def _recorder(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "Name", "role_arn": "RoleARN", "recording_group": Blk("RecordingGroup", {
        "all_supported": "AllSupported", "include_global_resource_types": "IncludeGlobalResourceTypes",
    })})
    o.name(b.attr("name"))


@attaches("aws_config_configuration_recorder_status", "AWS::Config::ConfigurationRecorder", via="name")
def _recorder_status(b: Body, o: Builder, m: Any) -> None:
    o.set("IsRecording", b.attr("is_enabled"))


simple("aws_config_delivery_channel", "AWS::Config::DeliveryChannel", {"name": "Name", "s3_bucket_name": "S3BucketName"})
simple("aws_config_configuration_aggregator", "AWS::Config::ConfigurationAggregator", {
    "name": "ConfigurationAggregatorName",
    "account_aggregation_source": Blk("AccountAggregationSources", {
        "account_ids": "AccountIds", "all_regions": "AllAwsRegions", "regions": "AwsRegions",
    }, many=True),
    "organization_aggregation_source": Blk("OrganizationAggregationSource", {
        "all_regions": "AllAwsRegions", "regions": "AwsRegions", "role_arn": "RoleArn",
    }),
})


@maps("aws_guardduty_detector", "AWS::GuardDuty::Detector")
def _detector(b: Body, o: Builder, m: Any) -> None:
    o.put("Enable", True, b.line, b.file)  # the provider's default
    o.copy(b, {"enable": "Enable", "finding_publishing_frequency": "FindingPublishingFrequency",
               "datasources": Blk("DataSources", {
                   "s3_logs": Blk("S3Logs", {"enable": "Enable"}),
                   "kubernetes": Blk("Kubernetes", {"audit_logs": Blk("AuditLogs", {"enable": "Enable"})}),
                   "malware_protection": Blk("MalwareProtection", {"scan_ec2_instance_with_findings": Blk(
                       "ScanEc2InstanceWithFindings", {"ebs_volumes": Blk("EbsVolumes", {"enable": "Enable"})})}),
               })})
    ebs = o.get("DataSources.MalwareProtection.ScanEc2InstanceWithFindings.EbsVolumes")
    if isinstance(ebs, dict) and "Enable" in ebs:  # CloudFormation's shape: a boolean
        o.put("DataSources.MalwareProtection.ScanEc2InstanceWithFindings.EbsVolumes", ebs["Enable"])


@attaches("aws_guardduty_detector_feature", "AWS::GuardDuty::Detector", via="detector_id")
def _detector_feature(b: Body, o: Builder, m: Any) -> None:
    name, status = b.attr("name"), b.attr("status")
    if name is None:
        return
    extra = [{"Name": (x.attr("name") or _NONE).value, "Status": (x.attr("status") or _NONE).value}
             for x in b.blocks("additional_configuration")]
    o.append("Features", {"Name": name.value, "Status": status.value if status else None,
                          **({"AdditionalConfiguration": extra} if extra else {})}, b.line, b.file)


simple("aws_securityhub_account", "AWS::SecurityHub::Hub", {"enable_default_standards": "EnableDefaultStandards"})
simple("aws_accessanalyzer_analyzer", "AWS::AccessAnalyzer::Analyzer", {"analyzer_name": "AnalyzerName", "type": "Type"})
simple("aws_macie2_account", "AWS::Macie::Session", {"status": "Status"})
simple("aws_inspector2_enabler", "Wasec::Inspector2::Enabler", {"resource_types": "ResourceTypes", "account_ids": "AccountIds"})
