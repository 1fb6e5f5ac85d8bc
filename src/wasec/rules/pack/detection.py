"""Detection (SEC04): audit trails, service logs, flow logs, detective services."""

from __future__ import annotations

from typing import Any

from wasec.analyzers.policy import public_statements
from wasec.model.resource import Resource
from wasec.model.values import Unknown
from wasec.rules.pack._common import expect, group_parameter, is_log_bucket, is_true, parameters
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Pass, Skip, Unsure, View, truthy

LOGS = ("SEC04-BP01",)
CENTRAL = ("SEC04-BP01", "SEC04-BP02")

# -- CloudTrail ----------------------------------------------------------------------------------------
expect("cloudtrail-multi-region", types=["AWS::CloudTrail::Trail"], path="IsMultiRegionTrail", ok=is_true, default=False,
       message="the trail records only its home region", title="CloudTrail trail covers all regions", severity="high",
       area="detection", category="logging", wa=CENTRAL, cis=("4.1",), fsbp=("CloudTrail.1",),
       why="Activity in a region no trail records is invisible: attackers favour unused regions.",
       fix="Make the trail multi-region (or use an organization trail).", tf="is_multi_region_trail = true",
       cfn="IsMultiRegionTrail: true")
expect("cloudtrail-log-file-validation", types=["AWS::CloudTrail::Trail"], path="EnableLogFileValidation", ok=is_true,
       default=False, message="log file integrity validation is off",
       title="CloudTrail log file validation is enabled", severity="medium", area="detection", category="logging",
       wa=("SEC04-BP01", "SEC06-BP04"), cis=("4.2",), fsbp=("CloudTrail.4",),
       why="Without digest files you cannot prove that delivered logs were not modified or deleted after an incident.",
       fix="Enable log file validation.", tf="enable_log_file_validation = true", cfn="EnableLogFileValidation: true")
expect("cloudtrail-logging-enabled", types=["AWS::CloudTrail::Trail"], path="IsLogging", ok=is_true, default=True,
       message="the trail is not logging", title="CloudTrail trail is logging", severity="high", area="detection",
       category="logging", wa=LOGS, cis=("4.1",), fsbp=("CloudTrail.1",),
       why="A stopped trail records nothing; stopping logging is a common first step of an intrusion.",
       fix="Keep the trail logging.", tf="enable_logging = true", cfn="IsLogging: true")
expect("cloudtrail-cloudwatch-logs", types=["AWS::CloudTrail::Trail"], path="CloudWatchLogsLogGroupArn",
       message="the trail does not send events to CloudWatch Logs",
       title="CloudTrail trail delivers to CloudWatch Logs", severity="low", area="detection", category="logging",
       wa=("SEC04-BP02", "SEC04-BP03"), fsbp=("CloudTrail.5",),
       why="CloudWatch Logs delivery is what makes metric filters and alarms on API activity possible.",
       fix="Send the trail to a log group with a role CloudTrail can assume.",
       tf="cloud_watch_logs_group_arn = \"${aws_cloudwatch_log_group.trail.arn}:*\"\ncloud_watch_logs_role_arn  = aws_iam_role.trail.arn",
       cfn="CloudWatchLogsLogGroupArn: !GetAtt TrailLogs.Arn\nCloudWatchLogsRoleArn: !GetAtt TrailRole.Arn")


def _trail_bucket(r: View) -> Resource | None:
    name = r.value("S3BucketName")
    if name is None:
        return None
    return r.resolve(name, "AWS::S3::Bucket")


@rule("cloudtrail-bucket-not-public", title="The S3 bucket holding CloudTrail logs is not public", severity="critical",
      types=["AWS::CloudTrail::Trail"], area="detection", category="exposure", needs=["AWS::S3::Bucket"], wa=("SEC04-BP01", "SEC08-BP04"),
      fsbp=("CloudTrail.6",), why="Public trail logs give an attacker a map of your accounts, principals and resources.",
      fix="Keep the log bucket private: no public ACL, no public policy, Block Public Access on.",
      tf='resource "aws_s3_bucket_public_access_block" "trail" {\n  bucket                  = aws_s3_bucket.trail.id\n  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}',
      cfn="PublicAccessBlockConfiguration:\n  BlockPublicAcls: true\n  BlockPublicPolicy: true\n  IgnorePublicAcls: true\n  RestrictPublicBuckets: true")
