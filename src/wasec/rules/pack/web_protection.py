"""Inspection-based protection of web entry points (SEC05-BP03, SEC05-BP04): AWS WAF in front of load
balancers and APIs, with rules that do something, are kept up to date, are measured and logged."""

from __future__ import annotations

from typing import Any

from wasec.rules.pack._common import expect, is_true
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, View

ACL = "AWS::WAFv2::WebACL"
ASSOCIATION = "AWS::WAFv2::WebACLAssociation"
INSPECT = ("SEC05-BP03",)


def _rules(r: View) -> list[tuple[str, Any]]:
    return [(p, x) for p, x in r.items("Rules") if isinstance(x, dict)]


@rule("waf-web-acl-rules", title="WAF web ACLs have rules", severity="medium", types=[ACL], area="infrastructure",
      category="network", wa=INSPECT, fsbp=("WAF.10",),
      why="A web ACL without rules applies only its default action: it inspects nothing.",
      fix="Add rules or rule groups (AWS managed rule groups are a good start).",
      tf='rule {\n  name     = "common"\n  priority = 0\n  override_action {\n    none {}\n  }\n  statement {\n'
         '    managed_rule_group_statement {\n      name        = "AWSManagedRulesCommonRuleSet"\n      vendor_name = "AWS"\n'
         '    }\n  }\n  visibility_config {\n    cloudwatch_metrics_enabled = true\n    metric_name                = "common"\n'
         '    sampled_requests_enabled   = true\n  }\n}',
      cfn="Rules:\n  - Name: common\n    Priority: 0\n    OverrideAction: {None: {}}\n    Statement:\n"
          "      ManagedRuleGroupStatement: {VendorName: AWS, Name: AWSManagedRulesCommonRuleSet}\n"
          "    VisibilityConfig: {CloudWatchMetricsEnabled: true, MetricName: common, SampledRequestsEnabled: true}")
def acl_rules(r: View) -> Any:
    if not _rules(r):
        return Fail(r.nearest("Rules"), "the web ACL has no rules")
    return None


@rule("waf-managed-rules", title="WAF web ACLs use managed rule groups that keep up with threats", severity="low",
      types=[ACL], area="infrastructure", category="network", wa=("SEC05-BP04", "SEC01-BP04"),
      why="Managed rule groups (AWS's, or a vendor's) are updated as new exploits and bad actors appear, without "
          "anyone editing the web ACL: network protection that maintains itself.",
      fix="Add at least one managed rule group (AWSManagedRulesCommonRuleSet, KnownBadInputs, AmazonIpReputationList).",
      tf='statement {\n  managed_rule_group_statement {\n    name        = "AWSManagedRulesKnownBadInputsRuleSet"\n'
         '    vendor_name = "AWS"\n  }\n}',
      cfn="Statement:\n  ManagedRuleGroupStatement: {VendorName: AWS, Name: AWSManagedRulesKnownBadInputsRuleSet}")
def managed_rules(r: View) -> Any:
    found = _rules(r)
    if not found:
        return Skip("no rules at all (waf-web-acl-rules)")
    if any(isinstance(x.get("Statement"), dict) and x["Statement"].get("ManagedRuleGroupStatement") for _, x in found):
        return None
    return Fail(found[0][0], "no managed rule group: every rule is maintained by hand")


@rule("waf-rule-metrics", title="WAF rules publish CloudWatch metrics", severity="low", types=[ACL], area="detection",
      category="logging", wa=("SEC04-BP01",), fsbp=("WAF.12",),
      why="Per-rule metrics show which rules block what, the first sign of an attack and of a rule that blocks users.",
      fix="Enable CloudWatch metrics in each rule's visibility configuration.",
      tf="visibility_config {\n  cloudwatch_metrics_enabled = true\n  metric_name                = \"common\"\n"
         "  sampled_requests_enabled   = true\n}",
      cfn="VisibilityConfig: {CloudWatchMetricsEnabled: true, MetricName: common, SampledRequestsEnabled: true}")
