"""Added lines from git: what is staged (pre-commit) and what every commit added (history).

One ``git log -p`` (or ``git diff --cached``) process streams the patches; wasec keeps only added
lines, grouped per file and hunk with their line numbers in the new file, and hands each group to
the same engine as the working tree. Renames without changes add nothing; a merge shows only what
the merge itself introduced (lines new against every parent, ``--cc``), so a secret that came in
on a branch is reported once, at the branch's commit.
"""

from __future__ import annotations

import codecs
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from wasec.errors import UsageError

HUNK = re.compile(rb"^@@@* (?:-\d+(?:,\d+)? )+\+(\d+)(?:,\d+)? @@")
COMMIT = b"\x1ewasec-commit "


@dataclass
class Patch:
    """The added lines of one file in one commit, in runs of consecutive new-file lines."""

    path: str
    commit: str | None = None
    date: str | None = None
    runs: list[tuple[int, bytes]] = field(default_factory=list)  # (first line number, the lines)


def _git(repo: str, *args: str) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(["git", "-C", repo, "-c", "core.quotepath=off", *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
    except OSError as e:
        raise UsageError(f"git is needed to scan {repo}: {e.strerror}") from None


def _check_repo(repo: str) -> None:
    r = subprocess.run(["git", "-C", repo, "rev-parse", "--git-dir"], capture_output=True)
    if r.returncode != 0:
        raise UsageError(f"{repo} is not a git repository: {r.stderr.decode(errors='replace').strip()}")


def _path(target: bytes) -> str:
    if target.startswith(b'"'):  # git quotes unusual paths C-style
        target = codecs.escape_decode(target[1:-1])[0]
    return (target[2:] if target.startswith(b"b/") else target).decode("utf-8", "surrogateescape")


def _parse_lines(stream: Iterator[bytes]) -> Iterator[Patch]:
    """Patches from diff output, line by line: any diff, merges' combined ones included."""
    commit = date = None
    cur: Patch | None = None
    header = False  # between "diff --git" and the first hunk: "+++ b/path" names the file
    parents = 1  # columns of +/- markers: 1, or one per parent in a combined (merge) diff
    new_line = run_start = 0
    run: list[bytes] = []

    def flush() -> None:
        nonlocal run
        if cur is not None and run:
            cur.runs.append((run_start, b"\n".join(run)))
        run = []

    for raw in stream:
        line = raw[:-1] if raw.endswith(b"\n") else raw
        if line.startswith(COMMIT) or line.startswith((b"diff --git ", b"diff --cc ", b"diff --combined ")):
            flush()
            if cur is not None and cur.runs:
                yield cur
            cur, header = None, True
            if line.startswith(COMMIT):
                commit, _, when = line[len(COMMIT):].decode().partition(" ")
                date, header = when, False
            continue
        if header:
            if line.startswith(b"+++ "):
                target = line[4:]
                cur = None if target == b"/dev/null" else Patch(_path(target), commit, date)
            elif line.startswith(b"@@"):
                header = False
            else:
                continue
        if line.startswith(b"@@"):
            flush()
            m = HUNK.match(line)
            if m:
                parents = max(1, line.index(b" ") - 1)
                new_line = int(m.group(1))
            continue
        if cur is None or not line or line.startswith(b"\\ "):
            continue
        marks = line[:parents]
        if b"-" in marks:
            flush()  # a removed line: not in the new file
            continue
        if marks == b"+" * parents:
            if not run:
                run_start = new_line
            run.append(line[parents:])
        else:
            flush()  # context, or a line one of the parents already had
        new_line += 1
    flush()
    if cur is not None and cur.runs:
        yield cur


NO_NEWLINE = b"\n\\ No newline at end of file"


def _sections(stream: IO[bytes], block: int = 8 << 20) -> Iterator[bytes]:
    """The output cut into pieces that each end where a commit (or the whole output) ends."""
    buf = b""
    while True:
        chunk = stream.read(block)
        if not chunk:
            break
        buf += chunk
        cut = buf.rfind(b"\n" + COMMIT)
        if cut > 0:
            yield buf[:cut + 1]
            buf = buf[cut + 1:]
    if buf:
        yield buf


def _parse(stream: IO[bytes]) -> Iterator[Patch]:
    """Patches from ``git log -p -U0``/``git diff -U0`` output, a file diff at a time.

    With no context lines a hunk is its removed lines followed by its added ones, so the added text is
    one slice of the output with the leading ``+`` taken off each line: no Python loop over lines.
    Merges' combined diffs (``diff --cc``) go through the line-by-line parser.
    """
    commit = date = None
    for section in _sections(stream):
        for part in section.split(b"\ndiff --"):
            part = part.removeprefix(b"diff --")  # the output's very first diff has no newline before it
            # a commit line ends the previous commit's last file diff: that diff is the previous commit's
            i = part.find(COMMIT)
            marker = part[i:] if i >= 0 else b""
            part = part[:i] if i >= 0 else part
            yield from _file_patches(part, commit, date)
            if marker:
                end = marker.find(b"\n")
                commit, _, date = marker[len(COMMIT):end if end >= 0 else len(marker)].decode().partition(" ")


def _file_patches(part: bytes, commit: str | None, date: str | None) -> Iterator[Patch]:
    """The added lines of one file diff (``part`` is what follows ``diff --``)."""
    if part.startswith((b"cc ", b"combined ")):
        header = COMMIT + f"{commit} {date}".encode() + b"\n"
        yield from _parse_lines(iter((header + b"diff --" + part).splitlines(keepends=True)))
        return
    at = part.find(b"\n@@")
    plus = part.rfind(b"\n+++ ", 0, at) if at >= 0 else -1
    if not part.startswith(b"git ") or plus < 0:
        return  # a rename, a mode change, a binary file: nothing added as text
    target = part[plus + 5:part.find(b"\n", plus + 1)]
    if target == b"/dev/null":
        return
    patch = Patch(_path(target), commit, date)
    for hunk in part[at + 1:].split(b"\n@@"):
        nl = hunk.find(b"\n")
        m = HUNK.match(hunk[:nl] if hunk.startswith(b"@@") else b"@@" + hunk[:nl]) if nl >= 0 else None
        if m is None:
            continue
        body = hunk[nl + 1:]
        k = 0 if body.startswith(b"+") else body.find(b"\n+") + 1
        if k == 0 and not body.startswith(b"+"):
            continue  # only removals
        added = body[k + 1:].replace(b"\n+", b"\n")
        if NO_NEWLINE[1:] in added:
            added = added.replace(NO_NEWLINE, b"").removeprefix(NO_NEWLINE[1:])
        patch.runs.append((int(m.group(1)), added.rstrip(b"\n")))
    if patch.runs:
        yield patch


def staged(repo: str) -> Iterator[Patch]:
    """What ``git commit`` would record now: the added lines of the index against HEAD."""
    _check_repo(repo)
    p = _git(repo, "diff", "--cached", "-U0", "--no-color", "--no-ext-diff", "--diff-filter=ACMR", "-M")
    yield from _finish(p, _parse(p.stdout))  # type: ignore[arg-type]


def history(repo: str, since: str | None = None, all_refs: bool = False) -> Iterator[Patch]:
    """Every commit's added lines, newest first: ``since`` a ref (``main``, a tag, a sha), or all of it."""
    _check_repo(repo)
    args = ["log", "-p", "-U0", "--no-color", "--no-ext-diff", "--cc", "-M", "--diff-filter=ACMR",
            f"--format={COMMIT.decode()}%H %aI"]
    if all_refs:
        args.append("--all")
    if since:
        args.append(f"{since}..HEAD")
    p = _git(repo, *args)
    yield from _finish(p, _parse(p.stdout))  # type: ignore[arg-type]


def _finish(p: subprocess.Popen[bytes], patches: Iterator[Patch]) -> Iterator[Patch]:
    yield from patches
    err = (p.stderr.read() if p.stderr else b"").decode(errors="replace").strip()
    if p.wait() != 0:
        raise UsageError(f"git failed: {err or 'exit ' + str(p.returncode)}")


def repo_root(path: str) -> str:
    r = subprocess.run(["git", "-C", path, "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    if r.returncode != 0:
        raise UsageError(f"{path} is not inside a git repository")
    return os.path.normpath(r.stdout.strip())
