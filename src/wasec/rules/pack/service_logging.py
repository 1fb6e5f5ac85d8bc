"""Service and application logs (SEC04-BP01): query engines, builds and DNS record what they do."""

from __future__ import annotations

import json
from typing import Any

from wasec.rules.pack._common import expect, is_true, session_preferences
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, View

LOGS = ("SEC04-BP01",)

expect("athena-workgroup-logging", types=["AWS::Athena::WorkGroup"],
       path="WorkGroupConfiguration.PublishCloudWatchMetricsEnabled", ok=is_true, default=False,
       message="the workgroup publishes no query metrics", title="Athena workgroups publish query metrics",
       severity="medium", area="detection", category="logging", wa=LOGS, fsbp=("Athena.4",),
       why="Workgroup metrics record the queries run and data scanned: how an unusual bulk read of the data lake shows up.",
       fix="Publish CloudWatch metrics for the workgroup.",
       tf="configuration {\n  publish_cloudwatch_metrics_enabled = true\n}",
       cfn="WorkGroupConfiguration:\n  PublishCloudWatchMetricsEnabled: true")


@rule("codebuild-logging", title="CodeBuild projects log their builds", severity="medium",
      types=["AWS::CodeBuild::Project"], area="detection", category="logging", wa=(*LOGS, "SEC11-BP07"),
      fsbp=("CodeBuild.4",),
      why="Build logs are the record of what a pipeline ran, fetched and published: the evidence of a tampered build.",
      fix="Keep CloudWatch Logs (the default) or S3 logs enabled.",
      tf='logs_config {\n  cloudwatch_logs {\n    status = "ENABLED"\n  }\n}',
      cfn="LogsConfig:\n  CloudWatchLogs:\n    Status: ENABLED")
def codebuild_logging(r: View) -> Any:
    cw = str(r.get("LogsConfig.CloudWatchLogs.Status", "ENABLED")).upper()
    s3 = str(r.get("LogsConfig.S3Logs.Status", "DISABLED")).upper()
    if cw == "DISABLED" and s3 != "ENABLED":
        return Fail("LogsConfig", "neither CloudWatch Logs nor S3 logs are enabled")
    return None


@rule("route53-query-logging", title="Public Route 53 hosted zones log DNS queries", severity="medium",
      types=["AWS::Route53::HostedZone"], area="detection", category="logging", wa=LOGS, fsbp=("Route53.2",),
      why="Query logs show who resolves which names of the domain: reconnaissance, typo-squatting traffic and "
          "subdomain takeovers show up there first.",
      fix="Send the zone's query logs to a CloudWatch Logs group in us-east-1.",
      tf='resource "aws_route53_query_log" "zone" {\n  zone_id                  = aws_route53_zone.main.zone_id\n'
         '  cloudwatch_log_group_arn = aws_cloudwatch_log_group.dns.arn\n}',
      cfn="QueryLoggingConfig:\n  CloudWatchLogsLogGroupArn: !GetAtt DnsLogs.Arn")
def query_logging(r: View) -> Any:
    if r.present("VPCs") or is_true(r.get("PrivateZone", False)):
        return Skip("a private hosted zone")
    if r.raw("QueryLoggingConfig") is not None:
        return None
    return Fail("", "DNS queries for the zone are not logged")


_FIELD_LEVELS = ("ERROR", "ALL", "INFO", "DEBUG")


@rule("appsync-field-logging", title="AppSync GraphQL APIs log their resolvers", severity="medium",
      types=["AWS::AppSync::GraphQLApi"], area="detection", category="logging", wa=LOGS, fsbp=("AppSync.2",),
      why="Field-level logs record each resolver's request and errors: how abuse of a GraphQL API (introspection, "
          "injection through arguments, mass reads) is seen and investigated.",
      fix="Send field-level logs (ERROR at least) to CloudWatch Logs.",
      tf='log_config {\n  cloudwatch_logs_role_arn = aws_iam_role.appsync_logs.arn\n  field_log_level          = "ERROR"\n}',
      cfn="LogConfig:\n  CloudWatchLogsRoleArn: !GetAtt AppSyncLogsRole.Arn\n  FieldLogLevel: ERROR")
