"""Infrastructure protection, compute (SEC06) and secrets in configuration (SEC02-BP03)."""

from __future__ import annotations

import re
from typing import Any

from wasec.analyzers.inline_secrets import find_in_script, redact, secret_env, secret_name
from wasec.model.values import Unknown, known_prefix
from wasec.rules.pack._common import expect, is_true
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, Unsure, View

COMPUTE = ("SEC06-BP05",)
SECRETS = ("SEC02-BP03",)
_INSTANCES = ("AWS::EC2::Instance", "AWS::AutoScaling::LaunchConfiguration", "AWS::EC2::LaunchTemplate")


def _meta_path(r: View) -> str:
    return "LaunchTemplateData.MetadataOptions" if r.type == "AWS::EC2::LaunchTemplate" else "MetadataOptions"


@rule("ec2-imdsv2-required", title="EC2 instances require IMDSv2 session tokens", severity="high", types=_INSTANCES,
      area="infrastructure", category="hardening", wa=(*COMPUTE, "SEC03-BP01"), cis=("6.7",),
      fsbp=("EC2.8", "AutoScaling.3", "EC2.170"),
      why="IMDSv1 answers any request from the instance, so one server-side request forgery bug hands out the "
          "instance role's credentials. IMDSv2 requires a session token the attacker cannot forge.",
      fix="Set http_tokens = \"required\".",
      tf='metadata_options {\n  http_tokens   = "required"\n  http_endpoint = "enabled"\n}',
      cfn="MetadataOptions:\n  HttpTokens: required\n  HttpEndpoint: enabled")
def imdsv2(r: View) -> Any:
    base = _meta_path(r)
    if str(r.get(f"{base}.HttpEndpoint", "enabled")).lower() == "disabled":
        return None
    v = r.get(f"{base}.HttpTokens")
    if v is None and r.source != "aws":
        # undeclared, EC2 takes the AMI's ImdsSupport (v2.0: required) and the account's metadata defaults
        if _ami_requires_imdsv2(r):
            return None
        return Unsure("HttpTokens is not declared: the AMI (its ImdsSupport) and the account's instance metadata "
                      "defaults decide whether IMDSv1 answers; declare http_tokens = \"required\"", base)
    if str(v or "optional").lower() != "required":
        return Fail(f"{base}.HttpTokens" if r.present(base) else base or "", "IMDSv1 is allowed (tokens optional)", v)
    return None


# Amazon Linux 2023's AMIs are published with ImdsSupport v2.0: AWS's public SSM parameters name them, and their
# names start so (owned by Amazon: the "amazon" alias or Amazon Linux's account)
AL2023_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-"
AL2023_NAME = "al2023-ami-"
AMAZON_OWNERS = frozenset({"amazon", "137112412989"})


def _ami_requires_imdsv2(r: View) -> bool:
    """The instance's AMI is known to require IMDSv2: declared here with ImdsSupport v2.0 (an aws_ami, or a lookup
    filtered on it), or of a family published so (Amazon Linux 2023, by its SSM public parameter or its name)."""
    image = r.raw("LaunchTemplateData.ImageId" if r.type == "AWS::EC2::LaunchTemplate" else "ImageId")
    if isinstance(image, str):  # a CloudFormation parameter's SSM path, or {{resolve:ssm:…}}
        return AL2023_PARAMETER in image
    ami = r.resolve(image, "Wasec::EC2::Image", "Wasec::EC2::AmiLookup", "Wasec::SSM::ParameterLookup") \
        if image is not None else None
    if ami is None:
        return False
    if ami.type == "Wasec::EC2::Image":
        return str(ami.properties.get("ImdsSupport") or "") == "v2.0"
    if ami.type == "Wasec::SSM::ParameterLookup":
        return str(ami.properties.get("Name") or "").startswith(AL2023_PARAMETER)
    filters = ami.properties.get("Filters")
    filters = [f for f in (filters if isinstance(filters, list) else []) if isinstance(f, dict)]
    if any(f.get("Name") == "imds-support" and f.get("Values") == ["v2.0"] for f in filters):
        return True
    owners = ami.properties.get("Owners")
    names = [v for f in filters if f.get("Name") == "name" for v in (f.get("Values") or [])]
    return bool(names) and all(isinstance(n, str) and n.startswith(AL2023_NAME) for n in names) and \
        isinstance(owners, list) and bool(owners) and all(str(o) in AMAZON_OWNERS for o in owners)


