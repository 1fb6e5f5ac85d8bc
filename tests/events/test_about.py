"""Detections one can find and read (`wasec events list|show`, `wasec rules show event-…`), and the AWS address
ranges the stolen-credential detection judges by, refreshed from a file or over HTTPS."""

from __future__ import annotations

import gzip
import http.server
import json
import ssl
import subprocess
import sys
import threading
from pathlib import Path

from tests.test_admission import _self_signed
from wasec.events.detections import REGISTRY
from wasec.events.mitre import technique


def wasec(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "wasec", *args], capture_output=True, text=True, cwd=cwd, timeout=120,
                          env={**os.environ, **(env or {})})


def test_every_technique_named_has_a_name_and_tactic() -> None:
    for d in REGISTRY.values():
        assert d.mitre, d.id
        for t in d.mitre:
            assert technique(t), (d.id, t)


def test_list_and_show(tmp_path: Path) -> None:
    r = wasec("events", "list", "-f", "json", cwd=tmp_path)
    rows = {x["id"]: x for x in json.loads(r.stdout)}
    assert r.returncode == 0 and set(rows) == set(REGISTRY)
    assert rows["cloudtrail-stopped"]["lane"] == "record" and "Defense Evasion" in rows["cloudtrail-stopped"]["tactics"]
    assert rows["mass-deletion"]["lane"] == "burst" and "100" in rows["mass-deletion"]["state"]
    assert rows["backdoor-user"]["lane"] == "sequence"
    r = wasec("events", "list", "--tactic", "credential access", "-f", "json", cwd=tmp_path)
    assert "instance-credentials-outside-aws" in {x["id"] for x in json.loads(r.stdout)}
    assert "cloudtrail-stopped" not in {x["id"] for x in json.loads(r.stdout)}
    assert wasec("events", "list", "--tactic", "credentail access", cwd=tmp_path).returncode == 2

    shown = wasec("events", "show", "secrets-read-burst", cwd=tmp_path)
    assert shown.returncode == 0 and "Reads: GetSecretValue" in shown.stdout and "Decides on: several records" in shown.stdout
    assert "How to respond:" in shown.stdout and "T1555.006" in shown.stdout
    same = wasec("rules", "show", "event-secrets-read-burst", cwd=tmp_path)
    assert same.returncode == 0 and same.stdout == shown.stdout
    r = wasec("events", "show", "cloudtrail-stoped", cwd=tmp_path)
    assert r.returncode == 2 and "cloudtrail-stopped" in r.stderr  # did you mean
    doc = json.loads(wasec("events", "show", "event-root-console-login", "-f", "json", cwd=tmp_path).stdout)
    assert doc["events"] == ["ConsoleLogin"] and doc["lane"] == "record"


def test_a_path_named_like_a_command_is_not_taken_for_it(tmp_path: Path) -> None:
    (tmp_path / "list").mkdir()
    r = wasec("events", "list", cwd=tmp_path)
    assert r.returncode == 2 and "./list" in r.stderr
    r = wasec("events", "./list", cwd=tmp_path)
    assert r.returncode == 0 and "0 CloudTrail records" in r.stdout


def _ip_ranges(date: str) -> dict[str, object]:
    return {"syncToken": "1790000000", "createDate": date,
            "prefixes": [{"ip_prefix": "3.0.0.0/15", "region": "us-east-1", "service": "AMAZON"},
                         {"ip_prefix": "3.2.0.0/15", "region": "us-east-1", "service": "EC2"}],
            "ipv6_prefixes": [{"ipv6_prefix": "2600:1f00::/24", "region": "GLOBAL", "service": "AMAZON"}]}


def test_ranges_refresh_from_a_file_and_over_https(tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    r = wasec("events", "ip-ranges", cwd=tmp_path, env=env)
    assert r.returncode == 0 and "AWS ranges of 2026-08-22" in r.stdout and "wasec's copy" in r.stdout

    (tmp_path / "newer.json").write_text(json.dumps(_ip_ranges("2027-01-05-10-00-00")))
    r = wasec("events", "ip-ranges", "--refresh", "--from", "newer.json", cwd=tmp_path, env=env)
    assert r.returncode == 0 and "2 IPv4 and 1 IPv6 networks" not in r.stdout and "1 IPv4" in r.stdout  # merged
    r = wasec("events", "ip-ranges", cwd=tmp_path, env=env)
    assert "AWS ranges of 2027-01-05" in r.stdout and str(tmp_path / "cache") in r.stdout

    (tmp_path / "bad.json").write_text(json.dumps({"hello": 1}))
    r = wasec("events", "ip-ranges", "--refresh", "--from", "bad.json", cwd=tmp_path, env=env)
    assert r.returncode == 2 and "not AWS's ip-ranges.json" in r.stderr
    (tmp_path / "cache" / "wasec" / "aws_ip_ranges.json.gz").write_bytes(b"broken")
    r = wasec("events", "ip-ranges", cwd=tmp_path, env=env)  # a broken cache never hides the shipped copy
    assert r.returncode == 0 and "2026-08-22" in r.stdout

    cert, key = _self_signed(tmp_path)
    body = json.dumps(_ip_ranges("2027-02-01-00-00-00")).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/ip-ranges.json" else 404)
            self.end_headers()
            self.wfile.write(body if self.path == "/ip-ranges.json" else b"")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"https://127.0.0.1:{server.server_address[1]}/ip-ranges.json"
        r = wasec("events", "ip-ranges", "--refresh", "--from", url, cwd=tmp_path, env={**env, "SSL_CERT_FILE": cert})
        assert r.returncode == 0, r.stderr
        data = json.loads(gzip.decompress((tmp_path / "cache" / "wasec" / "aws_ip_ranges.json.gz").read_bytes()))
        assert data["createDate"] == "2027-02-01-00-00-00" and data["ipv4"] == ["3.0.0.0/14"]
        r = wasec("events", "ip-ranges", "--refresh", "--from", url.replace("ip-ranges", "gone"), cwd=tmp_path,
                  env={**env, "SSL_CERT_FILE": cert})
        assert r.returncode == 2 and "cannot fetch" in r.stderr
        r = wasec("events", "ip-ranges", "--refresh", "--from", url, cwd=tmp_path, env=env)  # an untrusted peer
        assert r.returncode == 2 and "cannot fetch" in r.stderr
    finally:
        server.shutdown()
        server.server_close()


def test_refreshed_ranges_decide_the_detection(tmp_path: Path) -> None:
    """An address AWS newly publishes stops being 'outside AWS' once the ranges are refreshed."""
    from tests.events.test_instance_credentials import SESSION, _event

    stolen = _event(3, "sts.amazonaws.com", "GetCallerIdentity", SESSION, "45.33.32.156")
    (tmp_path / "t.json").write_text(json.dumps({"Records": [stolen]}))
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    r = wasec("events", "t.json", "-f", "json", cwd=tmp_path, env=env)
    assert [f["rule_id"] for f in json.loads(r.stdout)["findings"]] == ["event-instance-credentials-outside-aws"]
    ranges = _ip_ranges("2027-01-05-10-00-00")
    ranges["prefixes"].append({"ip_prefix": "45.33.0.0/16", "region": "us-east-1", "service": "EC2"})  # type: ignore[attr-defined]
    (tmp_path / "r.json").write_text(json.dumps(ranges))
    assert wasec("events", "ip-ranges", "--refresh", "--from", "r.json", cwd=tmp_path, env=env).returncode == 0
    r = wasec("events", "t.json", "-f", "json", cwd=tmp_path, env=env)
    assert r.returncode == 0 and json.loads(r.stdout)["findings"] == []
