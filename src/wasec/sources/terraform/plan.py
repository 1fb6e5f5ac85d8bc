"""Terraform plans (``terraform show -json plan.out``), read exactly.

A plan holds the values Terraform will apply (``planned_values``), which of them are known only after
apply (``resource_changes[].change.after_unknown``) and, in ``configuration``, the references
between resources. The same mappers as for ``.tf`` files turn each resource into its canonical form;
a value Terraform itself does not know yet stays unknown, with the reference it comes from.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

import orjson

from wasec.model.finding import Problem
from wasec.model.resource import Origin, Resource
from wasec.model.values import Unknown
from wasec.sources.files import InputError, read_text
from wasec.sources.terraform.body import DictBody

_REF_ATTR = re.compile(r"^(?:module\.[^.]+(?:\[[^\]]+\])?\.)*(?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+(?:\[[^\]]+\])?")


def _walk_modules(module: dict[str, Any]) -> list[dict[str, Any]]:
    out = list(module.get("resources") or [])
    for child in module.get("child_modules") or []:
        if isinstance(child, dict):
            out.extend(_walk_modules(child))
    return out


def _config_expressions(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per configuration address (modules prefixed), the resource's ``expressions`` with module-qualified references."""
    out: dict[str, dict[str, Any]] = {}

    def qualify(expr: Any, prefix: str) -> Any:
        if isinstance(expr, list):
            return [qualify(x, prefix) for x in expr]
        if not isinstance(expr, dict):
            return expr
        if "references" in expr or "constant_value" in expr:
            targets = []
            for ref in expr.get("references") or []:
                m = _REF_ATTR.match(str(ref))
                if m and not m.group().startswith(("var.", "local.", "each.", "count.", "path.")):
                    targets.append(prefix + m.group())
            return {"refs": list(dict.fromkeys(targets))}
        return {k: qualify(v, prefix) for k, v in expr.items()}

    def visit(mod: dict[str, Any], prefix: str) -> None:
        for res in mod.get("resources") or []:
            out[prefix + str(res.get("address"))] = qualify(res.get("expressions") or {}, prefix)
        for name, call in (mod.get("module_calls") or {}).items():
            if isinstance(call, dict) and isinstance(call.get("module"), dict):
                visit(call["module"], f"{prefix}module.{name}.")

    root = config.get("root_module")
    if isinstance(root, dict):
        visit(root, "")
    return out


def _merge_unknowns(values: dict[str, Any], exprs: dict[str, Any], unknown: Any) -> dict[str, Any]:
    """Values with references put back where Terraform does not know the value yet.

    Attributes the configuration does not set are left out of ``after_unknown`` (the provider computes
    them; their defaults apply) so that only what the configuration makes unknown stays unknown.
    """
    unknown = unknown if isinstance(unknown, dict) else {}
    kept: dict[str, Any] = {}
    for attr, expr in exprs.items():
        u = unknown.get(attr)
        if isinstance(expr, dict) and "refs" in expr:
            if u is True or values.get(attr) is None:
                if expr["refs"]:
                    values[attr] = Unknown(f"{attr} is known only after apply", nonnull=True, refs=tuple(expr["refs"]),
                                           text="${" + expr["refs"][0] + "}")
                elif u is True:
                    kept[attr] = True
        elif isinstance(expr, list) and isinstance(values.get(attr), list):
            blocks = values[attr]
            for i, block_expr in enumerate(expr):
                if i < len(blocks) and isinstance(blocks[i], dict) and isinstance(block_expr, dict):
                    bu = u[i] if isinstance(u, list) and i < len(u) else {}
                    nested = _merge_unknowns(blocks[i], block_expr, bu)
                    if nested:
                        kept.setdefault(attr, [{} for _ in blocks])[i] = nested
        elif u is True:
            kept[attr] = True
    return kept


def _config_address(address: str) -> str:
    """``module.a["x"].aws_s3_bucket.b[0]`` → ``module.a.aws_s3_bucket.b`` (the configuration address)."""
    return re.sub(r"\[[^\]]*\]", "", address)


def load_plan(path: str, max_bytes: int) -> tuple[list[Resource], list[Problem]]:
    from wasec.sources.terraform.build import assemble
    from wasec.sources.terraform.mapping import DATA_MAPPERS, MAPPERS

    try:
        text = read_text(path, max_bytes)
        plan = orjson.loads(text)
    except InputError as e:
        return [], [Problem(path, str(e))]
    except orjson.JSONDecodeError as e:
        return [], [Problem(path, f"invalid JSON: {e}")]
    if not isinstance(plan, dict) or ("planned_values" not in plan and "resource_changes" not in plan):
        return [], [Problem(path, "not a Terraform plan: no planned_values")]
    unknown: dict[str, Any] = {}
    for rc in plan.get("resource_changes") or []:
        if isinstance(rc, dict) and isinstance(rc.get("change"), dict):
            unknown[str(rc.get("address"))] = rc["change"].get("after_unknown") or {}
    expressions = _config_expressions(plan.get("configuration") or {})
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    planned = plan.get("planned_values") or {}
    resources = _walk_modules(planned.get("root_module") or {})
    prior = ((plan.get("prior_state") or {}).get("values") or {}).get("root_module") or {}
    resources += [r for r in _walk_modules(prior) if r.get("mode") == "data"]
    instances = []
    unmapped: list[Resource] = []
    for res in resources:
        if not isinstance(res, dict):
            continue
        tf_type, mode, address = str(res.get("type")), res.get("mode", "managed"), str(res.get("address"))
        is_data = mode == "data"
        if tf_type not in (DATA_MAPPERS if is_data else MAPPERS):
            if not is_data:  # read, not judged: counted so the scan's coverage is visible
                unmapped.append(Resource(f"Terraform::{tf_type}", address, {}, Origin("terraform-plan", path, path)))
            continue
        values = dict(res.get("values") or {})
        after_unknown = unknown.get(address, {})
        exprs = expressions.get(_config_address(address))
        if exprs is not None:
            after_unknown = _merge_unknowns(values, exprs, after_unknown)
        pos = text.find(f'"address":"{address}"')
        if pos < 0:
            pos = text.find(f'"address": "{address}"')
        line = bisect.bisect_right(starts, pos) if pos >= 0 else 1
        instances.append((tf_type, address, DictBody(values, path, line, None, after_unknown), is_data))
    problems: list[Problem] = []
    return assemble(instances, path, source="terraform-plan", problems=problems) + unmapped, problems
