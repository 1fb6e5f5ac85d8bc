"""Vulnerability management (SEC06-BP01) and hands-off operation (SEC06-BP03): patches applied, supported
versions, instances managed by Systems Manager."""

from __future__ import annotations

from typing import Any

from wasec.rules.pack._common import expect, is_true
from wasec.rules.registry import rule
from wasec.rules.view import Fail, Skip, View

PATCH = ("SEC06-BP01",)
_WHY = ("Minor versions carry the engine's security fixes; without automatic upgrades a known vulnerability stays "
        "until someone remembers to patch.")


def _auto_minor(id: str, types: tuple[str, ...], what: str, fsbp: tuple[str, ...], tf: str, cfn: str,
                default: Any = True, cis: tuple[str, ...] = (), applies: Any = None) -> None:
    """``default``: what the service does when the setting is not given (RDS, ElastiCache, DMS: upgrade)."""
    expect(id, types=types, path="AutoMinorVersionUpgrade", ok=is_true, default=default, applies=applies,
           message=f"minor engine upgrades are not applied automatically to the {what}",
           title=f"{what[0].upper()}{what[1:]} applies minor engine upgrades automatically", severity="medium",
           area="infrastructure", category="hardening", wa=PATCH, fsbp=fsbp, cis=cis, why=_WHY,
           fix="Turn on automatic minor version upgrades (applied in the maintenance window).", tf=tf, cfn=cfn)


_auto_minor("rds-auto-minor-version-upgrade", ("AWS::RDS::DBInstance",), "RDS DB instance", ("RDS.13",),
            "auto_minor_version_upgrade = true", "AutoMinorVersionUpgrade: true", cis=("3.2.2",))
_auto_minor("elasticache-auto-minor-version-upgrade",
            ("AWS::ElastiCache::CacheCluster", "AWS::ElastiCache::ReplicationGroup"), "ElastiCache cluster",
            ("ElastiCache.2",), "auto_minor_version_upgrade = true", "AutoMinorVersionUpgrade: true",
            applies=lambda r: not (r.type == "AWS::ElastiCache::CacheCluster" and r.present("ReplicationGroupId")))
_auto_minor("mq-auto-minor-version-upgrade", ("AWS::AmazonMQ::Broker",), "Amazon MQ broker", ("MQ.3",),
            "auto_minor_version_upgrade = true", "AutoMinorVersionUpgrade: true", default=False)
_auto_minor("dms-auto-minor-version-upgrade", ("AWS::DMS::ReplicationInstance",), "DMS replication instance",
            ("DMS.6",), "auto_minor_version_upgrade = true", "AutoMinorVersionUpgrade: true")
_auto_minor("rds-cluster-auto-minor-version-upgrade", ("AWS::RDS::DBCluster",), "RDS DB cluster", ("RDS.35",),
            "auto_minor_version_upgrade = true", "AutoMinorVersionUpgrade: true")
expect("redshift-version-upgrade", types=["AWS::Redshift::Cluster"], path="AllowVersionUpgrade", ok=is_true, default=True,
       message="engine version upgrades are not applied in the maintenance window",
       title="Redshift cluster applies engine version upgrades automatically", severity="medium", area="infrastructure",
       category="hardening", wa=PATCH, fsbp=("Redshift.6",), why=_WHY.replace("Minor versions", "New versions"),
       fix="Allow version upgrades during the maintenance window.", tf="allow_version_upgrade = true",
       cfn="AllowVersionUpgrade: true")


@rule("ec2-ssm-managed", title="EC2 instances are managed by Systems Manager", severity="medium",
      types=["AWS::EC2::Instance"], area="infrastructure", category="hardening", wa=(*PATCH, "SEC06-BP03", "SEC06-BP05"),
      scope="live", fsbp=("SSM.1",), needs=["Wasec::SSM::ManagedInstance"],
      why="A managed instance is patched, inventoried and reached through Session Manager (logged, no open port, no "
          "SSH key); an unmanaged one is patched and reached by hand, if at all.",
      fix="Install and run the SSM agent, and give the instance profile AmazonSSMManagedInstanceCore (or use Default "
          "Host Management Configuration).",
      tf='resource "aws_iam_role_policy_attachment" "ssm" {\n  role       = aws_iam_role.web.name\n'
         '  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"\n}',
      cfn="ManagedPolicyArns:\n  - arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")
