"""Who may use a service and as whom (SEC03-BP02, SEC02): no anonymous or unauthenticated access, access
points pinned to an identity, containers that do not share the host, buckets governed by policies."""

from __future__ import annotations

from typing import Any

from wasec.rules.pack._common import expect, is_true
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, View

LEAST = ("SEC03-BP02",)


@rule("efs-access-point-root-directory", title="EFS access points confine clients to a directory", severity="medium",
      types=["AWS::EFS::AccessPoint"], area="identity", category="access", wa=LEAST, fsbp=("EFS.3",),
      why="An access point whose root is / lets every client that uses it see the whole file system.",
      fix="Give the access point a root directory of its own.", tf='root_directory {\n  path = "/app"\n}',
      cfn="RootDirectory:\n  Path: /app")
def efs_root(r: View) -> Any:
    path = str(r.get("RootDirectory.Path", "/") or "/")
    if path.rstrip("/") == "":
        return Fail("RootDirectory.Path" if r.present("RootDirectory") else "", "the access point exposes the file system's root")
    return None


expect("efs-access-point-user", types=["AWS::EFS::AccessPoint"], path="PosixUser",
       message="clients choose their own user and group on the file system",
       title="EFS access points enforce a user identity", severity="medium", area="identity", category="access",
       wa=LEAST, fsbp=("EFS.4",),
       why="Without a POSIX user on the access point, each client's own user and group (root included) decide what "
           "it may read and write.",
       fix="Set the POSIX user (uid, gid) the access point imposes.", tf="posix_user {\n  uid = 1000\n  gid = 1000\n}",
       cfn="PosixUser:\n  Uid: '1000'\n  Gid: '1000'")


@rule("ecs-host-network-privileged", title="ECS tasks on the host network run unprivileged, as a user", severity="high",
      types=["AWS::ECS::TaskDefinition"], area="infrastructure", category="hardening", wa=("SEC06-BP02", *LEAST),
      fsbp=("ECS.1",),
      why="A container on the host network that is privileged, or root, is root on the instance's network stack: it can "
          "sniff, spoof and reach everything the instance can, the metadata service included.",
      fix="Use the awsvpc network mode; if host is needed, run unprivileged as a non-root user.",
      tf='network_mode = "awsvpc"', cfn="NetworkMode: awsvpc")
def ecs_host(r: View) -> Any:
    if str(r.get("NetworkMode", "bridge")).lower() != "host":
        return Skip("not the host network mode")
    fails = []
    for p, c in r.items("ContainerDefinitions"):
        if not isinstance(c, dict):
            continue
        user = str(r.get(f"{p}.User") or "")
        if is_true(r.get(f"{p}.Privileged", False)):
            fails.append(Fail(f"{p}.Privileged", f"container {c.get('Name', p)} is privileged on the host network", True))
        elif user in ("", "root", "0") or user.startswith(("root:", "0:")):
            fails.append(Fail(f"{p}.User" if user else p, f"container {c.get('Name', p)} runs as root on the host network",
                              user or None))
    return fails


@rule("msk-unauthenticated-access", title="MSK clusters refuse unauthenticated clients", severity="medium",
      types=["AWS::MSK::Cluster"], area="identity", category="access", wa=(*LEAST, "SEC02-BP01"), fsbp=("MSK.6",),
      why="With unauthenticated access on, anyone who reaches the brokers can produce and consume every topic.",
      fix="Turn unauthenticated access off and use IAM, SASL/SCRAM or mutual TLS.",
      tf="client_authentication {\n  unauthenticated = false\n  sasl {\n    iam = true\n  }\n}",
      cfn="ClientAuthentication:\n  Unauthenticated:\n    Enabled: false\n  Sasl:\n    Iam:\n      Enabled: true")
def msk_unauthenticated(r: View) -> Any:
    v = r.get("ClientAuthentication.Unauthenticated.Enabled")
    if v is None:
        auth = r.get("ClientAuthentication")
        # without any client authentication configured, MSK accepts unauthenticated clients
        if isinstance(auth, dict) and any(k in auth for k in ("Sasl", "Tls")):
            return None
        return Fail("ClientAuthentication" if auth is not None else "", "no client authentication is required")
    if is_true(v):
        return Fail("ClientAuthentication.Unauthenticated.Enabled", "unauthenticated clients are accepted", True)
    return None


