"""VPC, security groups, network ACLs, load balancers, CloudFront and API Gateway."""

from __future__ import annotations

from typing import Any

from wasec.model.values import Unknown
from wasec.sources.terraform.body import Body, Val
from wasec.sources.terraform.mapping import Blk, Builder, attaches, json_doc, maps, simple

# -- VPC ----------------------------------------------------------------------------------------
simple("aws_vpc", "AWS::EC2::VPC", {"cidr_block": "CidrBlock", "enable_dns_support": "EnableDnsSupport",
                                    "enable_dns_hostnames": "EnableDnsHostnames"})


@maps("aws_default_vpc", "AWS::EC2::VPC")
def _default_vpc(b: Body, o: Builder, m: Any) -> None:
    o.put("IsDefault", True, b.line, b.file)


simple("aws_subnet", "AWS::EC2::Subnet", {
    "vpc_id": "VpcId", "cidr_block": "CidrBlock", "availability_zone": "AvailabilityZone",
    "map_public_ip_on_launch": "MapPublicIpOnLaunch", "assign_ipv6_address_on_creation": "AssignIpv6AddressOnCreation",
})


@maps("aws_default_subnet", "AWS::EC2::Subnet")
def _default_subnet(b: Body, o: Builder, m: Any) -> None:
    o.put("MapPublicIpOnLaunch", True, b.line, b.file)  # default subnets assign public IPs
    o.copy(b, {"availability_zone": "AvailabilityZone", "map_public_ip_on_launch": "MapPublicIpOnLaunch"})


simple("aws_internet_gateway", "AWS::EC2::InternetGateway", {"vpc_id": "VpcId"})
_ROUTE = {"cidr_block": "DestinationCidrBlock", "ipv6_cidr_block": "DestinationIpv6CidrBlock",
          "vpc_peering_connection_id": "VpcPeeringConnectionId", "gateway_id": "GatewayId"}
# inline routes have no CloudFormation twin (CloudFormation declares each AWS::EC2::Route): kept as Routes
simple("aws_route_table", "AWS::EC2::RouteTable", {"vpc_id": "VpcId", "route": Blk("Routes", _ROUTE, many=True)})
simple("aws_route", "AWS::EC2::Route", {
    "route_table_id": "RouteTableId", "destination_cidr_block": "DestinationCidrBlock",
    "destination_ipv6_cidr_block": "DestinationIpv6CidrBlock", "vpc_peering_connection_id": "VpcPeeringConnectionId",
    "gateway_id": "GatewayId",
})
simple("aws_vpc_endpoint_service", "AWS::EC2::VPCEndpointService", {"acceptance_required": "AcceptanceRequired"})
simple("aws_vpc_endpoint", "AWS::EC2::VPCEndpoint", {
    "vpc_id": "VpcId", "service_name": "ServiceName", "vpc_endpoint_type": "VpcEndpointType",
    "policy": ("PolicyDocument", json_doc),
})
simple("aws_eip", "AWS::EC2::EIP", {"instance": "InstanceId", "domain": "Domain"})

