"""EC2 and VPC: security groups (rules flattened to CloudFormation's one-source-per-rule shape),
network ACL entries, VPCs, subnets, flow logs, instances, volumes, launch templates, AMIs and EBS
encryption by default."""

from __future__ import annotations

import base64
import binascii
import gzip
from collections import Counter
from typing import Any

from wasec.model.resource import Resource
from wasec.model.values import Unknown
from wasec.sources.aws.spec import Ctx, collector, known, tag_list


def _sg_rules(perms: list[dict[str, Any]], egress: bool) -> list[dict[str, Any]]:
    out = []
    other = "DestinationSecurityGroupId" if egress else "SourceSecurityGroupId"
    prefix = "DestinationPrefixListId" if egress else "SourcePrefixListId"
    for p in perms:
        base = {"IpProtocol": str(p.get("IpProtocol", "-1"))}
        for k in ("FromPort", "ToPort"):
            if p.get(k) is not None:
                base[k] = p[k]
        for src, key, field in (("IpRanges", "CidrIp", "CidrIp"), ("Ipv6Ranges", "CidrIpv6", "CidrIpv6"),
                                ("UserIdGroupPairs", "GroupId", other), ("PrefixListIds", "PrefixListId", prefix)):
            for x in p.get(src) or ():
                rule = {**base, field: x.get(key)}
                if x.get("Description"):
                    rule["Description"] = x["Description"]
                out.append(rule)
    return out


@collector("ec2", types=["AWS::EC2::SecurityGroup"], calls=["DescribeSecurityGroups"])
def security_groups(ctx: Ctx) -> list[Resource]:
    out = []
    for g in ctx.pages("DescribeSecurityGroups", "SecurityGroups"):
        gid = g["GroupId"]
        out.append(ctx.resource("AWS::EC2::SecurityGroup", gid, {
            "GroupName": g.get("GroupName"), "GroupDescription": g.get("Description"), "VpcId": g.get("VpcId"),
            "IsDefault": g.get("GroupName") == "default",
            "SecurityGroupIngress": _sg_rules(g.get("IpPermissions") or [], False),
            "SecurityGroupEgress": _sg_rules(g.get("IpPermissionsEgress") or [], True),
            "Tags": tag_list(g.get("Tags")),
        }, arn=ctx.arn("ec2", f"security-group/{gid}"), names=[g.get("GroupName")] if g.get("GroupName") != "default" else (),
            tags=g.get("Tags")))
    return out


@collector("ec2", types=["AWS::EC2::NetworkAclEntry"], calls=["DescribeNetworkAcls"])
def network_acls(ctx: Ctx) -> list[Resource]:
    out = []
    for acl in ctx.pages("DescribeNetworkAcls", "NetworkAcls"):
        aid = acl["NetworkAclId"]
        for e in acl.get("Entries") or ():
            if e.get("RuleNumber") == 32767:
                continue  # the built-in final deny
            direction = "egress" if e.get("Egress") else "ingress"
            props = {"NetworkAclId": aid, "RuleNumber": e.get("RuleNumber"), "Protocol": int(str(e.get("Protocol", "-1"))),
                     "RuleAction": e.get("RuleAction"), "Egress": bool(e.get("Egress"))}
            for k in ("CidrBlock", "Ipv6CidrBlock", "PortRange", "IcmpTypeCode"):
                if e.get(k) is not None:
                    props[k] = e[k]
            out.append(ctx.resource("AWS::EC2::NetworkAclEntry", f"{aid}/{direction}/{e.get('RuleNumber')}", props,
                                    arn=None))
    return out


