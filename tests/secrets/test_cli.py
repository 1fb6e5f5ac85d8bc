"""`wasec secrets` and `wasec scan` end to end: outputs, redaction, exit codes, ignores, baselines, hooks."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.secrets.test_git import Repo
from tests.secrets.tokens import Tokens

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests" / "data" / "schemas" / "sarif-2.1.0.json"


def wasec(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasec", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.fixture
def leaky(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    t = Tokens(11)
    values = {"aws": t.value("aws_key_id"), "aws_secret": t.value("aws_secret"), "github": t.value("github"),
              "password": t.value("password"), "pem": "\n".join(t.pem())}
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "settings.env").write_text(
        f"AWS_ACCESS_KEY_ID={values['aws']}\nAWS_SECRET_ACCESS_KEY={values['aws_secret']}\nDB_PASSWORD={values['password']}\n")
    (tmp_path / "app" / "ci.yml").write_text(f"env:\n  GITHUB_TOKEN: {values['github']}\n")
    (tmp_path / "deploy.key").write_text(values["pem"] + "\n")
    (tmp_path / "README.md").write_text("API_KEY=<your-api-key>\n")
    return tmp_path, values


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_no_output_format_reveals_a_secret(leaky: tuple[Path, dict[str, str]], fmt: str) -> None:
    root, values = leaky
    r = wasec("secrets", ".", "-f", fmt, cwd=root)
    assert r.returncode == 1, r.stderr
    out = r.stdout + r.stderr
    assert "settings.env" in out
    for v in values.values():
        for line in v.split("\n"):
            # not the value, nor any 8-character piece of it
            assert not any(line[i:i + 8] in out for i in range(0, max(1, len(line) - 7))), fmt


def test_json_findings_name_kind_place_confidence_and_why(leaky: tuple[Path, dict[str, str]]) -> None:
    root, values = leaky
    doc = json.loads(wasec("secrets", ".", "-f", "json", cwd=root).stdout)
    got = sorted((f["rule_id"], f["file"], f["line"], f["confidence"]) for f in doc["findings"])
    assert got == [
        ("secret-aws-access-key-id", "app/settings.env", 1, "high"),
        ("secret-aws-secret-access-key", "app/settings.env", 2, "high"),
        ("secret-github-token", "app/ci.yml", 2, "high"),
        ("secret-password-assignment", "app/settings.env", 3, "high"),
        ("secret-private-key", "deploy.key", 1, "high"),
    ]
    for f in doc["findings"]:
        assert f["message"] and f["evidence"][0]["value"].count("*") >= 8
        assert len(f["fingerprint"]) == 32 and all(v not in f["fingerprint"] for v in values.values())


def test_sarif_is_valid_and_carries_the_rules(leaky: tuple[Path, dict[str, str]]) -> None:
    root, _ = leaky
    doc = json.loads(wasec("secrets", ".", "-f", "sarif", cwd=root).stdout)
    jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
    run = doc["runs"][0]
    ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert {res["ruleId"] for res in run["results"]} <= ids
    assert all(res["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for res in run["results"])


def test_exit_codes(leaky: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> None:
    root, _ = leaky
    assert wasec("secrets", ".", "-q", cwd=root).returncode == 1
    assert wasec("secrets", ".", "-q", "--fail-on", "never", cwd=root).returncode == 0
    clean = tmp_path_factory.mktemp("clean")
    (clean / "a.env").write_text("API_KEY=${API_KEY}\n")
    assert wasec("secrets", ".", "-q", cwd=clean).returncode == 0
    r = wasec("secrets", ".", "--since", "main", cwd=clean)
    assert r.returncode == 2 and "not" in r.stderr and "git" in r.stderr


def test_inline_ignore_needs_a_reason(tmp_path: Path) -> None:
    pw = Tokens(12).value("password")
    (tmp_path / "a.env").write_text(f"DB_PASSWORD={pw}  # wasec:ignore secret-password-assignment local test database\n"
                                    f"# wasec:ignore secret-password-assignment\nADMIN_PASSWORD={pw}x\n")
    doc = json.loads(wasec("secrets", ".", "-f", "json", cwd=tmp_path).stdout)
    by_line = {f["line"]: f["suppressed"] for f in doc["findings"]}
    assert by_line[1]["kind"] == "inline" and by_line[1]["reason"] == "local test database"
    assert by_line[3] is None  # the marker above it has no reason: refused, and said so
    assert any("give a reason" in p["message"] for p in doc["problems"])


def test_baseline_suppresses_known_secrets_and_catches_new_ones(leaky: tuple[Path, dict[str, str]]) -> None:
    root, _ = leaky
    r = wasec("baseline", "write", ".", cwd=root)
    assert r.returncode == 0 and "5 finding" in r.stdout, r.stdout + r.stderr
    assert wasec("secrets", ".", "-q", "--baseline", ".wasec/baseline.json", cwd=root).returncode == 0
    (root / "new.env").write_text("STRIPE=" + Tokens(13).value("stripe") + "\n")
    r = wasec("secrets", ".", "-f", "json", "--baseline", ".wasec/baseline.json", cwd=root)
    live = [f["file"] for f in json.loads(r.stdout)["findings"] if f["suppressed"] is None]
    assert r.returncode == 1 and live == ["new.env"]


def test_scan_includes_secrets_unless_told_not_to(leaky: tuple[Path, dict[str, str]]) -> None:
    root, _ = leaky
    doc = json.loads(wasec("scan", ".", "-f", "json", cwd=root).stdout)
    assert {f["rule_id"] for f in doc["findings"] if f["status"] == "FAIL"} >= {"secret-github-token", "secret-private-key"}
    doc = json.loads(wasec("scan", ".", "-f", "json", "--no-secrets", cwd=root).stdout)
    assert not [f for f in doc["findings"] if f["rule_id"].startswith("secret-")]


def test_files_binary_vendored_ignored_excluded_and_too_large(tmp_path: Path) -> None:
    tok = Tokens(14).value("github")
    repo = Repo(tmp_path / "r")
    repo.write(".gitignore", "build/\n")
    repo.write("src/a.js", f"const t = '{tok}';\n")
    repo.write("build/out.js", f"const t = '{tok}';\n")  # ignored by git
    repo.write("node_modules/x/index.js", f"const t = '{tok}';\n")  # vendored
    repo.write("fixtures/f.env", f"T={tok}\n")
    (repo.path / "img.bin").write_bytes(b"\x00\x01" + tok.encode())  # binary
    repo.write("big.log", "x" * 2_000_000 + f"\nT={tok}\n")
    r = wasec("secrets", ".", "-f", "json", "--exclude", "fixtures/", "--max-file-size", "1", cwd=repo.path)
    doc = json.loads(r.stdout)
    assert [f["file"] for f in doc["findings"]] == ["src/a.js"]
    assert [(p["file"], p["kind"]) for p in doc["problems"]] == [("big.log", "warning")]
    r = wasec("secrets", ".", "-f", "json", "--include-vendored", cwd=repo.path)
    assert sorted(f["file"] for f in json.loads(r.stdout)["findings"]) == [
        "big.log", "fixtures/f.env", "node_modules/x/index.js", "src/a.js"]


def test_a_secret_in_a_minified_line_is_found_with_its_column(tmp_path: Path) -> None:
    from wasec.secrets.engine import scan_bytes

    key = Tokens(15).value("google_api")
    line = "var a=function(e){return e};" * 5000 + f'var c={{k:"{key}"}};' + "var b=1;" * 1000
    (hit,) = scan_bytes((line + "\n").encode())
    assert (hit.detector, hit.line, hit.column) == ("google-api-key", 1, line.index(key) + 1)
    (tmp_path / "app.min.js").write_text(line + "\n")
    (f,) = json.loads(wasec("secrets", ".", "-f", "json", cwd=tmp_path).stdout)["findings"]
    assert (f["rule_id"], f["line"]) == ("secret-google-api-key", 1)


def test_pre_commit_hook_blocks_a_staged_secret(tmp_path: Path) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    entry = next(h for h in hooks if h["id"] == "wasec-secrets")["entry"]
    repo = Repo(tmp_path / "r")
    repo.write("ok.txt", "fine\n")
    repo.commit("init")
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nexec {sys.executable} -m {entry.replace('wasec', 'wasec', 1)}\n")
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    repo.write("cfg.env", "TOKEN=" + Tokens(16).value("github") + "\n")
    repo.git("add", "cfg.env")
    with pytest.raises(subprocess.CalledProcessError) as e:
        repo.git("commit", "-q", "-m", "leak")
    assert "secret-github-token" in e.value.stdout + e.value.stderr
    repo.write("cfg.env", "TOKEN=${TOKEN}\n")
    repo.git("add", "cfg.env")
    repo.git("commit", "-q", "-m", "no leak")
    assert "no leak" in repo.git("log", "-1", "--format=%s")
    assert os.path.exists(hook)


def test_configuration_excludes_paths_and_includes_vendored(tmp_path: Path) -> None:
    tok = Tokens(17).value("gitlab")
    for rel in ("src/a.env", "tests/fixtures/b.env", "vendor/c.env"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(f"GITLAB={tok}\n")
    (tmp_path / ".wasec").mkdir()
    (tmp_path / ".wasec" / "config.yml").write_text("secrets:\n  exclude: ['tests/fixtures/*']\n  include_vendored: true\n")
    doc = json.loads(wasec("secrets", ".", "-f", "json", cwd=tmp_path).stdout)
    assert sorted(f["file"] for f in doc["findings"]) == ["src/a.env", "vendor/c.env"]


def test_a_hit_never_shows_its_value() -> None:
    from wasec.secrets.engine import scan_bytes

    tok = Tokens(18).value("github")
    (hit,) = scan_bytes(f"T={tok}\n".encode())
    assert tok not in repr(hit) and tok not in str(hit) and tok not in hit.redacted and tok not in hit.digest