def ssm_managed(r: View) -> Any:
    iid = r.id.rsplit("/", 1)[-1]
    if not any(m.properties.get("InstanceId") == iid for m in r.in_region("Wasec::SSM::ManagedInstance")):
        return Fail("", "Systems Manager does not manage the instance")
    return None


# the Fargate platform versions that are current (LATEST resolves to them)
_FARGATE_CURRENT = {"LINUX": ("LATEST", "1.4.0"), "WINDOWS_SERVER": ("LATEST", "1.0.0")}


@rule("ecs-fargate-platform-version", title="Fargate services run on the current platform version", severity="medium",
      types=["AWS::ECS::Service"], area="infrastructure", category="hardening", wa=PATCH, fsbp=("ECS.10",),
      why="The Fargate platform version is the kernel and container runtime the tasks run on; an old pinned version "
          "misses their security fixes.",
      fix="Use LATEST (or the newest version) and redeploy the service.", tf='platform_version = "LATEST"',
      cfn="PlatformVersion: LATEST")
def fargate_platform(r: View) -> Any:
    if str(r.get("LaunchType") or "").upper() != "FARGATE":
        return Skip("not a Fargate service")
    version = r.get("PlatformVersion")
    if version is None:
        return None  # LATEST
    family = str(r.get("PlatformFamily") or "LINUX").upper()
    family = "WINDOWS_SERVER" if family.startswith("WINDOWS") else "LINUX"
    if str(version).upper() not in _FARGATE_CURRENT[family]:
        return Fail("PlatformVersion", f"the service is pinned to Fargate platform {version}", version)
    return None


_GLUE_SUPPORTED = ("3.0", "4.0", "5.0")


expect("glue-job-supported-version", types=["AWS::Glue::Job"], path="GlueVersion",
       ok=lambda v: str(v) in _GLUE_SUPPORTED, default="0.9",
       applies=lambda r: str(r.get("Command.Name", "glueetl")).lower() in ("glueetl", "gluestreaming"),
       message="the Spark job runs on a Glue version that no longer gets fixes",
       title="Glue Spark jobs run on a supported Glue version", severity="medium", area="infrastructure",
       category="patching", wa=PATCH, fsbp=("Glue.4",),
       why="Glue 0.9, 1.0 and 2.0 are past end of support: their Spark, Python and libraries get no security fixes. A "
           "job created without a version runs on 0.9.",
       fix="Set the job's Glue version to 4.0 or 5.0.", tf='glue_version = "5.0"', cfn='GlueVersion: "5.0"')


# Amazon EKS Kubernetes release calendar (docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html,
# read 2026-12): each minor version's end of standard support, then of extended support (12 months later).
EKS_SUPPORT = {
    "1.23": ("2023-10-11", "2024-10-11"), "1.24": ("2024-01-31", "2025-01-31"), "1.25": ("2024-05-01", "2025-05-01"),
    "1.26": ("2024-06-11", "2025-06-11"), "1.27": ("2024-07-24", "2025-07-24"), "1.28": ("2024-11-26", "2025-11-26"),
    "1.29": ("2025-03-23", "2026-03-23"), "1.30": ("2025-07-23", "2026-07-23"), "1.31": ("2025-11-26", "2026-11-26"),
    "1.32": ("2026-03-23", "2027-03-23"), "1.33": ("2026-07-29", "2027-07-29"), "1.34": ("2026-12-02", "2027-12-02"),
    "1.35": ("2027-03-27", "2028-03-27"),
}


def _minor(version: str) -> tuple[int, int] | None:
    parts = version.strip().split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return None


_EKS_OLDEST = min(m for m in map(_minor, EKS_SUPPORT) if m is not None)


@rule("eks-supported-version", title="EKS clusters run a Kubernetes version in standard support", severity="high",
      types=["AWS::EKS::Cluster"], area="infrastructure", category="hardening", wa=PATCH, fsbp=("EKS.2",),
      why="Past the end of standard support a version gets only extended support (billed, and for a year), then "
          "no fixes at all and a forced upgrade: its known vulnerabilities stay open on the control plane.",
      fix="Upgrade the cluster one minor version at a time to a version in standard support.",
      tf='version = "1.34"', cfn='Version: "1.34"')
