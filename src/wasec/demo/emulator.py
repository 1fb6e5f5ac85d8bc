"""An emulated AWS account on loopback (moto's server), with a request log and fault injection.

``wasec demo``, the test suite and the live benchmark all use it. Every request that reaches the
emulator is recorded and named by its API operation (from botocore's own service models: the
``Action`` parameter, the ``X-Amz-Target`` header, or method + URI template), so a test can prove
that a scan only read, and a benchmark can count each tool's requests. Faults (access denied,
throttling, a service that is not there) are answered in the protocol the client speaks.

Operations the emulator does not implement answer ``501 NotImplemented`` instead of moto's bare
500, which a client would retry; wasec reports them as "service not available".
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

ACCOUNT = "123456789012"
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    service: str  # botocore service name ("ec2", "s3control")
    signing: str  # the SigV4 signing name ("ec2", "s3")
    region: str
    operation: str
    body: str
    status: int = 0

    @property
    def name(self) -> str:
        return f"{self.service}:{self.operation}"


@dataclass
class Fault:
    """Answer matching requests with an AWS error instead of passing them on."""

    code: str
    status: int = 400
    message: str = "injected by the test emulator"
    when: Callable[[Request], bool] = field(default=lambda r: True)


class _Operations:
    """Request → (service, operation) using botocore's service models."""

    def __init__(self) -> None:
        import botocore.session

        self.session = botocore.session.get_session()
        self.by_signing: dict[str, list[str]] = {}
        for name in self.session.get_available_services():
            try:
                meta = self.session.get_service_model(name).metadata
            except Exception:  # pragma: no cover - a model botocore cannot load
                continue
            signing = meta.get("signingName") or meta.get("endpointPrefix") or name
            self.by_signing.setdefault(signing, []).append(name)
        for signing, names in self.by_signing.items():
            names.sort(key=lambda n: n != signing)
        self._rest: dict[str, list[tuple[str, str, str, re.Pattern[str], tuple[str, ...], int, bool]]] = {}
        self._targets: dict[str, str] = {}
        self._lock = threading.Lock()

    def _rest_index(self, signing: str) -> list[tuple[str, str, str, re.Pattern[str], tuple[str, ...], int, bool]]:
        with self._lock:
            if signing in self._rest:
                return self._rest[signing]
            out = []
            for svc in self.by_signing.get(signing, ()):
                model = self.session.get_service_model(svc)
                if model.metadata.get("protocol") not in ("rest-json", "rest-xml"):
                    continue
                for op in model.operation_names:
                    http = model.operation_model(op).http
                    uri = str(http.get("requestUri", "/"))
                    path, _, q = uri.partition("?")
                    keys = tuple(k.split("=")[0] for k in q.split("&") if k)
                    pattern = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", re.escape(path))
                    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
                    literal = len(re.sub(r"\{[^}]+\}", "", path))
                    current = not model.operation_model(op).deprecated  # GetBucketLifecycleConfiguration over GetBucketLifecycle
                    out.append((svc, op, str(http.get("method", "GET")), re.compile(pattern.rstrip("/") + "/?$"), keys, literal,
                                current))
            self._rest[signing] = out
            return out

    def identify(self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
                 body: str) -> tuple[str, str, str, str]:
        """(service, signing name, region, operation) of one request."""
        m = _SCOPE.search(headers.get("authorization", ""))
        region, signing = (m.group(1), m.group(2)) if m else ("us-east-1", "unknown")
        services = self.by_signing.get(signing, [signing])
        target = headers.get("x-amz-target")
        if target:
            return self._by_target(services, target), signing, region, target.rsplit(".", 1)[-1]
        form = urllib.parse.parse_qs(body) if body and "=" in body and not body.lstrip().startswith(("{", "<")) else {}
        action = _first(query, form, "Action")
        if action:
            return self._by_version(services, _first(query, form, "Version")), signing, region, action
        best: tuple[int, int, bool, str, str] | None = None
        for svc, op, verb, pattern, keys, literal, current in self._rest_index(signing):
            if verb == method and pattern.match(path) and all(k in query for k in keys):
                score = (len(keys), literal, current)
                if best is None or score > best[:3]:
                    best = (*score, svc, op)
        if best is None:
            return services[0], signing, region, f"{method} {path}"
        return best[3], signing, region, best[4]

    def _by_target(self, services: list[str], target: str) -> str:
        prefix = target.rsplit(".", 1)[0]
        for svc in services:
            if self.session.get_service_model(svc).metadata.get("targetPrefix") == prefix:
                return svc
        return services[0]

    def _by_version(self, services: list[str], version: str | None) -> str:
        for svc in services:
            if self.session.get_service_model(svc).metadata.get("apiVersion") == version:
                return svc
        return services[0]

    def protocol(self, service: str) -> str:
        try:
            return str(self.session.get_service_model(service).metadata.get("protocol"))
        except Exception:
            return "query"