def appsync_logging(r: View) -> Any:
    level = r.get("LogConfig.FieldLogLevel")
    if level is None:
        return Fail("LogConfig" if r.present("LogConfig") else "", "the API writes no field-level logs")
    if str(level).upper() not in _FIELD_LEVELS:
        return Fail("LogConfig.FieldLogLevel", f"the field log level is {level}", level)
    return None


@rule("sns-delivery-status-logging", title="SNS topics log the delivery status of their messages", severity="medium",
      types=["AWS::SNS::Topic"], area="detection", category="logging", wa=LOGS, fsbp=("SNS.2",),
      why="Delivery status logs show which subscriber received what and which deliveries failed: a subscription "
          "added to siphon messages, or an alert that never arrived, shows up there.",
      fix="Give the topic feedback roles for the protocols it delivers to (success and failure).",
      tf="sqs_success_feedback_role_arn    = aws_iam_role.sns_feedback.arn\n"
         "sqs_failure_feedback_role_arn    = aws_iam_role.sns_feedback.arn\nsqs_success_feedback_sample_rate = 100",
      cfn="DeliveryStatusLogging:\n  - Protocol: sqs\n    SuccessFeedbackRoleArn: !GetAtt SnsFeedback.Arn\n"
          "    FailureFeedbackRoleArn: !GetAtt SnsFeedback.Arn")
def sns_delivery(r: View) -> Any:
    for _, item in r.items("DeliveryStatusLogging"):
        if isinstance(item, dict) and (item.get("SuccessFeedbackRoleArn") or item.get("FailureFeedbackRoleArn")):
            return None
    return Fail("DeliveryStatusLogging" if r.present("DeliveryStatusLogging") else "",
                "the delivery status of the topic's messages is not logged")


expect("datasync-task-logging", types=["AWS::DataSync::Task"], path="CloudWatchLogGroupArn",
       message="the task does not log what it transfers", title="DataSync tasks log to CloudWatch Logs",
       severity="medium", area="detection", category="logging", wa=LOGS, fsbp=("DataSync.1",),
       why="DataSync moves whole data sets between locations; its logs record which files were copied, skipped or "
           "failed verification.",
       fix="Give the task a CloudWatch Logs group (and a log level of BASIC or TRANSFER).",
       tf="cloudwatch_log_group_arn = aws_cloudwatch_log_group.datasync.arn",
       cfn="CloudWatchLogGroupArn: !GetAtt DataSyncLogs.Arn")

expect("transfer-connector-logging", types=["AWS::Transfer::Connector"], path="LoggingRole",
       message="the connector has no role to write logs with", title="Transfer Family connectors log their transfers",
       severity="medium", area="detection", category="logging", wa=LOGS, fsbp=("Transfer.3",),
       why="Connectors send files to partners' AS2 and SFTP servers; without logs there is no record of what left, to "
           "whom, or when.",
       fix="Give the connector a logging role that may write to CloudWatch Logs.",
       tf="logging_role = aws_iam_role.transfer_logging.arn", cfn="LoggingRole: !GetAtt TransferLogging.Arn")

# DMS log components and the severities that record at least what the default records
_DMS_SIDES = {"target": ("TARGET_APPLY", "TARGET_LOAD"), "source": ("SOURCE_CAPTURE", "SOURCE_UNLOAD")}
_DMS_ENOUGH = ("LOGGER_SEVERITY_DEFAULT", "LOGGER_SEVERITY_DEBUG", "LOGGER_SEVERITY_DETAILED_DEBUG")


@rule("dms-replication-task-logging", title="DMS replication tasks log their source and target", severity="medium",
      types=["AWS::DMS::ReplicationTask"], area="detection", category="logging", wa=LOGS, fsbp=("DMS.7", "DMS.8"),
      why="A replication task reads a whole database and writes it elsewhere; its source and target logs are the "
          "record of what was read, loaded and applied.",
      fix="Enable logging in the task settings, with SOURCE_CAPTURE, SOURCE_UNLOAD, TARGET_APPLY and TARGET_LOAD at "
          "LOGGER_SEVERITY_DEFAULT or more.",
      tf='replication_task_settings = jsonencode({\n  Logging = {\n    EnableLogging = true\n    LogComponents = [\n'
         '      { Id = "SOURCE_CAPTURE", Severity = "LOGGER_SEVERITY_DEFAULT" },\n'
         '      { Id = "TARGET_APPLY", Severity = "LOGGER_SEVERITY_DEFAULT" },\n    ]\n  }\n})',
      cfn='ReplicationTaskSettings: \'{"Logging": {"EnableLogging": true, "LogComponents": [{"Id": "SOURCE_CAPTURE", '
          '"Severity": "LOGGER_SEVERITY_DEFAULT"}, {"Id": "TARGET_APPLY", "Severity": "LOGGER_SEVERITY_DEFAULT"}]}}\'')