def rule_metrics(r: View) -> Any:
    return [Fail(f"{p}.VisibilityConfig.CloudWatchMetricsEnabled", f"rule {x.get('Name', p)} publishes no metrics")
            for p, x in _rules(r) if not is_true(r.get(f"{p}.VisibilityConfig.CloudWatchMetricsEnabled", False))]


@rule("waf-logging", title="WAF web ACLs log the requests they inspect", severity="medium", types=[ACL],
      area="detection", category="logging", wa=("SEC04-BP01", "SEC04-BP02"), fsbp=("WAF.11",),
      why="WAF logs record every request inspected, the rule that matched and the action taken: the evidence of an "
          "attack on the application and of its source.",
      fix="Send the web ACL's logs to CloudWatch Logs, S3 or Firehose (names starting aws-waf-logs-).",
      tf='resource "aws_wafv2_web_acl_logging_configuration" "main" {\n  resource_arn            = aws_wafv2_web_acl.main.arn\n'
         '  log_destination_configs = [aws_cloudwatch_log_group.waf.arn]\n}',
      cfn="Type: AWS::WAFv2::LoggingConfiguration\nProperties:\n  ResourceArn: !GetAtt WebAcl.Arn\n"
          "  LogDestinationConfigs: [!GetAtt WafLogs.Arn]")
def acl_logging(r: View) -> Any:
    if r.present("LoggingConfiguration"):  # live: read with the web ACL
        return None
    if r.source != "aws" and r.related("AWS::WAFv2::LoggingConfiguration", "ResourceArn"):
        return None
    return Fail("", "the web ACL's requests are not logged")


def _protected(id: str, types: tuple[str, ...], what: str, fsbp: tuple[str, ...], applies: Any, tf: str, cfn: str) -> None:
    @rule(id, title=f"{what} are protected by AWS WAF", severity="medium", types=types, area="infrastructure",
          category="network", wa=(*INSPECT, "SEC05-BP01"), fsbp=fsbp, needs=[ASSOCIATION],
          why="AWS WAF in front of the entry point filters injection, known exploits, bad bots and floods before they "
              "reach the application.",
          fix="Associate a WAF web ACL with it.", tf=tf, cfn=cfn)
    def check(r: View) -> Any:
        if applies is not None and not applies(r):
            return Skip()
        if r.related(ASSOCIATION, "ResourceArn"):
            return None
        return Fail("", "no WAF web ACL is associated")


_protected("elb-waf", ("AWS::ElasticLoadBalancingV2::LoadBalancer",), "Application Load Balancers", ("ELB.16",),
           lambda r: str(r.get("Type", "application")).lower() == "application",
           'resource "aws_wafv2_web_acl_association" "alb" {\n  resource_arn = aws_lb.web.arn\n  web_acl_arn  = aws_wafv2_web_acl.main.arn\n}',
           "Type: AWS::WAFv2::WebACLAssociation\nProperties:\n  ResourceArn: !Ref WebLoadBalancer\n  WebACLArn: !GetAtt WebAcl.Arn")
_protected("apigateway-waf", ("AWS::ApiGateway::Stage",), "API Gateway REST API stages", ("APIGateway.4",), None,
           'resource "aws_wafv2_web_acl_association" "api" {\n  resource_arn = aws_api_gateway_stage.prod.arn\n'
           '  web_acl_arn  = aws_wafv2_web_acl.main.arn\n}',
           "Type: AWS::WAFv2::WebACLAssociation\nProperties:\n  ResourceArn: !Sub arn:aws:apigateway:${AWS::Region}::/restapis/"
           "${Api}/stages/${Stage}\n  WebACLArn: !GetAtt WebAcl.Arn")


@rule("cloudfront-default-root-object", title="CloudFront distributions set a default root object", severity="critical",
      types=["AWS::CloudFront::Distribution"], area="data", category="exposure", wa=("SEC08-BP04",),
      fsbp=("CloudFront.1",),
      why="Without a default root object, a request for the bare domain is passed to the origin as it is: an S3 origin "
          "may answer with a listing of the bucket.",
      fix="Set the default root object (index.html).", tf='default_root_object = "index.html"',
      cfn="DefaultRootObject: index.html")
