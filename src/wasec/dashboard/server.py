"""The dashboard's HTTP server: routes, the access token, and one read-only store connection per request.

On loopback it answers anyone on the machine. Bound to another address it needs a token (``--token`` or
``WASEC_SERVE_TOKEN``): sent as ``Authorization: Bearer``, or once as ``?token=`` which becomes an HttpOnly
cookie — or ``--behind-proxy`` when a proxy in front authenticates every request. Nothing it serves loads
from elsewhere (a strict Content-Security-Policy says so to the browser).
"""

from __future__ import annotations

import contextlib
import hmac
import http.server
import ipaddress
import socketserver
from collections.abc import Callable
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import orjson

from wasec.dashboard import data, pages
from wasec.errors import UsageError
from wasec.history import store
from wasec.history.db import Db

HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                                      "frame-ancestors 'none'; base-uri 'none'",
           "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
COOKIE = "wasec_token"


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def check_binding(host: str, token: str | None, behind_proxy: bool) -> None:
    """Off loopback, someone must authenticate: the token, or a proxy in front that says it does."""
    if not is_loopback(host) and not token and not behind_proxy:
        raise UsageError(f"--host {host} is not loopback: give --token (or WASEC_SERVE_TOKEN), or --behind-proxy when "
                         "a proxy in front of wasec authenticates every request")


