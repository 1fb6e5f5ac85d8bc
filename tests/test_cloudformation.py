"""CloudFormation and SAM templates into canonical resources, on real files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import scan_paths
from wasec.model.values import Unknown
from wasec.scanning import ScanResult
from wasec.sources.cloudformation import load_template

TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env: {Type: String, Default: prod}
  Owner: {Type: String}
  Zones: {Type: CommaDelimitedList, Default: "a,b"}
Mappings:
  Sizes:
    prod: {Retention: 365}
    dev: {Retention: 7}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub "/app/${Env}"
      RetentionInDays: !FindInMap [Sizes, !Ref Env, Retention]
      KmsKeyId: !GetAtt Key.Arn
  Key:
    Type: AWS::KMS::Key
    Properties:
      Description: !Join ["-", [key, !Ref Env, !Select [1, !Ref Zones]]]
      EnableKeyRotation: !If [IsProd, true, false]
  DevOnly:
    Type: AWS::SQS::Queue
    Condition: IsDev
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${AWS::AccountId}-${Owner}"
      Tags:
        - {Key: DataClassification, Value: confidential}
        - {Key: Parts, Value: !Select [0, !Split [",", "x,y"]]}
  Policy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Statement:
          - Effect: Deny
            Principal: "*"
            Action: "s3:*"
            Resource: !Sub "${Bucket.Arn}/*"
"""


def test_intrinsics_parameters_conditions_and_lines(write: Callable[..., Path], tmp_path: Path) -> None:
    write({"t.yaml": TEMPLATE})
    resources, problems = load_template(str(tmp_path / "t.yaml"))
    res = {r.id: r for r in resources}
    assert not problems
    assert "DevOnly" not in res  # condition false
    logs = res["Logs"]
    assert logs.properties["LogGroupName"] == "/app/prod"
    assert logs.properties["RetentionInDays"] == 365
    key_ref = logs.properties["KmsKeyId"]
    assert isinstance(key_ref, Unknown) and key_ref.refs == ("Key",)
    assert res["Key"].properties["Description"] == "key-prod-b"
    assert res["Key"].properties["EnableKeyRotation"] is True
    bucket = res["Bucket"]
    name = bucket.properties["BucketName"]
    assert isinstance(name, Unknown) and name.text is not None and "${AWS::AccountId}" in name.text
    assert bucket.tags["DataClassification"] == "confidential" and bucket.tags["Parts"] == "x"
    assert bucket.properties["PolicyDocument"]["Statement"][0]["Effect"] == "Deny"  # BucketPolicy merged
    loc = bucket.loc(("PolicyDocument", "Statement", 0, "Effect"))
    assert loc is not None and loc.line == 41
    assert bucket.loc(("BucketName",)).line == 31  # type: ignore[union-attr]


def test_parameter_values_can_be_given(write: Callable[..., Path], tmp_path: Path) -> None:
    write({"t.yaml": TEMPLATE})
    resources, _ = load_template(str(tmp_path / "t.yaml"), {"Env": "dev", "Owner": "me"})
    res = {r.id: r for r in resources}
    assert "DevOnly" in res and res["Logs"].properties["RetentionInDays"] == 7
    assert res["Key"].properties["EnableKeyRotation"] is False


def test_json_templates_keep_lines(write: Callable[..., Path], tmp_path: Path) -> None:
    doc = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"KmsMasterKeyId": {"Ref": "AWS::NoValue"},
                                                                          "QueueName": {"Fn::Join": ["", ["a", "b"]]}}}}}
    write({"t.json": json.dumps(doc, indent=2)})
    (q,), problems = load_template(str(tmp_path / "t.json"))
    assert not problems
    assert q.properties == {"QueueName": "ab"}  # AWS::NoValue removes the property
    assert q.loc(("QueueName",)).line == 9  # type: ignore[union-attr]


def test_sam_function_expands_into_function_and_role(write: Callable[..., Path], tmp_path: Path) -> None:
    write({"sam.yaml": """Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Tracing: Active
      Policies:
        - AmazonS3ReadOnlyAccess
        - SQSPollerPolicy: {QueueName: q}
        - Statement:
            - Effect: Allow
              Action: dynamodb:*
              Resource: "*"
"""})
    resources, _ = load_template(str(tmp_path / "sam.yaml"))
    res = {r.id: r for r in resources}
    fn, role = res["Fn"], res["FnRole"]
    assert fn.type == "AWS::Lambda::Function" and fn.properties["Runtime"] == "python3.12"
    assert fn.properties["TracingConfig"] == {"Mode": "Active"}
    assert role.type == "AWS::IAM::Role"
    assert "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" in role.properties["ManagedPolicyArns"]
    docs = [p["PolicyDocument"] for p in role.properties["Policies"]]
    assert any(d["Statement"][0]["Action"] == "dynamodb:*" for d in docs)
    assert role.loc(("Policies", 1, "PolicyDocument", "Statement", 0, "Action")).line == 16  # type: ignore[union-attr]


def test_iam_policy_and_security_group_rules_merge(write: Callable[..., Path], tmp_path: Path) -> None:
    write({"t.yaml": """Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: []}
  Inline:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: p
      Roles: [!Ref Role]
      PolicyDocument: {Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}
  SG:
    Type: AWS::EC2::SecurityGroup
    Properties: {GroupDescription: d}
  Rule:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {GroupId: !Ref SG, IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}
"""})
    resources, _ = load_template(str(tmp_path / "t.yaml"))
    res = {r.id: r for r in resources}
    assert set(res) == {"Role", "SG"}
    assert res["Role"].properties["Policies"][0]["PolicyName"] == "p"
    assert res["SG"].properties["SecurityGroupIngress"][0]["FromPort"] == 22
    assert res["SG"].loc(("SecurityGroupIngress", 0, "FromPort")).line == 17  # type: ignore[union-attr]