@rule("opensearch-fine-grained-access", title="OpenSearch domains use fine-grained access control", severity="high",
      types=["AWS::OpenSearchService::Domain"], area="identity", category="access", wa=LEAST, fsbp=("Opensearch.7",),
      why="Fine-grained access control restricts who reads which index, document and field; without it any principal "
          "the domain policy lets in reads everything.",
      fix="Enable advanced security options (fine-grained access control) with an IAM or internal master user.",
      tf="advanced_security_options {\n  enabled                        = true\n  internal_user_database_enabled = false\n"
         "  master_user_options {\n    master_user_arn = aws_iam_role.search_admin.arn\n  }\n}",
      cfn="AdvancedSecurityOptions:\n  Enabled: true\n  MasterUserOptions:\n    MasterUserARN: !GetAtt SearchAdmin.Arn")
def opensearch_fgac(r: View) -> Any:
    if not is_true(r.get("AdvancedSecurityOptions.Enabled", False)):
        return Fail("AdvancedSecurityOptions" if r.present("AdvancedSecurityOptions") else "",
                    "fine-grained access control is off")
    return None


expect("cognito-identity-pool-unauthenticated", types=["AWS::Cognito::IdentityPool"],
       path="AllowUnauthenticatedIdentities", ok=lambda v: not is_true(v), default=False,
       message="the identity pool hands AWS credentials to unauthenticated guests",
       title="Cognito identity pools give no credentials to unauthenticated identities", severity="medium",
       area="identity", category="access", wa=("SEC02-BP01", *LEAST), fsbp=("Cognito.2",),
       why="Guest identities get credentials of the unauthenticated role without signing in: anyone on the internet "
           "can call what that role allows.",
       fix="Turn unauthenticated identities off (or make the guest role allow nothing sensitive).",
       tf="allow_unauthenticated_identities = false", cfn="AllowUnauthenticatedIdentities: false")


@rule("s3-acls-disabled", title="S3 buckets do not use ACLs (bucket owner enforced)", severity="medium",
      types=["AWS::S3::Bucket"], area="identity", category="access", wa=(*LEAST, "SEC08-BP04"), fsbp=("S3.12",),
      why="ACLs grant access outside bucket policies and IAM, per object, where no review sees them; with object "
          "ownership set to bucket owner enforced, ACLs are off and policies alone decide.",
      fix="Set object ownership to BucketOwnerEnforced (the default for new buckets since April 2023).",
      tf='resource "aws_s3_bucket_ownership_controls" "b" {\n  bucket = aws_s3_bucket.b.id\n  rule {\n'
         '    object_ownership = "BucketOwnerEnforced"\n  }\n}',
      cfn="OwnershipControls:\n  Rules:\n    - ObjectOwnership: BucketOwnerEnforced")
def acls_disabled(r: View) -> Any:
    rules = r.get("OwnershipControls.Rules")
    owner = [(i, x.get("ObjectOwnership")) for i, x in enumerate(rules if isinstance(rules, list) else [])
             if isinstance(x, dict)]
    if owner:
        if all(o != "BucketOwnerEnforced" for _, o in owner):
            i, o = owner[0]
            return Fail(f"OwnershipControls.Rules.{i}.ObjectOwnership", f"object ownership is {o}: ACLs are in use", o)
        return None
    if r.source == "aws":
        return Fail("", "no ownership controls: ACLs are in use")
    acl = r.get("AccessControl")
    if acl not in (None, "Private") or r.present("AccessControlPolicy"):
        return Fail("AccessControl" if acl is not None else "AccessControlPolicy", "the bucket sets an ACL", acl)
    return None  # a new bucket's default: bucket owner enforced


