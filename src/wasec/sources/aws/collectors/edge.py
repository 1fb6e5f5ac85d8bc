"""The edge: load balancers and their listeners, API Gateway (REST and HTTP/WebSocket APIs, stages,
methods, routes, custom domains) and CloudFront distributions."""

from __future__ import annotations

import json
from typing import Any

from wasec.model.resource import Resource
from wasec.model.values import Unknown
from wasec.sources.aws.spec import Ctx, collector, known


@collector("elb", types=["AWS::ElasticLoadBalancing::LoadBalancer"],
           calls=["DescribeLoadBalancers", "DescribeLoadBalancerAttributes"])
def classic_load_balancers(ctx: Ctx) -> list[Resource]:
    def one(lb: dict[str, Any]) -> Resource:
        name = lb["LoadBalancerName"]
        attrs = known(ctx.item("DescribeLoadBalancerAttributes", LoadBalancerName=name), "LoadBalancerAttributes")
        log = attrs if isinstance(attrs, Unknown) else (attrs or {}).get("AccessLog") or {"Enabled": False}
        return ctx.resource("AWS::ElasticLoadBalancing::LoadBalancer", name, {
            "LoadBalancerName": name, "Scheme": lb.get("Scheme"),
            "Listeners": [{**(d.get("Listener") or {}), "PolicyNames": d.get("PolicyNames") or []}
                          for d in lb.get("ListenerDescriptions") or ()],
            "AccessLoggingPolicy": log if isinstance(log, Unknown) else
            {"Enabled": bool(log.get("Enabled")), "S3BucketName": log.get("S3BucketName")},
            "DesyncMitigationMode": attrs if isinstance(attrs, Unknown) else next(
                (a.get("Value") for a in (attrs or {}).get("AdditionalAttributes") or ()
                 if a.get("Key") == "elb.http.desyncmitigationmode"), None),
        }, arn=ctx.arn("elasticloadbalancing", f"loadbalancer/{name}"), names=[lb.get("DNSName")])

    return ctx.map(one, ctx.pages("DescribeLoadBalancers", "LoadBalancerDescriptions"))


@collector("elbv2", types=["AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::Listener"],
           calls=["DescribeLoadBalancers", "DescribeLoadBalancerAttributes", "DescribeListeners"])
def load_balancers(ctx: Ctx) -> list[Resource]:
    def one(lb: dict[str, Any]) -> list[Resource]:
        arn = lb["LoadBalancerArn"]
        attrs = known(ctx.item("DescribeLoadBalancerAttributes", LoadBalancerArn=arn), "Attributes")
        out = [ctx.resource("AWS::ElasticLoadBalancingV2::LoadBalancer", lb["LoadBalancerName"], {
            "Name": lb["LoadBalancerName"], "Scheme": lb.get("Scheme"), "Type": lb.get("Type"),
            "LoadBalancerAttributes": attrs if isinstance(attrs, Unknown) else attrs or [],
            "SecurityGroups": lb.get("SecurityGroups") or [],
        }, arn=arn, names=[lb.get("DNSName")])]
        listeners = ctx.item("DescribeListeners", LoadBalancerArn=arn)
        for li in known(listeners, "Listeners") or () if not isinstance(listeners, Unknown) else ():
            out.append(ctx.resource("AWS::ElasticLoadBalancingV2::Listener", li["ListenerArn"], {
                "LoadBalancerArn": arn, "Protocol": li.get("Protocol"), "Port": li.get("Port"), "SslPolicy": li.get("SslPolicy"),
                "DefaultActions": [{k: v for k, v in a.items() if k in ("Type", "RedirectConfig", "TargetGroupArn")}
                                   for a in li.get("DefaultActions") or ()],
            }, arn=li["ListenerArn"]))
        return out

    return [r for rs in ctx.map(one, ctx.pages("DescribeLoadBalancers", "LoadBalancers")) for r in rs]


def _policy(text: Any) -> Any:
    """REST API policies come back as JSON with its quotes escaped."""
    if not isinstance(text, str) or not text:
        return None
    for candidate in (text, text.replace('\\"', '"').replace("\\\\", "\\")):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return Unknown("the API's resource policy is not valid JSON")


