"""`wasec serve` over a real history: two saved scans of a tree that changed between them, served on loopback by
the real server process, read over HTTP and in Debian's Chromium (screenshots in tests/screenshots/)."""

from __future__ import annotations

import hashlib
import html
import http.client
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ignores_sigpipe

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
SHOTS = Path(__file__).parent / "screenshots"

BEFORE = '''resource "aws_s3_bucket" "logs" {
  bucket = "logs"
}
resource "aws_security_group" "ssh" {
  name = "ssh"
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
'''
AFTER = BEFORE.replace("0.0.0.0/0", "10.0.0.0/8") + '''resource "aws_db_instance" "orders" {
  engine              = "postgres"
  instance_class      = "db.t3.micro"
  publicly_accessible = true
}
'''


def wasec(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wasec", *args], capture_output=True, text=True, cwd=cwd, timeout=180)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dash")
    (root / "infra").mkdir()
    soon = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 10 * 86400))
    for text in (BEFORE, AFTER):
        if text is AFTER:  # reviewed exceptions arrive with the second scan: one due soon, one far off
            (root / ".wasec").mkdir()
            (root / ".wasec" / "exceptions.yml").write_text(f"""exceptions:
  - rule: rds-deletion-protection
    resource: aws_db_instance.orders
    justification: scratch database, recreated nightly
    owner: data@example.com
    expires: 2099-12-31
  - rule: s3-bucket-access-logging
    resource: aws_s3_bucket.logs
    justification: the log bucket itself
    owner: platform@example.com
    expires: {soon}
""")
        (root / "infra" / "main.tf").write_text(text)
        r = wasec("scan", "infra", "--save", "--db", "h.db", "-q", cwd=root)
        assert r.returncode == 1, r.stderr
    return root


class Served:
    def __init__(self, proc: subprocess.Popen[str], url: str, log: Path) -> None:
        self.proc, self.url, self.log = proc, url, log
        m = re.match(r"http://([^:/]+):(\d+)/", url)
        assert m
        self.host, self.port = m.group(1), int(m.group(2))

    def gone(self) -> str:
        """Why the server no longer answers: its exit status and the end of its request log."""
        return f"the server is gone (exit status {self.proc.poll()}); its log ends: {self.log.read_text()[-1500:]}"

    def get(self, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, dict[str, str], str]:
        c = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            c.request(method, path, headers=headers or {})
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode()
        except ConnectionRefusedError:
            raise AssertionError(self.gone()) from None
        finally:
            c.close()


def start(cwd: Path, *args: str) -> Served:
    # the request log goes to a file: a pipe nobody reads would stop the server once it is full
    log = cwd / f"serve-{time.monotonic_ns()}.log"
    with open(log, "w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "wasec", "serve", "--port", "0", *args], cwd=cwd, text=True,
                                stdout=subprocess.PIPE, stderr=err)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    m = re.search(r"http://\S+/", line)
    if not m:
        proc.kill()
        proc.wait(10)
        raise AssertionError(f"no address: {line!r} {log.read_text()}")
    return Served(proc, m.group(0), log)


@pytest.fixture(scope="module")
def served(history: Path) -> Iterator[Served]:
    s = start(history, "--db", "h.db")
    try:
        yield s
    finally:
        s.proc.terminate()
        s.proc.wait(10)


def rows(page: str) -> list[str]:
    """The fingerprints of a findings table, in order."""
    return re.findall(r'<tr><td class="num">\d+</td>.*?href="/finding/([^"]+)"', page)


def test_overview_counts_new_and_fixed_and_the_matrix_opens_its_findings(history: Path, served: Served) -> None:
    status, headers, page = served.get("/")
    assert status == 200 and "default-src 'none'" in headers["content-security-policy"]
    diff = json.loads(wasec("diff", "--db", "h.db", "-f", "json", cwd=history).stdout)
    new, fixed = len(diff["new_findings"]), len(diff["fixed"]) + len(diff["fixed_by_remediation"])
    assert f'<span class="n">{new}</span> new since' in page and f'<span class="n">{fixed}</span> fixed since' in page
    assert "sg-admin-ports-open" in page.split("Fixed (")[1]  # the SSH rule opened to 0.0.0.0/0, closed since
    cells = re.findall(r'href="(/findings\?scan=2&amp;impact=(\d)&amp;likelihood=(\d))"[^>]*>(\d+)</a>', page)
    assert cells and sum(int(n) for *_, n in cells) == int(re.search(r'<span class="n">(\d+)</span> <a[^>]*>failing',
                                                                        page).group(1))  # type: ignore[union-attr]
    stacked = page.split("Failing findings by Security Pillar area over 2 scans")[1].split("</figure>")[0]
    assert stacked.count("<polygon") >= 2  # areas stacked across the two saved scans
    href, impact, likelihood, n = cells[0]
    _, _, behind = served.get(href.replace("&amp;", "&"))
    assert f"<p>{n} finding(s) at likelihood {likelihood} and impact {impact}" in behind and len(rows(behind)) == int(n)