@rule("ec2-imds-hop-limit", title="Instance metadata is not reachable from containers (hop limit 1)", severity="low",
      types=_INSTANCES, area="infrastructure", category="hardening", wa=COMPUTE, fsbp=("AutoScaling.4",),
      why="A hop limit above 1 lets containers and forwarded traffic reach the instance's credentials.",
      fix="Set http_put_response_hop_limit = 1 (2 only for container hosts that need it).",
      tf="metadata_options {\n  http_put_response_hop_limit = 1\n}", cfn="MetadataOptions:\n  HttpPutResponseHopLimit: 1")
def hop_limit(r: View) -> Any:
    v = r.get(f"{_meta_path(r)}.HttpPutResponseHopLimit")
    if isinstance(v, int) and v > 1:
        return Fail(f"{_meta_path(r)}.HttpPutResponseHopLimit", f"hop limit is {v}", v)
    return None


def _user_data_path(r: View) -> str:
    return "LaunchTemplateData.UserData" if r.type == "AWS::EC2::LaunchTemplate" else "UserData"


@rule("ec2-user-data-secrets", title="EC2 user data does not contain credentials", severity="critical", types=_INSTANCES,
      area="appsec", category="secret", wa=SECRETS,
      why="User data is readable by anyone with ec2:DescribeInstanceAttribute and from inside the instance; keys "
          "and passwords written there leak to every reader and every log that captures the launch.",
      fix="Fetch secrets at boot from Secrets Manager or SSM Parameter Store using the instance role.",
      tf='user_data = <<-EOT\n  DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id db --query SecretString --output text)\nEOT',
      cfn="UserData: !Base64 |\n  DB_PASSWORD=$(aws secretsmanager get-secret-value --secret-id db --query SecretString --output text)")
def user_data(r: View) -> Any:
    path = _user_data_path(r)
    v = r.raw(path)
    if isinstance(v, Unknown):
        v = v.text
    return [Fail(path, f"user data contains {what}", value) for what, value in find_in_script(v)]


def _env_fails(items: list[tuple[str, Any]], name_key: str, value_key: str, where: str) -> list[Fail]:
    fails = []
    for p, e in items:
        if isinstance(e, dict) and secret_env(e.get(name_key), e.get(value_key)):
            fails.append(Fail(f"{p}.{value_key}", f"{where} {e.get(name_key)} holds a literal secret", redact(str(e.get(value_key)))))
    return fails


@rule("ecs-task-secrets-in-environment", title="ECS task definitions pass secrets with the secrets field, not environment",
      severity="critical", types=["AWS::ECS::TaskDefinition"], area="appsec", category="secret", wa=SECRETS,
      fsbp=("ECS.8",),
      why="Environment values are visible to anyone who can describe the task definition and are kept in every revision.",
      fix="Reference Secrets Manager or Parameter Store in the container's secrets list.",
      tf='secrets = [{ name = "DB_PASSWORD", valueFrom = aws_secretsmanager_secret.db.arn }]',
      cfn="Secrets:\n  - Name: DB_PASSWORD\n    ValueFrom: !Ref DbSecret")
def ecs_secrets(r: View) -> Any:
    fails = []
    for p, c in r.items("ContainerDefinitions"):
        if isinstance(c, dict):
            env = c.get("Environment")
            if isinstance(env, list):
                fails += _env_fails([(f"{p}.Environment.{i}", e) for i, e in enumerate(env)], "Name", "Value", "environment variable")
    return fails


@rule("lambda-environment-secrets", title="Lambda environment variables hold no literal secrets", severity="high",
      types=["AWS::Lambda::Function"], area="appsec", category="secret", wa=SECRETS,
      why="Function configuration is readable by anyone with lambda:GetFunctionConfiguration and is copied to every version.",
      fix="Read secrets at runtime from Secrets Manager or Parameter Store (the Parameters and Secrets extension caches them).",
      tf='environment {\n  variables = {\n    DB_SECRET_ARN = aws_secretsmanager_secret.db.arn\n  }\n}',
      cfn="Environment:\n  Variables:\n    DB_SECRET_ARN: !Ref DbSecret")
