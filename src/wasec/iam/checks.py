"""The policy checks IAM Access Analyzer's ValidatePolicy makes that a document alone decides.

Each check has the name Access Analyzer's check reference gives it (kebab-cased) and its finding type:
``error`` (AWS refuses the policy or the element does nothing), ``security`` (a security warning),
``warning`` (a general warning) or ``suggestion``. What the parser already reports (JSON, elements,
effect, version, operators, duplicate Sids, empty lists) and the action catalog's checks (unknown services
and actions, resources that fit no action, redundant statements) are in :mod:`wasec.iam.validate`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from wasec.iam.catalog import Catalog, glob_regex, globs_intersect
from wasec.iam.policy import Condition, Issue, Policy, Statement

# the global condition keys (aws:…) AWS documents; ${TagKey}-style keys by their prefix
GLOBAL_KEYS = frozenset(k.lower() for k in (
    "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast", "aws:CurrentTime", "aws:EpochTime",
    "aws:FederatedProvider", "aws:MultiFactorAuthAge", "aws:MultiFactorAuthPresent", "aws:PrincipalAccount",
    "aws:PrincipalArn", "aws:PrincipalIsAWSService", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceName", "aws:PrincipalServiceNamesList", "aws:PrincipalType", "aws:Referer",
    "aws:RequestedRegion", "aws:ResourceAccount", "aws:ResourceOrgID", "aws:ResourceOrgPaths", "aws:SecureTransport",
    "aws:SourceAccount", "aws:SourceArn", "aws:SourceIdentity", "aws:SourceIp", "aws:SourceOrgID",
    "aws:SourceOrgPaths", "aws:SourceVpc", "aws:SourceVpce", "aws:SourceVpcArn", "aws:TagKeys", "aws:TokenIssueTime",
    "aws:UserAgent", "aws:userid", "aws:username", "aws:ViaAWSService", "aws:VpcSourceIp", "aws:Ec2InstanceSourceVpc",
    "aws:Ec2InstanceSourcePrivateIPv4", "aws:AssumedRoot", "aws:ChatbotSourceArn", "aws:SourceOwner",
    "aws:CalledViaAWSMCP", "aws:ViaAWSMCPService"))
GLOBAL_PREFIXES = ("aws:requesttag/", "aws:resourcetag/", "aws:principaltag/")
MULTIVALUED = frozenset(k.lower() for k in ("aws:TagKeys", "aws:CalledVia", "aws:PrincipalOrgPaths",
                                            "aws:ResourceOrgPaths", "aws:SourceOrgPaths", "aws:PrincipalServiceNamesList"))
# the data type of global keys, for the operator families that fit them
KEY_TYPES = {**{k.lower(): "Bool" for k in ("aws:MultiFactorAuthPresent", "aws:SecureTransport", "aws:ViaAWSService",
                                            "aws:PrincipalIsAWSService", "aws:AssumedRoot")},
             **{k.lower(): "Date" for k in ("aws:CurrentTime", "aws:TokenIssueTime")},
             **{k.lower(): "Numeric" for k in ("aws:MultiFactorAuthAge", "aws:EpochTime")},
             **{k.lower(): "IP" for k in ("aws:SourceIp", "aws:VpcSourceIp", "aws:Ec2InstanceSourcePrivateIPv4")},
             **{k.lower(): "ARN" for k in ("aws:PrincipalArn", "aws:SourceArn")}}
OPERATOR_TYPES = {"string": "String", "numeric": "Numeric", "date": "Date", "bool": "Bool", "ipaddress": "IP",
                  "notipaddress": "IP", "arn": "ARN", "binaryequals": "Binary"}
# keys whose meaning needs a partner (Access Analyzer's "missing paired condition keys")
PAIRED = {"aws:vpcsourceip": ("aws:sourcevpc", "aws:sourcevpce"),
          "aws:ec2instancesourceprivateipv4": ("aws:ec2instancesourcevpc",)}
_ACCOUNT = re.compile(r"^(\d{12}|aws|\$\{[^}]*\}|[\d*?]*[*?][\d*?]*)$")
_REGION = re.compile(r"^([a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d|\*|\$\{[^}]*\}|[a-z0-9*?-]*[*?][a-z0-9*?-]*)$")
_PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")
_SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9.-]+\.(amazonaws\.com(\.cn)?|amazon\.com|aws\.internal)$")
_VAR = re.compile(r"\$\{[^}]*\}")
_VARIABLE = re.compile(r"\$\{([^}]*)\}|\$\{[^}]*$")
_PRIVATE = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")]


def _family(c: Condition) -> str | None:
    return next((family for prefix, family in OPERATOR_TYPES.items() if c.base.startswith(prefix)), None)


def check(policy: Policy, kind: str, cat: Catalog) -> list[Issue]:
    out: list[Issue] = []
    for s in policy.statements:
        out += _arns(s, cat)
        out += _conditions(s, cat)
        out += _principals(s, kind)
        out += _actions(s)
        out += _variables(s)
        out += _pass_role(s, cat)
        out += _create_slr(s)
        out += _redundant(s)
    return out


def _arns(s: Statement, cat: Catalog) -> Iterator[Issue]:
    for field, values in (("Resource", s.resources), ("NotResource", s.not_resources)):
        for r in values or ():
            if not r.startswith("arn:"):
                continue
            path = f"{s.path}.{field}"
            parts = _VAR.sub("${}", r).split(":", 5)  # a variable may hold a colon (${aws:PrincipalAccount})
            if len(parts) < 6:
                yield Issue("error", "invalid-arn-prefix", path, f"{r} is not arn:partition:service:region:account:resource")
                continue
            _, partition, service, region, account, resource = parts
            if "*" not in partition and "$" not in partition and partition not in _PARTITIONS:
                yield Issue("error", "invalid-partition", path, f"{r}: no AWS partition is named {partition!r}")
            if service != service.lower():
                yield Issue("error", "invalid-arn-service-case", path, f"{r}: service names in ARNs are lower case")
            if region and not _REGION.match(region):
                yield Issue("error", "invalid-arn-region", path, f"{r}: {region!r} is not a region")
            if account and not _ACCOUNT.match(account):
                yield Issue("error", "invalid-arn-account", path, f"{r}: {account!r} is not a 12-digit account id")
            # the service's resource types this ARN could be: if none of them has a region (or an account), naming
            # one is an error (arn:aws:s3:us-east-1::bucket)
            fields = [f for f in cat.arn_templates(service.lower()) if globs_intersect(f[5], resource)]
            if fields and "*" not in service:
                if region and region != "*" and all(f[3] == "" for f in fields):
                    yield Issue("error", "arn-region-not-allowed", path, f"{r}: {service} ARNs of this kind name no "
                                                                         "region")
                if account and account != "*" and all(f[4] == "" for f in fields):
                    yield Issue("error", "arn-account-not-allowed", path, f"{r}: {service} ARNs of this kind name no "
                                                                          "account")


def _conditions(s: Statement, cat: Catalog) -> Iterator[Issue]:
    keys = {c.lkey for c in s.conditions}
    for c in s.conditions:
        path = f"{s.path}.Condition.{c.operator}.{c.key}"
        k = c.lkey
        service, sep, _ = k.partition(":")
        if not sep:
            yield Issue("error", "invalid-condition-key-format", path, f"{c.key} is not service:key")
        elif service == "aws":
            if k not in GLOBAL_KEYS and not k.startswith(GLOBAL_PREFIXES):
                # a warning, not Access Analyzer's error: AWS adds global keys, and wasec's list may be older
                yield Issue("warning", "invalid-global-condition-key", path, f"{c.key} is not a global condition key "
                                                                             "wasec knows (misspelt, or newer)")
            elif k.startswith(GLOBAL_PREFIXES) and k.endswith("/"):
                yield Issue("error", "missing-tag-key-in-condition", path, f"{c.key} names no tag key")
        elif cat.known_service(service) and cat.service_keys.get(service) and not any(
                _template(t, k) for t in cat.service_keys[service]):
            yield Issue("warning", "invalid-service-condition-key", path, f"{service} has no condition key {c.key} in "
                                                                          "wasec's action catalog (misspelt, or newer)")
        if c.base == "bool" and {v.lower() for v in c.values} == {"true", "false"}:
            yield Issue("error", "invalid-condition-multiple-boolean", path, "true and false together match anything")
        if c.qualifier == "forallvalues" and k in GLOBAL_KEYS and k not in MULTIVALUED:
            yield Issue("security", "forallvalues-with-single-valued-key", path,
                        f"ForAllValues on the single-valued {c.key} also matches when the key is absent")
        if c.qualifier == "foranyvalue" and k in GLOBAL_KEYS and k not in MULTIVALUED:
            yield Issue("warning", "foranyvalue-with-single-valued-key", path,
                        f"ForAnyValue on the single-valued {c.key}: write the operator without it")
        family, wanted = _family(c), KEY_TYPES.get(k)
        if family and wanted and family != wanted and not (family == "String" and wanted == "ARN") and \
                not (wanted == "Date" and family == "Numeric"):
            yield Issue("warning", "type-mismatch", path, f"{c.operator} compares {c.key} ({wanted}) as {family}")
        if family == "String" and not c.base.endswith("like") and any("*" in v or "?" in v for v in c.values):
            yield Issue("warning", "wildcard-without-like-operator", path,
                        f"{c.operator} compares * and ? literally: use StringLike")
        if family == "Date":
            for v in c.values:
                if not re.match(r"^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$|^\d+$|^\$\{", v):
                    yield Issue("warning", "invalid-date-value", path, f"{v!r} is not a date (ISO 8601 or epoch)")
        if k in ("aws:sourceip", "aws:vpcsourceip") and family == "IP":
            for v in c.values:
                try:
                    net = ipaddress.ip_network(v, strict=False)
                except ValueError:
                    yield Issue("error", "invalid-condition-data-type", path, f"{v!r} is not an IP address or range")
                    continue
                if k == "aws:sourceip" and any(net.subnet_of(p) for p in _PRIVATE  # type: ignore[arg-type]
                                               if p.version == net.version):
                    code = "private-ip-address" if c.base == "ipaddress" else "private-notipaddress"
                    yield Issue("error", code, path, f"{v} is private: aws:SourceIp is the public address (use "
                                                     "aws:VpcSourceIp with aws:SourceVpc)")
        if k == "aws:sourcevpc":
            for v in c.values:
                if not re.match(r"^vpc-[0-9a-f*?]+$|^\$\{", v):
                    yield Issue("error", "invalid-vpc-format", path, f"{v!r} is not a VPC id (vpc-…)")
        if k == "aws:sourcevpce":
            for v in c.values:
                if not re.match(r"^vpce-[0-9a-f*?]+$|^\$\{", v):
                    yield Issue("error", "invalid-vpce-format", path, f"{v!r} is not a VPC endpoint id (vpce-…)")
        for partner in PAIRED.get(k, ()):
            if partner in keys:
                break
        else:
            if k in PAIRED:
                yield Issue("security", "missing-paired-condition-keys", path,
                            f"{c.key} means little without {' or '.join(PAIRED[k])} (an address in any VPC matches)")


def _template(template: str, key: str) -> bool:
    if "${" not in template:
        return template == key
    head = template.split("${", 1)[0]
    return key.startswith(head) and len(key) > len(head)


def _principals(s: Statement, kind: str) -> Iterator[Issue]:
    if s.allows and s.not_principals is not None:
        yield Issue("security", "allow-with-notprincipal", s.path,
                    "Allow with NotPrincipal grants access to everyone except those named")
    for field, principals in (("Principal", s.principals), ("NotPrincipal", s.not_principals)):
        for ptype, values in (principals or {}).items():
            path = f"{s.path}.{field}.{ptype}"
            for v in values:
                if v == "*":
                    continue
                if "*" in v or "?" in v:
                    yield Issue("error", "unsupported-wildcard-in-principal", path,
                                f"{v}: a principal is \"*\" or named exactly (use a condition such as aws:PrincipalArn)")
                if ptype == "Service" and not _SERVICE_PRINCIPAL.match(v):
                    yield Issue("error", "invalid-service-principal-format", path, f"{v} is not a service principal "
                                                                                   "(name.amazonaws.com)")


def _actions(s: Statement) -> Iterator[Issue]:
    for field, values in (("Action", s.actions), ("NotAction", s.not_actions)):
        for a in values or ():
            svc = a.partition(":")[0]
            if ("*" in svc or "?" in svc) and a.strip() != "*":
                yield Issue("suggestion", "wildcard-in-service-name", f"{s.path}.{field}",
                            f"{a}: a wildcard in the service name reaches services added later")


def _variables(s: Statement) -> Iterator[Issue]:
    for field, values in (("Resource", s.resources), ("NotResource", s.not_resources)):
        for v in values or ():
            for m in _VARIABLE.finditer(v):
                if m.group(0).endswith("}") is False:
                    yield Issue("error", "missing-brace-in-variable", f"{s.path}.{field}", f"{v}: ${{ is not closed")
                elif not (m.group(1) or "").strip():
                    yield Issue("error", "empty-variable", f"{s.path}.{field}", f"{v}: ${{}} names nothing")
                elif " " in (m.group(1) or ""):
                    yield Issue("error", "unsupported-space-in-variable", f"{s.path}.{field}", f"{v}: a space in ${{…}}")


def _pass_role(s: Statement, cat: Catalog) -> Iterator[Issue]:
    if not s.allows:
        return
    passes = s.actions is None or any(_action_matches(a, "iam:passrole") for a in s.actions or ())
    if s.actions is None:
        passes = not any(_action_matches(a, "iam:passrole") for a in s.not_actions or ())
    if not passes:
        return
    star = s.resources is not None and any(r.strip() == "*" or r.lower() in ("arn:aws:iam::*:role/*",) for r in s.resources)
    if s.not_resources is not None:
        yield Issue("security", "pass-role-with-notresource", s.path,
                    "iam:PassRole with NotResource passes every role but those listed, new ones included")
    elif star:
        yield Issue("security", "pass-role-with-star-in-resource", s.path,
                    "iam:PassRole on every role: name the roles (and iam:PassedToService)")


def _create_slr(s: Statement) -> Iterator[Issue]:
    """iam:CreateServiceLinkedRole named (not swept in by *) on every resource."""
    if not s.allows or s.actions is None:
        return
    named = any(a.lower().startswith("iam:") and _action_matches(a, "iam:createservicelinkedrole") for a in s.actions)
    star = s.resources is not None and any(r.strip() == "*" for r in s.resources)
    if named and (star or s.not_resources is not None):
        yield Issue("warning", "create-slr-with-star-in-resource", s.path,
                    "iam:CreateServiceLinkedRole on every resource: name the service-linked role (iam:AWSServiceName)")


def _action_matches(pattern: str, action: str) -> bool:
    """An Action element against a lower-case action name; a pattern without wildcards needs no regex."""
    p = pattern.strip().lower()
    return _covers(p, action, case=True) if "*" in p or "?" in p else p == action


def _covers(pattern: str, value: str, case: bool) -> bool:
    """An IAM wildcard pattern matches a value: a pattern whose only wildcard is a trailing * (the usual
    ``s3:Get*``, ``arn:aws:s3:::bucket/*``) by its prefix, others by a regex."""
    body = pattern[:-1]
    if pattern.endswith("*") and "*" not in body and "?" not in body:
        return value.startswith(body) if case else value.lower().startswith(body.lower())
    return glob_regex(pattern, case=case).fullmatch(value) is not None


def _redundant(s: Statement) -> Iterator[Issue]:
    for field, values in (("Action", s.actions), ("Resource", s.resources)):
        if not values or len(values) < 2:
            continue
        case = field == "Resource"
        # only a wildcard can cover another value: compare every value with the few wildcards, not all pairs
        wild = [(j, o) for j, o in enumerate(values) if "*" in o or "?" in o]
        if not wild:
            continue
        # a value no wildcard's literal start begins is covered by none (one C-level test for most values)
        starts = tuple(o.split("*", 1)[0].split("?", 1)[0] if case else o.split("*", 1)[0].split("?", 1)[0].lower()
                       for _, o in wild)
        for i, v in enumerate(values):
            if not (v if case else v.lower()).startswith(starts):
                continue
            for j, o in wild:
                if i != j and v != o and _covers(o, v, case):
                    code = "redundant-action" if field == "Action" else "redundant-resource"
                    yield Issue("suggestion", code, f"{s.path}.{field}", f"{v} is already covered by {o}")
                    break