@rule("appsync-no-api-key-auth", title="AppSync GraphQL APIs do not authenticate with API keys", severity="high",
      types=["AWS::AppSync::GraphQLApi"], area="identity", category="access", wa=("SEC02-BP01", "SEC02-BP02"),
      fsbp=("AppSync.5",),
      why="An API key is a shared static secret shipped inside the client: whoever reads it from the app or a browser "
          "calls the API as any user, until the key expires.",
      fix="Authenticate with Cognito user pools, OIDC, IAM or a Lambda authorizer instead of API keys.",
      tf='authentication_type = "AMAZON_COGNITO_USER_POOLS"', cfn="AuthenticationType: AMAZON_COGNITO_USER_POOLS")
def appsync_api_key(r: View) -> Any:
    fails = []
    if str(r.get("AuthenticationType") or "") == "API_KEY":
        fails.append(Fail("AuthenticationType", "the API authenticates callers with an API key", "API_KEY"))
    for path, p in r.items("AdditionalAuthenticationProviders"):
        if isinstance(p, dict) and p.get("AuthenticationType") == "API_KEY":
            fails.append(Fail(f"{path}.AuthenticationType", "an additional provider accepts API keys", "API_KEY"))
    return fails


@rule("ssm-document-not-public", title="Systems Manager documents are not shared publicly", severity="critical",
      types=["AWS::SSM::Document"], area="data", category="exposure", wa=("SEC03-BP07", "SEC08-BP04"),
      fsbp=("SSM.4",),
      why="A public document can be read and run by every AWS account: its scripts, parameters and the names, hosts "
          "and paths they reveal.",
      fix="Share the document with named accounts only (or not at all).",
      tf='permissions = {\n  type        = "Share"\n  account_ids = "111122223333"\n}',
      cfn="# documents are shared with aws ssm modify-document-permission; CloudFormation has no sharing property")
def ssm_document_public(r: View) -> Any:
    ids = r.get("Permissions.AccountIds")
    shared = [str(a) for a in (ids if isinstance(ids, list) else [ids] if ids is not None else [])]
    if any(a.lower() == "all" for a in shared):
        return Fail("Permissions.AccountIds", "the document is shared with every AWS account", shared)
    return None


@rule("ssm-document-public-sharing-blocked", title="Public sharing of Systems Manager documents is blocked",
      severity="critical", types=["Wasec::SSM::ServiceSetting"], area="data", category="exposure",
      wa=("SEC03-BP07", "SEC08-BP04"), fsbp=("SSM.7",),
      why="With the block on, no document of the account can be made public, whoever edits its permissions.",
      fix="Set the public-sharing-permission service setting to Disable in every region.",
      tf='resource "aws_ssm_service_setting" "block_public_documents" {\n'
         '  setting_id    = "arn:aws:ssm:us-east-1:111122223333:servicesetting/ssm/documents/console/public-sharing-permission"\n'
         '  setting_value = "Disable"\n}',
      cfn="# a Systems Manager service setting (aws ssm update-service-setting)")
def ssm_sharing_block(r: View) -> Any:
    sid = str(r.get("SettingId") or "")
    if not (sid == "/ssm/documents/console/public-sharing-permission"
            or sid.endswith("servicesetting/ssm/documents/console/public-sharing-permission")):
        return Skip("another service setting")
    value = r.get("SettingValue")
    if str(value) != "Disable":
        return Fail("SettingValue", "documents may be shared publicly", value)
    return None


_AP_BLOCKS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


@rule("s3-access-point-block-public-access", title="S3 access points block public access", severity="critical",
      types=["AWS::S3::AccessPoint", "AWS::S3::MultiRegionAccessPoint"], area="data", category="exposure",
      wa=("SEC03-BP07", "SEC08-BP04"), fsbp=("S3.19", "S3.24"),
      why="An access point with block public access off can be given a public policy: a second, separately managed "
          "door into the bucket.",
      fix="Keep all four block public access settings on (the default); public access points cannot be fixed in "
          "place and must be recreated.",
      tf="public_access_block_configuration {\n  block_public_acls       = true\n  ignore_public_acls      = true\n"
         "  block_public_policy     = true\n  restrict_public_buckets = true\n}",
      cfn="PublicAccessBlockConfiguration:\n  BlockPublicAcls: true\n  IgnorePublicAcls: true\n"
          "  BlockPublicPolicy: true\n  RestrictPublicBuckets: true")