def test_filters_sort_and_pages_live_in_the_url(served: Served) -> None:
    _, _, everything = served.get("/findings")
    _, _, high = served.get("/findings?severity=high")
    assert rows(high) and set(rows(high)) < set(rows(everything))
    assert all('class="sev high"' in row for row in re.findall(r"<tr><td class=\"num\">.*?</tr>", high))
    _, _, one_rule = served.get("/findings?rule=rds-not-public")
    assert len(rows(one_rule)) == 1 and "rds-not-public" in one_rule
    _, _, searched = served.get("/findings?q=orders")
    assert rows(searched) and all("aws_db_instance.orders" in r for r in re.findall(r"<tr><td class=\"num\">.*?</tr>",
                                                                                      searched))
    _, _, ascending = served.get("/findings?sort=risk&order=asc")
    risks = [int(x) for x in re.findall(r'<tr><td class="num">(\d+)</td>', ascending)]
    assert risks == sorted(risks)
    _, _, first_scan = served.get("/findings?scan=1&rule=sg-admin-ports-open")
    assert len(rows(first_scan)) == 1  # the earlier scan still has what was fixed since
    status, _, odd = served.get("/findings?severity=catastrophic&impact=9&page=x&sort=%27;drop")
    said = html.unescape(odd)
    assert status == 200 and "severity='catastrophic' ignored" in said and "impact='9' ignored" in said
    assert rows(odd) == rows(everything)


def test_exports_hold_what_the_table_shows(served: Served) -> None:
    for view in ("severity=medium", "q=logs", "impact=4&likelihood=5", ""):
        _, _, page = served.get(f"/findings?{view}")
        status, headers, text = served.get(f"/findings.csv?{view}")
        assert status == 200 and headers["content-type"].startswith("text/csv")
        assert headers["content-disposition"].startswith("attachment; filename=\"wasec-findings")
        table = text.splitlines()
        assert table[0].startswith("risk,fingerprint,rule_id")
        assert [line.split(",")[1] for line in table[1:]] == rows(page)
        _, _, js = served.get(f"/findings.json?{view}")
        assert [d["fingerprint"] for d in json.loads(js)] == rows(page)


def test_a_finding_has_its_history_evidence_and_fix(served: Served) -> None:
    _, _, page = served.get("/findings?rule=s3-bucket-versioning")
    (fp,) = rows(page)
    status, _, one = served.get(f"/finding/{fp}")
    assert status == 200 and "How to fix" in one and "Terraform" in one
    assert one.count('href="/findings?scan=') == 2  # in both saved scans
    assert served.get("/finding/0000")[0] == 404
    assert served.get("/static/../h.db")[0] == 404 and served.get("/nope")[0] == 404
    assert served.get("/", method="HEAD")[0] == 200


def test_the_store_is_never_written(history: Path, served: Served) -> None:
    before = hashlib.sha256((history / "h.db").read_bytes()).hexdigest()
    for path in ("/", "/findings", "/findings.csv", "/findings?scan=1"):
        assert served.get(path)[0] == 200
    assert hashlib.sha256((history / "h.db").read_bytes()).hexdigest() == before


def test_a_token_guards_every_page(history: Path) -> None:
    s = start(history, "--db", "h.db", "--token", "correct-horse")
    try:
        assert s.get("/")[0] == 401 and s.get("/findings.csv")[0] == 401
        assert s.get("/", {"Authorization": "Bearer wrong"})[0] == 401
        assert s.get("/", {"Authorization": "Bearer correct-horse"})[0] == 200
        status, headers, _ = s.get("/findings?token=correct-horse&severity=high")
        assert status == 303 and headers["location"] == "/findings?severity=high"  # the token leaves the URL
        assert "HttpOnly" in headers["set-cookie"] and "SameSite=Strict" in headers["set-cookie"]
        cookie = headers["set-cookie"].split(";")[0]
        status, headers, _ = s.get("//elsewhere.example?token=correct-horse")
        assert status == 303 and headers["location"] == "/elsewhere.example"  # never off this server
        assert s.get("/findings?severity=high", {"Cookie": cookie})[0] == 200
    finally:
        s.proc.terminate()
        s.proc.wait(10)