@collector("ec2", types=["AWS::EC2::VPC"], calls=["DescribeVpcs", "DescribeNetworkInterfaces"])
def vpcs(ctx: Ctx) -> list[Resource]:
    # how many network interfaces live in each VPC: an empty default VPC is not a workload network
    enis = Counter(str(n.get("VpcId")) for n in ctx.pages("DescribeNetworkInterfaces", "NetworkInterfaces"))
    return [ctx.resource("AWS::EC2::VPC", v["VpcId"], {
        "CidrBlock": v.get("CidrBlock"), "IsDefault": bool(v.get("IsDefault")), "InstanceTenancy": v.get("InstanceTenancy"),
        "NetworkInterfaceCount": enis.get(v["VpcId"], 0), "Tags": tag_list(v.get("Tags")),
    }, arn=ctx.arn("ec2", f"vpc/{v['VpcId']}"), tags=v.get("Tags")) for v in ctx.pages("DescribeVpcs", "Vpcs")]


@collector("ec2", types=["AWS::EC2::Subnet"], calls=["DescribeSubnets"])
def subnets(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::EC2::Subnet", s["SubnetId"], {
        "VpcId": s.get("VpcId"), "CidrBlock": s.get("CidrBlock"), "AvailabilityZone": s.get("AvailabilityZone"),
        "MapPublicIpOnLaunch": bool(s.get("MapPublicIpOnLaunch")), "DefaultForAz": bool(s.get("DefaultForAz")),
        "Tags": tag_list(s.get("Tags")),
    }, arn=s.get("SubnetArn"), tags=s.get("Tags")) for s in ctx.pages("DescribeSubnets", "Subnets")]


@collector("ec2", types=["AWS::EC2::TransitGateway"], calls=["DescribeTransitGateways"])
def transit_gateways(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::EC2::TransitGateway", t["TransitGatewayId"], {
        "AutoAcceptSharedAttachments": (t.get("Options") or {}).get("AutoAcceptSharedAttachments"),
        "DefaultRouteTableAssociation": (t.get("Options") or {}).get("DefaultRouteTableAssociation"),
        "Tags": tag_list(t.get("Tags")),
    }, arn=t.get("TransitGatewayArn"), tags=t.get("Tags"))
        for t in ctx.pages("DescribeTransitGateways", "TransitGateways") if t.get("State") not in ("deleted", "deleting")]


_RESOURCE_KIND = {"vpc-": "VPC", "subnet-": "Subnet", "eni-": "NetworkInterface", "tgw-": "TransitGateway"}


@collector("ec2", types=["AWS::EC2::FlowLog"], calls=["DescribeFlowLogs"])
def flow_logs(ctx: Ctx) -> list[Resource]:
    out = []
    for f in ctx.pages("DescribeFlowLogs", "FlowLogs"):
        rid = str(f.get("ResourceId", ""))
        kind = next((v for k, v in _RESOURCE_KIND.items() if rid.startswith(k)), None)
        out.append(ctx.resource("AWS::EC2::FlowLog", f["FlowLogId"], {
            "ResourceId": rid, "ResourceType": kind, "TrafficType": f.get("TrafficType"),
            "LogDestinationType": f.get("LogDestinationType"), "LogDestination": f.get("LogDestination"),
            "LogGroupName": f.get("LogGroupName"), "DeliverLogsPermissionArn": f.get("DeliverLogsPermissionArn"),
            "FlowLogStatus": f.get("FlowLogStatus"),
        }, arn=ctx.arn("ec2", f"vpc-flow-log/{f['FlowLogId']}"), tags=f.get("Tags")))
    return out


