"""--download-modules against a module registry the test starts on 127.0.0.1: the registry protocol over HTTPS
(service discovery, versions, X-Terraform-Get), archives and a git repository built at test time, version
constraints resolved as Terraform resolves them, and a named problem for each module that cannot be fetched."""

from __future__ import annotations

import io
import json
import ssl
import subprocess
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.test_admission import _self_signed
from wasec.model.finding import Status
from wasec.scanning import ScanOptions, scan
from wasec.sources.terraform.fetch import best, satisfies, split_subdir

BUCKET = 'resource "aws_s3_bucket" "this" {\n  bucket = "logs"\n}\n'


def _tar(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


class Registry(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = root  # static files (archives, the dumb-HTTP git repository)
        self.versions: dict[str, list[str]] = {}
        self.locations: dict[str, str] = {}  # "ns/name/provider/version" → X-Terraform-Get
        self.requests: list[str] = []


class _Handler(BaseHTTPRequestHandler):
    server: Registry

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        self.server.requests.append(path)
        if path == "/.well-known/terraform.json":
            return self._json({"modules.v1": "/v1/modules/"})
        if path.startswith("/v1/modules/"):
            parts = path[len("/v1/modules/"):].strip("/").split("/")
            module = "/".join(parts[:3])
            if parts[3:] == ["versions"] and module in self.server.versions:
                return self._json({"modules": [{"versions": [{"version": v} for v in self.server.versions[module]]}]})
            if len(parts) == 5 and parts[4] == "download" and f"{module}/{parts[3]}" in self.server.locations:
                self.send_response(204)
                self.send_header("X-Terraform-Get", self.server.locations[f"{module}/{parts[3]}"])
                self.end_headers()
                return None
            return self._json({"errors": ["not found"]}, 404)
        file = self.server.root / path.lstrip("/")
        if file.is_file():
            data = file.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return None
        return self._json({"errors": ["not found"]}, 404)

    def _json(self, body: Any, code: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _git_repo(where: Path, files: dict[str, str], tag: str) -> None:
    """A bare repository served by git's dumb HTTP protocol (plain files after update-server-info)."""
    work = where.with_suffix(".work")
    work.mkdir(parents=True)
    for name, text in files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q", str(work)], check=True)
    subprocess.run([*git, "-C", str(work), "add", "."], check=True)
    subprocess.run([*git, "-C", str(work), "commit", "-qm", "module"], check=True)
    subprocess.run([*git, "-C", str(work), "tag", tag], check=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(where)], check=True)
    subprocess.run(["git", "-C", str(where), "update-server-info"], check=True)


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Registry, str]]:
    cert, key = _self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", cert)  # Python's default context and git trust the test's CA, as a
    monkeypatch.setenv("GIT_SSL_CAINFO", cert)  # company's private registry is trusted through the system store
    static = tmp_path / "static"
    (static / "archives").mkdir(parents=True)
    (static / "archives" / "bucket-1.2.0.tar.gz").write_bytes(_tar({"main.tf": BUCKET}))
    (static / "archives" / "bucket-2.0.0.tar.gz").write_bytes(_tar({"main.tf": BUCKET.replace("logs", "v2")}))
    (static / "archives" / "mono.zip").write_bytes(_zip({
        "modules/queue/main.tf": 'resource "aws_sqs_queue" "q" {\n  name = "jobs"\n}\n', "README.md": "mono"}))
    (static / "archives" / "evil.tar.gz").write_bytes(_tar({"../../escape.tf": BUCKET}))
    _git_repo(static / "git" / "network.git", {"modules/sg/main.tf": (
        'resource "aws_security_group" "ssh" {\n  name = "ssh"\n  ingress {\n    from_port   = 22\n'
        '    to_port     = 22\n    protocol    = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n')}, "v2.0.0")
    server = Registry(static)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    host = f"127.0.0.1:{server.server_address[1]}"
    server.versions = {"acme/bucket/aws": ["1.0.0", "1.2.0", "1.3.0-beta1", "2.0.0"], "acme/network/aws": ["2.0.0"],
                       "acme/evil/aws": ["1.0.0"]}
    server.locations = {"acme/bucket/aws/1.2.0": "/archives/bucket-1.2.0.tar.gz",
                        "acme/bucket/aws/2.0.0": "/archives/bucket-2.0.0.tar.gz",
                        "acme/network/aws/2.0.0": f"git::https://{host}/git/network.git?ref=v2.0.0",
                        "acme/evil/aws/1.0.0": "/archives/evil.tar.gz"}
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server, host
    finally:
        server.shutdown()
        server.server_close()


