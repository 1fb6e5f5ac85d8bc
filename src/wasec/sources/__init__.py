"""Sources turn inputs into the canonical inventory; they know nothing of rules.

``collect`` walks paths once and dispatches each kind of file to its source through one table, so a
new source is one module and one entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wasec.model.finding import Problem
from wasec.model.resource import Inventory, Resource
from wasec.sources.files import DEFAULT_MAX_BYTES, Discovery, discover


@dataclass
class SourceOptions:
    exclude: list[str] = field(default_factory=list)
    tf_vars: dict[str, str] = field(default_factory=dict)
    tf_var_files: list[str] = field(default_factory=list)
    cfn_params: dict[str, Any] = field(default_factory=dict)
    max_bytes: int = DEFAULT_MAX_BYTES
    follow_symlinks: bool = False  # follow symlinks that lead out of the scanned paths
    progress: Callable[[str, int, int], None] | None = None  # progress(stage, done, total) for long scans
    download_modules: str | None = None  # cache directory for registry, git and archive modules (--download-modules)


@dataclass
class Collected:
    inventory: Inventory
    problems: list[Problem]
    discovery: Discovery
    stdin: str = ""  # what was piped in, for the secrets scan


def _terraform(d: Discovery, o: SourceOptions) -> tuple[list[Resource], list[Problem]]:
    if not d.terraform:
        return [], []
    from wasec.sources.terraform import TerraformOptions, load_directories

    return load_directories(d.terraform, TerraformOptions(o.tf_vars, o.tf_var_files, o.max_bytes, o.download_modules))


def _plans(d: Discovery, o: SourceOptions) -> tuple[list[Resource], list[Problem]]:
    if not d.plans:
        return [], []
    from wasec.sources.terraform.plan import load_plan

    resources: list[Resource] = []
    problems: list[Problem] = []
    for path in d.plans:
        try:
            rs, ps = load_plan(path, o.max_bytes * 10)  # plans are machine-written and larger
        except Exception as e:  # a bug meets one surprising file: name it, read the rest
            rs, ps = [], [Problem.internal(path, e)]
        resources += rs
        problems += ps
    return resources, problems


def _cloudformation(d: Discovery, o: SourceOptions) -> tuple[list[Resource], list[Problem]]:
    if not d.cloudformation:
        return [], []
    from wasec.sources.cloudformation import load_template
    from wasec.sources.cloudformation.exports import Exports

    exports = Exports()  # first pass: every template's exports; then the templates that import are read again
    loaded: dict[str, tuple[list[Resource], list[Problem]]] = {}

    def load(path: str) -> tuple[list[Resource], list[Problem]]:
        try:
            return load_template(path, o.cfn_params, o.max_bytes, exports)
        except RecursionError:
            return [], [Problem(path, "nested too deeply to evaluate")]
        except Exception as e:  # a bug meets one surprising file: name it, read the rest
            return [], [Problem.internal(path, e)]

    for path in d.cloudformation:
        loaded[path] = load(path)
    exports.complete = True
    if exports.exports:
        for path in sorted(exports.importers):
            loaded[path] = load(path)
    resources = [r for rs, _ in loaded.values() for r in rs]
    problems = [p for _, ps in loaded.values() for p in ps]
    return resources, problems


def _kubernetes(d: Discovery, o: SourceOptions) -> tuple[list[Resource], list[Problem]]:
    if not d.kubernetes:
        return [], []
    from wasec.sources.kubernetes import forget_layout, load_manifests

    forget_layout()  # kustomizations and charts are read anew each scan: files change between scans of one process
    return _each(d.kubernetes, lambda path: load_manifests(path, o.max_bytes))


def _dockerfiles(d: Discovery, o: SourceOptions) -> tuple[list[Resource], list[Problem]]:
    if not d.dockerfiles:
        return [], []
    from wasec.sources.dockerfile import load_dockerfile

    return _each(d.dockerfiles, lambda path: load_dockerfile(path, o.max_bytes))


def _each(paths: list[str], load: Callable[[str], tuple[list[Resource], list[Problem]]]) -> tuple[list[Resource], list[Problem]]:
    resources: list[Resource] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            rs, ps = load(path)
        except RecursionError:
            rs, ps = [], [Problem(path, "nested too deeply to read")]
        except Exception as e:  # a bug meets one surprising file: name it, read the rest
            rs, ps = [], [Problem.internal(path, e)]
        resources += rs
        problems += ps
    return resources, problems


SOURCES: dict[str, Callable[[Discovery, SourceOptions], tuple[list[Resource], list[Problem]]]] = {
    "terraform": _terraform,
    "terraform-plan": _plans,
    "cloudformation": _cloudformation,
    "kubernetes": _kubernetes,
    "dockerfile": _dockerfiles,
}


def _count(d: Discovery, kind: str) -> int:
    return {"terraform": sum(len(v) for v in d.terraform.values()), "terraform-plan": len(d.plans),
            "cloudformation": len(d.cloudformation), "kubernetes": len(d.kubernetes),
            "dockerfile": len(d.dockerfiles)}[kind]


def collect(paths: list[str], options: SourceOptions | None = None, want_other: bool = False) -> Collected:
    """Discover and load every infrastructure file under ``paths``."""
    o = options or SourceOptions()
    stdin = "-" in paths  # manifests piped in: helm template … | wasec scan -
    d = discover([p for p in paths if p != "-"], o.exclude, want_other=want_other, follow_symlinks=o.follow_symlinks)
    inv = Inventory()
    problems = list(d.problems)
    total = sum(_count(d, kind) for kind in SOURCES)
    done = 0
    for kind, load in SOURCES.items():
        if o.progress is not None:
            o.progress("reading", done, total)
        resources, ps = load(d, o)
        done += _count(d, kind)
        inv.extend(resources)
        problems += ps
    if stdin:
        from wasec.sources.kubernetes import load_stdin

        resources, ps, text = load_stdin(o.max_bytes)
        inv.extend(resources)
        problems += ps
        return Collected(inv, problems, d, text)
    return Collected(inv, problems, d)
