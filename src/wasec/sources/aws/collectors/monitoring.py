"""Detection: CloudTrail trails with their status and selectors, log groups, AWS Config, GuardDuty,
Security Hub, IAM Access Analyzer and the account's security contact."""

from __future__ import annotations

from typing import Any

from wasec.model.resource import Resource
from wasec.model.values import Unknown
from wasec.sources.aws.api import CallError
from wasec.sources.aws.spec import Ctx, collector, known


@collector("cloudtrail", types=["AWS::CloudTrail::Trail"], calls=["DescribeTrails", "GetTrailStatus", "GetEventSelectors"])
def trails(ctx: Ctx) -> list[Resource]:
    # trails homed in this region (a multi-region trail is listed once, in its home region)
    listed = (ctx.call("DescribeTrails", includeShadowTrails=False) or {}).get("trailList") or []

    def one(t: dict[str, Any]) -> Resource:
        arn = t.get("TrailARN") or ctx.arn("cloudtrail", f"trail/{t['Name']}")
        status = ctx.item("GetTrailStatus", Name=arn)
        sel = ctx.item("GetEventSelectors", TrailName=arn)
        props: dict[str, Any] = {
            "TrailName": t["Name"], "S3BucketName": t.get("S3BucketName"), "S3KeyPrefix": t.get("S3KeyPrefix"),
            "IsLogging": known(status, "IsLogging"), "IsMultiRegionTrail": bool(t.get("IsMultiRegionTrail")),
            "IncludeGlobalServiceEvents": bool(t.get("IncludeGlobalServiceEvents")),
            "EnableLogFileValidation": bool(t.get("LogFileValidationEnabled")), "KMSKeyId": t.get("KmsKeyId"),
            "CloudWatchLogsLogGroupArn": t.get("CloudWatchLogsLogGroupArn"),
            "CloudWatchLogsRoleArn": t.get("CloudWatchLogsRoleArn"), "SnsTopicName": t.get("SnsTopicName"),
            "IsOrganizationTrail": bool(t.get("IsOrganizationTrail")), "HomeRegion": t.get("HomeRegion"),
        }
        if isinstance(sel, Unknown):
            props["EventSelectors"] = props["AdvancedEventSelectors"] = sel
        elif sel:
            if sel.get("EventSelectors"):
                props["EventSelectors"] = sel["EventSelectors"]
            if sel.get("AdvancedEventSelectors"):
                props["AdvancedEventSelectors"] = sel["AdvancedEventSelectors"]
        return ctx.resource("AWS::CloudTrail::Trail", t["Name"], props, arn=arn, names=[t["Name"]])

    return ctx.map(one, [t for t in listed if t.get("HomeRegion", ctx.region) == ctx.region])


@collector("logs", types=["AWS::Logs::LogGroup"], calls=["DescribeLogGroups"])
def log_groups(ctx: Ctx) -> list[Resource]:
    out = []
    for g in ctx.pages("DescribeLogGroups", "logGroups"):
        name = g["logGroupName"]
        arn = str(g.get("arn") or ctx.arn("logs", f"log-group:{name}:*"))
        out.append(ctx.resource("AWS::Logs::LogGroup", name, {
            "LogGroupName": name, "RetentionInDays": g.get("retentionInDays"), "KmsKeyId": g.get("kmsKeyId"),
        }, arn=arn.removesuffix(":*"), names=[name, arn]))
    return out


@collector("logs", types=["AWS::Logs::DeliverySource", "AWS::Logs::Delivery"],
           calls=["DescribeDeliverySources", "DescribeDeliveries"])
def deliveries(ctx: Ctx) -> list[Resource]:
    """CloudWatch Logs deliveries: how CloudFront and other services send logs without legacy logging settings."""
    out = []
    for s in ctx.pages("DescribeDeliverySources", "deliverySources"):
        arns = s.get("resourceArns") or []
        out.append(ctx.resource("AWS::Logs::DeliverySource", s["name"], {
            "Name": s["name"], "ResourceArn": arns[0] if len(arns) == 1 else arns, "LogType": s.get("logType"),
        }, arn=s.get("arn")))
    for d in ctx.pages("DescribeDeliveries", "deliveries"):
        out.append(ctx.resource("AWS::Logs::Delivery", d["id"], {
            "DeliverySourceName": d.get("deliverySourceName"), "DeliveryDestinationArn": d.get("deliveryDestinationArn"),
        }, arn=d.get("arn")))
    return out


@collector("config", types=["AWS::Config::ConfigurationRecorder"],
           calls=["DescribeConfigurationRecorders", "DescribeConfigurationRecorderStatus"])
def config_recorders(ctx: Ctx) -> list[Resource]:
    recorders = (ctx.call("DescribeConfigurationRecorders") or {}).get("ConfigurationRecorders") or []
    if not recorders:
        return []
    status = {s.get("name"): s for s in (ctx.call("DescribeConfigurationRecorderStatus") or {})
              .get("ConfigurationRecordersStatus") or []}
    return [ctx.resource("AWS::Config::ConfigurationRecorder", r["name"], {
        "Name": r["name"], "RoleARN": r.get("roleARN"),
        "RecordingGroup": {"AllSupported": bool((r.get("recordingGroup") or {}).get("allSupported", True)),
                           "IncludeGlobalResourceTypes": bool((r.get("recordingGroup") or {}).get("includeGlobalResourceTypes"))},
        "IsRecording": bool(status.get(r["name"], {}).get("recording")),
        "LastStatus": status.get(r["name"], {}).get("lastStatus"),
    }, arn=ctx.arn("config", f"config-recorder/{r['name']}")) for r in recorders]