def cloudfront_root(r: View) -> Any:
    if not r.present("DistributionConfig.DefaultRootObject"):
        return Fail("DistributionConfig" if r.present("DistributionConfig") else "", "no default root object is set")
    return None


_DESYNC_OK = ("defensive", "strictest")


@rule("elb-desync-mitigation", title="Load balancers mitigate HTTP desync (request smuggling)", severity="medium",
      types=["AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancing::LoadBalancer"],
      area="infrastructure", category="network", wa=INSPECT, fsbp=("ELB.12", "ELB.14"),
      why="In monitor mode the load balancer forwards ambiguous requests as they are: the raw material of HTTP request "
          "smuggling against the targets behind it.",
      fix="Use the defensive (default) or strictest desync mitigation mode.", tf='desync_mitigation_mode = "defensive"',
      cfn="LoadBalancerAttributes:\n  - Key: routing.http.desync_mitigation_mode\n    Value: defensive")
def desync(r: View) -> Any:
    if r.type == "AWS::ElasticLoadBalancingV2::LoadBalancer":
        if str(r.get("Type", "application")).lower() != "application":
            return Skip("only Application Load Balancers parse HTTP")
        mode = None
        for p, a in r.items("LoadBalancerAttributes"):
            if isinstance(a, dict) and a.get("Key") == "routing.http.desync_mitigation_mode":
                mode, where = a.get("Value"), f"{p}.Value"
        if mode is not None and str(mode).lower() not in _DESYNC_OK:
            return Fail(where, f"desync mitigation mode is {mode}", mode)
        return None
    mode = r.get("DesyncMitigationMode")
    if mode is not None and str(mode).lower() not in _DESYNC_OK:
        return Fail("DesyncMitigationMode", f"desync mitigation mode is {mode}", mode)
    return None


expect("apigateway-client-certificate", types=["AWS::ApiGateway::Stage"], path="ClientCertificateId",
       message="the backend cannot tell API Gateway's calls from anyone else's",
       title="API Gateway stages present a client certificate to the backend", severity="medium", area="data",
       category="encryption", wa=("SEC09-BP03",), fsbp=("APIGateway.2",),
       why="A client certificate lets the backend verify that a request comes from this API Gateway stage, not from "
           "someone who found the backend's address.",
       fix="Generate a client certificate and attach it to the stage; have the backend require it.",
       tf="client_certificate_id = aws_api_gateway_client_certificate.backend.id",
       cfn="ClientCertificateId: !Ref BackendClientCertificate")


@rule("waf-classic-rule-conditions", title="WAF Classic rules have at least one condition", severity="medium",
      types=["AWS::WAF::Rule", "AWS::WAFRegional::Rule"], area="infrastructure", category="network", wa=INSPECT,
      fsbp=("WAF.2", "WAF.6"),
      why="A rule without conditions matches nothing: the web ACL looks protected and inspects nothing with it.",
      fix="Add the conditions (predicates) the rule was meant to match, or delete it (and move to AWS WAF).",
      tf='predicates {\n  data_id = aws_waf_ipset.blocked.id\n  negated = false\n  type    = "IPMatch"\n}',
      cfn="Predicates:\n  - DataId: !Ref BlockedAddresses\n    Negated: false\n    Type: IPMatch")
def waf_classic_rule(r: View) -> Any:
    predicates = r.get("Predicates")
    return None if isinstance(predicates, list) and predicates else Fail("Predicates", "the rule has no condition")


@rule("waf-classic-web-acl-rules", title="WAF Classic web ACLs have at least one rule", severity="medium",
      types=["AWS::WAF::WebACL", "AWS::WAFRegional::WebACL"], area="infrastructure", category="network",
      wa=INSPECT, fsbp=("WAF.4", "WAF.8"),
      why="A web ACL with no rule passes every request to its default action: attached, it protects nothing.",
      fix="Add rules or rule groups (better: migrate to AWS WAF and its managed rule groups).",
      tf='rules {\n  action {\n    type = "BLOCK"\n  }\n  priority = 1\n  rule_id  = aws_waf_rule.blocked.id\n}',
      cfn="Rules:\n  - Action: {Type: BLOCK}\n    Priority: 1\n    RuleId: !Ref BlockedRule")