def trail_bucket_public(r: View) -> Any:
    bucket = _trail_bucket(r)
    if bucket is None:
        return Skip("the trail's bucket is not in the inventory (another account, or outside the scanned code)")
    b = View(bucket, r.inventory)
    reasons = []
    acl = b.get("AccessControl")
    if acl in ("PublicRead", "PublicReadWrite", "AuthenticatedRead"):
        reasons.append(f"ACL {acl}")
    doc = b.raw("PolicyDocument")
    if doc is not None and public_statements(b.get("PolicyDocument")):
        reasons.append("a public bucket policy")
    if reasons:
        return Fail("S3BucketName", f"log bucket {bucket.id} is public through {' and '.join(reasons)}", r.value("S3BucketName"))
    return None


@rule("cloudtrail-bucket-access-logging", title="The CloudTrail log bucket has access logging", severity="low",
      types=["AWS::CloudTrail::Trail"], area="detection", category="logging", wa=LOGS, cis=("4.4",),
      needs=["AWS::S3::Bucket"],
      fsbp=("CloudTrail.7",), why="Access logs on the trail bucket show who read or tried to delete the audit trail.",
      fix="Enable server access logging on the trail's bucket, to a separate log bucket.",
      tf='resource "aws_s3_bucket_logging" "trail" {\n  bucket        = aws_s3_bucket.trail.id\n  target_bucket = aws_s3_bucket.access_logs.id\n}',
      cfn="LoggingConfiguration:\n  DestinationBucketName: !Ref AccessLogsBucket")
def trail_bucket_logging(r: View) -> Any:
    bucket = _trail_bucket(r)
    if bucket is None:
        return Skip("the trail's bucket is not in the inventory (another account, or outside the scanned code)")
    if not View(bucket, r.inventory).present("LoggingConfiguration.DestinationBucketName"):
        return Fail("S3BucketName", f"log bucket {bucket.id} has no server access logging", r.value("S3BucketName"))
    return None


def _covers_bucket(trail: Resource, bucket: View, want: str) -> bool | None:
    """Whether a trail records object-level ``want`` ("read"/"write") events for the bucket (None: unknown)."""
    props = trail.properties
    if props.get("IsLogging") is False:
        return False
    names = [n for n in (bucket.raw("BucketName"), *bucket.resource.names) if isinstance(n, str)]
    unknown = False
    selectors = props.get("EventSelectors")
    for sel in selectors if isinstance(selectors, list) else []:
        if not isinstance(sel, dict):
            continue
        rw = str(sel.get("ReadWriteType", "All"))
        if rw not in ("All", "ReadOnly" if want == "read" else "WriteOnly"):
            continue
        for dr in sel.get("DataResources") or []:
            if not isinstance(dr, dict) or dr.get("Type") != "AWS::S3::Object":
                continue
            for v in dr.get("Values") or []:
                if isinstance(v, Unknown):
                    if any(ref in bucket.resource.id for ref in v.refs) or (v.text and any(n in v.text for n in names)):
                        return True
                    unknown = True
                    continue
                if not isinstance(v, str):
                    continue
                if v.rstrip("/") in ("arn:aws:s3", "arn:aws:s3:::") or any(v.startswith(f"arn:aws:s3:::{n}/") for n in names):
                    return True
    adv = props.get("AdvancedEventSelectors")
    for sel in adv if isinstance(adv, list) else []:
        fields = {f.get("Field"): f for f in (sel.get("FieldSelectors") or []) if isinstance(f, dict)} if isinstance(sel, dict) else {}
        rtype = fields.get("resources.type", {}).get("Equals") or []
        if "AWS::S3::Object" not in rtype:
            continue
        ro = fields.get("readOnly", {}).get("Equals")
        if ro and str(ro[0]).lower() != ("true" if want == "read" else "false"):
            continue
        arn = fields.get("resources.ARN")
        if not arn:
            return True
        starts = arn.get("StartsWith") or arn.get("Equals") or []
        if any(isinstance(s, str) and any(s.startswith(f"arn:aws:s3:::{n}") for n in names) for s in starts):
            return True
    return None if unknown else False


def _object_logging(want: str) -> Any:
    def check(r: View) -> Any:
        trails = r.peers("AWS::CloudTrail::Trail")
        if not trails and r.source == "aws":
            return Fail("", "the account has no CloudTrail trail")
        if not trails:
            return Unsure("no CloudTrail trail is in the scanned code; object-level logging is configured on trails, "
                          "usually account-wide")
        results = [_covers_bucket(t, r, want) for t in trails]
        if any(x is True for x in results):
            return None
        if any(x is None for x in results):
            return Unsure("a trail's data-event selector could not be evaluated")
        return Fail("BucketName" if r.present("BucketName") else "", f"no trail records object-level {want} events for this bucket")

    return check