# -- security groups -----------------------------------------------------------------------------
_PROTOCOLS = {"all": "-1", "-1": "-1", "tcp": "tcp", "udp": "udp", "icmp": "icmp", "icmpv6": "icmpv6",
              "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


def protocol(v: Any) -> Any:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        v = str(int(v))
    return _PROTOCOLS.get(str(v).lower(), v) if isinstance(v, str) else v


def _sg_rules(o: Builder, key: str, rule: Body, sources: dict[str, str]) -> None:
    """One Terraform rule (with lists of sources) → one CloudFormation rule per source."""
    base: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for tf, cfn in (("from_port", "FromPort"), ("to_port", "ToPort"), ("protocol", "IpProtocol"),
                    ("ip_protocol", "IpProtocol"), ("description", "Description")):
        v = rule.attr(tf)
        if v is not None:
            base[cfn] = protocol(v.value) if cfn == "IpProtocol" else v.value
            lines[cfn] = v.line
    emitted = False
    for tf, cfn in sources.items():
        v = rule.attr(tf)
        if v is None or v.value is None:
            continue
        items = v.value if isinstance(v.value, list) else [v.value]
        if isinstance(v.value, Unknown):
            items = [v.value]
        if tf == "self":
            if v.value is True:
                items = ["self"]
            else:
                continue
        for item in items:
            idx = o.append(key, {**base, cfn: item}, rule.line, rule.file)
            o.locs[(key, idx, cfn)] = o.locs[(key, idx)]._replace(line=v.line)
            for c, ln in lines.items():
                o.locs[(key, idx, c)] = o.locs[(key, idx)]._replace(line=ln)
            emitted = True
    if not emitted:
        idx = o.append(key, dict(base), rule.line, rule.file)
        for c, ln in lines.items():
            o.locs[(key, idx, c)] = o.locs[(key, idx)]._replace(line=ln)


_INLINE_SOURCES = {"cidr_blocks": "CidrIp", "ipv6_cidr_blocks": "CidrIpv6", "security_groups": "SourceSecurityGroupId",
                   "prefix_list_ids": "SourcePrefixListId", "self": "SourceSecurityGroupId"}
_EGRESS_SOURCES = {"cidr_blocks": "CidrIp", "ipv6_cidr_blocks": "CidrIpv6", "security_groups": "DestinationSecurityGroupId",
                   "prefix_list_ids": "DestinationPrefixListId", "self": "DestinationSecurityGroupId"}


def _sg_body(b: Body, o: Builder) -> None:
    for key, tf, sources in (("SecurityGroupIngress", "ingress", _INLINE_SOURCES),
                             ("SecurityGroupEgress", "egress", _EGRESS_SOURCES)):
        unknown = b.blocks_unknown(tf)
        if unknown is not None:
            o.put(key, unknown, b.line, b.file)
            continue
        blocks = b.blocks(tf)
        if blocks:
            o.put(key, [], blocks[0].line, b.file)
        for rule in blocks:
            _sg_rules(o, key, rule, sources)


@maps("aws_security_group", "AWS::EC2::SecurityGroup")
def _sg(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "GroupName", "vpc_id": "VpcId"})
    d = b.attr("description")
    if d is None:
        o.put("GroupDescription", "Managed by Terraform")  # the provider's default
    else:
        o.set("GroupDescription", d)
    _sg_body(b, o)
    o.name(b.attr("name"))


@maps("aws_default_security_group", "AWS::EC2::SecurityGroup")
def _default_sg(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"vpc_id": "VpcId"})
    o.put("GroupName", "default", b.line, b.file)
    o.put("GroupDescription", "default VPC security group", b.line, b.file)  # AWS sets it; the resource cannot
    o.put("IsDefault", True)
    _sg_body(b, o)


@attaches("aws_security_group_rule", "AWS::EC2::SecurityGroup", via="security_group_id")
def _sg_rule(b: Body, o: Builder, m: Any) -> None:
    t = b.attr("type")
    egress = t is not None and t.value == "egress"
    sources = dict(_EGRESS_SOURCES if egress else _INLINE_SOURCES)
    sources["source_security_group_id"] = "DestinationSecurityGroupId" if egress else "SourceSecurityGroupId"
    _sg_rules(o, "SecurityGroupEgress" if egress else "SecurityGroupIngress", b, sources)


def _vpc_rule(egress: bool) -> None:
    tf = f"aws_vpc_security_group_{'egress' if egress else 'ingress'}_rule"

    @attaches(tf, "AWS::EC2::SecurityGroup", via="security_group_id")
    def fn(b: Body, o: Builder, m: Any) -> None:
        sources = {"cidr_ipv4": "CidrIp", "cidr_ipv6": "CidrIpv6",
                   "referenced_security_group_id": "DestinationSecurityGroupId" if egress else "SourceSecurityGroupId",
                   "prefix_list_id": "DestinationPrefixListId" if egress else "SourcePrefixListId"}
        _sg_rules(o, "SecurityGroupEgress" if egress else "SecurityGroupIngress", b, sources)


