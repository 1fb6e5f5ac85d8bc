"""Terraform configuration: modules read from disk and their evaluation scopes.

A :class:`Module` is a directory's parsed blocks. A :class:`Scope` is one instance of a module
being evaluated (the root, or a ``module`` call with its inputs): it answers ``var.``, ``local.``,
resource, data-source and ``module.`` references, lazily and with cycle detection.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from wasec import safe_io
from wasec.errors import InputError
from wasec.model.finding import Problem
from wasec.model.values import Unknown, ref
from wasec.sources.shapes import PARTITION
from wasec.sources.terraform import functions as F
from wasec.sources.terraform.eval import ID_ALIASES, Ctx, Cycle, EvalError, resource_attr_ref, safe_ev, step
from wasec.sources.terraform.hcl import ast as A
from wasec.sources.terraform.types import conform

MAX_MODULE_DEPTH = 16
# count / for_each beyond this is a typo or a hostile file, never real code: the rest is not built (and said so)
MAX_INSTANCES = 10_000
# instances of every block of one root module and its modules together (nested counts multiply)
MAX_TOTAL_INSTANCES = 100_000
# items that for-expressions, splats and template loops of one root module may visit, nested loops multiplied
MAX_LOOP_STEPS = 5_000_000


@dataclass(eq=False)
class Decl:
    """A ``resource`` or ``data`` block."""

    mode: str  # "resource" | "data"
    type: str
    name: str
    block: A.Block
    file: str

    @property
    def body(self) -> A.Body:
        return self.block.body


@dataclass(eq=False)
class Module:
    """The parsed contents of one module directory."""

    dir: str
    files: list[str] = field(default_factory=list)
    variables: dict[str, tuple[A.Block, str]] = field(default_factory=dict)
    locals: dict[str, tuple[A.Attribute, str]] = field(default_factory=dict)
    resources: dict[tuple[str, str], Decl] = field(default_factory=dict)
    data: dict[tuple[str, str], Decl] = field(default_factory=dict)
    calls: dict[str, tuple[A.Block, str]] = field(default_factory=dict)
    outputs: dict[str, tuple[A.Block, str]] = field(default_factory=dict)
    conflicts: list[Problem] = field(default_factory=list)  # names declared in two files
    bodies: list[tuple[str, A.Body]] = field(default_factory=list)

    def add(self, path: str, body: A.Body, problems: list[Problem]) -> None:
        self.files.append(path)
        self.bodies.append((path, body))
        for b in body.blocks:
            kind, labels = b.type, b.labels
            if kind == "resource" or kind == "data":
                if len(labels) != 2:
                    problems.append(Problem(path, f"{kind} block needs a type and a name", b.line))
                    continue
                key = (labels[0], labels[1])
                table = self.resources if kind == "resource" else self.data
                if key in table:
                    first = table[key].file
                    msg = f"{kind} {labels[0]}.{labels[1]} is also declared in {first}"
                    (self.conflicts if first != path else problems).append(Problem(path, msg, b.line, "warning"))
                    continue
                table[key] = Decl(kind, labels[0], labels[1], b, path)
            elif kind == "variable" and labels:
                self.variables[labels[0]] = (b, path)
            elif kind == "locals":
                for name, attr in b.body.attributes.items():
                    self.locals[name] = (attr, path)
            elif kind == "module" and labels:
                self.calls[labels[0]] = (b, path)
            elif kind == "output" and labels:
                self.outputs[labels[0]] = (b, path)

    def local_sources(self) -> list[str]:
        """Directories of the local modules this module calls."""
        out = []
        for b, _ in self.calls.values():
            s = _source(b)
            if s is not None and is_local(s):
                out.append(os.path.normpath(os.path.join(self.dir, s)))
        return out


@dataclass(eq=False)
class Instance:
    """One instance of a resource or data block (``count``/``for_each`` expanded)."""

    decl: Decl
    address: str
    ctx: Ctx
    key: Any = None


class Scope:
    """A module instance under evaluation."""

    def __init__(
        self,
        module: Module,
        prefix: str,
        inputs: dict[str, Any],
        *,
        loader: Any = None,
        depth: int = 0,
        problems: list[Problem] | None = None,
        display_dir: str | None = None,
        budget: list[int] | None = None,
        steps: list[int] | None = None,
        key: str = "",
        ancestors: tuple[str, ...] = (),
        manifest: dict[str, str] | None = None,
        root_dir: str | None = None,
        fetcher: Any = None,
    ) -> None:
        self.module = module
        self.prefix = prefix
        self.inputs = inputs
        self.loader = loader  # callable(dir) -> Module | None, for child modules
        self.depth = depth
        self.problems: list[Problem] = problems if problems is not None else []
        self.display_dir = display_dir or module.dir
        self.budget = budget if budget is not None else [MAX_TOTAL_INSTANCES]  # shared by the root and its modules
        self.steps = steps if steps is not None else [MAX_LOOP_STEPS]  # likewise
        self.key = key  # the module's path of call names from the root ("vpc.subnets"), as modules.json keys it
        self.ancestors = (*ancestors, os.path.normpath(module.dir))  # module directories from the root to here
        self.manifest = manifest if manifest is not None else {}  # key → directory `terraform init` downloaded to
        self.fetcher = fetcher  # --download-modules: fetches what terraform init would (wasec.sources.terraform.fetch)
        # the root module's directory: Terraform runs there, so path.cwd is it and file() paths start from it
        self.root_dir = root_dir if root_dir is not None else module.dir
        self._locals: dict[str, Any] = {}
        self._stack: list[str] = []
        self._attr_cache: dict[tuple[str, str], Any] = {}
        self._children: dict[str, list[tuple[Any, Scope]]] | None = None
        self._reported: set[str] = set()
        self._vars: dict[str, Any] = {}
        self.root_ctx = Ctx(self)

    # -- variables and locals --------------------------------------------------------------
    def var(self, name: str) -> Any:
        if name not in self._vars:
            self._vars[name] = self._var(name)
        return self._vars[name]

    def _var(self, name: str) -> Any:
        decl = self.module.variables.get(name)
        if decl is None:
            return self.inputs[name] if name in self.inputs else Unknown(f"var.{name} is not declared")
        block, _ = decl
        default = block.body.attributes.get("default")
        nullable = block.body.attributes.get("nullable")
        if name in self.inputs and not (self.inputs[name] is None and default is not None and nullable is not None
                                        and safe_ev(nullable.expr, self.root_ctx) is False):
            value = self.inputs[name]  # (a null given for `nullable = false` takes the default)
        elif default is not None:
            value = safe_ev(default.expr, self.root_ctx)
        else:
            return Unknown(f"var.{name} has no value (set it with --var or a .tfvars file)", text="${var." + name + "}")
        t = block.body.attributes.get("type")
        return conform(value, t.expr if t else None, lambda e: safe_ev(e, self.root_ctx))

    def local(self, name: str) -> Any:
        if name in self._locals:
            return self._locals[name]
        decl = self.module.locals.get(name)
        if decl is None:
            return Unknown(f"local.{name} is not declared")
        key = f"local.{name}"
        if key in self._stack:
            chain = [*self._stack[self._stack.index(key) :], key]
            raise Cycle(chain)
        self._stack.append(key)
        try:
            value = safe_ev(decl[0].expr, self.root_ctx)
        except Cycle as c:
            attr, path = decl
            value = self._cycle(key, c, path, attr.line)
        finally:
            self._stack.pop()
        self._locals[name] = value
        return value

    def _cycle(self, key: str, c: Cycle, file: str, line: int) -> Unknown:
        """A value caught in a reference cycle: reported once (as Terraform refuses it), unknown from then on."""
        chain = " → ".join(c.chain)
        if key not in self._reported:
            self._reported.add(key)
            self.problems.append(Problem(file, f"reference cycle: {chain}", line))
        return Unknown(f"{key} is part of a reference cycle ({chain})")

    # -- references ------------------------------------------------------------------------
    def resolve(self, root: str, steps: list[Any], ctx: Ctx, line: int) -> Any:
        if root == "var":
            return _walk(self.var(steps[0]), steps[1:], strict=True) if steps else Unknown("var needs a name")
        if root == "local":
            return _walk(self.local(steps[0]), steps[1:], strict=True) if steps else Unknown("local needs a name")
        if root == "data":
            return self._data_ref(steps)
        if root == "module":
            return self._module_ref(steps)
        if root == "path":
            return self._path(str(steps[0]) if steps else "")
        if root == "terraform":
            return "default" if steps and steps[0] == "workspace" else Unknown("terraform.* is unknown")
        if root in ("count", "each", "self"):
            return Unknown(f"{root} is not available here")
        if "_" in root and steps:
            return self._resource_ref(root, steps)
        return Unknown(f"{root} is not a known reference")

    def _path(self, what: str) -> Any:
        """``path.module`` (relative to the root, as Terraform gives it), ``path.root`` ("."), ``path.cwd``."""
        if what == "module":
            return os.path.relpath(self.module.dir, self.root_dir).replace(os.sep, "/")
        if what == "root":
            return "."
        if what == "cwd":
            return os.path.abspath(self.root_dir)
        return Unknown(f"path.{what} is not a Terraform path")

    def _resource_ref(self, type_: str, steps: list[Any]) -> Any:
        name = str(steps[0])
        rest = steps[1:]
        address = f"{self.prefix}{type_}.{name}"
        decl = self.module.resources.get((type_, name))
        if decl is None:
            attr = str(rest[0]) if rest and isinstance(rest[0], str) else "id"
            return ref(address, attr, f"{address} is not declared in the scanned configuration")
        counted = "count" in decl.body.attributes or "for_each" in decl.body.attributes
        key: Any = None
        if counted:
            if rest and not (isinstance(rest[0], str) and self._is_attr(decl, rest[0])):
                key = rest[0]
                rest = rest[1:]
                if isinstance(key, Unknown):
                    return ref(address, str(rest[0]) if rest else "id")
                address = instance_address(address, key)
            else:
                return Unknown(f"{address} has several instances", nonnull=True, refs=(address,))
        if not rest:
            return Unknown(f"{address} as a whole object", nonnull=True, refs=(address,))
        value = self.resource_attribute(decl, address, key, str(rest[0]))
        return _walk(value, rest[1:])

    @staticmethod
    def _is_attr(decl: Decl, name: str) -> bool:
        return name in decl.body.attributes or name in ("id", "arn", "name") or name in ID_ALIASES.get(decl.type, {})

    def resource_attribute(self, decl: Decl, address: str, key: Any, attr: str) -> Any:
        ck = (address, attr)
        if ck in self._attr_cache:
            return self._attr_cache[ck]
        real = ID_ALIASES.get(decl.type, {}).get(attr, attr)
        a = decl.body.attributes.get(real)
        if a is None:
            value: Any = ref(address, attr)
        else:
            guard = f"{address}.{attr}"
            if guard in self._stack:
                raise Cycle([*self._stack[self._stack.index(guard) :], guard])
            self._stack.append(guard)
            try:
                value = resource_attr_ref(address, attr, safe_ev(a.expr, self.instance_ctx(decl, key)))
            except Cycle as c:
                value = self._cycle(guard, c, decl.file, a.line)
            finally:
                self._stack.pop()
        self._attr_cache[ck] = value
        return value

    def instance_ctx(self, decl: Decl, key: Any) -> Ctx:
        if key is None:
            return self.root_ctx
        if isinstance(key, int) and "count" in decl.body.attributes:
            return self.root_ctx.bind(count={"index": key})
        fe = decl.body.attributes.get("for_each")
        coll = safe_ev(fe.expr, self.root_ctx) if fe else None
        value = coll.get(key, key) if isinstance(coll, dict) else key
        return self.root_ctx.bind(each={"key": key, "value": value})

    def _data_ref(self, steps: list[Any]) -> Any:
        if len(steps) < 3:
            return Unknown("incomplete data source reference")
        type_, name, rest = str(steps[0]), str(steps[1]), steps[2:]
        address = f"{self.prefix}data.{type_}.{name}"
        decl = self.module.data.get((type_, name))
        if decl is not None and rest and not isinstance(rest[0], str):
            rest = rest[1:]  # data.x.y[0].attr
        attr = str(rest[0]) if rest else "id"
        text = "${" + f"data.{type_}.{name}.{attr}" + "}"
        if decl is None:
            return Unknown(f"{address} is not declared", nonnull=True, refs=(address,), text=text)
        if type_ == "aws_iam_policy_document" and attr in ("json", "minified_json"):
            ck = (address, "json")
            if ck not in self._attr_cache:
                from wasec.sources.terraform.policydoc import policy_document

                self._attr_cache[ck] = F.EncodedJson(policy_document(decl, self))
            return _walk(self._attr_cache[ck], rest[1:])
        a = decl.body.attributes.get(attr)
        if a is not None:
            return _walk(safe_ev(a.expr, self.root_ctx), rest[1:])
        if type_ == "aws_partition" and attr in PARTITION:
            return PARTITION[attr]
        return Unknown(f"{address}.{attr} is read from AWS at plan time", nonnull=True, refs=(address,), text=text)

    def _module_ref(self, steps: list[Any]) -> Any:
        if not steps:
            return Unknown("incomplete module reference")
        name, rest = str(steps[0]), steps[1:]
        children = self.children().get(name)
        if not children:
            return Unknown(f"module.{name} is not loaded", nonnull=True, refs=(f"{self.prefix}module.{name}",))
        scope = children[0][1]
        if rest and not isinstance(rest[0], str):
            match = [s for k, s in children if k == rest[0]]
            scope = match[0] if match else scope
            rest = rest[1:]
        elif rest and len(children) > 1 and children[0][0] is not None and rest[0] not in scope.module.outputs:
            match = [s for k, s in children if k == rest[0]]
            if match:
                scope, rest = match[0], rest[1:]
        if not rest:
            return {k: scope.output(k) for k in scope.module.outputs}
        return _walk(scope.output(str(rest[0])), rest[1:])

    def output(self, name: str) -> Any:
        decl = self.module.outputs.get(name)
        if decl is None:
            return Unknown(f"module output {name} is not declared")
        v = decl[0].body.attributes.get("value")
        return safe_ev(v.expr, self.root_ctx) if v else None

    # -- instances -------------------------------------------------------------------------
    def instances(self, mode: str = "resource", types: Any = None) -> list[Instance]:
        """Every instance of the module's resources (or data sources); only of ``types`` when given, so
        blocks no mapper reads are never expanded."""
        table = self.module.resources if mode == "resource" else self.module.data
        out: list[Instance] = []
        for decl in table.values():
            if types is not None and decl.type not in types:
                continue
            base = f"{self.prefix}{'data.' if mode == 'data' else ''}{decl.type}.{decl.name}"
            for key, ctx in self._expand(decl.body, self.root_ctx, decl.file, base, decl.block.line):
                out.append(Instance(decl, instance_address(base, key), ctx, key))
        return out

    def _expand(self, body: A.Body, ctx: Ctx, file: str, base: str, line: int) -> list[tuple[Any, Ctx]]:
        """The instances of a resource, data or module block: (key, context) for each, within the budgets."""
        count = body.attributes.get("count")
        fe = body.attributes.get("for_each")
        if count is not None:
            n = safe_ev(count.expr, ctx)
            if isinstance(n, Unknown) or not isinstance(n, (int, float)) or isinstance(n, bool):
                return [(None, ctx.bind(count={"index": Unknown(f"count is unknown ({_reason(n)})")}))][
                    : self._charge(1, file, line, base)]
            n = self._charge(self._capped(int(n), file, count.line, "count"), file, line, base)
            return [(i, ctx.bind(count={"index": i})) for i in range(n)]
        if fe is not None:
            coll = safe_ev(fe.expr, ctx)
            if isinstance(coll, Unknown):
                u = Unknown(f"for_each is unknown ({coll.reason})", refs=coll.refs)
                return [(None, ctx.bind(each={"key": u, "value": u}))][: self._charge(1, file, line, base)]
            if isinstance(coll, list):
                coll = {F._s(x): x for x in coll if not isinstance(x, Unknown)}
            if not isinstance(coll, dict):
                return []
            n = self._charge(self._capped(len(coll), file, fe.line, "for_each"), file, line, base)
            return [(k, ctx.bind(each={"key": k, "value": v})) for k, v in list(coll.items())[:n]]
        return [(None, ctx)][: self._charge(1, file, line, base)]

    def _charge(self, n: int, file: str, line: int, base: str) -> int:
        """How many of ``n`` instances the root's budget still allows (said once, where it runs out)."""
        if n <= self.budget[0]:
            self.budget[0] -= n
            return n
        allowed = max(self.budget[0], 0)
        if self.budget[0] >= 0:
            self.problems.append(Problem(file, f"the configuration makes more than {MAX_TOTAL_INSTANCES:,} instances: "
                                               f"{base} and what follows are evaluated in part", line, "warning"))
        self.budget[0] = -1
        return allowed

    def spend(self, n: int, line: int) -> None:
        """Account for ``n`` loop items; past the budget every loop is an EvalError (its value unknown), said once."""
        self.steps[0] -= n
        if self.steps[0] < 0:
            if self.steps[0] + n >= 0:
                self.problems.append(Problem(self.display_dir, f"loops visit more than {MAX_LOOP_STEPS:,} items (near "
                                                               f"line {line}): the rest is left unknown", line, "warning"))
            raise EvalError(f"loops visit more than {MAX_LOOP_STEPS:,} items")

    def _capped(self, n: int, file: str, line: int, what: str) -> int:
        if n <= MAX_INSTANCES:
            return max(n, 0)
        key = f"{file}:{line}:{what}"
        if key not in self._reported:
            self._reported.add(key)
            self.problems.append(Problem(file, f"{what} makes {n:,} instances: only the first {MAX_INSTANCES:,} are "
                                               "evaluated", line, "warning"))
        return MAX_INSTANCES

    def children(self) -> dict[str, list[tuple[Any, Scope]]]:
        """Child module scopes, by call name (several when the call has count/for_each).

        Local sources are read from disk; registry and git sources from where ``terraform init``
        downloaded them (``.terraform/modules/modules.json``). A module that is not on disk, or a call
        that would loop back into a module being evaluated, is a named problem: never silently nothing.
        """
        if self._children is not None:
            return self._children
        self._children = {}
        if self.loader is None:
            return self._children
        if self.depth >= MAX_MODULE_DEPTH:
            if self.module.calls:
                block, path = next(iter(self.module.calls.values()))
                self.problems.append(Problem(path, f"modules nested deeper than {MAX_MODULE_DEPTH} levels are not "
                                                   "evaluated", block.line, "warning"))
            return self._children
        for name, (block, path) in self.module.calls.items():
            key = f"{self.key}.{name}" if self.key else name
            child_dir = self._module_dir(name, key, block, path)
            if child_dir is None:
                continue
            if child_dir in self.ancestors:
                loop = [*self.ancestors[self.ancestors.index(child_dir):], child_dir]
                self.problems.append(Problem(path, f"module {name} calls back into a module being evaluated "
                                                   f"({' → '.join(_show_dirs(loop))}): Terraform refuses a module "
                                                   "cycle; the call is not followed", block.line))
                continue
            module = self.loader(child_dir)
            if module is None:
                self.problems.append(Problem(path, f"module {name}: no Terraform files in {_source(block)}", block.line,
                                             "warning"))
                continue
            scopes = []
            for k, ctx in self._expand(block.body, self.root_ctx, path, f"{self.prefix}module.{name}", block.line):
                inputs = {
                    n: safe_ev(a.expr, ctx)
                    for n, a in block.body.attributes.items()
                    if n not in ("source", "version", "count", "for_each", "providers", "depends_on")
                }
                suffix = instance_address("", k)
                child = Scope(
                    module,
                    f"{self.prefix}module.{name}{suffix}.",
                    inputs,
                    loader=self.loader,
                    depth=self.depth + 1,
                    problems=self.problems,
                    budget=self.budget,
                    steps=self.steps,
                    key=key,
                    ancestors=self.ancestors,
                    manifest=self.manifest,
                    root_dir=self.root_dir,
                    fetcher=self.fetcher,
                )
                scopes.append((k, child))
            self._children[name] = scopes
        return self._children

    def _module_dir(self, name: str, key: str, block: A.Block, path: str) -> str | None:
        """Where a module call's source is on disk, or None (said, unless the call has no source at all)."""
        source = _source(block)
        if source is None:
            src = block.body.attributes.get("source")
            if src is not None:
                self.problems.append(Problem(path, f"module {name}: the source must be a literal string", block.line))
            return None
        if is_local(source):
            return os.path.normpath(os.path.join(self.module.dir, source))
        found = self.manifest.get(key)
        if found is not None and os.path.isdir(found):
            return found
        if self.fetcher is not None:
            from wasec.sources.terraform.fetch import FetchError

            v = block.body.attributes.get("version")
            version = v.expr.value if v is not None and isinstance(v.expr, A.Literal) else None
            try:
                return str(self.fetcher.module_dir(source, version if isinstance(version, str) else None))
            except FetchError as e:
                self.problems.append(Problem(path, f"module {name}: {source} could not be fetched: {e}", block.line))
                return None
        self.problems.append(Problem(path, f"module source {source} is not on disk: run `terraform init` (or "
                                           "`terraform get`, or scan with --download-modules) so its resources are "
                                           "scanned too", block.line, "warning"))
        return None

    def all_scopes(self) -> list[Scope]:
        out = [self]
        for scopes in self.children().values():
            for _, s in scopes:
                out.extend(s.all_scopes())
        return out