def lambda_env(r: View) -> Any:
    variables = r.get("Environment.Variables")
    if not isinstance(variables, dict):
        return None
    return [Fail(f"Environment.Variables.{k}", f"environment variable {k} holds a literal secret", redact(v))
            for k, v in variables.items() if secret_env(k, v)]


@rule("codebuild-plaintext-secrets", title="CodeBuild environment variables hold no plaintext secrets", severity="critical",
      types=["AWS::CodeBuild::Project"], area="appsec", category="secret", wa=SECRETS, fsbp=("CodeBuild.2",),
      why="Plaintext build variables are shown in the console and API to anyone who can read the project.",
      fix="Use type PARAMETER_STORE or SECRETS_MANAGER for secrets.",
      tf='environment_variable {\n  name  = "NPM_TOKEN"\n  type  = "SECRETS_MANAGER"\n  value = "ci/npm-token"\n}',
      cfn="EnvironmentVariables:\n  - Name: NPM_TOKEN\n    Type: SECRETS_MANAGER\n    Value: ci/npm-token")
def codebuild_secrets(r: View) -> Any:
    items = [(p, e) for p, e in r.items("Environment.EnvironmentVariables")
             if isinstance(e, dict) and str(e.get("Type", "PLAINTEXT")).upper() == "PLAINTEXT"]
    return _env_fails(items, "Name", "Value", "variable")


@rule("db-master-password-in-code", title="Database master passwords are not written in code", severity="high",
      types=["AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::DocDB::DBCluster", "AWS::Redshift::Cluster",
             "AWS::Neptune::DBCluster"],
      area="appsec", category="secret", wa=SECRETS, scope="code",
      why="A password in a template or .tf file is in version control, in plan output and in state, readable by "
          "everyone who can read any of them.",
      fix="Let the service manage the password in Secrets Manager (manage_master_user_password / "
          "ManageMasterUserPassword) or resolve it from Secrets Manager at deploy time.",
      tf="manage_master_user_password = true",
      cfn="ManageMasterUserPassword: true\n# or MasterUserPassword: '{{resolve:secretsmanager:db-master:SecretString:password}}'")
def db_password(r: View) -> Any:
    v = r.raw("MasterUserPassword")
    if v is None or isinstance(v, Unknown) or not isinstance(v, str) or r.source == "aws":
        return None
    if v.startswith("{{resolve:") or not v.strip():
        return None  # resolved at deploy time, or left empty for the deployer (a NoEcho parameter's Default: "")
    return Fail("MasterUserPassword", "the master password is a literal in the code", redact(v))


# where each service takes a password or token in its resource definition (Terraform names mapped to these)
SERVICE_PASSWORDS = {
    "AWS::DirectoryService::MicrosoftAD": ("Password",),
    "AWS::DirectoryService::SimpleAD": ("Password",),
    "AWS::DMS::Endpoint": ("Password",),
    "AWS::AmazonMQ::Broker": ("Users[].Password",),
    "AWS::ElastiCache::ReplicationGroup": ("AuthToken",),
    "AWS::OpenSearchService::Domain": ("AdvancedSecurityOptions.MasterUserOptions.MasterUserPassword",),
    "AWS::Elasticsearch::Domain": ("AdvancedSecurityOptions.MasterUserOptions.MasterUserPassword",),
    "AWS::Amplify::App": ("BasicAuthConfig.Password", "BasicAuthCredentials"),
    "AWS::Amplify::Branch": ("BasicAuthConfig.Password", "BasicAuthCredentials"),
    "AWS::DataSync::LocationObjectStorage": ("SecretKey",),
}


@rule("service-password-in-code", title="Service passwords and tokens are not written in code", severity="high",
      types=list(SERVICE_PASSWORDS), area="appsec", category="secret", wa=SECRETS, scope="code",
      why="A directory administrator password, a broker user's password, a cache AUTH token or a search domain's "
          "master password written in a template or .tf file is in version control, plan output and state, readable "
          "by everyone who can read any of them — and rarely rotated after.",
      fix="Resolve it from Secrets Manager at deploy time (a dynamic reference, or a data source / ephemeral value "
          "in Terraform), or let the service manage it where it can.",
      tf='password = data.aws_secretsmanager_secret_version.directory.secret_string',
      cfn="Password: '{{resolve:secretsmanager:directory-admin:SecretString:password}}'")