def _method_settings(settings: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for key, s in (settings or {}).items():
        path, _, method = key.rpartition("/")
        out.append({"ResourcePath": "/" + path.lstrip("/") if path else "/*", "HttpMethod": method or "*",
                    **{k[:1].upper() + k[1:]: v for k, v in s.items()}})
    return out


@collector("apigateway", types=["AWS::ApiGateway::RestApi", "AWS::ApiGateway::Stage", "AWS::ApiGateway::Method"],
           calls=["GetRestApis", "GetStages", "GetResources"])
def rest_apis(ctx: Ctx) -> list[Resource]:
    def one(api: dict[str, Any]) -> list[Resource]:
        aid = api["id"]
        base = f"arn:{ctx.partition}:apigateway:{ctx.region}::/restapis/{aid}"
        out = [ctx.resource("AWS::ApiGateway::RestApi", aid, {
            "Name": api.get("name"), "Policy": _policy(api.get("policy")),
            "EndpointConfiguration": {"Types": (api.get("endpointConfiguration") or {}).get("types") or []},
        }, arn=base, names=[api.get("name")], tags=api.get("tags"))]
        stages = known(ctx.item("GetStages", restApiId=aid), "item")
        for s in [] if isinstance(stages, Unknown) else stages or ():
            log = s.get("accessLogSettings") or {}
            out.append(ctx.resource("AWS::ApiGateway::Stage", f"{aid}/{s['stageName']}", {
                "RestApiId": aid, "StageName": s["stageName"], "TracingEnabled": bool(s.get("tracingEnabled")),
                "AccessLogSetting": {"DestinationArn": log.get("destinationArn"), "Format": log.get("format")} if log else None,
                "MethodSettings": _method_settings(s.get("methodSettings") or {}),
                "ClientCertificateId": s.get("clientCertificateId"), "WebAclArn": s.get("webAclArn"),
            }, arn=f"{base}/stages/{s['stageName']}"))
        resources = ctx.item("GetResources", restApiId=aid, embed=["methods"])
        for res in known(resources, "items") or () if not isinstance(resources, Unknown) else ():
            for verb, m in (res.get("resourceMethods") or {}).items():
                out.append(ctx.resource("AWS::ApiGateway::Method", f"{aid}/{res['id']}/{verb}", {
                    "RestApiId": aid, "ResourceId": res["id"], "ResourcePath": res.get("path"), "HttpMethod": verb,
                    "AuthorizationType": (m or {}).get("authorizationType", "NONE"),
                    "ApiKeyRequired": bool((m or {}).get("apiKeyRequired")),
                    "RequestValidatorId": (m or {}).get("requestValidatorId"),
                }))
        return out

    return [r for rs in ctx.map(one, ctx.pages("GetRestApis", "items")) for r in rs]


@collector("apigateway", types=["AWS::ApiGateway::DomainName"], calls=["GetDomainNames"])
def rest_domains(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::ApiGateway::DomainName", d["domainName"], {
        "DomainName": d["domainName"], "SecurityPolicy": d.get("securityPolicy", "TLS_1_2"),
    }) for d in ctx.pages("GetDomainNames", "items")]


@collector("apigatewayv2", types=["AWS::ApiGatewayV2::Stage", "AWS::ApiGatewayV2::Route"],
           calls=["GetApis", "GetStages", "GetRoutes"])
def http_apis(ctx: Ctx) -> list[Resource]:
    def one(api: dict[str, Any]) -> list[Resource]:
        aid = api["ApiId"]
        out = []
        stages = known(ctx.item("GetStages", ApiId=aid), "Items")
        for s in [] if isinstance(stages, Unknown) else stages or ():
            out.append(ctx.resource("AWS::ApiGatewayV2::Stage", f"{aid}/{s['StageName']}", {
                "ApiId": aid, "StageName": s["StageName"], "AccessLogSettings": s.get("AccessLogSettings"),
            }))
        routes = known(ctx.item("GetRoutes", ApiId=aid), "Items")
        for rt in [] if isinstance(routes, Unknown) else routes or ():
            out.append(ctx.resource("AWS::ApiGatewayV2::Route", f"{aid}/{rt['RouteId']}", {
                "ApiId": aid, "RouteKey": rt.get("RouteKey"), "AuthorizationType": rt.get("AuthorizationType", "NONE"),
            }))
        return out

    return [r for rs in ctx.map(one, ctx.pages("GetApis", "Items")) for r in rs]


@collector("apigatewayv2", types=["AWS::ApiGatewayV2::DomainName"], calls=["GetDomainNames"])
def http_domains(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::ApiGatewayV2::DomainName", d["DomainName"], {
        "DomainName": d["DomainName"],
        "DomainNameConfigurations": [{"SecurityPolicy": c.get("SecurityPolicy")} for c in d.get("DomainNameConfigurations") or ()],
    }) for d in ctx.pages("GetDomainNames", "Items")]


def unwrap(v: Any) -> Any:
    """CloudFront answers lists as ``{Quantity, Items}``; CloudFormation writes plain lists."""
    if isinstance(v, dict):
        if "Quantity" in v and set(v) <= {"Quantity", "Items"}:
            return [unwrap(x) for x in v.get("Items") or []]
        return {k: unwrap(x) for k, x in v.items()}
    if isinstance(v, list):
        return [unwrap(x) for x in v]
    return v