def test_bad_references_are_reported_and_the_rest_loads(write: Callable[..., Path], tmp_path: Path) -> None:
    write({"t.yaml": "Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !Ref Missing\n  B:\n    Type: AWS::SNS::Topic\n"})
    resources, problems = load_template(str(tmp_path / "t.yaml"))
    assert {r.id for r in resources} == {"A", "B"}
    assert any("Missing" in p.message and p.line == 5 for p in problems)


_KEYS = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  QueueKey:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
Outputs:
  QueueKeyArn:
    Value: !GetAtt QueueKey.Arn
    Export:
      Name: !Sub "${AWS::StackName}-QueueKeyArn"
  ManagedAlias:
    Value: alias/aws/sqs
    Export:
      Name: shared-managed-alias
"""

_APP = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  KeysStack:
    Type: String
    Default: keys
Resources:
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !ImportValue
        Fn::Sub: "${KeysStack}-QueueKeyArn"
  Audit:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !ImportValue shared-managed-alias
  Elsewhere:
    Type: AWS::SQS::Queue
    Properties:
      KmsMasterKeyId: !ImportValue not-exported-here
"""


def _queue_cmk(result: ScanResult) -> dict[str, tuple[str, str]]:
    return {f.resource_id: (f.status.value, f.message) for f in result.findings if f.rule_id == "sqs-queue-kms-cmk"}


def test_import_value_reads_the_export_of_another_scanned_template(write: Callable[..., Path], tmp_path: Path) -> None:
    """Fn::ImportValue is the exported value when the exporting template is scanned too: a literal decides the rule, a
    resource of the other template is followed, an export no scanned template declares stays unknown."""
    root = write({"keys.yaml": _KEYS, "app.yaml": _APP})
    got = _queue_cmk(scan_paths(root))
    assert got["Orders"][0] == "PASS"  # ${AWS::StackName}-QueueKeyArn matches keys-QueueKeyArn: the key declared there
    assert got["Audit"][0] == "FAIL"  # the AWS managed alias, exported as a literal
    assert got["Elsewhere"][0] == "UNKNOWN" and "no scanned template exports it" in got["Elsewhere"][1]
    alone = _queue_cmk(scan_paths(root / "app.yaml", root=root))  # without the exporting template, nothing is decided
    assert {s for s, _ in alone.values()} == {"UNKNOWN"}


def test_import_value_matching_several_exports_stays_unknown(write: Callable[..., Path], tmp_path: Path) -> None:
    root = write({"keys.yaml": _KEYS, "keys-copy.yaml": _KEYS, "app.yaml": _APP})
    got = _queue_cmk(scan_paths(root))
    assert got["Orders"][0] == "UNKNOWN" and "2 scanned templates export a matching name" in got["Orders"][1]


def test_import_value_prefers_the_exporting_template_beside_the_importer(write: Callable[..., Path], tmp_path: Path) -> None:
    """A tree that ships each stack as JSON and YAML, or one per folder, exports every name more than once: the
    template beside the importer and in its format is the one meant."""
    keys_json = json.dumps({"Resources": {"QueueKey": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": True}}},
                            "Outputs": {"QueueKeyArn": {"Value": "alias/aws/sqs",
                                                        "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-QueueKeyArn"}}}}})
    root = write({"svc/keys.yaml": _KEYS, "svc/keys.json": keys_json, "svc/app.yaml": _APP, "other/keys.yaml": _KEYS})
    got = _queue_cmk(scan_paths(root))
    assert got["Orders"][0] == "PASS"  # svc/keys.yaml: beside app.yaml and in YAML (the JSON twin exports a managed alias)


def test_export_names_with_unknown_parts_match_by_their_fixed_parts_in_one_pass() -> None:
    """${…} parts stand for at least one character each; a name that is all unknown parts matches nothing."""
    from wasec.sources.cloudformation.exports import Exports, _fits

    assert _fits(["", "-QueueKeyArn"], "keys-QueueKeyArn") and not _fits(["", "-QueueKeyArn"], "-QueueKeyArn")
    assert _fits(["a", "b", "c"], "axbyc") and not _fits(["a", "b", "c"], "abc") and not _fits(["a", "b", "c"], "axbc")
    exports = Exports()
    exports.add("net.yaml", Unknown("stack name", text="${AWS::StackName}-${AWS::Region}"), "vpc-1")  # all unknown
    exports.add("net.yaml", Unknown("stack name", text="${AWS::StackName}-VpcId"), "vpc-2")
    exports.complete = True
    assert exports.lookup("app.yaml", "prod-VpcId") == "vpc-2"
    assert isinstance(exports.lookup("app.yaml", "prod-eu-west-1"), Unknown)
    # a hostile importer: a long name against many patterns is decided at once, not by regex backtracking
    for k in range(50):
        exports.add(f"t{k}.yaml", Unknown("x", text="-".join(["${AWS::StackName}"] * 4) + "-" + "a" * 100), "v")
    assert isinstance(exports.lookup("app.yaml", "-".join(["b"] * 120)), Unknown)