_vpc_rule(False)
_vpc_rule(True)

# -- network ACLs ------------------------------------------------------------------------------
_ACL_PROTOCOLS = {"all": -1, "-1": -1, "tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}


def acl_protocol(v: Any) -> Any:
    if isinstance(v, str):
        if v.lower() in _ACL_PROTOCOLS:
            return _ACL_PROTOCOLS[v.lower()]
        try:
            return int(v)
        except ValueError:
            return v
    return v


_ACL_ENTRY = {
    "rule_number": "RuleNumber", "rule_no": "RuleNumber", "protocol": ("Protocol", acl_protocol),
    "rule_action": "RuleAction", "action": "RuleAction", "egress": "Egress", "cidr_block": "CidrBlock",
    "ipv6_cidr_block": "Ipv6CidrBlock", "from_port": "PortRange.From", "to_port": "PortRange.To",
    "network_acl_id": "NetworkAclId",
}


def _acl_with_rules(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"vpc_id": "VpcId"})
    for direction, egress in (("ingress", False), ("egress", True)):
        for i, rule in enumerate(b.blocks(direction)):
            entry = m.emit("AWS::EC2::NetworkAclEntry", f"{direction}[{i}]", rule)
            entry.copy(rule, _ACL_ENTRY)
            entry.put("Egress", egress)
            entry.put("NetworkAclId", o.id)


maps("aws_network_acl", "AWS::EC2::NetworkAcl")(_acl_with_rules)
maps("aws_default_network_acl", "AWS::EC2::NetworkAcl")(_acl_with_rules)


@maps("aws_network_acl_rule", "AWS::EC2::NetworkAclEntry")
def _acl_rule(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, _ACL_ENTRY)
    if b.attr("egress") is None:
        o.put("Egress", False)


# -- load balancers -------------------------------------------------------------------------------
_LB_ATTRS = {
    "drop_invalid_header_fields": "routing.http.drop_invalid_header_fields.enabled",
    "enable_deletion_protection": "deletion_protection.enabled",
    "desync_mitigation_mode": "routing.http.desync_mitigation_mode",
    "enable_http2": "routing.http2.enabled",
    "idle_timeout": "idle_timeout.timeout_seconds",
}


def _lb(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "Name", "load_balancer_type": "Type", "subnets": "Subnets", "security_groups": "SecurityGroups"})
    internal = b.attr("internal")
    if internal is not None:
        o.set("Scheme", internal, lambda v: "internal" if v else "internet-facing")
    attrs: list[tuple[str, Val]] = []
    for tf, key in _LB_ATTRS.items():
        v = b.attr(tf)
        if v is not None:
            attrs.append((key, v))
    for al in b.blocks("access_logs"):
        for tf, key in (("enabled", "access_logs.s3.enabled"), ("bucket", "access_logs.s3.bucket")):
            v = al.attr(tf)
            if v is not None:
                attrs.append((key, v))
        if al.attr("enabled") is None:
            attrs.append(("access_logs.s3.enabled", Val(True, al.line, al.file)))
    for key, v in attrs:
        value = v.value
        if isinstance(value, bool):
            value = "true" if value else "false"
        idx = o.append("LoadBalancerAttributes", {"Key": key, "Value": value}, v.line, v.file)
        o.locs[("LoadBalancerAttributes", idx, "Value")] = o.locs[("LoadBalancerAttributes", idx)]
    o.name(b.attr("name"))


maps("aws_lb", "AWS::ElasticLoadBalancingV2::LoadBalancer")(_lb)
maps("aws_alb", "AWS::ElasticLoadBalancingV2::LoadBalancer")(_lb)

