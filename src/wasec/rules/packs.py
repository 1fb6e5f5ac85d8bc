"""Rule packs: the YAML rules a team writes, tests and ships, from directories or installed packages.

Where rules come from, in order: ``.wasec/rules/*.yml``; each directory in ``rule_packs:`` of
``.wasec/config.yml`` (relative to the project); every installed package that declares an entry
point in the ``wasec.rules`` group (the entry point names a module, whose directory holds the
``*.yml`` files, or a function returning a directory). A file holds one rule or a list of them;
besides rules (see :mod:`wasec.rules.custom` for the condition language) an entry may be::

    extends: s3-bucket-versioning   # a built-in rule, refined: same check and mappings
    id: acme-versioning-prod        # its own id
    when: {path: Tags.env, equals: prod}   # only where this holds (else the rule does not apply)
    check: {...}                    # and this must hold too (optional)
    severity: critical              # any metadata may be overridden
    replaces: true                  # the built-in no longer runs on its own

    disable: s3-bucket-access-logging      # a rule turned off for some paths, visibly:
    paths: ["legacy/**"]                   # its findings there are suppressed with the reason
    reason: the legacy stacks are being retired (Q3)

Every mistake in a file names the file, the line and the key that is wrong, with the key that was
probably meant.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import sys
from dataclasses import dataclass, field, replace
from typing import Any

from wasec.config import Config, read_config_text
from wasec.errors import ConfigError, did_you_mean
from wasec.model.finding import Finding, Severity, Status, Suppression
from wasec.rules.custom import holds, rule_from_dict, validate
from wasec.rules.registry import Rule
from wasec.rules.view import Skip, View

ENTRY_POINT_GROUP = "wasec.rules"
RULE_KEYS = {"id", "title", "severity", "types", "check", "area", "category", "wa", "cis", "fsbp", "why", "fix",
             "terraform", "cloudformation", "message", "tests", "extends", "when", "replaces"}
DISABLE_KEYS = {"disable", "paths", "reason"}
CASE_KEYS = {"name", "terraform", "cloudformation", "file", "expect", "params", "vars"}
EXPECT = ("fail", "pass", "unknown")


@dataclass
class Case:
    """One of a rule's own tests: an inline snippet or a file, and the status it must get."""

    rule_id: str
    name: str
    expect: str
    where: str  # file:line of the case, for the report
    terraform: str | None = None
    cloudformation: str | None = None
    file: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    vars: dict[str, str] = field(default_factory=dict)
    # built-in cases: the snippet and the file name it is written to (.tf, .tf.json, .yaml, .json), and the
    # lines marked "#!" where a FAIL must point
    filename: str | None = None
    content: str | None = None
    lines: tuple[int, ...] = ()


@dataclass
class Disable:
    rule_id: str
    paths: tuple[str, ...]
    reason: str
    where: str


@dataclass
class Pack:
    rules: list[Rule] = field(default_factory=list)
    replaced: set[str] = field(default_factory=set)  # built-in ids an `extends: … replaces: true` took over
    disables: list[Disable] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    origin: dict[str, str] = field(default_factory=dict)  # rule id -> file:line


def _lines(path: str) -> dict[tuple[Any, ...], int]:
    """Line of every key and list item in a YAML file, by its path from the document (index first)."""
    import yaml  # custom rule files are rare: a scan without them does not load the YAML library

    out: dict[tuple[Any, ...], int] = {}
    budget = [200_000]  # aliases can make a small file a huge tree: lines are a courtesy, not worth that

    def walk(node: Any, at: tuple[Any, ...]) -> None:
        budget[0] -= 1
        if budget[0] < 0 or len(at) > 100:
            return
        out.setdefault(at, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                out[(*at, k.value)] = k.start_mark.line + 1
                walk(v, (*at, k.value))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, (*at, i))

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        for n, doc in enumerate(yaml.compose_all(read_config_text(path), Loader=loader)):
            if doc is not None:
                walk(doc, (n,))
    except (ConfigError, yaml.YAMLError):
        pass  # read_yaml reports it
    return out


