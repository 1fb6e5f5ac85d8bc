"""Detections: small functions over one CloudTrail record, each declared once with what it means.

A detection names the event names it reads (records are dispatched by ``eventName``, so a record no
detection wants costs a dictionary lookup), its severity, MITRE ATT&CK technique, Well-Architected
best practices and a response playbook. Its function returns a message when the record is the
risky change, ``None`` otherwise. Failed calls (``errorCode``) are ignored unless a detection says
it wants them. Policies in ``requestParameters`` are judged with the IAM analyzer, not by the
event name: a bucket policy that only adds a Deny is not "made public".
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from wasec.analyzers.network import is_anywhere

DETECT = ("SEC04-BP01", "SEC04-BP03")  # capture logs; correlate and enrich alerts
RESPOND = ("SEC10-BP06",)  # pre-deploy tools (a playbook ready to run)

Check = Callable[[dict[str, Any]], str | None]


@dataclass(frozen=True)
class Detection:
    id: str
    title: str
    severity: str
    events: tuple[str, ...]
    mitre: tuple[str, ...]
    wa: tuple[str, ...]
    playbook: str
    check: Check
    failures: bool = False  # also look at calls that failed
    # for a detection over every record ("*"): bytes each record it can fire on contains, so a delivery file
    # without them can be skipped unparsed; None means no file can be skipped
    marker: bytes | None = None
    # what the detection remembers between records (a burst, a sequence, a baseline), "" when one record decides;
    # such a detection sees the same records in the same order whether run over a directory or file by file
    state: str = ""
    # for a detection over every record that can only fire after an earlier step: whether that step happened
    # (until then a file holding its marker need not be parsed for it)
    armed: Callable[[], bool] | None = None

    @property
    def rule_id(self) -> str:
        return f"event-{self.id}"


REGISTRY: dict[str, Detection] = {}


def detection(id: str, title: str, severity: str, events: str, mitre: str, playbook: str,
              wa: tuple[str, ...] = DETECT + RESPOND, failures: bool = False,
              marker: bytes | None = None, state: str = "",
              armed: Callable[[], bool] | None = None) -> Callable[[Check], Check]:
    def add(fn: Check) -> Check:
        if id in REGISTRY:
            raise ValueError(f"detection {id} is defined twice")
        REGISTRY[id] = Detection(id, title, severity, tuple(events.split()), tuple(mitre.split()), wa, playbook, fn,
                                 failures, marker, state, armed)
        return fn
    return add


# --- helpers --------------------------------------------------------------------------------------

def params(r: dict[str, Any]) -> dict[str, Any]:
    p = r.get("requestParameters")
    return p if isinstance(p, dict) else {}


def obj(r: dict[str, Any], key: str) -> dict[str, Any]:
    """A part of the record that CloudTrail writes as an object, or {} when it is missing or is not one."""
    v = r.get(key)
    return v if isinstance(v, dict) else {}


def ident(r: dict[str, Any]) -> dict[str, Any]:
    return obj(r, "userIdentity")


def actor(r: dict[str, Any]) -> str:
    u = ident(r)
    return str(u.get("arn") or u.get("userName") or u.get("type") or "unknown")


def caller_user(r: dict[str, Any]) -> str | None:
    """The caller's user name: the IAM user, or the session name of an assumed role (people federated in
    usually get their own name as the session name)."""
    u = ident(r)
    if u.get("type") == "IAMUser":
        return u.get("userName") or str(u.get("arn", "")).rsplit("/", 1)[-1]
    if u.get("type") == "AssumedRole" and ":assumed-role/" in str(u.get("arn", "")):
        return str(u["arn"]).rsplit("/", 1)[-1]
    return None


def from_s3(r: dict[str, Any]) -> bool:
    return r.get("eventSource") in ("s3.amazonaws.com", "s3-control.amazonaws.com", None)


def is_root(r: dict[str, Any]) -> bool:
    return ident(r).get("type") == "Root"


def by_aws_service(r: dict[str, Any]) -> bool:
    """A service acted: on its own, or relaying a principal's call (``invokedBy``)."""
    return service_itself(r) or bool(ident(r).get("invokedBy"))


def service_itself(r: dict[str, Any]) -> bool:
    """A service acted on its own. A user's call relayed by CloudFormation is still the user's change."""
    return ident(r).get("type") == "AWSService" or r.get("eventType") == "AwsServiceEvent"


def from_console(r: dict[str, Any]) -> bool:
    """A call the AWS console made for a signed-in person (its pages list and describe a lot)."""
    u = ident(r)
    ua = str(r.get("userAgent") or "")
    return str(u.get("sessionCredentialFromConsole", "")).lower() == "true" or ua.startswith("console.") or \
        ".console.aws" in ua or "console.amazonaws.com" in ua


def service_linked(r: dict[str, Any]) -> bool:
    """A service-linked role's session: Trusted Advisor, Config, Security Hub… calling on their own schedule."""
    return ":assumed-role/AWSServiceRoleFor" in str(ident(r).get("arn", ""))


def person(r: dict[str, Any]) -> bool:
    """The caller is a person rather than a workload: an IAM user, root, a federated user, or an
    IAM Identity Center (SSO) session. Pipelines and applications run as role sessions."""
    u = ident(r)
    issuer = obj(obj(u, "sessionContext"), "sessionIssuer").get("arn") or u.get("arn") or ""
    return u.get("type") in ("IAMUser", "Root", "FederatedUser", "SAMLUser", "WebIdentityUser", "IdentityCenterUser") or \
        ("/AWSReservedSSO_" in str(issuer))


def _policy(doc: Any) -> Any:
    if isinstance(doc, str):
        try:
            return json.loads(doc)
        except ValueError:
            return None
    return doc


def exposure(doc: Any, own_account: str | None, trust: bool = False) -> list[str]:
    """What a resource or trust policy opens, judged by wasec's IAM analyzer: ["public", "cross-account"…]."""
    from wasec.iam.exposure import exposures
    from wasec.iam.policy import PolicyError, parse

    pol = _policy(doc)
    if not isinstance(pol, dict):
        return []
    try:
        policy = parse(pol)
    except (PolicyError, ValueError, TypeError):
        return []
    return [e.kind for e in exposures(policy, own_account or "", frozenset(), trust_policy=trust)]


ADMIN_PORTS = {22: "SSH", 3389: "RDP", 3306: "MySQL", 5432: "PostgreSQL", 1433: "SQL Server", 6379: "Redis",
               27017: "MongoDB", 9200: "Elasticsearch", 2375: "Docker", 5985: "WinRM", 445: "SMB", 23: "Telnet"}
PUBLIC_GRANTEES = ("http://acs.amazonaws.com/groups/global/AllUsers",
                   "http://acs.amazonaws.com/groups/global/AuthenticatedUsers")


def _items(x: Any) -> list[Any]:
    if isinstance(x, dict) and "items" in x:
        return _list(x.get("items"))
    return _list(x)


def _list(x: Any) -> list[Any]:
    return x if isinstance(x, list) else []


# --- logging turned off or weakened ----------------------------------------------------------------

@detection("cloudtrail-stopped", "CloudTrail logging stopped", "critical", "StopLogging", "T1562.008",
           "Restart logging (cloudtrail:StartLogging on the trail), find who stopped it and what they did since.")
def _stop_logging(r: dict[str, Any]) -> str | None:
    return f"{actor(r)} stopped logging on trail {params(r).get('name')}"


@detection("cloudtrail-deleted", "CloudTrail trail deleted", "critical", "DeleteTrail", "T1562.008",
           "Recreate the trail from code, then review the actor's activity in the remaining logs.")
def _delete_trail(r: dict[str, Any]) -> str | None:
    return f"{actor(r)} deleted trail {params(r).get('name')}"


@detection("cloudtrail-selectors-weakened", "CloudTrail stops recording management events", "high",
           "PutEventSelectors", "T1562.008", "Restore the trail's event selectors (management events, read and write).")
def _selectors(r: dict[str, Any]) -> str | None:
    p = params(r)
    basic = p.get("eventSelectors")
    if isinstance(basic, list) and basic:
        if all(s.get("includeManagementEvents") is False or s.get("readWriteType") == "None" for s in basic if isinstance(s, dict)):
            return f"{actor(r)} set event selectors on {p.get('trailName')} that record no management events"
        return None
    adv = p.get("advancedEventSelectors")
    if isinstance(adv, list) and adv:
        text = json.dumps(adv)
        if "Management" not in text:
            return f"{actor(r)} set advanced event selectors on {p.get('trailName')} without management events"
    return None


@detection("flow-logs-deleted", "VPC flow logs deleted", "high", "DeleteFlowLogs", "T1562.008",
           "Recreate the flow logs from code; network evidence is missing from the deletion on.")
def _flow_logs(r: dict[str, Any]) -> str | None:
    ids = _items(params(r).get("DeleteFlowLogsRequest", {}).get("FlowLogId")) or params(r).get("flowLogIds") or []
    return f"{actor(r)} deleted flow logs {', '.join(map(str, ids)) or ''}".strip()


@detection("config-recorder-stopped", "AWS Config recording stopped or deleted", "high",
           "StopConfigurationRecorder DeleteConfigurationRecorder DeleteDeliveryChannel", "T1562.008",
           "Restart the configuration recorder (config:StartConfigurationRecorder) and restore its delivery channel.")
def _config(r: dict[str, Any]) -> str | None:
    return f"{actor(r)} called {r.get('eventName')}"


@detection("guardduty-disabled", "GuardDuty detector disabled or deleted", "critical", "DeleteDetector UpdateDetector",
           "T1562.001", "Re-enable the detector (guardduty:UpdateDetector --enable) and review findings it may have missed.")
def _guardduty(r: dict[str, Any]) -> str | None:
    if r.get("eventSource") != "guardduty.amazonaws.com":
        return None
    if r.get("eventName") == "UpdateDetector" and params(r).get("enable") is not False:
        return None
    return f"{actor(r)} {'deleted' if r.get('eventName') == 'DeleteDetector' else 'disabled'} GuardDuty detector " \
           f"{params(r).get('detectorId')}"


@detection("securityhub-disabled", "Security Hub disabled", "high", "DisableSecurityHub BatchDisableStandards",
           "T1562.001", "Re-enable Security Hub and its standards.")
def _securityhub(r: dict[str, Any]) -> str | None:
    return f"{actor(r)} called {r.get('eventName')}"


@detection("dns-query-logs-deleted", "Route 53 Resolver query logging deleted", "high",
           "DeleteResolverQueryLogConfig DisassociateResolverQueryLogConfig", "T1562.008",
           "Recreate the query log configuration and associate it with the VPCs again.")
def _dns_logs(r: dict[str, Any]) -> str | None:
    return f"{actor(r)} called {r.get('eventName')} on {params(r).get('resolverQueryLogConfigId')}"


@detection("s3-access-logging-disabled", "S3 server access logging turned off", "medium", "PutBucketLogging", "T1562.008",
           "Turn server access logging back on (s3:PutBucketLogging with LoggingEnabled).", wa=("SEC04-BP01", *DETECT))
def _s3_logging(r: dict[str, Any]) -> str | None:
    status = params(r).get("BucketLoggingStatus")
    if not from_s3(r) or not isinstance(status, dict) or status.get("LoggingEnabled"):
        return None  # no status in the record: nothing to judge
    return f"{actor(r)} turned off server access logging on {params(r).get('bucketName')}"


@detection("log-source-stopped", "A security log source stopped", "high",
           "DeleteModelInvocationLoggingConfiguration StopActivityStream DeleteLoggingConfiguration", "T1562.008",
           "Restore the logging configuration from code; review what the actor did while it was off.",
           wa=("SEC04-BP01", *DETECT))
def _log_source(r: dict[str, Any]) -> str | None:
    p = params(r)
    what = {"DeleteModelInvocationLoggingConfiguration": "Bedrock model invocation logging",
            "StopActivityStream": f"the database activity stream of {p.get('resourceArn')}",
            "DeleteLoggingConfiguration": f"WAF logging of {p.get('resourceArn') or p.get('ResourceArn')}"}
    if r.get("eventName") == "DeleteLoggingConfiguration" and "waf" not in str(r.get("eventSource", "waf")):
        return None
    return f"{actor(r)} stopped {what[r['eventName']]}"


# --- data made public ----------------------------------------------------------------------------

@detection("s3-acl-public", "S3 bucket or object ACL grants everyone", "critical", "PutBucketAcl PutObjectAcl",
           "T1530", "Restore a private ACL and turn on S3 Block Public Access for the bucket and the account.")
def _s3_acl(r: dict[str, Any]) -> str | None:
    if not from_s3(r):
        return None
    p = params(r)
    canned = str(p.get("x-amz-acl") or "")
    if canned in ("public-read", "public-read-write", "authenticated-read"):
        return f"{actor(r)} set the canned ACL {canned} on {p.get('bucketName')}"
    text = json.dumps(p.get("AccessControlPolicy") or {})
    if any(g in text for g in PUBLIC_GRANTEES) or any(str(p.get(k, "")).find("AllUsers") >= 0
                                                      for k in ("x-amz-grant-read", "x-amz-grant-full-control")):
        return f"{actor(r)} granted everyone access to {p.get('bucketName')}{'/' + p['key'] if p.get('key') else ''}"
    return None