def access_point_bpa(r: View) -> Any:
    off = [k for k in _AP_BLOCKS if not is_true(r.get(f"PublicAccessBlockConfiguration.{k}", True))]
    if off:
        return Fail(f"PublicAccessBlockConfiguration.{off[0]}", f"{', '.join(off)} off", False)
    return None


def _dms_engine(r: View) -> str:
    return str(r.get("EngineName") or "").lower()


expect("dms-endpoint-neptune-iam", types=["AWS::DMS::Endpoint"], path="NeptuneSettings.IamAuthEnabled", ok=is_true,
       default=False, applies=lambda r: _dms_engine(r) == "neptune",
       message="the Neptune endpoint does not use IAM authorization",
       title="DMS endpoints for Neptune use IAM authorization", severity="medium", area="identity", category="access",
       wa=("SEC02-BP02", *LEAST), fsbp=("DMS.10",),
       why="With IAM authorization, the replication writes to Neptune with the service role's temporary, scoped "
           "credentials, and each request is signed and logged.",
       fix="Enable IAM authorization on the endpoint (and on the Neptune cluster).",
       tf="# set NeptuneSettings.IamAuthEnabled with the AWS API or CloudFormation",
       cfn="NeptuneSettings:\n  IamAuthEnabled: true\n  ServiceAccessRoleArn: !GetAtt DmsNeptune.Arn")

expect("dms-endpoint-mongodb-auth", types=["AWS::DMS::Endpoint"], path="MongoDbSettings.AuthType",
       ok=lambda v: str(v).lower() != "no", default="password", applies=lambda r: _dms_engine(r) == "mongodb",
       message="the MongoDB endpoint connects without authentication",
       title="DMS endpoints for MongoDB authenticate", severity="medium", area="identity", category="access",
       wa=("SEC02-BP01", *LEAST), fsbp=("DMS.11",),
       why="A MongoDB endpoint with authentication off reads from a database that anyone on its network can read too.",
       fix="Set the authentication type to password (with SCRAM-SHA-1 or MONGODB-CR) and a credential from Secrets "
           "Manager.",
       tf='mongodb_settings {\n  auth_type      = "password"\n  auth_mechanism = "scram-sha-1"\n}',
       cfn="MongoDbSettings:\n  AuthType: password\n  AuthMechanism: scram_sha_1")


expect("qldb-standard-permissions", types=["AWS::QLDB::Ledger"], path="PermissionsMode",
       ok=lambda v: str(v).upper() == "STANDARD", message="ALLOW_ALL: any principal allowed qldb:SendCommand runs "
       "every PartiQL command on every table", title="QLDB ledgers use the STANDARD permissions mode",
       severity="medium", area="identity", category="access", wa=LEAST,
       why="In ALLOW_ALL mode one API permission opens every table and command; STANDARD lets policies grant "
           "commands per table.",
       fix="Set the permissions mode to STANDARD and grant PartiQL actions per table.", tf='permissions_mode = "STANDARD"',
       cfn="PermissionsMode: STANDARD")

expect("mwaa-webserver-private", types=["AWS::MWAA::Environment"], path="WebserverAccessMode",
       ok=lambda v: str(v).upper() == "PRIVATE_ONLY", default="PRIVATE_ONLY",
       message="the Airflow UI is reachable from the internet", title="MWAA environments keep the Airflow UI private",
       severity="medium", area="infrastructure", category="network", wa=("SEC05-BP01",),
       why="The Airflow web server runs DAGs and shows connections and variables; on the internet only a sign-in "
           "stands between it and everyone.",
       fix="Use PRIVATE_ONLY and reach the UI through the VPC (a VPN or a bastion).",
       tf='webserver_access_mode = "PRIVATE_ONLY"', cfn="WebserverAccessMode: PRIVATE_ONLY")


