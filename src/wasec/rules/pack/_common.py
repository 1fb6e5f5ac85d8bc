"""Shapes shared by the rule pack: declarative attribute rules, KMS key checks, policy documents."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from wasec.model.values import RefStr, Unknown, UnknownValue
from wasec.rules.registry import rule
from wasec.rules.view import MISSING, Fail, Skip, Unsure, View, truthy


def expect(
    id: str,
    *,
    types: Iterable[str],
    path: str | dict[str, str],
    message: str,
    ok: Callable[[Any], bool] | None = None,
    default: Any = MISSING,
    applies: Callable[[View], bool] | None = None,
    **meta: Any,
) -> None:
    """Register a rule that reads one property: ``ok(value)`` must hold.

    Without ``ok`` the property must merely be present (a reference to a key or log group counts).
    ``default`` is the value AWS applies when the property is absent (MISSING: absence fails).
    ``path`` may differ per resource type.
    """

    def check(r: View) -> Any:
        if applies is not None and not applies(r):
            return Skip()
        p = path[r.type] if isinstance(path, dict) else path
        if ok is None:
            return None if r.present(p) else Fail(p, message)
        v = r.get(p, MISSING)
        if v is MISSING:
            if default is MISSING:
                return Fail(p, message)
            v = default
        if not ok(v):
            return Fail(p, message, v)
        return None

    rule(id, types=types, **meta)(check)


def is_true(v: Any) -> bool:
    return truthy(v)


def aws_managed_key(value: Any) -> bool:
    """An AWS-managed key alias (``alias/aws/s3``) rather than a customer managed key."""
    text = value.text if isinstance(value, Unknown) else value
    if not isinstance(text, str):
        return False
    t = text.strip()
    return t.startswith("alias/aws/") or ":alias/aws/" in t


KMS = ("AWS::KMS::Key", "AWS::KMS::Alias")


def customer_key(r: View, path: str) -> Fail | None:
    """Fail unless ``path`` names a customer managed KMS key."""
    if r.source == "aws":
        r.in_region("AWS::KMS::Key")  # a live key is judged by its metadata: it must have been read
    v = r.raw(path)
    if isinstance(v, Unknown):
        if aws_managed_key(v):
            return Fail(path, "uses an AWS managed key, not a customer managed key", v.text)
        target = r.resolve(v)
        if target is not None:
            return _key_resource(r, path, target)
        for ref in v.refs:
            kind = ref.rsplit(".", 2)[-2] if "." in ref else ""
            if kind in ("aws_kms_key", "aws_kms_replica_key", "aws_kms_external_key"):
                return None
        if v.nonnull and v.refs:
            return None  # a reference to a key resource declared elsewhere in the stack
        raise UnknownValue(f"{path} is unknown: {v.reason}", path)
    if v is None or v == "":
        return Fail(path, "no customer managed KMS key is set")
    if isinstance(v, RefStr):
        target = r.resolve(v)
        if target is not None:
            return _key_resource(r, path, target)
    if aws_managed_key(v):
        return Fail(path, "uses an AWS managed key, not a customer managed key", v)
    return None


def _key_resource(r: View, path: str, target: Any) -> Fail | None:
    if target.type == "AWS::KMS::Key" and target.properties.get("KeyManager") == "AWS":
        return Fail(path, "uses an AWS managed key, not a customer managed key", target.id)
    if target.type == "AWS::KMS::Alias":
        name = target.properties.get("AliasName")
        if isinstance(name, str) and name.startswith("alias/aws/"):
            return Fail(path, "uses an AWS managed key, not a customer managed key", name)
    return None


def policy_documents(r: View) -> list[tuple[str, Any]]:
    """Every IAM policy document a principal or policy resource carries, with its path."""
    docs: list[tuple[str, Any]] = []
    if r.type in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
        docs.append(("PolicyDocument", r.raw("PolicyDocument")))
    elif r.type == "AWS::SSO::PermissionSet" and r.raw("InlinePolicy") is not None:
        doc = r.raw("InlinePolicy")
        if isinstance(doc, str):  # CloudFormation takes the document as an object or as JSON text
            try:
                doc = json.loads(doc)
            except ValueError:
                doc = Unknown("InlinePolicy is not valid JSON")
        docs.append(("InlinePolicy", doc))
    for path, p in r.items("Policies") if r.type in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group") else []:
        if isinstance(p, dict):
            docs.append((f"{path}.PolicyDocument", p.get("PolicyDocument")))
        elif isinstance(p, Unknown):
            docs.append((path, p))
    return docs


PRINCIPAL_TYPES = ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group")
# an IAM Identity Center permission set becomes a role in each account it is assigned to
GRANT_TYPES = (*PRINCIPAL_TYPES, "AWS::SSO::PermissionSet")
POLICY_TYPES = ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", *GRANT_TYPES)


def is_log_bucket(r: View) -> bool:
    """A bucket that receives S3 server access logs (it cannot use SSE-KMS and should not log itself)."""
    if r.raw("AccessControl") == "LogDeliveryWrite":
        return True
    grants = r.raw("AccessControlPolicy.Grants")
    if isinstance(grants, list):
        for g in grants:
            if isinstance(g, dict) and "LogDelivery" in str((g.get("Grantee") or {}).get("URI", "")):
                return True
    from wasec.analyzers.policy import principal_values, statements

    doc = r.raw("PolicyDocument")
    if isinstance(doc, dict):
        try:
            for s in statements(doc):
                for t, v in principal_values(s):
                    if t == "Service" and v == "logging.s3.amazonaws.com":
                        return True
        except UnknownValue:
            pass
    return any(other is not r.resource for other in r.related("AWS::S3::Bucket", "LoggingConfiguration.DestinationBucketName"))


def timestamp(v: Any) -> dt.datetime | None:
    """A timestamp from the API or the inventory (aware, UTC), or None."""
    if isinstance(v, dt.datetime):
        return v if v.tzinfo else v.replace(tzinfo=dt.UTC)
    if isinstance(v, str) and v:
        try:
            t = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            return None
        return t if t.tzinfo else t.replace(tzinfo=dt.UTC)
    return None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


_OWN_ACCOUNT = re.compile(r"\$\{(AWS::AccountId|data\.aws_caller_identity\.[\w-]+\.account_id)\}")
_ACCOUNT_IN = re.compile(r"(?:^|:)(\d{12})(?::|$)")


def principal_account(v: Any) -> str | None:
    """"self" for the deploying account, an account id, or None when not an account principal."""
    text = v.text if isinstance(v, Unknown) else v
    if not isinstance(text, str):
        return None
    if _OWN_ACCOUNT.search(text):
        return "self"
    if re.fullmatch(r"\d{12}", text.strip()):
        return text.strip()
    m = _ACCOUNT_IN.search(text.replace("arn:aws:iam::", ":").replace("arn:aws-us-gov:iam::", ":"))
    return m.group(1) if m else None


# -- parameter groups (databases) and Session Manager preferences, read by rules of several areas -------------
def parameters(group: Any) -> dict[str, Any]:
    """A parameter group's parameters as name → value (CloudFormation writes a map for RDS and DocumentDB, a list
    of ParameterName/ParameterValue for Redshift)."""
    ps = group.properties.get("Parameters")
    if isinstance(ps, dict):
        return {str(k): v for k, v in ps.items()}
    if isinstance(ps, list):
        return {str(p.get("ParameterName")): p.get("ParameterValue") for p in ps if isinstance(p, dict)}
    return {}


def group_parameter(r: View, path: str, type_: str, name: str) -> tuple[Any, Any] | Unsure:
    """(value of ``name`` in the parameter group at ``path``, the group) or why it cannot be known.

    The group is None when the resource uses its engine's default group; the value is None when the group leaves
    the parameter at its default.
    """
    ref = r.raw(path)
    if not isinstance(ref, Unknown) and (ref is None or ref == "" or str(ref).startswith("default.")):
        return None, None
    group = r.resolve(ref, type_)
    if group is None:
        if isinstance(ref, Unknown) and not ref.refs:
            r.get(path)  # an unknown value: raises, and the rule is UNKNOWN
        return Unsure(f"parameter group {getattr(ref, 'text', None) or ref} is not in the scanned code", path)
    return parameters(group).get(name), group


def session_preferences(r: View) -> dict[str, Any] | None:
    """The preferences of a Session Manager document (``SSM-SessionManagerRunShell``), None for other documents."""
    if str(r.get("DocumentType", "")) != "Session":
        return None
    content = r.get("Content")
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except ValueError:
            return None
    if not isinstance(content, dict) or content.get("sessionType", "Standard_Stream") != "Standard_Stream":
        return None
    inputs = content.get("inputs")
    return inputs if isinstance(inputs, dict) else {}
