"""Data protection in transit (SEC09): HTTPS, TLS versions, service-to-service encryption."""

from __future__ import annotations

from typing import Any

from wasec.analyzers.policy import denies_insecure_transport
from wasec.rules.pack._common import expect, group_parameter, is_true, session_preferences
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, Unsure, View

IN_TRANSIT = ("SEC09-BP02",)

# Load balancer policies that still accept TLS 1.0 or 1.1 (or SSLv3).
_ELB_MODERN = ("TLS13-1-2", "TLS-1-2", "FS-1-2", "TLS13-1-3", "TLS-1-3")


def elb_policy_ok(policy: str) -> bool:
    return any(m in policy for m in _ELB_MODERN)


@rule("cloudfront-https-only", title="CloudFront requires HTTPS between viewers and the edge", severity="high",
      types=["AWS::CloudFront::Distribution"], area="data", category="network", wa=IN_TRANSIT, fsbp=("CloudFront.3",),
      why="A behavior that allows HTTP sends cookies, tokens and content in clear to anyone on the path.",
      fix="Set viewer_protocol_policy to redirect-to-https or https-only on every cache behavior.",
      tf='default_cache_behavior {\n  viewer_protocol_policy = "redirect-to-https"\n}',
      cfn="DefaultCacheBehavior:\n  ViewerProtocolPolicy: redirect-to-https")
def cloudfront_https(r: View) -> Any:
    fails = []
    behaviors = [("DistributionConfig.DefaultCacheBehavior", r.get("DistributionConfig.DefaultCacheBehavior"))]
    behaviors += r.items("DistributionConfig.CacheBehaviors")
    for p, b in behaviors:
        if isinstance(b, dict) and r.get(f"{p}.ViewerProtocolPolicy") == "allow-all":
            fails.append(Fail(f"{p}.ViewerProtocolPolicy", "the behavior allows plain HTTP", "allow-all"))
    return fails


_CF_OK = ("TLSv1.2_2018", "TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025")


@rule("cloudfront-tls-version", title="CloudFront uses a TLS 1.2+ security policy", severity="high",
      types=["AWS::CloudFront::Distribution"], area="data", category="network", wa=IN_TRANSIT,
      fsbp=("CloudFront.15",), why="Viewer policies older than TLSv1.2 accept protocols with known weaknesses.",
      fix="Use a custom certificate with minimum_protocol_version TLSv1.2_2021 or newer.",
      tf='viewer_certificate {\n  acm_certificate_arn      = aws_acm_certificate.cdn.arn\n  ssl_support_method       = "sni-only"\n  minimum_protocol_version = "TLSv1.2_2021"\n}',
      cfn="ViewerCertificate:\n  AcmCertificateArn: !Ref Cert\n  SslSupportMethod: sni-only\n  MinimumProtocolVersion: TLSv1.2_2021")
def cloudfront_tls(r: View) -> Any:
    vc = "DistributionConfig.ViewerCertificate"
    if not r.present(vc) or is_true(r.get(f"{vc}.CloudFrontDefaultCertificate", False)):
        return Skip("the default CloudFront certificate's protocols cannot be changed")
    v = r.get(f"{vc}.MinimumProtocolVersion", "TLSv1")
    if v not in _CF_OK:
        return Fail(f"{vc}.MinimumProtocolVersion", f"{v} accepts TLS versions older than 1.2", v)
    return None


@rule("cloudfront-origin-https", title="CloudFront connects to custom origins over modern TLS", severity="medium",
      types=["AWS::CloudFront::Distribution"], area="data", category="network", wa=IN_TRANSIT,
      fsbp=("CloudFront.9", "CloudFront.10"), why="Traffic from the edge to the origin crosses the internet.",
      fix="Use origin_protocol_policy https-only and origin_ssl_protocols [\"TLSv1.2\"].",
      tf='custom_origin_config {\n  origin_protocol_policy = "https-only"\n  origin_ssl_protocols   = ["TLSv1.2"]\n}',
      cfn="CustomOriginConfig:\n  OriginProtocolPolicy: https-only\n  OriginSSLProtocols: [TLSv1.2]")
def cloudfront_origin(r: View) -> Any:
    fails = []
    for p, o in r.items("DistributionConfig.Origins"):
        if not isinstance(o, dict) or not isinstance(o.get("CustomOriginConfig"), dict):
            continue
        pol = r.get(f"{p}.CustomOriginConfig.OriginProtocolPolicy")
        if pol in ("http-only", "match-viewer"):
            fails.append(Fail(f"{p}.CustomOriginConfig.OriginProtocolPolicy", f"origin traffic may use HTTP ({pol})", pol))
        protos = r.get(f"{p}.CustomOriginConfig.OriginSSLProtocols") or []
        old = [x for x in (protos if isinstance(protos, list) else [protos]) if x in ("SSLv3", "TLSv1", "TLSv1.1")]
        if old:
            fails.append(Fail(f"{p}.CustomOriginConfig.OriginSSLProtocols", f"origin accepts {', '.join(old)}", old))
    return fails


