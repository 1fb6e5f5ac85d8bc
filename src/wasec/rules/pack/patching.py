"""Vulnerability management of managed engines (SEC06-BP01): patches applied, supported versions."""

from __future__ import annotations

from typing import Any

from wasec.rules.pack._common import expect, is_true
from wasec.rules.view import View  # noqa: F401  (the type the applies= callables take)

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
expect("redshift-version-upgrade", types=["AWS::Redshift::Cluster"], path="AllowVersionUpgrade", ok=is_true, default=True,
       message="engine version upgrades are not applied in the maintenance window",
       title="Redshift cluster applies engine version upgrades automatically", severity="medium", area="infrastructure",
       category="hardening", wa=PATCH, fsbp=("Redshift.6",), why=_WHY.replace("Minor versions", "New versions"),
       fix="Allow version upgrades during the maintenance window.", tf="allow_version_upgrade = true",
       cfn="AllowVersionUpgrade: true")