def service_password(r: View) -> Any:
    if r.source == "aws":
        return None
    fails = []
    for path in SERVICE_PASSWORDS.get(r.type, ()):
        if path.endswith("[].Password"):
            values = [(f"{p}.Password", u.get("Password")) for p, u in r.items(path.split("[]")[0])
                      if isinstance(u, dict)]
        else:
            values = [(path, r.raw(path))]
        for where, v in values:
            if isinstance(v, str) and v.strip() and not v.startswith("{{resolve:"):
                fails.append(Fail(where, f"{where} is a literal in the code", redact(v)))
    return fails


@rule("ssm-parameter-secret-as-string", title="Secrets in SSM Parameter Store use SecureString", severity="medium",
      types=["AWS::SSM::Parameter"], area="appsec", category="secret", wa=SECRETS,
      why="String parameters are not encrypted and are returned to anyone with ssm:GetParameter.",
      fix="Store secrets as SecureString (with a KMS key).", tf='type = "SecureString"', cfn="Type: SecureString")
def ssm_secret(r: View) -> Any:
    name = r.get("Name")
    if str(r.get("Type", "String")) == "String" and isinstance(name, str) and secret_name(name.rsplit("/", 1)[-1]):
        return Fail("Type", f"parameter {name} looks like a secret but is stored as a plain String", r.get("Type", "String"))
    return None


@rule("terraform-http-secret-leak", title="Terraform HTTP data sources do not send secrets", severity="critical",
      types=["Wasec::Terraform::HttpRequest"], area="appsec", category="secret", wa=SECRETS, scope="code",
      why="A data \"http\" request runs at every plan; a URL built from a secret sends that secret to whoever controls "
          "the endpoint.",
      fix="Never interpolate secret values into data source requests.", tf="# remove the secret from the request",
      cfn="# not applicable")
def http_leak(r: View) -> Any:
    for key in ("Url", "RequestHeaders", "RequestBody"):
        v = r.raw(key)
        values = list(v.values()) if isinstance(v, dict) else [v]
        for x in values:
            refs = x.refs if isinstance(x, Unknown) else ()
            leaked = [ref for ref in refs if ".aws_ssm_parameter." in f".{ref}" or "aws_secretsmanager" in ref]
            if leaked:
                return Fail(key, f"the request includes {leaked[0]}", None)
    return None


# -- containers --------------------------------------------------------------------------------------------
def _containers(r: View) -> list[tuple[str, dict[str, Any]]]:
    return [(p, c) for p, c in r.items("ContainerDefinitions") if isinstance(c, dict)]


@rule("ecs-privileged-container", title="ECS containers do not run privileged", severity="high",
      types=["AWS::ECS::TaskDefinition"], area="infrastructure", category="hardening", wa=COMPUTE, fsbp=("ECS.4",),
      why="A privileged container has root on the host: escaping it takes no exploit.",
      fix="Remove privileged; grant only the Linux capabilities the container needs.", tf='privileged = false',
      cfn="Privileged: false")
def ecs_privileged(r: View) -> Any:
    return [Fail(f"{p}.Privileged", f"container {c.get('Name', p)} is privileged", True) for p, c in _containers(r)
            if is_true(c.get("Privileged", False))]


@rule("ecs-readonly-root-filesystem", title="ECS containers have read-only root file systems", severity="low",
      types=["AWS::ECS::TaskDefinition"], area="infrastructure", category="hardening", wa=COMPUTE, fsbp=("ECS.5",),
      why="A writable root file system lets an intruder modify binaries and persist.",
      fix="Set readonlyRootFilesystem = true and mount writable volumes where needed.",
      tf='readonlyRootFilesystem = true', cfn="ReadonlyRootFilesystem: true")
def ecs_readonly(r: View) -> Any:
    return [Fail(f"{p}.ReadonlyRootFilesystem" if "ReadonlyRootFilesystem" in c else p,
                 f"container {c.get('Name', p)} can write its root file system", c.get("ReadonlyRootFilesystem"))
            for p, c in _containers(r) if not is_true(c.get("ReadonlyRootFilesystem", False))]