def waf_classic_acl(r: View) -> Any:
    rules = r.get("Rules")
    return None if isinstance(rules, list) and rules else Fail("Rules", "the web ACL has no rule")


_protected("appsync-waf", ("AWS::AppSync::GraphQLApi",), "AppSync GraphQL APIs", (), None,
           'resource "aws_wafv2_web_acl_association" "graphql" {\n  resource_arn = aws_appsync_graphql_api.main.arn\n'
           '  web_acl_arn  = aws_wafv2_web_acl.main.arn\n}',
           "Type: AWS::WAFv2::WebACLAssociation\nProperties:\n  ResourceArn: !GetAtt GraphQLApi.Arn\n  WebACLArn: !GetAtt WebAcl.Arn")

_BAD_INPUTS = "AWSManagedRulesKnownBadInputsRuleSet"


@rule("waf-known-bad-inputs", title="WAF web ACLs block known exploit payloads such as Log4Shell", severity="medium",
      types=[ACL], area="infrastructure", category="network", wa=(*INSPECT, "SEC06-BP01"),
      why="AWS's KnownBadInputs rule group blocks request patterns of exploited vulnerabilities (Log4j JNDI lookups, "
          "CVE-2021-44228 and its variants, Java deserialization, localhost host headers) before a patch is rolled "
          "out; in count mode, or with its Log4JRCE rules overridden to count, it only watches.",
      fix="Add the KnownBadInputs managed rule group with its own actions (override: none).",
      tf='rule {\n  name     = "known-bad-inputs"\n  priority = 1\n  override_action {\n    none {}\n  }\n  statement {\n'
         '    managed_rule_group_statement {\n      name        = "AWSManagedRulesKnownBadInputsRuleSet"\n'
         '      vendor_name = "AWS"\n    }\n  }\n  visibility_config {\n    cloudwatch_metrics_enabled = true\n'
         '    metric_name                = "known-bad-inputs"\n    sampled_requests_enabled   = true\n  }\n}',
      cfn="- Name: known-bad-inputs\n  Priority: 1\n  OverrideAction: {None: {}}\n  Statement:\n    ManagedRuleGroupStatement:"
          " {VendorName: AWS, Name: AWSManagedRulesKnownBadInputsRuleSet}\n  VisibilityConfig: {CloudWatchMetricsEnabled: "
          "true, MetricName: known-bad-inputs, SampledRequestsEnabled: true}")
def known_bad_inputs(r: View) -> Any:
    found = _rules(r)
    if not found:
        return Skip("no rules at all (waf-web-acl-rules)")
    for p, x in found:
        stmt = x.get("Statement")
        group = stmt.get("ManagedRuleGroupStatement") if isinstance(stmt, dict) else None
        if not isinstance(group, dict) or group.get("Name") != _BAD_INPUTS:
            continue
        if isinstance(x.get("OverrideAction"), dict) and "Count" in x["OverrideAction"]:
            return Fail(f"{p}.OverrideAction", "the KnownBadInputs rule group only counts")
        muted = [str(o.get("Name")) for o in group.get("RuleActionOverrides") or [] if isinstance(o, dict)
                 and str(o.get("Name", "")).startswith("Log4JRCE") and isinstance(o.get("ActionToUse"), dict)
                 and ("Count" in o["ActionToUse"] or "Allow" in o["ActionToUse"])]
        muted += [str(e.get("Name")) for e in group.get("ExcludedRules") or [] if isinstance(e, dict)
                  and str(e.get("Name", "")).startswith("Log4JRCE")]
        if muted:
            return Fail(f"{p}.Statement.ManagedRuleGroupStatement", f"{', '.join(muted)} only count", muted)
        return None
    return Fail(found[0][0], "the KnownBadInputs rule group (Log4j and other known exploits) is not used")


_BEHAVIORS = "DistributionConfig.DefaultCacheBehavior"


