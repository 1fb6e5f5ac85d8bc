"""Infrastructure protection, network (SEC05): who can reach what."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wasec.analyzers.network import (
    ADMIN_PORTS,
    DATABASE_PORTS,
    all_protocols,
    exposed_ports,
    is_anywhere,
    port_range,
    tcp_or_udp,
)
from wasec.model.values import Unknown
from wasec.rules.pack._common import expect, is_true
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, View

LAYERS = ("SEC05-BP01", "SEC05-BP02")
SG = "AWS::EC2::SecurityGroup"


def _open_rules(r: View, key: str = "SecurityGroupIngress",
                matters: Callable[[dict[str, Any]], bool] | None = None) -> list[tuple[str, dict[str, Any], str]]:
    """(path, rule, source) for rules open to 0.0.0.0/0 or ::/0. A rule whose source is unknown leaves the question
    undecided only when ``matters`` says its ports and protocol could change the answer (443 from an unknown range
    says nothing of SSH)."""
    out = []
    for p, rule_ in r.items(key):
        if not isinstance(rule_, dict):
            continue
        for field in ("CidrIp", "CidrIpv6"):
            v = rule_.get(field)
            with r.part():  # a rule whose source is unknown leaves only that rule undecided
                if isinstance(v, Unknown) and (matters is None or matters(rule_)):
                    r.get(f"{p}.{field}")  # raises: the source is unknown
            if is_anywhere(v):
                out.append((p, rule_, str(v)))
    return out


def _sg_ports_rule(id: str, title: str, ports: dict[int, str], severity: str, cis: tuple[str, ...], fsbp: tuple[str, ...],
                   why: str) -> None:
    def reaches(rule_: dict[str, Any]) -> bool:
        proto = rule_.get("IpProtocol", "-1")
        if isinstance(proto, Unknown) or all_protocols(proto):
            return True
        rng = port_range(rule_)
        return tcp_or_udp(proto) and (rng is None or bool(exposed_ports(rng[0], rng[1], ports)))

    @rule(id, title=title, severity=severity, types=[SG], area="infrastructure", category="network", wa=LAYERS, cis=cis,
          fsbp=fsbp, why=why,
          fix="Allow these ports only from known networks (a VPN, a bastion's security group) or use SSM Session Manager.",
          tf='ingress {\n  from_port       = 22\n  to_port         = 22\n  protocol        = "tcp"\n  security_groups = [aws_security_group.bastion.id]\n}',
          cfn="SecurityGroupIngress:\n  - IpProtocol: tcp\n    FromPort: 22\n    ToPort: 22\n    SourceSecurityGroupId: !Ref BastionSG")
    def check(r: View) -> Any:
        fails = []
        for p, rule_, src in _open_rules(r, matters=reaches):
            proto = rule_.get("IpProtocol", "-1")
            if not tcp_or_udp(proto):
                continue
            rng = port_range(rule_)
            if rng is None:
                with r.part():
                    r.get(f"{p}.FromPort")
                    r.get(f"{p}.ToPort")
                continue
            hit = exposed_ports(rng[0], rng[1], ports)
            if hit and not (all_protocols(proto) or rng == (0, 65535)):
                fails.append(Fail(p, f"{', '.join(hit)} open to {src}", src))
        return fails


_sg_ports_rule("sg-admin-ports-open", "Security group does not open administration ports to the internet", ADMIN_PORTS,
               "high", ("6.3", "6.4"), ("EC2.13", "EC2.14", "EC2.19"),
               "SSH, RDP and WinRM open to the internet are scanned within minutes and brute-forced; they are the most "
               "common way into an instance.")
_sg_ports_rule("sg-database-ports-open", "Security group does not open database and file-sharing ports to the internet",
               DATABASE_PORTS, "high", ("6.1.2",), ("EC2.19",),
               "Databases, caches and file shares answer anyone who reaches them; many ship with weak or no authentication.")


def _everything(rule_: dict[str, Any]) -> bool:
    proto = rule_.get("IpProtocol", "-1")
    rng = port_range(rule_)
    return isinstance(proto, Unknown) or all_protocols(proto) or rng is None or rng == (0, 65535)


@rule("sg-all-traffic-open", title="Security group does not allow all traffic from the internet", severity="critical",
      types=[SG], area="infrastructure", category="network", wa=LAYERS, cis=("6.3", "6.4"), fsbp=("EC2.18", "EC2.19"),
      why="A rule allowing every protocol or every port from 0.0.0.0/0 exposes every service the instance runs.",
      fix="Open only the ports the service needs, to the sources that need them.",
      tf='ingress {\n  from_port   = 443\n  to_port     = 443\n  protocol    = "tcp"\n  cidr_blocks = ["0.0.0.0/0"]\n}',
      cfn="SecurityGroupIngress:\n  - IpProtocol: tcp\n    FromPort: 443\n    ToPort: 443\n    CidrIp: 0.0.0.0/0")
def sg_all_open(r: View) -> Any:
    fails = []
    for p, rule_, src in _open_rules(r, matters=_everything):
        rng = port_range(rule_)
        if all_protocols(rule_.get("IpProtocol", "-1")) or rng == (0, 65535):
            fails.append(Fail(p, f"all traffic is allowed from {src}", src))
    return fails


@rule("sg-unrestricted-ingress", title="Security group opens only web ports to the internet", severity="medium",
      types=[SG], area="infrastructure", category="network", wa=LAYERS, fsbp=("EC2.18",),
      options={"authorized_ports": [80, 443]},
      why="Every port open to 0.0.0.0/0 other than the service's web ports widens the attack surface.",
      fix="Restrict the source of the rule, or add the port to authorized_ports in .wasec/config.yml if it is a public service.",
      tf='ingress {\n  from_port   = 443\n  to_port     = 443\n  protocol    = "tcp"\n  cidr_blocks = ["0.0.0.0/0"]\n}',
      cfn="SecurityGroupIngress:\n  - IpProtocol: tcp\n    FromPort: 443\n    ToPort: 443\n    CidrIp: 0.0.0.0/0")
def sg_unrestricted(r: View) -> Any:
    allowed = {int(x) for x in r.options.get("authorized_ports", [80, 443])}

    def beyond_allowed(rule_: dict[str, Any]) -> bool:
        proto = rule_.get("IpProtocol", "-1")
        rng = port_range(rule_)
        if isinstance(proto, Unknown) or rng is None:
            return True
        return not all(port in allowed for port in range(rng[0], min(rng[1], rng[0] + 1024) + 1))

    fails = []
    for p, rule_, src in _open_rules(r, matters=beyond_allowed):
        proto = rule_.get("IpProtocol", "-1")
        rng = port_range(rule_)
        if rng is None or all_protocols(proto) or rng == (0, 65535):
            continue  # sg-all-traffic-open reports these
        if str(proto).lower() in ("icmp", "1", "icmpv6", "58"):
            continue
        if exposed_ports(rng[0], rng[1], {**ADMIN_PORTS, **DATABASE_PORTS}):
            continue  # reported by the admin/database rules
        if not all(port in allowed for port in range(rng[0], min(rng[1], rng[0] + 1024) + 1)):
            fails.append(Fail(p, f"ports {rng[0]}-{rng[1]} open to {src}" if rng[0] != rng[1] else f"port {rng[0]} open to {src}", src))
    return fails


@rule("sg-egress-unrestricted", title="Security group restricts outbound traffic", severity="low", types=[SG],
      area="infrastructure", category="network", wa=("SEC05-BP02",),
      why="Unrestricted egress (AWS's default for new security groups) lets a compromised workload reach any host "
          "on the internet: command and control, exfiltration, lateral movement.",
      fix="Allow only the destinations the workload needs (VPC endpoints, specific CIDRs, prefix lists).",
      tf='egress {\n  from_port       = 443\n  to_port         = 443\n  protocol        = "tcp"\n  prefix_list_ids = [aws_vpc_endpoint.s3.prefix_list_id]\n}',
      cfn="SecurityGroupEgress:\n  - IpProtocol: tcp\n    FromPort: 443\n    ToPort: 443\n    DestinationPrefixListId: !Ref S3PrefixList")
def sg_egress(r: View) -> Any:
    if r.raw("SecurityGroupEgress") is None and r.source == "cloudformation" and r.resource.known is None:
        return Fail("SecurityGroupEgress", "no egress rule is declared, so the default allows all outbound traffic")
    return [Fail(p, f"outbound traffic to {src} is allowed", src) for p, _, src in _open_rules(r, "SecurityGroupEgress")]


@rule("sg-default-restricts-all", title="The default security group allows no traffic", severity="high", types=[SG],
      area="infrastructure", category="network", wa=LAYERS, cis=("6.5",), fsbp=("EC2.2",),
      why="Resources launched without an explicit group land in the default one; it should isolate them.",
      fix="Remove every ingress and egress rule from the default security group.",
      tf='resource "aws_default_security_group" "default" {\n  vpc_id = aws_vpc.main.id\n}',
      cfn="# manage the default group with aws_default_security_group, leaving it without rules")
def default_sg(r: View) -> Any:
    if not (is_true(r.get("IsDefault", False)) or r.get("GroupName") == "default"):
        return Skip()
    return [Fail(k, "the default security group has rules", None) for k in ("SecurityGroupIngress", "SecurityGroupEgress")
            if r.items(k)]


_DESCRIBED = ["AWS::EC2::SecurityGroup", "AWS::ElastiCache::SecurityGroup", "AWS::Redshift::ClusterSecurityGroup"]


@rule("sg-description", title="Security groups and their rules are described", severity="low", types=_DESCRIBED,
      area="infrastructure", category="hygiene", wa=("SEC05-BP02",),
      why="A description is how a reviewer knows why a rule exists and whether it can go.",
      fix="Describe the group and each of its rules.",
      tf='description = "HTTPS from the public load balancer"', cfn="GroupDescription: HTTPS from the public load balancer")
def sg_description(r: View) -> Any:
    fails = []
    key = "GroupDescription" if r.type == SG else "Description"
    if not r.present(key):
        fails.append(Fail(key, "the group has no description", r.get(key)))
    if r.type == SG:
        for k in ("SecurityGroupIngress", "SecurityGroupEgress"):
            for p, rule_ in r.items(k):
                if isinstance(rule_, dict) and not rule_.get("Description"):
                    fails.append(Fail(p, "the rule has no description"))
    return fails


# -- network ACLs -----------------------------------------------------------------------------------------
def _acl_open(r: View) -> tuple[bool, str]:
    if is_true(r.get("Egress", False)) or str(r.get("RuleAction", "allow")).lower() != "allow":
        return False, ""
    for field in ("CidrBlock", "Ipv6CidrBlock"):
        v = r.get(field)
        if is_anywhere(v):
            return True, str(v)
    return False, ""


@rule("nacl-admin-ports-open", title="Network ACL does not allow administration ports from the internet",
      severity="medium", types=["AWS::EC2::NetworkAclEntry"], area="infrastructure", category="network", wa=LAYERS,
      cis=("6.2",), fsbp=("EC2.21",),
      why="The subnet-level ACL is a second layer behind security groups; it should not let SSH or RDP in from anywhere.",
      fix="Deny or narrow ingress to ports 22 and 3389 from 0.0.0.0/0 and ::/0.",
      tf='resource "aws_network_acl_rule" "ssh" {\n  rule_action = "allow"\n  protocol    = "tcp"\n  from_port   = 22\n  to_port     = 22\n  cidr_block  = "10.0.0.0/8"\n}',
      cfn="Protocol: 6\nRuleAction: allow\nCidrBlock: 10.0.0.0/8\nPortRange:\n  From: 22\n  To: 22")
def nacl_admin(r: View) -> Any:
    open_, src = _acl_open(r)
    if not open_:
        return None
    proto = r.get("Protocol", -1)
    if not tcp_or_udp(proto):
        return None
    rng = port_range({"Protocol": proto, "FromPort": r.get("PortRange.From"), "ToPort": r.get("PortRange.To")})
    if rng is not None and exposed_ports(rng[0], rng[1], {22: "SSH", 3389: "RDP"}):
        return Fail("PortRange" if r.present("PortRange") else "Protocol", f"ports {rng[0]}-{rng[1]} allowed from {src}", src)
    return None


@rule("nacl-all-ports", title="Network ACL does not allow every port and protocol", severity="medium",
      types=["AWS::EC2::NetworkAclEntry"], area="infrastructure", category="network", wa=LAYERS,
      why="An allow rule for protocol -1 lets every port through the subnet boundary.",
      fix="Allow specific protocols and port ranges.",
      tf='protocol  = "tcp"\nfrom_port = 443\nto_port   = 443', cfn="Protocol: 6\nPortRange:\n  From: 443\n  To: 443")
def nacl_all(r: View) -> Any:
    if str(r.get("RuleAction", "allow")).lower() != "allow":
        return None
    if all_protocols(r.get("Protocol")):
        src = r.get("CidrBlock") or r.get("Ipv6CidrBlock")
        if src is not None and not is_anywhere(src):
            return None
        return Fail("Protocol", "every protocol and port is allowed", r.get("Protocol"))
    return None


# -- public addresses and endpoints ---------------------------------------------------------------------
@rule("ec2-public-ip", title="EC2 instances do not get public IP addresses", severity="high",
      types=["AWS::EC2::Instance", "AWS::AutoScaling::LaunchConfiguration", "AWS::EC2::LaunchTemplate"],
      area="infrastructure", category="exposure", wa=LAYERS, fsbp=("EC2.9", "AutoScaling.5", "EC2.25"),
      why="A public address puts the instance directly on the internet, one security group rule away from exposure.",
      fix="Launch instances in private subnets behind a load balancer or NAT; reach them with SSM Session Manager.",
      tf="associate_public_ip_address = false", cfn="AssociatePublicIpAddress: false")
def public_ip(r: View) -> Any:
    if r.type == "AWS::AutoScaling::LaunchConfiguration":
        v = r.get("AssociatePublicIpAddress")
        return Fail("AssociatePublicIpAddress", "instances get a public IP address", v) if is_true(v) else None
    base = "LaunchTemplateData.NetworkInterfaces" if r.type == "AWS::EC2::LaunchTemplate" else "NetworkInterfaces"
    return [Fail(f"{p}.AssociatePublicIpAddress", "instances get a public IP address", True)
            for p, ni in r.items(base) if isinstance(ni, dict) and is_true(r.get(f"{p}.AssociatePublicIpAddress", False))]


expect("subnet-no-auto-public-ip", types=["AWS::EC2::Subnet"], path="MapPublicIpOnLaunch", ok=lambda v: not is_true(v),
       default=False, message="instances launched here get public IP addresses",
       title="Subnets do not assign public IP addresses automatically", severity="medium", area="infrastructure",
       category="exposure", wa=LAYERS, fsbp=("EC2.15",),
       why="Every instance launched in such a subnet is reachable from the internet by default.",
       fix="Turn off automatic public IP assignment; use public subnets only for load balancers and NAT gateways.",
       tf="map_public_ip_on_launch = false", cfn="MapPublicIpOnLaunch: false")


@rule("default-vpc-not-used", title="Workloads do not use the default VPC", severity="medium", types=["AWS::EC2::VPC"],
      area="infrastructure", category="network", wa=LAYERS,
      why="The default VPC has public subnets that assign public IPs and was designed for quick starts, not for "
          "network layering.",
      fix="Create a VPC with private subnets for workloads.",
      tf='resource "aws_vpc" "main" {\n  cidr_block = "10.0.0.0/16"\n}', cfn="Vpc:\n  Type: AWS::EC2::VPC\n  Properties:\n    CidrBlock: 10.0.0.0/16")
def default_vpc(r: View) -> Any:
    if r.source == "aws" and r.get("NetworkInterfaceCount", 1) == 0:
        return Skip("the default VPC exists but nothing runs in it")
    if is_true(r.get("IsDefault", False)):
        return Fail("IsDefault", "the default VPC is managed as a workload network", True)
    return None


@rule("eks-public-endpoint", title="EKS API endpoint is private", severity="high", types=["AWS::EKS::Cluster"],
      area="infrastructure", category="exposure", wa=LAYERS, fsbp=("EKS.1",),
      why="A public Kubernetes API endpoint exposes authentication and any API vulnerability to the internet.",
      fix="Disable public access (use the private endpoint through a VPN or bastion), or at least restrict its CIDRs.",
      tf="vpc_config {\n  endpoint_private_access = true\n  endpoint_public_access  = false\n}",
      cfn="ResourcesVpcConfig:\n  EndpointPrivateAccess: true\n  EndpointPublicAccess: false")
def eks_public(r: View) -> Any:
    v = r.get("ResourcesVpcConfig.EndpointPublicAccess", True)
    if is_true(v):
        return Fail("ResourcesVpcConfig.EndpointPublicAccess" if r.present("ResourcesVpcConfig") else "ResourcesVpcConfig",
                    "the API endpoint is public", v)
    return None


@rule("eks-public-endpoint-open", title="A public EKS endpoint is not open to the whole internet", severity="critical",
      types=["AWS::EKS::Cluster"], area="infrastructure", category="exposure", wa=LAYERS,
      why="A public endpoint with 0.0.0.0/0 (the default) accepts connections from anyone.",
      fix="Restrict public_access_cidrs to your networks or disable public access.",
      tf='vpc_config {\n  endpoint_public_access = true\n  public_access_cidrs    = ["203.0.113.0/24"]\n}',
      cfn="ResourcesVpcConfig:\n  EndpointPublicAccess: true\n  PublicAccessCidrs: [203.0.113.0/24]")
def eks_open(r: View) -> Any:
    if not is_true(r.get("ResourcesVpcConfig.EndpointPublicAccess", True)):
        return None
    cidrs = r.get("ResourcesVpcConfig.PublicAccessCidrs", ["0.0.0.0/0"])
    if any(is_anywhere(c) for c in (cidrs if isinstance(cidrs, list) else [cidrs])):
        return Fail("ResourcesVpcConfig.PublicAccessCidrs" if r.present("ResourcesVpcConfig.PublicAccessCidrs")
                    else "ResourcesVpcConfig", "the public endpoint accepts 0.0.0.0/0", cidrs)
    return None


def _public_flag(id: str, types: tuple[str, ...], path: str, title: str, severity: str, fsbp: tuple[str, ...], what: str,
                 tf: str, cfn: str, default: Any = False, cis: tuple[str, ...] = ()) -> None:
    expect(id, types=types, path=path, ok=lambda v: not is_true(v), default=default, message=f"the {what} is publicly accessible",
           title=title, severity=severity, area="infrastructure", category="exposure", wa=(*LAYERS, "SEC03-BP07"),
           fsbp=fsbp, cis=cis,
           why=f"A publicly accessible {what} gets a public DNS name and address; only its credentials stand between it "
               "and the internet.",
           fix=f"Keep the {what} private and reach it from inside the VPC.", tf=tf, cfn=cfn)


_public_flag("rds-not-public", ("AWS::RDS::DBInstance",), "PubliclyAccessible", "RDS DB instance is not publicly accessible",
             "critical", ("RDS.2",), "database instance", "publicly_accessible = false", "PubliclyAccessible: false",
             cis=("3.2.3",))
_public_flag("redshift-not-public", ("AWS::Redshift::Cluster",), "PubliclyAccessible", "Redshift cluster is not publicly accessible",
             "critical", ("Redshift.1",), "cluster", "publicly_accessible = false", "PubliclyAccessible: false")
_public_flag("dms-not-public", ("AWS::DMS::ReplicationInstance",), "PubliclyAccessible",
             "DMS replication instance is not publicly accessible", "critical", ("DMS.1",), "replication instance",
             "publicly_accessible = false", "PubliclyAccessible: false", default=True)
_public_flag("mq-not-public", ("AWS::AmazonMQ::Broker",), "PubliclyAccessible", "Amazon MQ broker is not publicly accessible",
             "high", (), "broker", "publicly_accessible = false", "PubliclyAccessible: false")


@rule("opensearch-in-vpc", title="OpenSearch domain is deployed in a VPC", severity="high",
      types=["AWS::Elasticsearch::Domain", "AWS::OpenSearchService::Domain"], area="infrastructure", category="exposure",
      wa=LAYERS, fsbp=("ES.2", "Opensearch.2"),
      why="A domain outside a VPC has a public endpoint guarded only by its access policy.",
      fix="Place the domain in private subnets with vpc_options.",
      tf="vpc_options {\n  subnet_ids         = aws_subnet.private[*].id\n  security_group_ids = [aws_security_group.search.id]\n}",
      cfn="VPCOptions:\n  SubnetIds: [!Ref PrivateSubnet]\n  SecurityGroupIds: [!Ref SearchSG]")
def opensearch_vpc(r: View) -> Any:
    if not r.present("VPCOptions.SubnetIds"):
        return Fail("VPCOptions", "the domain has a public endpoint")
    return None


@rule("opensearch-security-groups", title="OpenSearch domains in a VPC name their security groups", severity="low",
      types=["AWS::Elasticsearch::Domain", "AWS::OpenSearchService::Domain"], area="infrastructure", category="network",
      wa=LAYERS,
      why="A VPC domain given no security group gets the VPC's default group, shared with everything else that was "
          "given none: whatever that group admits reaches the search cluster, and a change made for another service "
          "changes who reaches it.",
      fix="Create a security group for the domain that admits HTTPS from its clients only.",
      tf="vpc_options {\n  subnet_ids         = aws_subnet.private[*].id\n  security_group_ids = [aws_security_group.search.id]\n}",
      cfn="VPCOptions:\n  SubnetIds: [!Ref PrivateSubnet]\n  SecurityGroupIds: [!Ref SearchSG]")
def opensearch_security_groups(r: View) -> Any:
    if not r.present("VPCOptions.SubnetIds"):
        return Skip("not in a VPC (opensearch-in-vpc)")
    if not r.present("VPCOptions.SecurityGroupIds"):
        return Fail("VPCOptions", "the domain uses the VPC's default security group")
    return None


@rule("msk-not-public", title="MSK cluster is not publicly accessible", severity="high", types=["AWS::MSK::Cluster"],
      area="infrastructure", category="exposure", wa=LAYERS, fsbp=("MSK.4",),
      why="Public brokers accept connections from the internet.", fix="Disable public access.",
      tf='connectivity_info {\n  public_access {\n    type = "DISABLED"\n  }\n}',
      cfn="BrokerNodeGroupInfo:\n  ConnectivityInfo:\n    PublicAccess:\n      Type: DISABLED")
def msk_public(r: View) -> Any:
    t = r.get("BrokerNodeGroupInfo.ConnectivityInfo.PublicAccess.Type", "DISABLED")
    if str(t).upper() == "SERVICE_PROVIDED_EIPS":
        return Fail("BrokerNodeGroupInfo.ConnectivityInfo.PublicAccess.Type", "brokers have public addresses", t)
    return None


expect("sagemaker-notebook-no-internet", types=["AWS::SageMaker::NotebookInstance"], path="DirectInternetAccess",
       ok=lambda v: str(v) == "Disabled", default="Enabled", message="the notebook has direct internet access",
       title="SageMaker notebook has no direct internet access", severity="high", area="infrastructure",
       category="exposure", wa=LAYERS, fsbp=("SageMaker.1",),
       why="Direct internet access bypasses the VPC's controls for data leaving the notebook.",
       fix="Disable direct internet access and route through the VPC.", tf='direct_internet_access = "Disabled"',
       cfn="DirectInternetAccess: Disabled")


@rule("ecs-service-no-public-ip", title="ECS services do not assign public IPs", severity="high",
      types=["AWS::ECS::Service"], area="infrastructure", category="exposure", wa=LAYERS, fsbp=("ECS.2",),
      why="Tasks with public IPs are reachable from the internet.", fix="Set assign_public_ip = false; use private subnets.",
      tf="network_configuration {\n  assign_public_ip = false\n}",
      cfn="NetworkConfiguration:\n  AwsvpcConfiguration:\n    AssignPublicIp: DISABLED")
def ecs_public(r: View) -> Any:
    v = r.get("NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp", "DISABLED")
    if str(v).upper() == "ENABLED":
        return Fail("NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp", "tasks get public IP addresses", v)
    return None


@rule("elb-internet-facing", title="Load balancer exposure is deliberate (internet-facing)", severity="low",
      types=["AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancing::LoadBalancer"],
      area="infrastructure", category="exposure", wa=LAYERS,
      why="Internet-facing load balancers are the workload's front door: each one should be intended and sit behind "
          "WAF and TLS. This is a visibility finding; add an exception for load balancers meant to be public.",
      fix="Use scheme internal for load balancers that serve only the VPC.", tf="internal = true", cfn="Scheme: internal")
def lb_public(r: View) -> Any:
    if str(r.get("Type", "application")) == "gateway":
        return Skip()
    scheme = r.get("Scheme", "internet-facing")
    if scheme != "internal":
        return Fail("Scheme" if r.present("Scheme") else "", "the load balancer is internet-facing", scheme)
    return None


@rule("apigateway-method-authorization", title="API Gateway methods require authorization", severity="medium",
      types=["AWS::ApiGateway::Method", "AWS::ApiGatewayV2::Route"], area="infrastructure", category="access",
      wa=("SEC05-BP02", "SEC03-BP07"), fsbp=("APIGateway.8",),
      why="A method without authorization or an API key is callable by anyone who finds the URL.",
      fix="Use IAM, Cognito or a Lambda authorizer (or require an API key for simple cases).",
      tf='authorization = "AWS_IAM"', cfn="AuthorizationType: AWS_IAM")
def apigw_auth(r: View) -> Any:
    if r.type == "AWS::ApiGateway::Method":
        if str(r.get("HttpMethod", "")).upper() in ("OPTIONS", "OPTION"):
            return Skip("CORS preflight methods are public by design")
        if is_true(r.get("ApiKeyRequired", False)):
            return None
        auth = r.get("AuthorizationType", "NONE")
    else:
        auth = r.get("AuthorizationType", "NONE")
        if str(r.get("RouteKey", "")).startswith("OPTIONS "):
            return Skip()
    if str(auth).upper() == "NONE":
        return Fail("AuthorizationType" if r.present("AuthorizationType") else "", "no authorization is required", auth)
    return None


@rule("cloudfront-waf", title="CloudFront distribution is protected by AWS WAF", severity="medium",
      types=["AWS::CloudFront::Distribution"], area="infrastructure", category="network", wa=("SEC05-BP01", "SEC05-BP03"),
      fsbp=("CloudFront.6",), why="WAF at the edge filters common web exploits and bots before they reach the origin.",
      fix="Associate a WAF web ACL.", tf="web_acl_id = aws_wafv2_web_acl.edge.arn", cfn="WebACLId: !GetAtt EdgeAcl.Arn")
def cloudfront_waf(r: View) -> Any:
    if not r.present("DistributionConfig.WebACLId"):
        return Fail("DistributionConfig.WebACLId" if r.present("DistributionConfig") else "", "no WAF web ACL is associated")
    return None


@rule("cloudfront-s3-origin-access", title="CloudFront reaches S3 origins through origin access control", severity="medium",
      types=["AWS::CloudFront::Distribution"], area="infrastructure", category="exposure", wa=("SEC05-BP01", "SEC08-BP04"),
      fsbp=("CloudFront.13",), why="Without OAC (or the older OAI), the bucket must be readable directly, bypassing the CDN.",
      fix="Create an origin access control and reference it from the S3 origin.",
      tf="origin_access_control_id = aws_cloudfront_origin_access_control.s3.id",
      cfn="OriginAccessControlId: !GetAtt S3Oac.Id")
def cloudfront_oac(r: View) -> Any:
    fails = []
    for p, o in r.items("DistributionConfig.Origins"):
        if not isinstance(o, dict):
            continue
        domain = o.get("DomainName")
        s3 = "S3OriginConfig" in o or (isinstance(domain, str) and ".s3." in domain and "website" not in domain)
        if isinstance(domain, Unknown) and any("aws_s3_bucket" in x for x in domain.refs):
            s3 = True
        if not s3:
            continue
        if o.get("OriginAccessControlId") or (isinstance(o.get("S3OriginConfig"), dict)
                                              and o["S3OriginConfig"].get("OriginAccessIdentity")):
            continue
        fails.append(Fail(p, f"S3 origin {o.get('Id', p)} has no origin access control"))
    return fails


@rule("redshift-in-vpc", title="Redshift cluster is deployed in a chosen VPC", severity="medium",
      types=["AWS::Redshift::Cluster"], area="infrastructure", category="network", wa=LAYERS,
      why="Without a subnet group the cluster lands in the default VPC with its public subnets.",
      fix="Create a cluster subnet group of private subnets.", tf="cluster_subnet_group_name = aws_redshift_subnet_group.private.name",
      cfn="ClusterSubnetGroupName: !Ref PrivateSubnets")
def redshift_vpc(r: View) -> Any:
    if not r.present("ClusterSubnetGroupName"):
        return Fail("ClusterSubnetGroupName", "the cluster has no subnet group")
    return None


@rule("ec2-classic-security-group", title="EC2-Classic security groups are not used", severity="low",
      types=["AWS::Redshift::ClusterSecurityGroup", "AWS::ElastiCache::SecurityGroup", "AWS::RDS::DBSecurityGroup"],
      area="infrastructure", category="hygiene", wa=LAYERS,
      why="EC2-Classic is retired; these groups cannot express VPC network controls.",
      fix="Use VPC security groups.", tf="vpc_security_group_ids = [aws_security_group.db.id]",
      cfn="VpcSecurityGroupIds: [!Ref DbSG]")
def classic_sg(r: View) -> Any:
    return Fail("", f"{r.type} is an EC2-Classic resource")


expect("ec2-transit-gateway-auto-accept", types=["AWS::EC2::TransitGateway"], path="AutoAcceptSharedAttachments",
       ok=lambda v: str(v).lower() != "enable", default="disable",
       message="the transit gateway accepts every attachment shared with it",
       title="Transit gateways do not accept VPC attachments automatically", severity="high", area="infrastructure",
       category="network", wa=LAYERS, fsbp=("EC2.23",),
       why="With automatic acceptance, any account the gateway is shared with can attach a VPC and reach every network "
           "routed through it, without anyone reviewing the request.",
       fix="Turn automatic acceptance off and accept each attachment after review.",
       tf='auto_accept_shared_attachments = "disable"', cfn="AutoAcceptSharedAttachments: disable")
_public_flag("redshift-serverless-not-public", ("AWS::RedshiftServerless::Workgroup",), "PubliclyAccessible",
             "Redshift Serverless workgroup is not publicly accessible", "high", ("RedshiftServerless.3",), "workgroup",
             "publicly_accessible = false", "PubliclyAccessible: false")


@rule("ec2-source-dest-check", title="EC2 instances and network interfaces check source and destination",
      severity="medium", types=["AWS::EC2::Instance", "AWS::EC2::NetworkInterface"], area="infrastructure",
      category="network", wa=LAYERS, fsbp=("EC2.180",),
      why="With the check off, the interface accepts and forwards traffic not addressed to it: the instance can route, "
          "spoof or intercept traffic between subnets. Only NAT instances and network appliances need that.",
      fix="Turn source/destination checking back on, except on NAT or firewall appliances (tag and ignore those).",
      tf="source_dest_check = true", cfn="SourceDestCheck: true")
def source_dest_check(r: View) -> Any:
    v = r.get("SourceDestCheck", True)
    if not is_true(v):
        return Fail("SourceDestCheck", "source/destination checking is off", v)
    return None


@rule("vpc-block-public-access", title="VPC block public access blocks internet gateway traffic", severity="medium",
      types=["AWS::EC2::VPCBlockPublicAccessOptions"], area="infrastructure", category="exposure",
      wa=(*LAYERS, "SEC03-BP07"), fsbp=("EC2.172",),
      why="VPC block public access turns off internet gateway traffic for every VPC of the region at once, except the "
          "VPCs and subnets you exclude: a guardrail no route table mistake can undo.",
      fix="Set the internet gateway block mode to block-ingress (or block-bidirectional), with exclusions for the "
          "subnets that must be public.",
      tf='resource "aws_vpc_block_public_access_options" "this" {\n  internet_gateway_block_mode = "block-ingress"\n}',
      cfn="Type: AWS::EC2::VPCBlockPublicAccessOptions\nProperties:\n  InternetGatewayBlockMode: block-ingress")
def vpc_bpa(r: View) -> Any:
    mode = r.get("InternetGatewayBlockMode")
    if str(mode) not in ("block-ingress", "block-bidirectional"):
        return Fail("InternetGatewayBlockMode", "internet gateway traffic is not blocked", mode)
    return None


@rule("eks-nodegroup-ssh-open", title="EKS node groups with an SSH key name the security groups that may connect",
      severity="high", types=["AWS::EKS::Nodegroup"], area="infrastructure", category="network",
      wa=("SEC05-BP01", "SEC05-BP02"),
      why="When a managed node group is given an SSH key but no source security groups, EKS opens port 22 on every "
          "node to 0.0.0.0/0.",
      fix="List the security groups allowed to reach the nodes on SSH, or drop the key and use Session Manager.",
      tf="remote_access {\n  ec2_ssh_key               = \"ops\"\n  source_security_group_ids = "
         "[aws_security_group.bastion.id]\n}",
      cfn="RemoteAccess:\n  Ec2SshKey: ops\n  SourceSecurityGroups: [!Ref BastionSecurityGroup]")
def eks_nodegroup_ssh(r: View) -> Any:
    if not r.present("RemoteAccess.Ec2SshKey"):
        return None
    groups = r.get("RemoteAccess.SourceSecurityGroups")
    if isinstance(groups, list) and groups:
        return None
    return Fail("RemoteAccess", "an SSH key without source security groups opens port 22 to the internet")


def _peering_routes(r: View) -> list[tuple[str, Any]]:
    if r.type == "AWS::EC2::Route":
        return [("", r.resource.properties)]
    return [(p, x) for p, x in r.items("Routes") if isinstance(x, dict)]


@rule("route-peering-not-default", title="Routes through a VPC peering connection name the peer's networks",
      severity="medium", types=["AWS::EC2::Route", "AWS::EC2::RouteTable"], area="infrastructure", category="network",
      wa=LAYERS,
      why="A default route (0.0.0.0/0, ::/0) to a peering connection sends every destination to the peer VPC: traffic "
          "meant for elsewhere reaches it, and the peer becomes a path to every network the table serves.",
      fix="Route only the peer VPC's CIDR blocks (or the subnets needed) through the peering connection.",
      tf='route {\n  cidr_block                = "10.20.0.0/16"\n  vpc_peering_connection_id = aws_vpc_peering_connection.peer.id\n}',
      cfn="Type: AWS::EC2::Route\nProperties:\n  RouteTableId: !Ref PrivateRoutes\n  DestinationCidrBlock: 10.20.0.0/16\n"
          "  VpcPeeringConnectionId: !Ref Peering")
def peering_default(r: View) -> Any:
    fails: list[Fail] = []
    for p, route in _peering_routes(r):
        if route.get("VpcPeeringConnectionId") is None:  # the property names a peering connection, whatever its id
            continue
        for key in ("DestinationCidrBlock", "DestinationIpv6CidrBlock"):
            where = f"{p}.{key}" if p else key
            dest = r.get(where)
            if isinstance(dest, str) and is_anywhere(dest):
                fails.append(Fail(where, f"every destination ({dest}) is routed to the peer VPC", dest))
    return fails


expect("vpc-endpoint-service-acceptance", types=["AWS::EC2::VPCEndpointService"], path="AcceptanceRequired", ok=is_true,
       default=False, message="any principal allowed to connect gets an endpoint without review",
       title="VPC endpoint services accept connections by hand", severity="medium", area="infrastructure",
       category="network", wa=LAYERS,
       why="Without acceptance, every account the service's permissions allow (all of them, with a * principal) is "
           "connected to the service the moment it asks.",
       fix="Require acceptance and accept each endpoint connection after review.", tf="acceptance_required = true",
       cfn="AcceptanceRequired: true")


expect("transfer-server-not-public", types=["AWS::Transfer::Server"], path="EndpointType",
       ok=lambda v: str(v).upper() != "PUBLIC", default="PUBLIC",
       message="the server's endpoint is public and cannot be restricted by security groups",
       title="Transfer Family servers use a VPC endpoint", severity="medium", area="infrastructure", category="exposure",
       wa=LAYERS,
       why="A PUBLIC endpoint takes connections from the whole internet with no security group in front: only the "
           "users' credentials stand between a scanner and the files.",
       fix="Use a VPC endpoint (internet-facing with an Elastic IP where partners need it) and allow only their ranges "
           "in its security group.",
       tf='endpoint_type = "VPC"\nendpoint_details {\n  vpc_id             = aws_vpc.main.id\n'
          '  subnet_ids         = [aws_subnet.public.id]\n  security_group_ids = [aws_security_group.sftp.id]\n}',
       cfn="EndpointType: VPC\nEndpointDetails:\n  VpcId: !Ref Vpc\n  SubnetIds: [!Ref PublicSubnet]\n"
           "  SecurityGroupIds: [!Ref SftpSecurityGroup]")


@rule("route53-dnssec", title="Public hosted zones sign their records with DNSSEC", severity="low",
      types=["AWS::Route53::HostedZone"], area="infrastructure", category="network", wa=("SEC05-BP01", "SEC09-BP02"),
      needs=["AWS::Route53::DNSSEC"], scope="code",  # the live path does not read a zone's DNSSEC status
      why="Without DNSSEC a resolver cannot tell the zone's answers from forged ones: cache poisoning sends users and "
          "services to an attacker's address.",
      fix="Enable DNSSEC signing with a key-signing key, then publish the DS record at the registrar.",
      tf='resource "aws_route53_hosted_zone_dnssec" "main" {\n  hosted_zone_id = aws_route53_zone.main.id\n}',
      cfn="Type: AWS::Route53::DNSSEC\nProperties:\n  HostedZoneId: !Ref Zone")
def zone_dnssec(r: View) -> Any:
    if r.present("VPCs") or is_true(r.get("PrivateZone", False)):
        return Skip("a private hosted zone")
    if r.related("AWS::Route53::DNSSEC", "HostedZoneId"):
        return None
    return Fail("", "the zone's records are not signed")