expect("ecs-no-host-pid", types=["AWS::ECS::TaskDefinition"], path="PidMode", ok=lambda v: str(v) != "host", default="task",
       message="the task shares the host's process namespace", title="ECS tasks do not share the host process namespace",
       severity="high", area="infrastructure", category="hardening", wa=COMPUTE, fsbp=("ECS.3",),
       why="With the host PID namespace a container can see and signal every process on the host.",
       fix="Remove pid_mode host.", tf="# omit pid_mode", cfn="# omit PidMode")


@rule("ecs-task-logging", title="ECS containers send logs to a log driver", severity="medium",
      types=["AWS::ECS::TaskDefinition"], area="detection", category="logging", wa=("SEC04-BP01",), fsbp=("ECS.9",),
      why="Container output is lost when the task stops unless a log driver ships it.",
      fix="Configure logConfiguration (awslogs or firelens) for every container.",
      tf='logConfiguration = { logDriver = "awslogs", options = { awslogs-group = "/ecs/app" } }',
      cfn="LogConfiguration:\n  LogDriver: awslogs\n  Options:\n    awslogs-group: /ecs/app")
def ecs_logging(r: View) -> Any:
    containers = _containers(r)
    if not containers:
        return Skip()
    return [Fail(p, f"container {c.get('Name', p)} has no log configuration") for p, c in containers
            if not c.get("LogConfiguration")]


expect("ecr-image-scan-on-push", types=["AWS::ECR::Repository"], path="ImageScanningConfiguration.ScanOnPush",
       ok=is_true, default=False, message="images are not scanned on push", title="ECR repository scans images on push",
       severity="high", area="appsec", category="hardening", wa=("SEC06-BP01", "SEC11-BP02"), fsbp=("ECR.1",),
       why="Scanning on push finds known vulnerabilities before an image is deployed.",
       fix="Enable scan on push (or enhanced scanning at the registry).",
       tf="image_scanning_configuration {\n  scan_on_push = true\n}", cfn="ImageScanningConfiguration:\n  ScanOnPush: true")
expect("ecr-tag-immutability", types=["AWS::ECR::Repository"], path="ImageTagMutability",
       ok=lambda v: str(v).startswith("IMMUTABLE"), default="MUTABLE", message="image tags can be overwritten",
       title="ECR repository tags are immutable", severity="medium", area="appsec", category="hardening",
       wa=("SEC06-BP04", "SEC11-BP06"), fsbp=("ECR.2",),
       why="Mutable tags let anyone who can push replace the image a deployment pulls by tag.",
       fix="Set image_tag_mutability = \"IMMUTABLE\".", tf='image_tag_mutability = "IMMUTABLE"',
       cfn="ImageTagMutability: IMMUTABLE")
expect("ecr-lifecycle-policy", types=["AWS::ECR::Repository"], path="LifecyclePolicy.LifecyclePolicyText",
       message="the repository keeps every image forever", title="ECR repository has a lifecycle policy",
       severity="low", area="appsec", category="hygiene", wa=("SEC03-BP06", "SEC07-BP04"), fsbp=("ECR.3",),
       why="Old images accumulate known vulnerabilities and can be deployed by mistake.",
       fix="Expire untagged and old images with a lifecycle policy.",
       tf='resource "aws_ecr_lifecycle_policy" "app" {\n  repository = aws_ecr_repository.app.name\n  policy     = jsonencode({ rules = [ ... ] })\n}',
       cfn="LifecyclePolicy:\n  LifecyclePolicyText: '{\"rules\": [...]}'")
expect("codebuild-privileged-mode", types=["AWS::CodeBuild::Project"], path="Environment.PrivilegedMode",
       ok=lambda v: not is_true(v), default=False, message="builds run in privileged mode",
       title="CodeBuild projects do not run privileged", severity="high", area="appsec", category="hardening",
       wa=("SEC11-BP07",), fsbp=("CodeBuild.5",),
       why="Privileged builds can escape to the build host; any dependency that runs during the build gets that power.",
       fix="Disable privileged mode unless the project builds Docker images.", tf="privileged_mode = false",
       cfn="Environment:\n  PrivilegedMode: false")

# -- serverless ------------------------------------------------------------------------------------------
_DEPRECATED_RUNTIMES = {
    "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x",
    "nodejs16.x", "nodejs18.x", "python2.7", "python3.6", "python3.7", "python3.8", "python3.9", "ruby2.5", "ruby2.7",
    "ruby3.2", "java8", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet5.0", "dotnet6",
    "dotnet7", "go1.x", "provided",
}