@rule("cloudfront-security-headers", title="CloudFront distributions add security response headers", severity="low",
      types=["AWS::CloudFront::Distribution"], area="appsec", category="hardening", wa=("SEC05-BP04",),
      why="A response headers policy adds Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options and a "
          "referrer policy to every response, whatever the origin sends: downgrade, clickjacking and MIME-sniffing "
          "defences in one place.",
      fix="Attach a response headers policy (the managed SecurityHeadersPolicy, or one of yours) to every cache "
          "behavior.",
      tf="default_cache_behavior {\n  response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id\n}",
      cfn="DefaultCacheBehavior:\n  ResponseHeadersPolicyId: 67f7725c-6f97-4210-82d7-5512b31e9d03  # SecurityHeadersPolicy")
def security_headers(r: View) -> Any:
    behaviors = [(_BEHAVIORS, r.get(_BEHAVIORS)), *r.items("DistributionConfig.CacheBehaviors")]
    return [Fail(p, "responses get no security headers from CloudFront") for p, b in behaviors
            if isinstance(b, dict) and not r.present(f"{p}.ResponseHeadersPolicyId")]


_HSTS = "ResponseHeadersPolicyConfig.SecurityHeadersConfig.StrictTransportSecurity"
_YEAR = 31_536_000


@rule("cloudfront-hsts", title="CloudFront response headers policies send Strict-Transport-Security for a year",
      severity="medium", types=["AWS::CloudFront::ResponseHeadersPolicy"], area="data", category="encryption",
      wa=("SEC09-BP02",),
      why="HSTS tells browsers to use only HTTPS for the site: without it, the first plain-HTTP request of a visit "
          "can be intercepted and the visitor kept on HTTP (SSL stripping).",
      fix="Set Strict-Transport-Security with a max age of at least one year, including subdomains, overriding the "
          "origin's header.",
      tf="security_headers_config {\n  strict_transport_security {\n    access_control_max_age_sec = 31536000\n"
         "    include_subdomains         = true\n    override                   = true\n  }\n}",
      cfn="SecurityHeadersConfig:\n  StrictTransportSecurity:\n    AccessControlMaxAgeSec: 31536000\n"
          "    IncludeSubdomains: true\n    Override: true")
def hsts(r: View) -> Any:
    if r.raw(_HSTS) is None:
        return Fail(r.nearest(_HSTS.rsplit(".", 1)[0]),
                    "the policy does not send Strict-Transport-Security")
    age = r.get(f"{_HSTS}.AccessControlMaxAgeSec", 0)
    try:
        short = int(age) < _YEAR
    except (TypeError, ValueError):
        short = True
    if short:
        return Fail(f"{_HSTS}.AccessControlMaxAgeSec", "browsers remember HTTPS-only for less than a year", age)
    if not is_true(r.get(f"{_HSTS}.IncludeSubdomains", False)):
        return Fail(_HSTS, "subdomains are not covered", None)
    return None


@rule("waf-classic-logging", title="WAF Classic web ACLs log the requests they inspect", severity="medium",
      types=["AWS::WAF::WebACL", "AWS::WAFRegional::WebACL"], area="detection", category="logging",
      wa=("SEC04-BP01",), fsbp=("WAF.1",),
      why="WAF logs record every request inspected, the rule that matched and the action taken: the evidence of an "
          "attack on the application and of its source.",
      fix="Send the web ACL's logs to a Kinesis Data Firehose stream named aws-waf-logs-… (or move to AWS WAF v2).",
      tf='logging_configuration {\n  log_destination = aws_kinesis_firehose_delivery_stream.waf.arn\n}',
      cfn="# CloudFormation cannot set a WAF Classic web ACL's logging: use PutLoggingConfiguration, or WAF v2")
def classic_logging(r: View) -> Any:
    if r.source == "cloudformation":
        return Skip("CloudFormation cannot set a WAF Classic web ACL's logging")
    if not r.present("LoggingConfiguration.LogDestination"):
        return Fail("", "the web ACL's requests are not logged")
    return None