@collector("config", types=["AWS::Config::ConfigurationAggregator"], calls=["DescribeConfigurationAggregators"])
def config_aggregators(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::Config::ConfigurationAggregator", a["ConfigurationAggregatorName"], {
        "ConfigurationAggregatorName": a["ConfigurationAggregatorName"],
        "AccountAggregationSources": a.get("AccountAggregationSources") or [],
        **({"OrganizationAggregationSource": a["OrganizationAggregationSource"]}
           if a.get("OrganizationAggregationSource") else {}),
    }, arn=a.get("ConfigurationAggregatorArn"))
        for a in ctx.pages("DescribeConfigurationAggregators", "ConfigurationAggregators")]


@collector("guardduty", types=["AWS::GuardDuty::Detector"], calls=["ListDetectors", "GetDetector"])
def detectors(ctx: Ctx) -> list[Resource]:
    def one(did: str) -> Resource:
        d = ctx.item("GetDetector", DetectorId=did)
        status = known(d, "Status")
        return ctx.resource("AWS::GuardDuty::Detector", did, {
            "Enable": status if isinstance(status, Unknown) else status == "ENABLED",
            "FindingPublishingFrequency": known(d, "FindingPublishingFrequency"),
            "Features": known(d, "Features"),
        }, arn=ctx.arn("guardduty", f"detector/{did}"))

    return ctx.map(one, ctx.pages("ListDetectors", "DetectorIds"))


@collector("securityhub", types=["AWS::SecurityHub::Hub"], calls=["DescribeHub", "GetEnabledStandards"])
def hub(ctx: Ctx) -> list[Resource]:
    # an account that never enabled Security Hub answers InvalidAccessException ("not subscribed")
    h = ctx.call("DescribeHub", absent=("InvalidAccessException", "ResourceNotFoundException"))
    if h is None:
        return []
    standards = ctx.item("GetEnabledStandards")
    subs = known(standards, "StandardsSubscriptions")
    return [ctx.resource("AWS::SecurityHub::Hub", str(h.get("HubArn")), {
        "EnableDefaultStandards": subs if isinstance(subs, Unknown) else bool(subs),
        "EnabledStandards": subs if isinstance(subs, Unknown) else [s.get("StandardsArn") for s in subs or ()],
        "AutoEnableControls": h.get("AutoEnableControls"),
    }, arn=h.get("HubArn"))]


@collector("accessanalyzer", types=["AWS::AccessAnalyzer::Analyzer"], calls=["ListAnalyzers"])
def analyzers(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::AccessAnalyzer::Analyzer", a["name"], {
        "AnalyzerName": a["name"], "Type": a.get("type"), "Status": a.get("status"),
    }, arn=a.get("arn")) for a in ctx.pages("ListAnalyzers", "analyzers")]


@collector("macie2", types=["AWS::Macie::Session"], calls=["GetMacieSession"])
def macie_session(ctx: Ctx) -> list[Resource]:
    # an account (region) where Macie is off answers "not enabled" (AccessDenied) or ResourceNotFound
    try:
        s = ctx.call("GetMacieSession", absent=("ResourceNotFoundException",))
    except CallError as e:
        if not (e.code == "AccessDeniedException" and "not enabled" in e.message.lower()):
            raise
        s = None
    return [ctx.resource("AWS::Macie::Session", f"{ctx.account}/{ctx.region}/macie", {
        "Status": str((s or {}).get("status") or "DISABLED").upper(),
        "FindingPublishingFrequency": (s or {}).get("findingPublishingFrequency"),
    }, arn=ctx.arn("macie2", "session"))]


@collector("inspector2", types=["Wasec::Inspector2::Enabler"], calls=["BatchGetAccountStatus"])
def inspector(ctx: Ctx) -> list[Resource]:
    answer = ctx.call("BatchGetAccountStatus", accountIds=[ctx.account])
    accounts = (answer or {}).get("accounts") or []
    state = (accounts[0].get("resourceState") or {}) if accounts else {}
    names = {"ec2": "EC2", "ecr": "ECR", "lambda": "LAMBDA", "lambdaCode": "LAMBDA_CODE"}
    enabled = [names[k] for k, v in state.items() if k in names and (v or {}).get("status") == "ENABLED"]
    return [ctx.resource("Wasec::Inspector2::Enabler", f"{ctx.account}/{ctx.region}/inspector", {
        "AccountIds": [ctx.account], "ResourceTypes": enabled,
    }, arn=ctx.arn("inspector2", "account"))]


@collector("account", scope="global", types=["Wasec::Account::SecurityContact"], calls=["GetAlternateContact"])
def security_contact(ctx: Ctx) -> list[Resource]:
    answer = ctx.call("GetAlternateContact", absent=("ResourceNotFoundException",), AlternateContactType="SECURITY")
    contact = (answer or {}).get("AlternateContact")
    if not contact:
        return []
    # only whether it is set: the contact's name and address stay out of the inventory
    return [ctx.resource("Wasec::Account::SecurityContact", f"{ctx.account}/security-contact", {
        "EmailAddressSet": bool(contact.get("EmailAddress")),
    }, region=None)]
