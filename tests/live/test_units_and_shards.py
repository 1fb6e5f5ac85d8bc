"""Scan units, shards, merge and resume, against the emulator: an organisation of three accounts in two
regions, with latency and throttling injected. The merged shards must equal the single-process scan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.live.conftest import ORG_MANAGEMENT as MANAGEMENT
from tests.live.conftest import ORG_REGIONS as REGIONS
from wasec.errors import UsageError
from wasec.scanning import ScanOptions, merge_results, scan_aws
from wasec.sources.aws import AwsOptions

SERVICES = ["ec2", "sqs", "s3"]


def _aws(**kw: Any) -> AwsOptions:
    return AwsOptions(regions=REGIONS, services=SERVICES, max_rps=0, max_attempts=8, org=True, org_role="Audit",
                      role_arn=f"arn:aws:iam::{MANAGEMENT}:role/wasec-org", **kw)


def _view(result: Any) -> set[tuple[Any, ...]]:
    return {(f.rule_id, f.resource_id, f.status.value, f.account, f.region, f.message) for f in result.findings}


def test_shards_merged_equal_the_single_process_scan(org: list[str], weather: Any, tmp_path: Path) -> None:
    whole = scan_aws(ScanOptions(), _aws())
    assert sorted(whole.coverage.accounts) == sorted(org)
    assert {f.account for f in whole.findings if f.rule_id == "sg-admin-ports-open" and f.status.value == "FAIL"} == set(org)
    dirs = [str(tmp_path / f"s{i}") for i in range(3)]
    for i, d in enumerate(dirs):
        part = scan_aws(ScanOptions(), _aws(shard=(i, 3), results_dir=d))
        assert part.findings == []  # rules run at merge, over whole accounts
    merged = merge_results(dirs)
    assert _view(merged) == _view(whole)
    assert merged.coverage.counts() == whole.coverage.counts()
    assert sorted(merged.coverage.accounts) == sorted(whole.coverage.accounts)
    assert sorted(r.key for r in merged.inventory) == sorted(r.key for r in whole.inventory)
    # account-level rules saw every region's units together: one finding per account, not per shard
    regions_rule = [f for f in merged.findings if f.rule_id == "cloudtrail-enabled-all-regions"]
    assert len(regions_rule) == len([f for f in whole.findings if f.rule_id == "cloudtrail-enabled-all-regions"])


def test_a_missing_or_unfinished_shard_is_refused_by_name(org: list[str], tmp_path: Path) -> None:
    dirs = [str(tmp_path / f"s{i}") for i in range(3)]
    for i in (0, 2):
        scan_aws(ScanOptions(), _aws(shard=(i, 3), results_dir=dirs[i]))
    with pytest.raises(UsageError, match=r"shard 1/3 is missing"):
        merge_results([dirs[0], dirs[2]])
    scan_aws(ScanOptions(), _aws(shard=(1, 3), results_dir=dirs[1]))
    manifest = Path(dirs[1]) / "shard-1-of-3.json"
    doc = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**doc, "complete": False}))
    with pytest.raises(UsageError, match=r"shard 1/3 .* did not finish: run it again with --resume"):
        merge_results(dirs)
    manifest.write_text(json.dumps(doc))
    lost = next((Path(dirs[1]) / "units").rglob("*.json"))
    lost.unlink()
    with pytest.raises(UsageError, match=r"unit .* has no result \(shard 1/3 should have written it\)"):
        merge_results(dirs)
    other = scan_aws(ScanOptions(), AwsOptions(regions=["us-east-1"], services=SERVICES, max_rps=0, shard=(0, 1),
                                               results_dir=str(tmp_path / "other")))
    assert other.findings == []
    with pytest.raises(UsageError, match="different scans"):
        merge_results([*dirs, str(tmp_path / "other")])


def test_resume_reads_only_what_is_missing_and_units_are_idempotent(org: list[str], emulator: Any, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    scan_aws(ScanOptions(), _aws(results_dir=str(first)))
    scan_aws(ScanOptions(), _aws(results_dir=str(second)))
    files = sorted(p.relative_to(first) for p in (first / "units").rglob("*.json"))
    assert files and files == sorted(p.relative_to(second) for p in (second / "units").rglob("*.json"))
    for f in files:  # running a unit twice gives the same result (how many requests it took is a measure, not a result)
        a, b = json.loads((first / f).read_text()), json.loads((second / f).read_text())
        assert a.pop("requests") >= 0 and b.pop("requests") >= 0
        assert a == b, f
    whole = merge_results([str(first)])
    # a run that died half-way: some units never written
    gone = [p for p in (first / "units").rglob("*.json") if p.parent.name == "eu-west-1"]
    for p in gone:
        p.unlink()
    emulator.reset_log()
    scan_aws(ScanOptions(), _aws(results_dir=str(first), resume=True))
    log = emulator.reset_log()
    data_calls = [r for r in log if r.operation not in ("AssumeRole", "GetCallerIdentity", "DescribeRegions", "ListAccounts")]
    assert data_calls and {r.region for r in data_calls} == {"eu-west-1"}  # only the missing units were read again
    assert _view(merge_results([str(first)])) == _view(whole)
    with pytest.raises(UsageError, match="--resume needs --results"):
        scan_aws(ScanOptions(), _aws(resume=True))


def test_cli_shards_and_merge(org: list[str], tmp_path: Path) -> None:
    base = ["scan", "aws", "--org", "--org-role", "Audit", "--role-arn", f"arn:aws:iam::{MANAGEMENT}:role/wasec-org",
            "--regions", ",".join(REGIONS), "--services", ",".join(SERVICES), "--max-rps", "0"]
    runner = CliRunner()
    for i in range(2):
        r = runner.invoke(cli(), [*base, "--shard", f"{i}/2", "--results", str(tmp_path / "out")])
        assert r.exit_code == 0, r.output
        assert f"shard {i}/2" in r.output
    assert runner.invoke(cli(), [*base, "--shard", "2/2", "--results", str(tmp_path / "x")]).exit_code == 2
    assert "needs --results" in runner.invoke(cli(), [*base, "--shard", "0/2"]).output
    db = tmp_path / "h.db"
    r = runner.invoke(cli(), ["merge", str(tmp_path / "out"), "-f", "json", "-o", str(tmp_path / "merged.json"),
                              "--save", "--db", str(db)])
    assert r.exit_code == 1, r.output  # findings
    doc = json.loads((tmp_path / "merged.json").read_text())
    assert sorted(doc["coverage"]["accounts"]) == sorted(org)
    assert {f["account"] for f in doc["findings"] if f["rule_id"] == "sg-admin-ports-open"} == set(org)
    from wasec.history import store

    assert [s.source for s in store.scans(store.connect(str(db)))] == ["aws"]  # one history entry for every shard


def cli() -> Any:
    from wasec.cli.commands import cli as main

    return main