@collector("cloudfront", scope="global", types=["AWS::CloudFront::Distribution"],
           calls=["ListDistributions", "GetDistributionConfig"])
def distributions(ctx: Ctx) -> list[Resource]:
    def one(d: dict[str, Any]) -> Resource:
        answer = ctx.item("GetDistributionConfig", Id=d["Id"])
        cfg = known(answer, "DistributionConfig")
        if isinstance(cfg, Unknown):
            return ctx.resource("AWS::CloudFront::Distribution", d["Id"], {"DistributionConfig": cfg}, arn=d.get("ARN"),
                                names=[d.get("DomainName")], region=None)
        c = unwrap(cfg or {})
        for o in c.get("Origins") or ():
            custom = o.get("CustomOriginConfig")
            if isinstance(custom, dict) and "OriginSslProtocols" in custom:
                custom["OriginSSLProtocols"] = custom.pop("OriginSslProtocols")
        if isinstance(c.get("Logging"), dict) and not c["Logging"].get("Enabled"):
            c.pop("Logging")
        if c.get("WebACLId") == "":
            c.pop("WebACLId")
        cert = c.get("ViewerCertificate")
        if isinstance(cert, dict):  # the API's names for the certificate, in CloudFormation's
            for api, cfn in (("ACMCertificateArn", "AcmCertificateArn"), ("IAMCertificateId", "IamCertificateId"),
                             ("SSLSupportMethod", "SslSupportMethod")):
                if api in cert:
                    value = cert.pop(api)
                    if value:
                        cert[cfn] = value
        return ctx.resource("AWS::CloudFront::Distribution", d["Id"], {"DistributionConfig": c}, arn=d.get("ARN"),
                            names=[d.get("DomainName")], region=None)

    return ctx.map(one, ctx.pages("ListDistributions", "DistributionList.Items"))



@collector("acm", types=["AWS::CertificateManager::Certificate"], calls=["ListCertificates"])
def certificates(ctx: Ctx) -> list[Resource]:
    # every key type, not only RSA_2048 (the default filter)
    every = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]
    return [ctx.resource("AWS::CertificateManager::Certificate", c["CertificateArn"], {
        "DomainName": c.get("DomainName"), "KeyAlgorithm": c.get("KeyAlgorithm"), "Type": c.get("Type"),
        "NotAfter": c["NotAfter"].isoformat() if hasattr(c.get("NotAfter"), "isoformat") else c.get("NotAfter"),
        "InUse": c.get("InUse"), "SubjectAlternativeNames": list(c.get("SubjectAlternativeNameSummaries") or []),
    }, arn=c["CertificateArn"], names=[c.get("DomainName")])
        for c in ctx.pages("ListCertificates", "CertificateSummaryList", Includes={"keyTypes": every})]


@collector("ram", types=["AWS::RAM::ResourceShare"], calls=["GetResourceShares"])
def resource_shares(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::RAM::ResourceShare", s["resourceShareArn"], {
        "Name": s.get("name"), "AllowExternalPrincipals": bool(s.get("allowExternalPrincipals")),
    }, arn=s["resourceShareArn"], names=[s.get("name")])
        for s in ctx.pages("GetResourceShares", "resourceShares", resourceOwner="SELF")
        if s.get("status") not in ("DELETED", "DELETING")]


def _scopes(ctx: Ctx) -> list[str]:
    """Regional web ACLs everywhere; CloudFront's live in us-east-1 (of the aws partition)."""
    return ["REGIONAL", "CLOUDFRONT"] if ctx.region == "us-east-1" else ["REGIONAL"]


@collector("wafv2", types=["AWS::WAFv2::WebACL"], calls=["ListWebACLs", "GetWebACL", "ListLoggingConfigurations"])
def web_acls(ctx: Ctx) -> list[Resource]:
    out: list[Resource] = []
    for scope in _scopes(ctx):
        logs: Any = {c.get("ResourceArn"): c for c in ctx.pages("ListLoggingConfigurations", "LoggingConfigurations",
                                                                Scope=scope)}

        def one(a: dict[str, Any], scope: str = scope, logs: Any = logs) -> Resource:
            got = ctx.item("GetWebACL", Name=a["Name"], Scope=scope, Id=a["Id"])
            acl = known(got, "WebACL")
            rules: Any = acl if isinstance(acl, Unknown) else (acl or {}).get("Rules") or []
            return ctx.resource("AWS::WAFv2::WebACL", a["ARN"], {
                "Name": a["Name"], "Scope": scope, "Rules": rules,
                "VisibilityConfig": acl.get("VisibilityConfig") if isinstance(acl, dict) else acl,
                "LoggingConfiguration": logs.get(a["ARN"]),
            }, arn=a["ARN"], names=[a["Name"]])

        out += ctx.map(one, ctx.pages("ListWebACLs", "WebACLs", Scope=scope))
    return out


