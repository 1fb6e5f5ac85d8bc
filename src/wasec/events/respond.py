"""Opt-in response: the API call that undoes a detection's change, planned from the event itself.

Nothing is called without ``--respond``, and ``--respond`` alone is a dry run that prints exactly the
calls it would make; ``--respond --execute`` makes them. Each plan undoes what the event did and
nothing more: restart the trail that was stopped, revoke the rule that was added, deactivate the key
that was created, detach the policy that was attached.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wasec.analyzers.network import is_anywhere
from wasec.events.detections import params, shared_with


@dataclass(frozen=True)
class Call:
    service: str
    operation: str  # the boto3 method name
    args: dict[str, Any]
    region: str | None

    def __str__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.args.items())
        return f"{self.service}.{self.operation}({shown}) in {self.region or 'the default region'}"


Plan = Callable[[dict[str, Any]], list[Call]]
PLANS: dict[str, Plan] = {}


def plan(detection_id: str) -> Callable[[Plan], Plan]:
    def add(fn: Plan) -> Plan:
        PLANS[detection_id] = fn
        return fn
    return add


def _region(r: dict[str, Any]) -> str | None:
    return r.get("awsRegion")


@plan("cloudtrail-stopped")
def _start_logging(r: dict[str, Any]) -> list[Call]:
    return [Call("cloudtrail", "start_logging", {"Name": params(r).get("name")}, _region(r))]


@plan("guardduty-disabled")
def _enable_detector(r: dict[str, Any]) -> list[Call]:
    if r.get("eventName") != "UpdateDetector":
        return []  # a deleted detector is recreated from code, not from an event
    return [Call("guardduty", "update_detector", {"DetectorId": params(r).get("detectorId"), "Enable": True}, _region(r))]


@plan("config-recorder-stopped")
def _start_recorder(r: dict[str, Any]) -> list[Call]:
    if r.get("eventName") != "StopConfigurationRecorder":
        return []
    return [Call("config", "start_configuration_recorder",
                 {"ConfigurationRecorderName": params(r).get("configurationRecorderName")}, _region(r))]


BLOCK_ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}


@plan("s3-public-access-block-removed")
def _restore_bpa(r: dict[str, Any]) -> list[Call]:
    p = params(r)
    if p.get("bucketName"):
        return [Call("s3", "put_public_access_block", {"Bucket": p["bucketName"],
                                                       "PublicAccessBlockConfiguration": BLOCK_ALL}, _region(r))]
    return [Call("s3control", "put_public_access_block", {"AccountId": r.get("recipientAccountId"),
                                                          "PublicAccessBlockConfiguration": BLOCK_ALL}, _region(r))]


@plan("sg-ingress-open")
def _revoke(r: dict[str, Any]) -> list[Call]:
    p = params(r)
    perms = []
    for perm in (p.get("ipPermissions") or {}).get("items", []):
        item: dict[str, Any] = {"IpProtocol": str(perm.get("ipProtocol"))}
        if perm.get("fromPort") is not None:
            item |= {"FromPort": int(perm["fromPort"]), "ToPort": int(perm.get("toPort", perm["fromPort"]))}
        v4 = [{"CidrIp": x["cidrIp"]} for x in (perm.get("ipRanges") or {}).get("items", []) if is_anywhere(x.get("cidrIp"))]
        v6 = [{"CidrIpv6": x["cidrIpv6"]} for x in (perm.get("ipv6Ranges") or {}).get("items", [])
              if is_anywhere(x.get("cidrIpv6"))]
        if v4 or v6:  # revoke only the open ranges the event added
            perms.append(item | ({"IpRanges": v4} if v4 else {}) | ({"Ipv6Ranges": v6} if v6 else {}))
    return [Call("ec2", "revoke_security_group_ingress", {"GroupId": p.get("groupId"), "IpPermissions": perms},
                 _region(r))] if perms else []


@plan("access-key-for-another-user")
def _deactivate_key(r: dict[str, Any]) -> list[Call]:
    key = ((r.get("responseElements") or {}).get("accessKey") or {}).get("accessKeyId")
    if not key:
        return []
    return [Call("iam", "update_access_key", {"UserName": params(r).get("userName"), "AccessKeyId": key,
                                              "Status": "Inactive"}, None)]


@plan("admin-policy-attached")
def _detach(r: dict[str, Any]) -> list[Call]:
    p = params(r)
    for kind in ("User", "Role", "Group"):
        name = p.get(f"{kind.lower()}Name")
        if name:
            return [Call("iam", f"detach_{kind.lower()}_policy", {f"{kind}Name": name, "PolicyArn": p.get("policyArn")},
                         None)]
    return []


@plan("kms-key-disabled-or-deleted")
def _kms(r: dict[str, Any]) -> list[Call]:
    key = params(r).get("keyId")
    if r.get("eventName") == "ScheduleKeyDeletion":
        return [Call("kms", "cancel_key_deletion", {"KeyId": key}, _region(r)),
                Call("kms", "enable_key", {"KeyId": key}, _region(r))]
    return [Call("kms", "enable_key", {"KeyId": key}, _region(r))]


def _unshare(public: bool) -> Plan:
    """Take back what the event granted: the "all" group, or the accounts other than the owner."""
    def undo(r: dict[str, Any]) -> list[Call]:
        p, own, added = params(r), r.get("recipientAccountId"), shared_with(r)
        if public:
            taken = ["all"] if "all" in added else []
        else:
            taken = [a for a in added if a not in ("all", own)]
        if not taken:
            return []
        if r.get("eventName") == "ModifyImageAttribute":
            perm = [{"Group": "all"} if a == "all" else {"UserId": a} for a in taken]
            return [Call("ec2", "modify_image_attribute", {"ImageId": p.get("imageId"),
                                                           "LaunchPermission": {"Remove": perm}}, _region(r))]
        if r.get("eventName") == "ModifySnapshotAttribute":
            who = {"GroupNames": taken} if public else {"UserIds": taken}
            return [Call("ec2", "modify_snapshot_attribute", {"SnapshotId": p.get("snapshotId"),
                                                              "Attribute": "createVolumePermission",
                                                              "OperationType": "remove", **who}, _region(r))]
        if p.get("dBClusterSnapshotIdentifier"):
            return [Call("rds", "modify_db_cluster_snapshot_attribute",
                         {"DBClusterSnapshotIdentifier": p["dBClusterSnapshotIdentifier"], "AttributeName": "restore",
                          "ValuesToRemove": taken}, _region(r))]
        return [Call("rds", "modify_db_snapshot_attribute", {"DBSnapshotIdentifier": p.get("dBSnapshotIdentifier"),
                                                             "AttributeName": "restore", "ValuesToRemove": taken},
                     _region(r))]
    return undo


for _kind in ("ami", "ebs-snapshot", "rds-snapshot"):
    plan(f"{_kind}-public")(_unshare(True))
    plan(f"{_kind}-shared")(_unshare(False))


@plan("s3-versioning-suspended")
def _versioning(r: dict[str, Any]) -> list[Call]:
    conf = params(r).get("VersioningConfiguration") or {}
    if conf.get("Status") not in ("Suspended", "Disabled"):
        return []  # MFA delete can only be turned back on by the root user with its MFA device
    return [Call("s3", "put_bucket_versioning", {"Bucket": params(r).get("bucketName"),
                                                 "VersioningConfiguration": {"Status": "Enabled"}}, _region(r))]


@plan("lambda-permission-public")
def _remove_lambda_permission(r: dict[str, Any]) -> list[Call]:
    p = params(r)
    if not p.get("statementId"):
        return []
    return [Call("lambda", "remove_permission", {"FunctionName": p.get("functionName"),
                                                 "StatementId": p["statementId"]}, _region(r))]


@plan("event-bus-public")
def _remove_bus_permission(r: dict[str, Any]) -> list[Call]:
    p = params(r)
    if not p.get("statementId"):
        return []
    return [Call("events", "remove_permission", {"StatementId": p["statementId"],
                                                 "EventBusName": p.get("eventBusName") or "default"}, _region(r))]


def plans(hits: list[tuple[dict[str, Any], Any]]) -> list[tuple[Any, list[Call]]]:
    """(finding, calls) for every finding whose detection has a response."""
    out = []
    for r, f in hits:
        fn = PLANS.get(f.rule_id.removeprefix("event-"))
        calls = fn(r) if fn else []
        if calls:
            out.append((f, calls))
    return out


def execute(calls: list[Call]) -> list[str]:
    """Make the calls; returns one line per call (done, or the error)."""
    import boto3

    out = []
    for c in calls:
        try:
            getattr(boto3.client(c.service, region_name=c.region), c.operation)(**c.args)
            out.append(f"done: {c}")
        except Exception as e:  # one failed response does not stop the others
            out.append(f"failed: {c}: {e}")
    return out