for _want, _cis in (("write", "4.8"), ("read", "4.9")):
    rule(f"s3-object-{_want}-logging", title=f"S3 object-level {_want} events are logged by CloudTrail", severity="low",
         types=["AWS::S3::Bucket"], area="detection", category="logging", wa=LOGS, cis=(_cis,),
         needs=["AWS::CloudTrail::Trail"],
         why=f"Object-level {_want} events show who {'read' if _want == 'read' else 'changed or deleted'} which objects, "
             "which is what an investigation of a data breach needs.",
         fix=f"Add a data event selector for AWS::S3::Object ({'ReadOnly' if _want == 'read' else 'WriteOnly'} or All) "
             "covering the bucket.",
         tf='event_selector {\n  read_write_type = "All"\n  data_resource {\n    type   = "AWS::S3::Object"\n    values = ["${aws_s3_bucket.data.arn}/"]\n  }\n}',
         cfn="EventSelectors:\n  - ReadWriteType: All\n    DataResources:\n      - Type: AWS::S3::Object\n        Values: [!Sub '${DataBucket.Arn}/']")(
        _object_logging(_want))


# -- service access logs ----------------------------------------------------------------------------------
@rule("s3-bucket-access-logging", title="S3 bucket has server access logging", severity="low",
      types=["AWS::S3::Bucket"], area="detection", category="logging", wa=LOGS, fsbp=("S3.9",),
      why="Access logs record every request to the bucket, including anonymous and denied ones.",
      fix="Enable server access logging to a dedicated log bucket.",
      tf='resource "aws_s3_bucket_logging" "b" {\n  bucket        = aws_s3_bucket.b.id\n  target_bucket = aws_s3_bucket.access_logs.id\n  target_prefix = "b/"\n}',
      cfn="LoggingConfiguration:\n  DestinationBucketName: !Ref AccessLogsBucket\n  LogFilePrefix: b/")
def s3_access_logging(r: View) -> Any:
    if r.present("LoggingConfiguration.DestinationBucketName") or r.present("LoggingConfiguration"):
        return None
    if is_log_bucket(r):
        return Skip("log destination buckets are not logged to themselves")
    return Fail("LoggingConfiguration", "server access logging is off")


def _lb_attr(r: View, key: str) -> Any:
    for p, a in r.items("LoadBalancerAttributes"):
        if isinstance(a, dict) and a.get("Key") == key:
            return p, a.get("Value")
    return None, None


@rule("elb-access-logging", title="Load balancer access logging is enabled", severity="medium",
      types=["AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancing::LoadBalancer"],
      area="detection", category="logging", wa=LOGS, fsbp=("ELB.5",),
      why="Access logs are the record of who reached the application, from where, and what they asked for.",
      fix="Enable access logs to an S3 bucket.",
      tf='access_logs {\n  bucket  = aws_s3_bucket.lb_logs.id\n  enabled = true\n}',
      cfn="LoadBalancerAttributes:\n  - Key: access_logs.s3.enabled\n    Value: 'true'\n  - Key: access_logs.s3.bucket\n    Value: !Ref LbLogs")
def elb_logging(r: View) -> Any:
    if r.type == "AWS::ElasticLoadBalancing::LoadBalancer":
        if not is_true(r.get("AccessLoggingPolicy.Enabled", False)):
            return Fail("AccessLoggingPolicy", "access logging is off")
        return None
    if str(r.get("Type", "application")) == "gateway":
        return Skip("gateway load balancers have no access logs")
    p, v = _lb_attr(r, "access_logs.s3.enabled")
    if not truthy(v):
        return Fail(p or "LoadBalancerAttributes", "access logging is off", v)
    return None


@rule("cloudfront-access-logging", title="CloudFront distribution has access logging", severity="medium",
      types=["AWS::CloudFront::Distribution"], area="detection", category="logging", wa=LOGS, cis=("4.10",),
      fsbp=("CloudFront.5",), needs=["AWS::Logs::DeliverySource", "AWS::Logs::Delivery"], why="Edge access logs record every viewer request, the first evidence in most web incidents.",
      fix="Enable standard logging (to S3) or a CloudWatch Logs delivery for ACCESS_LOGS.",
      tf='logging_config {\n  bucket = aws_s3_bucket.cdn_logs.bucket_domain_name\n}',
      cfn="DistributionConfig:\n  Logging:\n    Bucket: !GetAtt CdnLogs.DomainName")