class App:
    """Routes a GET to a page; opens the store for each request (SQLite connections are per thread)."""

    def __init__(self, db_url: str | None, token: str | None = None, high_risk: int = store.HIGH_RISK) -> None:
        self.db_url = db_url
        self.token = token
        self.high_risk = high_risk
        probe = data.open_readonly(db_url)  # a missing or foreign store is said at start, not on the first page
        self.label = probe.label
        probe.close()
        self.css = resources.files("wasec.dashboard").joinpath("dashboard.css").read_bytes()
        self.routes: dict[str, Callable[[Db, dict[str, list[str]]], tuple[int, str, bytes]]] = {
            "/": self.overview, "/findings": self.findings, "/findings.csv": self.export_csv,
            "/findings.json": self.export_json, "/exceptions": self.exceptions, "/detections": self.detections,
            "/review": self.review, "/organisation": self.organisation, "/images": self.images}

    # -- pages -----------------------------------------------------------------------------------
    def overview(self, db: Db, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        scans = data.posture_scans(db, 60)
        if not scans:
            return 200, "text/html", pages.empty(self.label).encode()
        latest = scans[-1]
        change = store.diff(db, scans[-2], latest) if len(scans) > 1 else None
        return 200, "text/html", pages.overview(latest, scans, change, data.matrix(db, latest.id),
                                                _areas(data.by_rule(db, latest.id)), self.label,
                                                self.high_risk).encode()

    def _view(self, db: Db, query: dict[str, list[str]]) -> tuple[data.Filters, store.ScanRow | None]:
        f = data.Filters.parse(query)
        if f.scan is None:
            return f, data.latest_scan(db)
        try:
            return f, store.scan(db, f.scan)
        except UsageError as e:
            f.problems.append(str(e))
            return f, data.latest_scan(db)

    def findings(self, db: Db, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        f, scan = self._view(db, query)
        if scan is None:
            return 200, "text/html", pages.empty(self.label).encode()
        rows, total = data.search(db, f, scan.id)
        return 200, "text/html", pages.findings(f, scan, rows, total, store.scans(db, 200), self.label).encode()

    def exceptions(self, db: Db, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        import time

        _, scan = self._view(db, query)
        if scan is None:
            return 200, "text/html", pages.empty(self.label).encode()
        now = time.time()
        today, soon = (time.strftime("%Y-%m-%d", time.gmtime(t)) for t in (now, now + 30 * 86400))
        return 200, "text/html", pages.exceptions(data.exceptions(db, scan.id), scan, today, soon, self.label).encode()

    def organisation(self, db: Db, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        from wasec.outputs.drift import grid
        from wasec.rules.registry import load_builtin

        scan = data.latest_with_accounts(db)
        by_account = data.accounts(db, scan.id) if scan else {}
        area_of = {r.id: r.area for r in load_builtin()}
        drift = None
        if scan is not None:
            found = data.baseline_findings(db, scan.id)
            drift = grid(found, sorted({f.account for f in found}))
        return 200, "text/html", pages.organisation(scan, by_account, area_of, self.label, drift,
                                                    store.latest_report(db, "guardrails")).encode()

    def images(self, db: Db, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        scan = data.latest_of(db, "images")
        rows = data.images(db, scan.id) if scan else []
        return 200, "text/html", pages.images(scan, rows, self.label).encode()

    def review(self, db: Db, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        then, now = ((query.get(k) or [""])[-1] for k in ("from", "to"))
        return 200, "text/html", pages.review(store.milestones(db), then, now, self.label).encode()

    def detections(self, db: Db, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        runs, fired = data.detection_runs(db)
        return 200, "text/html", pages.detections(runs, fired, self.label).encode()

    def _all(self, db: Db, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        f, scan = self._view(db, query)
        return [] if scan is None else data.search(db, f, scan.id, limit=None)[0]

    def export_csv(self, db: Db, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        import csv
        import io

        out = io.StringIO()
        w = csv.writer(out)
        cols = ("risk", *data.COLUMNS)
        w.writerow(cols)
        for r in self._all(db, query):
            w.writerow([_cell(r[c]) for c in cols])
        return 200, "text/csv; charset=utf-8", out.getvalue().encode()

    DOWNLOADS = {"/findings.csv": 'attachment; filename="wasec-findings.csv"'}

    def export_json(self, db: Db, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        return 200, "application/json", orjson.dumps(self._all(db, query))

    def one(self, db: Db, fingerprint: str) -> tuple[int, str, bytes]:
        got = data.finding(db, fingerprint)
        if got is None:
            return 404, "text/html", pages.error(404, "no saved finding has this fingerprint", self.label).encode()
        d, history = got
        from wasec.rules.registry import load_builtin

        rule = load_builtin().get(d["rule_id"])
        return 200, "text/html", pages.finding(d, history, rule, self.label).encode()

    # -- dispatch ----------------------------------------------------------------------------------
    def handle(self, path: str, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        if path == "/static/dashboard.css":
            return 200, "text/css", self.css
        if path == "/healthz":
            return 200, "text/plain", b"ok"
        route = self.routes.get(path)
        fingerprint = unquote(path[len("/finding/"):]) if path.startswith("/finding/") else None
        if route is None and not fingerprint:
            return 404, "text/html", pages.error(404, f"no page {path}", self.label).encode()
        db = data.open_readonly(self.db_url)
        try:
            return self.one(db, fingerprint) if fingerprint else route(db, query)  # type: ignore[misc]
        finally:
            db.close()

    def authorized(self, headers: Any, query: dict[str, list[str]]) -> tuple[bool, bool]:
        """(allowed, set the cookie): the token as a bearer header, the cookie, or ?token= once."""
        if not self.token:
            return True, False
        given = []
        auth = headers.get("Authorization") or ""
        if auth.startswith("Bearer "):
            given.append(auth[len("Bearer "):].strip())
        for part in (headers.get("Cookie") or "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == COOKIE:
                given.append(value)
        from_query = (query.get("token") or [""])[-1]
        ok = any(hmac.compare_digest(g.encode(), self.token.encode()) for g in given)
        if not ok and from_query and hmac.compare_digest(from_query.encode(), self.token.encode()):
            return True, True
        return ok, False


def _cell(v: Any) -> Any:
    """A CSV cell: text that a spreadsheet would run as a formula is quoted so it stays text."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return "" if v is None else v


def _areas(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Failing findings by Security Pillar area, from the rules' areas (detections and unknown rules apart)."""
    from wasec.rules.registry import AREAS, load_builtin

    area_of = {r.id: r.area for r in load_builtin()}
    out: dict[str, int] = {}
    for rule_id, n in counts.items():
        name = AREAS.get(area_of.get(rule_id, ""), "other")
        out[name] = out.get(name, 0) + n
    return sorted(out.items(), key=lambda kv: -kv[1])


def make_handler(app: App) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "wasec"
        sys_version = ""

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query, keep_blank_values=False)
            ok, set_cookie = app.authorized(self.headers, query)
            if not ok:
                self._send(401, "text/html", pages.error(401, "this dashboard needs its access token").encode(),
                           {"WWW-Authenticate": "Bearer"})
                return
            if set_cookie:  # the token leaves the address bar (and the history, and Referer) at once
                rest = {k: v for k, v in query.items() if k != "token"}
                from urllib.parse import urlencode

                # this server's own path only: "//host" would send the browser elsewhere
                location = "/" + parts.path.lstrip("/") + ("?" + urlencode(rest, doseq=True) if rest else "")
                self._send(303, "text/plain", b"", {"Location": location,
                                                    "Set-Cookie": f"{COOKIE}={app.token}; HttpOnly; SameSite=Strict; "
                                                                  "Path=/"})
                return
            try:
                status, kind, body = app.handle(parts.path, query)
            except UsageError as e:
                status, kind, body = 503, "text/html", pages.error(503, str(e), app.label).encode()
            except Exception as e:  # a page that fails is one error page, never a traceback to the client
                self.log_error("%s failed: %s: %s", parts.path, type(e).__name__, e)
                status, kind, body = 500, "text/html", pages.error(500, "this page failed; the server log says why",
                                                                   app.label).encode()
            disposition = app.DOWNLOADS.get(parts.path) if status == 200 else None
            self._send(status, kind, body, {"Content-Disposition": disposition} if disposition else None)

        def do_HEAD(self) -> None:
            self.do_GET()

        def _send(self, status: int, kind: str, body: bytes, extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind if ";" in kind or not kind.startswith("text/") else
                             f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for k, v in {**HEADERS, **(extra or {})}.items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def log_message(self, fmt: str, *args: Any) -> None:  # one line per request on stderr, no query strings
            import sys

            sys.stderr.write(f"{self.address_string()} {self.command} {urlsplit(self.path).path} "
                             f"{args[1] if len(args) > 1 else ''}\n")

    return Handler


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def serve(app: App, host: str, port: int, ready: Callable[[str], None] | None = None) -> None:
    import socket

    kind = type("Server6", (Server,), {"address_family": socket.AF_INET6}) if ":" in host else Server
    try:
        httpd = kind((host, port), make_handler(app))
    except OSError as e:
        raise UsageError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    with httpd:
        url = f"http://{host if ':' not in host else f'[{host}]'}:{httpd.server_address[1]}/"
        if ready:
            ready(url)
        with contextlib.suppress(KeyboardInterrupt):
            httpd.serve_forever()