_ACTION = {"type": "Type", "redirect": Blk("RedirectConfig", {"protocol": "Protocol", "port": "Port", "status_code": "StatusCode"}),
           "target_group_arn": "TargetGroupArn"}


def _listener(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"load_balancer_arn": "LoadBalancerArn", "port": "Port", "protocol": "Protocol", "ssl_policy": "SslPolicy",
               "certificate_arn": ("Certificates", lambda v: [{"CertificateArn": v}]),
               "default_action": Blk("DefaultActions", _ACTION, many=True)})


maps("aws_lb_listener", "AWS::ElasticLoadBalancingV2::Listener")(_listener)
maps("aws_alb_listener", "AWS::ElasticLoadBalancingV2::Listener")(_listener)


@maps("aws_elb", "AWS::ElasticLoadBalancing::LoadBalancer")
def _classic_elb(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {
        "name": "LoadBalancerName",
        "internal": ("Scheme", lambda v: "internal" if v else "internet-facing"),
        "cross_zone_load_balancing": "CrossZone",
        "connection_draining": "ConnectionDrainingPolicy.Enabled",
        "listener": Blk("Listeners", {"lb_port": "LoadBalancerPort", "lb_protocol": "Protocol", "instance_port": "InstancePort",
                                      "instance_protocol": "InstanceProtocol", "ssl_certificate_id": "SSLCertificateId"}, many=True),
        "access_logs": Blk("AccessLoggingPolicy", {"bucket": "S3BucketName", "enabled": "Enabled"}),
        "desync_mitigation_mode": "DesyncMitigationMode",  # an attribute of the API; CloudFormation has none
    })
    for al in b.blocks("access_logs"):
        if al.attr("enabled") is None:
            o.put("AccessLoggingPolicy.Enabled", True, al.line, al.file)


# -- CloudFront ------------------------------------------------------------------------------------
_BEHAVIOR = {"viewer_protocol_policy": "ViewerProtocolPolicy", "target_origin_id": "TargetOriginId",
             "path_pattern": "PathPattern", "field_level_encryption_id": "FieldLevelEncryptionId",
             "response_headers_policy_id": "ResponseHeadersPolicyId"}
simple("aws_cloudfront_response_headers_policy", "AWS::CloudFront::ResponseHeadersPolicy", {
    "name": "ResponseHeadersPolicyConfig.Name",
    "security_headers_config": Blk("ResponseHeadersPolicyConfig.SecurityHeadersConfig", {
        "strict_transport_security": Blk("StrictTransportSecurity", {
            "access_control_max_age_sec": "AccessControlMaxAgeSec", "include_subdomains": "IncludeSubdomains",
            "override": "Override", "preload": "Preload"}),
        "content_type_options": Blk("ContentTypeOptions", {"override": "Override"}),
        "frame_options": Blk("FrameOptions", {"frame_option": "FrameOption", "override": "Override"}),
    }),
}, name="name")


