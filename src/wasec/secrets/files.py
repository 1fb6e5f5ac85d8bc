"""Which files a working-tree scan reads, and how.

In a git work tree the files are git's (tracked and untracked, minus what ``.gitignore`` ignores);
elsewhere a walk that skips version-control and dependency folders. Vendored folders
(``node_modules``, ``vendor``…) are skipped unless ``--include-vendored``; binary files (by
extension, or a NUL byte in their first 8 KB) and files above the size cap are skipped and counted,
never read as text. Lockfiles are scanned: their integrity hashes are not secrets, but a registry
URL with a token in it is.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
from dataclasses import dataclass, field

from wasec import safe_io
from wasec.errors import InputError

VENDORED = ("node_modules", "vendor", "bower_components", "jspm_packages", "third_party", "third-party",
            ".venv", "venv", "site-packages", "Pods", "Carthage", ".terraform", ".tox", ".nox")
ALWAYS_SKIPPED = (".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache")
BINARY = frozenset((
    "png", "jpg", "jpeg", "gif", "bmp", "ico", "icns", "webp", "tif", "tiff", "psd", "svgz", "heic",
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods",
    "zip", "gz", "tgz", "bz2", "xz", "zst", "7z", "rar", "tar", "jar", "war", "ear", "whl", "egg", "apk", "ipa",
    "exe", "dll", "so", "dylib", "a", "o", "obj", "lib", "class", "pyc", "pyo", "wasm", "bin", "dat", "db", "sqlite",
    "woff", "woff2", "ttf", "otf", "eot", "mp3", "mp4", "m4a", "wav", "ogg", "flac", "avi", "mov", "mkv", "webm",
    "parquet", "avro", "orc", "npy", "npz", "pkl", "pickle", "h5", "onnx", "pt", "tflite",
))


@dataclass
class FileOptions:
    exclude: list[str] = field(default_factory=list)  # glob patterns on the path relative to the root
    include_vendored: bool = False
    max_bytes: int = 25 * 1024 * 1024
    follow_symlinks: bool = False  # read files through symlinks that lead out of the scanned tree


@dataclass
class Skipped:
    binary: int = 0
    vendored: int = 0
    excluded: int = 0
    too_large: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)


def excluded(rel: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel, p.rstrip("/") + "/*") or rel.startswith(p.rstrip("/") + "/")
               for p in patterns)


def _git_files(root: str) -> list[str] | None:
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             capture_output=True, check=True, timeout=120).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]


def _walk(root: str, vendored: bool, follow_symlinks: bool = False) -> list[str]:
    out = []
    skip = set(ALWAYS_SKIPPED) | (set() if vendored else set(VENDORED))
    seen: set[str] = set()
    for d, dirs, names in os.walk(root, followlinks=follow_symlinks):
        real = os.path.realpath(d)
        if real in seen:  # a directory link loop
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = [x for x in dirs if x not in skip]
        rel = os.path.relpath(d, root)
        out += [n if rel == "." else f"{rel}/{n}" for n in names]
    return out


def list_files(root: str, options: FileOptions, skipped: Skipped) -> list[str]:
    """Paths relative to ``root`` to scan, in a stable order."""
    if os.path.isfile(root):
        return [os.path.basename(root)]
    inside_git = os.path.exists(os.path.join(root, ".git")) or _in_work_tree(root)
    names = (_git_files(root) if inside_git else None) or _walk(root, options.include_vendored, options.follow_symlinks)
    out = []
    for rel in names:
        parts = rel.split("/")
        if any(p in ALWAYS_SKIPPED for p in parts[:-1]):
            continue
        if not options.include_vendored and any(p in VENDORED for p in parts[:-1]):
            skipped.vendored += 1
            continue
        if options.exclude and excluded(rel, options.exclude):
            skipped.excluded += 1
            continue
        if rel.rsplit(".", 1)[-1].lower() in BINARY and "." in parts[-1]:
            skipped.binary += 1
            continue
        out.append(rel)
    listed = set(out)
    out = [rel for rel in out if not _link_to_listed(root, rel, listed)]
    out.sort()
    return out


def _link_to_listed(root: str, rel: str, listed: set[str]) -> bool:
    """A symlink to a file that is scanned under its own name (read once, reported once)."""
    path = os.path.join(root, rel)
    if not os.path.islink(path):
        return False
    target = os.path.relpath(os.path.realpath(path), os.path.realpath(root)).replace(os.sep, "/")
    return target != rel and target in listed


def _in_work_tree(path: str) -> bool:
    try:
        r = subprocess.run(["git", "-C", path, "rev-parse", "--is-inside-work-tree"], capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return r.returncode == 0 and r.stdout.strip() == b"true"


def read_text(path: str, max_bytes: int, root: str | None = None, follow_symlinks: bool = False) -> tuple[bytes | None, str | None]:
    """(content, None), or (None, why it was not read: "binary", "too large", or what is wrong).

    Only regular files are read, to ``max_bytes`` (a FIFO or a link to a device is never opened for
    reading); a symlink that leads out of ``root`` is not followed unless ``follow_symlinks``.
    """
    if root is not None and not follow_symlinks and not safe_io.inside(path, root):
        return None, f"symlink to {os.path.realpath(path)} leads out of the scanned tree: not followed (--follow-symlinks follows it)"
    try:
        data = safe_io.read_bytes(path, max_bytes)
    except InputError as e:
        return None, "too large" if str(e).startswith("skipped:") else str(e)
    if b"\0" in data[:8192]:
        return None, "binary"
    return data, None


def extension(rel: str) -> str:
    name = rel.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else name.lower()


def skipped_path(rel: str, options: FileOptions) -> bool:
    """A path a diff names that a tree scan would not read: excluded, vendored or binary by extension."""
    parts = rel.split("/")
    if options.exclude and excluded(rel, options.exclude):
        return True
    if not options.include_vendored and any(p in VENDORED for p in parts[:-1]):
        return True
    return "." in parts[-1] and parts[-1].rsplit(".", 1)[-1].lower() in BINARY