@rule("elb-listener-https", title="Load balancer listeners use HTTPS or TLS", severity="high",
      types=["AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancing::LoadBalancer"], area="data",
      category="network", wa=IN_TRANSIT, fsbp=("ELB.1", "ELB.3", "ELB.18"),
      why="An HTTP listener that serves content (rather than redirecting) carries sessions and credentials in clear.",
      fix="Serve HTTPS with a certificate, and make HTTP listeners redirect to HTTPS.",
      tf='resource "aws_lb_listener" "https" {\n  protocol        = "HTTPS"\n  ssl_policy      = "ELBSecurityPolicy-TLS13-1-2-2021-06"\n  certificate_arn = aws_acm_certificate.web.arn\n}',
      cfn="Protocol: HTTPS\nSslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06\nCertificates:\n  - CertificateArn: !Ref Cert")
def listener_https(r: View) -> Any:
    if r.type == "AWS::ElasticLoadBalancing::LoadBalancer":
        return [Fail(f"{p}.Protocol", f"listener on port {listener.get('LoadBalancerPort')} uses {listener.get('Protocol')}",
                     listener.get("Protocol"))
                for p, listener in r.items("Listeners")
                if isinstance(listener, dict) and str(r.get(f"{p}.Protocol", "")).upper() in ("HTTP", "TCP")]
    proto = str(r.get("Protocol", "HTTP")).upper()
    if proto not in ("HTTP", "TCP", "UDP", "TCP_UDP"):
        return None
    if proto != "HTTP":
        return Skip("layer-4 listeners carry whatever the application speaks")
    for p, a in r.items("DefaultActions"):
        if isinstance(a, dict) and str(r.get(f"{p}.Type", "")).lower() == "redirect" \
                and str(r.get(f"{p}.RedirectConfig.Protocol", "")).upper() == "HTTPS":
            return None
    return Fail("Protocol", "the listener serves plain HTTP without redirecting to HTTPS", r.get("Protocol", "HTTP"))


@rule("elb-listener-tls-policy", title="Load balancer TLS listeners use a TLS 1.2+ policy", severity="high",
      types=["AWS::ElasticLoadBalancingV2::Listener"], area="data", category="network", wa=IN_TRANSIT,
      fsbp=("ELB.17",), why="Older predefined policies still negotiate TLS 1.0/1.1 and weak ciphers.",
      fix="Use ELBSecurityPolicy-TLS13-1-2-2021-06 (or another TLS 1.2+ policy).",
      tf='ssl_policy = "ELBSecurityPolicy-TLS13-1-2-2021-06"', cfn="SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-06")
def listener_policy(r: View) -> Any:
    if str(r.get("Protocol", "HTTP")).upper() not in ("HTTPS", "TLS"):
        return Skip()
    policy = r.get("SslPolicy")
    if policy is None:
        return None  # the default for new listeners is ELBSecurityPolicy-TLS13-1-2-2021-06
    if not elb_policy_ok(str(policy)):
        return Fail("SslPolicy", f"{policy} accepts TLS versions older than 1.2", policy)
    return None


@rule("apigateway-domain-tls", title="API Gateway custom domain requires TLS 1.2+", severity="high",
      types=["AWS::ApiGateway::DomainName", "AWS::ApiGatewayV2::DomainName"], area="data", category="network",
      wa=IN_TRANSIT, why="TLS_1_0 domains accept clients on deprecated protocol versions.",
      fix="Set security_policy TLS_1_2 (or a SecurityPolicy_TLS13_* policy).", tf='security_policy = "TLS_1_2"',
      cfn="SecurityPolicy: TLS_1_2")
def apigw_tls(r: View) -> Any:
    if r.type == "AWS::ApiGatewayV2::DomainName":
        return [Fail(f"{p}.SecurityPolicy", "the domain accepts TLS 1.0", c.get("SecurityPolicy"))
                for p, c in r.items("DomainNameConfigurations")
                if isinstance(c, dict) and r.get(f"{p}.SecurityPolicy", "TLS_1_2") == "TLS_1_0"]
    policy = r.get("SecurityPolicy", "TLS_1_0")
    if policy == "TLS_1_0":
        return Fail("SecurityPolicy", "the domain accepts TLS 1.0", policy)
    return None


@rule("apigateway-cache-encrypted", title="API Gateway stage cache is encrypted", severity="medium",
      types=["AWS::ApiGateway::Stage"], area="data", category="encryption", wa=("SEC08-BP02",), fsbp=("APIGateway.5",),
      why="Cached responses can hold personal data and tokens.",
      fix="Set cache_data_encrypted = true wherever caching is enabled.",
      tf='resource "aws_api_gateway_method_settings" "all" {\n  method_path = "*/*"\n  settings {\n    caching_enabled      = true\n    cache_data_encrypted = true\n  }\n}',
      cfn="MethodSettings:\n  - ResourcePath: /*\n    HttpMethod: '*'\n    CachingEnabled: true\n    CacheDataEncrypted: true")