def cloudfront_logging(r: View) -> Any:
    if r.present("DistributionConfig.Logging.Bucket") or r.present("DistributionConfig.Logging"):
        return None
    for src in r.related("AWS::Logs::DeliverySource", "ResourceArn"):
        if src.properties.get("LogType") == "ACCESS_LOGS":
            for d in r.peers("AWS::Logs::Delivery"):
                name = d.properties.get("DeliverySourceName")
                if r.inventory.refers_to(name, src, d):
                    return Pass("logs delivered through CloudWatch Logs delivery")
    return Fail("DistributionConfig.Logging", "access logging is off")


@rule("apigateway-access-logging", title="API Gateway stage has access logging", severity="medium",
      types=["AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"], area="detection", category="logging", wa=LOGS,
      cis=("4.10",), fsbp=("APIGateway.1", "APIGateway.9"),
      why="Access logs record the caller, identity and outcome of every API request.",
      fix="Configure access log settings with a destination log group.",
      tf='access_log_settings {\n  destination_arn = aws_cloudwatch_log_group.api.arn\n  format          = jsonencode({ requestId = "$context.requestId", ip = "$context.identity.sourceIp" })\n}',
      cfn="AccessLogSetting:\n  DestinationArn: !GetAtt ApiLogs.Arn\n  Format: $context.requestId $context.identity.sourceIp")
def apigw_logging(r: View) -> Any:
    base = "AccessLogSetting" if r.type == "AWS::ApiGateway::Stage" else "AccessLogSettings"
    if not r.present(f"{base}.DestinationArn"):
        return Fail(f"{base}.DestinationArn" if r.present(base) else base, "access logging has no destination")
    return None


expect("apigateway-xray-tracing", types=["AWS::ApiGateway::Stage"], path="TracingEnabled", ok=is_true, default=False,
       message="X-Ray tracing is off", title="API Gateway stage has X-Ray tracing", severity="low", area="detection",
       category="logging", wa=LOGS, fsbp=("APIGateway.3",),
       why="Traces connect a request to the services it reached, which shortens investigation.",
       fix="Enable X-Ray tracing on the stage.", tf="xray_tracing_enabled = true", cfn="TracingEnabled: true")
expect("lambda-xray-tracing", types=["AWS::Lambda::Function"], path="TracingConfig.Mode", ok=lambda v: v == "Active",
       default="PassThrough", message="active tracing is off", title="Lambda function has X-Ray active tracing",
       severity="low", area="detection", category="logging", wa=LOGS,
       why="Traces show which downstream calls a function made for each invocation.",
       fix="Set tracing mode Active.", tf='tracing_config {\n  mode = "Active"\n}', cfn="TracingConfig:\n  Mode: Active")


@rule("stepfunctions-logging", title="Step Functions state machine logs executions", severity="medium",
      types=["AWS::StepFunctions::StateMachine"], area="detection", category="logging", wa=LOGS,
      fsbp=("StepFunctions.1",), why="Execution logs record inputs, outputs and failures of every workflow run.",
      fix="Set a logging configuration with level ALL or ERROR and a log group destination.",
      tf='logging_configuration {\n  log_destination        = "${aws_cloudwatch_log_group.sfn.arn}:*"\n  include_execution_data = true\n  level                  = "ERROR"\n}',
      cfn="LoggingConfiguration:\n  Level: ERROR\n  Destinations:\n    - CloudWatchLogsLogGroup:\n        LogGroupArn: !GetAtt SfnLogs.Arn")
def sfn_logging(r: View) -> Any:
    level = r.get("LoggingConfiguration.Level", "OFF")
    if str(level).upper() == "OFF":
        return Fail("LoggingConfiguration", "execution logging is off", level)
    return None


expect("stepfunctions-xray-tracing", types=["AWS::StepFunctions::StateMachine"], path="TracingConfiguration.Enabled",
       ok=is_true, default=False, message="X-Ray tracing is off", title="Step Functions state machine has X-Ray tracing",
       severity="low", area="detection", category="logging", wa=LOGS,
       why="Traces follow a workflow across the services it calls.", fix="Enable tracing.",
       tf="tracing_configuration {\n  enabled = true\n}", cfn="TracingConfiguration:\n  Enabled: true")

_EKS_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")


