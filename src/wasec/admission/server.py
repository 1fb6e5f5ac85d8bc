"""The webhook over HTTPS: ``POST /validate/<mode>`` (or ``/validate`` for the default mode).

The mode comes from the path, which the webhook configuration picks per namespace with a
``namespaceSelector`` on the ``wasec.io/mode`` label (``wasec admission config`` writes it), so the
webhook needs no access to the Kubernetes API. Every decision is one JSON line in the log. A request
that is not an AdmissionReview gets 400 with the reason; a wasec bug on one request is a 500 that
names it, and the server goes on.
"""

from __future__ import annotations

import json
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any

from wasec.admission.review import MODES, BadReview, Policy, decide

MAX_BODY = 3 * 1024 * 1024  # the API server's own request limit is 3 MiB


class Webhook(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], policy: Policy, default_mode: str, log: IO[str],
                 context: ssl.SSLContext | None) -> None:
        super().__init__(address, _Handler)
        self.policy, self.default_mode, self.log = policy, default_mode, log
        self.lock = threading.Lock()
        self.context = context

    def finish_request(self, request: Any, client_address: Any) -> None:
        # the TLS handshake happens here, in the connection's own thread and with a deadline, so a client that
        # connects and says nothing cannot hold up the others
        request.settimeout(10)
        # headers and body go out as separate writes: without TCP_NODELAY, Nagle's algorithm and the client's delayed
        # acknowledgement hold every response for ~40 ms
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.context is None:
            super().finish_request(request, client_address)
            return
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        try:
            super().finish_request(tls, client_address)
        finally:
            tls.close()

    def record(self, entry: dict[str, Any]) -> None:
        line = json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **entry}, separators=(",", ":"))
        with self.lock:
            self.log.write(line + "\n")
            self.log.flush()


class _Handler(BaseHTTPRequestHandler):
    server: Webhook
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # decisions are logged as JSON lines instead
        pass

    def _send(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._send(200, {"status": "ok"})
        else:
            self._send(404, {"error": "POST an AdmissionReview to /validate or /validate/<mode>"})

    def do_POST(self) -> None:
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts[0] != "validate" or len(parts) > 2 or (len(parts) == 2 and parts[1] not in MODES):
            self._send(404, {"error": f"unknown path {self.path}: use /validate or /validate/{{{'|'.join(MODES)}}}"})
            return
        mode = parts[1] if len(parts) == 2 else self.server.default_mode
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length <= 0 or length > MAX_BODY:
            self._send(400 if length <= 0 else 413, {"error": "expected a JSON body of at most 3 MiB"})
            return
        try:
            review = json.loads(self.rfile.read(length))
            response, record = decide(review, mode, self.server.policy)
        except (ValueError, BadReview) as e:  # json.JSONDecodeError is a ValueError
            self.server.record({"error": f"bad request: {e}", "mode": mode})
            self._send(400, {"error": f"not an AdmissionReview v1 request: {e}"})
            return
        except Exception as e:  # a wasec bug on one request: name it, keep serving
            self.server.record({"error": f"internal error: {type(e).__name__}: {e}", "mode": mode})
            self._send(500, {"error": f"wasec internal error ({type(e).__name__}); please report it"})
            return
        self.server.record(record)
        self._send(200, response)


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


def serve(policy: Policy, host: str, port: int, cert: str | None, key: str | None, default_mode: str = "enforce",
          log: IO[str] | None = None, ready: Any = None) -> Webhook:
    """Start the webhook (TLS unless both ``cert`` and ``key`` are None) and return it, serving in a thread."""
    context = tls_context(cert, key) if cert and key else None
    server = Webhook((host, port), policy, default_mode, log or sys.stdout, context)
    threading.Thread(target=server.serve_forever, name="wasec-admission", daemon=True).start()
    if ready is not None:
        ready(server)
    return server