@maps("aws_cloudfront_distribution", "AWS::CloudFront::Distribution")
def _distribution(b: Body, o: Builder, m: Any) -> None:
    o.put("DistributionConfig", {}, b.line, b.file)
    o.copy(b, {
        "enabled": "Enabled",
        "web_acl_id": "WebACLId",
        "default_root_object": "DefaultRootObject",
        "aliases": "Aliases",
        "logging_config": Blk("Logging", {"bucket": "Bucket", "include_cookies": "IncludeCookies", "prefix": "Prefix"}),
        "default_cache_behavior": Blk("DefaultCacheBehavior", _BEHAVIOR),
        "ordered_cache_behavior": Blk("CacheBehaviors", _BEHAVIOR, many=True),
        "viewer_certificate": Blk("ViewerCertificate", {
            "cloudfront_default_certificate": "CloudFrontDefaultCertificate",
            "minimum_protocol_version": "MinimumProtocolVersion",
            "acm_certificate_arn": "AcmCertificateArn",
            "iam_certificate_id": "IamCertificateId",
            "ssl_support_method": "SslSupportMethod",
        }),
        "origin": Blk("Origins", {
            "domain_name": "DomainName",
            "origin_id": "Id",
            "origin_access_control_id": "OriginAccessControlId",
            "s3_origin_config": Blk("S3OriginConfig", {"origin_access_identity": "OriginAccessIdentity"}),
            "custom_origin_config": Blk("CustomOriginConfig", {
                "origin_protocol_policy": "OriginProtocolPolicy",
                "origin_ssl_protocols": "OriginSSLProtocols",
            }),
        }, many=True),
        "origin_group": Blk("OriginGroups.Items", {"origin_id": "Id"}, many=True),
    }, "DistributionConfig")
    vc = b.blocks("viewer_certificate")
    if vc and vc[0].attr("minimum_protocol_version") is None:
        default_cert = vc[0].attr("cloudfront_default_certificate")
        if default_cert is None or default_cert.value is not True:
            # the provider's default for a custom certificate
            o.put("DistributionConfig.ViewerCertificate.MinimumProtocolVersion", "TLSv1", vc[0].line, vc[0].file)


# -- API Gateway ---------------------------------------------------------------------------------
simple("aws_api_gateway_rest_api", "AWS::ApiGateway::RestApi", {
    "name": "Name", "policy": ("Policy", json_doc),
    "endpoint_configuration": Blk("EndpointConfiguration", {"types": "Types"}),
    "disable_execute_api_endpoint": "DisableExecuteApiEndpoint",
})


@maps("aws_api_gateway_stage", "AWS::ApiGateway::Stage")
def _stage(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {
        "stage_name": "StageName",
        "rest_api_id": "RestApiId",
        "deployment_id": "DeploymentId",
        "xray_tracing_enabled": "TracingEnabled",
        "cache_cluster_enabled": "CacheClusterEnabled",
        "client_certificate_id": "ClientCertificateId",
        "web_acl_arn": "WebAclArn",
        "access_log_settings": Blk("AccessLogSetting", {"destination_arn": "DestinationArn", "format": "Format"}),
    })


@attaches("aws_api_gateway_method_settings", "AWS::ApiGateway::Stage", via="stage_name")
def _method_settings(b: Body, o: Builder, m: Any) -> None:
    path = b.attr("method_path")
    for s in b.blocks("settings"):
        idx = o.append("MethodSettings", {}, s.line, s.file)
        if path is not None and isinstance(path.value, str) and "/" in path.value:
            res, _, method = path.value.rpartition("/")
            o.put(f"MethodSettings.{idx}.ResourcePath", "/" + res.lstrip("/") if res != "*" else "/*", path.line, path.file)
            o.put(f"MethodSettings.{idx}.HttpMethod", method, path.line, path.file)
        o.copy(s, {"caching_enabled": "CachingEnabled", "cache_data_encrypted": "CacheDataEncrypted",
                   "logging_level": "LoggingLevel", "metrics_enabled": "MetricsEnabled",
                   "data_trace_enabled": "DataTraceEnabled"}, f"MethodSettings.{idx}")


