"""Custom rules run on a live account exactly as on code: same file, same statuses, same mappings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.live.conftest import REGIONS, config_dir

RULE = """id: acme-bucket-versioning-logged
extends: s3-bucket-versioning
title: Buckets are versioned and their access is logged
severity: high
check: {path: LoggingConfiguration.DestinationBucketName, exists: true}
message: versioned, but access is not logged
replaces: true
"""


def test_custom_and_extended_rules_on_the_emulated_account(emulator: Any, worlds: Any, tmp_path: Path) -> None:
    from wasec.scanning import ScanOptions, scan_aws
    from wasec.sources.aws import AwsOptions

    where = config_dir(tmp_path, "")
    (tmp_path / ".wasec" / "rules").mkdir()
    (tmp_path / ".wasec" / "rules" / "versioning.yml").write_text(
        RULE)
    (tmp_path / ".wasec" / "rules" / "named.yml").write_text(
        "id: acme-bucket-names\ntitle: Buckets are named by convention\nseverity: low\ntypes: [AWS::S3::Bucket]\n"
        "wa: [SEC07-BP01]\ncheck: {path: BucketName, matches: '-bucket$|^wasec-'}\n")
    (tmp_path / ".wasec" / "rules" / "names.rego").write_text(
        'package wasec.acme_no_bad\nimport rego.v1\nmetadata := {"id": "acme-no-bad-names", "title": "No bad names", '
        '"severity": "low", "types": ["AWS::S3::Bucket"]}\n'
        'deny contains "a bad name" if startswith(input.properties.BucketName, "bad-")\n')
    result = scan_aws(ScanOptions(config_dir=where), AwsOptions(regions=REGIONS, services=["s3"], max_rps=0, max_attempts=2))
    mine = {(f.rule_id, f.resource_id.rsplit(":", 1)[-1]): f.status.value for f in result.findings if f.rule_id.startswith("acme-")}
    assert mine[("acme-bucket-versioning-logged", "good-bucket")] == "PASS"
    assert mine[("acme-bucket-versioning-logged", "unversioned-bucket")] == "FAIL"  # versioned, access not logged
    assert mine[("acme-bucket-versioning-logged", "bad-bucket")] == "FAIL"  # suspended: the built-in check still applies
    assert mine[("acme-bucket-names", "good-bucket")] == "PASS" and mine[("acme-bucket-names", "wasec-logs")] == "PASS"
    assert mine[("acme-no-bad-names", "bad-bucket")] == "FAIL" and mine[("acme-no-bad-names", "good-bucket")] == "PASS"
    assert not [f for f in result.findings if f.rule_id == "s3-bucket-versioning"]
    rule = next(r for r in result.rules if r.id == "acme-bucket-names")
    assert rule.custom and rule.wa == ("SEC07-BP01",)