@rule("lambda-runtime-supported", title="Lambda functions use a supported runtime", severity="medium",
      types=["AWS::Lambda::Function"], area="appsec", category="hardening", wa=("SEC06-BP01",), fsbp=("Lambda.2",),
      why="Deprecated runtimes no longer receive security patches.",
      fix="Move to a supported runtime version (as of 2026: nodejs20.x/22.x, python3.10+, java17/21, dotnet8, provided.al2023).",
      tf='runtime = "python3.12"', cfn="Runtime: python3.12")
def lambda_runtime(r: View) -> Any:
    rt = r.get("Runtime")
    if isinstance(rt, str) and rt in _DEPRECATED_RUNTIMES:
        return Fail("Runtime", f"{rt} is deprecated and no longer patched", rt)
    return None


@rule("lambda-permission-public", title="Lambda function policy does not allow public invocation", severity="critical",
      types=["AWS::Lambda::Permission"], area="infrastructure", category="exposure", wa=("SEC03-BP07",), fsbp=("Lambda.1",),
      why="Principal \"*\" without a source condition lets any AWS account (or anyone, with a function URL) invoke it.",
      fix="Grant invoke to a specific account or service with SourceArn/SourceAccount.",
      tf='principal  = "events.amazonaws.com"\nsource_arn = aws_cloudwatch_event_rule.nightly.arn',
      cfn="Principal: events.amazonaws.com\nSourceArn: !GetAtt NightlyRule.Arn")
def lambda_public(r: View) -> Any:
    if known_prefix(r.raw("Principal")).strip() not in ("", "*"):
        return None  # a service or an account, even with an unknown suffix ("elb.${dns_suffix}")
    if str(r.get("Principal", "")).strip() != "*":
        return None
    if r.present("SourceArn") or r.present("SourceAccount") or r.present("PrincipalOrgID"):
        return None
    if str(r.get("FunctionUrlAuthType", "")) == "AWS_IAM":
        return None
    return Fail("Principal", "anyone may invoke the function", "*")


@rule("lambda-permission-source", title="Lambda permissions for AWS services name the source", severity="high",
      types=["AWS::Lambda::Permission"], area="infrastructure", category="access", wa=("SEC03-BP02", "SEC03-BP07"),
      why="A service principal (s3.amazonaws.com, sns.amazonaws.com…) without SourceArn or SourceAccount lets "
          "resources in any account trigger the function: the confused-deputy problem.",
      fix="Add source_arn (and source_account for S3).",
      tf='source_arn = aws_sns_topic.events.arn', cfn="SourceArn: !Ref EventsTopic")
def lambda_source(r: View) -> Any:
    raw = r.raw("Principal")
    if isinstance(raw, Unknown):  # "elasticloadbalancing.${data.aws_partition.current.dns_suffix}": any partition
        service = re.match(r"[a-z0-9-]+\.", known_prefix(raw)) is not None
    else:
        service = isinstance(raw, str) and re.search(r"\.amazonaws\.com(\.cn)?$", raw.strip()) is not None
    if not service:
        if isinstance(raw, Unknown) and not known_prefix(raw):
            r.get("Principal")  # raises: who the principal is cannot be known
        return None
    if r.present("SourceArn") or r.present("SourceAccount") or r.present("PrincipalOrgID"):
        return None
    shown = raw.text if isinstance(raw, Unknown) else raw
    return Fail("Principal", f"{shown} may invoke the function from any account", shown)


@rule("lambda-url-auth", title="Lambda function URLs require IAM authentication", severity="high",
      types=["AWS::Lambda::Url"], area="infrastructure", category="exposure", wa=("SEC03-BP07", "SEC05-BP02"),
      why="A function URL with auth type NONE is a public HTTPS endpoint anyone can call.",
      fix="Use AuthType AWS_IAM, or put the function behind API Gateway with an authorizer.",
      tf='authorization_type = "AWS_IAM"', cfn="AuthType: AWS_IAM")
def lambda_url(r: View) -> Any:
    v = r.get("AuthType")
    if str(v).upper() == "NONE":
        return Fail("AuthType", "the function URL needs no authentication", v)
    return None


