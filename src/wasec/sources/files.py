"""Finding and reading input files safely.

Discovery walks the given paths once, skips what never holds infrastructure code (``.git``,
``.terraform``, ``node_modules`` and ``--exclude`` patterns), follows directory symlinks without
looping, and sorts files by kind. Content, not only the extension, decides what a JSON or YAML file
is. Reading refuses binary, oversized and undecodable files with a message that names the file.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field

from wasec.model.finding import Problem

SKIP_DIRS = frozenset({".git", ".terraform", "node_modules", ".hg", ".svn", "__pycache__", ".venv", ".tox", ".wasec"})
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
SNIFF_BYTES = 64 * 1024

_CFN_MARK = re.compile(
    rb"AWSTemplateFormatVersion|Transform[\"']?\s*:\s*[\"'\[]?\s*[\"']?AWS::Serverless"
    rb"|[\"']?Type[\"']?\s*:\s*[\"']?(AWS|Alexa)::[A-Za-z0-9]+::[A-Za-z0-9]+"
)
_PLAN_MARK = re.compile(rb"\"format_version\"\s*:.*?\"(planned_values|resource_changes|terraform_version)\"", re.S)


class InputError(Exception):
    """A file that cannot be read as text."""


@dataclass
class Discovery:
    terraform: dict[str, list[str]] = field(default_factory=dict)  # dir -> .tf / .tf.json files
    cloudformation: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # every other regular file (for the secrets scan)
    problems: list[Problem] = field(default_factory=list)


def read_text(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Read a text file, or raise InputError saying why it cannot be read."""
    try:
        size = os.path.getsize(path)
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}") from None
    if size > max_bytes:
        raise InputError(f"skipped: {size / 1048576:.1f} MB is over the {max_bytes / 1048576:.0f} MB limit (--max-file-size)")
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror}") from None
    if b"\x00" in data[:8192]:
        raise InputError("binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"not valid UTF-8 (byte {e.start})") from None


def _head(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(SNIFF_BYTES)
    except OSError:
        return b""


def looks_like_cloudformation(head: bytes) -> bool:
    return b"\x00" not in head[:8192] and _CFN_MARK.search(head) is not None


def looks_like_plan(head: bytes) -> bool:
    return _PLAN_MARK.search(head) is not None


def _excluded(rel: str, name: str, patterns: list[str]) -> bool:
    for p in patterns:
        p = p.rstrip("/")
        if fnmatch.fnmatch(name, p) or fnmatch.fnmatch(rel, p) or rel == p or rel.startswith(p + "/"):
            return True
    return False


def discover(paths: list[str], exclude: list[str] | None = None, want_other: bool = False) -> Discovery:
    """Walk ``paths`` and sort what they hold into Terraform, CloudFormation and plan files."""
    out = Discovery()
    patterns = list(exclude or [])
    seen_dirs: dict[tuple[int, int], str] = {}

    def classify(path: str, name: str) -> None:
        lower = name.lower()
        if lower.endswith(".tf") or lower.endswith(".tf.json"):
            out.terraform.setdefault(os.path.dirname(path) or ".", []).append(path)
            return
        if lower.endswith((".tfvars", ".tfvars.json")):
            return
        if lower.endswith((".json", ".yaml", ".yml", ".template", ".cfn")):
            head = _head(path)
            if lower.endswith(".json") and looks_like_plan(head):
                out.plans.append(path)
                return
            if looks_like_cloudformation(head):
                out.cloudformation.append(path)
                return
        if want_other:
            out.other.append(path)

    def walk(directory: str, rel: str) -> None:
        try:
            st = os.stat(directory)
        except OSError as e:
            out.problems.append(Problem(directory, f"cannot read directory: {e.strerror}"))
            return
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            out.problems.append(Problem(directory, f"symlink loop: already scanned as {seen_dirs[key]}", kind="warning"))
            return
        seen_dirs[key] = directory
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as e:
            out.problems.append(Problem(directory, f"cannot list directory: {e.strerror}"))
            return
        for entry in entries:
            name = entry.name
            child_rel = f"{rel}/{name}" if rel else name
            if _excluded(child_rel, name, patterns):
                continue
            try:
                is_dir = entry.is_dir()  # follows symlinks
            except OSError:
                is_dir = False
            if is_dir:
                if name in SKIP_DIRS:
                    continue
                walk(entry.path, child_rel)
            else:
                try:
                    if not entry.is_file():
                        if entry.is_symlink():
                            out.problems.append(Problem(entry.path, "broken symlink", kind="warning"))
                        continue
                except OSError as e:
                    out.problems.append(Problem(entry.path, f"cannot read: {e.strerror}", kind="warning"))
                    continue
                classify(entry.path, name)

    for p in paths:
        if os.path.isdir(p):
            walk(p, "")
        elif os.path.isfile(p):
            classify(p, os.path.basename(p))
        else:
            out.problems.append(Problem(p, "no such file or directory"))
    return out