@detection("s3-policy-public", "S3 bucket policy made public", "critical", "PutBucketPolicy", "T1530",
           "Put back the previous policy (or delete the new statement) and turn on S3 Block Public Access.")
def _s3_policy(r: dict[str, Any]) -> str | None:
    if not from_s3(r):
        return None
    p = params(r)
    kinds = exposure(p.get("bucketPolicy"), r.get("recipientAccountId"))
    if "public" in kinds:
        return f"{actor(r)} set a bucket policy on {p.get('bucketName')} that lets anyone in"
    return None


@detection("s3-public-access-block-removed", "S3 Block Public Access removed or weakened", "high",
           "DeleteBucketPublicAccessBlock PutBucketPublicAccessBlock DeleteAccountPublicAccessBlock "
           "PutAccountPublicAccessBlock", "T1562",
           "Restore all four Block Public Access settings on the bucket and the account.")
def _bpa(r: dict[str, Any]) -> str | None:
    if not from_s3(r):
        return None
    p = params(r)
    if r.get("eventName", "").startswith("Delete"):
        return f"{actor(r)} removed Block Public Access from {p.get('bucketName') or 'the account'}"
    conf = p.get("PublicAccessBlockConfiguration") or p.get("publicAccessBlock") or {}
    off = [k for k, v in conf.items() if v is False] if isinstance(conf, dict) else []
    return f"{actor(r)} turned off {', '.join(off)} on {p.get('bucketName') or 'the account'}" if off else None


def _share_checks(id_fields: str, added: Callable[[dict[str, Any]], list[str]], what: str) -> tuple[Check, Check]:
    """Two checks for one kind of sharing: made public (anyone can copy it), and shared with other accounts
    (the exfiltration step of copying data out; the own account is not "another")."""
    def name(r: dict[str, Any]) -> str:
        return next((str(params(r)[f]) for f in id_fields.split() if params(r).get(f)), "?")

    def public(r: dict[str, Any]) -> str | None:
        return f"{actor(r)} made {what} {name(r)} public" if "all" in added(r) else None

    def shared(r: dict[str, Any]) -> str | None:
        own = r.get("recipientAccountId")
        others = [a for a in added(r) if a != "all" and a != own]
        return f"{actor(r)} shared {what} {name(r)} with account(s) {', '.join(others)}" if others else None
    return public, shared


def permission_items(attribute: str) -> Callable[[dict[str, Any]], list[str]]:
    def added(r: dict[str, Any]) -> list[str]:
        items = _items((params(r).get(attribute) or {}).get("add"))
        # an account is 12 digits: AWS refuses anything else, so another value is no grant
        return [str(i["userId"]) if i.get("userId") else "all" for i in items if isinstance(i, dict) and
                (i.get("group") == "all" or re.fullmatch(r"\d{12}", str(i.get("userId") or "")))]
    return added


def _rds_added(r: dict[str, Any]) -> list[str]:
    p = params(r)
    return [str(v) for v in p.get("valuesToAdd") or []] if p.get("attributeName") == "restore" else []


# sharing event name → who it grants ("all" or account ids); the responses take the same back
SHARED_WITH: dict[str, Callable[[dict[str, Any]], list[str]]] = {}


def shared_with(r: dict[str, Any]) -> list[str]:
    added = SHARED_WITH.get(str(r.get("eventName")))
    return added(r) if added else []


for _id, _what, _events, _field, _added, _undo in (
        ("ebs-snapshot", "EBS snapshot", "ModifySnapshotAttribute", "snapshotId", permission_items("createVolumePermission"),
         "Remove the createVolumePermission; check who copied the snapshot."),
        ("rds-snapshot", "RDS snapshot", "ModifyDBSnapshotAttribute ModifyDBClusterSnapshotAttribute",
         "dBSnapshotIdentifier dBClusterSnapshotIdentifier", _rds_added, "Remove the restore permission (valuesToRemove) and check whether it was copied."),
        ("ami", "AMI", "ModifyImageAttribute", "imageId", permission_items("launchPermission"),
         "Remove the launch permission from the image.")):
    SHARED_WITH.update(dict.fromkeys(_events.split(), _added))
    _public, _shared = _share_checks(_field, _added, _what)
    detection(f"{_id}-public", f"{_what} made public", "critical", _events, "T1537", _undo)(_public)
    detection(f"{_id}-shared", f"{_what} shared with another account", "medium", _events, "T1537", _undo)(_shared)


@detection("lambda-permission-public", "Lambda function opened to any principal", "high", "AddPermission20150331v2 "
           "AddPermission", "T1190", "Remove the permission statement (lambda:RemovePermission).")
def _lambda_perm(r: dict[str, Any]) -> str | None:
    p = params(r)
    if str(p.get("principal")) == "*" and not p.get("sourceArn") and not p.get("sourceAccount"):
        return f"{actor(r)} let anyone invoke {p.get('functionName')}"
    return None


def _policy_at(r: dict[str, Any], fields: str) -> Any:
    """The policy at the first of ``fields`` (dotted paths into requestParameters) that the record has."""
    for path in fields.split():
        doc: Any = params(r)
        for key in path.split("."):
            parsed = _policy(doc)  # a level may be JSON text (SQS attributes, Glacier's policy)
            doc = parsed.get(key) if isinstance(parsed, dict) else None
        if doc:
            return doc
    return None


def _resource_policy(fields: str, what: str) -> Check:
    """A check that the resource policy in the record lets anyone in."""
    def check(r: dict[str, Any]) -> str | None:
        if "public" in exposure(_policy_at(r, fields), r.get("recipientAccountId")):
            return f"{actor(r)} set a {what} policy that lets anyone in"
        return None
    return check


# (detection id, events, where the policy is in requestParameters, what it guards)
RESOURCE_POLICIES = (
    ("kms-key-policy-public", "PutKeyPolicy CreateKey", "policy", "KMS key"),
    ("sqs-policy-public", "SetQueueAttributes CreateQueue", "attributes.Policy", "SQS queue"),
    ("sns-policy-public", "SetTopicAttributes", "attributeValue", "SNS topic"),
    ("secret-policy-public", "PutResourcePolicy", "resourcePolicy", "Secrets Manager secret"),
    ("ecr-policy-public", "SetRepositoryPolicy", "policyText", "ECR repository"),
    ("opensearch-policy-public", "CreateDomain UpdateDomainConfig CreateElasticsearchDomain UpdateElasticsearchDomainConfig",
     "accessPolicies", "OpenSearch domain"),
    ("efs-policy-public", "PutFileSystemPolicy", "policy", "EFS file system"),
    ("glacier-policy-public", "SetVaultAccessPolicy", "policy.policy policy.Policy", "Glacier vault"),
    ("backup-vault-policy-public", "PutBackupVaultAccessPolicy", "policy", "Backup vault"),
    ("s3-access-point-policy-public", "PutAccessPointPolicy", "PutAccessPointPolicyRequest.Policy policy",
     "S3 access point"),
)
for _id, _events, _fields, _what in RESOURCE_POLICIES:
    detection(_id, f"{_what} policy made public", "critical", _events, "T1530",
              f"Restore the {_what} policy to the previous version; check access from unknown principals.")(
        _resource_policy(_fields, _what))

_POLICY_FIELDS = {e: (f, w) for _, es, f, w in RESOURCE_POLICIES for e in es.split()} | \
    {"PutBucketPolicy": ("bucketPolicy", "S3 bucket")}


@detection("resource-policy-cross-account", "Resource policy opened to another account", "medium",
           " ".join(_POLICY_FIELDS) + " AddPermission20150331v2 AddPermission", "T1537",
           "Check the account is a partner you share with on purpose; if not, restore the policy. Public access is "
           "reported by the \"made public\" detections.", wa=("SEC03-BP08", *DETECT))
def _cross_account(r: dict[str, Any]) -> str | None:
    own = r.get("recipientAccountId")
    name = r.get("eventName", "")
    if name.startswith("AddPermission"):  # Lambda: one principal per statement
        if r.get("eventSource") not in ("lambda.amazonaws.com", None):
            return None
        from wasec.iam.evaluate import account_of

        account = account_of(str(params(r).get("principal") or ""))
        if account and account != own:
            return f"{actor(r)} let account {account} invoke {params(r).get('functionName')}"
        return None
    fields, what = _POLICY_FIELDS[name]
    if name == "PutBucketPolicy" and not from_s3(r):
        return None
    kinds = exposure(_policy_at(r, fields), own)
    if "cross-account" in kinds and "public" not in kinds:
        return f"{actor(r)} set a {what} policy that lets another account in"
    return None


@detection("event-bus-public", "EventBridge bus opened to any account", "high", "PutPermission", "T1530",
           "Remove the statement (events:RemovePermission); name the accounts or the organization instead.")
def _event_bus(r: dict[str, Any]) -> str | None:
    if r.get("eventSource") not in ("events.amazonaws.com", None):
        return None
    p = params(r)
    if p.get("policy"):
        return _resource_policy("policy", "EventBridge bus")(r)
    if str(p.get("principal")) == "*" and not p.get("condition"):
        return f"{actor(r)} let any account put events on bus {p.get('eventBusName') or 'default'}"
    return None


# --- network opened ----------------------------------------------------------------------------------

@detection("sg-ingress-open", "Security group opened to the internet", "high", "AuthorizeSecurityGroupIngress", "T1190",
           "Revoke the rule (ec2:RevokeSecurityGroupIngress) and reach the service through a VPN, SSM or a load balancer.")
def _sg(r: dict[str, Any]) -> str | None:
    p = params(r)
    perms = _items(p.get("ipPermissions"))
    hits = []
    for perm in perms:
        if not isinstance(perm, dict):
            continue
        ranges = [x.get("cidrIp") for x in _items(perm.get("ipRanges"))] + \
                 [x.get("cidrIpv6") for x in _items(perm.get("ipv6Ranges"))]
        if not any(is_anywhere(c) for c in ranges):
            continue
        lo, hi = perm.get("fromPort"), perm.get("toPort")
        if perm.get("ipProtocol") in ("-1", -1) or lo is None:
            hits.append("all ports")
            continue
        admin = [f"{n} ({port})" for port, n in ADMIN_PORTS.items() if int(lo) <= port <= int(hi if hi is not None else lo)]
        hits.append(", ".join(admin) if admin else f"port {lo}" + (f"-{hi}" if hi != lo else ""))
    if not hits and is_anywhere(p.get("cidrIp")):
        hits.append("(legacy parameters)")
    return f"{actor(r)} opened {p.get('groupId') or p.get('groupName')} to the internet: {'; '.join(hits)}" if hits else None


@detection("nacl-open", "Network ACL entry allows inbound traffic from anywhere", "low",
           "CreateNetworkAclEntry ReplaceNetworkAclEntry", "T1190",
           "Replace the entry with the source ranges that need it (ec2:ReplaceNetworkAclEntry), or delete it.",
           wa=("SEC05-BP02", *DETECT))
def _nacl(r: dict[str, Any]) -> str | None:
    # NACLs are stateless, so wide ephemeral-port entries are normal; an open entry is worth a look, not a page
    p = params(r)
    if p.get("egress") not in (False, "false") or p.get("ruleAction") != "allow":
        return None
    if not is_anywhere(p.get("cidrBlock")) and not is_anywhere(p.get("ipv6CidrBlock")):
        return None
    ports = p.get("portRange") or {}
    where = "all ports" if str(p.get("aclProtocol")) == "-1" or not ports else f"ports {ports.get('from')}-{ports.get('to')}"
    return f"{actor(r)} let anyone reach {where} through network ACL {p.get('networkAclId')}"


@detection("waf-disassociated", "Web ACL removed from a resource", "medium", "DisassociateWebACL", "T1562",
           "Associate the web ACL again (wafv2:AssociateWebACL); the resource is exposed without its filters.",
           wa=("SEC05-BP02", "SEC06-BP02", *DETECT))
def _waf(r: dict[str, Any]) -> str | None:
    return f"{actor(r)} removed the web ACL from {params(r).get('resourceArn') or params(r).get('ResourceArn')}"


# --- identity abuse ----------------------------------------------------------------------------------

@detection("root-console-login", "Root user signed in to the console", "high", "ConsoleLogin", "T1078.004",
           "Confirm with the account owner; rotate the root password and MFA if unexpected.",
           wa=("SEC02-BP01", *DETECT))
def _root_login(r: dict[str, Any]) -> str | None:
    if not is_root(r):
        return None
    ok = obj(r, "responseElements").get("ConsoleLogin") == "Success"
    return f"root signed in from {r.get('sourceIPAddress')}" if ok else None