def instance_address(base: str, key: Any) -> str:
    """``base[0]`` or ``base["key"]`` as Terraform writes instance addresses (quotes inside a key escaped)."""
    if key is None:
        return base
    if isinstance(key, str):
        return f"{base}[{json.dumps(key, ensure_ascii=False)}]"
    return f"{base}[{key}]"


def _source(block: A.Block) -> str | None:
    src = block.body.attributes.get("source")
    value = src.expr.value if src is not None and isinstance(src.expr, A.Literal) else None
    return value if isinstance(value, str) else None


def is_local(source: str) -> bool:
    """A module source that is a path (Terraform's rule: it starts with ./ or ../)."""
    return source.startswith(("./", "../", ".\\", "..\\")) or source in (".", "..")


def _show_dirs(dirs: list[str]) -> list[str]:
    base = os.path.commonpath(dirs) if len(set(dirs)) > 1 else os.path.dirname(dirs[0])
    return [os.path.relpath(d, base) if base else d for d in dirs]


def module_manifest(root_dir: str) -> dict[str, str]:
    """Module directories ``terraform init`` recorded for a root module, by key (``vpc``, ``vpc.subnets``)."""

    path = os.path.join(root_dir, ".terraform", "modules", "modules.json")
    try:
        data = json.loads(safe_io.read_text(path, 16 * safe_io.MB))
    except (InputError, ValueError):
        return {}
    out: dict[str, str] = {}
    for m in data.get("Modules") or [] if isinstance(data, dict) else []:
        if isinstance(m, dict) and m.get("Key") and isinstance(m.get("Dir"), str):
            out[str(m["Key"])] = os.path.normpath(os.path.join(root_dir, m["Dir"]))
    return out


def _reason(v: Any) -> str:
    return v.reason if isinstance(v, Unknown) else f"not a number: {v!r}"


def _walk(value: Any, steps: list[Any], strict: bool = False) -> Any:
    """Follow ``steps`` into ``value``. ``strict`` (variables and locals, whose shape is the code's own):
    a missing attribute is an error, as in Terraform, so ``try()`` moves on to its next argument."""
    for s in steps:
        try:
            value = step(value, s)
        except EvalError as e:
            if strict:
                raise
            return Unknown(str(e))
    return value