@rule("eks-control-plane-logging", title="EKS control plane logs every log type", severity="medium",
      types=["AWS::EKS::Cluster"], area="detection", category="logging", wa=LOGS, fsbp=("EKS.8",),
      why="The audit and authenticator logs are the only record of who did what inside the cluster.",
      fix="Enable api, audit, authenticator, controllerManager and scheduler logs.",
      tf='enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]',
      cfn="Logging:\n  ClusterLogging:\n    EnabledTypes:\n      - Type: api\n      - Type: audit\n      - Type: authenticator\n      - Type: controllerManager\n      - Type: scheduler")
def eks_logging(r: View) -> Any:
    enabled = {t.get("Type") if isinstance(t, dict) else t for _, t in r.items("Logging.ClusterLogging.EnabledTypes")}
    missing = [t for t in _EKS_TYPES if t not in enabled]
    if missing:
        return Fail("Logging.ClusterLogging.EnabledTypes" if enabled else "Logging", f"missing log types: {', '.join(missing)}")
    return None


def _exports(id: str, types: tuple[str, ...], needed: tuple[str, ...], title: str, fsbp: tuple[str, ...], tf: str, cfn: str,
             applies: Any = None) -> None:
    @rule(id, title=title, severity="medium", types=types, area="detection", category="logging", wa=LOGS, fsbp=fsbp,
          why="Database logs exported to CloudWatch Logs survive the instance and can be searched and alarmed on.",
          fix=f"Export {' or '.join(needed) if needed else 'the engine logs'} to CloudWatch Logs.", tf=tf, cfn=cfn)
    def check(r: View) -> Any:
        if applies is not None and not applies(r):
            return Skip()
        exports = r.get("EnableCloudwatchLogsExports") or []
        exports = exports if isinstance(exports, list) else [exports]
        if not exports or (needed and not any(x in needed for x in exports)):
            return Fail("EnableCloudwatchLogsExports", f"no {' or '.join(needed) or 'log'} export is enabled", exports or None)
        return None


_exports("rds-log-exports", ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster"), (), "RDS exports database logs to CloudWatch Logs",
         ("RDS.9", "RDS.34", "RDS.36", "RDS.37"), 'enabled_cloudwatch_logs_exports = ["audit", "error", "general", "slowquery"]',
         "EnableCloudwatchLogsExports: [audit, error, general, slowquery]",
         applies=lambda r: r.type == "AWS::RDS::DBCluster" or not r.present("DBClusterIdentifier"))
_exports("docdb-log-exports", ("AWS::DocDB::DBCluster",), ("audit", "profiler"), "DocumentDB exports audit or profiler logs",
         ("DocumentDB.4",), 'enabled_cloudwatch_logs_exports = ["audit", "profiler"]', "EnableCloudwatchLogsExports: [audit, profiler]")
_exports("neptune-audit-log-export", ("AWS::Neptune::DBCluster",), ("audit",), "Neptune exports audit logs",
         ("Neptune.2",), 'enable_cloudwatch_logs_exports = ["audit"]', "EnableCloudwatchLogsExports: [audit]")
_exports("rds-aurora-mysql-audit-log", ("AWS::RDS::DBCluster",), ("audit",), "Aurora MySQL clusters export audit logs",
         ("RDS.45",), 'enabled_cloudwatch_logs_exports = ["audit"]', "EnableCloudwatchLogsExports: [audit]",
         applies=lambda r: str(r.get("Engine", "")).lower() == "aurora-mysql")


def _search_log(r: View, kind: str) -> Any:
    opt = r.get(f"LogPublishingOptions.{kind}")
    if not isinstance(opt, dict) or not is_true(opt.get("Enabled", False)):
        return Fail(f"LogPublishingOptions.{kind}" if opt else "LogPublishingOptions", f"{kind} are not published", opt)
    return None


rule("opensearch-audit-logging", title="OpenSearch domain publishes audit logs", severity="medium",
     types=["AWS::Elasticsearch::Domain", "AWS::OpenSearchService::Domain"], area="detection", category="logging",
     wa=LOGS, fsbp=("ES.5", "Opensearch.5"), why="Audit logs record who read and changed which indices.",
     fix="Publish AUDIT_LOGS to CloudWatch Logs (requires fine-grained access control).",
     tf='log_publishing_options {\n  log_type                 = "AUDIT_LOGS"\n  cloudwatch_log_group_arn = aws_cloudwatch_log_group.search_audit.arn\n}',
     cfn="LogPublishingOptions:\n  AUDIT_LOGS:\n    Enabled: true\n    CloudWatchLogsLogGroupArn: !GetAtt SearchAudit.Arn")(
    lambda r: _search_log(r, "AUDIT_LOGS"))
