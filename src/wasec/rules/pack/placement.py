"""Where workloads run (SEC05-BP01): inside the VPC's network layers, with public access blocked."""

from __future__ import annotations

from typing import Any

from wasec.model.values import Unknown
from wasec.rules.pack._common import expect, is_true
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Unsure, View

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


expect("sagemaker-model-network-isolation", types=["AWS::SageMaker::Model"], path="EnableNetworkIsolation", ok=is_true,
       default=False, message="the model's containers may make outbound network calls",
       title="SageMaker models run with network isolation", severity="medium", area="infrastructure",
       category="network", wa=LAYERS, fsbp=("SageMaker.5",),
       why="A model container is third-party code more often than not; network isolation stops it from calling out "
           "with the data it is given to score.",
       fix="Enable network isolation on the model (its artifacts and data are still passed in by SageMaker).",
       tf="enable_network_isolation = true", cfn="EnableNetworkIsolation: true")


def public_subnet(r: View, path: str) -> bool | Unsure:
    """Whether the subnet at ``path`` gives new interfaces public addresses (Unsure when the subnet is not here)."""
    ref = r.raw(path)
    subnet = r.resolve(ref, "AWS::EC2::Subnet")
    if subnet is None:
        if isinstance(ref, Unknown) and not ref.refs:
            r.get(path)  # raises: the rule is UNKNOWN
        return Unsure(f"subnet {getattr(ref, 'text', None) or ref} is not in the scanned code or account", path)
    return is_true(subnet.properties.get("MapPublicIpOnLaunch", False))


@rule("efs-mount-target-private-subnet", title="EFS mount targets are in private subnets", severity="medium",
      types=["AWS::EFS::MountTarget"], needs=["AWS::EC2::Subnet"], area="infrastructure", category="network", wa=LAYERS, fsbp=("EFS.6",),
      why="A mount target in a subnet that hands out public addresses sits next to internet-facing instances; NFS "
          "belongs in the private layer, reachable only from the clients that mount it.",
      fix="Create mount targets in private subnets (MapPublicIpOnLaunch false).",
      tf="subnet_id = aws_subnet.private.id", cfn="SubnetId: !Ref PrivateSubnet")
def efs_mount_subnet(r: View) -> Any:
    public = public_subnet(r, "SubnetId")
    if isinstance(public, Unsure):
        return public
    if public:
        return Fail("SubnetId", "the mount target is in a subnet that assigns public IP addresses")
    return None


@rule("emr-primary-no-public-ip", title="EMR primary nodes have no public IP address", severity="high",
      types=["AWS::EMR::Cluster"], needs=["AWS::EC2::Subnet"], area="infrastructure", category="exposure",
      wa=(*LAYERS, "SEC03-BP07"),
      fsbp=("EMR.1",),
      why="The primary node runs Hadoop, YARN and notebook web interfaces with little authentication; with a public "
          "address, one security group rule is all that separates them from the internet.",
      fix="Launch clusters in private subnets and reach them through Session Manager or a bastion.",
      tf="ec2_attributes {\n  subnet_id = aws_subnet.private.id\n}",
      cfn="Instances:\n  Ec2SubnetId: !Ref PrivateSubnet")
def emr_public(r: View) -> Any:
    dns = str(r.get("MasterPublicDnsName") or "")
    if dns.startswith("ec2-"):
        return Fail("MasterPublicDnsName", "the primary node has a public address", dns)
    path = "Instances.Ec2SubnetId" if r.present("Instances.Ec2SubnetId") else "Instances.Ec2SubnetIds.0"
    if not r.present(path):
        return Fail("Instances", "no subnet is given: the cluster starts in the default VPC's public subnets")
    public = public_subnet(r, path)
    if isinstance(public, Unsure):
        return public
    if public:
        return Fail(path, "the cluster's subnet assigns public IP addresses to its nodes")
    return None