def _root_call(r: dict[str, Any]) -> bool:
    return is_root(r) and not by_aws_service(r) and r.get("eventType") == "AwsApiCall" and \
        r.get("eventName") not in ("ConsoleLogin", "CreateServiceLinkedRole")  # service-linked flows run as root


def _read_only(r: dict[str, Any]) -> bool:
    ro = r.get("readOnly")
    if isinstance(ro, bool):
        return ro
    return str(r.get("eventName", "")).startswith(("Get", "List", "Describe", "Head", "Lookup"))  # records before 1.06


@detection("root-api-activity", "Root user changed something", "high",
           "*", "T1078.004", "Find out why the root user was used, review what it changed; move the task to a role.",
           wa=("SEC02-BP01", "SEC03-BP02", *DETECT), marker=b'"Root"')
def _root_api(r: dict[str, Any]) -> str | None:
    if not _root_call(r) or _read_only(r):
        return None
    return f"root called {r.get('eventSource')} {r.get('eventName')} from {r.get('sourceIPAddress')}"


@detection("root-read-activity", "Root user read or listed resources", "medium",
           "*", "T1087.004", "Find out why the root user was used; enumeration with root credentials may be reconnaissance.",
           wa=("SEC02-BP01", "SEC03-BP02", *DETECT), marker=b'"Root"')
def _root_read(r: dict[str, Any]) -> str | None:
    if not _root_call(r) or not _read_only(r):
        return None
    return f"root read {r.get('eventSource')} {r.get('eventName')} from {r.get('sourceIPAddress')}"


@detection("console-login-without-mfa", "Console sign-in without MFA", "medium", "ConsoleLogin", "T1078",
           "Require MFA for the user (or federate console access); check the sign-in was theirs.",
           wa=("SEC02-BP01", *DETECT))
def _no_mfa(r: dict[str, Any]) -> str | None:
    u = ident(r)
    extra = obj(r, "additionalEventData")
    if u.get("type") not in ("IAMUser", "Root") or obj(r, "responseElements").get("ConsoleLogin") != "Success":
        return None
    if extra.get("MFAUsed") == "No" and not extra.get("SamlProviderArn"):
        return f"{actor(r)} signed in to the console without MFA from {r.get('sourceIPAddress')}"
    return None


@detection("root-access-key-created", "Access key created for the root user", "critical", "CreateAccessKey", "T1098.001",
           "Delete the root access key now (the root user should have none) and find out why it was made.",
           wa=("SEC02-BP01", "SEC02-BP05", *DETECT))
def _root_key(r: dict[str, Any]) -> str | None:
    if is_root(r) and not params(r).get("userName"):
        return f"the root user created an access key for itself from {r.get('sourceIPAddress')}"
    return None


@detection("access-key-for-another-user", "Access key created for another user", "high", "CreateAccessKey", "T1098.001",
           "Deactivate the new key (iam:UpdateAccessKey --status Inactive), then ask its creator why.",
           wa=("SEC02-BP05", *DETECT))
def _key_other(r: dict[str, Any]) -> str | None:
    target = params(r).get("userName")
    me = caller_user(r)
    if target and target != me and not service_itself(r):
        return f"{actor(r)} created an access key for user {target}"
    return None


@detection("login-profile-for-another-user", "Console password set for another user", "high",
           "CreateLoginProfile UpdateLoginProfile", "T1098", "Delete or reset the login profile; check the user's activity.",
           wa=("SEC02-BP01", *DETECT))
def _profile_other(r: dict[str, Any]) -> str | None:
    p = params(r)
    target = p.get("userName")
    if not target or target == caller_user(r) or service_itself(r):
        return None
    if r.get("eventName") == "UpdateLoginProfile" and p.get("passwordResetRequired") is True:
        return None  # the help-desk reset: the user must choose a new password at next sign-in
    return f"{actor(r)} {'created' if r.get('eventName') == 'CreateLoginProfile' else 'changed'} the console password " \
           f"of user {target}"


@detection("admin-policy-attached", "Administrator policy attached", "high",
           "AttachUserPolicy AttachRolePolicy AttachGroupPolicy", "T1098",
           "Detach the policy (iam:Detach*Policy) unless a reviewed change asked for it.", wa=("SEC03-BP02", *DETECT))
def _admin(r: dict[str, Any]) -> str | None:
    p = params(r)
    arn = str(p.get("policyArn") or "")
    if arn.endswith((":policy/AdministratorAccess", ":policy/IAMFullAccess", ":policy/PowerUserAccess")):
        who = p.get("userName") or p.get("roleName") or p.get("groupName")
        return f"{actor(r)} attached {arn.rsplit('/', 1)[-1]} to {who}"
    return None


@detection("trust-policy-opened", "Role trust opened to anyone or another account", "high",
           "UpdateAssumeRolePolicy CreateRole", "T1098",
           "Restore the trust policy; roles assumable from outside need sts:ExternalId or aws:PrincipalOrgID.",
           wa=("SEC03-BP08", *DETECT))
def _trust(r: dict[str, Any]) -> str | None:
    p = params(r)
    doc = p.get("policyDocument") if r.get("eventName") == "UpdateAssumeRolePolicy" else p.get("assumeRolePolicyDocument")
    kinds = exposure(doc, r.get("recipientAccountId"), trust=True)
    if "public" in kinds:
        return f"{actor(r)} let anyone assume role {p.get('roleName')}"
    if "cross-account" in kinds:
        return f"{actor(r)} let another account assume role {p.get('roleName')}"
    return None


@detection("federation-token", "Federation token issued to an IAM user", "medium", "GetFederationToken", "T1550.001",
           "Federation tokens outlive the key that made them: check the user's key is not leaked.")
def _federation(r: dict[str, Any]) -> str | None:
    return f"{actor(r)} got a federation token ({params(r).get('name')})"


@detection("rolesanywhere-trust-anchor", "IAM Roles Anywhere trust anchor created", "high",
           "CreateTrustAnchor", "T1098", "Check the certificate authority is yours; delete the trust anchor otherwise.")
def _anchor(r: dict[str, Any]) -> str | None:
    return f"{actor(r)} created trust anchor {params(r).get('name')}"


# --- destruction and evasion ---------------------------------------------------------------------

@detection("kms-key-disabled-or-deleted", "KMS key disabled or scheduled for deletion", "high",
           "DisableKey ScheduleKeyDeletion", "T1485",
           "Cancel the deletion (kms:CancelKeyDeletion) or re-enable the key; data under it is unreadable meanwhile.")
def _kms(r: dict[str, Any]) -> str | None:
    return f"{actor(r)} called {r.get('eventName')} on {params(r).get('keyId')}"


@detection("backup-deleted", "Backups deleted", "high", "DeleteBackupVault DeleteRecoveryPoint DeleteBackupPlan "
           "DeleteDBClusterSnapshot DeleteDBSnapshot DeleteDBInstanceAutomatedBackup DeleteDBClusterAutomatedBackup",
           "T1490", "Stop the actor; check vault lock and remaining copies.")
def _backup(r: dict[str, Any]) -> str | None:
    return f"{actor(r)} called {r.get('eventName')}"


@detection("rds-protection-removed", "RDS deletion protection or automated backups turned off", "high",
           "ModifyDBInstance ModifyDBCluster", "T1490",
           "Turn deletion protection back on and restore the backup retention period.", wa=("SEC09-BP02", *DETECT))
def _rds_protection(r: dict[str, Any]) -> str | None:
    p = params(r)
    off = (["deletion protection"] if p.get("deletionProtection") is False else []) + \
          (["automated backups"] if p.get("backupRetentionPeriod") in (0, "0") else [])
    name = p.get("dBInstanceIdentifier") or p.get("dBClusterIdentifier")
    return f"{actor(r)} turned off {' and '.join(off)} on {name}" if off else None


# --- credential access and execution -------------------------------------------------------------

@detection("secrets-batch-retrieved", "Secrets retrieved in bulk", "high", "BatchGetSecretValue", "T1555.006",
           "Rotate the secrets read; check the principal should read them all.")
def _batch_secrets(r: dict[str, Any]) -> str | None:
    return f"{actor(r)} read secrets in bulk"


@detection("ec2-password-data-read", "EC2 Windows password data read", "medium", "GetPasswordData", "T1552.005",
           "Rotate the instance's administrator password.")
def _password(r: dict[str, Any]) -> str | None:
    return f"{actor(r)} read the password data of {params(r).get('instanceId')}"


@detection("ec2-user-data-read", "EC2 user data read (or attempted)", "low", "DescribeInstanceAttribute", "T1552.005",
           "User data often holds credentials: move them to Secrets Manager.", failures=True)
def _user_data(r: dict[str, Any]) -> str | None:
    if by_aws_service(r):
        return None  # a scanner or CloudFormation reading it on someone's behalf
    p = params(r)
    return f"{actor(r)} read the user data of {p.get('instanceId')}" if p.get("attribute") == "userData" else None


@detection("ssm-send-command", "Commands run on many instances through SSM", "medium", "SendCommand", "T1651",
           "Check the command and who ran it; restrict ssm:SendCommand to named documents.")
def _ssm(r: dict[str, Any]) -> str | None:
    if by_aws_service(r):
        return None
    p = params(r)
    ids, targets = p.get("instanceIds") or [], p.get("targets")
    if len(ids) < 2 and not targets:
        return None  # one command on one instance is administration; the same command fanned out is not
    where = f"{len(ids)} instances" if ids else "targets " + json.dumps(targets)[:80]
    return f"{actor(r)} ran {p.get('documentName')} on {where}"


@detection("ec2-instance-connect", "SSH key pushed with EC2 Instance Connect (or to the serial console)", "medium",
           "SendSSHPublicKey SendSerialConsoleSSHPublicKey", "T1021.004",
           "Check the session was expected; restrict ec2-instance-connect:SendSSHPublicKey and "
           "SendSerialConsoleSSHPublicKey, and keep serial console access off.")
def _eic(r: dict[str, Any]) -> str | None:
    p = params(r)
    where = "the serial console of " if r.get("eventName") == "SendSerialConsoleSSHPublicKey" else ""
    return f"{actor(r)} pushed an SSH key to {where}{p.get('instanceId')}" + \
        (f" as {p.get('instanceOSUser')}" if p.get("instanceOSUser") else "")


@detection("unusual-instance-launch", "Unusually large or GPU instances launched", "medium", "RunInstances", "T1496",
           "Check the launch was planned; terminate miners and restrict instance types with an SCP.", failures=True)
def _instances(r: dict[str, Any]) -> str | None:
    p = params(r)
    kind = p.get("instanceType") or ""
    kind = str(kind.get("value", "") if isinstance(kind, dict) else kind)  # the console sends {"value": ...}
    family = kind.split(".", 1)[0]
    if family.startswith(("p2", "p3", "p4", "p5", "g4", "g5", "g6", "inf", "trn", "dl", "x1", "x2", "u-")) or \
            kind.endswith(("24xlarge", "32xlarge", "48xlarge", "metal")):
        state = "tried to launch" if r.get("errorCode") else "launched"
        return f"{actor(r)} {state} {kind} instances"
    return None


@detection("lambda-layer-added", "Lambda layer added to a function", "medium",
           "UpdateFunctionConfiguration20150331v2 UpdateFunctionConfiguration", "T1546",
           "Check the layer's account and code; layers run inside every invocation.")
def _layer(r: dict[str, Any]) -> str | None:
    layers = params(r).get("layers") or obj(r, "responseElements").get("layers") or []
    arns = [str(x.get("arn") if isinstance(x, dict) else x) for x in layers if x]
    own = r.get("recipientAccountId")
    foreign = [a for a in arns if a.count(":") >= 4 and a.split(":")[4] not in (own, "")]
    if foreign or (arns and person(r)):
        return f"{actor(r)} set layers on {params(r).get('functionName')}: {', '.join(foreign or arns)}" + \
            (" (from another account)" if foreign else "")
    return None


@detection("bedrock-model-access", "Bedrock model access enabled or a model invoked", "low",
           "InvokeModel InvokeModelWithResponseStream Converse PutFoundationModelEntitlement PutUseCaseForModelAccess",
           "T1496", "Check the use was expected; stolen credentials are used to run models at the owner's cost.")
def _bedrock(r: dict[str, Any]) -> str | None:
    if by_aws_service(r):
        return None
    model = params(r).get("modelId")
    return f"{actor(r)} called {r.get('eventName')}" + (f" for {model}" if model else "")


# --- more evasion and exposure -----------------------------------------------------------------------

@detection("mfa-device-removed", "MFA device deactivated or deleted", "high", "DeactivateMFADevice DeleteVirtualMFADevice",
           "T1556.006", "Re-enroll MFA for the user; check who removed it and the user's activity since.",
           wa=("SEC02-BP01", *DETECT))
def _mfa(r: dict[str, Any]) -> str | None:
    p = params(r)
    return f"{actor(r)} called {r.get('eventName')} for {p.get('userName') or p.get('serialNumber')}"