def dms_task_logging(r: View) -> Any:
    settings = r.get("ReplicationTaskSettings")
    if isinstance(settings, str):
        try:
            settings = json.loads(settings) if settings.strip() else None
        except ValueError:
            return Fail("ReplicationTaskSettings", "the task settings are not valid JSON")
    logging = settings.get("Logging") if isinstance(settings, dict) else None
    if not isinstance(logging, dict) or not is_true(logging.get("EnableLogging", False)):
        return Fail("ReplicationTaskSettings", "logging is not enabled for the task")
    levels = {str(c.get("Id")): str(c.get("Severity")) for c in logging.get("LogComponents") or () if isinstance(c, dict)}
    fails = []
    for side, ids in _DMS_SIDES.items():
        low = [i for i in ids if levels.get(i, "LOGGER_SEVERITY_DEFAULT") not in _DMS_ENOUGH]
        if low:
            fails.append(Fail("ReplicationTaskSettings", f"{side} logging records less than the default: "
                              + ", ".join(f"{i} at {levels[i]}" for i in low)))
    return fails


@rule("elasticbeanstalk-cloudwatch-logs", title="Elastic Beanstalk environments stream logs to CloudWatch Logs",
      severity="high", types=["AWS::ElasticBeanstalk::Environment"], area="detection", category="logging", wa=LOGS,
      fsbp=("ElasticBeanstalk.3",),
      why="Instance logs of an Elastic Beanstalk environment disappear with the instances that scaling replaces; "
          "streamed to CloudWatch Logs they outlive them and can be searched and alarmed on.",
      fix="Set aws:elasticbeanstalk:cloudwatch:logs StreamLogs to true (with a retention).",
      tf='setting {\n  namespace = "aws:elasticbeanstalk:cloudwatch:logs"\n  name      = "StreamLogs"\n  value     = "true"\n}',
      cfn="OptionSettings:\n  - Namespace: aws:elasticbeanstalk:cloudwatch:logs\n    OptionName: StreamLogs\n    Value: 'true'")
def beanstalk_logs(r: View) -> Any:
    for path, o in r.items("OptionSettings"):
        if isinstance(o, dict) and o.get("Namespace") == "aws:elasticbeanstalk:cloudwatch:logs" \
                and o.get("OptionName") == "StreamLogs":
            return None if is_true(r.get(f"{path}.Value")) else Fail(f"{path}.Value", "logs are not streamed",
                                                                     o.get("Value"))
    return Fail("OptionSettings" if r.present("OptionSettings") else "", "logs are not streamed to CloudWatch Logs")


@rule("vpn-connection-logging", title="Site-to-Site VPN tunnels log to CloudWatch Logs", severity="medium",
      types=["AWS::EC2::VPNConnection"], area="detection", category="logging", wa=LOGS, fsbp=("EC2.171",),
      why="Tunnel logs record IKE negotiation and tunnel state: failed or unexpected peers trying to bring up the "
          "tunnel into the VPC show there.",
      fix="Enable CloudWatch Logs for both tunnels.",
      tf="tunnel1_log_options {\n  cloudwatch_log_options {\n    log_enabled       = true\n"
         "    log_group_arn     = aws_cloudwatch_log_group.vpn.arn\n  }\n}\n# and tunnel2_log_options",
      cfn="VpnTunnelOptionsSpecifications:\n  - LogOptions:\n      CloudwatchLogOptions:\n        LogEnabled: true\n"
          "        LogGroupArn: !GetAtt VpnLogs.Arn\n  - LogOptions: {CloudwatchLogOptions: {LogEnabled: true}}")
