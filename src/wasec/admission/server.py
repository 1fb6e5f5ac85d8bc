"""The webhook over HTTPS.

``POST /validate/<lane>-<level>[/…]`` decides one AdmissionReview at the levels the path names (see
:mod:`wasec.admission.levels`); ``GET /healthz`` says the process lives, ``/readyz`` that it takes requests
(503 while it drains), ``/metrics`` serves Prometheus metrics. A request that is not an AdmissionReview
gets 400 with the reason; a body that does not arrive in time gets 408; a wasec bug on one request is a
500 that names it, and the server goes on. The certificate and key are read again when their files
change (cert-manager rotates them in place), for new connections, without dropping open ones. SIGTERM
stops taking connections and lets the requests in flight finish.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any

from wasec.admission.levels import BadPath, Levels, parse_path
from wasec.admission.metrics import Metrics
from wasec.admission.review import BadReview, Policy, decide

MAX_BODY = 3 * 1024 * 1024  # the API server's own request limit is 3 MiB
READ_TIMEOUT = 10.0  # seconds a client may take to send a request (the API server's default webhook deadline)
RELOAD_EVERY = 1.0  # seconds between looks at the certificate files


class Certificates:
    """A TLS context that follows its files: changed files make a new context for the next connections."""

    def __init__(self, cert: str, key: str) -> None:
        self.cert, self.key = cert, key
        self._lock = threading.Lock()
        self._stamp = self._stamps()
        self.context = tls_context(cert, key)
        self._checked = time.monotonic()
        self.reloads = 0
        self.error: str | None = None

    def _stamps(self) -> tuple[float, float, int, int]:
        a, b = os.stat(self.cert), os.stat(self.key)
        return a.st_mtime, b.st_mtime, a.st_ino, b.st_ino

    def current(self) -> ssl.SSLContext:
        now = time.monotonic()
        if now - self._checked < RELOAD_EVERY:
            return self.context
        with self._lock:
            self._checked = now
            try:
                stamp = self._stamps()
                if stamp != self._stamp:
                    self.context = tls_context(self.cert, self.key)  # a half-written pair fails here: keep the old one
                    self._stamp = stamp
                    self.reloads += 1
                    self.error = None
            except (OSError, ssl.SSLError, ValueError) as e:
                self.error = f"cannot reload {self.cert} and {self.key}: {e}"
        return self.context


class Webhook(ThreadingHTTPServer):
    daemon_threads = True
    # the kernel's queue of connections not yet accepted: the default (5) left half of a burst of 60 waiting a second
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], policy: Policy, default: Levels, log: IO[str],
                 certificates: Certificates | None) -> None:
        super().__init__(address, _Handler)
        self.policy, self.default, self.log = policy, default, log
        self.lock = threading.Lock()
        self.certificates = certificates
        self.metrics = Metrics()
        self.draining = False
        self._idle = threading.Condition()
        self._active = 0

    def finish_request(self, request: Any, client_address: Any) -> None:
        # the TLS handshake happens here, in the connection's own thread and with a deadline, so a client that
        # connects and says nothing cannot hold up the others
        request.settimeout(READ_TIMEOUT)
        # headers and body go out as separate writes: without TCP_NODELAY, Nagle's algorithm and the client's delayed
        # acknowledgement hold every response for ~40 ms
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.certificates is None:
            super().finish_request(request, client_address)
            return
        try:
            tls = self.certificates.current().wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            tls.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a connection that broke mid-request (reset, timed out while we answered): a log line, never a traceback
        exc = sys.exc_info()[1]
        self.record({"error": f"connection from {client_address[0]} ended: {type(exc).__name__}: {exc}"})

    def record(self, entry: dict[str, Any]) -> None:
        line = json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **entry}, separators=(",", ":"))
        with self.lock:
            self.log.write(line + "\n")
            self.log.flush()

    def begin(self) -> None:
        with self._idle:
            self._active += 1
        self.metrics.enter()

    def end(self) -> None:
        self.metrics.leave()
        with self._idle:
            self._active -= 1
            self._idle.notify_all()

    def drain(self, timeout: float = 25.0) -> bool:
        """Stop taking connections, wait for the requests in flight (at most ``timeout`` s); True when none is left."""
        self.draining = True
        self.shutdown()
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._active and time.monotonic() < deadline:
                self._idle.wait(deadline - time.monotonic())
            left = self._active
        self.server_close()
        return left == 0


class _Handler(BaseHTTPRequestHandler):
    server: Webhook
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # decisions are logged as JSON lines instead
        pass

    def _send(self, code: int, body: dict[str, Any] | str, close: bool = False) -> None:
        text = body if isinstance(body, str) else json.dumps(body)
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; version=0.0.4" if isinstance(body, str) else "application/json")
        self.send_header("Content-Length", str(len(data)))
        if close or self.server.draining:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/healthz":
            self._send(200, {"status": "ok"})
        elif path == "/readyz":
            certs = self.server.certificates
            if self.server.draining:
                self._send(503, {"status": "draining"})
            else:
                self._send(200, {"status": "ready", **({"certificate": certs.error} if certs and certs.error else {})})
        elif path == "/metrics":
            self._send(200, self.server.metrics.render())
        else:
            self._send(404, {"error": "POST an AdmissionReview to /validate/<lane>-<level>; GET /healthz, /readyz, /metrics"})

    def do_POST(self) -> None:
        self.server.begin()
        try:
            self._post()
        finally:
            self.server.end()

    def _post(self) -> None:
        started = time.perf_counter()
        try:
            levels = parse_path(self.path, self.server.default, self.server.policy.fail_on)
        except BadPath as e:
            self._send(404, {"error": str(e)})
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length <= 0 or length > MAX_BODY:
            self._send(400 if length <= 0 else 413, {"error": "expected a JSON body of at most 3 MiB"}, close=True)
            return
        try:
            body = self.rfile.read(length)
        except (TimeoutError, OSError):
            body = b""
        if len(body) < length:  # the client stopped sending (or too slowly): say so and hang up
            self.server.metrics.failed("timeout")
            self.server.record({"error": f"request body incomplete after {READ_TIMEOUT:g} s "
                                         f"({len(body)} of {length} bytes)", "mode": levels.mode})
            self._send(408, {"error": "the request body did not arrive in time"}, close=True)
            return
        try:
            review = json.loads(body)
            response, record = decide(review, levels, self.server.policy)
        except (ValueError, BadReview) as e:  # json.JSONDecodeError is a ValueError
            self.server.metrics.failed("bad request")
            self.server.record({"error": f"bad request: {e}", "mode": levels.mode})
            self._send(400, {"error": f"not an AdmissionReview v1 request: {e}"})
            return
        except Exception as e:  # a wasec bug on one request: name it, keep serving
            self.server.metrics.failed("internal error")
            self.server.record({"error": f"internal error: {type(e).__name__}: {e}", "mode": levels.mode})
            self._send(500, {"error": f"wasec internal error ({type(e).__name__}); please report it"})
            return
        self.server.metrics.decided(levels.mode, record["allowed"], str(record.get("kind") or ""),
                                    record.get("failing", []), time.perf_counter() - started)
        self.server.record(record)
        self._send(200, response)


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


def serve(policy: Policy, host: str, port: int, cert: str | None, key: str | None, default: Levels | None = None,
          log: IO[str] | None = None) -> Webhook:
    """Start the webhook (TLS unless both ``cert`` and ``key`` are None) and return it, serving in a thread.
    ``default``: the levels of requests to ``/validate`` (enforce at the policy's threshold unless given)."""
    certificates = Certificates(cert, key) if cert and key else None
    server = Webhook((host, port), policy, default or Levels(enforce=policy.fail_on), log or sys.stdout, certificates)
    threading.Thread(target=server.serve_forever, name="wasec-admission", daemon=True).start()
    return server
