"""Where workloads run (SEC05-BP01): inside the VPC's network layers, with public access blocked."""

from __future__ import annotations

from typing import Any

from wasec.rules.pack._common import expect, is_true
from wasec.rules.registry import rule
from wasec.rules.view import Fail, View

LAYERS = ("SEC05-BP01",)


@rule("lambda-in-vpc", title="Lambda functions run in a VPC", severity="low", types=["AWS::Lambda::Function"],
      area="infrastructure", category="network", wa=(*LAYERS, "SEC05-BP02"), fsbp=("Lambda.3",),
      why="A function outside a VPC reaches the internet directly, beyond security groups, network ACLs, flow logs "
          "and VPC endpoint policies.",
      fix="Attach the function to private subnets (with VPC endpoints or NAT for what it calls).",
      tf="vpc_config {\n  subnet_ids         = module.vpc.private_subnets\n  security_group_ids = [aws_security_group.fn.id]\n}",
      cfn="VpcConfig:\n  SubnetIds: !Ref PrivateSubnets\n  SecurityGroupIds: [!Ref FunctionSg]")
def lambda_vpc(r: View) -> Any:
    subnets = r.get("VpcConfig.SubnetIds")
    if not subnets:
        return Fail("VpcConfig" if r.present("VpcConfig") else "", "the function does not run in a VPC")
    return None


expect("sagemaker-notebook-in-vpc", types=["AWS::SageMaker::NotebookInstance"], path="SubnetId",
       message="the notebook instance is not in a VPC", title="SageMaker notebook instances run in a VPC",
       severity="high", area="infrastructure", category="network", wa=LAYERS, fsbp=("SageMaker.2",),
       why="A notebook outside a VPC is reachable and reaches out beyond the VPC's controls, with the data it reads.",
       fix="Launch the notebook in a private subnet with a security group.", tf="subnet_id = aws_subnet.private.id",
       cfn="SubnetId: !Ref PrivateSubnet")


@rule("emr-block-public-access", title="EMR block public access is on", severity="critical",
      types=["Wasec::EMR::BlockPublicAccessConfiguration"], area="infrastructure", category="exposure", wa=LAYERS,
      fsbp=("EMR.2",),
      why="Block public access stops any EMR cluster from starting with a security group open to the internet (other "
          "than the ports you list), account-wide.",
      fix="Turn EMR block public access on in every region (port 22 exceptions only if you must).",
      tf='resource "aws_emr_block_public_access_configuration" "this" {\n  block_public_security_group_rules = true\n}',
      cfn="# EMR block public access is an account setting (aws emr put-block-public-access-configuration)")
def emr_bpa(r: View) -> Any:
    if not is_true(r.get("BlockPublicSecurityGroupRules", False)):
        return Fail("BlockPublicSecurityGroupRules", "EMR clusters may start with security groups open to the internet")
    return None