simple("aws_api_gateway_method", "AWS::ApiGateway::Method", {
    "http_method": "HttpMethod", "authorization": "AuthorizationType", "api_key_required": "ApiKeyRequired",
    "rest_api_id": "RestApiId", "resource_id": "ResourceId", "authorizer_id": "AuthorizerId",
    "request_validator_id": "RequestValidatorId",
})
simple("aws_api_gateway_domain_name", "AWS::ApiGateway::DomainName", {
    "domain_name": "DomainName", "security_policy": "SecurityPolicy",
    "endpoint_configuration": Blk("EndpointConfiguration", {"types": "Types"}),
})
simple("aws_apigatewayv2_api", "AWS::ApiGatewayV2::Api", {"name": "Name", "protocol_type": "ProtocolType"})
simple("aws_apigatewayv2_stage", "AWS::ApiGatewayV2::Stage", {
    "api_id": "ApiId", "name": "StageName",
    "access_log_settings": Blk("AccessLogSettings", {"destination_arn": "DestinationArn", "format": "Format"}),
    "default_route_settings": Blk("DefaultRouteSettings", {"logging_level": "LoggingLevel",
                                                           "detailed_metrics_enabled": "DetailedMetricsEnabled"}),
})
simple("aws_apigatewayv2_route", "AWS::ApiGatewayV2::Route", {
    "api_id": "ApiId", "route_key": "RouteKey", "authorization_type": "AuthorizationType",
})
simple("aws_apigatewayv2_domain_name", "AWS::ApiGatewayV2::DomainName", {
    "domain_name": "DomainName",
    "domain_name_configuration": Blk("DomainNameConfigurations", {"security_policy": "SecurityPolicy",
                                                                  "endpoint_type": "EndpointType"}, many=True),
})

# -- WAF -----------------------------------------------------------------------------------------
simple("aws_wafv2_web_acl_association", "AWS::WAFv2::WebACLAssociation", {
    "resource_arn": "ResourceArn", "web_acl_arn": "WebACLArn",
})
_VISIBILITY = Blk("VisibilityConfig", {"cloudwatch_metrics_enabled": "CloudWatchMetricsEnabled", "metric_name": "MetricName",
                                      "sampled_requests_enabled": "SampledRequestsEnabled"})
simple("aws_wafv2_web_acl", "AWS::WAFv2::WebACL", {
    "name": "Name", "scope": "Scope", "visibility_config": _VISIBILITY,
    "rule": Blk("Rules", {
        "name": "Name", "priority": "Priority", "visibility_config": _VISIBILITY,
        "override_action": Blk("OverrideAction", {"count": Blk("Count", {}), "none": Blk("None", {})}),
        "statement": Blk("Statement", {
            "managed_rule_group_statement": Blk("ManagedRuleGroupStatement", {
                "name": "Name", "vendor_name": "VendorName",
                "rule_action_override": Blk("RuleActionOverrides", {"name": "Name", "action_to_use": Blk("ActionToUse", {
                    "count": Blk("Count", {}), "allow": Blk("Allow", {}), "block": Blk("Block", {})})}, many=True),
            }),
            "rule_group_reference_statement": Blk("RuleGroupReferenceStatement", {"arn": "Arn"}),
            "rate_based_statement": Blk("RateBasedStatement", {"limit": "Limit", "aggregate_key_type": "AggregateKeyType"}),
        }),
    }, many=True),
}, name="name")
simple("aws_wafv2_web_acl_logging_configuration", "AWS::WAFv2::LoggingConfiguration", {
    "resource_arn": "ResourceArn", "log_destination_configs": "LogDestinationConfigs",
})


simple("aws_ec2_transit_gateway", "AWS::EC2::TransitGateway", {
    "auto_accept_shared_attachments": "AutoAcceptSharedAttachments",
    "default_route_table_association": "DefaultRouteTableAssociation",
})
simple("aws_acm_certificate", "AWS::CertificateManager::Certificate", {
    "domain_name": "DomainName", "key_algorithm": "KeyAlgorithm", "validation_method": "ValidationMethod",
    "subject_alternative_names": "SubjectAlternativeNames",
    "options": Blk("", {"certificate_transparency_logging_preference": "CertificateTransparencyLoggingPreference"}),
}, name="domain_name")
simple("aws_ram_resource_share", "AWS::RAM::ResourceShare", {
    "name": "Name", "allow_external_principals": ("AllowExternalPrincipals", bool),
}, name="name")