@detection("left-organization", "Account left, or tried to leave, its AWS Organization", "critical", "LeaveOrganization",
           "T1562", "The account is outside your SCPs and organization trail now: invite it back and review its activity. "
           "A denied attempt is an attacker testing the guardrails: review the caller.", failures=True)
def _leave(r: dict[str, Any]) -> str | None:
    verb = f"tried to remove ({r['errorCode']})" if r.get("errorCode") else "removed"
    return f"{actor(r)} {verb} account {r.get('recipientAccountId')} from its organization"


@detection("ebs-default-encryption-disabled", "EBS encryption by default turned off", "medium",
           "DisableEbsEncryptionByDefault", "T1562", "Turn it back on (ec2:EnableEbsEncryptionByDefault).",
           wa=("SEC08-BP02", *DETECT))
def _ebs_default(r: dict[str, Any]) -> str | None:
    return f"{actor(r)} turned off EBS encryption by default in {r.get('awsRegion')}"


@detection("s3-encryption-removed", "S3 bucket default encryption removed", "medium", "DeleteBucketEncryption", "T1485",
           "Restore default encryption; ransomware removes it before rewriting objects with its own key.",
           wa=("SEC08-BP02", *DETECT))
def _s3_encryption(r: dict[str, Any]) -> str | None:
    return f"{actor(r)} removed default encryption from {params(r).get('bucketName')}" if from_s3(r) else None


@detection("s3-versioning-suspended", "S3 bucket versioning suspended or MFA delete turned off", "medium",
           "PutBucketVersioning", "T1490", "Re-enable versioning (and MFA delete); ransomware suspends them before deleting.",
           wa=("SEC08-BP02", "SEC09-BP02", *DETECT))
def _s3_versioning(r: dict[str, Any]) -> str | None:
    if not from_s3(r):
        return None
    conf = params(r).get("VersioningConfiguration") or {}
    if isinstance(conf, dict) and (conf.get("Status") in ("Suspended", "Disabled") or conf.get("MfaDelete") == "Disabled"):
        what = "disabled MFA delete" if conf.get("Status") == "Enabled" else "suspended versioning"
        return f"{actor(r)} {what} on {params(r).get('bucketName')}"
    return None


@detection("rds-made-public", "RDS instance made publicly accessible", "high",
           "ModifyDBInstance ModifyDBCluster RestoreDBInstanceFromDBSnapshot RestoreDBInstanceToPointInTime "
           "RestoreDBInstanceFromS3", "T1190", "Set PubliclyAccessible back to false.",
           wa=("SEC05-BP01", *DETECT))
def _rds_public(r: dict[str, Any]) -> str | None:
    p = params(r)
    restored = str(r.get("eventName", "")).startswith("Restore")
    # a restore that names no setting takes the subnet group's default: what it got is in the response
    public = p.get("publiclyAccessible") is True or \
        (restored and obj(r, "responseElements").get("publiclyAccessible") is True)
    if not public:
        return None
    name = p.get("dBInstanceIdentifier") or p.get("dBClusterIdentifier")
    return f"{actor(r)} restored {name} publicly accessible" if restored else f"{actor(r)} made {name} publicly accessible"


@detection("security-service-disabled", "Macie, Inspector or Access Analyzer turned off", "high",
           "DisableMacie DeleteAnalyzer Disable", "T1562.001",
           "Turn the service back on; check what it would have reported meanwhile.")
def _sec_service(r: dict[str, Any]) -> str | None:
    if r.get("eventName") == "Disable" and r.get("eventSource") != "inspector2.amazonaws.com":
        return None
    return f"{actor(r)} called {r.get('eventSource')} {r.get('eventName')}"


@detection("ami-deregistered", "AMI deregistered by a person", "low", "DeregisterImage", "T1485",
           "Check the image was retired on purpose; instances and scaling groups that launch from it now fail.",
           wa=("SEC09-BP02", *DETECT))
def _deregister(r: dict[str, Any]) -> str | None:
    # image pipelines retire old AMIs as role sessions every day; a person doing it is out of band
    return f"{actor(r)} deregistered image {params(r).get('imageId')}" if person(r) else None


@detection("lambda-code-replaced", "Lambda function code replaced by a person", "medium",
           "UpdateFunctionCode20150331v2 UpdateFunctionCode", "T1525",
           "Compare the code with the pipeline's last deployment; code changed outside it may exfiltrate what the "
           "function handles.", wa=("SEC06-BP03", *DETECT))
def _lambda_code(r: dict[str, Any]) -> str | None:
    # pipelines deploy code as role sessions; a person's credentials replacing it is out of band
    return f"{actor(r)} replaced the code of {params(r).get('functionName')}" if person(r) else None


@detection("sagemaker-lifecycle-config-attached", "Lifecycle script attached to a SageMaker notebook", "medium",
           "UpdateNotebookInstance CreateNotebookInstance", "T1059",
           "Read the script: it runs as the notebook's execution role at every start. Detach it if unexpected.",
           wa=("SEC06-BP02", *DETECT))
def _sagemaker(r: dict[str, Any]) -> str | None:
    p = params(r)
    name = p.get("lifecycleConfigName")
    return f"{actor(r)} attached lifecycle script {name} to notebook {p.get('notebookInstanceName')}" if name else None


@detection("s3-lifecycle-short-expiry", "S3 objects set to expire within days", "medium", "PutBucketLifecycle",
           "T1070", "Check the bucket: on a log bucket (CloudTrail's, access logs) a short expiry erases the evidence.",
           wa=("SEC04-BP01", *DETECT))
def _lifecycle(r: dict[str, Any]) -> str | None:
    if not from_s3(r):
        return None
    conf = params(r).get("LifecycleConfiguration") or {}
    rules = conf.get("Rule") if isinstance(conf, dict) else None
    days = []
    for rule in rules if isinstance(rules, list) else [rules]:
        if isinstance(rule, dict) and rule.get("Status") == "Enabled":
            d = (rule.get("Expiration") or {}).get("Days") if isinstance(rule.get("Expiration"), dict) else None
            try:
                if d is not None and int(d) <= 7:
                    days.append(int(d))
            except (TypeError, ValueError):
                continue
    return f"{actor(r)} made objects in {params(r).get('bucketName')} expire after {min(days)} day(s)" if days else None


# --- detections over several records (state kept for the run, or the warm Lambda container) -----------

class Windows:
    """Distinct items per key within a sliding time window: "10 different secrets in 10 minutes"."""

    def __init__(self) -> None:
        self.seen: dict[str, list[tuple[float, str]]] = {}
        self.fired: dict[str, float] = {}

    def add(self, key: str, when: float, item: str, window_s: float) -> int:
        xs = [(t, i) for t, i in self.seen.get(key, []) if when - t <= window_s and i != item]
        xs.append((when, item))
        self.seen[key] = xs[-1000:]
        return len({i for _, i in xs})

    def once(self, key: str, when: float, window_s: float) -> bool:
        """True the first time a key crosses its threshold within a window (one alert per burst)."""
        last = self.fired.get(key)
        if last is not None and when - last <= window_s:
            return False
        self.fired[key] = when
        return True


STATE = Windows()


def reset_state() -> None:
    global STATE, BASELINE
    STATE = Windows()
    BASELINE = Baseline()


def _when(r: dict[str, Any]) -> float:
    from wasec.events.reader import parse_time

    try:
        t = parse_time(r.get("eventTime"))
    except ValueError:
        t = None
    return t.timestamp() if t else 0.0


def _burst(r: dict[str, Any], kind: str, item: str, threshold: int, window_s: float = 600) -> int | None:
    key = f"{kind}|{actor(r)}"
    when = _when(r)
    n = STATE.add(key, when, item, window_s)
    return n if n >= threshold and STATE.once(key, when, window_s) else None


def _remember(kind: str, key: str, r: dict[str, Any], note: str) -> None:
    STATE.seen[f"{kind}|{key}"] = [(_when(r), note)]


def _recall(kind: str, key: str, r: dict[str, Any], within_s: float = 3600,
            forget: bool = True) -> tuple[float, str] | None:
    """(seconds since, note) of what was remembered under the key, if it happened at most ``within_s`` before
    this record; with ``forget``, only the first record after it gets it."""
    got = STATE.seen.get(f"{kind}|{key}")
    if got and 0 <= _when(r) - got[0][0] <= within_s:
        if forget:
            del STATE.seen[f"{kind}|{key}"]
        return (_when(r) - got[0][0], got[0][1])
    return None


@detection("secrets-read-burst", "Many secrets read in a short time", "high", "GetSecretValue", "T1555.006",
           "Check the principal should read these secrets; rotate them if not.",
           state="a burst: 10 different secrets read by one caller within 10 minutes")
def _secrets_burst(r: dict[str, Any]) -> str | None:
    n = _burst(r, "secrets", str(params(r).get("secretId")), 10)
    return f"{actor(r)} read {n} different secrets within 10 minutes" if n else None


class Baseline:
    """Who reads each secret, and from which networks each principal reads secrets, learned as records go by.
    Only once a secret (or a principal) has a history of ``LEARN`` reads is something new in it unusual."""

    LEARN = 10

    def __init__(self) -> None:
        self.readers: dict[str, dict[str, int]] = {}
        self.networks: dict[str, dict[str, int]] = {}

    def see(self, table: dict[str, dict[str, int]], key: str, value: str) -> bool:
        """Count the value under the key; True when it is new to a key with a history."""
        seen = table.setdefault(key, {})
        unusual = value not in seen and sum(seen.values()) >= self.LEARN
        if value in seen or len(seen) < 1000:
            seen[value] = seen.get(value, 0) + 1
        return unusual


BASELINE = Baseline()


def network(ip: Any) -> str:
    """The network a call came from: a /16 (IPv4) or /48 (IPv6), or the service name AWS puts there."""
    try:
        addr = ipaddress.ip_address(str(ip))
    except ValueError:
        return str(ip)  # "AWS Internal", "lambda.amazonaws.com"…
    return str(ipaddress.ip_network(f"{addr}/{16 if addr.version == 4 else 48}", strict=False))


@detection("secret-read-unusual", "Secret read by an unusual principal or from an unusual network", "medium",
           "GetSecretValue BatchGetSecretValue", "T1555.006",
           "Confirm the principal and network are expected; if not, rotate the secret and revoke the principal's sessions.",
           wa=("SEC04-BP02", *DETECT),
           state="a baseline: who reads each secret and from which networks each caller reads, learned from the records before (10 reads each before anything is unusual)")
def _secret_unusual(r: dict[str, Any]) -> str | None:
    if service_itself(r):
        return None
    who, where = actor(r), network(r.get("sourceIPAddress"))
    secret = str(params(r).get("secretId") or "(a batch)")
    new_reader = BASELINE.see(BASELINE.readers, secret, who)
    new_network = BASELINE.see(BASELINE.networks, who, where)
    if new_reader and new_network:
        return f"{who} read {secret}, which others have read, for the first time, from a network it has not used: {where}"
    if new_reader:
        return f"{who} read {secret} for the first time; it has been read {sum(BASELINE.readers[secret].values()) - 1} " \
               "times by others"
    if new_network:
        return f"{who} read {secret} from {where}, a network it has not read secrets from before"
    return None


@detection("password-data-burst", "Windows password data requested for many instances", "high", "GetPasswordData",
           "T1552.005", "Rotate the administrator passwords of those instances.", failures=True,
           state="a burst: password data of 5 different instances asked for by one caller within 10 minutes")
def _password_burst(r: dict[str, Any]) -> str | None:
    n = _burst(r, "password", str(params(r).get("instanceId")), 5)
    return f"{actor(r)} asked for the password data of {n} instances within 10 minutes" if n else None


@detection("mass-deletion", "Mass deletion", "high", "DeleteObject DeleteObjects DeleteBucket TerminateInstances "
           "DeleteDBInstance DeleteSnapshot DeleteVolume", "T1485",
           "Stop the principal (deactivate its keys, revoke its sessions), then restore from versions and backups.",
           state="a burst: 100 resources or objects deleted by one caller within 10 minutes")
def _mass_delete(r: dict[str, Any]) -> str | None:
    p = params(r)
    objects = ((p.get("Delete") or p.get("delete") or {}).get("Object") if isinstance(p.get("Delete") or p.get("delete"), dict)
               else None)
    items = [f"{p.get('bucketName')}/{o.get('Key')}" for o in objects if isinstance(o, dict)] if isinstance(objects, list) \
        else [f"{r.get('eventName')}:{p.get('bucketName') or p.get('key') or p.get('instancesSet') or p.get('dBInstanceIdentifier') or p.get('snapshotId') or p.get('volumeId') or r.get('eventID')}"]
    n = 0
    for item in items:
        n = max(n, _burst(r, "delete", item, 100) or 0)
    if not n:
        return None
    _remember("wiped", actor(r), r, f"deleting {n} resources or objects")
    return f"{actor(r)} deleted {n} resources or objects within 10 minutes"