class _Where:
    def __init__(self, path: str, lines: dict[tuple[Any, ...], int], base: tuple[Any, ...]) -> None:
        self.path, self.lines, self.base = path, lines, base

    def at(self, *keys: Any) -> str:
        for n in range(len(keys), -1, -1):
            line = self.lines.get((*self.base, *keys[:n]))
            if line:
                return f"{self.path}:{line}"
        return self.path

    def unknown_keys(self, d: dict[str, Any], allowed: set[str], what: str, *at: Any) -> None:
        for k in d:
            if k not in allowed:
                also = did_you_mean(str(k), sorted(allowed)) or f" (known keys: {', '.join(sorted(allowed))})"
                raise ConfigError(f"{self.at(*at, k)}: {what}: unknown key '{k}'{also}")


def _mappings(r: dict[str, Any], w: _Where) -> None:
    from wasec.rules.catalog import best_practices, cis_controls, fsbp_controls

    for key, known, name in (("wa", best_practices, "Well-Architected best practice"), ("cis", cis_controls, "CIS control"),
                             ("fsbp", fsbp_controls, "FSBP control")):
        ids = r.get(key) or []
        if not isinstance(ids, list):
            raise ConfigError(f"{w.at(key)}: '{key}' must be a list of ids")
        table = known()
        for i, x in enumerate(ids):
            if str(x) not in table:
                raise ConfigError(f"{w.at(key, i)}: unknown {name} '{x}'{did_you_mean(str(x), table)}")


def _extend(d: dict[str, Any], base: Rule, w: _Where) -> Rule:
    """A built-in rule refined: its check, only where ``when`` holds, and ``check`` on top."""
    if "id" not in d:
        raise ConfigError(f"{w.at()}: a rule that extends {base.id} needs its own 'id'")
    when, extra = d.get("when"), d.get("check")
    if when is not None:
        validate(when, f"{w.at('when')}: when")
    if extra is not None:
        validate(extra, f"{w.at('check')}: check")
    message = str(d.get("message") or f"does not satisfy: {d.get('title') or base.title}")

    def check(r: View) -> Any:
        if when is not None and not holds(r, when)[0]:
            return Skip()
        out = base.check(r)
        if extra is None:
            return out
        ok, path = holds(r, extra)
        if ok:
            return out
        from wasec.rules.view import Fail

        mine = Fail(path, message)
        if out is None or not isinstance(out, (Fail, list)):
            return mine
        return [*(out if isinstance(out, list) else [out]), mine]

    try:
        severity = Severity.parse(str(d["severity"])) if "severity" in d else base.severity
    except ValueError as e:
        raise ConfigError(f"{w.at('severity')}: {e}") from None
    return replace(
        base, id=str(d["id"]), title=str(d.get("title", base.title)), severity=severity, check=check,
        wa=tuple(d.get("wa", base.wa)), cis=tuple(d.get("cis", base.cis)), fsbp=tuple(d.get("fsbp", base.fsbp)),
        why=str(d.get("why", base.why)), fix=str(d.get("fix", base.fix)),
        fix_terraform=str(d.get("terraform", base.fix_terraform)),
        fix_cloudformation=str(d.get("cloudformation", base.fix_cloudformation)), custom=True, optional=False,
    )


def _cases(d: dict[str, Any], rule_id: str, w: _Where, directory: str) -> list[Case]:
    raw = d.get("tests") or []
    if not isinstance(raw, list):
        raise ConfigError(f"{w.at('tests')}: 'tests' must be a list of cases")
    out = []
    for i, c in enumerate(raw):
        if not isinstance(c, dict):
            raise ConfigError(f"{w.at('tests', i)}: a test case must be a mapping")
        w.unknown_keys(c, CASE_KEYS, f"rule {rule_id}, test {i + 1}", "tests", i)
        sources = [k for k in ("terraform", "cloudformation", "file") if k in c]
        if len(sources) != 1:
            raise ConfigError(f"{w.at('tests', i)}: rule {rule_id}, test {i + 1}: give exactly one of terraform, cloudformation, file")
        expect = str(c.get("expect", "")).lower()
        if expect not in EXPECT:
            raise ConfigError(f"{w.at('tests', i, 'expect')}: rule {rule_id}, test {i + 1}: expect must be one of {', '.join(EXPECT)}")
        file = c.get("file")
        out.append(Case(
            rule_id=rule_id, name=str(c.get("name") or f"test {i + 1}"), expect=expect, where=w.at("tests", i),
            terraform=c.get("terraform"), cloudformation=c.get("cloudformation"),
            file=os.path.join(directory, str(file)) if file is not None else None,
            params={str(k): str(v) for k, v in (c.get("params") or {}).items()},
            vars={str(k): str(v) for k, v in (c.get("vars") or {}).items()},
        ))
    return out