def vpn_logging(r: View) -> Any:
    tunnels = r.items("VpnTunnelOptionsSpecifications")
    if not tunnels:
        return Fail("", "neither tunnel logs to CloudWatch Logs")
    fails = [Fail(f"{p}.LogOptions.CloudwatchLogOptions.LogEnabled", f"tunnel {i + 1} does not log")
             for i, (p, _) in enumerate(tunnels)
             if not is_true(r.get(f"{p}.LogOptions.CloudwatchLogOptions.LogEnabled", False))]
    if len(tunnels) == 1 and not fails:
        fails.append(Fail("VpnTunnelOptionsSpecifications", "only one of the two tunnels logs"))
    return fails


expect("client-vpn-connection-logging", types=["AWS::EC2::ClientVpnEndpoint"], path="ConnectionLogOptions.Enabled",
       ok=is_true, message="client connections are not logged", title="Client VPN endpoints log client connections",
       severity="medium", area="detection", category="logging", wa=LOGS, fsbp=("EC2.51",),
       why="Connection logs record who connected to the VPN, from where and when: the first place to look when a "
           "user's credentials are stolen.",
       fix="Enable connection logging to a CloudWatch Logs group.",
       tf="connection_log_options {\n  enabled              = true\n  cloudwatch_log_group = aws_cloudwatch_log_group.vpn.name\n}",
       cfn="ConnectionLogOptions:\n  Enabled: true\n  CloudwatchLogGroup: !Ref VpnLogs")

SSM_SETTING = "Wasec::SSM::ServiceSetting"


def ssm_setting(r: View, name: str) -> bool:
    """Whether this Systems Manager service setting is the one named (ids may be full ARNs)."""
    sid = str(r.get("SettingId") or "")
    return sid == name or sid.endswith(f"servicesetting{name}")


@rule("ssm-automation-logging", title="Systems Manager Automation sends script output to CloudWatch Logs",
      severity="medium", types=[SSM_SETTING], area="detection", category="logging", wa=LOGS, fsbp=("SSM.6",),
      why="Automation runbooks run scripts with broad roles across many instances; their output logged centrally is "
          "the record of what each run actually did.",
      fix="Set the Automation log destination to CloudWatch.",
      tf='resource "aws_ssm_service_setting" "automation_logs" {\n'
         '  setting_id    = "arn:aws:ssm:us-east-1:111122223333:servicesetting/ssm/automation/customer-script-log-destination"\n'
         '  setting_value = "CloudWatch"\n}',
      cfn="# a Systems Manager service setting (aws ssm update-service-setting)")
def automation_logging(r: View) -> Any:
    if not ssm_setting(r, "/ssm/automation/customer-script-log-destination"):
        return Skip("another service setting")
    value = r.get("SettingValue")
    if str(value) != "CloudWatch":
        return Fail("SettingValue", "Automation does not send script output to CloudWatch Logs", value)
    return None


_SERVERLESS_LOGS = ("connectionlog", "userlog")


@rule("redshift-serverless-log-exports", title="Redshift Serverless namespaces export connection and user logs",
      severity="medium", types=["AWS::RedshiftServerless::Namespace"], area="detection", category="logging", wa=LOGS,
      fsbp=("RedshiftServerless.6",),
      why="Connection and user logs record who connected to the warehouse and what was done to its users and grants.",
      fix="Export connectionlog and userlog (and useractivitylog) to CloudWatch Logs.",
      tf='log_exports = ["connectionlog", "userlog", "useractivitylog"]',
      cfn="LogExports: [connectionlog, userlog, useractivitylog]")
def serverless_logs(r: View) -> Any:
    exported = r.get("LogExports") or []
    missing = [x for x in _SERVERLESS_LOGS if x not in [str(e) for e in exported]]
    if missing:
        return Fail("LogExports" if r.present("LogExports") else "", f"{' and '.join(missing)} not exported", exported or None)
    return None


# RDS event subscriptions: the categories each source type must include (an empty list means every category)
_CRITICAL_EVENTS = {"db-cluster": ("failure", "maintenance"), "db-instance": ("maintenance", "configuration change", "failure"),
                    "db-parameter-group": ("configuration change",), "db-security-group": ("configuration change", "failure")}


