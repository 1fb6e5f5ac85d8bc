"""`wasec images --aws` on the emulator's ECR (basic and enhanced scan findings) and Inspector (EC2, Lambda)."""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any

import boto3
from click.testing import CliRunner

from tests.live.conftest import as_account
from wasec.cli.commands import cli
from wasec.sources.aws.permissions import action

ACCOUNT = "414141414141"
MANIFEST = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                       "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
                                  "digest": "sha256:" + "b" * 64},
                       "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 32654,
                                   "digest": "sha256:" + "c" * 64}]})


def _moto_api(emulator: Any, path: str, body: dict[str, Any]) -> None:
    req = urllib.request.Request(f"{emulator.endpoint}/moto-api/static/{path}", data=json.dumps(body).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()


def test_images_aws_reads_ecr_and_inspector_findings(emulator: Any) -> None:
    creds = as_account(ACCOUNT)
    ecr = boto3.Session(region_name="us-east-1", **creds).client("ecr")
    repo = ecr.create_repository(repositoryName="shop/web", imageScanningConfiguration={"scanOnPush": True})
    ecr.put_image(repositoryName="shop/web", imageManifest=MANIFEST, imageTag="1.4.2")
    ecr.put_image(repositoryName="shop/web", imageManifest=MANIFEST.replace("b" * 64, "d" * 64), imageTag="never-scanned")
    digest = ecr.describe_images(repositoryName="shop/web", imageIds=[{"imageTag": "1.4.2"}])["imageDetails"][0]["imageDigest"]
    ecr.start_image_scan(repositoryName="shop/web", imageId={"imageDigest": digest})
    # what an enhanced (Inspector) scan answers for that image, to the documented shape
    enhanced = {"registryId": ACCOUNT, "repositoryName": "shop/web", "imageId": {"imageDigest": digest},
                "imageScanStatus": {"status": "ACTIVE"},
                "imageScanFindings": {"enhancedFindings": [{
                    "awsAccountId": ACCOUNT, "severity": "CRITICAL", "score": 9.8, "title": "CVE-2023-38545 - curl",
                    "type": "PACKAGE_VULNERABILITY", "status": "ACTIVE",
                    "packageVulnerabilityDetails": {
                        "vulnerabilityId": "CVE-2023-38545", "cvss": [{"baseScore": 9.8, "version": "3.1",
                                                                        "scoringVector": "CVSS:3.1/AV:N/AC:L"}],
                        "vulnerablePackages": [{"name": "curl", "version": "7.88.1", "fixedInVersion": "8.4.0"}]}}]}}
    basic_then_enhanced = [enhanced]  # the next DescribeImageScanFindings answers this
    _moto_api(emulator, "ecr/scan-finding-results", {"results": basic_then_enhanced, "account_id": ACCOUNT,
                                                      "region": "us-east-1"})
    lam = "arn:aws:lambda:us-east-1:414141414141:function:thumbnails"
    image_arn = f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/shop/web/{digest}"
    _moto_api(emulator, "inspector2/findings-results", {"account_id": ACCOUNT, "region": "us-east-1", "results": [[
        # the same image and CVE as ECR enhanced scanning reports: Inspector names the image by its ARN
        {"awsAccountId": ACCOUNT, "severity": "CRITICAL", "inspectorScore": 9.8, "title": "CVE-2023-38545 - curl",
         "type": "PACKAGE_VULNERABILITY", "status": "ACTIVE",
         "resources": [{"type": "AWS_ECR_CONTAINER_IMAGE", "id": image_arn, "partition": "aws", "region": "us-east-1",
                        "details": {"awsEcrContainerImage": {"registry": ACCOUNT, "repositoryName": "shop/web",
                                                             "imageHash": digest, "imageTags": ["1.4.2"]}}}],
         "packageVulnerabilityDetails": {"vulnerabilityId": "CVE-2023-38545", "cvss": [],
                                         "vulnerablePackages": [{"name": "curl", "version": "7.88.1"}]}},
        {"awsAccountId": ACCOUNT, "severity": "HIGH", "inspectorScore": 7.5, "title": "CVE-2024-6345 - setuptools",
         "type": "PACKAGE_VULNERABILITY", "status": "ACTIVE",
         "resources": [{"type": "AWS_LAMBDA_FUNCTION", "id": lam}],
         "packageVulnerabilityDetails": {"vulnerabilityId": "CVE-2024-6345", "cvss": [],
                                         "vulnerablePackages": [{"name": "setuptools", "version": "68.0.0",
                                                                 "fixedInVersion": "70.0.0"}]}},
        {"awsAccountId": ACCOUNT, "severity": "MEDIUM", "inspectorScore": 5.3, "title": "CVE-2023-0001 - tar",
         "type": "PACKAGE_VULNERABILITY", "status": "ACTIVE",
         "resources": [{"type": "AWS_EC2_INSTANCE", "id": "i-0abc"}],
         "packageVulnerabilityDetails": {"vulnerabilityId": "CVE-2023-0001",
                                         "vulnerablePackages": [{"name": "tar", "version": "1.34"}]}}]]})
    env = {"AWS_ACCESS_KEY_ID": creds["aws_access_key_id"], "AWS_SECRET_ACCESS_KEY": creds["aws_secret_access_key"],
           "AWS_SESSION_TOKEN": creds["aws_session_token"]}
    emulator.reset_log()
    r = CliRunner().invoke(cli, ["images", "--aws", "--regions", "us-east-1", "-f", "json"], env={**os.environ, **env})
    assert r.exit_code == 1, r.output
    out = json.loads(r.output)
    failing = {f["resource_id"]: (f["severity"], f["source"]) for f in out["findings"] if f["status"] == "FAIL" and f["suppressed"] is None}
    uri = repo["repository"]["repositoryUri"]
    assert failing == {
        f"CVE-2023-38545/curl@7.88.1/{uri}@{digest}": ("critical", "ecr-enhanced"),
        f"CVE-2024-6345/setuptools@68.0.0/{lam}": ("high", "inspector"),
    }
    assert "below CVSS 7" in out["scan"]["what"] and not out["problems"]  # the never-scanned image is not a problem
    made = emulator.log
    assert {x.operation for x in made} <= {"DescribeRepositories", "DescribeImages", "DescribeImageScanFindings",
                                           "ListFindings", "GetCallerIdentity"}
    # `wasec permissions --command images` grants every call the command made, and nothing more
    p = CliRunner().invoke(cli, ["permissions", "--command", "images", "-f", "text"])
    granted = set(p.output.split())
    assert {action(x.service, x.operation) for x in made if x.service != "sts"} == granted


def test_images_aws_reads_basic_scan_findings(emulator: Any) -> None:
    creds = as_account("424242424242")
    ecr = boto3.Session(region_name="us-east-1", **creds).client("ecr")
    ecr.create_repository(repositoryName="tools/cli")
    ecr.put_image(repositoryName="tools/cli", imageManifest=MANIFEST, imageTag="2.0")
    ecr.start_image_scan(repositoryName="tools/cli", imageId={"imageTag": "2.0"})
    env = {"AWS_ACCESS_KEY_ID": creds["aws_access_key_id"], "AWS_SECRET_ACCESS_KEY": creds["aws_secret_access_key"],
           "AWS_SESSION_TOKEN": creds["aws_session_token"]}
    # basic scanning answers with attributes: package name and version, a CVSS2 score (the emulator's fixed CVE)
    r = CliRunner().invoke(cli, ["images", "--aws", "--regions", "us-east-1", "-f", "json"], env={**os.environ, **env})
    assert r.exit_code == 1, r.output
    basic = [f for f in json.loads(r.output)["findings"] if f["status"] == "FAIL"]
    assert [(f["source"], f["evidence"][0]["value"]["package"], f["evidence"][0]["value"]["cvss"]) for f in basic] == [
        ("ecr", "moto_fake", 7.5)]
    r = CliRunner().invoke(cli, ["images", "--aws", "--regions", "us-east-1", "-f", "json", "--cvss-threshold", "7.6"],
                           env={**os.environ, **env})
    assert r.exit_code == 0
