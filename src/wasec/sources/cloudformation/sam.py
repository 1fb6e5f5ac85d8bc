"""The AWS SAM transform, for what security rules read.

SAM resources expand into the CloudFormation resources AWS deploys for them: a function into a
Lambda function (and, without a ``Role``, an execution role holding its ``Policies``), an API into a
REST API and a stage, a simple table into a DynamoDB table, a state machine into a Step Functions
state machine (and a role). Generated resources keep the source lines of the SAM properties they
come from.
"""

from __future__ import annotations

from typing import Any

from wasec.model.values import Unknown

PathKey = tuple[str | int, ...]

_LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}],
}
_STATES_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": ["states.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}],
}

# SAM policy templates most used in practice, with the permissions they grant.
POLICY_TEMPLATES: dict[str, list[str]] = {
    "S3ReadPolicy": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion", "s3:GetLifecycleConfiguration"],
    "S3WritePolicy": ["s3:PutObject", "s3:PutObjectAcl", "s3:PutLifecycleConfiguration"],
    "S3CrudPolicy": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion", "s3:PutObject",
                     "s3:PutObjectAcl", "s3:GetLifecycleConfiguration", "s3:PutLifecycleConfiguration", "s3:DeleteObject"],
    "DynamoDBReadPolicy": ["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"],
    "DynamoDBWritePolicy": ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"],
    "DynamoDBCrudPolicy": ["dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Scan", "dynamodb:Query",
                           "dynamodb:UpdateItem", "dynamodb:BatchWriteItem", "dynamodb:BatchGetItem",
                           "dynamodb:DescribeTable", "dynamodb:ConditionCheckItem"],
    "SQSSendMessagePolicy": ["sqs:SendMessage*"],
    "SQSPollerPolicy": ["sqs:ChangeMessageVisibility", "sqs:ChangeMessageVisibilityBatch", "sqs:DeleteMessage",
                        "sqs:DeleteMessageBatch", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"],
    "SNSPublishMessagePolicy": ["sns:Publish"],
    "LambdaInvokePolicy": ["lambda:InvokeFunction"],
    "KMSDecryptPolicy": ["kms:Decrypt"],
    "KMSEncryptPolicy": ["kms:Encrypt"],
    "SSMParameterReadPolicy": ["ssm:DescribeParameters", "ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath"],
    "AWSSecretsManagerGetSecretValuePolicy": ["secretsmanager:GetSecretValue"],
    "StepFunctionsExecutionPolicy": ["states:StartExecution"],
    "EventBridgePutEventsPolicy": ["events:PutEvents"],
    "CloudWatchPutMetricPolicy": ["cloudwatch:PutMetricData"],
    "VPCAccessPolicy": ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:DescribeNetworkInterfaces",
                        "ec2:DetachNetworkInterface"],
}


class Generated:
    """A resource produced by the transform, with its properties' source paths."""

    def __init__(self, logical_id: str, type_: str, props: dict[str, Any], source_id: str) -> None:
        self.id = logical_id
        self.type = type_
        self.props = props
        self.source_id = source_id
        self.paths: dict[PathKey, PathKey] = {}  # generated path -> SAM property path

    def map(self, path: PathKey, sam_path: PathKey) -> None:
        self.paths[path] = sam_path


def _copy(src: dict[str, Any], out: Generated, table: dict[str, str]) -> None:
    for sam, cfn in table.items():
        if sam in src:
            out.props[cfn] = src[sam]
            out.map((cfn,), (sam,))


