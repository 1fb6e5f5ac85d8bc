"""History and staged scans on real git repositories built by the tests."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.secrets.tokens import Tokens
from wasec.errors import UsageError
from wasec.secrets.scan import scan_history, scan_staged, scan_tree

ENV = {"GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.test", "GIT_COMMITTER_NAME": "dev",
       "GIT_COMMITTER_EMAIL": "dev@example.test", "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent"}


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.t = 1_700_000_000
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str) -> str:
        self.t += 60
        env = {**os.environ, **ENV, "GIT_AUTHOR_DATE": f"{self.t} +0000", "GIT_COMMITTER_DATE": f"{self.t} +0000"}
        return subprocess.run(["git", "-C", str(self.path), *args], check=True, capture_output=True, text=True, env=env).stdout

    def write(self, rel: str, text: str) -> None:
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)

    def commit(self, msg: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--no-gpg-sign", "-m", msg)
        return self.git("rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo")


def test_a_removed_secret_is_found_in_history_not_in_the_tree(repo: Repo) -> None:
    tok = Tokens(1).value("github")
    repo.write("app/settings.env", "LOG_LEVEL=info\nGITHUB_TOKEN=" + tok + "\n")
    added = repo.commit("add settings")
    repo.write("app/settings.env", "LOG_LEVEL=info\nGITHUB_TOKEN=${GITHUB_TOKEN}\n")
    repo.commit("read the token from the environment")

    assert scan_tree(str(repo.path)).located == []
    found = scan_history(str(repo.path)).located
    assert [(x.path, x.hit.line, x.hit.detector, x.commit) for x in found] == [("app/settings.env", 2, "github-token", added)]
    assert found[0].date is not None and found[0].date.startswith("2023-11-14")


def test_history_line_numbers_are_those_of_the_commit_that_added_the_line(repo: Repo) -> None:
    t = Tokens(2)
    repo.write("a.py", "".join(f"x{i} = {i}\n" for i in range(50)))
    repo.commit("one")
    lines = (repo.path / "a.py").read_text().split("\n")
    lines.insert(20, f'STRIPE = "{t.value("stripe")}"')
    repo.write("a.py", "\n".join(lines))
    second = repo.commit("two")
    found = scan_history(str(repo.path)).located
    assert [(x.hit.line, x.commit) for x in found] == [(21, second)]


def test_a_renamed_file_is_not_a_new_leak(repo: Repo) -> None:
    repo.write("old/name.env", "SENDGRID=" + Tokens(3).value("sendgrid") + "\n" + "".join(f"K{i}=v{i}\n" for i in range(20)))
    first = repo.commit("add")
    (repo.path / "new").mkdir()
    repo.git("mv", "old/name.env", "new/name.env")
    repo.commit("rename")
    found = scan_history(str(repo.path)).located
    assert [(x.path, x.commit) for x in found] == [("old/name.env", first)]


def test_merges_report_a_branch_secret_once_and_an_evil_merge_at_the_merge(repo: Repo) -> None:
    t = Tokens(4)
    repo.write("README.md", "hello\n")
    repo.commit("init")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("feature.env", "NPM_TOKEN=" + t.value("npm") + "\n")
    on_branch = repo.commit("feature")
    repo.git("checkout", "-q", "main")
    repo.write("main.txt", "main work\n")
    repo.commit("main work")
    repo.git("merge", "-q", "--no-ff", "--no-commit", "feature")
    repo.write("README.md", "hello\nSLACK=" + t.value("slack_bot") + "\n")  # introduced by the merge itself
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-gpg-sign", "-m", "merge feature")
    merge = repo.git("rev-parse", "HEAD").strip()

    found = {(x.path, x.hit.detector): x.commit for x in scan_history(str(repo.path)).located}
    assert found == {("feature.env", "npm-token"): on_branch, ("README.md", "slack-token"): merge}


def test_since_scans_only_newer_commits(repo: Repo) -> None:
    t = Tokens(5)
    repo.write("a.env", "A=" + t.value("gitlab") + "\n")
    repo.commit("old")
    repo.git("tag", "v1")
    repo.write("b.env", "B=" + t.value("pypi") + "\n")
    newer = repo.commit("new")
    found = scan_history(str(repo.path), since="v1").located
    assert [(x.path, x.commit) for x in found] == [("b.env", newer)]


def test_all_history_includes_other_branches(repo: Repo) -> None:
    repo.write("a.txt", "a\n")
    repo.commit("init")
    repo.git("checkout", "-q", "-b", "wip")
    repo.write("w.env", "W=" + Tokens(6).value("google_api") + "\n")
    repo.commit("wip")
    repo.git("checkout", "-q", "main")
    assert scan_history(str(repo.path)).located == []
    assert [x.path for x in scan_history(str(repo.path), all_refs=True).located] == ["w.env"]


def test_the_same_secret_added_again_is_one_finding_at_the_oldest_commit(repo: Repo) -> None:
    tok = Tokens(7).value("stripe")
    repo.write("pay.env", f"STRIPE={tok}\n")
    first = repo.commit("add")
    repo.write("pay.env", "STRIPE=\n")
    repo.commit("remove")
    repo.write("pay.env", f"STRIPE={tok}\n")
    repo.commit("revert the removal")
    assert [x.commit for x in scan_history(str(repo.path)).located] == [first]


def test_staged_scans_the_index_not_the_working_tree(repo: Repo) -> None:
    t = Tokens(8)
    repo.write("ok.txt", "fine\n")
    repo.commit("init")
    repo.write("staged.env", "TOKEN=" + t.value("github") + "\n")
    repo.git("add", "staged.env")
    repo.write("unstaged.env", "TOKEN=" + t.value("github") + "\n")
    repo.write("ok.txt", "fine\nDB_PASSWORD=" + t.value("password") + "\n")  # modified, not staged
    found = scan_staged(str(repo.path)).located
    assert [(x.path, x.hit.detector, x.commit) for x in found] == [("staged.env", "github-token", None)]


def test_binary_and_vendored_paths_in_history_are_skipped(repo: Repo) -> None:
    tok = Tokens(9).value("github")
    repo.write("node_modules/lib/config.js", f"const t = '{tok}';\n")
    repo.write("img/logo.png", f"not really a png {tok}\n")
    repo.write("src/app.js", f"const t = '{tok}';\n")
    repo.commit("add")
    assert [x.path for x in scan_history(str(repo.path)).located] == ["src/app.js"]


def test_not_a_repository_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not"):
        scan_history(str(tmp_path))
