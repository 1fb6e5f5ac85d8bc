"""Secrets scans: the working tree, the index, git history. Files → engine → hits, in parallel.

The working tree is split into chunks of files scanned by a process pool (secrets scanning is
CPU-bound: the engine's passes run in C, the per-line work in Python), in a stable order, so the
result does not depend on the number of workers.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from wasec.model.finding import Problem
from wasec.secrets import git
from wasec.secrets.engine import Hit, scan_bytes
from wasec.secrets.files import FileOptions, Skipped, extension, list_files, read_text, skipped_path
from wasec.secrets.generic import CODE


@dataclass
class Located:
    """A hit and where it is: a path relative to the scan root, and for history the commit."""

    path: str
    hit: Hit
    commit: str | None = None
    date: str | None = None


@dataclass
class SecretsScan:
    root: str
    mode: str  # tree | staged | history
    located: list[Located] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    commits: int = 0
    skipped: Skipped = field(default_factory=Skipped)
    duration: float = 0.0
    ignores: set[str] = field(default_factory=set)  # files that mention wasec:ignore


PARALLEL_BYTES = 4 * 1024 * 1024  # below this a pool costs more than it saves


Part = tuple[list[Located], list[tuple[str, str]], int, set[str]]  # hits, unread files, bytes, files with ignores


def _scan_files(root: str, paths: list[str], max_bytes: int, follow_symlinks: bool = False) -> Part:
    out: list[Located] = []
    unread: list[tuple[str, str]] = []
    ignores: set[str] = set()
    total = 0
    for rel in paths:
        data, why = read_text(os.path.join(root, rel), max_bytes, root, follow_symlinks)
        if data is None:
            unread.append((rel, why or "unreadable"))
            continue
        total += len(data)
        hits = scan_bytes(data, extension(rel) in CODE)
        if hits:
            out += [Located(rel, h) for h in hits]
            if b"wasec:ignore" in data:
                ignores.add(rel)
    return out, unread, total, ignores


def _sizes(root: str, paths: list[str]) -> list[int]:
    sizes = []
    for rel in paths:
        try:
            sizes.append(os.path.getsize(os.path.join(root, rel)))
        except OSError:  # gone or unreadable: the scan itself reports it
            sizes.append(0)
    return sizes


def _chunks(paths: list[str], sizes: list[int], n: int) -> list[list[str]]:
    """About equal bytes per chunk, several chunks per worker so a big file does not hold the others up."""
    target = max(1, sum(sizes) // (n * 4))
    chunks: list[list[str]] = [[]]
    acc = 0
    for rel, size in zip(paths, sizes, strict=True):
        if acc >= target:
            chunks.append([])
            acc = 0
        chunks[-1].append(rel)
        acc += size
    return [c for c in chunks if c]


def scan_tree(root: str, options: FileOptions | None = None, workers: int = 0) -> SecretsScan:
    """Every file under ``root`` (a directory or one file) that is text, not vendored and not excluded."""
    o = options or FileOptions()
    started = time.time()
    base = root if os.path.isdir(root) else os.path.dirname(root) or "."
    result = SecretsScan(os.path.abspath(base), "tree")
    paths = list_files(root, o, result.skipped)
    workers = workers or os.cpu_count() or 1
    sizes = _sizes(base, paths)
    parts: Iterable[Part]
    if workers > 1 and sum(sizes) > PARALLEL_BYTES and len(paths) > 1:
        chunks = _chunks(paths, sizes, workers)
        from concurrent.futures import ProcessPoolExecutor  # only big trees are scanned in parallel

        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_scan_files, [base] * len(chunks), chunks, [o.max_bytes] * len(chunks),
                                  [o.follow_symlinks] * len(chunks)))
    else:
        parts = [_scan_files(base, paths, o.max_bytes, o.follow_symlinks)]
    for located, unread, n, ignores in parts:
        result.located += located
        result.bytes += n
        result.ignores |= ignores
        for rel, why in unread:
            if why == "binary":
                result.skipped.binary += 1
            elif why == "too large":
                result.skipped.too_large.append(rel)
                result.problems.append(Problem(rel, f"not scanned for secrets: larger than {o.max_bytes // (1024 * 1024)} MB "
                                                    "(raise --max-file-size to include it)", kind="warning"))
            else:
                result.skipped.unreadable.append((rel, why))
                # a FIFO, a device or a link out of the tree is not a broken input: say so, as discovery does
                special = why.startswith(("not read:", "symlink to"))
                result.problems.append(Problem(rel, f"not scanned for secrets: {why}", kind="warning" if special else "error"))
    result.files = len(paths) - result.skipped.binary - len(result.skipped.too_large) - len(result.skipped.unreadable)
    result.duration = time.time() - started
    return result


Batch = list[tuple[str, str | None, str | None, list[tuple[int, bytes]]]]  # (path, commit, date, runs)


def _scan_batch(batch: Batch) -> list[Located]:
    out = []
    for rel, commit, date, runs in batch:
        code = extension(rel) in CODE
        for first, data in runs:
            out += [Located(rel, h, commit, date) for h in scan_bytes(data, code, first)]
    return out


BATCH_BYTES = 2 * 1024 * 1024


def _scan_patches(patches: Iterator[git.Patch], result: SecretsScan, options: FileOptions, workers: int = 1) -> None:
    """Scan each patch's added lines; with workers, batches go to a process pool while git keeps streaming."""
    files: set[str] = set()
    commits: set[str] = set()

    def batches() -> Iterator[Batch]:
        batch: Batch = []
        size = 0
        for patch in patches:
            if skipped_path(patch.path, options):
                continue
            files.add(patch.path)
            if patch.commit:
                commits.add(patch.commit)
            batch.append((patch.path, patch.commit, patch.date, patch.runs))
            n = sum(len(d) + 1 for _, d in patch.runs)
            result.bytes += n
            size += n
            if size >= BATCH_BYTES:
                yield batch
                batch, size = [], 0
        if batch:
            yield batch

    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor  # only big trees are scanned in parallel

        with ProcessPoolExecutor(workers) as pool:
            futures = [pool.submit(_scan_batch, b) for b in batches()]
            found = [loc for f in futures for loc in f.result()]
    else:
        found = [loc for b in batches() for loc in _scan_batch(b)]
    # the same secret added to the same file again (a revert, a cherry-pick) is one finding: the oldest commit
    first: dict[tuple[str, str, str], Located] = {}
    for loc in found:  # newest first
        first[(loc.path, loc.hit.detector, loc.hit.digest)] = loc
    result.located = list(first.values())
    result.files, result.commits = len(files), len(commits)


def scan_staged(path: str, options: FileOptions | None = None) -> SecretsScan:
    """What is staged for the next commit (the pre-commit hook's scan)."""
    started = time.time()
    root = git.repo_root(path)
    result = SecretsScan(root, "staged")
    _scan_patches(git.staged(root), result, options or FileOptions())
    result.duration = time.time() - started
    return result


def scan_history(path: str, since: str | None = None, all_refs: bool = False,
                 options: FileOptions | None = None, workers: int = 0) -> SecretsScan:
    """Every line each commit added (since ``since``, or the whole history), with the commit and its date.

    A secret added and later removed is still found, at the commit that added it; the same secret added
    to the same file again later is reported once, at the oldest commit that added it.
    """
    started = time.time()
    root = git.repo_root(path)
    result = SecretsScan(root, "history")
    _scan_patches(git.history(root, since, all_refs), result, options or FileOptions(), workers or os.cpu_count() or 1)
    result.duration = time.time() - started
    return result