def apigw_cache(r: View) -> Any:
    fails = []
    for p, s in r.items("MethodSettings"):
        if not isinstance(s, dict):
            continue
        caching = r.get(f"{p}.CachingEnabled")
        if (is_true(caching) or (caching is None and is_true(r.get("CacheClusterEnabled", False)))) \
                and not is_true(r.get(f"{p}.CacheDataEncrypted", False)):
            fails.append(Fail(f"{p}.CacheDataEncrypted", "cached data is not encrypted", r.get(f"{p}.CacheDataEncrypted")))
    return fails


expect("opensearch-node-to-node-encryption", types=["AWS::Elasticsearch::Domain", "AWS::OpenSearchService::Domain"],
       path="NodeToNodeEncryptionOptions.Enabled", ok=is_true, default=False,
       message="traffic between nodes is not encrypted", title="OpenSearch encrypts traffic between nodes",
       severity="medium", area="data", category="network", wa=IN_TRANSIT, fsbp=("ES.3", "Opensearch.3"),
       why="Without node-to-node encryption, index data crosses the VPC in clear.",
       fix="Enable node-to-node encryption.", tf="node_to_node_encryption {\n  enabled = true\n}",
       cfn="NodeToNodeEncryptionOptions:\n  Enabled: true")
expect("opensearch-enforce-https", types=["AWS::Elasticsearch::Domain", "AWS::OpenSearchService::Domain"],
       path="DomainEndpointOptions.EnforceHTTPS", ok=is_true, default=False,
       message="the domain endpoint accepts plain HTTP", title="OpenSearch domain endpoint requires HTTPS",
       severity="high", area="data", category="network", wa=IN_TRANSIT,
       why="Queries and credentials sent over HTTP can be read and modified in transit.",
       fix="Enforce HTTPS on the domain endpoint.", tf="domain_endpoint_options {\n  enforce_https = true\n}",
       cfn="DomainEndpointOptions:\n  EnforceHTTPS: true")
expect("opensearch-tls-policy", types=["AWS::Elasticsearch::Domain", "AWS::OpenSearchService::Domain"],
       path="DomainEndpointOptions.TLSSecurityPolicy", ok=lambda v: "TLS-1-2" in str(v) or "TLS-1-3" in str(v),
       default="Policy-Min-TLS-1-0-2019-07", message="the endpoint accepts TLS older than 1.2",
       title="OpenSearch endpoint requires TLS 1.2+", severity="medium", area="data", category="network",
       wa=IN_TRANSIT, fsbp=("ES.8", "Opensearch.8"), why="The default policy still accepts TLS 1.0.",
       fix="Set tls_security_policy to Policy-Min-TLS-1-2-2019-07 or newer.",
       tf='domain_endpoint_options {\n  enforce_https       = true\n  tls_security_policy = "Policy-Min-TLS-1-2-PFS-2023-10"\n}',
       cfn="DomainEndpointOptions:\n  EnforceHTTPS: true\n  TLSSecurityPolicy: Policy-Min-TLS-1-2-PFS-2023-10")
expect("elasticache-redis-in-transit", types=["AWS::ElastiCache::ReplicationGroup"], path="TransitEncryptionEnabled",
       ok=is_true, default=False, message="clients connect without TLS",
       title="ElastiCache replication group encrypts traffic in transit", severity="medium", area="data",
       category="network", wa=IN_TRANSIT, fsbp=("ElastiCache.5",),
       why="Cached data and AUTH tokens cross the network in clear without TLS.",
       fix="Enable transit encryption.", tf="transit_encryption_enabled = true", cfn="TransitEncryptionEnabled: true")
expect("dax-cluster-tls", types=["AWS::DAX::Cluster"], path="ClusterEndpointEncryptionType",
       ok=lambda v: str(v).upper() == "TLS", default="NONE", message="the cluster endpoint does not use TLS",
       title="DAX cluster endpoint uses TLS", severity="medium", area="data", category="network", wa=IN_TRANSIT,
       fsbp=("DynamoDB.7",), why="Items read through DAX cross the network in clear without TLS.",
       fix="Set the cluster endpoint encryption type to TLS (at creation).", tf='cluster_endpoint_encryption_type = "TLS"',
       cfn="ClusterEndpointEncryptionType: TLS")


@rule("msk-in-transit-encryption", title="MSK cluster encrypts traffic in transit", severity="high",
      types=["AWS::MSK::Cluster"], area="data", category="network", wa=IN_TRANSIT, fsbp=("MSK.1",),
      why="PLAINTEXT listeners let anyone on the network read and inject messages.",
      fix="Use TLS between clients and brokers and inside the cluster.",
      tf='encryption_info {\n  encryption_in_transit {\n    client_broker = "TLS"\n    in_cluster    = true\n  }\n}',
      cfn="EncryptionInfo:\n  EncryptionInTransit:\n    ClientBroker: TLS\n    InCluster: true")
