#!/usr/bin/env python3
"""Organisation-scale live scanning: the local engine and Dask with 1 and 2 workers, side by side.

    python bench/org_bench.py [--accounts 200] [--regions 4] [--latency 0.05] [--threads 8]

An emulated organisation of N accounts is scanned in R regions through the emulator, which runs in
a process of its own and adds ``--latency`` seconds to every request (a real API answers in tens of
milliseconds). Each engine scans the whole organisation with the default rate cap (40 requests a
second per account); a last Dask run has a worker killed mid-run, and its findings are compared
with the local engine's. Printed: wall time, account-regions per hour, units, requests per unit, and
whether the findings are the same. Nothing here is a test; the numbers go into the issue notes.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

MANAGEMENT = "777777777777"
SERVICES = ["ec2", "s3", "sqs", "sns", "kms", "cloudtrail", "guardduty", "config"]
ALL_REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2", "eu-central-1", "ap-northeast-1"]

SERVER = r"""
import sys
from wasec.demo.emulator import Emulator
em = Emulator().start()
print(em.port, flush=True)
for line in sys.stdin:  # each line sets the latency added to every request
    em.latency = float(line)
"""


def start_emulator() -> tuple[subprocess.Popen[str], int]:
    # IAM is not scanned here: without the ~1,000 managed policies a new account costs moto milliseconds, not seconds
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "false", "PYTHONPATH": str(REPO / "src")}
    p = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    assert p.stdout is not None
    return p, int(p.stdout.readline())


def point_at(port: int) -> None:
    os.environ.update({"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                       "AWS_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})


def session(account: str) -> Any:
    import boto3

    c = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/setup", RoleSessionName="setup")["Credentials"]
    return boto3.Session(region_name="us-east-1", aws_access_key_id=c["AccessKeyId"],
                         aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])


def seed(accounts: int, regions: list[str]) -> list[str]:
    """An organisation; every account gets an open security group in each region and a queue."""
    org = session(MANAGEMENT).client("organizations")
    org.create_organization(FeatureSet="ALL")
    ids = [MANAGEMENT] + [org.create_account(AccountName=f"a{i}", Email=f"a{i}@example.com")["CreateAccountStatus"]["AccountId"]
                          for i in range(accounts - 1)]
    for acct in ids:
        s = session(acct)
        for r in regions:
            ec2 = s.client("ec2", region_name=r)
            g = ec2.create_security_group(GroupName="ssh", Description="ssh")["GroupId"]
            ec2.authorize_security_group_ingress(GroupId=g, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        s.client("sqs", region_name=regions[0]).create_queue(QueueName="jobs")
    return ids


def scan(regions: list[str], engine: str = "local") -> tuple[Any, float]:
    from wasec.scanning import ScanOptions, scan_aws
    from wasec.sources.aws import AwsOptions

    t = time.perf_counter()
    result = scan_aws(ScanOptions(), AwsOptions(regions=regions, services=SERVICES, org=True, org_role="Audit",
                                                role_arn=f"arn:aws:iam::{MANAGEMENT}:role/wasec", engine=engine,
                                                max_attempts=8))
    return result, time.perf_counter() - t


def view(result: Any) -> set[tuple[Any, ...]]:
    return {(f.rule_id, f.resource_id, f.status.value, f.account, f.region) for f in result.findings}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=200)
    ap.add_argument("--regions", type=int, default=4)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--threads", type=int, default=8, help="threads per Dask worker")
    a = ap.parse_args()
    regions = ALL_REGIONS[: a.regions]
    server, port = start_emulator()
    try:
        point_at(port)
        t = time.perf_counter()
        ids = seed(a.accounts, regions)  # without latency: setting up is not what is measured
        assert server.stdin is not None
        server.stdin.write(f"{a.latency}\n")
        server.stdin.flush()
        print(f"seeded {len(ids)} accounts × {len(regions)} regions in {time.perf_counter() - t:.0f} s "
              f"(emulator latency {a.latency * 1000:.0f} ms a request)", file=sys.stderr)
        from distributed import Client, LocalCluster

        rows = []
        local, wall = scan(regions)
        rows.append(("local (24 threads)", local, wall, True))
        for n in (1, 2):
            with LocalCluster(n_workers=n, threads_per_worker=a.threads, processes=True, host="127.0.0.1",
                              dashboard_address=None, silence_logs=40) as cluster:
                result, wall = scan(regions, f"dask://{cluster.scheduler_address}")
                rows.append((f"dask, {n} worker(s) × {a.threads} threads", result, wall, view(result) == view(local)))
        with LocalCluster(n_workers=2, threads_per_worker=a.threads, processes=True, host="127.0.0.1",
                          dashboard_address=None, silence_logs=40) as cluster:
            out: dict[str, Any] = {}

            def run() -> None:
                out["r"] = scan(regions, f"dask://{cluster.scheduler_address}")

            th = threading.Thread(target=run)
            th.start()
            time.sleep(max(2.0, rows[-1][2] / 3))  # a third of the way through
            with Client(cluster.scheduler_address) as c:
                victim = sorted(c.scheduler_info()["workers"])[0]
                os.kill(c.run(os.getpid, workers=[victim])[victim], signal.SIGKILL)
                th.join()
            result, wall = out["r"]
            rows.append(("dask, 2 workers, one killed mid-run", result, wall, view(result) == view(local)))
        ar = len(ids) * len(regions)
        print(f"\n{len(ids)} accounts × {len(regions)} regions = {ar} account-regions; services: {', '.join(SERVICES)}")
        print(f"{'engine':40} {'wall s':>8} {'acct-regions/h':>15} {'units':>7} {'requests/unit':>14} {'findings':>9} same as local")
        base = rows[1][2]
        from wasec.sources.aws.runner import select_collectors

        chosen = select_collectors(None, SERVICES)
        per_account = 1 + len({c.service for c in chosen if c.scope == "global"}) \
            + len(regions) * len({c.service for c in chosen if c.scope != "global"})
        for name, result, wall, same in rows:
            units = len(result.coverage.accounts) * per_account
            lost = len(view(local) - view(result))
            print(f"{name:40} {wall:8.1f} {ar / wall * 3600:15,.0f} {units:7} {result.coverage.requests / max(1, units):14.1f} "
                  f"{len(result.findings):9} {'yes' if same else f'NO ({lost} lost)'}")
        print(f"\nscaling from 1 to 2 Dask workers: {base / rows[2][2]:.2f}×")
    finally:
        server.terminate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