def test_off_loopback_it_needs_a_token_or_a_proxy_and_an_old_store_is_not_migrated(history: Path, tmp_path: Path) -> None:
    r = wasec("serve", "--db", "h.db", "--host", "0.0.0.0", "--port", "0", cwd=history)
    assert r.returncode == 2 and "--token" in r.stderr and "--behind-proxy" in r.stderr
    r = wasec("serve", "--db", "missing.db", cwd=history)
    assert r.returncode == 2 and "no scan history at missing.db" in r.stderr
    old = tmp_path / "old.db"
    shutil.copy(history / "h.db", old)
    with sqlite3.connect(old) as c:
        c.execute("PRAGMA user_version = 2")
    r = wasec("serve", "--db", str(old), "--port", "0", cwd=tmp_path)
    assert r.returncode == 2 and "schema version 2" in r.stderr and "never writes" in r.stderr


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                    reason="no chromium here (CI installs Debian's chromium and runs this)")
def test_in_a_browser_pages_render_and_screenshots_are_kept(served: Served) -> None:
    assert CHROMIUM, "chromium is required in CI"
    SHOTS.mkdir(exist_ok=True)

    def chrome(*args: str) -> Any:
        return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                               "--window-size=1300,1000", *args], capture_output=True, text=True, timeout=180)

    dom = chrome("--dump-dom", served.url + "findings?severity=high").stdout
    _, _, page = served.get("/findings?severity=high")
    assert rows(dom) == rows(page) and rows(dom)
    # a matrix cell, followed as the browser renders it, opens as many findings as it says
    overview = chrome("--dump-dom", served.url).stdout
    href, n = re.findall(r'<a href="/(findings\?scan=2&amp;impact=\d&amp;likelihood=\d)"[^>]*>(\d+)</a>', overview)[0]
    assert len(rows(chrome("--dump-dom", served.url + href.replace("&amp;", "&")).stdout)) == int(n)
    # the JSON export link of that view, opened in the browser, holds what the table shows (the CSV one is a
    # download: an attachment a headless browser saves rather than shows)
    export = re.search(r'href="/(findings\.json\?[^"]*)"', dom)
    assert export
    shown = html.unescape(chrome("--dump-dom", served.url + export.group(1).replace("&amp;", "&")).stdout)
    assert served.proc.poll() is None, served.gone()
    assert re.findall(r'"fingerprint":"([^"]+)"', shown) == rows(dom)
    _, _, listing = served.get("/findings?rule=rds-not-public")
    for name, path in (("overview", ""), ("findings", "findings"), ("finding", f"finding/{rows(listing)[0]}"),
                       ("exceptions", "exceptions")):
        out = SHOTS / f"dashboard-{name}.png"
        out.unlink(missing_ok=True)
        chrome(f"--screenshot={out}", served.url + path)
        deadline = time.time() + 10
        while not out.exists() and time.time() < deadline:
            time.sleep(0.1)
        assert out.stat().st_size > 10_000, name  # a page with content, not a blank one


def test_exceptions_soonest_expiry_first(served: Served) -> None:
    status, _, page = served.get("/exceptions")
    assert status == 200 and "2 finding(s) suppressed in scan #2; 1 exception(s) expired or expiring" in page
    table = re.findall(r"<tr class=\"(due)?\"><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", page)
    assert [(due, state, owner) for due, _, state, owner in table] == [
        ("due", "expires within 30 days", "platform@example.com"), ("", "", "data@example.com")]
    _, _, suppressed = served.get("/findings?suppressed=yes")
    assert len(rows(suppressed)) == 2


