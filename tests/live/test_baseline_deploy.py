"""Every CloudFormation baseline deploys to the emulator, and a live `wasec scan aws` of the account has no FAIL
for any resource the stack made.

The emulator's CloudFormation creates what it supports and skips the rest (it logs "No Moto CloudFormation
support"), and for S3 buckets it applies only the encryption. What it skips is listed in SKIPPED and
applied here through the services' own APIs, with the template's values (intrinsics resolved against the
stack): CloudFormation would have made exactly those calls. IAM Access Analyzer has no emulator at all, so
its analyzer is neither made nor judged. The VPC's custom resource (a Lambda function, which the emulator
cannot run) is run here by calling its handler from the template with a real CloudFormation request.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import yaml

from tests.live.conftest import as_account
from wasec.foundations.baselines import blocks, files
from wasec.model.finding import Status
from wasec.scanning import ScanOptions, scan_aws
from wasec.sources.aws import AwsOptions

REGION = "us-east-1"
ACCOUNT = "310000000000"
# distinct live rules that must pass on each block's resources (so a scan that judged nothing cannot pass)
MIN_PASSED = {"s3-bucket": 15, "kms-key": 3, "vpc": 8, "log-archive": 20, "detective": 3}


class _Loader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !Sub …) read as their long form."""


def _tag(loader: _Loader, suffix: str, node: yaml.Node) -> Any:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_Loader.add_multi_constructor("!", _tag)


