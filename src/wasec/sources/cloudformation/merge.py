"""Merge CloudFormation's split-off resources into the resource they configure.

One real-world object is one canonical resource: a bucket carries its policy, a security group its
rules, a role the policies attached to it. A sub-resource whose target is outside the template
becomes a fragment of the target's type (see :mod:`wasec.sources.builder`).
"""

from __future__ import annotations

from typing import Any

from wasec.model.resource import Loc, PathKey
from wasec.model.values import ref
from wasec.sources.builder import Assembly, Builder


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v] if v is not None else []


def _copy_locs(src: Builder, src_path: PathKey, dst: Builder, dst_path: PathKey) -> None:
    n = len(src_path)
    for p, loc in src.locs.items():
        if p[:n] == src_path:
            dst.locs[dst_path + p[n:]] = loc
    if dst_path not in dst.locs:
        dst.locs[dst_path] = src.locs.get(src_path, Loc(src.file, src.line))


def _set_doc(run: Assembly, sub: Builder, targets: list[Any], type_: str, prop: str, doc_key: str = "PolicyDocument") -> bool:
    doc = sub.props.get(doc_key)
    for t in targets:
        target = run.parent(t, type_, sub.id, sub.file, sub.line)
        target.put(prop, doc)
        _copy_locs(sub, (doc_key,), target, (prop,))
    return bool(targets)


def _sg_rule(run: Assembly, sub: Builder, egress: bool) -> None:
    group = sub.props.get("GroupId", sub.props.get("GroupName"))
    target = run.parent(group, "AWS::EC2::SecurityGroup", sub.id, sub.file, sub.line)
    key = "SecurityGroupEgress" if egress else "SecurityGroupIngress"
    rule = {k: v for k, v in sub.props.items() if k not in ("GroupId", "GroupName")}
    idx = target.append(key, rule, sub.line, sub.file)
    for p, loc in sub.locs.items():
        if p and p[0] not in ("GroupId", "GroupName"):
            target.locs[(key, idx, *p)] = loc


_PRINCIPALS = {"Roles": "AWS::IAM::Role", "Users": "AWS::IAM::User", "Groups": "AWS::IAM::Group"}


def _iam_policy(run: Assembly, sub: Builder) -> bool:
    attached = False
    for key, type_ in _PRINCIPALS.items():
        for t in _list(sub.props.get(key)):
            principal = run.parent(t, type_, sub.id, sub.file, sub.line)
            idx = principal.append("Policies", {"PolicyName": sub.props.get("PolicyName"),
                                               "PolicyDocument": sub.props.get("PolicyDocument")}, sub.line, sub.file)
            _copy_locs(sub, ("PolicyDocument",), principal, ("Policies", idx, "PolicyDocument"))
            attached = True
    return attached


def _managed_policy(run: Assembly, sub: Builder) -> None:
    for key, type_ in _PRINCIPALS.items():
        for t in _list(sub.props.get(key)):
            principal = run.parent(t, type_, sub.id, sub.file, sub.line)
            principal.append("ManagedPolicyArns", ref(sub.id, "Ref"), sub.line, sub.file)


def merge_split_resources(run: Assembly) -> None:
    for sub in list(run.order):
        t = sub.type
        merged = False
        if t == "AWS::S3::BucketPolicy":
            merged = _set_doc(run, sub, [sub.props.get("Bucket")], "AWS::S3::Bucket", "PolicyDocument")
        elif t == "AWS::SQS::QueuePolicy":
            merged = _set_doc(run, sub, _list(sub.props.get("Queues")), "AWS::SQS::Queue", "PolicyDocument")
        elif t == "AWS::SNS::TopicPolicy":
            merged = _set_doc(run, sub, _list(sub.props.get("Topics")), "AWS::SNS::Topic", "PolicyDocument")
        elif t in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
            _sg_rule(run, sub, egress=t.endswith("Egress"))
            merged = True
        elif t == "AWS::IAM::Policy":
            merged = _iam_policy(run, sub)
        elif t == "AWS::IAM::ManagedPolicy":
            _managed_policy(run, sub)
        elif t == "AWS::IAM::UserToGroupAddition":
            for u in _list(sub.props.get("Users")):
                user = run.parent(u, "AWS::IAM::User", sub.id, sub.file, sub.line)
                user.append("Groups", sub.props.get("GroupName"), sub.line, sub.file)
            merged = True
        elif t == "AWS::ECR::RepositoryPolicy":  # legacy type
            merged = _set_doc(run, sub, [sub.props.get("RepositoryName")], "AWS::ECR::Repository",
                              "RepositoryPolicyText", "PolicyText")
        if merged:
            run.order.remove(sub)
            run.builders.pop(sub.id, None)