def test_detection_runs_by_technique_apart_from_the_posture(history: Path, tmp_path: Path) -> None:
    from tests.events.test_detections import record

    db = tmp_path / "h.db"
    shutil.copy(history / "h.db", db)
    stop = record({"eventSource": "cloudtrail.amazonaws.com", "eventName": "StopLogging", "eventID": "e1",
                   "requestParameters": {"name": "main"}})
    root = record({"eventSource": "s3.amazonaws.com", "eventName": "ListBuckets", "eventID": "e2",
                   "userIdentity": {"type": "Root", "arn": "arn:aws:iam::111122223333:root"}})
    for i, records in enumerate(([stop], [stop, dict(stop, eventID="e3"), root])):
        (tmp_path / f"run{i}.json").write_text(json.dumps({"Records": records}))
        r = wasec("events", f"run{i}.json", "--save", "--db", str(db), "-q", cwd=tmp_path)
        assert r.returncode == 1 and "saved scan" in r.stderr, r.stderr
    s = start(tmp_path, "--db", str(db))
    try:
        _, _, page = s.get("/detections")
        assert "4 alert(s) in the last 2 saved run(s)" in page
        row = re.search(r"<tr><th scope=row>T1562\.008 Impair Defenses: Disable or Modify Cloud Logs[^<]*</th>(.*?)</tr>",
                        page)
        assert row and re.findall(r'title="(\d+)"', row.group(1)) == ["1", "2"]
        _, _, overview = s.get("/")
        assert "Latest scan #2: code" in overview  # detection runs are not the posture
    finally:
        s.proc.terminate()
        s.proc.wait(10)
    assert wasec("events", "run0.json", "--follow", "--save", cwd=tmp_path).returncode == 2


def test_review_milestones_and_the_remediation_goal(history: Path, tmp_path: Path) -> None:
    from wasec.history import store

    db = tmp_path / "h.db"
    shutil.copy(history / "h.db", db)
    conn = store.connect(str(db))
    store.save_milestone(conn, "2026-Q3", {"questions": {"SEC01": "HIGH", "SEC02": "HIGH", "SEC03": "MEDIUM"},
                                           "practices": {"SEC01-BP01": "not met", "SEC02-BP01": "not met"}})
    store.save_milestone(conn, "2026-Q4", {"questions": {"SEC01": "NONE", "SEC02": "HIGH", "SEC03": "NONE"},
                                           "practices": {"SEC01-BP01": "met", "SEC02-BP01": "not met"}})
    conn.close()
    s = start(tmp_path, "--db", str(db))
    try:
        _, _, page = s.get("/review")
        assert "1 of 2 (50%; the goal is 45%): SEC01" in page
        assert re.search(r"<tr><td>2026-Q3</td><td>[^<]+</td><td class=\"num\">2</td><td class=\"num\">1</td>", page)
        assert "SEC01-BP01 Separate workloads using accounts (High risk) — <b>met</b>" in page
        _, _, same = s.get("/review?from=2026-Q4&to=2026-Q4")
        assert "0 of 1 (0%" in same
    finally:
        s.proc.terminate()
        s.proc.wait(10)


def test_organisation_accounts_by_area_and_each_cell_opens_its_findings(tmp_path: Path) -> None:
    from tests.test_history import Result, finding
    from wasec.history import store
    from wasec.model.finding import Status

    def live(n: int, account: str, rule: str, status: Status = Status.FAIL) -> Any:
        return finding(n, status=status).with_(rule_id=rule, account=account, region="eu-west-1", source="aws",
                                               fingerprint=f"{account}-{n}")

    db = tmp_path / "h.db"
    conn = store.connect(str(db))
    store.save(conn, Result([live(1, "111111111111", "iam-user-mfa"), live(2, "111111111111", "s3-bucket-versioning"),
                             live(3, "111111111111", "s3-bucket-default-encryption"),
                             live(4, "222222222222", "s3-bucket-versioning"),
                             live(5, "111111111111", "guardduty-enabled", Status.PASS),
                             live(6, "222222222222", "guardduty-enabled")]), "aws", "2 accounts")
    conn.close()
    s = start(tmp_path, "--db", str(db))
    try:
        _, _, page = s.get("/organisation")
        accounts = re.findall(r'<tr><th scope=row><a href="[^"]*">(\d{12})</a></th><td class="num">(\d+)</td>', page)
        assert accounts == [("111111111111", "3"), ("222222222222", "2")]
        baseline = page.split("Baseline across accounts")[1]
        columns = re.findall(r'<th scope=col title="[^"]*">([\w-]+)</th>', baseline)
        gd = columns.index("guardduty")
        marks = {acct: re.findall(r'<td class="m-(\w+)"', row) for acct, row in
                 re.findall(r"<tr><th scope=row>(\d{12})</th>(.*?)</tr>", baseline)}
        assert marks["111111111111"][gd] == "ok" and marks["222222222222"][gd] == "bad"
        assert "222222222222 · guardduty: missing in eu-west-1" in baseline
        from wasec.rules.registry import load_builtin

        area = {r.id: r.area for r in load_builtin()}
        want = {a: sum(1 for r in ("iam-user-mfa", "s3-bucket-versioning", "s3-bucket-default-encryption") if area[r] == a)
                for a in set(area.values())}
        cells = re.findall(r'href="(/findings\?scan=1&amp;account=111111111111&amp;area=(\w+))">(\d+)</a>', page)
        assert {a: int(n) for _, a, n in cells} == {a: n for a, n in want.items() if n}
        for href, _area, n in cells:
            _, _, behind = s.get(href.replace("&amp;", "&"))
            assert len(rows(behind)) == int(n) and "of account 111111111111 in" in behind
        _, _, by_region = s.get("/findings?region=eu-west-1")
        assert len(rows(by_region)) == 5  # the failing ones; the passing guardduty-enabled is not listed
    finally:
        s.proc.terminate()
        s.proc.wait(10)