rule("opensearch-error-logging", title="OpenSearch domain publishes error logs", severity="low",
     types=["AWS::Elasticsearch::Domain", "AWS::OpenSearchService::Domain"], area="detection", category="logging",
     wa=LOGS, fsbp=("ES.4", "Opensearch.4"), why="Error logs show failed and malformed requests against the domain.",
     fix="Publish ES_APPLICATION_LOGS to CloudWatch Logs.",
     tf='log_publishing_options {\n  log_type                 = "ES_APPLICATION_LOGS"\n  cloudwatch_log_group_arn = aws_cloudwatch_log_group.search.arn\n}',
     cfn="LogPublishingOptions:\n  ES_APPLICATION_LOGS:\n    Enabled: true\n    CloudWatchLogsLogGroupArn: !GetAtt SearchLogs.Arn")(
    lambda r: _search_log(r, "ES_APPLICATION_LOGS"))


@rule("mq-audit-logging", title="Amazon MQ broker publishes audit logs", severity="medium", types=["AWS::AmazonMQ::Broker"],
      area="detection", category="logging", wa=LOGS, fsbp=("MQ.2",),
      why="Audit logs record management actions taken through the broker console, JMX and the API.",
      fix="Enable audit logging (ActiveMQ).", tf="logs {\n  audit = true\n}", cfn="Logs:\n  Audit: true")
def mq_audit(r: View) -> Any:
    if str(r.get("EngineType", "ACTIVEMQ")).upper() == "RABBITMQ":
        return Skip("RabbitMQ brokers have no audit log")
    if not is_true(r.get("Logs.Audit", False)):
        return Fail("Logs.Audit" if r.present("Logs") else "Logs", "audit logging is off", r.get("Logs.Audit"))
    return None


expect("mq-general-logging", types=["AWS::AmazonMQ::Broker"], path="Logs.General", ok=is_true, default=False,
       message="general logging is off", title="Amazon MQ broker publishes general logs", severity="low",
       area="detection", category="logging", wa=LOGS, why="General logs record connections and broker events.",
       fix="Enable general logging.", tf="logs {\n  general = true\n}", cfn="Logs:\n  General: true")


@rule("msk-broker-logging", title="MSK brokers publish logs", severity="medium", types=["AWS::MSK::Cluster"],
      area="detection", category="logging", wa=LOGS, fsbp=("MSK.5",),
      why="Broker logs record client connections, authentication failures and errors.",
      fix="Deliver broker logs to CloudWatch Logs, Firehose or S3.",
      tf='logging_info {\n  broker_logs {\n    cloudwatch_logs {\n      enabled   = true\n      log_group = aws_cloudwatch_log_group.msk.name\n    }\n  }\n}',
      cfn="LoggingInfo:\n  BrokerLogs:\n    CloudWatchLogs:\n      Enabled: true\n      LogGroup: !Ref MskLogs")
def msk_logging(r: View) -> Any:
    for dest in ("CloudWatchLogs", "Firehose", "S3"):
        if is_true(r.get(f"LoggingInfo.BrokerLogs.{dest}.Enabled", False)):
            return None
    return Fail("LoggingInfo", "no broker log destination is enabled")


@rule("redshift-audit-logging", title="Redshift cluster has audit logging", severity="medium",
      types=["AWS::Redshift::Cluster"], area="detection", category="logging", wa=LOGS, fsbp=("Redshift.4",),
      why="Audit logs record connections, users and queries.", fix="Enable audit logging to S3 or CloudWatch Logs.",
      tf='logging {\n  enable        = true\n  bucket_name   = aws_s3_bucket.redshift_logs.id\n}',
      cfn="LoggingProperties:\n  BucketName: !Ref RedshiftLogs")
def redshift_logging(r: View) -> Any:
    if r.present("LoggingProperties") and r.get("LoggingProperties.Enabled", True) is not False:
        return None
    return Fail("LoggingProperties", "audit logging is off")


expect("rds-performance-insights", types=["AWS::RDS::DBInstance"], path="EnablePerformanceInsights", ok=is_true,
       default=False, message="Performance Insights is off", title="RDS Performance Insights is enabled",
       severity="low", area="detection", category="logging", wa=LOGS, optional=True,
       why="Performance Insights shows which queries and users load the database, which helps tell an attack from a spike.",
       fix="Enable Performance Insights with a customer managed key.",
       tf="performance_insights_enabled    = true\nperformance_insights_kms_key_id = aws_kms_key.rds.arn",
       cfn="EnablePerformanceInsights: true\nPerformanceInsightsKMSKeyId: !Ref RdsKey")