def msk_transit(r: View) -> Any:
    fails = []
    cb = r.get("EncryptionInfo.EncryptionInTransit.ClientBroker", "TLS")
    if cb != "TLS":
        fails.append(Fail("EncryptionInfo.EncryptionInTransit.ClientBroker", f"clients may connect with {cb}", cb))
    ic = r.get("EncryptionInfo.EncryptionInTransit.InCluster", True)
    if not is_true(ic):
        fails.append(Fail("EncryptionInfo.EncryptionInTransit.InCluster", "traffic between brokers is not encrypted", ic))
    return fails


@rule("ecs-efs-transit-encryption", title="ECS task definitions mount EFS with encryption in transit", severity="high",
      types=["AWS::ECS::TaskDefinition"], area="data", category="network", wa=IN_TRANSIT,
      why="NFS traffic to EFS is unencrypted unless the mount uses TLS.",
      fix="Set transit_encryption = \"ENABLED\" on every EFS volume.",
      tf='efs_volume_configuration {\n  file_system_id     = aws_efs_file_system.fs.id\n  transit_encryption = "ENABLED"\n}',
      cfn="EFSVolumeConfiguration:\n  FilesystemId: !Ref FileSystem\n  TransitEncryption: ENABLED")
def ecs_efs(r: View) -> Any:
    fails = []
    for p, vol in r.items("Volumes"):
        if isinstance(vol, dict) and isinstance(vol.get("EFSVolumeConfiguration"), dict):
            v = r.get(f"{p}.EFSVolumeConfiguration.TransitEncryption", "DISABLED")
            if str(v).upper() != "ENABLED":
                fails.append(Fail(f"{p}.EFSVolumeConfiguration.TransitEncryption",
                                  f"volume {vol.get('Name', p)} mounts EFS without TLS", v))
    return fails


@rule("s3-bucket-secure-transport", title="S3 bucket policy denies requests without TLS", severity="medium",
      types=["AWS::S3::Bucket"], area="data", category="network", wa=IN_TRANSIT, cis=("3.1.1",), fsbp=("S3.5",),
      why="S3 accepts plain HTTP unless the bucket policy denies aws:SecureTransport = false.",
      fix="Add a Deny statement for all principals when aws:SecureTransport is false.",
      tf='statement {\n  effect    = "Deny"\n  actions   = ["s3:*"]\n  resources = [aws_s3_bucket.b.arn, "${aws_s3_bucket.b.arn}/*"]\n  principals {\n    type        = "*"\n    identifiers = ["*"]\n  }\n  condition {\n    test     = "Bool"\n    variable = "aws:SecureTransport"\n    values   = ["false"]\n  }\n}',
      cfn="- Effect: Deny\n  Principal: '*'\n  Action: 's3:*'\n  Resource: [!GetAtt Bucket.Arn, !Sub '${Bucket.Arn}/*']\n  Condition:\n    Bool:\n      aws:SecureTransport: false")
def s3_tls(r: View) -> Any:
    doc = r.raw("PolicyDocument")
    if doc is None:
        return Fail("PolicyDocument", "the bucket has no policy denying requests without TLS")
    if not denies_insecure_transport(r.get("PolicyDocument")):
        return Fail("PolicyDocument", "the bucket policy does not deny requests without TLS")
    return None


@rule("transfer-server-no-ftp", title="Transfer Family server does not offer plain FTP", severity="medium",
      types=["AWS::Transfer::Server"], area="data", category="network", wa=IN_TRANSIT, fsbp=("Transfer.2",),
      why="FTP sends credentials and files in clear.", fix="Offer SFTP or FTPS only.",
      tf='protocols = ["SFTP"]', cfn="Protocols: [SFTP]")
def transfer_ftp(r: View) -> Any:
    protos = r.get("Protocols", ["SFTP"])
    if "FTP" in (protos if isinstance(protos, list) else [protos]):
        return Fail("Protocols", "the server accepts plain FTP", protos)
    return None


# -- databases: TLS required by a parameter group -----------------------------------------------------------
def _on(v: Any) -> bool:
    return str(v).strip().lower() in ("1", "on", "true")


def _major(version: Any) -> int | None:
    try:
        return int(str(version).split(".")[0])
    except ValueError:
        return None


# engine → (the parameter that forces TLS, whether the engine's default forces it)
def _tls_parameter(engine: str, version: Any) -> tuple[str, bool] | None:
    if engine.startswith("sqlserver"):
        return "rds.force_ssl", False
    if engine == "postgres":
        major = _major(version)
        return "rds.force_ssl", major is not None and major >= 15  # on by default since PostgreSQL 15
    if engine in ("mysql", "mariadb"):
        return "require_secure_transport", False
    return None


