"""Read-only access to one AWS account.

Every request goes through :class:`Api`: clients are built once per (service, region) with botocore's
adaptive retries, every HTTP send first takes a token from the account's rate limiter, answers are
cached so one API answer serves every collector and rule that needs it, and any operation whose name
is not a read (``Describe*``, ``List*``, ``Get*``, ``BatchGet*``, plus ``GenerateCredentialReport``)
is refused before it is sent.
"""

from __future__ import annotations

import contextvars
import json
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wasec.errors import WasecError

READ_PREFIXES = ("Describe", "List", "Get", "BatchGet", "Lookup", "Head")
READ_EXTRA = frozenset({"GenerateCredentialReport"})


def is_read(operation: str) -> bool:
    """Whether an API operation (``DescribeInstances``) only reads."""
    return operation.startswith(READ_PREFIXES) or operation in READ_EXTRA


class NotReadOnly(WasecError):
    pass


@dataclass
class CallError(Exception):
    """An API call that failed after retries, classified for the coverage matrix."""

    service: str
    region: str
    operation: str
    code: str
    message: str
    kind: str  # denied | not-available | throttled | unreachable | not-found | error

    def __str__(self) -> str:
        return f"{self.service}:{self.operation} in {self.region}: {self.kind} ({self.code}: {self.message})"

    @property
    def reason(self) -> str:
        what = {"denied": "access denied", "not-available": "service not available", "throttled": "throttled beyond retries",
                "unreachable": "endpoint did not answer", "not-found": "not found", "error": "error"}[self.kind]
        return f"{what}: {self.service}:{self.operation} in {self.region} ({self.code})"


_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess", "AuthorizationError",
           "AuthFailure", "InvalidClientTokenId", "UnrecognizedClientException", "ExpiredToken", "SignatureDoesNotMatch",
           "Forbidden", "AccessDeniedForDependencyException", "OptInRequired", "SubscriptionRequiredException"}
_THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown",
              "ProvisionedThroughputExceededException", "RequestThrottled", "Throttled"}
_NOT_AVAILABLE = {"UnknownEndpoint", "UnsupportedOperation", "InvalidAction", "NotImplemented", "NotImplementedError",
                  "UnsupportedOperationException", "ServiceUnavailable"}


def classify(service: str, region: str, operation: str, exc: Exception) -> CallError:
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
        UnknownEndpointError,
    )

    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code", "Unknown"))
        msg = str(err.get("Message", ""))[:300]
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _DENIED or status == 403:
            kind = "denied"
        elif code in _THROTTLED or status == 429:
            kind = "throttled"
        elif code in _NOT_AVAILABLE or status in (501,) or (status and status >= 500 and "not been implemented" in msg):
            kind = "not-available"
        elif status == 404 or code.endswith(("NotFound", "NotFoundException", "NoSuchEntity")):
            kind = "not-found"
        else:
            kind = "error"
        return CallError(service, region, operation, code, msg, kind)
    if isinstance(exc, UnknownEndpointError):
        return CallError(service, region, operation, "UnknownEndpoint", str(exc)[:300], "not-available")
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError)):
        return CallError(service, region, operation, type(exc).__name__, str(exc)[:300], "unreachable")
    return CallError(service, region, operation, type(exc).__name__, str(exc)[:300], "error")


class RateLimiter:
    """A rate cap shared by every thread working on one account (``rate`` requests a second).

    Each request reserves the next free slot under the lock and then sleeps outside it, so there is
    no retry loop (and no floating-point stall): a one-second burst, then ``rate`` a second.
    """

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = rate
        self.clock = clock
        self.sleep = sleep
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.burst = (max(1.0, rate) - 1) * self.interval  # how far ahead of "now" a slot may be taken
        self.next_slot = clock()
        self.lock = threading.Lock()

    def acquire(self) -> None:
        if self.rate <= 0:
            return
        with self.lock:
            now = self.clock()
            slot = max(self.next_slot, now)
            self.next_slot = slot + self.interval
            wait = slot - now - self.burst
        if wait > 0:
            self.sleep(wait)


@dataclass
class Stats:
    requests: int = 0
    by_operation: Counter[str] = field(default_factory=Counter)


class Tally:
    """Requests made on behalf of one scan unit, whichever thread makes them (see UNIT_REQUESTS)."""

    def __init__(self) -> None:
        self.n = 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self.n += 1


# the unit a thread is working for; the per-item pool carries it along (spec.Ctx.map)
UNIT_REQUESTS: contextvars.ContextVar[Tally | None] = contextvars.ContextVar("wasec_unit_requests", default=None)