def test_images_each_with_what_fails_what_vex_excused_and_what_is_below_the_threshold(history: Path,
                                                                                     tmp_path: Path) -> None:
    from tests.test_images import TRIVY, VEX

    db = tmp_path / "h.db"
    shutil.copy(history / "h.db", db)
    (tmp_path / "trivy.json").write_text(json.dumps(TRIVY))
    (tmp_path / "vex.json").write_text(json.dumps(VEX))
    r = wasec("images", "trivy.json", "--vex", "vex.json", "--save", "--db", str(db), "-q", cwd=tmp_path)
    assert r.returncode == 1 and "saved scan 3" in r.stderr, r.stderr
    s = start(tmp_path, "--db", str(db))
    try:
        _, _, page = s.get("/images")
        assert "1 image(s), 1 failing the gate" in page
        row = re.search(r"registry\.example\.com/shop/web:1\.4\.2</a></th>(.*?)</tr>", page)
        assert row and re.findall(r'<td class="num">(\d*)</td>', row.group(1)) == ["1", "1", "", "", "", "1", "1", ""]
        _, _, overview = s.get("/")
        assert "Latest scan #2: code" in overview  # an image gate is not the posture
    finally:
        s.proc.terminate()
        s.proc.wait(10)


def test_the_saved_guardrail_matrix_on_the_organisation_page(tmp_path: Path) -> None:
    from tests.foundations.test_org_guardrails_code import ORG_TF

    (tmp_path / "org").mkdir()
    (tmp_path / "org" / "org.tf").write_text(ORG_TF + """
resource "aws_organizations_policy" "no_leave" {
  name    = "deny-leave"
  content = jsonencode({ Version = "2012-10-17", Statement = [
    { Effect = "Deny", Action = "organizations:LeaveOrganization", Resource = "*" }] })
}
resource "aws_organizations_policy_attachment" "no_leave" {
  policy_id = aws_organizations_policy.no_leave.id
  target_id = aws_organizations_organization.org.roots[0].id
}
""")
    assert wasec("org", "guardrails", "org", "--db", "h.db", cwd=tmp_path).returncode == 2  # --db without --save
    r = wasec("org", "guardrails", "org", "--save", "--db", "h.db", "-f", "json", cwd=tmp_path)
    assert r.returncode == 1 and "saved guardrail matrix 1" in r.stderr, r.stderr
    doc = json.loads(r.stdout)
    s = start(tmp_path, "--db", "h.db")
    try:
        _, _, page = s.get("/organisation")
        guard = page.split("<h2>Guardrails</h2>")[1]
        assert f"{doc['summary']['leaking']} guardrail decision(s) leak" in guard
        table = {label: re.findall(r'<td class="m-(\w+)"', cells) for label, cells in
                 re.findall(r"<tr><th scope=row>([^<]+)</th>(.*?)</tr>", guard)}
        ids = [g["id"] for g in doc["guardrails"]]
        for row in doc["rows"]:
            label = " / ".join(row["path"]) + ("" if row["kind"] == "account" else f" ({row['kind']})")
            want = [{"holds": "ok", "leaks": "bad", "exempt": "na", "unknown": "unknown"}[row["cells"][g]["status"]]
                    for g in ids]
            assert table[html.escape(label)] == want, label
        assert "deny-leave-organization" in guard and "bad" in {c for v in table.values() for c in v}
    finally:
        s.proc.terminate()
        s.proc.wait(10)