def _policies_to_role(role: Generated, policies: Any, trust: dict[str, Any]) -> None:
    role.props["AssumeRolePolicyDocument"] = trust
    managed: list[Any] = []
    inline: list[dict[str, Any]] = []
    items = policies if isinstance(policies, list) else [policies] if policies is not None else []
    for i, p in enumerate(items):
        if isinstance(p, str):
            managed.append(p if p.startswith("arn:") else f"arn:aws:iam::aws:policy/{p}")
            role.map(("ManagedPolicyArns", len(managed) - 1), ("Policies", i))
        elif isinstance(p, dict) and "Statement" in p:
            inline.append({"PolicyName": f"{role.source_id}Policy{i}", "PolicyDocument": p})
            role.map(("Policies", len(inline) - 1), ("Policies", i))
            role.map(("Policies", len(inline) - 1, "PolicyDocument"), ("Policies", i))
        elif isinstance(p, dict) and len(p) == 1:
            (name, _args), = p.items()
            actions = POLICY_TEMPLATES.get(str(name))
            doc: Any
            if actions is None:
                doc = Unknown(f"SAM policy template {name} is not known to wasec")
            else:
                doc = {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Action": actions,
                    "Resource": Unknown(f"resources scoped by the {name} template", nonnull=True),
                }]}
            inline.append({"PolicyName": f"{role.source_id}{name}", "PolicyDocument": doc})
            role.map(("Policies", len(inline) - 1), ("Policies", i))
        elif isinstance(p, Unknown):
            inline.append({"PolicyName": f"{role.source_id}Policy{i}", "PolicyDocument": p})
            role.map(("Policies", len(inline) - 1), ("Policies", i))
    if managed:
        role.props["ManagedPolicyArns"] = managed
    if inline:
        role.props["Policies"] = inline


def transform(logical_id: str, type_: str, props: dict[str, Any], globals_: dict[str, Any]) -> list[Generated]:
    """Expand one SAM resource; returns [] for types wasec does not expand."""
    section = {"AWS::Serverless::Function": "Function", "AWS::Serverless::Api": "Api",
               "AWS::Serverless::HttpApi": "HttpApi", "AWS::Serverless::SimpleTable": "SimpleTable"}.get(type_)
    if section and isinstance(globals_.get(section), dict):
        props = {**globals_[section], **props}
    fn = _TRANSFORMS.get(type_)
    return fn(logical_id, props) if fn else []


def _function(lid: str, p: dict[str, Any]) -> list[Generated]:
    f = Generated(lid, "AWS::Lambda::Function", {}, lid)
    _copy(p, f, {"FunctionName": "FunctionName", "Runtime": "Runtime", "Handler": "Handler", "Role": "Role",
                 "Environment": "Environment", "KmsKeyArn": "KmsKeyArn", "VpcConfig": "VpcConfig",
                 "ReservedConcurrentExecutions": "ReservedConcurrentExecutions", "Layers": "Layers",
                 "PackageType": "PackageType", "CodeSigningConfigArn": "CodeSigningConfigArn"})
    if "Tracing" in p:
        f.props["TracingConfig"] = {"Mode": p["Tracing"]}
        f.map(("TracingConfig",), ("Tracing",))
    if "DeadLetterQueue" in p and isinstance(p["DeadLetterQueue"], dict):
        f.props["DeadLetterConfig"] = {"TargetArn": p["DeadLetterQueue"].get("TargetArn")}
        f.map(("DeadLetterConfig",), ("DeadLetterQueue",))
    out = [f]
    if "Role" not in p:
        role = Generated(f"{lid}Role", "AWS::IAM::Role", {}, lid)
        role.map((), ("Policies",) if "Policies" in p else ())
        _policies_to_role(role, p.get("Policies"), _LAMBDA_TRUST)
        basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
        role.props.setdefault("ManagedPolicyArns", []).insert(0, basic)
        f.props["Role"] = Unknown(f"{lid}Role.Arn is known only after deployment", nonnull=True, refs=(f"{lid}Role",))
        out.append(role)
    url = p.get("FunctionUrlConfig")
    if isinstance(url, dict):
        u = Generated(f"{lid}Url", "AWS::Lambda::Url", {"TargetFunctionArn": Unknown(f"{lid}.Arn", nonnull=True, refs=(lid,))}, lid)
        if "AuthType" in url:
            u.props["AuthType"] = url["AuthType"]
            u.map(("AuthType",), ("FunctionUrlConfig", "AuthType"))
        u.map((), ("FunctionUrlConfig",))
        out.append(u)
    return out