@rule("sagemaker-notebook-root-access", title="SageMaker notebook users do not have root", severity="medium",
      types=["AWS::SageMaker::NotebookInstance"], area="infrastructure", category="hardening", wa=COMPUTE,
      fsbp=("SageMaker.3",), why="Root on a notebook lets users change its software and bypass controls.",
      fix="Disable root access.", tf='root_access = "Disabled"', cfn="RootAccess: Disabled")
def sagemaker_root(r: View) -> Any:
    v = r.get("RootAccess", "Enabled")
    if str(v) != "Disabled":
        return Fail("RootAccess" if r.present("RootAccess") else "", "users have root on the notebook", v)
    return None


@rule("ami-lookup-owners", title="AMI lookups pin the image owner", severity="low", types=["Wasec::EC2::AmiLookup"],
      area="infrastructure", category="hardening", wa=("SEC06-BP02",), scope="code",
      why="An AMI lookup by name without owners can pick up a look-alike image published by anyone.",
      fix="Set owners to the publisher's account id (or amazon).", tf='owners = ["099720109477"]  # Canonical',
      cfn="# pass AMI ids through SSM public parameters")
def ami_owners(r: View) -> Any:
    owners = r.get("Owners")
    if not owners:
        return Fail("Owners" if r.present("Owners") else "", "the lookup does not restrict the image owner")
    return None


@rule("elb-drop-invalid-headers", title="Application load balancers drop invalid HTTP headers", severity="medium",
      types=["AWS::ElasticLoadBalancingV2::LoadBalancer"], area="infrastructure", category="hardening",
      wa=("SEC05-BP03",), fsbp=("ELB.4",),
      why="Headers that are not valid HTTP are used for request smuggling and header injection.",
      fix="Enable routing.http.drop_invalid_header_fields.enabled.", tf="drop_invalid_header_fields = true",
      cfn="LoadBalancerAttributes:\n  - Key: routing.http.drop_invalid_header_fields.enabled\n    Value: 'true'")
def drop_headers(r: View) -> Any:
    if str(r.get("Type", "application")) != "application":
        return Skip("only application load balancers parse HTTP headers")
    for p, a in r.items("LoadBalancerAttributes"):
        if isinstance(a, dict) and a.get("Key") == "routing.http.drop_invalid_header_fields.enabled":
            if str(a.get("Value")).lower() == "true":
                return None
            return Fail(f"{p}.Value", "invalid headers are forwarded", a.get("Value"))
    return Fail("LoadBalancerAttributes", "invalid headers are forwarded (the default)")


@rule("codebuild-source-credentials", title="CodeBuild source URLs hold no credentials", severity="critical",
      types=["AWS::CodeBuild::Project"], area="appsec", category="secret", wa=SECRETS, fsbp=("CodeBuild.1",),
      why="A user name and password or token in the source URL is stored in the project, shown in the console and "
          "logged with every build.",
      fix="Connect the source provider through CodeConnections or a source credential, and remove the credentials from "
          "the URL.", tf='source {\n  type     = "BITBUCKET"\n  location = "https://bitbucket.org/team/repo.git"\n}',
      cfn="Source:\n  Type: BITBUCKET\n  Location: https://bitbucket.org/team/repo.git")
def codebuild_source(r: View) -> Any:
    fails = []
    for path in ("Source.Location", *(f"{p}.Location" for p, _ in r.items("SecondarySources"))):
        url = r.get(path)
        if isinstance(url, str) and re.match(r"https?://[^/@\s]+:[^/@\s]+@", url):
            fails.append(Fail(path, "the source URL carries a user name and password (or token)", redact(url)))
    return fails


@rule("autoscaling-launch-template", title="Auto Scaling groups launch from launch templates", severity="medium",
      types=["AWS::AutoScaling::AutoScalingGroup"], area="infrastructure", category="hardening", wa=COMPUTE,
      fsbp=("AutoScaling.9",),
      why="Launch configurations are retired: they cannot require IMDSv2 on newer instance options, take no new "
          "features and cannot be versioned; launch templates can, and are where hardening is kept.",
      fix="Move the group to a launch template (aws autoscaling update-auto-scaling-group --launch-template).",
      tf='launch_template {\n  id      = aws_launch_template.web.id\n  version = "$Latest"\n}',
      cfn="LaunchTemplate:\n  LaunchTemplateId: !Ref WebTemplate\n  Version: !GetAtt WebTemplate.LatestVersionNumber")
