"""Terraform source: ``.tf`` / ``.tf.json`` directories and ``terraform show -json`` plans."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from wasec.errors import ParseError
from wasec.model.finding import Problem
from wasec.model.resource import Origin, Resource
from wasec.model.values import Unknown
from wasec.sources.files import InputError, read_text


@dataclass
class TerraformOptions:
    vars: dict[str, str] = field(default_factory=dict)  # -var name=value
    var_files: list[str] = field(default_factory=list)
    max_bytes: int = 20 * 1024 * 1024
    download_modules: str | None = None  # a cache directory: fetch registry, git and archive modules there


def _parse_file(path: str, max_bytes: int) -> Any:
    from wasec.sources.terraform.hcl.parser import parse

    text = read_text(path, max_bytes)
    if path.lower().endswith(".json"):
        from wasec.sources.documents import load_json  # brings the YAML library: only for .tf.json
        from wasec.sources.terraform import tfjson

        doc, lines = load_json(text)
        return tfjson.convert(doc, lines)
    return parse(text)


class _ModuleCache:
    def __init__(self, options: TerraformOptions, problems: list[Problem]) -> None:
        self.options = options
        self.problems = problems
        self.cache: dict[str, Any] = {}

    def load(self, directory: str, files: list[str] | None = None) -> Any:
        from wasec.sources.terraform.config import Module

        directory = os.path.normpath(directory)
        if directory in self.cache:
            return self.cache[directory]
        if files is None:
            try:
                names = sorted(os.listdir(directory))
            except OSError:
                self.cache[directory] = None
                return None
            files = [os.path.join(directory, n) for n in names if n.endswith((".tf", ".tf.json"))]
            if not files:
                self.cache[directory] = None
                return None
        module = Module(directory)
        for f in files:
            try:
                body = _parse_file(f, self.options.max_bytes)
            except ParseError as e:
                self.problems.append(Problem(f, e.message, e.line))
                continue
            except InputError as e:
                self.problems.append(Problem(f, str(e)))
                continue
            except RecursionError:
                self.problems.append(Problem(f, "nested too deeply to parse"))
                continue
            except Exception as e:  # a bug meets one surprising file: name it, read the rest
                self.problems.append(Problem.internal(f, e, what="parsing it"))
                continue
            module.add(f, body, self.problems)
        self.cache[directory] = module
        return module


def _tfvars(root: str, options: TerraformOptions, problems: list[Problem]) -> dict[str, Any]:
    """Variable values for a root module: auto-loaded files, then --var-file, then --var."""
    from wasec.sources.terraform.config import Module, Scope
    from wasec.sources.terraform.eval import safe_ev

    files = []
    for name in sorted(os.listdir(root)) if os.path.isdir(root) else []:
        if name in ("terraform.tfvars", "terraform.tfvars.json") or name.endswith((".auto.tfvars", ".auto.tfvars.json")):
            files.append(os.path.join(root, name))
    files += options.var_files
    values: dict[str, Any] = {}
    scope = Scope(Module(root), "", {})
    for f in files:
        try:
            body = _parse_file(f, options.max_bytes)
        except (ParseError, InputError) as e:
            problems.append(Problem(f, getattr(e, "message", str(e)), getattr(e, "line", None)))
            continue
        for name, attr in body.attributes.items():
            values[name] = safe_ev(attr.expr, scope.root_ctx)
    for name, text in options.vars.items():
        values[name] = _var_value(text)
    return values


def _var_value(text: str) -> Any:
    """A -var value: an HCL expression when it parses as one (lists, maps, numbers), else text."""
    from wasec.sources.terraform.config import Module, Scope
    from wasec.sources.terraform.eval import safe_ev
    from wasec.sources.terraform.hcl.parser import parse_expression

    stripped = text.strip()
    if stripped[:1] in ("[", "{", '"') or stripped in ("true", "false", "null") or _is_number(stripped):
        try:
            v = safe_ev(parse_expression(stripped), Scope(Module("."), "", {}).root_ctx)
            if not isinstance(v, Unknown):
                return v
        except ParseError:
            pass
    return text


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def load_directories(dirs: dict[str, list[str]], options: TerraformOptions) -> tuple[list[Resource], list[Problem]]:
    """Evaluate every root module among ``dirs`` and map its resources."""
    from wasec.sources.terraform.body import HclBody
    from wasec.sources.terraform.build import assemble
    from wasec.sources.terraform.config import Module, Scope, module_manifest
    from wasec.sources.terraform.mapping import DATA_MAPPERS, MAPPERS

    problems: list[Problem] = []
    cache = _ModuleCache(options, problems)
    fetcher = None
    if options.download_modules:
        from wasec.sources.terraform.fetch import Fetcher

        fetcher = Fetcher(options.download_modules)
    modules: dict[str, Any] = {}
    for d, files in sorted(dirs.items()):
        module = cache.load(d, files)
        if module is not None and module.conflicts:
            # Not a valid module (Terraform would refuse it): evaluate each file on its own.
            first = module.conflicts[0]
            problems.append(Problem(first.file, f"{first.message}; the directory is not one valid module, "
                                                "so each file is evaluated on its own", first.line, "warning"))
            for path, body in module.bodies:
                single = Module(os.path.normpath(d))
                single.add(path, body, problems)
                modules[path] = single
        else:
            modules[os.path.normpath(d)] = module
    roots = _roots(modules, cache)
    resources: list[Resource] = []
    for d, module in modules.items():
        if module is None or d not in roots:
            continue
        inputs = _tfvars(module.dir, options, problems)
        root = Scope(module, "", inputs, loader=cache.load, problems=problems, manifest=module_manifest(module.dir),
                     fetcher=fetcher)
        instances: list[tuple[str, str, Any, bool]] = []
        try:
            for scope in root.all_scopes():
                for inst in scope.instances("resource", MAPPERS):
                    body = HclBody(inst.decl.body, inst.ctx, inst.decl.file, inst.decl.block.line)
                    instances.append((inst.decl.type, inst.address, body, False))
                for inst in scope.instances("data", DATA_MAPPERS):
                    body = HclBody(inst.decl.body, inst.ctx, inst.decl.file, inst.decl.block.line)
                    instances.append((inst.decl.type, inst.address, body, True))
                resources.extend(unmapped(scope, d, MAPPERS))
            resources.extend(assemble(instances, d, problems=problems))
        except RecursionError:
            problems.append(Problem(d, "configuration is nested too deeply to evaluate"))
        except Exception as e:  # a bug meets one surprising module: name it, evaluate the others
            problems.append(Problem.internal(d, e, what="evaluating this module"))
    return resources, list(dict.fromkeys(problems))  # a module called from several places says a thing once


def unmapped(scope: Any, root: str, mappers: dict[str, Any]) -> list[Resource]:
    """One placeholder per resource block no mapper reads (``Terraform::<type>``, never expanded), so a scan can
    say what it read and did not judge."""
    return [Resource(f"Terraform::{decl.type}", f"{scope.prefix}{decl.type}.{decl.name}", {},
                     Origin("terraform", root, decl.file, decl.block.line))
            for decl in scope.module.resources.values() if decl.type not in mappers]


def _roots(modules: dict[str, Any], cache: _ModuleCache) -> set[str]:
    """The directories to evaluate as root modules: those no other module calls.

    Modules that call each other in a cycle (``source = "./"``, A → B → A) are each other's callers
    only: the first of them is a root, so its resources are evaluated once and the cycle is reported
    where the call loops back, not silently dropped.
    """
    graph: dict[str, list[str]] = {}
    stack = [d for d, m in modules.items() if m is not None]
    while stack:
        d = stack.pop()
        if d in graph:
            continue
        m = modules[d] if d in modules else cache.load(d)
        graph[d] = m.local_sources() if m is not None else []
        stack.extend(c for c in graph[d] if c not in graph)
    component = _components(graph)
    called = {component[c] for d, cs in graph.items() for c in cs if component[c] != component[d]}
    roots: set[str] = set()
    for d in sorted(x for x, m in modules.items() if m is not None):
        if component[d] not in called and component[d] not in {component[r] for r in roots}:
            roots.add(d)
    return roots


def _components(graph: dict[str, list[str]]) -> dict[str, int]:
    """Strongly connected components of a call graph (Tarjan's algorithm, iterative): node → component id."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    comp: dict[str, int] = {}
    on: set[str] = set()
    order: list[str] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                order.append(node)
                on.add(node)
            children = graph.get(node, [])
            if i < len(children):
                work.append((node, i + 1))
                child = children[i]
                if child not in index:
                    work.append((child, 0))
                elif child in on:
                    low[node] = min(low[node], index[child])
                continue
            for child in children:
                if child in on:
                    low[node] = min(low[node], low[child])
            if low[node] == index[node]:
                while True:
                    w = order.pop()
                    on.discard(w)
                    comp[w] = index[node]
                    if w == node:
                        break
    return comp