def test_framework_control_and_risk_filters(served: Served) -> None:
    from wasec.rules.registry import load_builtin

    _, _, everything = served.get("/findings?status=any")
    _, _, control = served.get("/findings?control=S3.8")  # FSBP S3.8: S3 Block Public Access on buckets
    mapped = {r.id for r in load_builtin() if "S3.8" in r.fsbp}
    shown = set(re.findall(r"<td>([a-z0-9-]+)</td><td>aws_", control))
    assert shown and shown <= mapped and "mapped to S3.8" in control
    _, _, risky = served.get("/findings?min_risk=20")
    risks = [int(x) for x in re.findall(r'<tr><td class="num">(\d+)</td>', risky)]
    assert risks and min(risks) >= 20 and len(risks) < len(rows(everything))
    assert rows(served.get("/findings?control=NOPE-1")[2]) == []


def test_first_seen_is_shown_and_filters(history: Path, served: Served) -> None:
    with sqlite3.connect(history / "h.db") as c:
        before = {fp for (fp,) in c.execute("SELECT fingerprint FROM findings WHERE scan_id = 1")}
        want = {fp for (fp,) in c.execute("SELECT fingerprint FROM findings WHERE scan_id = 2 AND status = 'FAIL' "
                                          "AND suppressed IS NULL") if fp not in before}
    _, _, page = served.get("/findings?since=2")
    assert want and set(rows(page)) == want and "first seen in scan #2 or later" in page
    _, _, everything = served.get("/findings")
    seen = re.findall(r'<td class="num">#(\d+)</td><td><a href="/finding/([^"]+)"', everything)
    assert {fp for n, fp in seen if n == "2"} == want and {n for n, _ in seen} == {"1", "2"}


def test_the_overview_follows_the_accounts_with_the_most_findings(tmp_path: Path) -> None:
    from tests.test_history import Result, finding
    from wasec.history import store

    def live(n: int, account: str) -> Any:
        return finding(n).with_(account=account, region="eu-west-1", source="aws", fingerprint=f"{account}-{n}")

    conn = store.connect(str(tmp_path / "h.db"))
    store.save(conn, Result([live(1, "111111111111"), live(2, "222222222222")]), "aws", "org")
    store.save(conn, Result([live(1, "111111111111"), live(3, "111111111111"), live(2, "222222222222")]), "aws", "org")
    conn.close()
    s = start(tmp_path, "--db", "h.db")
    try:
        _, _, page = s.get("/")
        chart = page.split("Failing findings of the 2 accounts with the most, over 2 scans")[1].split("</figure>")[0]
        assert re.findall(r"<title>(\d{12})</title>", chart) == ["111111111111", "222222222222"]
    finally:
        s.proc.terminate()
        s.proc.wait(10)


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                    reason="no chromium here (CI installs Debian's chromium and runs this)")
def test_in_a_browser_the_token_is_asked_for_and_then_kept(history: Path) -> None:
    assert CHROMIUM, "chromium is required in CI"
    s = start(history, "--db", "h.db", "--token", "correct-horse")
    try:
        def dom(url: str) -> str:
            return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", url],
                                  capture_output=True, text=True, timeout=180).stdout

        assert "needs its access token" in dom(s.url + "findings")
        page = dom(s.url + "findings?token=correct-horse&severity=high")  # redirected, the cookie set, then served
        assert s.proc.poll() is None, s.gone()
        assert rows(page) and "needs its access token" not in page, page[-500:]
    finally:
        s.proc.terminate()
        s.proc.wait(10)



@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the signal mask from /proc (Linux)")
def test_a_client_that_hangs_up_costs_one_response_not_the_server(served: Served) -> None:
    # the one-shot commands let SIGPIPE end them (`wasec scan . | head`); a server must not: a browser that navigates
    # away while an answer is written would stop it, as it did in the browser tests
    assert served.proc.poll() is None, served.gone()
    assert ignores_sigpipe(served.proc.pid)