def _as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v]


@rule("iot-policy-wildcard", title="IoT policies do not allow every IoT action on every resource", severity="high",
      types=["AWS::IoT::Policy"], area="identity", category="access", wa=LEAST,
      why="A certificate with iot:* on * can connect as any client id, publish to and subscribe on every topic and "
          "update every thing's shadow: one stolen device key speaks for the whole fleet.",
      fix="Grant each action on the client id, topics and thing of the device (policy variables such as "
          "${iot:Connection.Thing.ThingName}).",
      tf='policy = jsonencode({\n  Version = "2012-10-17"\n  Statement = [{\n    Effect   = "Allow"\n    '
         'Action   = ["iot:Connect"]\n    Resource = ["arn:aws:iot:*:*:client/${iot:Connection.Thing.ThingName}"]\n  }]\n})',
      cfn="PolicyDocument:\n  Statement:\n    - Effect: Allow\n      Action: iot:Connect\n      Resource: "
          "!Sub arn:${AWS::Partition}:iot:${AWS::Region}:${AWS::AccountId}:client/${!iot:Connection.Thing.ThingName}")
def iot_wildcard(r: View) -> Any:
    doc = r.get("PolicyDocument")
    if not isinstance(doc, dict):
        return None
    stmts = doc.get("Statement")
    fails = []
    for i, s in enumerate(stmts if isinstance(stmts, list) else [stmts]):
        if not isinstance(s, dict) or s.get("Effect") != "Allow":
            continue
        actions, resources = _as_list(s.get("Action")), _as_list(s.get("Resource"))
        if any(str(a).strip().lower() in ("*", "iot:*") for a in actions) and any(str(x).strip() == "*" for x in resources):
            path = f"PolicyDocument.Statement.{i}" if isinstance(stmts, list) else "PolicyDocument.Statement"
            fails.append(Fail(path, "every IoT action on every resource"))
    return fails


expect("cognito-client-prevent-user-existence-errors", types=["AWS::Cognito::UserPoolClient"],
       path="PreventUserExistenceErrors", ok=lambda v: str(v).upper() == "ENABLED", default="LEGACY",
       message="sign-in and password-reset errors say whether a user exists",
       title="Cognito app clients do not reveal which users exist", severity="medium", area="identity",
       category="access", wa=("SEC02-BP01",),
       why="With LEGACY errors, a failed sign-in answers UserNotFoundException for unknown names: an attacker "
           "lists valid accounts before guessing their passwords.",
       fix="Set PreventUserExistenceErrors to ENABLED.", tf='prevent_user_existence_errors = "ENABLED"',
       cfn="PreventUserExistenceErrors: ENABLED")


expect("qldb-deletion-protection", types=["AWS::QLDB::Ledger"], path="DeletionProtection", ok=is_true, default=True,
       message="the ledger (and its whole journal) can be deleted in one call",
       title="QLDB ledgers keep deletion protection", severity="medium", area="data", category="resilience",
       wa=("SEC08-BP04",),
       why="A ledger is kept for its immutable history; with deletion protection off, one DeleteLedger call by a "
           "stolen or careless identity erases all of it.",
       fix="Leave deletion protection on (the default).", tf="deletion_protection = true", cfn="DeletionProtection: true")


@rule("bedrock-agent-guardrail", title="Bedrock agents are associated with a guardrail", severity="medium",
      types=["AWS::Bedrock::Agent"], area="appsec", category="hardening", wa=("SEC11-BP02", "SEC06-BP05"),
      why="An agent calls tools with its role on the strength of what users type; a guardrail filters prompt "
          "injection, denied topics and sensitive data in inputs and answers before they reach the model or the user.",
      fix="Create a guardrail and set it (with a version) on the agent.",
      tf="guardrail_configuration {\n  guardrail_identifier = aws_bedrock_guardrail.main.guardrail_id\n"
         "  guardrail_version    = aws_bedrock_guardrail_version.main.version\n}",
      cfn="GuardrailConfiguration:\n  GuardrailIdentifier: !Ref Guardrail\n  GuardrailVersion: !GetAtt GuardrailVersion.Version")