@collector("wafv2", types=["AWS::WAFv2::WebACLAssociation"], calls=["ListWebACLs", "ListResourcesForWebACL"])
def web_acl_associations(ctx: Ctx) -> list[Resource]:
    out = []
    for a in ctx.pages("ListWebACLs", "WebACLs", Scope="REGIONAL"):
        for kind in ("APPLICATION_LOAD_BALANCER", "API_GATEWAY"):
            answer = ctx.call("ListResourcesForWebACL", WebACLArn=a["ARN"], ResourceType=kind)
            for arn in (answer or {}).get("ResourceArns") or ():
                out.append(ctx.resource("AWS::WAFv2::WebACLAssociation", f"{a['ARN']}|{arn}", {
                    "WebACLArn": a["ARN"], "ResourceArn": arn}))
    return out


@collector("route53", scope="global", types=["AWS::Route53::HostedZone"],
           calls=["ListHostedZones", "ListQueryLoggingConfigs"])
def hosted_zones(ctx: Ctx) -> list[Resource]:
    logged = {c.get("HostedZoneId"): c for c in ctx.pages("ListQueryLoggingConfigs", "QueryLoggingConfigs")}
    out = []
    for z in ctx.pages("ListHostedZones", "HostedZones"):
        zid = z["Id"].rsplit("/", 1)[-1]
        log = logged.get(zid)
        out.append(ctx.resource("AWS::Route53::HostedZone", zid, {
            "Name": z.get("Name"), "PrivateZone": bool((z.get("Config") or {}).get("PrivateZone")),
            "QueryLoggingConfig": {"CloudWatchLogsLogGroupArn": log.get("CloudWatchLogsLogGroupArn")} if log else None,
        }, arn=f"arn:{ctx.partition}:route53:::hostedzone/{zid}", names=[z.get("Name")], region=None))
    return out


@collector("network-firewall", types=["AWS::NetworkFirewall::Firewall"],
           calls=["ListFirewalls", "DescribeFirewall", "DescribeLoggingConfiguration"])
def firewalls(ctx: Ctx) -> list[Resource]:
    def one(f: dict[str, Any]) -> Resource:
        arn = f["FirewallArn"]
        d = known(ctx.item("DescribeFirewall", FirewallArn=arn), "Firewall")
        logs = known(ctx.item("DescribeLoggingConfiguration", FirewallArn=arn), "LoggingConfiguration")
        return ctx.resource("AWS::NetworkFirewall::Firewall", f["FirewallName"], {
            "FirewallName": f["FirewallName"],
            "DeleteProtection": d if isinstance(d, Unknown) else bool((d or {}).get("DeleteProtection")),
            "SubnetChangeProtection": d if isinstance(d, Unknown) else bool((d or {}).get("SubnetChangeProtection")),
            "FirewallPolicyArn": known(d, "FirewallPolicyArn"),
            "EncryptionConfiguration": known(d, "EncryptionConfiguration"),
            # read with the firewall: an empty list means the firewall logs nowhere
            "LoggingConfiguration": logs if isinstance(logs, Unknown) else
            {"LogDestinationConfigs": list((logs or {}).get("LogDestinationConfigs") or [])},
        }, arn=arn)

    return ctx.map(one, ctx.pages("ListFirewalls", "Firewalls"))


@collector("network-firewall", types=["AWS::NetworkFirewall::FirewallPolicy", "AWS::NetworkFirewall::RuleGroup"],
           calls=["ListFirewallPolicies", "DescribeFirewallPolicy", "ListRuleGroups", "DescribeRuleGroup"])
def firewall_policies(ctx: Ctx) -> list[Resource]:
    def policy(p: dict[str, Any]) -> Resource:
        d = known(ctx.item("DescribeFirewallPolicy", FirewallPolicyArn=p["Arn"]), "FirewallPolicy")
        return ctx.resource("AWS::NetworkFirewall::FirewallPolicy", p["Name"], {
            "FirewallPolicyName": p["Name"], "FirewallPolicy": d if isinstance(d, Unknown) else d or {},
        }, arn=p["Arn"])

    def group(g: dict[str, Any]) -> Resource:
        d = ctx.item("DescribeRuleGroup", RuleGroupArn=g["Arn"])
        return ctx.resource("AWS::NetworkFirewall::RuleGroup", g["Name"], {
            "RuleGroupName": g["Name"], "Type": known(d, "RuleGroupResponse", "Type"),
            "RuleGroup": d if isinstance(d, Unknown) else (d or {}).get("RuleGroup") or {},
        }, arn=g["Arn"])

    return (ctx.map(policy, ctx.pages("ListFirewallPolicies", "FirewallPolicies"))
            + ctx.map(group, ctx.pages("ListRuleGroups", "RuleGroups", Scope="ACCOUNT")))