def decode_user_data(value: Any) -> str | None:
    """User data as the text the instance runs (base64, possibly gzip-compressed)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        raw = base64.b64decode(value, validate=False)
    except (binascii.Error, ValueError):
        return value
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except OSError:
            return None
    return raw.decode("utf-8", errors="replace")


def _volumes(ctx: Ctx) -> dict[str, dict[str, Any]]:
    return {v["VolumeId"]: v for v in ctx.pages("DescribeVolumes", "Volumes")}


@collector("ec2", types=["AWS::EC2::Volume"], calls=["DescribeVolumes"])
def volumes(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::EC2::Volume", vid, {
        "Encrypted": bool(v.get("Encrypted")), "KmsKeyId": v.get("KmsKeyId"), "Size": v.get("Size"),
        "VolumeType": v.get("VolumeType"), "AvailabilityZone": v.get("AvailabilityZone"),
        "SnapshotId": v.get("SnapshotId") or None, "Tags": tag_list(v.get("Tags")),
    }, arn=ctx.arn("ec2", f"volume/{vid}"), tags=v.get("Tags")) for vid, v in _volumes(ctx).items()]


@collector("ec2", types=["AWS::EC2::Instance"], calls=["DescribeInstances", "DescribeInstanceAttribute", "DescribeVolumes"])
def instances(ctx: Ctx) -> list[Resource]:
    found = [i for r in ctx.pages("DescribeInstances", "Reservations") for i in r.get("Instances") or ()
             if (i.get("State") or {}).get("Name") not in ("terminated", "shutting-down")]
    vols = _volumes(ctx) if found else {}

    def one(i: dict[str, Any]) -> Resource:
        iid = i["InstanceId"]
        attr = ctx.item("DescribeInstanceAttribute", InstanceId=iid, Attribute="userData")
        user_data: Any = attr if isinstance(attr, Unknown) else decode_user_data(((attr or {}).get("UserData") or {}).get("Value"))
        devices = []
        for m in i.get("BlockDeviceMappings") or ():
            vol_id = str((m.get("Ebs") or {}).get("VolumeId"))
            vol = vols.get(vol_id, {})
            devices.append({"DeviceName": m.get("DeviceName"),
                            "Ebs": {"VolumeId": vol_id, "Encrypted": bool(vol.get("Encrypted")) if vol else
                                    Unknown(f"volume {vol_id} was not listed"), "KmsKeyId": vol.get("KmsKeyId")}})
        nis = [{"DeviceIndex": (n.get("Attachment") or {}).get("DeviceIndex", 0), "NetworkInterfaceId": n.get("NetworkInterfaceId"),
                "SubnetId": n.get("SubnetId"), "GroupSet": [g.get("GroupId") for g in n.get("Groups") or ()],
                "AssociatePublicIpAddress": bool((n.get("Association") or {}).get("PublicIp"))}
               for n in i.get("NetworkInterfaces") or ()]
        if not nis and i.get("PublicIpAddress"):
            nis = [{"DeviceIndex": 0, "AssociatePublicIpAddress": True}]
        meta = i.get("MetadataOptions") or {}
        return ctx.resource("AWS::EC2::Instance", iid, {
            "ImageId": i.get("ImageId"), "InstanceType": i.get("InstanceType"), "SubnetId": i.get("SubnetId"),
            "IamInstanceProfile": (i.get("IamInstanceProfile") or {}).get("Arn"),
            "SecurityGroupIds": [g.get("GroupId") for g in i.get("SecurityGroups") or ()],
            "MetadataOptions": {k: meta[k] for k in ("HttpTokens", "HttpEndpoint", "HttpPutResponseHopLimit") if k in meta},
            "NetworkInterfaces": nis, "BlockDeviceMappings": devices, "UserData": user_data,
            "PublicIpAddress": i.get("PublicIpAddress"), "SourceDestCheck": i.get("SourceDestCheck", True),
            "Tags": tag_list(i.get("Tags")),
        }, arn=ctx.arn("ec2", f"instance/{iid}"), tags=i.get("Tags"))

    return ctx.map(one, found)


@collector("ec2", types=["AWS::EC2::LaunchTemplate"], calls=["DescribeLaunchTemplates", "DescribeLaunchTemplateVersions"])
def launch_templates(ctx: Ctx) -> list[Resource]:
    def one(t: dict[str, Any]) -> Resource:
        tid = t["LaunchTemplateId"]
        answer = ctx.item("DescribeLaunchTemplateVersions", LaunchTemplateId=tid, Versions=["$Default"])
        if isinstance(answer, Unknown):
            data: Any = answer
        else:
            versions = (answer or {}).get("LaunchTemplateVersions") or [{}]
            data = dict(versions[0].get("LaunchTemplateData") or {})
            if "UserData" in data:
                data["UserData"] = decode_user_data(data["UserData"])
        return ctx.resource("AWS::EC2::LaunchTemplate", tid, {
            "LaunchTemplateName": t.get("LaunchTemplateName"), "LaunchTemplateData": data, "Tags": tag_list(t.get("Tags")),
        }, arn=ctx.arn("ec2", f"launch-template/{tid}"), names=[t.get("LaunchTemplateName")], tags=t.get("Tags"))

    return ctx.map(one, ctx.pages("DescribeLaunchTemplates", "LaunchTemplates"))


@collector("ec2", types=["Wasec::EC2::Image"], calls=["DescribeImages"])
def images(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("Wasec::EC2::Image", img["ImageId"], {
        "Name": img.get("Name"), "Public": bool(img.get("Public")),
        "LaunchPermissions": [{"Group": "all"}] if img.get("Public") else [],
    }, arn=ctx.arn("ec2", f"image/{img['ImageId']}", account=""), names=[img.get("Name")], tags=img.get("Tags"))
        for img in ctx.pages("DescribeImages", "Images", Owners=["self"])]


@collector("ec2", types=["Wasec::EC2::EBSEncryptionByDefault"], calls=["GetEbsEncryptionByDefault"])
def ebs_encryption_by_default(ctx: Ctx) -> list[Resource]:
    answer = ctx.call("GetEbsEncryptionByDefault") or {}
    return [ctx.resource("Wasec::EC2::EBSEncryptionByDefault", f"{ctx.account}/{ctx.region}/ebs-encryption-by-default",
                         {"Enabled": bool(answer.get("EbsEncryptionByDefault"))})]


@collector("ec2", types=["Wasec::EC2::Snapshot"], calls=["DescribeSnapshots", "DescribeSnapshotAttribute"])
def snapshots(ctx: Ctx) -> list[Resource]:
    def one(snap: dict[str, Any]) -> Resource:
        sid = snap["SnapshotId"]
        perms = known(ctx.item("DescribeSnapshotAttribute", SnapshotId=sid, Attribute="createVolumePermission"),
                      "CreateVolumePermissions")
        return ctx.resource("Wasec::EC2::Snapshot", sid, {
            "SnapshotId": sid, "VolumeId": snap.get("VolumeId"), "Encrypted": bool(snap.get("Encrypted")),
            "CreateVolumePermissions": perms if isinstance(perms, Unknown) else perms or [],
        }, arn=ctx.arn("ec2", f"snapshot/{sid}", region=ctx.region), tags=snap.get("Tags"))

    # only the account's own snapshots (an endpoint that ignores OwnerIds would list every public one)
    own = [s for s in ctx.pages("DescribeSnapshots", "Snapshots", OwnerIds=["self"]) if s.get("OwnerId") in (None, ctx.account)]
    return ctx.map(one, own)


@collector("ec2", types=["AWS::EC2::NetworkInterface"], calls=["DescribeNetworkInterfaces"])
def network_interfaces(ctx: Ctx) -> list[Resource]:
    out = []
    for n in ctx.pages("DescribeNetworkInterfaces", "NetworkInterfaces"):
        att = n.get("Attachment") or {}
        if n.get("RequesterManaged") or (att.get("InstanceId") and att.get("DeviceIndex") == 0):
            continue  # a service's own interface, or an instance's primary one (judged with the instance)
        nid = n["NetworkInterfaceId"]
        out.append(ctx.resource("AWS::EC2::NetworkInterface", nid, {
            "SubnetId": n.get("SubnetId"), "SourceDestCheck": n.get("SourceDestCheck", True),
            "InterfaceType": n.get("InterfaceType"), "Description": n.get("Description"),
            "GroupSet": [g.get("GroupId") for g in n.get("Groups") or ()],
        }, arn=ctx.arn("ec2", f"network-interface/{nid}"), tags=n.get("TagSet")))
    return out


@collector("ec2", types=["AWS::EC2::VPCBlockPublicAccessOptions"], calls=["DescribeVpcBlockPublicAccessOptions"])
def vpc_block_public_access(ctx: Ctx) -> list[Resource]:
    opts = known(ctx.call("DescribeVpcBlockPublicAccessOptions"), "VpcBlockPublicAccessOptions")
    return [ctx.resource("AWS::EC2::VPCBlockPublicAccessOptions", f"{ctx.account}/{ctx.region}/vpc-block-public-access", {
        "InternetGatewayBlockMode": (opts or {}).get("InternetGatewayBlockMode", "off"),
    })]


@collector("ec2", types=["AWS::EC2::ClientVpnEndpoint"], calls=["DescribeClientVpnEndpoints"])
def client_vpn_endpoints(ctx: Ctx) -> list[Resource]:
    return [ctx.resource("AWS::EC2::ClientVpnEndpoint", e["ClientVpnEndpointId"], {
        "Description": e.get("Description"),
        "ConnectionLogOptions": {"Enabled": bool((e.get("ConnectionLogOptions") or {}).get("Enabled")),
                                 "CloudwatchLogGroup": (e.get("ConnectionLogOptions") or {}).get("CloudwatchLogGroup")},
    }, arn=ctx.arn("ec2", f"client-vpn-endpoint/{e['ClientVpnEndpointId']}"), tags=e.get("Tags"))
        for e in ctx.pages("DescribeClientVpnEndpoints", "ClientVpnEndpoints")]


@collector("ec2", types=["AWS::EC2::VPNConnection"], calls=["DescribeVpnConnections"])
def vpn_connections(ctx: Ctx) -> list[Resource]:
    out = []
    for v in (ctx.call("DescribeVpnConnections") or {}).get("VpnConnections") or ():
        if v.get("State") in ("deleted", "deleting"):
            continue
        tunnels = [{"LogOptions": {"CloudwatchLogOptions": {
            "LogEnabled": bool(((t.get("LogOptions") or {}).get("CloudWatchLogOptions") or {}).get("LogEnabled"))}}}
            for t in (v.get("Options") or {}).get("TunnelOptions") or ()]
        out.append(ctx.resource("AWS::EC2::VPNConnection", v["VpnConnectionId"], {
            "Type": v.get("Type"), "CustomerGatewayId": v.get("CustomerGatewayId"),
            "VpnTunnelOptionsSpecifications": tunnels,
        }, arn=ctx.arn("ec2", f"vpn-connection/{v['VpnConnectionId']}"), tags=v.get("Tags")))
    return out


@collector("ec2", types=["AWS::EC2::SpotFleet"], calls=["DescribeSpotFleetRequests"])
def spot_fleets(ctx: Ctx) -> list[Resource]:
    out = []
    for f in ctx.pages("DescribeSpotFleetRequests", "SpotFleetRequestConfigs"):
        if f.get("SpotFleetRequestState") in ("cancelled", "cancelled_terminating", "failed"):
            continue
        cfg = f.get("SpotFleetRequestConfig") or {}
        specs = [{"ImageId": s.get("ImageId"), "InstanceType": s.get("InstanceType"),
                  "BlockDeviceMappings": [{"DeviceName": m.get("DeviceName"),
                                           **({"Ebs": {"Encrypted": (m.get("Ebs") or {}).get("Encrypted"),
                                                       "SnapshotId": (m.get("Ebs") or {}).get("SnapshotId")}}
                                              if "Ebs" in m else {})}
                                          for m in s.get("BlockDeviceMappings") or ()]}
                 for s in cfg.get("LaunchSpecifications") or ()]
        fid = f["SpotFleetRequestId"]
        out.append(ctx.resource("AWS::EC2::SpotFleet", fid, {
            "SpotFleetRequestConfigData": {"LaunchSpecifications": specs, "TargetCapacity": cfg.get("TargetCapacity")},
        }, arn=ctx.arn("ec2", f"spot-fleet-request/{fid}"), tags=f.get("Tags")))
    return out