def eks_version(r: View) -> Any:
    import datetime

    v = r.get("Version")
    if v is None:
        return None  # EKS creates the newest version
    minor = _minor(str(v))
    if minor is None:
        return Fail("Version", "not a Kubernetes minor version", v)
    key = f"{minor[0]}.{minor[1]}"
    now = datetime.date.today().isoformat()
    if key not in EKS_SUPPORT:
        if minor < _EKS_OLDEST:
            return Fail("Version", f"Kubernetes {key} is no longer supported by EKS", v)
        return None  # newer than this calendar: released after it
    standard, extended = EKS_SUPPORT[key]
    if now >= extended:
        return Fail("Version", f"Kubernetes {key} left EKS support on {extended} (clusters are upgraded by force)", v)
    if now >= standard:
        return Fail("Version", f"Kubernetes {key} left standard support on {standard}; extended support ends {extended}", v)
    return None


@rule("elasticbeanstalk-managed-updates", title="Elastic Beanstalk environments apply platform updates automatically",
      severity="high", types=["AWS::ElasticBeanstalk::Environment"], area="infrastructure", category="hardening",
      wa=(*PATCH, "SEC06-BP03"),
      why="Platform updates carry the OS, runtime and web server patches; environments created through the API or "
          "CloudFormation do not take them unless managed actions are turned on.",
      fix="Enable managed actions with a weekly maintenance window and the minor update level.",
      tf='setting {\n  namespace = "aws:elasticbeanstalk:managedactions"\n  name      = "ManagedActionsEnabled"\n'
         '  value     = "true"\n}\nsetting {\n  namespace = "aws:elasticbeanstalk:managedactions"\n'
         '  name      = "PreferredStartTime"\n  value     = "Sun:02:00"\n}\nsetting {\n'
         '  namespace = "aws:elasticbeanstalk:managedactions:platformupdate"\n  name      = "UpdateLevel"\n  value     = "minor"\n}',
      cfn="OptionSettings:\n  - Namespace: aws:elasticbeanstalk:managedactions\n    OptionName: ManagedActionsEnabled\n"
          "    Value: 'true'\n  - Namespace: aws:elasticbeanstalk:managedactions\n    OptionName: PreferredStartTime\n"
          "    Value: Sun:02:00\n  - Namespace: aws:elasticbeanstalk:managedactions:platformupdate\n"
          "    OptionName: UpdateLevel\n    Value: minor")
def beanstalk_updates(r: View) -> Any:
    for p, o in r.items("OptionSettings"):
        if isinstance(o, dict) and o.get("Namespace") == "aws:elasticbeanstalk:managedactions" \
                and o.get("OptionName") == "ManagedActionsEnabled":
            value = r.get(f"{p}.Value")
            return None if is_true(value) else Fail(f"{p}.Value", "managed platform updates are turned off", value)
    return Fail("OptionSettings" if r.present("OptionSettings") else "", "managed platform updates are not turned on")


_OLD_CA = ("rds-ca-2015", "rds-ca-2019")


@rule("rds-ca-certificate-current", title="RDS instances use a current certificate authority", severity="medium",
      types=["AWS::RDS::DBInstance"], area="data", category="encryption", wa=("SEC09-BP01", "SEC06-BP01"),
      why="rds-ca-2019 expired in August 2024: clients that verify the server certificate fail or stop verifying, and "
          "TLS that does not verify the server can be intercepted.",
      fix="Use rds-ca-rsa2048-g1 (or the rsa4096 / ecc384 authorities) and update the clients' trust store.",
      tf='ca_cert_identifier = "rds-ca-rsa2048-g1"', cfn="CACertificateIdentifier: rds-ca-rsa2048-g1")
def rds_ca(r: View) -> Any:
    v = r.get("CACertificateIdentifier")
    if isinstance(v, str) and v.strip().lower() in _OLD_CA:
        return Fail("CACertificateIdentifier", f"{v} has expired", v)
    return None