# -- DNS ---------------------------------------------------------------------------------------------
@maps("aws_route53_zone", "AWS::Route53::HostedZone")
def _zone(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"name": "Name", "vpc": Blk("VPCs", {"vpc_id": "VPCId", "vpc_region": "VPCRegion"}, many=True)})
    o.name(b.attr("name"))


simple("aws_route53_hosted_zone_dnssec", "AWS::Route53::DNSSEC", {"hosted_zone_id": "HostedZoneId"})
simple("aws_globalaccelerator_accelerator", "AWS::GlobalAccelerator::Accelerator", {
    "name": "Name", "attributes": Blk("Attributes", {"flow_logs_enabled": "FlowLogsEnabled",
                                                     "flow_logs_s3_bucket": "FlowLogsS3Bucket"}),
}, name="name")


@attaches("aws_route53_query_log", "AWS::Route53::HostedZone", via="zone_id")
def _query_log(b: Body, o: Builder, m: Any) -> None:
    o.put("QueryLoggingConfig", {}, b.line, b.file)
    o.set("QueryLoggingConfig.CloudWatchLogsLogGroupArn", b.attr("cloudwatch_log_group_arn"))


# -- Network Firewall ----------------------------------------------------------------------------------------
_NFW_ENCRYPTION = Blk("EncryptionConfiguration", {"key_id": "KeyId", "type": "Type"})
simple("aws_networkfirewall_firewall", "AWS::NetworkFirewall::Firewall", {
    "name": "FirewallName", "firewall_policy_arn": "FirewallPolicyArn", "vpc_id": "VpcId",
    "delete_protection": "DeleteProtection", "subnet_change_protection": "SubnetChangeProtection",
    "firewall_policy_change_protection": "FirewallPolicyChangeProtection",
    "encryption_configuration": _NFW_ENCRYPTION,
}, name="name")
simple("aws_networkfirewall_firewall_policy", "AWS::NetworkFirewall::FirewallPolicy", {
    "name": "FirewallPolicyName",
    "encryption_configuration": _NFW_ENCRYPTION,
    "firewall_policy": Blk("FirewallPolicy", {
        "stateless_default_actions": "StatelessDefaultActions",
        "stateless_fragment_default_actions": "StatelessFragmentDefaultActions",
        "stateless_rule_group_reference": Blk("StatelessRuleGroupReferences",
                                              {"resource_arn": "ResourceArn", "priority": "Priority"}, many=True),
        "stateful_rule_group_reference": Blk("StatefulRuleGroupReferences", {"resource_arn": "ResourceArn"}, many=True),
    }),
}, name="name")
simple("aws_networkfirewall_rule_group", "AWS::NetworkFirewall::RuleGroup", {
    "name": "RuleGroupName", "type": "Type", "capacity": "Capacity",
    "encryption_configuration": _NFW_ENCRYPTION,
    "rule_group": Blk("RuleGroup", {"rules_source": Blk("RulesSource", {
        "rules_string": "RulesString",
        "stateless_rules_and_custom_actions": Blk("StatelessRulesAndCustomActions", {
            "stateless_rule": Blk("StatelessRules", {"priority": "Priority"}, many=True),
        }),
    })}),
}, name="name")
simple("aws_networkfirewall_logging_configuration", "AWS::NetworkFirewall::LoggingConfiguration", {
    "firewall_arn": "FirewallArn",
    "logging_configuration": Blk("LoggingConfiguration", {
        "log_destination_config": Blk("LogDestinationConfigs", {
            "log_type": "LogType", "log_destination_type": "LogDestinationType", "log_destination": "LogDestination",
        }, many=True),
    }),
})