@detection("self-escalation", "A principal granted itself more permissions", "critical",
           "AttachUserPolicy PutUserPolicy AddUserToGroup CreatePolicyVersion", "T1098",
           "Detach or delete the policy version, deactivate the principal's keys, and review what it did after.",
           wa=("SEC03-BP02", *DETECT))
def _self_escalation(r: dict[str, Any]) -> str | None:
    me = caller_user(r)
    p = params(r)
    if r.get("eventName") == "CreatePolicyVersion":
        return f"{actor(r)} made a new default version of {p.get('policyArn')}" if p.get("setAsDefault") else None
    if me and p.get("userName") == me:
        return f"{actor(r)} called {r.get('eventName')} on its own user"
    return None


@detection("backdoor-user", "A user given administrator rights then an access key", "critical",
           "AttachUserPolicy CreateAccessKey", "T1098.001",
           "Deactivate the key and detach the policy; the pattern is how attackers keep access.",
           wa=("SEC02-BP05", *DETECT),
           state="a sequence: administrator rights attached to a user, then an access key created for it within an hour")
def _backdoor(r: dict[str, Any]) -> str | None:
    p = params(r)
    user = p.get("userName")
    if not user:
        return None
    if r.get("eventName") == "AttachUserPolicy":
        if str(p.get("policyArn", "")).endswith(("/AdministratorAccess", "/IAMFullAccess")):
            _remember("admin", str(user), r, "admin")
        return None
    if _recall("admin", str(user), r, forget=False):
        return f"{actor(r)} created an access key for {user} minutes after granting it administrator rights"
    return None


@detection("ssm-parameters-decrypted-burst", "Many SecureString parameters decrypted in a short time", "high",
           "GetParameter GetParameters GetParametersByPath", "T1552",
           "Check the principal should read these parameters; rotate the secrets in them if not.", failures=True,
           state="a burst: 10 different SecureString parameters decrypted by one caller within 10 minutes")
def _parameters_burst(r: dict[str, Any]) -> str | None:
    p = params(r)
    if p.get("withDecryption") is not True:
        return None
    names = p.get("names") or [p.get("name") or p.get("path")]
    n = 0
    for name in names if isinstance(names, list) else [names]:
        n = max(n, _burst(r, "parameters", str(name), 10) or 0)
    return f"{actor(r)} decrypted {n} different SSM parameters within 10 minutes" if n else None


# calls that map an account after a key or instance is taken over: rare in daily work, and a few of them by one
# caller in minutes is how enumeration scripts start (the very common ones, like DescribeInstances, are left out)
RECON = ("GetAccountAuthorizationDetails GetAccountSummary ListRoles ListUsers ListGroups ListPolicies "
         "ListAttachedUserPolicies ListAttachedRolePolicies ListUserPolicies ListAccessKeys GetAccountPasswordPolicy "
         "ListMFADevices ListInstanceProfiles DescribeTrails GetTrailStatus ListDetectors GetDetector "
         "DescribeConfigurationRecorders ListSecrets DescribeParameters DescribeSnapshots DescribeDBSnapshots "
         "ListAccounts DescribeOrganization ListIdentities GetSendQuota GetAccountSendingEnabled ListFunctions "
         "ListFunctions20150331 DescribeRegions")


@detection("discovery-sweep", "One caller enumerating the account", "medium", RECON, "T1087.004",
           "Find out whose credentials these are and whether the sweep was planned (a scanner); if not, treat the "
           "credentials as stolen.", failures=True, wa=("SEC04-BP02", *DETECT),
           state="a burst: 6 different enumeration calls by one caller within 10 minutes")
def _discovery(r: dict[str, Any]) -> str | None:
    if by_aws_service(r) or service_linked(r) or from_console(r):
        return None
    name = f"{str(r.get('eventSource', '')).split('.')[0]}:{r.get('eventName')}"
    n = _burst(r, "recon", name, 6)
    if not n:
        return None
    services = {x.split(":")[0] for _, x in STATE.seen[f"recon|{actor(r)}"]}
    return f"{actor(r)} called {n} different enumeration APIs of {len(services)} services within 10 minutes"


@detection("ses-enumeration", "SES sending limits and identities enumerated", "medium",
           "GetAccountSendingEnabled GetSendQuota ListIdentities GetIdentityVerificationAttributes ListEmailIdentities "
           "GetAccount", "T1526",
           "Attackers check SES before sending phishing or spam from the account: confirm the caller, review SES sending.",
           failures=True,
           state="a burst: 2 different SES sending checks by one caller within 10 minutes")
def _ses(r: dict[str, Any]) -> str | None:
    if r.get("eventSource") not in ("ses.amazonaws.com", "email.amazonaws.com", None) or by_aws_service(r) or \
            service_linked(r) or from_console(r):
        return None
    n = _burst(r, "ses", str(r.get("eventName")), 2)
    return f"{actor(r)} checked SES sending and identities ({n} different calls within 10 minutes)" if n else None


@detection("ssm-sessions-to-many", "Interactive sessions opened on several instances", "medium", "StartSession",
           "T1021", "Check the sessions were expected; an attacker fans out over instances to find credentials.",
           state="a burst: sessions on 3 different instances by one caller within 10 minutes")
def _sessions(r: dict[str, Any]) -> str | None:
    n = _burst(r, "sessions", str(params(r).get("target")), 3)
    return f"{actor(r)} started sessions on {n} different instances within 10 minutes" if n else None


@detection("s3-permanent-deletion", "Object versions permanently deleted in bulk", "critical", "DeleteObject DeleteObjects",
           "T1485", "Stop the principal now; versions deleted by id cannot be recovered. Check for a ransom note.",
           wa=("SEC09-BP02", *DETECT),
           state="a burst: 20 object versions deleted by id by one caller within 10 minutes")
def _permanent(r: dict[str, Any]) -> str | None:
    p = params(r)
    delete = p.get("Delete") or p.get("delete")
    objects = delete.get("Object") if isinstance(delete, dict) else None
    if isinstance(objects, dict):
        objects = [objects]
    versions = [f"{o.get('Key')}@{o.get('VersionId')}" for o in objects or [] if isinstance(o, dict) and o.get("VersionId")]
    if p.get("versionId"):
        versions.append(f"{p.get('key')}@{p.get('versionId')}")
    n = 0
    for v in versions:
        n = max(n, _burst(r, "versions", f"{p.get('bucketName')}/{v}", 20) or 0)
    if not n:
        return None
    _remember("wiped", actor(r), r, f"deleting {n} object versions")
    return f"{actor(r)} permanently deleted {n} object versions within 10 minutes"


@detection("s3-sse-c-rewrite", "Objects rewritten with a customer-provided key", "critical", "PutObject CopyObject",
           "T1486", "Ransomware pattern: stop the principal, restore earlier versions, and deny SSE-C with a bucket "
           "policy or an RCP if nobody uses it.", wa=("SEC09-BP02", *DETECT),
           state="a burst: 10 objects rewritten with a customer-provided key by one caller within 10 minutes")
def _sse_c(r: dict[str, Any]) -> str | None:
    p = params(r)
    if not (p.get("x-amz-server-side-encryption-customer-algorithm") or p.get("SSECustomerAlgorithm")):
        return None
    n = _burst(r, "ssec", f"{p.get('bucketName')}/{p.get('key')}", 10)
    if not n:
        return None
    _remember("wiped", actor(r), r, f"rewriting {n} objects with its own key")
    return f"{actor(r)} rewrote {n} objects with its own encryption key within 10 minutes"


INSTANCE_SESSION = re.compile(r":assumed-role/[^/]+/(i-[0-9a-f]{8,17})$")


def _where(ip: Any) -> str | None:
    """A public network (/16), "inside" (private addresses, AWS Internal, a service), or None if unknown."""
    try:
        addr = ipaddress.ip_address(str(ip))
    except ValueError:
        return "inside" if ip else None
    return "inside" if any(addr in n for n in _VPC_RANGES if n.version == addr.version) else network(ip)


_VPC_RANGES = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
                                                      "fc00::/7"))


# the Systems Manager agent's message channels: CloudTrail records their calls with addresses that need not be the
# instance's route to other AWS APIs
AGENT_CHANNELS = ("ssmmessages.amazonaws.com", "ec2messages.amazonaws.com")


def outside_aws(ip: Any) -> bool:
    """A public address in none of AWS's published ranges (an address that is not one, or a private one, is not)."""
    try:
        addr = ipaddress.ip_address(str(ip))
    except ValueError:
        return False
    if not addr.is_global:
        return False
    from wasec.events.ranges import load

    return load().contains(str(addr)) is False


def instance_session(r: dict[str, Any]) -> str | None:
    """The instance id when the caller is an EC2 instance's role session (the session name is the instance id)."""
    u = ident(r)
    arn = u.get("arn")
    if not isinstance(arn, str) or "/i-" not in arn or u.get("invokedBy") or u.get("type") != "AssumedRole":
        return None
    m = INSTANCE_SESSION.search(str(arn))
    return m.group(1) if m else None


@detection("instance-credentials-outside-aws", "EC2 instance credentials used from outside AWS", "high", "*",
           "T1552.005 T1078.004", "Treat the instance role's credentials as stolen: revoke its sessions (an inline deny "
           "on aws:TokenIssueTime), then find how they left the instance (SSRF, SSM command, a shell). If the "
           "instance's traffic leaves through your own network (a proxy, Direct Connect), the address is yours: "
           "confirm it and allow it with an exception.",
           wa=("SEC02-BP02", "SEC04-BP02", *DETECT), failures=True, marker=b"/i-")
def _instance_credentials_outside(r: dict[str, Any]) -> str | None:
    """One record decides: an instance's role session only ever calls from inside AWS (the instance's own
    address, its NAT's, or a VPC endpoint's), so a call from an address in none of AWS's published ranges is
    the credentials used by someone else. Denied calls count: a thief tries what the role may do."""
    arn = ident(r).get("arn")
    if not isinstance(arn, str) or "/i-" not in arn:
        return None  # nearly every record: not an instance's session
    instance = instance_session(r)
    ip = r.get("sourceIPAddress")
    if instance is None or r.get("eventSource") in AGENT_CHANNELS or not outside_aws(ip):
        return None
    from wasec.events.ranges import load

    if not STATE.once(f"outside|{arn}|{ip}", _when(r), 3600):
        return None  # one alert per session and address an hour
    evidence = [f"{ip} is in none of AWS's published address ranges (ip-ranges.json of {load().date})"]
    commanded = _recall("commanded", instance, r, forget=False)
    if commanded and commanded[1] == ip:
        evidence.append(f"it sent the instance a command or session {commanded[0] / 60:.0f} minutes before")
    known = {w for _, w in STATE.seen.get(f"instance|{arn}", []) if w != _where(ip)}
    if known:
        evidence.append(f"the session called before from network {', '.join(sorted(known))}")
    return f"the credentials of {instance}'s role were used for {r.get('eventName')} from {ip}: " + "; ".join(evidence)


@detection("instance-credentials-elsewhere", "EC2 instance credentials used from a second network", "high", "*",
           "T1552.005", "Treat the instance role's credentials as stolen: revoke its sessions (an inline deny on "
           "aws:TokenIssueTime), then find how they left the instance (SSRF, SSM command, a shell).",
           wa=("SEC02-BP02", "SEC04-BP02", *DETECT), marker=b"/i-",
           state="a sequence: the networks each instance session called from, and the addresses that sent each instance a command or session")
def _instance_credentials(r: dict[str, Any]) -> str | None:
    """An instance's role session calls from the instance's public address (or its NAT's); the same session
    from another public network is its credentials copied out (the metadata service hands them to whoever asks
    from inside). Private sources are not compared: one instance often reaches some services through VPC
    endpoints and others through NAT."""
    u = ident(r)
    if r.get("eventSource") in AGENT_CHANNELS:
        return None
    if r.get("eventName") in ("SendCommand", "StartSession") and not r.get("errorCode"):
        p = params(r)  # who reached into which instance, from where: its credentials may come back from there
        for instance in [*(p.get("instanceIds") or []), *([p["target"]] if p.get("target") else [])]:
            _remember("commanded", str(instance), r, str(r.get("sourceIPAddress")))
        return None
    arn = u.get("arn")
    if not isinstance(arn, str) or "/i-" not in arn or u.get("invokedBy"):
        return None  # most records: no instance session, and nothing parsed
    m = INSTANCE_SESSION.search(str(arn))
    where = _where(r.get("sourceIPAddress")) if m else None
    if m is None or where is None:
        return None
    if where == "inside":
        return None  # VPC endpoints and NAT often mix for one instance: only public networks are compared
    key = f"instance|{arn}"
    if outside_aws(r.get("sourceIPAddress")):
        STATE.seen.setdefault(key, []).append((_when(r), where))
        return None  # instance-credentials-outside-aws tells this one, on its own evidence
    commanded = _recall("commanded", m.group(1), r, forget=False)
    if commanded and commanded[1] == r.get("sourceIPAddress") and key not in STATE.fired:
        STATE.fired[key] = _when(r)
        return f"the credentials of {m.group(1)}'s role were used from {r.get('sourceIPAddress')}, the address that " \
               "had just sent the instance a command or session: they were read from its metadata service"
    seen = STATE.seen.setdefault(key, [])
    known = {w for _, w in seen}
    if not known or where in known:
        if not known:
            seen.append((_when(r), where))
        return None
    seen.append((_when(r), where))
    if key in STATE.fired:
        return None
    STATE.fired[key] = _when(r)
    return f"the credentials of {m.group(1)}'s role were used from {r.get('sourceIPAddress')}, after calls from " \
           f"network {', '.join(sorted(known))}"