expect("ecs-container-insights", types=["AWS::ECS::Cluster"], path="ClusterSettings",
       ok=lambda v: any(isinstance(s, dict) and s.get("Name") == "containerInsights" and s.get("Value") in ("enabled", "enhanced")
                        for s in (v if isinstance(v, list) else [v])),
       default=[], message="Container Insights is off", title="ECS cluster has Container Insights", severity="low",
       area="detection", category="logging", wa=LOGS, fsbp=("ECS.12",),
       why="Container Insights collects the metrics and events that show unusual task behaviour.",
       fix="Enable the containerInsights cluster setting.", tf='setting {\n  name  = "containerInsights"\n  value = "enabled"\n}',
       cfn="ClusterSettings:\n  - Name: containerInsights\n    Value: enabled")


# -- network and detective services ------------------------------------------------------------------------
@rule("vpc-flow-logs", title="VPC flow logs are enabled", severity="medium", types=["AWS::EC2::VPC"], area="detection",
      needs=["AWS::EC2::FlowLog"],
      category="logging", wa=("SEC04-BP01", "SEC04-BP02", "SEC09-BP03"), cis=("4.7",), fsbp=("EC2.6",),
      why="Flow logs are the record of which hosts talked to which, the first thing an investigation of lateral "
          "movement or exfiltration needs.",
      fix="Add a flow log for the VPC (traffic type ALL or REJECT).",
      tf='resource "aws_flow_log" "vpc" {\n  vpc_id          = aws_vpc.main.id\n  traffic_type    = "ALL"\n  log_destination = aws_cloudwatch_log_group.flow.arn\n  iam_role_arn    = aws_iam_role.flow.arn\n}',
      cfn="FlowLog:\n  Type: AWS::EC2::FlowLog\n  Properties:\n    ResourceId: !Ref Vpc\n    ResourceType: VPC\n    TrafficType: ALL\n    LogDestinationType: cloud-watch-logs\n    LogGroupName: !Ref FlowLogs\n    DeliverLogsPermissionArn: !GetAtt FlowRole.Arn")
def vpc_flow_logs(r: View) -> Any:
    if r.related("AWS::EC2::FlowLog", "ResourceId") or r.related("AWS::EC2::FlowLog", "ResourceIds"):
        return None
    return Fail("", "no flow log covers this VPC")


@rule("guardduty-detector-enabled", title="GuardDuty detector is enabled", severity="high",
      types=["AWS::GuardDuty::Detector"], area="detection", category="logging", wa=("SEC04-BP01", "SEC05-BP03"),
      fsbp=("GuardDuty.1",), why="GuardDuty is the managed threat detection for API, network and DNS activity.",
      fix="Enable the detector.", tf="enable = true", cfn="Enable: true")
def guardduty(r: View) -> Any:
    if not is_true(r.get("Enable", False)):
        return Fail("Enable", "the detector is disabled", r.get("Enable"))
    return None


expect("securityhub-default-standards", types=["AWS::SecurityHub::Hub"], path="EnableDefaultStandards", ok=is_true,
       default=True, message="the hub is enabled without its default security standards",
       title="Security Hub runs its default standards", severity="medium", area="detection", category="logging",
       wa=("SEC04-BP02", "SEC04-BP04"), cis=("5.16",),
       why="A hub without standards collects other services' findings but checks nothing itself (FSBP and CIS are "
           "its default standards).",
       fix="Enable the default standards (or subscribe to the ones you need explicitly).",
       tf='resource "aws_securityhub_account" "this" {\n  enable_default_standards = true\n}',
       cfn="Hub:\n  Type: AWS::SecurityHub::Hub\n  Properties:\n    EnableDefaultStandards: true")


@rule("config-recorder-all-resources", title="AWS Config records every resource type", severity="medium",
      types=["AWS::Config::ConfigurationRecorder"], area="detection", category="logging", wa=("SEC04-BP02",),
      cis=("4.3",), fsbp=("Config.1",),
      why="Config's history of every resource's configuration is the baseline for drift and incident timelines.",
      fix="Record all supported resource types, global ones included, and keep the recorder on.",
      tf='recording_group {\n  all_supported                 = true\n  include_global_resource_types = true\n}',
      cfn="RecordingGroup:\n  AllSupported: true\n  IncludeGlobalResourceTypes: true")