def agent_guardrail(r: View) -> Any:
    if not r.present("GuardrailConfiguration.GuardrailIdentifier"):
        return Fail(r.nearest("GuardrailConfiguration"),
                    "prompts and answers pass no guardrail")
    return None


@rule("apigateway-request-validation", title="API Gateway methods validate requests", severity="low",
      types=["AWS::ApiGateway::Method"], area="appsec", category="hardening", wa=("SEC11-BP02",),
      why="A request validator rejects requests whose parameters or body do not match the model before they reach "
          "the integration: malformed and oversized input never costs a backend call.",
      fix="Attach a request validator (body and parameters) and models to the methods that take input.",
      tf="request_validator_id = aws_api_gateway_request_validator.all.id",
      cfn="RequestValidatorId: !Ref ValidateAll")
def request_validation(r: View) -> Any:
    if str(r.get("HttpMethod", "")).upper() == "OPTIONS":
        return Skip("CORS preflight")
    if str(r.get("Integration.Type", "")).upper() == "MOCK":
        return Skip("a mock integration reaches no backend")
    if not r.present("RequestValidatorId"):
        return Fail("", "requests reach the integration unvalidated")
    return None


@rule("acm-certificate-no-wildcard", title="ACM certificates name their hosts, not a wildcard", severity="low",
      types=["AWS::CertificateManager::Certificate"], area="data", category="encryption", wa=("SEC09-BP01",),
      optional=True,
      why="A wildcard certificate's key serves every subdomain: one compromised host that holds it can impersonate "
          "all of them.",
      fix="Request certificates for the names each service answers to.",
      tf='domain_name = "shop.example.com"', cfn="DomainName: shop.example.com")
def acm_wildcard(r: View) -> Any:
    names = [r.get("DomainName"), *(r.get("SubjectAlternativeNames") or [])]
    wild = [n for n in names if isinstance(n, str) and n.strip().startswith("*")]
    if wild:
        return Fail("DomainName" if str(r.get("DomainName", "")).startswith("*") else "SubjectAlternativeNames",
                    f"a wildcard name ({wild[0]}) covers every host of the domain", wild[0])
    return None


@rule("lambda-code-signing", title="Lambda functions verify code signatures", severity="low",
      types=["AWS::Lambda::Function", "AWS::Serverless::Function"], area="appsec", category="hardening",
      wa=("SEC11-BP06", "SEC11-BP07"), optional=True,
      scope="code",  # the live path does not read a function's code signing configuration
      why="A code signing configuration makes Lambda refuse code not signed by your signing profiles: a stolen "
          "deployment credential cannot ship a modified package.",
      fix="Create a signing profile and a code signing configuration that enforces it, and set it on the function.",
      tf="code_signing_config_arn = aws_lambda_code_signing_config.enforce.arn",
      cfn="CodeSigningConfigArn: !Ref EnforceSigning")
def code_signing(r: View) -> Any:
    if str(r.get("PackageType", "Zip")).lower() == "image":
        return Skip("container images are verified by the registry and signing of images")
    if not r.present("CodeSigningConfigArn"):
        return Fail("", "any package the deployer uploads runs")
    return None


expect("acm-certificate-transparency", types=["AWS::CertificateManager::Certificate"],
       path="CertificateTransparencyLoggingPreference", ok=lambda v: str(v).upper() != "DISABLED", default="ENABLED",
       message="the certificate is kept out of Certificate Transparency logs",
       title="ACM certificates are published to Certificate Transparency logs", severity="low", area="data",
       category="encryption", wa=("SEC09-BP01",), scope="code",  # the live path lists certificates without options
       why="Certificate Transparency is how a domain owner notices a certificate issued for their names by mistake or "
           "by an attacker; browsers also distrust public certificates that are not logged.",
       fix="Leave Certificate Transparency logging enabled.",
       tf='options {\n  certificate_transparency_logging_preference = "ENABLED"\n}',
       cfn="CertificateTransparencyLoggingPreference: ENABLED")
