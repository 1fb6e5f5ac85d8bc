"""Opt-in response against the emulator: a dry run by default, the change undone with --execute."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.events.test_detections import record


def wasec(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasec", *args], capture_output=True, text=True, cwd=cwd, timeout=180,
                          env={**os.environ, **env})


def test_respond_plans_then_executes_and_never_writes_without_the_flag(tmp_path: Path) -> None:
    import boto3

    from wasec.demo.emulator import Emulator

    with Emulator() as em, em.environment():
        env = {k: os.environ[k] for k in os.environ if k.startswith("AWS_")}
        ec2, ct, iam = (boto3.client(s, region_name="us-east-1") for s in ("ec2", "cloudtrail", "iam"))
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="trail-bucket")
        ct.create_trail(Name="main", S3BucketName="trail-bucket")
        ct.start_logging(Name="main")
        ct.stop_logging(Name="main")
        sg = ec2.create_security_group(GroupName="web", Description="web")["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}, {"CidrIp": "10.0.0.0/8"}]}])
        iam.create_user(UserName="bob")
        key = iam.create_access_key(UserName="bob")["AccessKey"]["AccessKeyId"]
        records: list[dict[str, Any]] = [
            record({"eventSource": "cloudtrail.amazonaws.com", "eventName": "StopLogging", "eventID": "e1",
                    "requestParameters": {"name": "main"}}),
            record({"eventSource": "ec2.amazonaws.com", "eventName": "AuthorizeSecurityGroupIngress", "eventID": "e2",
                    "requestParameters": {"groupId": sg, "ipPermissions": {"items": [
                        {"ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
                         "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}, {"cidrIp": "10.0.0.0/8"}]}}]}}}),
            record({"eventName": "CreateAccessKey", "eventID": "e3", "requestParameters": {"userName": "bob"},
                    "responseElements": {"accessKey": {"accessKeyId": key, "userName": "bob", "status": "Active"}}}),
        ]
        (tmp_path / "events.json").write_text(json.dumps({"Records": records}))

        em.reset_log()
        r = wasec("events", "events.json", "-q", cwd=tmp_path, env=env)  # no flag: nothing is called at all
        assert r.returncode == 1 and em.reset_log() == []
        r = wasec("events", "events.json", "-q", "--respond", cwd=tmp_path, env=env)  # a dry run prints the calls
        assert "would call: cloudtrail.start_logging(Name='main')" in r.stderr
        assert f"would call: ec2.revoke_security_group_ingress(GroupId='{sg}'" in r.stderr and "10.0.0.0/8" not in r.stderr
        assert f"iam.update_access_key(UserName='bob', AccessKeyId='{key}', Status='Inactive')" in r.stderr
        assert em.reset_log() == []
        assert ct.get_trail_status(Name="main")["IsLogging"] is False

        r = wasec("events", "events.json", "-q", "--respond", "--execute", cwd=tmp_path, env=env)
        assert r.stderr.count("done: ") == 3, r.stderr
        assert ct.get_trail_status(Name="main")["IsLogging"] is True
        perms = ec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"][0]["IpPermissions"]
        assert [x["CidrIp"] for p in perms for x in p["IpRanges"]] == ["10.0.0.0/8"]  # only the open range revoked
        assert iam.list_access_keys(UserName="bob")["AccessKeyMetadata"][0]["Status"] == "Inactive"
        assert wasec("events", "events.json", "--execute", cwd=tmp_path, env=env).returncode == 2


def test_respond_takes_back_shared_images_and_snapshots_and_turns_versioning_on(tmp_path: Path) -> None:
    import boto3

    from wasec.demo.emulator import Emulator

    with Emulator() as em, em.environment():
        env = {k: os.environ[k] for k in os.environ if k.startswith("AWS_")}
        ec2, s3 = boto3.client("ec2", region_name="us-east-1"), boto3.client("s3", region_name="us-east-1")
        vol = ec2.create_volume(AvailabilityZone="us-east-1a", Size=1)["VolumeId"]
        snap = ec2.create_snapshot(VolumeId=vol)["SnapshotId"]
        ec2.modify_snapshot_attribute(SnapshotId=snap, Attribute="createVolumePermission", OperationType="add",
                                      GroupNames=["all"])
        image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
        ami = ec2.create_image(InstanceId=instance, Name="golden")["ImageId"]
        ec2.modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [{"UserId": "444455556666"}]})
        s3.create_bucket(Bucket="data")
        s3.put_bucket_versioning(Bucket="data", VersioningConfiguration={"Status": "Suspended"})
        records = [
            record({"eventSource": "ec2.amazonaws.com", "eventName": "ModifySnapshotAttribute", "eventID": "s1",
                    "requestParameters": {"snapshotId": snap, "attributeType": "CREATE_VOLUME_PERMISSION",
                                          "createVolumePermission": {"add": {"items": [{"group": "all"}]}}}}),
            record({"eventSource": "ec2.amazonaws.com", "eventName": "ModifyImageAttribute", "eventID": "a1",
                    "requestParameters": {"imageId": ami, "attributeType": "launchPermission",
                                          "launchPermission": {"add": {"items": [{"userId": "444455556666"}]}}}}),
            record({"eventSource": "s3.amazonaws.com", "eventName": "PutBucketVersioning", "eventID": "v1",
                    "requestParameters": {"bucketName": "data", "VersioningConfiguration": {"Status": "Suspended"}}}),
        ]
        (tmp_path / "events.json").write_text(json.dumps({"Records": records}))
        em.reset_log()
        r = wasec("events", "events.json", "-q", "--respond", cwd=tmp_path, env=env)
        assert f"would call: ec2.modify_snapshot_attribute(SnapshotId='{snap}'" in r.stderr and "GroupNames=['all']" in r.stderr
        assert "LaunchPermission={'Remove': [{'UserId': '444455556666'}]}" in r.stderr
        assert em.reset_log() == []

        r = wasec("events", "events.json", "-q", "--respond", "--execute", cwd=tmp_path, env=env)
        assert r.stderr.count("done: ") == 3, r.stderr
        perms = ec2.describe_snapshot_attribute(SnapshotId=snap, Attribute="createVolumePermission")
        assert perms["CreateVolumePermissions"] == []
        assert ec2.describe_image_attribute(ImageId=ami, Attribute="launchPermission")["LaunchPermissions"] == []
        assert s3.get_bucket_versioning(Bucket="data")["Status"] == "Enabled"
