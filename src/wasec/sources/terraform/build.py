"""Run the mappers over evaluated Terraform instances and assemble canonical resources.

Standalone resources are mapped first; sub-resources (``aws_s3_bucket_policy``,
``aws_security_group_rule``, policy attachments…) are then merged into the resource they name, or
into a fragment standing for it when it is not in the scanned code (see :mod:`wasec.sources.builder`).
"""

from __future__ import annotations

from collections.abc import Sequence

from wasec.model.finding import Problem
from wasec.model.resource import Resource
from wasec.model.values import Unknown
from wasec.sources.builder import Assembly
from wasec.sources.terraform.body import Body, Val
from wasec.sources.terraform.mapping import DATA_MAPPERS, MAPPERS, Builder, Mapper, tags_of


class MapCtx:
    """What a mapper may do besides filling its own builder."""

    def __init__(self, run: Assembly, address: str, body: Body) -> None:
        self.run = run
        self.address = address
        self.body = body
        self.dropped = False

    def emit(self, type_: str, suffix: str, body: Body) -> Builder:
        b = Builder(type_, f"{self.address}.{suffix}", body.file, body.line)
        self.run.add(b)
        return b

    def parent(self, val: Val, type_: str) -> Builder:
        b = self.run.parent(val.value, type_, self.address, val.file, val.line)
        assert isinstance(b, Builder)
        return b

    def drop(self) -> None:
        self.dropped = True


def assemble(instances: Sequence[tuple[str, str, Body, bool]], scope_name: str, source: str = "terraform",
             problems: list[Problem] | None = None) -> list[Resource]:
    """Map (tf_type, address, body, is_data) instances into canonical resources.

    A mapper that fails on one resource (a wasec bug meeting an unexpected shape) leaves that
    resource out with a problem naming its file and line; the others are mapped.
    """
    run = Assembly(scope_name, source, Builder)
    problems = problems if problems is not None else []
    later: list[tuple[Mapper, str, Body]] = []
    for tf_type, address, body, is_data in instances:
        mapper = (DATA_MAPPERS if is_data else MAPPERS).get(tf_type)
        if mapper is None:
            continue
        if mapper.parent is not None:
            later.append((mapper, address, body))
            continue
        o = Builder(mapper.cfn_type, address, body.file, body.line)
        ctx = MapCtx(run, address, body)
        try:
            mapper.fn(body, o, ctx)
        except Exception as e:
            problems.append(Problem.internal(body.file, e, body.line, f"mapping {address}"))
            continue
        if ctx.dropped:
            continue
        o.tags.update(tags_of(body))
        raw = body.attr("tags")
        if raw is not None and "Tags" not in o.props and (isinstance(raw.value, Unknown) or raw.value):
            # CloudFormation's tag shape, so rules and custom rules read one form; unknown tags stay unknown
            value = raw.value if isinstance(raw.value, Unknown) else [{"Key": str(k), "Value": v} for k, v in raw.value.items()] \
                if isinstance(raw.value, dict) else None
            if value is not None:
                o.put("Tags", value, raw.line)
        run.add(o)
    run.index_names()
    for mapper, address, body in later:
        via = body.attr(mapper.parent or "")
        value = via.value if via is not None else Unknown(f"{address} names no parent")
        parent = run.parent(value, mapper.cfn_type, address, body.file, body.line)
        assert isinstance(parent, Builder)
        try:
            mapper.fn(body, parent, MapCtx(run, address, body))
        except Exception as e:
            problems.append(Problem.internal(body.file, e, body.line, f"mapping {address}"))
    return run.resources()