@rule("rds-encrypted-in-transit", title="RDS DB instances refuse unencrypted connections", severity="medium",
      types=["AWS::RDS::DBInstance"], needs=["AWS::RDS::DBParameterGroup"], area="data", category="encryption",
      wa=IN_TRANSIT, fsbp=("RDS.38", "RDS.39", "RDS.41", "RDS.44"),
      why="Without the parameter that forces TLS, a client (or a misconfigured driver) can talk to the database in "
          "clear: passwords and rows on the wire.",
      fix="Use a parameter group with rds.force_ssl = 1 (PostgreSQL, SQL Server) or require_secure_transport = ON "
          "(MySQL, MariaDB).",
      tf='resource "aws_db_parameter_group" "tls" {\n  family = "mariadb10.11"\n  parameter {\n'
         '    name  = "require_secure_transport"\n    value = "ON"\n  }\n}',
      cfn="Type: AWS::RDS::DBParameterGroup\nProperties:\n  Family: mariadb10.11\n  Parameters:\n"
          "    require_secure_transport: 'ON'")
def rds_transit(r: View) -> Any:
    if r.present("DBClusterIdentifier"):
        return Skip("a cluster member: its cluster's parameter group decides")
    engine = str(r.get("Engine") or "").lower()
    spec = _tls_parameter(engine, r.get("EngineVersion"))
    if spec is None:
        return Skip(f"engine {engine or 'unknown'} has no TLS-forcing parameter here")
    name, default_on = spec
    found = group_parameter(r, "DBParameterGroupName", "AWS::RDS::DBParameterGroup", name)
    if isinstance(found, Unsure):
        return found
    value, group = found
    if value is None:
        if default_on:
            return None
        where = "the default parameter group" if group is None else f"parameter group {group.id}"
        return Fail("DBParameterGroupName" if group is not None else "", f"{where} leaves {name} off")
    if not _on(value):
        return Fail("DBParameterGroupName", f"parameter group {group.id} sets {name} = {value}", value)
    return None


@rule("redshift-require-ssl", title="Redshift clusters require SSL connections", severity="medium",
      types=["AWS::Redshift::Cluster"], needs=["AWS::Redshift::ClusterParameterGroup"], area="data",
      category="encryption", wa=IN_TRANSIT, fsbp=("Redshift.2",),
      why="Unless require_ssl is true, SQL clients may connect in clear and send credentials and query results over "
          "the network unencrypted.",
      fix="Use a parameter group with require_ssl = true (redshift-2.0 groups default to it) and reboot the cluster.",
      tf='resource "aws_redshift_parameter_group" "tls" {\n  family = "redshift-2.0"\n  parameter {\n'
         '    name  = "require_ssl"\n    value = "true"\n  }\n}',
      cfn="Type: AWS::Redshift::ClusterParameterGroup\nProperties:\n  ParameterGroupFamily: redshift-2.0\n"
          "  Parameters:\n    - ParameterName: require_ssl\n      ParameterValue: 'true'")
def redshift_ssl(r: View) -> Any:
    name = r.raw("ClusterParameterGroupName")
    if isinstance(name, str) and name == "default.redshift-1.0":
        return Fail("ClusterParameterGroupName", "the default.redshift-1.0 group leaves require_ssl false", name)
    found = group_parameter(r, "ClusterParameterGroupName", "AWS::Redshift::ClusterParameterGroup", "require_ssl")
    if isinstance(found, Unsure):
        return found
    value, group = found
    if group is None:
        return None  # new clusters get default.redshift-2.0, which requires SSL
    if value is None:
        if str(group.properties.get("ParameterGroupFamily") or "") == "redshift-2.0":
            return None
        return Fail("ClusterParameterGroupName", f"parameter group {group.id} leaves require_ssl false")
    if not _on(value):
        return Fail("ClusterParameterGroupName", f"parameter group {group.id} sets require_ssl = {value}", value)
    return None


@rule("docdb-tls", title="DocumentDB clusters require TLS", severity="medium", types=["AWS::DocDB::DBCluster"],
      needs=["AWS::DocDB::DBClusterParameterGroup"],
      area="data", category="encryption", wa=IN_TRANSIT, fsbp=("DocumentDB.6",),
      why="With tls disabled in the cluster parameter group, clients connect in clear: credentials and documents on "
          "the wire.",
      fix="Leave tls enabled (the default) or set it to tls1.2+ in the cluster parameter group.",
      tf='parameter {\n  name  = "tls"\n  value = "enabled"\n}', cfn="Parameters:\n  tls: enabled")
def docdb_tls(r: View) -> Any:
    found = group_parameter(r, "DBClusterParameterGroupName", "AWS::DocDB::DBClusterParameterGroup", "tls")
    if isinstance(found, Unsure):
        return found
    value, group = found
    if value is not None and str(value).lower() == "disabled":
        return Fail("DBClusterParameterGroupName", f"parameter group {group.id} disables TLS", value)
    return None


@rule("redshift-serverless-require-ssl", title="Redshift Serverless workgroups require SSL connections", severity="medium",
      types=["AWS::RedshiftServerless::Workgroup"], area="data", category="encryption", wa=IN_TRANSIT,
      fsbp=("RedshiftServerless.2",),
      why="With require_ssl false, SQL clients may connect in clear and send credentials and results unencrypted.",
      fix="Set the require_ssl config parameter to true (the default of new workgroups).",
      tf='config_parameter {\n  parameter_key   = "require_ssl"\n  parameter_value = "true"\n}',
      cfn="ConfigParameters:\n  - ParameterKey: require_ssl\n    ParameterValue: 'true'")
