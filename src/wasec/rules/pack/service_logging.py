"""Service and application logs (SEC04-BP01): query engines, builds and DNS record what they do."""

from __future__ import annotations

from typing import Any

from wasec.rules.pack._common import expect, is_true
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