@detection("password-set-then-login", "Someone set a user's console password, then signed in as that user",
           "critical", "CreateLoginProfile UpdateLoginProfile ConsoleLogin", "T1098",
           "Disable the user's console access, end its sessions and find out who set the password.",
           wa=("SEC02-BP01", "SEC02-BP05", *DETECT),
           state="a sequence: someone sets a user's console password, then that user signs in within an hour")
def _password_then_login(r: dict[str, Any]) -> str | None:
    if r.get("eventName") != "ConsoleLogin":
        target = params(r).get("userName")
        if target and target != caller_user(r) and not service_itself(r):
            _remember("password", str(target), r, actor(r))
        return None
    u = ident(r)
    if u.get("type") != "IAMUser" or obj(r, "responseElements").get("ConsoleLogin") != "Success":
        return None
    got = _recall("password", str(caller_user(r)), r)
    if got:
        return f"{u.get('userName')} signed in from {r.get('sourceIPAddress')} {got[0] / 60:.0f} minutes after " \
               f"{got[1]} set its password"
    return None


@detection("ec2-user-data-changed", "EC2 instance user data replaced", "medium", "ModifyInstanceAttribute", "T1059",
           "Compare the new user data with the instance's template; it runs as root at the next start.",
           wa=("SEC06-BP02", *DETECT))
def _user_data_changed(r: dict[str, Any]) -> str | None:
    p = params(r)
    return f"{actor(r)} replaced the user data of {p.get('instanceId')}" if "userData" in p else None


@detection("user-data-then-start", "EC2 user data replaced, then the instance started", "high",
           "ModifyInstanceAttribute StartInstances", "T1059",
           "Stop the instance, restore its user data and rotate the credentials of its role; the new script ran as root.",
           wa=("SEC06-BP02", *DETECT),
           state="a sequence: an instance's user data replaced, then the instance started within an hour")
def _user_data_start(r: dict[str, Any]) -> str | None:
    if r.get("eventName") == "ModifyInstanceAttribute":
        if "userData" in params(r):
            _remember("userdata", str(params(r).get("instanceId")), r, actor(r))
        return None
    started = [str(i.get("instanceId")) for i in _items(params(r).get("instancesSet")) if isinstance(i, dict)]
    for instance in started:
        got = _recall("userdata", instance, r, forget=False)
        if got:
            return f"{actor(r)} started {instance} {got[0] / 60:.0f} minutes after {got[1]} replaced its user data: " \
                   "the new script runs as root"
    return None


# --- guardrails of the services the rules cover --------------------------------------------------------
# Each of these undoes what a rule asks for (``wasec rules list`` names the control), in one API call.

def field(p: Any, name: str) -> Any:
    """A request parameter by name, whatever its case; newer EC2 and S3 Control APIs log theirs inside an
    ``XxxRequest`` wrapper, JSON services in PascalCase or camelCase."""
    if not isinstance(p, dict):
        return None
    low = name.lower()
    for k, v in p.items():
        if str(k).lower() == low:
            return v
    for k, v in p.items():
        if str(k).endswith("Request") and isinstance(v, dict):
            return field(v, name)
    return None


def turned_off(v: Any) -> bool:
    """A setting turned off however the record spells it: false, "false", "0", {"value": false}."""
    if isinstance(v, dict):
        v = field(v, "value")
    return v is False or (isinstance(v, str | int) and not isinstance(v, bool) and
                          str(v).strip().lower() in ("false", "0", "off", "disabled", "disable"))


def _source(r: dict[str, Any], service: str) -> bool:
    return str(r.get("eventSource", f"{service}.amazonaws.com")).startswith(f"{service}.")


NETWORK_FIREWALL_FLAGS = {"UpdateFirewallDeleteProtection": ("deleteProtection", "deletion protection"),
                          "UpdateSubnetChangeProtection": ("subnetChangeProtection", "subnet change protection"),
                          "UpdateFirewallPolicyChangeProtection": ("firewallPolicyChangeProtection",
                                                                   "policy change protection")}


@detection("network-firewall-unprotected", "Network Firewall protection against deletion or change removed", "medium",
           " ".join(NETWORK_FIREWALL_FLAGS), "T1562.007",
           "Turn the protection back on; a firewall that can be deleted or re-homed in one call is a step from gone.",
           wa=("SEC05-BP03", *DETECT))
def _nfw_protection(r: dict[str, Any]) -> str | None:
    flag, what = NETWORK_FIREWALL_FLAGS[r["eventName"]]
    p = params(r)
    if not _source(r, "network-firewall") or not turned_off(field(p, flag)):
        return None
    return f"{actor(r)} removed {what} from firewall {field(p, 'firewallName') or field(p, 'firewallArn')}"


@detection("network-firewall-deleted", "Network Firewall deleted", "high", "DeleteFirewall", "T1562.007",
           "Recreate the firewall from code; until then the VPC's traffic is not inspected.", wa=("SEC05-BP03", *DETECT))
def _nfw_deleted(r: dict[str, Any]) -> str | None:
    if not _source(r, "network-firewall"):
        return None
    p = params(r)
    return f"{actor(r)} deleted firewall {field(p, 'firewallName') or field(p, 'firewallArn')}"


@detection("network-firewall-logging-off", "Network Firewall logging turned off", "high", "UpdateLoggingConfiguration",
           "T1562.008", "Send the firewall's alert and flow logs to their destination again.",
           wa=("SEC04-BP01", *DETECT))
def _nfw_logging(r: dict[str, Any]) -> str | None:
    p = params(r)
    conf = field(p, "loggingConfiguration")
    if not _source(r, "network-firewall") or not isinstance(conf, dict):
        return None  # no configuration in the record: nothing to judge
    if field(conf, "logDestinationConfigs"):
        return None
    return f"{actor(r)} removed every log destination of firewall {field(p, 'firewallName') or field(p, 'firewallArn')}"


@detection("ssm-document-public", "Systems Manager document shared with every account", "high",
           "ModifyDocumentPermission", "T1537",
           "Remove 'All' from the document's share permission; its parameters and scripts may name hosts and secrets.",
           wa=("SEC03-BP07", *DETECT))
def _ssm_document(r: dict[str, Any]) -> str | None:
    p = params(r)
    added = field(p, "accountIdsToAdd") or []
    if not _source(r, "ssm") or not any(str(a).lower() == "all" for a in _items(added) or [added]):
        return None
    return f"{actor(r)} made document {field(p, 'name')} public"


@detection("ssm-public-sharing-enabled", "Public sharing of Systems Manager documents allowed", "medium",
           "UpdateServiceSetting", "T1562",
           "Set /ssm/documents/console/public-sharing-permission back to Disable.", wa=("SEC03-BP07", *DETECT))
def _ssm_sharing(r: dict[str, Any]) -> str | None:
    p = params(r)
    if "public-sharing-permission" not in str(field(p, "settingId")) or \
            str(field(p, "settingValue")).lower() != "enable":
        return None
    return f"{actor(r)} allowed documents to be shared publicly in {r.get('awsRegion')}"


@detection("vpc-block-public-access-off", "VPC Block Public Access turned off", "medium",
           "ModifyVpcBlockPublicAccessOptions", "T1562.007",
           "Set the internet gateway block mode back to block-bidirectional or block-ingress.", wa=("SEC05-BP01", *DETECT))
def _vpc_bpa(r: dict[str, Any]) -> str | None:
    if str(field(params(r), "internetGatewayBlockMode")).lower() != "off":
        return None
    return f"{actor(r)} turned off VPC Block Public Access in {r.get('awsRegion')}"


@detection("emr-block-public-access-off", "EMR block public access turned off", "high",
           "PutBlockPublicAccessConfiguration", "T1562.007",
           "Turn block public access back on; clusters can then be launched with security groups open to the internet.",
           wa=("SEC05-BP01", *DETECT))
def _emr_bpa(r: dict[str, Any]) -> str | None:
    conf = field(params(r), "blockPublicAccessConfiguration")
    if not _source(r, "elasticmapreduce") or not turned_off(field(conf, "blockPublicSecurityGroupRules")):
        return None
    return f"{actor(r)} turned off EMR block public access in {r.get('awsRegion')}"


@detection("source-dest-check-disabled", "Source/destination check turned off on an instance or interface", "medium",
           "ModifyNetworkInterfaceAttribute ModifyInstanceAttribute", "T1599",
           "Unless the instance is a NAT or firewall appliance, turn the check back on: without it the instance can "
           "forward traffic between networks.", wa=("SEC05-BP02", *DETECT))
def _source_dest(r: dict[str, Any]) -> str | None:
    p = params(r)
    if not turned_off(field(p, "sourceDestCheck")):
        return None
    return f"{actor(r)} turned off source/destination checking on {field(p, 'networkInterfaceId') or field(p, 'instanceId')}"


def _weak_password_policy(policy: Any) -> list[str]:
    if not isinstance(policy, dict):
        return []
    weak = [f"require {k.removeprefix('require').lower()}" for k in
            ("requireLowercase", "requireUppercase", "requireNumbers", "requireSymbols") if turned_off(field(policy, k))]
    length = field(policy, "minimumLength")
    if isinstance(length, int | str) and str(length).isdigit() and int(length) < 8:
        weak.insert(0, f"minimum length {length}")
    return weak


@detection("cognito-auth-weakened", "Cognito user pool password policy weakened or MFA turned off", "medium",
           "UpdateUserPool SetUserPoolMfaConfig", "T1556",
           "Restore the password policy (8+ characters, every class) and MFA; check sign-ups and sign-ins since.",
           wa=("SEC02-BP01", *DETECT))
def _cognito(r: dict[str, Any]) -> str | None:
    p = params(r)
    if not _source(r, "cognito-idp"):
        return None
    pool = field(p, "userPoolId")
    if r["eventName"] == "SetUserPoolMfaConfig":
        return f"{actor(r)} turned off MFA for user pool {pool}" if str(field(p, "mfaConfiguration")) == "OFF" else None
    weak = _weak_password_policy(field(field(p, "policies"), "passwordPolicy"))
    return f"{actor(r)} weakened the password policy of user pool {pool}: {', '.join(weak)}" if weak else None


# parameter → values that stop requiring TLS (RDS PostgreSQL/SQL Server, MySQL/MariaDB, DocumentDB, Redshift)
TLS_PARAMETERS = {"rds.force_ssl": ("0", "false", "off"), "require_secure_transport": ("0", "off", "false"),
                  "tls": ("disabled",), "require_ssl": ("false", "0", "off")}


@detection("db-tls-not-required", "Database parameter group stops requiring TLS", "high",
           "ModifyDBParameterGroup ModifyDBClusterParameterGroup ModifyClusterParameterGroup", "T1040",
           "Set the parameter back (rds.force_ssl=1, require_secure_transport=ON, tls=enabled, require_ssl=true) "
           "and reboot the instances that use the group.", wa=("SEC09-BP02", *DETECT))
def _db_tls(r: dict[str, Any]) -> str | None:
    p = params(r)
    for item in _items(field(p, "parameters")):
        name = str(field(item, "parameterName")).lower()
        if str(field(item, "parameterValue")).strip().lower() in TLS_PARAMETERS.get(name, ()):
            group = field(p, "dBParameterGroupName") or field(p, "dBClusterParameterGroupName") or \
                field(p, "parameterGroupName")
            return f"{actor(r)} set {name}={field(item, 'parameterValue')} in parameter group {group}"
    return None


@detection("client-vpn-logging-off", "Client VPN connection logging turned off", "medium", "ModifyClientVpnEndpoint",
           "T1562.008", "Turn connection logging back on; who connected from where is the evidence a VPN leaves.",
           wa=("SEC04-BP01", *DETECT))
def _client_vpn(r: dict[str, Any]) -> str | None:
    p = params(r)
    if not turned_off(field(field(p, "connectionLogOptions"), "enabled")):
        return None
    return f"{actor(r)} turned off connection logging on Client VPN endpoint {field(p, 'clientVpnEndpointId')}"


@detection("db-event-subscription-removed", "Database event notifications deleted or disabled", "medium",
           "DeleteEventSubscription ModifyEventSubscription", "T1562.006",
           "Restore the event subscription from code; failovers, deletions and security group changes go unnoticed.",
           wa=("SEC04-BP03", *DETECT))