def serverless_ssl(r: View) -> Any:
    for path, p in r.items("ConfigParameters"):
        if isinstance(p, dict) and p.get("ParameterKey") == "require_ssl":
            value = r.get(f"{path}.ParameterValue")
            if not _on(value):
                return Fail(f"{path}.ParameterValue", "require_ssl is false: clients may connect in clear", value)
    return None


# DMS engines whose endpoints take an SslMode (the others have settings of their own, or none)
_DMS_SSL_ENGINES = ("mysql", "mariadb", "aurora", "aurora-postgresql", "postgres", "oracle", "sqlserver", "sybase",
                    "db2", "db2-zos", "mongodb", "docdb", "redshift", "azuredb", "azure-sql-managed-instance",
                    "babelfish", "aurora-serverless", "aurora-postgresql-serverless", "redshift-serverless")

expect("dms-endpoint-ssl", types=["AWS::DMS::Endpoint"], path="SslMode", ok=lambda v: str(v).lower() != "none",
       default="none", applies=lambda r: str(r.get("EngineName") or "").lower() in _DMS_SSL_ENGINES,
       message="the endpoint connects to its database without SSL", title="DMS endpoints connect with SSL",
       severity="medium", area="data", category="encryption", wa=IN_TRANSIT, fsbp=("DMS.9",),
       why="Replication streams the whole database; an endpoint without SSL sends it, and the credentials, in clear.",
       fix="Set the SSL mode to require (or verify-ca / verify-full with the server's certificate).",
       tf='ssl_mode = "verify-full"', cfn="SslMode: verify-full")

expect("dms-endpoint-redis-tls", types=["AWS::DMS::Endpoint"], path="RedisSettings.SslSecurityProtocol",
       ok=lambda v: str(v).lower() == "ssl-encryption", default="ssl-encryption",
       applies=lambda r: str(r.get("EngineName") or "").lower() == "redis",
       message="the Redis endpoint connects in plaintext", title="DMS endpoints for Redis use TLS",
       severity="medium", area="data", category="encryption", wa=IN_TRANSIT, fsbp=("DMS.12",),
       why="A plaintext connection to Redis sends every replicated key and value, and the AUTH token, in clear.",
       fix="Set the SSL security protocol to ssl-encryption.",
       tf='redis_settings {\n  ssl_security_protocol = "ssl-encryption"\n}',
       cfn="RedisSettings:\n  SslSecurityProtocol: ssl-encryption")

expect("msk-connect-in-transit", types=["AWS::KafkaConnect::Connector"],
       path="KafkaClusterEncryptionInTransit.EncryptionType", ok=lambda v: str(v).upper() == "TLS", default="PLAINTEXT",
       message="the connector talks to the Kafka cluster in plaintext",
       title="MSK Connect connectors encrypt traffic to the cluster", severity="medium", area="data",
       category="encryption", wa=IN_TRANSIT, fsbp=("MSK.3",),
       why="Connectors move every record between Kafka and the systems they connect; in plaintext, so do the records.",
       fix="Set the connector's encryption in transit to TLS.",
       tf='kafka_cluster_encryption_in_transit {\n  encryption_type = "TLS"\n}',
       cfn="KafkaClusterEncryptionInTransit:\n  EncryptionType: TLS")

expect("appsync-cache-in-transit", types=["AWS::AppSync::ApiCache"], path="TransitEncryptionEnabled", ok=is_true,
       default=False, message="traffic between the API and its cache is not encrypted",
       title="AppSync API caches encrypt data in transit", severity="medium", area="data", category="encryption",
       wa=IN_TRANSIT, fsbp=("AppSync.6",),
       why="Cached resolver results (often user data) cross the network between AppSync and the cache nodes.",
       fix="Recreate the cache with transit encryption enabled.", tf="transit_encryption_enabled = true",
       cfn="TransitEncryptionEnabled: true")


expect("memorydb-tls", types=["AWS::MemoryDB::Cluster"], path="TLSEnabled", ok=is_true, default=True,
       message="clients connect without TLS", title="MemoryDB clusters require TLS", severity="high", area="data",
       category="encryption", wa=IN_TRANSIT,
       why="Without TLS, commands and the data they carry, AUTH passwords included, cross the network in clear text.",
       fix="Create the cluster with TLS enabled (it cannot be turned on later).", tf="tls_enabled = true",
       cfn="TLSEnabled: true")


expect("ses-configuration-set-tls", types=["AWS::SES::ConfigurationSet"], path="DeliveryOptions.TlsPolicy",
       ok=lambda v: str(v).upper() == "REQUIRE", default="OPTIONAL",
       message="mail may be delivered to receiving servers without TLS",
       title="SES configuration sets require TLS to the receiving server", severity="medium", area="data",
       category="encryption", wa=IN_TRANSIT,
       why="With OPTIONAL, SES falls back to an unencrypted connection whenever the receiving server does not offer "
           "TLS, or an attacker on the path strips the offer.",
       fix="Set the TLS policy to REQUIRE.", tf='delivery_options {\n  tls_policy = "Require"\n}',
       cfn="DeliveryOptions:\n  TlsPolicy: REQUIRE")