def read_yaml_all(path: str) -> list[Any]:
    """Every document of a YAML file; errors name the file and line, as :func:`wasec.config.read_yaml` does."""
    import yaml

    text = read_config_text(path)
    try:
        return list(yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise ConfigError(f"{path}{f':{mark.line + 1}' if mark else ''}: invalid YAML: {getattr(e, 'problem', e)}") from None


def load_file(path: str, pack: Pack, builtin: Any) -> None:
    """Add one file's rules, refinements, disables and cases to ``pack``."""
    lines = _lines(path)
    entries: list[tuple[tuple[int, ...], Any]] = []
    for n, data in enumerate(read_yaml_all(path)):  # documents separated by ---, each a rule or a list of them
        entries += [((n, i), d) for i, d in enumerate(data)] if isinstance(data, list) else [((n,), data)]
    for base, d in entries:
        w = _Where(path, lines, base)
        if d is None:
            continue
        if not isinstance(d, dict):
            raise ConfigError(f"{w.at()}: a rule must be a mapping")
        if "disable" in d:
            w.unknown_keys(d, DISABLE_KEYS, "disable")
            rid, paths = str(d["disable"]), d.get("paths")
            if rid not in builtin and rid not in {r.id for r in pack.rules}:
                raise ConfigError(f"{w.at('disable')}: disable: unknown rule '{rid}'"
                                  f"{did_you_mean(rid, [*(r.id for r in builtin), *(r.id for r in pack.rules)])}")
            if not isinstance(paths, list) or not paths or not d.get("reason"):
                raise ConfigError(f"{w.at()}: disable {rid}: give 'paths' (a list of globs) and a 'reason'")
            pack.disables.append(Disable(rid, tuple(str(p) for p in paths), str(d["reason"]), w.at()))
            continue
        if "tests_for" in d:  # cases for a rule defined elsewhere (a Rego rule)
            w.unknown_keys(d, {"tests_for", "tests"}, "tests_for")
            rid = str(d["tests_for"])
            if rid not in pack.origin:
                raise ConfigError(f"{w.at('tests_for')}: tests_for: no custom rule '{rid}' is defined before this file")
            pack.cases += _cases(d, rid, w, os.path.dirname(path))
            continue
        rid = str(d.get("id", "?"))
        w.unknown_keys(d, RULE_KEYS, f"rule {rid}")
        _mappings(d, w)
        if "extends" in d:
            base = builtin.get(str(d["extends"]))
            if base is None:
                raise ConfigError(f"{w.at('extends')}: rule {rid}: extends unknown rule '{d['extends']}'"
                                  f"{did_you_mean(str(d['extends']), [r.id for r in builtin])}")
            rule = _extend(d, base, w)
            if d.get("replaces"):
                pack.replaced.add(base.id)
        else:
            missing = [k for k in ("id", "title", "severity", "types", "check") if k not in d]
            if missing:
                raise ConfigError(f"{w.at()}: rule {rid}: missing '{missing[0]}'")
            try:
                rule = rule_from_dict(d, w.at())
            except ConfigError as e:
                raise ConfigError(_with_line(str(e), w)) from None
        if rule.id in builtin or rule.id in pack.origin:
            raise ConfigError(f"{w.at('id')}: rule id {rule.id} is already defined"
                              + (f" at {pack.origin[rule.id]}" if rule.id in pack.origin else " (built in)"))
        pack.origin[rule.id] = w.at()
        pack.rules.append(rule)
        pack.cases += _cases(d, rule.id, w, os.path.dirname(path))


def _with_line(message: str, w: _Where) -> str:
    """custom.py names the condition path (``check.all[1]``); point at its line when it can be found."""
    import re

    m = re.search(r": check((?:\.\w+|\[\d+\])*)", message)
    if not m:
        return message
    keys: list[Any] = ["check"]
    for part in re.findall(r"\.(\w+)|\[(\d+)\]", m.group(1)):
        keys.append(part[0] if part[0] else int(part[1]))
    return message.replace(w.at(), w.at(*keys), 1)


def directories(config: Config, extra: list[str] | None = None) -> list[str]:
    """Every rule directory: the project's, ``rule_packs:`` in its configuration, ``extra``, installed packs."""
    out: list[str] = []
    if config.directory is not None:
        out.append(os.path.join(config.directory, "rules"))
        project = os.path.dirname(config.directory)
        packs = config.raw.get("rule_packs") or []
        if not isinstance(packs, list):
            raise ConfigError(f"{config.directory}/config.yml: rule_packs must be a list of directories")
        for p in packs:
            d = os.path.join(project, str(p))
            if not os.path.isdir(d):
                raise ConfigError(f"{config.directory}/config.yml: rule pack {p}: no such directory")
            out.append(d)
    out += extra or []
    return out + installed()


def _any_declared() -> bool:
    """Whether an installed distribution may declare the entry point group: reading the few ``entry_points.txt``
    files is cheaper than importing ``importlib.metadata``, which a one-file scan would otherwise pay for."""
    marker = f"[{ENTRY_POINT_GROUP}]".encode()
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue  # a zip or a missing directory: only the full lookup can tell
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                try:
                    with open(os.path.join(entry or ".", name, "entry_points.txt"), "rb") as fh:
                        if marker in fh.read():
                            return True
                except OSError:
                    continue
    return any(os.path.isfile(e) for e in sys.path if e)  # a zip on the path: let importlib.metadata look inside


def installed() -> list[str]:
    """Directories of rule packs installed as Python packages (entry point group ``wasec.rules``)."""
    if not _any_declared():
        return []
    from importlib.metadata import entry_points

    out = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
        except Exception as e:  # a broken pack is named, never skipped silently
            raise ConfigError(f"rule pack {ep.name} ({ep.value}) cannot be loaded: {type(e).__name__}: {e}") from None
        if callable(obj):
            obj = obj()
        path = getattr(obj, "__file__", None)
        out.append(os.path.dirname(path) if path else str(obj))
    return out


def load(config: Config, extra: list[str] | None = None) -> Pack:
    from wasec.rules.registry import load_builtin

    builtin = load_builtin()
    pack = Pack()
    for d in directories(config, extra):
        load_directory(d, pack, builtin)
    return pack


def load_directory(directory: str, pack: Pack, builtin: Any) -> int:
    """Rego rules first (YAML files may hold their tests), then YAML; returns how many files."""
    rego_files = sorted(glob.glob(os.path.join(directory, "*.rego")))
    for path in rego_files:
        from wasec.rules import rego

        rule = rego.load(path)
        _mappings({k: list(getattr(rule, k)) for k in ("wa", "cis", "fsbp")}, _Where(path, {}, ()))
        if rule.id in builtin or rule.id in pack.origin:
            raise ConfigError(f"{path}: rule id {rule.id} is already defined")
        pack.origin[rule.id] = path
        pack.rules.append(rule)
    yaml_files = sorted(glob.glob(os.path.join(directory, "*.y*ml")))
    for path in yaml_files:
        load_file(path, pack, builtin)
    return len(rego_files) + len(yaml_files)


def apply_disables(findings: list[Finding], disables: list[Disable], root: str = ".", config: Config | None = None
                   ) -> list[Finding]:
    """Findings of a rule turned off for a path stay in the report, suppressed with the pack's reason.

    Paths are relative to the project root (the directory holding ``.wasec``), wherever wasec runs from.
    """
    if not disables:
        return findings
    out = []
    for f in findings:
        file = config.relative(f.file, root) if config is not None and f.file else f.file
        d = next((d for d in disables if d.rule_id == f.rule_id and file and f.status is not Status.PASS
                  and any(fnmatch.fnmatch(file, p) or file.startswith(p.rstrip("*").rstrip("/") + "/") for p in d.paths)),
                 None)
        if d is not None and f.suppressed is None:
            f = f.with_(suppressed=Suppression(kind="rule-pack", reason=d.reason, source=d.where))
        out.append(f)
    return out