def config_recorder(r: View) -> Any:
    fails = []
    if r.get("IsRecording") is False:
        fails.append(Fail("IsRecording", "the recorder is stopped", False))
    if r.present("RecordingGroup") and not is_true(r.get("RecordingGroup.AllSupported", True)):
        fails.append(Fail("RecordingGroup.AllSupported", "only some resource types are recorded", r.get("RecordingGroup.AllSupported")))
    return fails


@rule("config-aggregator-all-regions", title="AWS Config aggregator covers all regions", severity="low",
      types=["AWS::Config::ConfigurationAggregator"], area="detection", category="logging", wa=("SEC04-BP02",),
      why="An aggregator limited to some regions hides resources created elsewhere.",
      fix="Set all_regions = true on every aggregation source.", tf="all_regions = true", cfn="AllAwsRegions: true")
def aggregator(r: View) -> Any:
    sources = [(p, s) for p, s in r.items("AccountAggregationSources")]
    if r.present("OrganizationAggregationSource"):
        sources.append(("OrganizationAggregationSource", r.get("OrganizationAggregationSource")))
    if not sources:
        return Fail("", "the aggregator has no aggregation source")
    return [Fail(f"{p}.AllAwsRegions", "only listed regions are aggregated", s.get("AwsRegions"))
            for p, s in sources if isinstance(s, dict) and not is_true(s.get("AllAwsRegions", False))]


def _statement_logging(r: View, path: str, group_type: str) -> Any:
    """Fail when the parameter group at ``path`` leaves PostgreSQL's statement logging off (log_statement none and no
    log_min_duration_statement)."""
    found = group_parameter(r, path, group_type, "log_statement")
    if isinstance(found, Unsure):
        return found
    value, group = found
    duration = None if group is None else parameters(group).get("log_min_duration_statement")
    logged = str(value or "none").strip().lower() in ("ddl", "mod", "all")
    try:
        timed = duration is not None and int(str(duration)) >= 0
    except ValueError:
        timed = False
    if not (logged or timed):
        where = "the default parameter group" if group is None else f"parameter group {group.id}"
        return Fail(r.nearest(path), f"{where} logs no statements (log_statement none)")
    return None


_STATEMENTS_WHY = ("PostgreSQL logs no statement by default: without log_statement (ddl at least) or a duration "
                   "threshold, who dropped a table or granted a role is not recorded anywhere.")


@rule("rds-postgres-statement-logging", title="RDS for PostgreSQL logs statements", severity="low",
      types=["AWS::RDS::DBInstance"], needs=["AWS::RDS::DBParameterGroup"], area="detection", category="logging",
      wa=LOGS, optional=True, why=_STATEMENTS_WHY,
      fix="Set log_statement to ddl (or mod) in the instance's parameter group, and export the postgresql log.",
      tf='parameter {\n  name  = "log_statement"\n  value = "ddl"\n}',
      cfn="Parameters:\n  log_statement: ddl")
def postgres_statement_logging(r: View) -> Any:
    if str(r.get("Engine") or "").lower() != "postgres" or r.present("DBClusterIdentifier"):
        return Skip("not an RDS for PostgreSQL instance")
    return _statement_logging(r, "DBParameterGroupName", "AWS::RDS::DBParameterGroup")


@rule("rds-aurora-postgres-statement-logging", title="Aurora PostgreSQL clusters log statements", severity="low",
      types=["AWS::RDS::DBCluster"], needs=["AWS::RDS::DBClusterParameterGroup"], area="detection",
      category="logging", wa=LOGS, optional=True, why=_STATEMENTS_WHY,
      scope="code",  # the live path does not read cluster parameter groups of Aurora
      fix="Set log_statement to ddl (or mod) in the cluster parameter group, and export the postgresql log.",
      tf='resource "aws_rds_cluster_parameter_group" "audit" {\n  family = "aurora-postgresql16"\n  parameter {\n'
         '    name  = "log_statement"\n    value = "ddl"\n  }\n}',
      cfn="Type: AWS::RDS::DBClusterParameterGroup\nProperties:\n  Family: aurora-postgresql16\n  Parameters:\n"
          "    log_statement: ddl")
def aurora_statement_logging(r: View) -> Any:
    if str(r.get("Engine") or "").lower() != "aurora-postgresql":
        return Skip("not an Aurora PostgreSQL cluster")
    return _statement_logging(r, "DBClusterParameterGroupName", "AWS::RDS::DBClusterParameterGroup")