@rule("rds-event-subscription-critical", title="RDS event subscriptions cover the critical events of their source",
      severity="low", types=["AWS::RDS::EventSubscription"], area="detection", category="logging", wa=("SEC04-BP03",),
      fsbp=("RDS.19", "RDS.20", "RDS.21", "RDS.22"),
      why="A subscription that leaves out failures, maintenance or configuration changes stays silent exactly when a "
          "database is stopped, altered or loses a security group rule.",
      fix="Include every critical category for the source type (or leave the category list empty for all).",
      tf='source_type      = "db-instance"\nevent_categories = ["maintenance", "configuration change", "failure"]',
      cfn="SourceType: db-instance\nEventCategories: [maintenance, configuration change, failure]")
def rds_events(r: View) -> Any:
    if not is_true(r.get("Enabled", True)):
        return Fail("Enabled", "the subscription is disabled", False)
    source = str(r.get("SourceType") or "")
    needed = _CRITICAL_EVENTS.get(source)
    if needed is None:
        return Skip(f"source type {source or 'all'} has no critical-event baseline")
    categories = [str(c).lower() for c in r.get("EventCategories") or []]
    missing = [c for c in needed if categories and c not in categories]
    if missing:
        return Fail("EventCategories", f"{source} events leave out {', '.join(missing)}", categories)
    return None


expect("cloudformation-stack-notifications", types=["AWS::CloudFormation::Stack"], path="NotificationARNs",
       ok=lambda v: isinstance(v, list) and len(v) > 0, message="no SNS topic hears of the stack's changes",
       title="Nested and child stacks send their events to an SNS topic", severity="low", area="detection",
       category="logging", wa=("SEC04-BP03",), fsbp=("CloudFormation.1",),
       why="Stack events (a resource replaced, a rollback, a deletion) sent to a topic reach the people and tools that "
           "watch for changes nobody planned.",
       fix="Name an SNS topic in the stack's notification ARNs.", tf="notification_arns = [aws_sns_topic.stacks.arn]",
       cfn="NotificationARNs: [!Ref StackEvents]")

expect("ec2-detailed-monitoring", types=["AWS::EC2::Instance"], path="Monitoring", ok=is_true, default=False,
       message="metrics every five minutes only", title="EC2 instances send detailed (one-minute) monitoring",
       severity="low", area="detection", category="logging", wa=LOGS, optional=True, scope="code",
       why="One-minute metrics show a CPU or network spike (mining, a flood of outbound traffic) that five-minute "
           "averages smooth away, and alarms on it fire sooner.",
       fix="Enable detailed monitoring on the instance.", tf="monitoring = true", cfn="Monitoring: true")


_MWAA_LOGS = ("SchedulerLogs", "WorkerLogs", "WebserverLogs")


@rule("mwaa-logging", title="MWAA environments send scheduler, worker and web server logs to CloudWatch", severity="medium",
      types=["AWS::MWAA::Environment"], area="detection", category="logging", wa=LOGS,
      why="Airflow runs code with the environment's role: the scheduler and worker logs show which DAG ran what, the "
          "web server logs who signed in and triggered it.",
      fix="Enable the scheduler, worker and web server logs (level INFO or WARNING).",
      tf="logging_configuration {\n  scheduler_logs {\n    enabled   = true\n    log_level = \"INFO\"\n  }\n"
         "  worker_logs {\n    enabled   = true\n    log_level = \"INFO\"\n  }\n  webserver_logs {\n"
         "    enabled   = true\n    log_level = \"INFO\"\n  }\n}",
      cfn="LoggingConfiguration:\n  SchedulerLogs: {Enabled: true, LogLevel: INFO}\n  WorkerLogs: {Enabled: true, LogLevel: INFO}\n"
          "  WebserverLogs: {Enabled: true, LogLevel: INFO}")
def mwaa_logging(r: View) -> Any:
    off = [k for k in _MWAA_LOGS if not is_true(r.get(f"LoggingConfiguration.{k}.Enabled", False))]
    if off:
        return Fail(r.nearest(f"LoggingConfiguration.{off[0]}", "LoggingConfiguration"), f"{', '.join(off)} are not sent to CloudWatch Logs")
    return None