expect("cloudfront-sni", types=["AWS::CloudFront::Distribution"],
       path="DistributionConfig.ViewerCertificate.SslSupportMethod", ok=lambda v: str(v).lower() == "sni-only",
       applies=lambda r: r.present("DistributionConfig.ViewerCertificate.AcmCertificateArn")
       or r.present("DistributionConfig.ViewerCertificate.IamCertificateId"),
       message="the certificate is served from dedicated IP addresses (vip) for clients without SNI",
       title="CloudFront distributions serve their certificate with SNI", severity="low", area="data",
       category="encryption", wa=IN_TRANSIT, fsbp=("CloudFront.8",),
       why="Dedicated-IP serving exists for clients too old to send SNI — the same clients that lack modern TLS; "
           "SNI serves every current client and keeps the TLS policy's floor meaningful.",
       fix="Use sni-only.", tf='viewer_certificate {\n  acm_certificate_arn = aws_acm_certificate.site.arn\n  '
       'ssl_support_method  = "sni-only"\n}',
       cfn="ViewerCertificate:\n  AcmCertificateArn: !Ref SiteCertificate\n  SslSupportMethod: sni-only")


_TRANSFER_WEAK = ("TransferSecurityPolicy-2018-11", "TransferSecurityPolicy-2020-06", "TransferSecurityPolicy-FIPS-2020-06")


expect("transfer-server-security-policy", types=["AWS::Transfer::Server"], path="SecurityPolicyName",
       ok=lambda v: str(v).strip() not in _TRANSFER_WEAK, default="TransferSecurityPolicy-2018-11",
       message="the server still offers SHA-1 and CBC ciphers and key exchanges",
       title="Transfer Family servers use a current security policy", severity="medium", area="data",
       category="encryption", wa=IN_TRANSIT,
       why="The default policy (2018-11) and the 2020-06 ones still negotiate SHA-1 MACs, CBC ciphers and "
           "diffie-hellman-group14-sha1: a client can be held to the weakest algorithm both sides accept.",
       fix="Use TransferSecurityPolicy-2024-01 (or a newer, or FIPS-2024-01, policy).",
       tf='security_policy_name = "TransferSecurityPolicy-2024-01"', cfn="SecurityPolicyName: TransferSecurityPolicy-2024-01")


@rule("ssm-session-encrypted", title="Session Manager encrypts sessions with a KMS key of yours", severity="medium",
      types=["AWS::SSM::Document"], area="data", category="encryption", wa=IN_TRANSIT,
      scope="code",  # the live path lists documents without their content
      why="Sessions are already TLS; a KMS key in the preferences adds encryption of the session data end to end "
          "between the client and the instance, and its recorded logs are encrypted too.",
      fix="Set kmsKeyId in the Session Manager preferences (and encryption of the CloudWatch or S3 log destination).",
      tf='content = jsonencode({\n  schemaVersion = "1.0"\n  sessionType   = "Standard_Stream"\n  inputs = {\n'
         '    kmsKeyId = aws_kms_key.sessions.arn\n  }\n})',
      cfn="Content:\n  schemaVersion: '1.0'\n  sessionType: Standard_Stream\n  inputs:\n    kmsKeyId: !Ref SessionKey")
def session_encrypted(r: View) -> Any:
    inputs = session_preferences(r)
    if inputs is None:
        return Skip("not Session Manager preferences")
    where = r.nearest("Content.inputs", "Content")
    if not inputs.get("kmsKeyId"):
        return Fail(where, "session data is not encrypted with a KMS key")
    if inputs.get("cloudWatchLogGroupName") and inputs.get("cloudWatchEncryptionEnabled") is False:
        return Fail(where, "session logs are sent to CloudWatch Logs without requiring encryption")
    if inputs.get("s3BucketName") and inputs.get("s3EncryptionEnabled") is False:
        return Fail(where, "session logs are sent to S3 without requiring encryption")
    return None


@rule("cloudsearch-https", title="CloudSearch domains require HTTPS with TLS 1.2", severity="medium",
      types=["Wasec::CloudSearch::Domain"], area="data", category="encryption", wa=IN_TRANSIT,
      why="Search requests carry queries and documents; without enforced HTTPS and a TLS 1.2 policy they can be read "
          "or changed on the way.",
      fix="Enforce HTTPS with the TLS 1.2 policy.",
      tf='endpoint_options {\n  enforce_https       = true\n  tls_security_policy = "Policy-Min-TLS-1-2-2019-07"\n}',
      cfn="# CloudSearch domains are no CloudFormation resource: set the endpoint options with the API")
def cloudsearch_https(r: View) -> Any:
    if not is_true(r.get("EndpointOptions.EnforceHTTPS", False)):
        return Fail(r.nearest("EndpointOptions"), "HTTPS is not enforced")
    policy = r.get("EndpointOptions.TLSSecurityPolicy", "Policy-Min-TLS-1-0-2019-07")
    if "1-2" not in str(policy):
        return Fail("EndpointOptions.TLSSecurityPolicy", "TLS 1.0 is accepted", policy)
    return None


