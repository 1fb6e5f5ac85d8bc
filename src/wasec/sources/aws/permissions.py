"""The IAM policy a live scan needs, derived from the calls the collectors declare.

Most API operations share their IAM action's name; the table below lists the ones that do not.
A test checks that every declared call maps to an action, so the printed policy cannot fall behind
the collectors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from wasec.sources.aws.spec import load_collectors

# boto3 service name → IAM service prefix, where they differ
PREFIX = {
    "elb": "elasticloadbalancing", "elbv2": "elasticloadbalancing", "opensearch": "es", "stepfunctions": "states",
    "s3control": "s3", "apigatewayv2": "apigateway", "accessanalyzer": "access-analyzer", "emr": "elasticmapreduce",
    "efs": "elasticfilesystem", "sso-admin": "sso",
}

# (service, operation) → IAM action, where the action is not prefix:Operation
ACTION = {
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3", "GetObjectLockConfiguration"): "s3:GetBucketObjectLockConfiguration",
    ("s3", "GetBucketLifecycleConfiguration"): "s3:GetLifecycleConfiguration",
    ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
    ("account", "GetAlternateContact"): "account:GetAlternateContact",
}

# calls the runner makes itself, outside any collector
RUNNER_CALLS = (("ec2", "DescribeRegions"),)
ORG_CALLS = (("organizations", "ListAccounts"),)


def action(service: str, op: str) -> str:
    if (service, op) in ACTION:
        return ACTION[(service, op)]
    if service in ("apigateway", "apigatewayv2"):
        return "apigateway:GET"  # API Gateway authorises reads by HTTP verb
    return f"{PREFIX.get(service, service)}:{op}"


def actions(services: Iterable[str] = ()) -> list[str]:
    wanted = {s.lower() for s in services}
    calls = {(c.service, op) for c in load_collectors().values() if not wanted or c.service in wanted for op in c.calls}
    calls.update(RUNNER_CALLS)
    return sorted({action(s, op) for s, op in calls})


def policy_document(services: Iterable[str] = (), commands: Mapping[str, Iterable[tuple[str, str]]] | None = None,
                    scan: bool = True) -> dict[str, Any]:
    """A least-privilege identity policy for ``wasec scan aws`` (with the org statement for ``--org``) and, for
    each other command named in ``commands`` (statement id → the calls it declares), a statement of its own."""
    statements: list[dict[str, Any]] = []
    if scan:
        statements += [
            {"Sid": "WasecReadOnlyScan", "Effect": "Allow", "Action": actions(services), "Resource": "*"},
            {"Sid": "WasecOrganizationAccounts", "Effect": "Allow",
             "Action": sorted(action(s, op) for s, op in ORG_CALLS), "Resource": "*"},
        ]
    for sid, calls in (commands or {}).items():
        statements.append({"Sid": sid, "Effect": "Allow", "Action": sorted({action(s, op) for s, op in calls}),
                           "Resource": "*"})
    return {"Version": "2012-10-17", "Statement": statements}