expect("ecs-exec-logging", types=["AWS::ECS::Cluster"], path="Configuration.ExecuteCommandConfiguration.Logging",
       ok=lambda v: str(v).upper() != "NONE", default="DEFAULT",
       message="ECS Exec sessions (commands run inside containers) are not logged",
       title="ECS clusters log ECS Exec sessions", severity="medium", area="detection", category="logging", wa=LOGS,
       why="ECS Exec opens a shell in a running container; with logging NONE nothing records what was typed there.",
       fix="Keep ECS Exec logging (DEFAULT or OVERRIDE to a log group or bucket of yours).",
       tf='configuration {\n  execute_command_configuration {\n    logging = "OVERRIDE"\n    log_configuration {\n'
          '      cloud_watch_log_group_name = aws_cloudwatch_log_group.exec.name\n    }\n  }\n}',
       cfn="Configuration:\n  ExecuteCommandConfiguration:\n    Logging: OVERRIDE\n    LogConfiguration:\n"
           "      CloudWatchLogGroupName: !Ref ExecLogs")


@rule("ssm-session-logging", title="Session Manager records sessions to CloudWatch Logs or S3", severity="medium",
      types=["AWS::SSM::Document"], area="detection", category="logging", wa=(*LOGS, "SEC10-BP03"),
      scope="code",  # the live path lists documents without their content
      why="Session Manager replaces SSH; without a log destination, what was run in each session is lost.",
      fix="Set cloudWatchLogGroupName or s3BucketName in the Session Manager preferences (with encryption).",
      tf='content = jsonencode({\n  schemaVersion = "1.0"\n  sessionType   = "Standard_Stream"\n  inputs = {\n'
         '    cloudWatchLogGroupName      = aws_cloudwatch_log_group.sessions.name\n'
         '    cloudWatchEncryptionEnabled = true\n    kmsKeyId                    = aws_kms_key.sessions.arn\n  }\n})',
      cfn="Content:\n  schemaVersion: '1.0'\n  sessionType: Standard_Stream\n  inputs:\n"
          "    cloudWatchLogGroupName: !Ref SessionLogs\n    cloudWatchEncryptionEnabled: true\n    kmsKeyId: !Ref SessionKey")
def session_logging(r: View) -> Any:
    inputs = session_preferences(r)
    if inputs is None:
        return Skip("not Session Manager preferences")
    if not (inputs.get("cloudWatchLogGroupName") or inputs.get("s3BucketName")):
        return Fail(r.nearest("Content.inputs", "Content"), "sessions are not recorded")
    return None


@rule("globalaccelerator-flow-logs", title="Global Accelerator accelerators write flow logs", severity="low",
      types=["AWS::GlobalAccelerator::Accelerator"], area="detection", category="logging", wa=LOGS,
      why="Flow logs record every client connection the accelerator forwards: the record of who reached the "
          "application, and from where.",
      fix="Enable flow logs to an S3 bucket.",
      tf='attributes {\n  flow_logs_enabled   = true\n  flow_logs_s3_bucket = aws_s3_bucket.flows.bucket\n'
         '  flow_logs_s3_prefix = "accelerator/"\n}',
      cfn="# AWS::GlobalAccelerator::Accelerator cannot set flow logs: enable them with UpdateAcceleratorAttributes")
def accelerator_flow_logs(r: View) -> Any:
    if r.source == "cloudformation":
        return Skip("CloudFormation cannot set an accelerator's flow logs")
    if not is_true(r.get("Attributes.FlowLogsEnabled", False)):
        return Fail(r.nearest("Attributes"), "connections are not logged")
    return None


expect("apigateway-data-trace-off", types=["AWS::ApiGateway::Stage"], path="MethodSettings",
       ok=lambda v: not any(isinstance(m, dict) and is_true(m.get("DataTraceEnabled", False))
                            for m in (v if isinstance(v, list) else [v])), default=[],
       message="full requests and responses (tokens, personal data) are written to the execution logs",
       title="API Gateway stages do not log full request and response bodies", severity="medium", area="data",
       category="exposure", wa=("SEC07-BP02", "SEC04-BP01"),
       why="Data tracing copies whole request and response bodies, headers with tokens included, into CloudWatch "
           "Logs, where everyone who reads logs reads them.",
       fix="Turn data tracing off in production stages; keep access logs and execution logs at INFO or ERROR.",
       tf="settings {\n  logging_level      = \"ERROR\"\n  data_trace_enabled = false\n}",
       cfn="MethodSettings:\n  - ResourcePath: /*\n    HttpMethod: '*'\n    LoggingLevel: ERROR\n    DataTraceEnabled: false")