def _event_subscription(r: dict[str, Any]) -> str | None:
    p = params(r)
    if r["eventName"] == "ModifyEventSubscription" and not turned_off(field(p, "enabled")):
        return None
    verb = "deleted" if r["eventName"] == "DeleteEventSubscription" else "disabled"
    return f"{actor(r)} {verb} event subscription {field(p, 'subscriptionName')} ({r.get('eventSource')})"


@detection("elb-deletion-protection-removed", "Load balancer deletion protection removed", "low",
           "ModifyLoadBalancerAttributes", "T1485",
           "Turn deletion protection back on unless the load balancer is being retired.")
def _elb_protection(r: dict[str, Any]) -> str | None:
    p = params(r)
    for a in _items(field(p, "attributes")):
        if str(field(a, "key")) == "deletion_protection.enabled" and turned_off(field(a, "value")):
            return f"{actor(r)} removed deletion protection from {field(p, 'loadBalancerArn')}"
    return None


@detection("redshift-made-public", "Redshift cluster or workgroup made publicly accessible", "high",
           "ModifyCluster UpdateWorkgroup", "T1190", "Set PubliclyAccessible back to false.",
           wa=("SEC05-BP01", *DETECT))
def _redshift_public(r: dict[str, Any]) -> str | None:
    p = params(r)
    if not str(r.get("eventSource", "redshift")).startswith("redshift") or field(p, "publiclyAccessible") is not True:
        return None
    return f"{actor(r)} made {field(p, 'clusterIdentifier') or field(p, 'workgroupName')} publicly accessible"


# --- attack techniques CloudTrail alone shows: credentials, sign-in, data theft, hiding, new doors -----------

QUARANTINE = re.compile(r"::aws:policy/AWSCompromisedKeyQuarantine(V\d+)?$")
EXPOSED_INLINE = "AWSExposedCredentialPolicy_DO_NOT_REMOVE"  # the inline policy AWS attached before the managed one


@detection("access-key-exposed", "AWS quarantined a user whose access key it found exposed", "high",
           "AttachUserPolicy PutUserPolicy", "T1552", "AWS found the key in public (a repository, a paste): deactivate and delete "
           "it, review everything the user did since the key was created, and leave the quarantine policy attached "
           "until then.", wa=("SEC02-BP05", *DETECT))
def _key_exposed(r: dict[str, Any]) -> str | None:
    """AWS attaches its AWSCompromisedKeyQuarantine policy to a user when it finds one of the user's keys
    published; the key was public before anyone here knew."""
    p = params(r)
    name = str(p.get("policyName") or "")
    policy = str(p.get("policyArn", "")).rsplit("/", 1)[-1] if QUARANTINE.search(str(p.get("policyArn", ""))) else \
        name if name == EXPOSED_INLINE or re.fullmatch(r"AWSCompromisedKeyQuarantine(V\d+)?", name) else None
    if not policy or not p.get("userName"):
        return None
    STATE.seen.setdefault("quarantined", []).append((_when(r), str(p["userName"])))
    return f"{actor(r)} attached {policy} to {p['userName']}: AWS found its key exposed"


@detection("quarantined-key-used", "A quarantined user's credentials used after AWS found its key exposed",
           "critical", "*", "T1078.004", "Delete the user's access keys now (the quarantine policy denies only some "
           "actions); find the caller by its address and user agent, and review what its calls reached.",
           wa=("SEC02-BP05", *DETECT), failures=True, marker=b"IAMUser", armed=lambda: bool(STATE.seen.get("quarantined")),
           state="a sequence: the users AWS quarantined (access-key-exposed), then any call with their credentials")
def _quarantined_use(r: dict[str, Any]) -> str | None:
    quarantined = STATE.seen.get("quarantined")
    if not quarantined:
        return None  # nearly always: nothing quarantined in this run
    u = ident(r)
    user = u.get("userName")
    if u.get("type") != "IAMUser" or not isinstance(user, str) or user not in {x for _, x in quarantined}:
        return None
    when = min(t for t, x in quarantined if x == user)
    ip = r.get("sourceIPAddress")
    if _when(r) < when or not STATE.once(f"quarantined|{user}|{ip}", _when(r), 3600):
        return None
    outcome = f"denied ({r['errorCode']})" if r.get("errorCode") else "allowed"
    return f"{user}'s key {u.get('accessKeyId', '?')} called {r.get('eventName')} from {ip} after AWS quarantined " \
           f"the user: {outcome}"


def _login(r: dict[str, Any]) -> str | None:
    """"Success" or "Failure" for a console sign-in record."""
    return obj(r, "responseElements").get("ConsoleLogin") if r.get("eventName") == "ConsoleLogin" else None


@detection("root-console-login-failed", "Failed root sign-in to the console", "medium", "ConsoleLogin", "T1110.001",
           "Someone knows the root email address and is guessing: check root has MFA and a long unique password.",
           wa=("SEC02-BP01", *DETECT), failures=True)
def _root_login_failed(r: dict[str, Any]) -> str | None:
    if not is_root(r) or _login(r) != "Failure":
        return None
    return f"a root sign-in failed from {r.get('sourceIPAddress')} ({r.get('errorMessage') or 'no reason given'})"


SIGNIN_BURST = 5  # failed sign-ins from one address, or for one user, within 10 minutes


def _signin_keys(r: dict[str, Any]) -> list[str]:
    u = ident(r)
    user = u.get("userName") or u.get("principalId")
    keys = [f"ip:{r.get('sourceIPAddress')}"]
    if user and user != "HIDDEN_DUE_TO_SECURITY_REASONS":  # CloudTrail hides names that are no user's
        keys.append(f"user:{u.get('accountId') or r.get('recipientAccountId')}/{user}")
    return keys


@detection("console-login-brute-force", "Failed console sign-ins in a burst", "high", "ConsoleLogin", "T1110.001",
           "Block the address (a WAF or network ACL will not help the console: confirm every user has MFA), and "
           "check for a successful sign-in from it.", wa=("SEC02-BP01", *DETECT), failures=True,
           state=f"a burst: {SIGNIN_BURST} failed console sign-ins from one address or for one user within 10 minutes")
def _brute_force(r: dict[str, Any]) -> str | None:
    if _login(r) != "Failure":
        return None
    when, item = _when(r), str(r.get("eventID") or r.get("eventTime"))
    fired = None
    for key in _signin_keys(r):
        STATE.add(f"signin-hour|{key}", when, item, 3600)  # for the sign-in that may follow
        n = STATE.add(f"signin|{key}", when, item, 600)
        if n >= SIGNIN_BURST and STATE.once(f"signin|{key}", when, 600) and fired is None:
            fired = f"{n} failed console sign-ins {'from ' + key[3:] if key.startswith('ip:') else 'for ' + key[5:]} " \
                    "within 10 minutes"
    return fired


@detection("console-login-after-brute-force", "Successful console sign-in after a burst of failures", "critical",
           "ConsoleLogin", "T1110.001", "Treat the account as taken over: end its sessions, reset its password and "
           "MFA, and review what it did since signing in.", wa=("SEC02-BP01", *DETECT),
           state=f"a sequence: {SIGNIN_BURST} or more failed sign-ins from the address or for the user in the hour "
                 "before a successful one")
def _after_brute_force(r: dict[str, Any]) -> str | None:
    if _login(r) != "Success":
        return None
    for key in _signin_keys(r):
        seen = [t for t, _ in STATE.seen.get(f"signin-hour|{key}", []) if 0 <= _when(r) - t <= 3600]
        if len(seen) >= SIGNIN_BURST:
            by = f"from {key[3:]}" if key.startswith("ip:") else f"for {key[5:]}"
            return f"{actor(r)} signed in from {r.get('sourceIPAddress')} after {len(seen)} failed sign-ins {by} " \
                   "in the hour before"
    return None


@detection("console-session-from-keys", "Console session made from API credentials", "medium", "GetSigninToken",
           "T1550.001", "Confirm the caller uses a console federation tool on purpose; attackers with stolen keys "
           "open the console this way to look around as a person would.", wa=("SEC02-BP02", *DETECT))
def _signin_token(r: dict[str, Any]) -> str | None:
    """GetSigninToken turns a federation token or a role session into a console sign-in URL: the step from
    access keys to the web console that stolen-key toolkits automate."""
    u = ident(r)
    if r.get("eventSource") not in ("signin.amazonaws.com", None) or service_itself(r) or \
            "/AWSReservedSSO_" in str(u.get("arn", "")):
        return None  # the IAM Identity Center portal signs its users in this way
    return f"{actor(r)} ({u.get('type')}) turned its API credentials into a console session from " \
           f"{r.get('sourceIPAddress')}"


@detection("rds-export-to-s3", "RDS snapshot or cluster exported to S3", "medium", "StartExportTask", "T1537",
           "Check the export was planned: the bucket holds the database's data as Parquet files, outside the "
           "database's access controls.", wa=("SEC07-BP02", *DETECT))
def _rds_export(r: dict[str, Any]) -> str | None:
    if r.get("eventSource") not in ("rds.amazonaws.com", None):
        return None
    p = params(r)
    return f"{actor(r)} exported {field(p, 'sourceArn')} to s3://{field(p, 's3BucketName')}/" \
           f"{field(p, 's3Prefix') or ''} (task {field(p, 'exportTaskIdentifier')})"


@detection("rds-deleted", "RDS database instance or cluster deleted", "medium", "DeleteDBInstance DeleteDBCluster",
           "T1485", "Restore from the final snapshot or a backup if the deletion was not planned; turn on deletion "
           "protection for the databases that must stay.", wa=("SEC09-BP02", *DETECT))
def _rds_deleted(r: dict[str, Any]) -> str | None:
    if service_itself(r):
        return None
    p = params(r)
    name = field(p, "dBInstanceIdentifier") or field(p, "dBClusterIdentifier")
    final = "without a final snapshot" if field(p, "skipFinalSnapshot") is True else "with a final snapshot"
    return f"{actor(r)} deleted database {name} {final}"


def _account_of_arn(value: Any) -> str | None:
    parts = str(value or "").split(":")
    return parts[4] if len(parts) > 5 and parts[0] == "arn" and parts[4].isdigit() else None


@detection("rds-restored-from-foreign-snapshot", "Database restored from another account's snapshot", "medium",
           "RestoreDBInstanceFromDBSnapshot RestoreDBClusterFromSnapshot", "T1525",
           "Check whose snapshot it is: a public or shared snapshot can carry users, procedures and data someone "
           "else chose.", wa=("SEC06-BP02", *DETECT))
def _rds_foreign_restore(r: dict[str, Any]) -> str | None:
    p = params(r)
    snapshot = field(p, "dBSnapshotIdentifier") or field(p, "snapshotIdentifier")
    account = _account_of_arn(snapshot)
    own = r.get("recipientAccountId") or ident(r).get("accountId")
    if account is None or account == own:
        return None
    return f"{actor(r)} restored {field(p, 'dBInstanceIdentifier') or field(p, 'dBClusterIdentifier')} from " \
           f"{snapshot}, a snapshot of account {account}"


def _bucket_account(r: dict[str, Any], bucket: Any) -> str | None:
    """The owner account CloudTrail names for a bucket in the record's resources (data events carry it)."""
    for res in _list(r.get("resources")):
        if isinstance(res, dict) and res.get("type") == "AWS::S3::Bucket" and \
                str(res.get("ARN") or res.get("arn") or "").endswith(f":::{bucket}") and res.get("accountId"):
            return str(res["accountId"])
    return None


@detection("s3-copied-to-another-account", "S3 objects copied into another account's bucket", "high",
           "CopyObject UploadPartCopy", "T1537", "Find out whose bucket it is; if not a partner's, the data is "
           "leaving: stop the principal and deny writes outside the organization (aws:ResourceOrgID).",
           wa=("SEC07-BP02", *DETECT))
def _s3_copy_out(r: dict[str, Any]) -> str | None:
    p = params(r)
    caller = ident(r).get("accountId")
    owner = _bucket_account(r, p.get("bucketName"))
    if owner is None:  # the destination not named among the resources: a foreign bucket that is not the source
        source = str(p.get("x-amz-copy-source") or "").lstrip("/").split("/", 1)[0]
        owner = next((str(x["accountId"]) for x in _list(r.get("resources")) if isinstance(x, dict) and
                      x.get("type") == "AWS::S3::Bucket" and x.get("accountId") and str(x["accountId"]) != caller and
                      not str(x.get("ARN") or x.get("arn") or "").endswith(f":::{source}")), None)
    if not from_s3(r) or not caller or not owner or owner == caller:
        return None
    return f"{actor(r)} copied {p.get('x-amz-copy-source') or 'an object'} to s3://{p.get('bucketName')}/" \
           f"{p.get('key')}, a bucket of account {owner}"


@detection("s3-reencrypted-with-foreign-key", "S3 objects written with another account's KMS key", "critical",
           "CopyObject PutObject UploadPartCopy CreateMultipartUpload", "T1486",
           "Ransomware pattern: whoever owns the key decides who can read the objects again. Stop the principal, "
           "restore earlier versions, and allow only your keys (s3:x-amz-server-side-encryption-aws-kms-key-id).",
           wa=("SEC09-BP02", *DETECT))