expect("sagemaker-monitoring-job-traffic-encrypted", types=["AWS::SageMaker::DataQualityJobDefinition"],
       path="NetworkConfig.EnableInterContainerTrafficEncryption", ok=is_true, default=False,
       message="traffic between the job's instances is not encrypted",
       title="SageMaker data quality jobs encrypt traffic between their instances", severity="low", area="data",
       category="encryption", wa=IN_TRANSIT,
       why="Distributed monitoring jobs exchange samples of production traffic between instances; without "
           "inter-container encryption they cross the network in clear.",
       fix="Enable inter-container traffic encryption.",
       tf="network_config {\n  enable_inter_container_traffic_encryption = true\n}",
       cfn="NetworkConfig:\n  EnableInterContainerTrafficEncryption: true")


_CLB_DEFAULT = "ELBSecurityPolicy-2016-08"  # what a Classic Load Balancer's HTTPS and SSL listeners get unless told
_CLB_OLD_PROTOCOLS = ("Protocol-SSLv3", "Protocol-TLSv1", "Protocol-TLSv1.1")


@rule("elb-classic-tls-policy", title="Classic Load Balancer HTTPS and SSL listeners negotiate TLS 1.2 or newer",
      severity="high", types=["AWS::ElasticLoadBalancing::LoadBalancer"], area="data", category="network",
      wa=IN_TRANSIT, scope="code",  # the live path does not read a load balancer's negotiation policies
      why=f"Without a negotiation policy of its own a Classic Load Balancer listener uses {_CLB_DEFAULT}, which still "
          "accepts TLS 1.0 and 1.1 and their weak ciphers: a client can be held to them.",
      fix="Create an SSLNegotiationPolicyType policy referencing ELBSecurityPolicy-TLS-1-2-2017-01 and name it on each "
          "HTTPS or SSL listener (or move to an Application or Network Load Balancer).",
      tf='resource "aws_load_balancer_policy" "tls12" {\n  load_balancer_name = aws_elb.web.name\n'
         '  policy_name        = "tls12"\n  policy_type_name   = "SSLNegotiationPolicyType"\n  policy_attribute {\n'
         '    name  = "Reference-Security-Policy"\n    value = "ELBSecurityPolicy-TLS-1-2-2017-01"\n  }\n}\n'
         'resource "aws_load_balancer_listener_policy" "https" {\n  load_balancer_name = aws_elb.web.name\n'
         '  load_balancer_port = 443\n  policy_names       = [aws_load_balancer_policy.tls12.policy_name]\n}',
      cfn="Policies:\n  - PolicyName: tls12\n    PolicyType: SSLNegotiationPolicyType\n    Attributes:\n"
          "      - Name: Reference-Security-Policy\n        Value: ELBSecurityPolicy-TLS-1-2-2017-01\n"
          "Listeners:\n  - LoadBalancerPort: '443'\n    Protocol: HTTPS\n    InstancePort: '80'\n"
          "    SSLCertificateId: !Ref Certificate\n    PolicyNames: [tls12]")
def classic_tls_policy(r: View) -> Any:
    policies = {str(p.get("PolicyName")): p for _, p in r.items("Policies") if isinstance(p, dict)}
    by_port = {str(x.get("LoadBalancerPort")): x.get("PolicyNames") or []
               for _, x in r.items("ListenerPolicies") if isinstance(x, dict)}
    fails: list[Fail] = []
    for path, listener in r.items("Listeners"):
        if not isinstance(listener, dict) or str(r.get(f"{path}.Protocol", "")).upper() not in ("HTTPS", "SSL"):
            continue
        names = r.get(f"{path}.PolicyNames") or by_port.get(str(listener.get("LoadBalancerPort"))) or []
        names = [str(n) for n in (names if isinstance(names, list) else [names])]
        chosen = [policies[n] for n in names if n in policies and policies[n].get("PolicyType") == "SSLNegotiationPolicyType"]
        if not chosen:
            if any(n not in policies for n in names):
                return Unsure(f"listener policies {', '.join(n for n in names if n not in policies)} are not in the "
                              "scanned code", path)
            fails.append(Fail(path, f"the listener uses {_CLB_DEFAULT}, which accepts TLS 1.0 and 1.1"))
            continue
        attrs = {str(a.get("Name")): a.get("Value") for a in chosen[0].get("Attributes") or [] if isinstance(a, dict)}
        reference = attrs.get("Reference-Security-Policy")
        if reference is not None:
            if not elb_policy_ok(str(reference)):
                fails.append(Fail(path, f"{reference} accepts TLS versions older than 1.2", reference))
        elif any(is_true(attrs.get(p, False)) for p in _CLB_OLD_PROTOCOLS):
            fails.append(Fail(path, "the negotiation policy enables SSLv3, TLS 1.0 or TLS 1.1"))
    return fails
