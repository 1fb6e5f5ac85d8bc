"""Terraform source: ``.tf`` / ``.tf.json`` directories and ``terraform show -json`` plans."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from wasec.errors import ParseError
from wasec.model.finding import Problem
from wasec.model.resource import Resource
from wasec.model.values import Unknown
from wasec.sources.files import InputError, read_text


@dataclass
class TerraformOptions:
    vars: dict[str, str] = field(default_factory=dict)  # -var name=value
    var_files: list[str] = field(default_factory=list)
    max_bytes: int = 20 * 1024 * 1024


def _parse_file(path: str, max_bytes: int) -> Any:
    from wasec.sources.documents import load_json
    from wasec.sources.terraform import tfjson
    from wasec.sources.terraform.hcl.parser import parse

    text = read_text(path, max_bytes)
    if path.lower().endswith(".json"):
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
    from wasec.sources.terraform.config import Module, Scope
    from wasec.sources.terraform.mapping import DATA_MAPPERS

    problems: list[Problem] = []
    cache = _ModuleCache(options, problems)
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
    called: set[str] = set()
    for m in modules.values():
        if m is not None:
            stack = list(m.local_sources())
            while stack:
                d = stack.pop()
                if d in called:
                    continue
                called.add(d)
                child = cache.load(d)
                if child is not None:
                    stack.extend(child.local_sources())
    resources: list[Resource] = []
    for d, module in modules.items():
        if module is None or d in called:
            continue
        inputs = _tfvars(module.dir, options, problems)
        root = Scope(module, "", inputs, loader=cache.load, problems=problems)
        instances: list[tuple[str, str, Any, bool]] = []
        try:
            for scope in root.all_scopes():
                for inst in scope.instances("resource"):
                    body = HclBody(inst.decl.body, inst.ctx, inst.decl.file, inst.decl.block.line)
                    instances.append((inst.decl.type, inst.address, body, False))
                for inst in scope.instances("data"):
                    if inst.decl.type in DATA_MAPPERS:
                        body = HclBody(inst.decl.body, inst.ctx, inst.decl.file, inst.decl.block.line)
                        instances.append((inst.decl.type, inst.address, body, True))
            resources.extend(assemble(instances, d))
        except RecursionError:
            problems.append(Problem(d, "configuration is nested too deeply to evaluate"))
    return resources, problems