def _s3_foreign_key(r: dict[str, Any]) -> str | None:
    p = params(r)
    key = p.get("x-amz-server-side-encryption-aws-kms-key-id") or p.get("SSEKMSKeyId")
    account = _account_of_arn(key)
    own = _bucket_account(r, p.get("bucketName")) or r.get("recipientAccountId")
    if not from_s3(r) or account is None or account == own:
        return None
    return f"{actor(r)} wrote s3://{p.get('bucketName')}/{p.get('key')} encrypted with {key}, a key of account {account}"


@detection("s3-replication-removed", "S3 bucket replication deleted", "medium", "DeleteBucketReplication", "T1490",
           "Restore the replication configuration from code: the copy elsewhere is what survives a deletion here.",
           wa=("SEC09-BP02", *DETECT))
def _replication_removed(r: dict[str, Any]) -> str | None:
    return f"{actor(r)} deleted the replication of bucket {params(r).get('bucketName')}" if from_s3(r) else None


@detection("s3-replication-to-another-account", "S3 bucket replicated into another account", "high",
           "PutBucketReplication", "T1537", "Check the destination account is yours (a backup account); if not, "
           "every new object is being copied out.", wa=("SEC07-BP02", *DETECT))
def _replication_out(r: dict[str, Any]) -> str | None:
    conf = field(params(r), "ReplicationConfiguration")
    own = r.get("recipientAccountId")
    rules = field(conf, "Rule")
    for rule in rules if isinstance(rules, list) else [rules]:
        dest = field(rule, "Destination")
        account = field(dest, "Account")
        if account and str(account) != own:
            return f"{actor(r)} replicated bucket {params(r).get('bucketName')} into {field(dest, 'Bucket')} of " \
                   f"account {account}"
    return None


NOTE = re.compile(r"(^|/)[^/]*(readme|ransom|decrypt|recover|restore|how[_ -]?to|your[_ -]?(files|data)|"
                  r"warning|attention|contact|payment|bitcoin|btc)[^/]*\.(txt|html?|md|rtf)$", re.IGNORECASE)


@detection("s3-ransom-note", "A note uploaded after objects were deleted or rewritten in bulk", "critical",
           "PutObject", "T1486", "Ransomware: do not pay or reply first — stop the principal, then restore from "
           "versions and backups; the note names the demand.", wa=("SEC09-BP02", "SEC10-BP06", *DETECT),
           state="a sequence: a bulk deletion or rewrite alert (mass-deletion, s3-permanent-deletion, "
                 "s3-sse-c-rewrite) by the same caller, then a note-like object within an hour")
def _ransom_note(r: dict[str, Any]) -> str | None:
    p = params(r)
    key = str(p.get("key") or "")
    if not from_s3(r) or not NOTE.search(key):
        return None
    got = _recall("wiped", actor(r), r, forget=False)
    if not got:
        return None
    return f"{actor(r)} uploaded s3://{p.get('bucketName')}/{key} {got[0] / 60:.0f} minutes after {got[1]}"


def _findings_count(r: dict[str, Any], ids_field: str, kind: str, threshold: int) -> int | None:
    """How many findings a call hid: at once (``threshold`` in one call) or in a burst by one caller."""
    ids = _items(field(params(r), ids_field))
    n = 0
    for i in ids:
        item = str(field(i, "Id") if isinstance(i, dict) else i)
        n = max(n, _burst(r, kind, item, threshold) or 0)
    return max(n, len(ids)) if n else None


@detection("securityhub-findings-suppressed", "Security Hub findings suppressed in bulk, or a rule that will", "medium",
           "BatchUpdateFindings CreateAutomationRule BatchUpdateAutomationRules", "T1562",
           "Check each suppressed finding was reviewed; an automation rule that suppresses hides every future match.",
           wa=("SEC04-BP03", *DETECT),
           state="a burst: 10 different findings suppressed by one caller within 10 minutes (or in one call)")
def _sh_suppressed(r: dict[str, Any]) -> str | None:
    if r.get("eventSource") not in ("securityhub.amazonaws.com", None) or service_linked(r):
        return None
    p = params(r)
    if r.get("eventName") != "BatchUpdateFindings":
        text = json.dumps(p).upper()
        return f"{actor(r)} set an automation rule that suppresses findings" \
            if '"SUPPRESSED"' in text or '"RESOLVED"' in text else None
    status = str(field(field(p, "Workflow"), "Status") or "").upper()
    if status not in ("SUPPRESSED", "RESOLVED"):
        return None
    n = _findings_count(r, "FindingIdentifiers", "sh-suppressed", 10)
    return f"{actor(r)} set {n} findings to {status} within 10 minutes" if n else None


@detection("guardduty-findings-suppressed", "GuardDuty findings archived in bulk, or a filter that archives", "medium",
           "ArchiveFindings CreateFilter UpdateFilter", "T1562", "Review the archived findings and the filter's "
           "criteria: an auto-archive filter hides every future finding it matches.", wa=("SEC04-BP03", *DETECT),
           state="a burst: 10 different findings archived by one caller within 10 minutes (or in one call)")
def _gd_suppressed(r: dict[str, Any]) -> str | None:
    if r.get("eventSource") not in ("guardduty.amazonaws.com", None):
        return None
    p = params(r)
    if r.get("eventName") != "ArchiveFindings":
        if str(field(p, "action") or "").upper() != "ARCHIVE":
            return None
        return f"{actor(r)} set filter {field(p, 'name') or field(p, 'filterName')} to archive findings automatically"
    n = _findings_count(r, "findingIds", "gd-archived", 10)
    return f"{actor(r)} archived {n} GuardDuty findings within 10 minutes" if n else None


@detection("guardduty-ip-lists-changed", "GuardDuty trusted IP list or threat list changed", "medium",
           "CreateIPSet UpdateIPSet DeleteIPSet DeleteThreatIntelSet UpdateThreatIntelSet", "T1562.001",
           "A trusted IP list silences findings from its addresses: check every address in it is yours, and that "
           "the threat lists still load.", wa=("SEC04-BP02", *DETECT))
def _gd_lists(r: dict[str, Any]) -> str | None:
    if r.get("eventSource") != "guardduty.amazonaws.com":
        return None  # WAF has calls by the same names
    p = params(r)
    what = "trusted IP list" if "IPSet" in str(r.get("eventName")) else "threat list"
    name = str(r.get("eventName"))
    verb = "created" if name.startswith("Create") else "deleted" if name.startswith("Delete") else "changed"
    return f"{actor(r)} {verb} GuardDuty {what} {field(p, 'name') or field(p, 'ipSetId') or field(p, 'threatIntelSetId')} " \
           f"({field(p, 'location') or 'no location given'})"


def _broad(cidr: Any) -> bool:
    try:
        net = ipaddress.ip_network(str(cidr), strict=False)
    except ValueError:
        return False
    return net.prefixlen <= (8 if net.version == 4 else 16)


@detection("waf-ip-set-opened", "WAF IP set widened to most of the internet", "high", "UpdateIPSet CreateIPSet",
           "T1562.007", "Restore the IP set's addresses: a rule that allows (or exempts) it now covers nearly "
           "everyone.", wa=("SEC05-BP03", *DETECT))
def _waf_ip_set(r: dict[str, Any]) -> str | None:
    if not str(r.get("eventSource", "")).startswith(("wafv2.", "waf.", "waf-regional.")):
        return None
    p = params(r)
    addresses = [a for a in _items(field(p, "addresses")) if _broad(a)]
    for u in _items(field(p, "updates")):  # WAF Classic: {action: INSERT, iPSetDescriptor: {value}}
        if str(field(u, "action")).upper() == "INSERT" and _broad(field(field(u, "iPSetDescriptor"), "value")):
            addresses.append(field(field(u, "iPSetDescriptor"), "value"))
    if not addresses:
        return None
    return f"{actor(r)} put {', '.join(map(str, addresses))} in WAF IP set {field(p, 'name') or field(p, 'iPSetId')}"


@detection("macie-paused", "Macie paused", "medium", "UpdateMacieSession", "T1562.001",
           "Resume Macie; sensitive data written meanwhile was not classified.", wa=("SEC07-BP02", *DETECT))
def _macie(r: dict[str, Any]) -> str | None:
    if str(field(params(r), "status") or "").upper() != "PAUSED":
        return None
    return f"{actor(r)} paused Macie in {r.get('awsRegion')}"


@detection("codebuild-project-public", "CodeBuild project made public", "high", "UpdateProjectVisibility", "T1530",
           "Make the project private: anyone can read its build logs and artifacts, where secrets often end up.",
           wa=("SEC03-BP07", *DETECT))
def _codebuild_public(r: dict[str, Any]) -> str | None:
    p = params(r)
    if str(field(p, "projectVisibility") or "").upper() != "PUBLIC_READ":
        return None
    return f"{actor(r)} made CodeBuild project {field(p, 'projectArn')} public"


@detection("identity-provider-changed", "SAML or OIDC identity provider created or changed", "medium",
           "CreateSAMLProvider UpdateSAMLProvider CreateOpenIDConnectProvider UpdateOpenIDConnectProviderThumbprint "
           "AddClientIDToOpenIDConnectProvider", "T1484.002",
           "Confirm the provider is your identity provider: whoever controls it can sign in to any role that trusts "
           "it.", wa=("SEC02-BP04", *DETECT))
def _idp(r: dict[str, Any]) -> str | None:
    if service_itself(r) or service_linked(r):
        return None  # IAM Identity Center keeps its own SAML provider
    p = params(r)
    name = field(p, "name") or field(p, "sAMLProviderArn") or field(p, "url") or field(p, "openIDConnectProviderArn")
    return f"{actor(r)} called {r.get('eventName')} for {name}"


@detection("region-enabled", "Opt-in region enabled", "low", "EnableRegion", "T1535",
           "Check the region is wanted: attackers run resources where nobody looks, and detective controls may "
           "not cover a new region yet.", wa=("SEC01-BP06", *DETECT))
def _region(r: dict[str, Any]) -> str | None:
    return f"{actor(r)} enabled region {field(params(r), 'regionName')}"


@detection("traffic-mirroring-started", "VPC traffic mirroring session created or changed", "high",
           "CreateTrafficMirrorSession ModifyTrafficMirrorSession", "T1040",
           "Check the mirror target is a sanctioned monitoring appliance: a session copies every packet of the "
           "interface, secrets in cleartext included.", wa=("SEC05-BP03", *DETECT), failures=True)
def _mirror(r: dict[str, Any]) -> str | None:
    """A mirror session copies an interface's packets to a target; filters and targets alone copy nothing.
    A refused attempt is reported too: someone tried."""
    p = params(r)
    verb = "tried to mirror" if r.get("errorCode") else "mirrored"
    session = field(p, "trafficMirrorSessionId")
    what = f"session {session}" if session else f"the traffic of {field(p, 'networkInterfaceId')}"
    return f"{actor(r)} {verb} {what} to {field(p, 'trafficMirrorTargetId') or 'its target'}"


KEY_CHECKERS = ("trufflehog",)  # secret scanners that verify a found AWS key by calling GetCallerIdentity


@detection("key-checked-by-scanner", "An access key checked by a secret-scanning tool", "low", "GetCallerIdentity",
           "T1078.004", "Someone ran a secret scanner's verification on this key: if not your own scan, the key is "
           "public — rotate it.", wa=("SEC02-BP05", *DETECT), failures=True)
def _key_checked(r: dict[str, Any]) -> str | None:
    ua = str(r.get("userAgent") or "").lower()
    tool = next((t for t in KEY_CHECKERS if t in ua), None)
    if tool is None:
        return None
    key = ident(r).get("accessKeyId")
    return f"{tool} verified key {key} of {actor(r)} from {r.get('sourceIPAddress')}"


# Lambda logs its calls under the API version's name: AddPermission20150331v2, UpdateFunctionCode20150331v2,
# PublishLayerVersion20181031. A detection names the call; the version is read off.
API_VERSION = re.compile(r"(?:19|20)\d{6}(?:v\d+)?$")


class Dispatch(dict[str, list[Detection]]):
    """eventName in lower case → detections; a versioned name falls back to its plain one (looked up once)."""

    def __missing__(self, name: str) -> list[Detection]:
        plain = API_VERSION.sub("", name)
        found = self.get(plain, []) if plain != name else []
        if len(self) < 20_000:  # hostile input with endless distinct names does not grow it without bound
            self[name] = found
        return found


def dispatch(detections: Iterable[Detection] | None = None) -> Dispatch:
    """eventName in lower case → the detections that read it ("*": every record). Sigma compares names
    without regard to case, so wasec does too."""
    out = Dispatch()
    for d in REGISTRY.values() if detections is None else detections:
        for e in d.events:
            out.setdefault(e if e == "*" else e.lower(), []).append(d)
    return out