class Api:
    """The read-only gateway to one account's APIs (thread-safe)."""

    def __init__(self, session: Any, account: str, limiter: RateLimiter, *, emulated: bool = False,
                 max_attempts: int = 6, max_pool: int = 32) -> None:
        self.session = session
        self.account = account
        self.limiter = limiter
        self.emulated = emulated
        self.max_attempts = max_attempts
        self.max_pool = max_pool
        self.stats = Stats()
        self._clients: dict[tuple[str, str], Any] = {}
        self._cache: dict[tuple[Any, ...], Any] = {}
        self._key_locks: dict[tuple[Any, ...], threading.Lock] = defaultdict(threading.Lock)
        self._lock = threading.Lock()

    # -- clients ---------------------------------------------------------------------------------
    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        c = self._clients.get(key)
        if c is not None:
            return c
        with self._lock:
            lock = self._key_locks[("client", *key)]
        with lock:  # one client per (service, region), built once however many threads ask
            c = self._clients.get(key)
            if c is None:
                from botocore.config import Config

                cfg = Config(
                    region_name=region,
                    retries={"mode": "adaptive", "max_attempts": self.max_attempts},
                    connect_timeout=5,
                    read_timeout=30,
                    max_pool_connections=self.max_pool,
                    user_agent_extra="wasec",
                )
                c = self.session.client(service, config=cfg)
                c.meta.events.register("before-send", self._before_send)
                self._clients[key] = c
            return c

    def _before_send(self, request: Any = None, **kwargs: Any) -> None:
        if self.emulated and request is not None:
            # an emulator listens on one host: drop the account-id label S3 Control puts in front of it
            request.url = _ACCOUNT_HOST.sub(r"\1", request.url)
        self.limiter.acquire()
        with self._lock:
            self.stats.requests += 1
        tally = UNIT_REQUESTS.get()
        if tally is not None:
            tally.add()

    # -- calls -------------------------------------------------------------------------------------
    def call(self, service: str, region: str, op: str, *, cached: bool = True, **params: Any) -> dict[str, Any]:
        """One API call (answer and failure both cached unless ``cached`` is False); raises CallError."""
        if not cached:
            if not is_read(op):
                raise NotReadOnly(f"wasec is read-only: refusing {service}:{op}")
            try:
                return getattr(self.client(service, region), xform(op))(**params)
            except Exception as e:
                raise classify(service, region, op, e) from None
        key = (service, region, op, json.dumps(params, sort_keys=True, default=str))
        return self._once(key, service, region, op, lambda c: getattr(c, xform(op))(**params))

    def memo(self, key: tuple[Any, ...], compute: Any) -> Any:
        """A value built from several calls (the credential report), computed once per account."""
        with self._lock:
            lock = self._key_locks[("memo", *key)]
        with lock:
            hit = self._cache.get(("memo", *key), _MISS)
            if hit is _MISS:
                try:
                    hit = compute()
                except CallError as e:
                    hit = e
                self._cache[("memo", *key)] = hit
        if isinstance(hit, CallError):
            raise hit
        return hit

    def pages(self, service: str, region: str, op: str, key: str, **params: Any) -> list[Any]:
        """Every item of a paginated list operation, ``key`` a dotted path into each page (cached)."""

        def fetch(client: Any) -> list[Any]:
            name = xform(op)
            if not client.can_paginate(name):
                return _dig(getattr(client, name)(**params), key)
            items: list[Any] = []
            for page in client.get_paginator(name).paginate(**params):
                items.extend(_dig(page, key))
            return items

        ck = (service, region, op, "pages", key, json.dumps(params, sort_keys=True, default=str))
        return self._once(ck, service, region, op, fetch)

    def _once(self, key: tuple[Any, ...], service: str, region: str, op: str, fetch: Any) -> Any:
        if not is_read(op):
            raise NotReadOnly(f"wasec is read-only: refusing {service}:{op}")
        hit = self._cache.get(key, _MISS)
        if hit is _MISS:
            with self._lock:
                lock = self._key_locks[key]
            with lock:  # one fetch per key, however many threads ask at once
                hit = self._cache.get(key, _MISS)
                if hit is _MISS:
                    try:
                        hit = fetch(self.client(service, region))
                    except Exception as e:  # every failure is classified and reported, never swallowed
                        hit = classify(service, region, op, e)
                    with self._lock:
                        self.stats.by_operation[f"{service}:{op}"] += 1
                    self._cache[key] = hit
        if isinstance(hit, CallError):
            raise hit
        return hit


_MISS = object()
_ACCOUNT_HOST = re.compile(r"^(https?://)\d{12}\.")


def xform(op: str) -> str:
    """``DescribeDBInstances`` → ``describe_db_instances`` (botocore's own conversion)."""
    from botocore import xform_name

    return str(xform_name(op))


def _dig(page: dict[str, Any], key: str) -> list[Any]:
    """The items under a dotted ``key`` of one answer page; an empty key keeps the whole page."""
    if not key:
        return [page]
    cur: Any = page
    for part in key.split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    return list(cur or [])