def asg_template(r: View) -> Any:
    if r.present("LaunchConfigurationName"):
        return Fail("LaunchConfigurationName", "the group launches from a launch configuration")
    return None


@rule("batch-privileged-container", title="Batch job definitions do not run privileged containers", severity="high",
      types=["AWS::Batch::JobDefinition"], area="infrastructure", category="hardening", wa=COMPUTE,
      why="A privileged container has root on the host it runs on: every other job there, and the instance's role, "
          "are one step away.",
      fix="Remove privileged; grant the Linux capabilities the job needs instead.",
      tf='container_properties = jsonencode({\n  privileged = false\n})',
      cfn="ContainerProperties:\n  Privileged: false")
def batch_privileged(r: View) -> Any:
    paths = ["ContainerProperties"] + [f"{p}.Container" for p, _ in r.items("NodeProperties.NodeRangeProperties")]
    return [Fail(f"{p}.Privileged", "the container runs privileged", True) for p in paths
            if is_true(r.get(f"{p}.Privileged", False))]


expect("sagemaker-notebook-imdsv2", types=["AWS::SageMaker::NotebookInstance"],
       path="InstanceMetadataServiceConfiguration.MinimumInstanceMetadataServiceVersion",
       ok=lambda v: str(v).strip() == "2", default="1",
       message="the notebook answers IMDSv1 requests, which a forged request from its code can make",
       title="SageMaker notebook instances require IMDSv2", severity="high", area="infrastructure",
       category="hardening", wa=COMPUTE,
       why="A notebook runs whatever code its users paste in; with IMDSv1 any request forgery in it reads the "
           "instance role's credentials from the metadata service.",
       fix="Set the minimum instance metadata service version to 2.",
       tf='instance_metadata_service_configuration {\n  minimum_instance_metadata_service_version = "2"\n}',
       cfn='InstanceMetadataServiceConfiguration:\n  MinimumInstanceMetadataServiceVersion: "2"')


@rule("lambda-url-cors-open", title="Lambda function URLs do not let every website read their responses with credentials",
      severity="medium", types=["AWS::Lambda::Url"], area="appsec", category="exposure", wa=("SEC05-BP02",),
      why="CORS with AllowOrigins * lets any website's scripts call the function from a visitor's browser and read "
          "the answer; with credentials allowed too, the visitor's cookies go along.",
      fix="List the origins of your own front ends.",
      tf='cors {\n  allow_origins = ["https://app.example.com"]\n}', cfn="Cors:\n  AllowOrigins: [https://app.example.com]")
def lambda_cors(r: View) -> Any:
    origins = r.get("Cors.AllowOrigins")
    if isinstance(origins, list) and any(str(o).strip() == "*" for o in origins):
        return Fail("Cors.AllowOrigins", "every origin may read the function's responses", origins)
    return None


@rule("ecs-task-role-separate", title="ECS task definitions give the application a role other than the execution role",
      severity="medium", types=["AWS::ECS::TaskDefinition"], area="identity", category="access", wa=("SEC03-BP02",),
      why="The execution role pulls images and reads secrets for the agent; given to the application too, the "
          "application's code can read every secret of the task definition and pull any image the role reaches.",
      fix="Create a task role with only what the application calls.",
      tf="execution_role_arn = aws_iam_role.execution.arn\ntask_role_arn      = aws_iam_role.app.arn",
      cfn="ExecutionRoleArn: !GetAtt ExecutionRole.Arn\nTaskRoleArn: !GetAtt AppRole.Arn")
def task_role_separate(r: View) -> Any:
    execution, task = r.raw("ExecutionRoleArn"), r.raw("TaskRoleArn")
    if execution is None or task is None:
        return None
    same_ref = isinstance(execution, Unknown) and isinstance(task, Unknown) and execution.refs and \
        execution.refs == task.refs and execution.attr == task.attr
    if same_ref or (not isinstance(execution, Unknown) and not isinstance(task, Unknown) and execution == task):
        return Fail("TaskRoleArn", "the application runs with the execution role", task.text if isinstance(task, Unknown) else task)
    for path, v in (("ExecutionRoleArn", execution), ("TaskRoleArn", task)):
        if isinstance(v, Unknown) and not v.refs:
            r.get(path)  # a value nothing names (a parameter without default) is UNKNOWN; two references differ
    return None
