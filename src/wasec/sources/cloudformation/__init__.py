"""CloudFormation and SAM templates (YAML or JSON) → canonical resources.

Templates already speak the canonical vocabulary; this source resolves intrinsics, expands SAM
resources, and merges the resources CloudFormation splits off (bucket, queue and topic policies,
security group rules, IAM policies attached to principals) into the resource they configure.
"""

from __future__ import annotations

from typing import Any

from wasec.errors import ParseError
from wasec.model.finding import Problem
from wasec.model.resource import Loc, PathKey, Resource
from wasec.model.values import Unknown
from wasec.sources.builder import Assembly, Builder
from wasec.sources.cloudformation import foreach, sam
from wasec.sources.cloudformation.exports import Exports
from wasec.sources.cloudformation.intrinsics import NO_VALUE, CfnError, Resolver
from wasec.sources.documents import Lines, load_json, load_yaml
from wasec.sources.files import InputError, read_text


def parse_document(path: str, max_bytes: int) -> tuple[Any, Lines]:
    text = read_text(path, max_bytes)
    if text.lstrip()[:1] in ("{", "["):
        return load_json(text)
    return load_yaml(text)


def _tags(props: dict[str, Any]) -> dict[str, str]:
    tags = props.get("Tags")
    if isinstance(tags, list):
        return {str(t["Key"]): t["Value"] for t in tags if isinstance(t, dict) and "Key" in t and isinstance(t.get("Value"), str)}
    if isinstance(tags, dict):
        return {str(k): v for k, v in tags.items() if isinstance(v, str)}
    return {}


def load_template(path: str, params: dict[str, Any] | None = None, max_bytes: int = 20 * 1024 * 1024,
                  exports: Exports | None = None) -> tuple[list[Resource], list[Problem]]:
    """Read one template; problems name the file and line, the rest of the template still loads.

    With ``exports``, the template's exports are added to it on a first pass, and its imports read from it once
    every template's exports are in (see :mod:`.exports`).
    """
    problems: list[Problem] = []
    try:
        doc, lines = parse_document(path, max_bytes)
    except ParseError as e:
        return [], [Problem(path, e.message, e.line)]
    except InputError as e:
        return [], [Problem(path, str(e))]
    if not isinstance(doc, dict):
        return [], [Problem(path, "not a CloudFormation template: the document is not a mapping")]
    res_section = doc.get("Resources")
    if not isinstance(res_section, dict):
        # a file that only mentions resource types (a macro's event, a manifest) is not a template: say so, gently
        kind = "error" if "AWSTemplateFormatVersion" in doc or "Resources" in doc else "warning"
        return [], [Problem(path, "not a CloudFormation template: no Resources mapping", lines.get(("Resources",)), kind=kind)]
    resolver = Resolver(doc, params, exports, path)
    if exports is not None and not exports.complete:
        _add_exports(exports, path, doc, resolver)
    try:
        res_section = foreach.expand(res_section, lambda c: _collection(resolver, c), lines, ("Resources",))
    except foreach.ForEachError as e:
        problems.append(Problem(path, f"Resources: {e}; the loop is not assessed", lines.get(("Resources",))))
        res_section = {k: v for k, v in res_section.items() if not str(k).startswith(foreach.PREFIX)}
    g = doc.get("Globals")
    globals_: dict[str, Any] = g if isinstance(g, dict) else {}
    run = Assembly(path, "cloudformation")
    for lid, res in res_section.items():
        base: PathKey = ("Resources", lid)
        line = lines.get(base, 1)
        if isinstance(res, dict) and isinstance(res.get("Type"), dict) and "Rain::Module" in res["Type"]:
            problems.append(Problem(path, f"resource {lid} is a Rain module ({res['Type']['Rain::Module']}); "
                                    "package the template with `rain pkg` to assess it", line, kind="warning"))
            continue
        if not isinstance(res, dict) or not isinstance(res.get("Type"), str):
            problems.append(Problem(path, f"resource {lid} has no Type", line))
            continue
        type_ = res["Type"]
        cond = res.get("Condition")
        if isinstance(cond, str):
            try:
                c = resolver.condition(cond)
            except CfnError as e:
                problems.append(Problem(path, f"resource {lid}: {e}", line))
                c = True
            if c is False:
                continue
        raw = res.get("Properties")
        if raw is not None and not isinstance(raw, dict):
            problems.append(Problem(path, f"resource {lid}: Properties must be a mapping", lines.get((*base, "Properties"), line)))
            raw = {}
        props: dict[str, Any] = {}
        for key, value in (raw or {}).items():
            try:
                v = resolver.resolve(value)
            except CfnError as e:
                problems.append(Problem(path, f"resource {lid}, property {key}: {e}", lines.get((*base, "Properties", key), line), "warning"))
                v = Unknown(f"{key} could not be resolved: {e}")
            except RecursionError:
                problems.append(Problem(path, f"resource {lid}, property {key}: nested too deeply", line))
                v = Unknown(f"{key} is nested too deeply")
            if v is not NO_VALUE:
                props[key] = v
        prop_lines = {p[3:]: ln for p, ln in lines.items() if len(p) > 3 and p[:3] == (*base, "Properties")}
        if type_.startswith("AWS::Serverless::"):
            for g in sam.transform(lid, type_, props, globals_):
                b = Builder(g.type, g.id, path, line)
                b.props = g.props
                for gen_path, sam_path in g.paths.items():
                    ln = _line_for(prop_lines, sam_path) or line
                    b.locs[gen_path] = Loc(path, ln)
                    n = len(sam_path)
                    for p, pl in prop_lines.items():  # deeper SAM lines follow their parent
                        if n and len(p) > n and p[:n] == sam_path:
                            b.locs.setdefault((*gen_path, *p[n:]), Loc(path, pl))
                b.names.extend(_names(g.type, g.id, g.props))
                b.tags = _tags(props)
                run.add(b)
            continue
        b = Builder(type_, lid, path, line)
        b.props = props
        b.locs = {p: Loc(path, ln) for p, ln in prop_lines.items()}
        b.names.extend(_names(type_, lid, props))
        b.tags = _tags(props)
        run.add(b)
    run.index_names()
    from wasec.sources.cloudformation.merge import merge_split_resources

    merge_split_resources(run)
    return run.resources(), problems