# -- VPN, network interfaces, account guardrails ---------------------------------------------------------
simple("aws_vpc_block_public_access_options", "AWS::EC2::VPCBlockPublicAccessOptions", {
    "internet_gateway_block_mode": "InternetGatewayBlockMode",
})
simple("aws_ec2_client_vpn_endpoint", "AWS::EC2::ClientVpnEndpoint", {
    "description": "Description",
    "connection_log_options": Blk("ConnectionLogOptions", {"enabled": "Enabled",
                                                           "cloudwatch_log_group": "CloudwatchLogGroup"}),
})
simple("aws_network_interface", "AWS::EC2::NetworkInterface", {
    "subnet_id": "SubnetId", "source_dest_check": "SourceDestCheck", "security_groups": "GroupSet",
    "description": "Description",
})


@maps("aws_vpn_connection", "AWS::EC2::VPNConnection")
def _vpn(b: Body, o: Builder, m: Any) -> None:
    o.copy(b, {"customer_gateway_id": "CustomerGatewayId", "transit_gateway_id": "TransitGatewayId",
               "vpn_gateway_id": "VpnGatewayId", "type": "Type"})
    # a Terraform VPN connection always has two tunnels, each with its own log options
    o.put("VpnTunnelOptionsSpecifications", [{}, {}], b.line, b.file)
    for i in (0, 1):
        for opts in b.blocks(f"tunnel{i + 1}_log_options"):
            for cw in opts.blocks("cloudwatch_log_options"):
                o.set(f"VpnTunnelOptionsSpecifications.{i}.LogOptions.CloudwatchLogOptions.LogEnabled",
                      cw.attr("log_enabled"))
                o.set(f"VpnTunnelOptionsSpecifications.{i}.LogOptions.CloudwatchLogOptions.LogGroupArn",
                      cw.attr("log_group_arn"))


# WAF Classic (global and regional): rules and web ACLs, for the "has at least one" checks
_WAF_PREDICATE = Blk("Predicates", {"data_id": "DataId", "negated": "Negated", "type": "Type"}, many=True)
simple("aws_waf_rule", "AWS::WAF::Rule", {"name": "Name", "metric_name": "MetricName", "predicates": _WAF_PREDICATE})
simple("aws_wafregional_rule", "AWS::WAFRegional::Rule", {"name": "Name", "metric_name": "MetricName",
                                                          "predicate": _WAF_PREDICATE})
_WAF_ACL_RULE = Blk("Rules", {"priority": "Priority", "rule_id": "RuleId", "type": "Type"}, many=True)
_WAF_LOGGING = Blk("LoggingConfiguration", {"log_destination": "LogDestination"})  # no CloudFormation twin
simple("aws_waf_web_acl", "AWS::WAF::WebACL", {"name": "Name", "metric_name": "MetricName", "rules": _WAF_ACL_RULE,
                                               "logging_configuration": _WAF_LOGGING})
simple("aws_wafregional_web_acl", "AWS::WAFRegional::WebACL", {"name": "Name", "metric_name": "MetricName",
                                                               "rule": _WAF_ACL_RULE, "logging_configuration": _WAF_LOGGING})


@attaches("aws_load_balancer_policy", "AWS::ElasticLoadBalancing::LoadBalancer", via="load_balancer_name")
def _clb_policy(b: Body, o: Builder, m: Any) -> None:
    idx = o.append("Policies", {}, b.line, b.file)
    o.copy(b, {"policy_name": "PolicyName", "policy_type_name": "PolicyType",
               "policy_attribute": Blk("Attributes", {"name": "Name", "value": "Value"}, many=True)}, f"Policies.{idx}")


@attaches("aws_load_balancer_listener_policy", "AWS::ElasticLoadBalancing::LoadBalancer", via="load_balancer_name")
def _clb_listener_policy(b: Body, o: Builder, m: Any) -> None:
    # the policies of one listener, by port: kept beside Listeners (CloudFormation writes them in the listener)
    idx = o.append("ListenerPolicies", {}, b.line, b.file)
    o.copy(b, {"load_balancer_port": "LoadBalancerPort", "policy_names": "PolicyNames"}, f"ListenerPolicies.{idx}")
