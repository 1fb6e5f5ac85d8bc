"""Finding and reading input files safely.

Discovery walks the given paths once, skips what never holds infrastructure code (``.git``,
``.terraform``, ``node_modules`` and ``--exclude`` patterns), stays inside the paths it is given
(symlinks that lead out are reported, not followed, unless asked), reads only regular files, and sorts
files by kind. Content, not only the extension, decides what a JSON or YAML file
is. Reading refuses binary, oversized and undecodable files with a message that names the file.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from dataclasses import dataclass, field

from wasec import safe_io
from wasec.errors import InputError
from wasec.model.finding import Problem

__all__ = ["Discovery", "InputError", "discover", "read_text"]

SKIP_DIRS = frozenset({".git", ".terraform", "node_modules", ".hg", ".svn", "__pycache__", ".venv", ".tox", ".wasec"})
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
SNIFF_BYTES = 64 * 1024

_CFN_MARK = re.compile(
    rb"AWSTemplateFormatVersion|Transform[\"']?\s*:\s*[\"'\[]?\s*[\"']?AWS::Serverless"
    rb"|[\"']?Type[\"']?\s*:\s*[\"']?(AWS|Alexa)::[A-Za-z0-9]+::[A-Za-z0-9]+"
)
# a Kubernetes object: apiVersion and kind keys at the start of a line (top level of a YAML document, however the
# value is written: quoted, commented, flow style) or keys of a JSON object. Loose on purpose: a file that merely
# looks like one is read, and named with a warning when it holds no object, never skipped without a word
_K8S_API = re.compile(rb"(?m)^(?:\{(?:[^\n]*[{,])?[ \t]*)?[\"']?apiVersion[\"']?[ \t]*:")
_K8S_KIND_LINE = re.compile(rb"(?m)^(?:\{(?:[^\n]*[{,])?[ \t]*)?[\"']?kind[\"']?[ \t]*:")
_K8S_JSON_API = re.compile(rb'"apiVersion"\s*:\s*"')  # a string: a JSON schema's "apiVersion": {…} is no object
_K8S_KIND = re.compile(rb'"kind"\s*:\s*"')
_DOCKERFILE = re.compile(r"^(?:Dockerfile|Containerfile)(?:[._-][\w.-]+)?$|\.(?:dockerfile|containerfile)$", re.I)
_PLAN_MARK = re.compile(rb"\"format_version\"\s*:.*?\"(planned_values|resource_changes|terraform_version)\"", re.S)


@dataclass
class Discovery:
    terraform: dict[str, list[str]] = field(default_factory=dict)  # dir -> .tf / .tf.json files
    cloudformation: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)
    kubernetes: list[str] = field(default_factory=list)
    dockerfiles: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)  # every other regular file (for the secrets scan)
    problems: list[Problem] = field(default_factory=list)


def read_text(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Read a text file, or raise InputError saying why it cannot be read."""
    return safe_io.read_text(path, max_bytes)


def _head(path: str) -> bytes:
    try:
        return safe_io.head(path, SNIFF_BYTES)
    except InputError:
        return b""


def looks_like_cloudformation(head: bytes) -> bool:
    return b"\x00" not in head[:8192] and _CFN_MARK.search(head) is not None


def looks_like_plan(head: bytes) -> bool:
    return _PLAN_MARK.search(head) is not None


def looks_like_kubernetes(head: bytes, json: bool) -> bool:
    if b"\x00" in head[:8192]:
        return False
    if _K8S_JSON_API.search(head) is not None and _K8S_KIND.search(head) is not None:
        return True  # JSON, or YAML in flow style ({"apiVersion": "v1", "kind": "Pod"})
    return not json and _K8S_API.search(head) is not None and _K8S_KIND_LINE.search(head) is not None


def _excluded(rel: str, name: str, patterns: list[str]) -> bool:
    for p in patterns:
        p = p.rstrip("/")
        if fnmatch.fnmatch(name, p) or fnmatch.fnmatch(rel, p) or rel == p or rel.startswith(p + "/"):
            return True
    return False