def test_registry_git_and_archive_modules_are_fetched_and_judged(tmp_path: Path, registry: Any) -> None:
    server, host = registry
    root = tmp_path / "infra"
    root.mkdir()
    (root / "main.tf").write_text(f'''
module "logs" {{
  source  = "{host}/acme/bucket/aws"
  version = "~> 1.0"
}}
module "net" {{
  source  = "{host}/acme/network/aws//modules/sg"
  version = ">= 2.0.0, < 3.0.0"
}}
module "queue" {{
  source = "https://{host}/archives/mono.zip//modules/queue"
}}
module "direct" {{
  source = "git::https://{host}/git/network.git//modules/sg?ref=v2.0.0"
}}
''')
    cache = tmp_path / "cache"
    result = scan(ScanOptions(paths=[str(root)], download_modules=str(cache), secrets=False))
    assert not [p for p in result.problems if p.kind == "error"], result.problems
    ids = {r.id for r in result.inventory if not r.type.startswith("Terraform::")}
    assert {"module.logs.aws_s3_bucket.this", "module.net.aws_security_group.ssh", "module.queue.aws_sqs_queue.q",
            "module.direct.aws_security_group.ssh"} <= ids
    fails = {(f.rule_id, f.resource_id) for f in result.findings if f.status is Status.FAIL}
    assert ("sg-admin-ports-open", "module.net.aws_security_group.ssh") in fails
    # ~> 1.0 chose 1.2.0: not the pre-release, not 2.0.0
    bucket = next(r for r in result.inventory if r.id == "module.logs.aws_s3_bucket.this")
    assert bucket.properties["BucketName"] == "logs"
    assert "/v1/modules/acme/bucket/aws/1.2.0/download" in server.requests
    # a second scan reads the cache: no request reaches the archives or git again
    before = len(server.requests)
    scan(ScanOptions(paths=[str(root)], download_modules=str(cache), secrets=False))
    assert not [r for r in server.requests[before:] if r.startswith(("/archives", "/git"))]


def test_each_module_that_cannot_be_fetched_is_named(tmp_path: Path, registry: Any) -> None:
    _, host = registry
    root = tmp_path / "infra"
    root.mkdir()
    (root / "main.tf").write_text(f'''
module "none" {{
  source  = "{host}/acme/bucket/aws"
  version = "~> 3.0"
}}
module "gone" {{
  source  = "{host}/acme/missing/aws"
}}
module "evil" {{
  source  = "{host}/acme/evil/aws"
}}
module "s3" {{
  source = "s3::https://s3.amazonaws.com/bucket/module.zip"
}}
module "ok" {{
  source  = "{host}/acme/bucket/aws"
  version = "2.0.0"
}}
''')
    result = scan(ScanOptions(paths=[str(root)], download_modules=str(tmp_path / "cache"), secrets=False))
    errors = {p.message.split(":")[0]: p.message for p in result.problems if p.kind == "error"}
    assert set(errors) == {"module none", "module gone", "module evil", "module s3"}
    assert "no version matches ~> 3.0" in errors["module none"] and "HTTP 404" in errors["module gone"]
    assert "outside its folder" in errors["module evil"] and "not fetched" in errors["module s3"]
    assert not (tmp_path / "escape.tf").exists() and not (tmp_path / "cache" / "escape.tf").exists()
    assert any(r.id == "module.ok.aws_s3_bucket.this" and r.properties["BucketName"] == "v2" for r in result.inventory)


def test_without_the_flag_a_remote_module_is_a_warning_that_says_how() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        Path(d, "main.tf").write_text('module "vpc" {\n  source  = "terraform-aws-modules/vpc/aws"\n}\n')
        result = scan(ScanOptions(paths=[d], secrets=False))
    assert any("--download-modules" in p.message and p.kind == "warning" for p in result.problems)


@pytest.mark.parametrize("version, constraint, ok", [
    # Terraform's version constraint syntax documentation
    ("1.2.0", "1.2.0", True), ("1.2.1", "= 1.2.0", False), ("1.2.1", "!= 1.2.0", True),
    ("1.2.0", ">= 1.2.0, < 2.0.0", True), ("2.0.0", ">= 1.2.0, < 2.0.0", False),
    ("1.2.9", "~> 1.2.0", True), ("1.3.0", "~> 1.2.0", False), ("1.9.0", "~> 1.2", True), ("2.0.0", "~> 1.2", False),
    ("1.3.0-beta1", ">= 1.0.0", False), ("1.3.0-beta1", "1.3.0-beta1", True), ("v1.4.0", "> 1.3", True),
])
def test_version_constraints(version: str, constraint: str, ok: bool) -> None:
    assert satisfies(version, constraint) is ok


def test_the_highest_allowed_version_and_subdirectories() -> None:
    assert best(["1.0.0", "1.10.0", "1.9.3", "2.0.0-rc1"], "~> 1.0") == "1.10.0"
    assert best(["1.0.0", "2.0.0-rc1"], None) == "1.0.0"
    assert split_subdir("git::https://example.com/net.git//modules/sg?ref=v2") == (
        "git::https://example.com/net.git?ref=v2", "modules/sg")
    assert split_subdir("https://example.com/a.zip") == ("https://example.com/a.zip", "")
