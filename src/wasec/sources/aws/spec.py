"""Collectors: how one service's API answers become canonical resources.

A collector is declared once with the data the rest of wasec derives from it: the boto3 service, the
canonical resource types it produces, every API operation it may call, and whether it runs once per
account (``global``) or once per region. The runner picks collectors by the resource types the
selected rules read, ``wasec permissions`` prints the IAM actions behind their calls, and a call a
collector did not declare is refused — so the printed policy and the read-only guarantee cannot
drift from the code.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from wasec.model.resource import Origin, Resource
from wasec.model.values import Unknown
from wasec.sources.aws.api import Api, CallError, is_read

T = TypeVar("T")


@dataclass(frozen=True)
class Collector:
    name: str
    service: str
    types: tuple[str, ...]
    calls: tuple[str, ...]
    fn: Callable[[Ctx], Iterable[Resource]]
    scope: str = "regional"  # "regional": once per region; "global": once per account


COLLECTORS: dict[str, Collector] = {}


def collector(service: str, *, types: Iterable[str], calls: Iterable[str], scope: str = "regional",
              name: str | None = None) -> Callable[[Callable[[Ctx], Iterable[Resource]]], Callable[[Ctx], Iterable[Resource]]]:
    """Declare a collector; the decorated function yields canonical resources."""

    def deco(fn: Callable[[Ctx], Iterable[Resource]]) -> Callable[[Ctx], Iterable[Resource]]:
        key = name or f"{service}.{fn.__name__}"
        ops = tuple(calls)
        bad = [op for op in ops if not is_read(op)]
        if bad:
            raise ValueError(f"collector {key} declares calls that are not reads: {bad}")
        if key in COLLECTORS:
            raise ValueError(f"collector {key} is defined twice")
        COLLECTORS[key] = Collector(key, service, tuple(types), ops, fn, scope)
        return fn

    return deco


def load_collectors() -> dict[str, Collector]:
    from wasec.sources.aws import collectors  # noqa: F401  (registration happens on import)

    return COLLECTORS


@dataclass
class Ctx:
    """What a collector sees: one account and region, and the calls it declared."""

    api: Api
    collector: Collector
    account: str
    region: str
    partition: str = "aws"
    items_pool: Executor | None = None
    errors: list[CallError] = field(default_factory=list)  # per-item failures: the service is partly assessed

    @property
    def service(self) -> str:
        return self.collector.service

    def _allowed(self, op: str) -> None:
        if op not in self.collector.calls:
            raise ValueError(f"collector {self.collector.name} calls {op}, which it does not declare")

    def call(self, op: str, *, absent: Iterable[str] = (), service: str | None = None, region: str | None = None,
             cached: bool = True, **params: Any) -> dict[str, Any] | None:
        """One call whose failure fails the whole collector (a list call); ``absent`` codes answer None."""
        self._allowed(op)
        try:
            return self.api.call(service or self.service, region or self.region, op, cached=cached, **params)
        except CallError as e:
            if e.code in absent:
                return None
            raise

    def pages(self, op: str, key: str, *, service: str | None = None, region: str | None = None,
              **params: Any) -> list[Any]:
        """Every item of a paginated list call; failure fails the whole collector."""
        self._allowed(op)
        return self.api.pages(service or self.service, region or self.region, op, key, **params)

    def item(self, op: str, *, absent: Iterable[str] = (), service: str | None = None, region: str | None = None,
             **params: Any) -> dict[str, Any] | Unknown | None:
        """A call about one resource: a failure makes its answer Unknown (with the reason), not the scan."""
        try:
            return self.call(op, absent=absent, service=service, region=region, **params)
        except CallError as e:
            self.errors.append(e)
            return Unknown(e.reason)

    def map(self, fn: Callable[[Any], T], items: Iterable[Any]) -> list[T]:
        """``fn`` over items concurrently (per-resource calls of one collector)."""
        seq = list(items)
        if self.items_pool is None or len(seq) < 2:
            return [fn(x) for x in seq]
        here = contextvars.copy_context()  # the unit this work is for (its request tally) goes along
        return list(self.items_pool.map(lambda x: here.copy().run(fn, x), seq))

    def arn(self, service: str, resource: str, *, region: str | None = None, account: str | None = None) -> str:
        reg = self.region if region is None else region
        acct = self.account if account is None else account
        return f"arn:{self.partition}:{service}:{reg}:{acct}:{resource}"

    def resource(self, type_: str, id_: str, properties: dict[str, Any], *, arn: str | None = None,
                 names: Iterable[Any] = (), tags: Any = None, region: str | None = "") -> Resource:
        """A canonical resource for this account: id is the ARN when there is one, names what else refers to it."""
        rid = arn or id_
        all_names = tuple(dict.fromkeys(str(n) for n in (id_, *names) if n and str(n) != rid))
        return Resource(
            type=type_,
            id=rid,
            properties=properties,
            origin=Origin("aws", f"aws:{self.account}", arn=arn),
            account=self.account,
            region=self.region if region == "" else region,
            names=all_names,
            tags=tag_dict(tags),
        )


def tag_dict(tags: Any) -> dict[str, str]:
    """AWS answers tags as ``[{Key, Value}]``, ``[{key, value}]`` or a mapping; resources keep a mapping."""
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    out: dict[str, str] = {}
    for t in tags or ():
        if isinstance(t, dict):
            k = t.get("Key", t.get("key", t.get("TagKey")))
            v = t.get("Value", t.get("value", t.get("TagValue", "")))
            if k is not None:
                out[str(k)] = str(v)
    return out


def tag_list(tags: Any) -> list[dict[str, str]]:
    """Tags in CloudFormation's ``[{Key, Value}]`` shape."""
    return [{"Key": k, "Value": v} for k, v in tag_dict(tags).items()]


def known(value: Any, *path: str) -> Any:
    """Dig into an API answer that may be Unknown (then the Unknown is the answer) or None."""
    cur = value
    for p in path:
        if isinstance(cur, Unknown):
            return cur
        cur = cur.get(p) if isinstance(cur, dict) else None
    return cur


def chunks(seq: list[T], n: int) -> Iterator[list[T]]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]