def discover(paths: list[str], exclude: list[str] | None = None, want_other: bool = False,
             follow_symlinks: bool = False) -> Discovery:
    """Walk ``paths`` and sort what they hold into Terraform, CloudFormation and plan files.

    Only regular files are read. A symlink that leads out of the path being walked is reported and
    not followed unless ``follow_symlinks``; one that stays inside is skipped when its target is
    walked anyway, so every file is read once. Directory loops are reported, never walked twice.
    """
    out = Discovery()
    patterns = list(exclude or [])
    seen_dirs: dict[tuple[int, int], str] = {}

    def classify(path: str, name: str) -> bool:
        """File the path under the format it holds; False when it holds none wasec reads."""
        lower = name.lower()
        if lower.endswith(".tf") or lower.endswith(".tf.json"):
            out.terraform.setdefault(os.path.dirname(path) or ".", []).append(path)
            return True
        if lower.endswith((".tfvars", ".tfvars.json")):
            return True  # read with its module
        if lower.endswith((".json", ".yaml", ".yml", ".template", ".cfn")):
            head = _head(path)
            if lower.endswith(".json") and looks_like_plan(head):
                out.plans.append(path)
                return True
            if looks_like_cloudformation(head):
                out.cloudformation.append(path)
                return True
            if looks_like_kubernetes(head, lower.endswith(".json")):
                out.kubernetes.append(path)
                return True
        if _DOCKERFILE.search(name):
            out.dockerfiles.append(path)
            return True
        if want_other:
            out.other.append(path)
            return True
        return False

    def walked_anyway(real: str, top: str) -> bool:
        """Whether the walk of ``top`` reaches ``real`` by its own path (not skipped, not excluded)."""
        rel = os.path.relpath(real, top).replace(os.sep, "/")
        parts = rel.split("/")
        return not any(p in SKIP_DIRS for p in parts[:-1]) and not any(
            _excluded("/".join(parts[: i + 1]), parts[i], patterns) for i in range(len(parts)))

    def walk(start: str, top: str) -> None:
        stack = [(start, "")]
        while stack:
            directory, rel = stack.pop()
            try:
                st = os.stat(directory)
            except OSError as e:
                out.problems.append(Problem(directory, f"cannot read directory: {e.strerror}"))
                continue
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                out.problems.append(Problem(directory, f"symlink loop: already scanned as {seen_dirs[key]}", kind="warning"))
                continue
            seen_dirs[key] = directory
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError as e:
                out.problems.append(Problem(directory, f"cannot list directory: {e.strerror}"))
                continue
            subdirs = []
            for entry in entries:
                name = entry.name
                child_rel = f"{rel}/{name}" if rel else name
                if _excluded(child_rel, name, patterns):
                    continue
                if entry.is_symlink():
                    real = os.path.realpath(entry.path)
                    if not os.path.exists(real):
                        out.problems.append(Problem(entry.path, "broken symlink", kind="warning"))
                        continue
                    if not follow_symlinks:
                        if not safe_io.inside(real, top):
                            out.problems.append(Problem(entry.path, f"symlink to {real} leads out of {top}: not followed "
                                                                    "(--follow-symlinks follows it)", kind="warning"))
                            continue
                        if walked_anyway(real, top):
                            if os.path.isdir(real) and safe_io.inside(directory, real):
                                out.problems.append(Problem(entry.path, f"symlink loop: leads back to {real}, which "
                                                                        "holds it: not followed", kind="warning"))
                            continue  # its target is read under its own name
                try:
                    is_dir = entry.is_dir()  # follows symlinks
                    mode = entry.stat().st_mode
                except OSError as e:
                    out.problems.append(Problem(entry.path, f"cannot read: {e.strerror}", kind="warning"))
                    continue
                if is_dir:
                    if name not in SKIP_DIRS:
                        subdirs.append((entry.path, child_rel))
                elif stat.S_ISREG(mode):
                    classify(entry.path, name)
                else:
                    out.problems.append(Problem(entry.path, f"not read: {safe_io.kind(mode)}, not a regular file",
                                                kind="warning"))
            stack.extend(reversed(subdirs))

    for p in paths:
        if os.path.isdir(p):
            walk(p, os.path.realpath(p))
        elif os.path.isfile(p):
            if not classify(p, os.path.basename(p)):  # named on purpose: say why nothing comes of it
                out.problems.append(Problem(p, "not a format wasec scans (Terraform, a Terraform plan, CloudFormation, "
                                               "Kubernetes manifests, a Dockerfile): nothing read", kind="warning"))
        elif os.path.exists(p):
            out.problems.append(Problem(p, f"not read: {safe_io.kind(os.stat(p).st_mode)}, not a regular file"))
        else:
            out.problems.append(Problem(p, "no such file or directory"))
    return out