class Stack:
    """A stack made by the emulator's CloudFormation, and the template's values resolved against it."""

    def __init__(self, session: Any, name: str, text: str, params: dict[str, str]) -> None:
        self.session, self.template = session, yaml.load(text, Loader=_Loader)
        cf = session.client("cloudformation")
        cf.create_stack(StackName=name, TemplateBody=text, Capabilities=["CAPABILITY_IAM"],
                        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()])
        assert cf.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
        self.physical = {r["LogicalResourceId"]: r["PhysicalResourceId"]
                         for r in cf.list_stack_resources(StackName=name)["StackResourceSummaries"]
                         if r["LogicalResourceId"]}
        self.account = session.client("sts").get_caller_identity()["Account"]
        self.params = {k: str(v.get("Default", "")) for k, v in self.template.get("Parameters", {}).items()} | params
        self.pseudo = {"AWS::AccountId": self.account, "AWS::Region": REGION, "AWS::Partition": "aws"}
        self.conditions = {k: self.value(v) for k, v in self.template.get("Conditions", {}).items()}

    def resources(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        for lid, r in self.template["Resources"].items():
            if "Condition" not in r or self.conditions[r["Condition"]]:
                yield lid, r["Type"], self.value(r.get("Properties", {}))

    def arn(self, lid: str) -> str:
        t, pid = self.template["Resources"][lid]["Type"], self.physical.get(lid, "")
        return {"AWS::S3::Bucket": f"arn:aws:s3:::{pid}",
                "AWS::KMS::Key": f"arn:aws:kms:{REGION}:{self.account}:key/{pid}",
                "AWS::Logs::LogGroup": f"arn:aws:logs:{REGION}:{self.account}:log-group:{pid}:*",
                "AWS::IAM::Role": f"arn:aws:iam::{self.account}:role/{pid}",
                "AWS::Lambda::Function": f"arn:aws:lambda:{REGION}:{self.account}:function:{lid}"}[t]

    def value(self, v: Any) -> Any:
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if not isinstance(v, dict):
            return v
        if len(v) != 1 or not (next(iter(v)) == "Ref" or next(iter(v)).startswith("Fn::")):
            return {k: self.value(x) for k, x in v.items()}
        fn, arg = next(iter(v.items()))
        if fn == "Ref":
            return self.pseudo.get(arg) or self.params.get(arg) or self.physical.get(arg, arg)
        if fn == "Fn::GetAtt":
            return self.arn(arg[0])
        if fn == "Fn::Sub":
            text, extra = (arg, {}) if isinstance(arg, str) else (arg[0], self.value(arg[1]))

            def one(name: str) -> str:
                if name in extra:
                    return str(extra[name])
                if "." in name:
                    return self.arn(name.split(".")[0])
                return str(self.value({"Ref": name}))

            return re.sub(r"\$\{([^}!]+)\}", lambda m: one(m.group(1)), text)
        if fn == "Fn::If":
            return self.value(arg[1] if self.conditions[arg[0]] else arg[2])
        if fn == "Fn::Equals":
            return self.value(arg[0]) == self.value(arg[1])
        if fn == "Fn::FindInMap":
            return self.template["Mappings"][arg[0]][self.value(arg[1])][arg[2]]
        if fn == "Fn::Join":
            return arg[0].join(str(x) for x in self.value(arg[1]))
        if fn == "Fn::Select":
            return self.value(arg[1])[int(arg[0])]
        if fn == "Fn::GetAZs":
            return [f"{REGION}{z}" for z in "abc"]
        raise AssertionError(f"intrinsic {fn} not handled here")


def _bucket(s: Stack, lid: str, p: dict[str, Any]) -> None:
    c, b = s.session.client("s3"), s.physical[lid]
    c.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration=p["PublicAccessBlockConfiguration"])
    c.put_bucket_ownership_controls(Bucket=b, OwnershipControls=p["OwnershipControls"])
    c.put_bucket_versioning(Bucket=b, VersioningConfiguration=p["VersioningConfiguration"])
    rules = []
    for r in p["LifecycleConfiguration"]["Rules"]:
        rule: dict[str, Any] = {"ID": r["Id"], "Status": r["Status"], "Filter": {}}
        if "ExpirationInDays" in r:
            rule["Expiration"] = {"Days": int(r["ExpirationInDays"])}
        if "NoncurrentVersionExpiration" in r:
            rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(r["NoncurrentVersionExpiration"]["NoncurrentDays"])}
        if "Transitions" in r:
            rule["Transitions"] = [{"Days": int(t["TransitionInDays"]), "StorageClass": t["StorageClass"]} for t in r["Transitions"]]
        if "AbortIncompleteMultipartUpload" in r:
            rule["AbortIncompleteMultipartUpload"] = r["AbortIncompleteMultipartUpload"]
        rules.append(rule)
    c.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": rules})
    if "LoggingConfiguration" in p:
        c.put_bucket_logging(Bucket=b, BucketLoggingStatus={"LoggingEnabled": {
            "TargetBucket": p["LoggingConfiguration"]["DestinationBucketName"],
            "TargetPrefix": p["LoggingConfiguration"]["LogFilePrefix"]}})
    if "ObjectLockConfiguration" in p:
        days = int(p["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]["Days"])
        c.put_object_lock_configuration(Bucket=b, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": {
            "DefaultRetention": {"Mode": p["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]["Mode"], "Days": days}}})


def _trail(s: Stack, lid: str, p: dict[str, Any]) -> None:
    c = s.session.client("cloudtrail")
    c.create_trail(Name=p["TrailName"], S3BucketName=p["S3BucketName"], KmsKeyId=p["KMSKeyId"],
                   IsMultiRegionTrail=p["IsMultiRegionTrail"], IncludeGlobalServiceEvents=p["IncludeGlobalServiceEvents"],
                   EnableLogFileValidation=p["EnableLogFileValidation"], CloudWatchLogsLogGroupArn=p["CloudWatchLogsLogGroupArn"],
                   CloudWatchLogsRoleArn=p["CloudWatchLogsRoleArn"])
    c.put_event_selectors(TrailName=p["TrailName"], EventSelectors=p["EventSelectors"])
    if p["IsLogging"]:
        c.start_logging(Name=p["TrailName"])
    s.physical[lid] = p["TrailName"]


def _detector(s: Stack, lid: str, p: dict[str, Any]) -> None:
    s.physical[lid] = s.session.client("guardduty").create_detector(
        Enable=p["Enable"], FindingPublishingFrequency=p["FindingPublishingFrequency"], Features=p["Features"])["DetectorId"]


def _key(s: Stack, lid: str, p: dict[str, Any]) -> None:
    c = s.session.client("kms")  # AWS keeps the key policy as JSON text; the emulator's CloudFormation kept an object
    c.put_key_policy(KeyId=s.physical[lid], PolicyName="default", Policy=json.dumps(p["KeyPolicy"]))
    if p.get("EnableKeyRotation"):
        c.enable_key_rotation(KeyId=s.physical[lid], RotationPeriodInDays=int(p.get("RotationPeriodInDays", 365)))


def _log_group(s: Stack, lid: str, p: dict[str, Any]) -> None:
    c = s.session.client("logs")  # CloudFormation's CreateLogGroup call, with the key (the emulator has no AssociateKmsKey)
    c.delete_log_group(logGroupName=p["LogGroupName"])
    c.create_log_group(logGroupName=p["LogGroupName"], kmsKeyId=p["KmsKeyId"])
    c.put_retention_policy(logGroupName=p["LogGroupName"], retentionInDays=int(p["RetentionInDays"]))


def _hub(s: Stack, lid: str, p: dict[str, Any]) -> None:
    s.session.client("securityhub").enable_security_hub(EnableDefaultStandards=p["EnableDefaultStandards"],
                                                        ControlFindingGenerator=p["ControlFindingGenerator"])


def _recorder(s: Stack, lid: str, p: dict[str, Any]) -> None:
    g = p["RecordingGroup"]
    s.session.client("config").put_configuration_recorder(ConfigurationRecorder={
        "name": p["Name"], "roleARN": p["RoleARN"], "recordingGroup": {
            "allSupported": g["AllSupported"], "includeGlobalResourceTypes": g["IncludeGlobalResourceTypes"]}})


def _channel(s: Stack, lid: str, p: dict[str, Any]) -> None:
    c = s.session.client("config")
    c.put_delivery_channel(DeliveryChannel={"name": p["Name"], "s3BucketName": p["S3BucketName"]})
    c.start_configuration_recorder(ConfigurationRecorderName="default")  # CloudFormation starts it with its channel


def _linked_role(s: Stack, lid: str, p: dict[str, Any]) -> None:
    s.session.client("iam").create_service_linked_role(AWSServiceName=p["AWSServiceName"])


def _bucket_policy(s: Stack, lid: str, p: dict[str, Any]) -> None:
    s.session.client("s3").put_bucket_policy(Bucket=p["Bucket"], Policy=json.dumps(p["PolicyDocument"]))


# what the emulator's CloudFormation skips, and the calls CloudFormation makes instead
SKIPPED: dict[str, Callable[[Stack, str, dict[str, Any]], None] | None] = {
    "AWS::S3::Bucket": _bucket,  # made, but only BucketEncryption applied
    "AWS::KMS::Key": _key,  # made, with its policy stored as an object and no rotation period
    "AWS::S3::BucketPolicy": _bucket_policy,
    "AWS::Logs::LogGroup": _log_group,  # made, without its key and retention
    "AWS::CloudTrail::Trail": _trail,
    "AWS::GuardDuty::Detector": _detector,
    "AWS::SecurityHub::Hub": _hub,
    "AWS::SecurityHub::Standard": None,  # the emulator has no BatchEnableStandards (the hub's defaults stand in)
    "AWS::IAM::ServiceLinkedRole": _linked_role,
    "AWS::Config::ConfigurationRecorder": _recorder,
    "AWS::Config::DeliveryChannel": _channel,
    "AWS::Config::ConfigurationAggregator": None,  # an organization aggregator needs an organization: not made
    "AWS::SecurityHub::OrganizationConfiguration": None,  # likewise
    "AWS::AccessAnalyzer::Analyzer": None,  # the emulator has no IAM Access Analyzer
}


class _Responses(http.server.BaseHTTPRequestHandler):
    """Where a custom resource answers CloudFormation (its pre-signed S3 URL, here on loopback)."""

    got: list[dict[str, Any]] = []

    def do_PUT(self) -> None:
        _Responses.got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _run_custom_resource(s: Stack, function: str, resource: str) -> dict[str, Any]:
    """Call the inline handler of ``function`` with the Create request CloudFormation sends for ``resource``."""
    code = s.template["Resources"][function]["Properties"]["Code"]["ZipFile"]
    props = s.value(s.template["Resources"][resource]["Properties"])
    server = http.server.HTTPServer(("127.0.0.1", 0), _Responses)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    namespace: dict[str, Any] = {}
    exec(compile(code, f"{function}.ZipFile", "exec"), namespace)
    try:
        _Responses.got.clear()
        namespace["handler"]({"RequestType": "Create", "ResponseURL": f"http://127.0.0.1:{server.server_port}/r",
                              "StackId": "stack", "RequestId": "1", "LogicalResourceId": resource,
                              "ResourceProperties": props}, None)
    finally:
        server.shutdown()
    return _Responses.got[0]


def test_baselines_deploy_and_a_live_scan_finds_nothing_wrong_with_what_they_made(emulator: Any) -> None:
    """All the templates in one account, as a team lays them down (the log archive's trail records the
    buckets' object-level events), then one live scan of the account."""
    creds = as_account(ACCOUNT)
    session = boto3.Session(region_name=REGION, **creds)
    made: dict[str, set[str]] = {}
    for block in blocks("cloudformation"):
        # the VPC's custom resource is a Lambda function: deployed without it, then its handler is run here
        params = {"CloseDefaultSecurityGroup": "false"} if block == "vpc" else {}
        stack = Stack(session, f"baseline-{block}", files("cloudformation")[f"{block}.yaml"], params)
        # bucket policies first: the emulator checks the log bucket's policy when logging is turned on
        for lid, rtype, props in sorted(stack.resources(), key=lambda r: r[1] != "AWS::S3::BucketPolicy"):
            apply = SKIPPED.get(rtype)
            if apply is not None:
                apply(stack, lid, props)
        made[block] = {v for v in stack.physical.values() if v}
        if block == "vpc":
            stack.conditions["CloseDefault"] = True
            boto3.setup_default_session(region_name=REGION, **creds)
            try:
                answer = _run_custom_resource(stack, "CloseDefaultGroupFunction", "CloseDefaultGroup")
            finally:
                boto3.setup_default_session()
            assert answer["Status"] == "SUCCESS", answer
            made[block].add(answer["PhysicalResourceId"])  # the default security group, now empty
    result = scan_aws(ScanOptions(), AwsOptions(regions=[REGION], max_rps=0, max_attempts=2,
                                                role_arn=f"arn:aws:iam::{ACCOUNT}:role/wasec-audit"))
    for block, ids in made.items():
        judged = [f for f in result.findings if f.resource_id in ids or any(m in (f.arn or "") for m in ids)]
        failing = [(f.rule_id, f.resource_id, f.message) for f in judged if f.status is Status.FAIL]
        assert not failing, (block, failing)
        passed = {f.rule_id for f in judged if f.status is Status.PASS}
        assert len(passed) >= MIN_PASSED[block], (block, sorted(passed))