def _add_exports(exports: Exports, path: str, doc: dict[str, Any], resolver: Resolver) -> None:
    outputs = doc.get("Outputs")
    for out in outputs.values() if isinstance(outputs, dict) else ():
        if not isinstance(out, dict) or not isinstance(out.get("Export"), dict) or "Name" not in out["Export"]:
            continue
        try:
            cond = out.get("Condition")
            if isinstance(cond, str) and resolver.condition(cond) is False:
                continue
            exports.add(path, resolver.resolve(out["Export"]["Name"]), resolver.resolve(out.get("Value")))
        except (CfnError, RecursionError):
            continue  # an output that cannot be resolved exports nothing wasec can use; its template says so elsewhere


def _collection(resolver: Resolver, value: Any) -> list[Any]:
    items = resolver.resolve(value)
    if isinstance(items, str):  # a CommaDelimitedList parameter's default
        items = [x.strip() for x in items.split(",")]
    if not isinstance(items, list) or any(isinstance(x, Unknown) for x in items):
        raise foreach.ForEachError(f"Fn::ForEach collection is not known here ({getattr(items, 'reason', items)!s:.120})")
    return items


def _line_for(lines: dict[PathKey, int], path: PathKey) -> int | None:
    for n in range(len(path), 0, -1):
        hit = lines.get(path[:n])
        if hit is not None:
            return hit
    return None


_NAME_PROPS = ("BucketName", "RoleName", "UserName", "GroupName", "QueueName", "TopicName", "LogGroupName",
               "RepositoryName", "FunctionName", "TableName", "TrailName", "ManagedPolicyName", "DomainName",
               "ClusterName", "Name", "GroupName", "AliasName", "DBInstanceIdentifier", "DBClusterIdentifier")


def _names(type_: str, lid: str, props: dict[str, Any]) -> list[str]:
    out = [lid]
    for p in _NAME_PROPS:
        v = props.get(p)
        if isinstance(v, str) and not isinstance(v, Unknown):
            out.append(v)
        elif isinstance(v, Unknown) and v.text and "${" in v.text:
            out.append(v.text)  # a name with parameters in it: matched by its text (no real name contains "${")
    return out