def _method_settings(v: Any) -> Any:
    if isinstance(v, dict):
        return [v]
    return v


def _api(lid: str, p: dict[str, Any]) -> list[Generated]:
    api = Generated(lid, "AWS::ApiGateway::RestApi", {}, lid)
    _copy(p, api, {"Name": "Name", "EndpointConfiguration": "EndpointConfiguration"})
    stage = Generated(f"{lid}Stage", "AWS::ApiGateway::Stage", {"RestApiId": Unknown(lid, nonnull=True, refs=(lid,))}, lid)
    _copy(p, stage, {"StageName": "StageName", "TracingEnabled": "TracingEnabled", "AccessLogSetting": "AccessLogSetting",
                     "CacheClusterEnabled": "CacheClusterEnabled"})
    if "MethodSettings" in p:
        stage.props["MethodSettings"] = _method_settings(p["MethodSettings"])
        stage.map(("MethodSettings",), ("MethodSettings",))
    stage.map((), ("StageName",) if "StageName" in p else ())
    out = [api, stage]
    dom = p.get("Domain")
    if isinstance(dom, dict):
        d = Generated(f"{lid}DomainName", "AWS::ApiGateway::DomainName", {}, lid)
        _copy(dom, d, {"DomainName": "DomainName", "SecurityPolicy": "SecurityPolicy"})
        d.paths = {k: ("Domain", *v) for k, v in d.paths.items()}
        d.map((), ("Domain",))
        out.append(d)
    return out


def _http_api(lid: str, p: dict[str, Any]) -> list[Generated]:
    api = Generated(lid, "AWS::ApiGatewayV2::Api", {"ProtocolType": "HTTP"}, lid)
    _copy(p, api, {"Name": "Name"})
    stage = Generated(f"{lid}Stage", "AWS::ApiGatewayV2::Stage", {"ApiId": Unknown(lid, nonnull=True, refs=(lid,)),
                                                                   "StageName": p.get("StageName", "$default")}, lid)
    _copy(p, stage, {"AccessLogSettings": "AccessLogSettings", "DefaultRouteSettings": "DefaultRouteSettings"})
    stage.map((), ("StageName",) if "StageName" in p else ())
    out = [api, stage]
    dom = p.get("Domain")
    if isinstance(dom, dict):
        d = Generated(f"{lid}DomainName", "AWS::ApiGatewayV2::DomainName", {
            "DomainName": dom.get("DomainName"),
            "DomainNameConfigurations": [{"SecurityPolicy": dom.get("SecurityPolicy", "TLS_1_2")}],
        }, lid)
        d.map((), ("Domain",))
        out.append(d)
    return out


def _simple_table(lid: str, p: dict[str, Any]) -> list[Generated]:
    t = Generated(lid, "AWS::DynamoDB::Table", {}, lid)
    _copy(p, t, {"TableName": "TableName", "SSESpecification": "SSESpecification"})
    return [t]


def _state_machine(lid: str, p: dict[str, Any]) -> list[Generated]:
    sm = Generated(lid, "AWS::StepFunctions::StateMachine", {}, lid)
    _copy(p, sm, {"Name": "StateMachineName", "Definition": "Definition", "Role": "RoleArn",
                  "Logging": "LoggingConfiguration", "Tracing": "TracingConfiguration"})
    out = [sm]
    if "Policies" in p:
        role = Generated(f"{lid}Role", "AWS::IAM::Role", {}, lid)
        role.map((), ("Policies",))
        _policies_to_role(role, p.get("Policies"), _STATES_TRUST)
        out.append(role)
    return out


_TRANSFORMS = {
    "AWS::Serverless::Function": _function,
    "AWS::Serverless::Api": _api,
    "AWS::Serverless::HttpApi": _http_api,
    "AWS::Serverless::SimpleTable": _simple_table,
    "AWS::Serverless::StateMachine": _state_machine,
}