def _first(query: dict[str, list[str]], form: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key) or form.get(key)
    return values[0] if values else None


def _reply(start_response: Any, protocol: str, code: str, message: str, status: int) -> list[bytes]:
    """Answer with an AWS error, in the protocol the client speaks."""
    line, headers, body = _error(protocol, code, message, status)
    start_response(line, [*headers, ("Content-Length", str(len(body)))], None)
    return [body]


def _error(protocol: str, code: str, message: str, status: int) -> tuple[str, list[tuple[str, str]], bytes]:
    reason = {400: "Bad Request", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error",
              501: "Not Implemented", 503: "Service Unavailable"}.get(status, "Error")
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message}).encode()
        return f"{status} {reason}", [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code)], body
    if protocol == "ec2":
        xml = f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>wasec</RequestID></Response>"
    elif protocol == "rest-xml":
        xml = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>wasec</RequestId></Error>"
    else:
        xml = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
               "<RequestId>wasec</RequestId></ErrorResponse>")
    return f"{status} {reason}", [("Content-Type", "text/xml")], xml.encode()


class _Recorder:
    """WSGI middleware in front of moto: record, name, and optionally fault each request."""

    def __init__(self, app: Any, emulator: Emulator) -> None:
        self.app = app
        self.em = emulator

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        path = urllib.parse.unquote(environ.get("PATH_INFO", "/"))
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        text = raw.decode("utf-8", errors="replace")
        service, signing, region, op = self.em.ops.identify(environ["REQUEST_METHOD"], path, query, headers, text)
        req = Request(environ["REQUEST_METHOD"], path, query, service, signing, region, op, text)
        with self.em.lock:
            self.em.log.append(req)
            faults = list(self.em.faults)
        if self.em.latency:
            time.sleep(self.em.latency)  # a network and a service that take time to answer (benchmarks, engine tests)
        protocol = self.em.ops.protocol(service)
        for f in faults:
            if f.when(req):
                req.status = f.status
                return _reply(start_response, protocol, f.code, f.message, f.status)
        if not self.em.serves(signing, environ):
            req.status = 501
            return _reply(start_response, protocol, "NotImplemented", f"the emulator has no {signing} service", 501)
        captured: dict[str, Any] = {}

        def start(status: str, hdrs: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"] = int(status.split()[0])
            return start_response(status, hdrs, exc_info)

        try:
            out = self.app(environ, start)
        except Exception:  # an operation the emulator does not implement
            req.status = 501
            return _reply(start_response, protocol, "NotImplemented", f"the emulator does not implement {service}:{op}", 501)
        req.status = captured.get("status", 0)
        return out


class Emulator:
    """moto's server on 127.0.0.1 (a free port) with a request log; use as a context manager."""

    def __init__(self) -> None:
        self.log: list[Request] = []
        self.faults: list[Fault] = []
        self.latency = 0.0  # seconds added to every request
        self.lock = threading.Lock()
        self.ops = _Operations()
        self._supported: dict[str, bool] = {}
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self._env: dict[str, str | None] = {}

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serves(self, signing: str, environ: dict[str, Any]) -> bool:
        """Whether moto has a backend for this signing name (found as moto finds it, asked once per name)."""
        with self.lock:
            known = self._supported.get(signing)
        if known is None:
            host = self._dispatcher.infer_service_region_host(environ, environ.get("PATH_INFO", "/"))
            from moto.backends import list_of_moto_modules

            known = host is None or host in ("moto_api", "instance_metadata") or host in list_of_moto_modules() or any(
                p.match(f"http://{host}") for _, p in self._dispatcher.backend_url_patterns)
            with self.lock:
                self._supported[signing] = known
        return known

    def start(self) -> Emulator:
        os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        for name in ("werkzeug", "moto"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        self._dispatcher = DomainDispatcherApplication(create_backend_app)
        self._server = make_server("127.0.0.1", 0, _Recorder(self._dispatcher, self), threaded=True,
                                   request_handler=MotoRequestHandler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="wasec-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    @contextlib.contextmanager
    def environment(self, region: str = "us-east-1") -> Iterator[None]:
        """Point boto3 (in this process and its children) at the emulator with throwaway credentials."""
        values = {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                  "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": region, "AWS_REGION": region,
                  "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
        saved = {k: os.environ.get(k) for k in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def reset_log(self) -> list[Request]:
        with self.lock:
            out, self.log = self.log, []
        return out

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
