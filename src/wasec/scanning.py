"""The library entry points: infrastructure code or a live account → inventory → rules → findings."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from typing import Any

from wasec.model.finding import Evidence, Finding, Problem, Severity, Status
from wasec.model.resource import Inventory


@dataclass
class ScanOptions:
    paths: list[str] = field(default_factory=lambda: ["."])
    exclude: list[str] = field(default_factory=list)
    tf_vars: dict[str, str] = field(default_factory=dict)
    tf_var_files: list[str] = field(default_factory=list)
    cfn_params: dict[str, Any] = field(default_factory=dict)
    rules: list[str] = field(default_factory=list)  # only these rule ids (empty: all)
    skip_rules: list[str] = field(default_factory=list)
    strict: bool = False  # also run optional rules
    min_severity: Severity | None = None
    max_bytes: int = 20 * 1024 * 1024
    root: str | None = None  # findings' paths are relative to it (default: the current directory)
    config_dir: str | None = None  # where to look for .wasec (default: the first path, else cwd), up to the repository root
    config: str | None = None  # --config: the .wasec directory (or its config.yml) to use, no lookup
    secrets: bool = True  # code scans also look for secrets in the working tree
    follow_symlinks: bool = False  # follow symlinks that lead out of the scanned paths
    progress: Any = None  # progress(stage, done, total), called as a long scan goes (wasec.rules.engine.Progress)
    download_modules: str | None = None  # fetch registry, git and archive modules into this cache directory


@dataclass
class ScanResult:
    findings: list[Finding]
    problems: list[Problem]
    inventory: Inventory
    rules: list[Any]
    root: str
    started: float
    duration: float
    files: int = 0
    config: Any = None
    coverage: Any = None  # live scans: what was read, account × region × service (wasec.model.coverage)
    what: str = ""  # what was scanned, for the report's first line (default: "N files")

    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.counts]

    def unjudged(self) -> dict[str, int]:
        """Resources read that no rule of the scan judges, by type (``Terraform::<type>`` for blocks wasec does not
        map): what the scan says nothing about, so its coverage is visible."""
        judged = {t for r in self.rules for t in getattr(r, "types", ())}
        counts: dict[str, int] = {}
        for r in self.inventory:
            if r.type not in judged and not judged.intersection(r.also):
                counts[r.type] = counts.get(r.type, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Status}
        for f in self.findings:
            out[f.status.value] += 1
        return out

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == "error"]


def select_rules(options: ScanOptions, custom_ids: frozenset[str] = frozenset()) -> list[Any]:
    from wasec.errors import UsageError, did_you_mean
    from wasec.rules.registry import load_builtin

    registry = load_builtin()
    for rid in [*options.rules, *options.skip_rules]:
        if rid not in registry and rid not in custom_ids:
            hint = did_you_mean(rid, [*(r.id for r in registry), *custom_ids])
            raise UsageError(f"unknown rule id {rid!r}{hint} (see `wasec rules list`)")
    chosen = [r for r in registry
              if (r.id in options.rules if options.rules else (options.strict or not r.optional))
              and r.id not in options.skip_rules]
    if options.min_severity is not None:
        chosen = [r for r in chosen if r.severity.rank >= options.min_severity.rank]
    return chosen


def rules_for(options: ScanOptions, config: Any) -> tuple[list[Any], Any]:
    """Built-in rules chosen by the options, plus the project's and installed rule packs."""
    from wasec.rules.packs import load

    pack = load(config)
    chosen = [r for r in select_rules(options, frozenset(r.id for r in pack.rules)) if r.id not in pack.replaced]
    mine = [r for r in pack.rules if not options.rules or r.id in options.rules]
    return chosen + [r for r in mine if r.id not in options.skip_rules], pack


def scan_inventory(inventory: Inventory, rules: list[Any], root: str, config: Any = None, progress: Any = None
                   ) -> list[Finding]:
    """Evaluate rules over an inventory (code or live) and apply exceptions from the configuration."""
    from wasec.findings.risk import RiskModel
    from wasec.rules.engine import Engine

    raw = getattr(config, "raw", None) or {}
    engine = Engine(rules, root=root, options=getattr(config, "rule_options", None),
                    risk=RiskModel.from_config(raw.get("risk")))
    findings = engine.evaluate(inventory, progress)
    findings.sort(key=lambda f: (-f.risk, -f.severity.rank, f.file or "", f.line or 0, f.rule_id))
    return findings


def scan(options: ScanOptions | None = None) -> ScanResult:
    """Scan Terraform and CloudFormation under ``options.paths``."""
    from wasec.config import load_config
    from wasec.findings.exceptions import apply_exceptions
    from wasec.findings.instances import collapse
    from wasec.rules.packs import apply_disables
    from wasec.sources import SourceOptions, collect

    o = options or ScanOptions()
    started = time.time()
    root = os.path.abspath(o.root or ".")
    config_dir = o.config_dir or (o.paths[0] if o.paths else ".")
    config = load_config(config_dir, o.config)
    rules, pack = rules_for(o, config)
    collected = collect(o.paths, SourceOptions(o.exclude + config.exclude, o.tf_vars, o.tf_var_files, o.cfn_params, o.max_bytes,
                                                o.follow_symlinks, o.progress, o.download_modules))
    findings = scan_inventory(collected.inventory, rules, root, config, o.progress)
    problems = list(collected.problems)
    if o.secrets:
        from wasec.secrets.files import FileOptions
        from wasec.secrets.report import findings as secret_findings
        from wasec.secrets.report import rules as secret_rules
        from wasec.secrets.scan import scan_tree

        used: set[str] = set()
        # a secret a code rule already names (a ConfigMap's password, a template's literal) is said once, by that rule
        category = {r.id: getattr(r, "category", "") for r in rules}
        said = {(os.path.normpath(os.path.join(root, e.file or "")), e.line) for f in findings
                 if f.status is Status.FAIL and category.get(f.rule_id) == "secret"
                 for e in (f.evidence or (Evidence("", file=f.file, line=f.line),))}
        for path in [p for p in o.paths if p != "-"]:  # standard input holds manifests, read above
            s = scan_tree(path, FileOptions(o.exclude + config.exclude, max_bytes=o.max_bytes, follow_symlinks=o.follow_symlinks))
            for f in secret_findings(s):
                if (os.path.normpath(os.path.join(s.root, f.file or "")), f.line) in said:
                    continue
                rel = os.path.relpath(os.path.join(s.root, f.file or ""), root)
                findings.append(f.with_(file=rel, resource_id=rel, evidence=tuple(replace(e, file=rel) for e in f.evidence)))
                used.add(f.rule_id)
            named = {os.path.normpath(os.path.join(root, p.file)) for p in problems if p.file}
            for p in s.problems:  # a file discovery already reported is named once
                where = os.path.normpath(os.path.join(s.root, p.file))
                if where not in named:
                    problems.append(replace(p, file=os.path.relpath(where, root)))
        if collected.stdin:  # manifests piped in carry secrets as files do
            from wasec.secrets.engine import scan_bytes
            from wasec.secrets.report import finding as secret_finding
            from wasec.secrets.scan import Located

            for hit in scan_bytes(collected.stdin.encode()):
                if (os.path.normpath(os.path.join(root, "-")), hit.line) not in said:
                    findings.append(secret_finding(Located("-", hit)))
                    used.add(f"secret-{hit.detector}")
        rules = rules + [r for rid, r in secret_rules().items() if rid in used]
    findings, refused = apply_exceptions(findings, config, root)
    findings = collapse(apply_disables(findings, pack.disables, root, config))
    d = collected.discovery
    files = sum(len(v) for v in d.terraform.values()) + len(d.cloudformation) + len(d.plans) + len(d.kubernetes) \
        + len(d.dockerfiles) + ("-" in o.paths)
    return ScanResult(findings, problems + refused, collected.inventory, rules, root, started,
                      time.time() - started, files, config)


def scan_secrets(path: str = ".", mode: str = "tree", since: str | None = None, all_history: bool = False,
                 options: Any = None, workers: int = 0, config_path: str | None = None) -> ScanResult:
    """Secrets in the working tree (``tree``), the index (``staged``) or git history (``history``)."""
    from wasec.config import load_config
    from wasec.findings.exceptions import apply_exceptions
    from wasec.secrets.files import FileOptions
    from wasec.secrets.report import findings as secret_findings
    from wasec.secrets.report import rules as secret_rules
    from wasec.secrets.scan import scan_history, scan_staged, scan_tree

    started = time.time()
    config = load_config(path, config_path)
    o = options or FileOptions()
    own = config.raw.get("secrets") or {}  # secrets: {exclude: [...], include_vendored: true}
    o.exclude = list(o.exclude) + config.exclude + [str(x) for x in own.get("exclude") or []]
    o.include_vendored = o.include_vendored or bool(own.get("include_vendored"))
    if mode == "staged":
        s = scan_staged(path, o)
    elif mode == "history":
        s = scan_history(path, since, all_history, o, workers)
    else:
        s = scan_tree(path, o, workers)
    # inline ignores are read from today's files; a history finding's line is in an old commit
    findings, refused = apply_exceptions(secret_findings(s), config, s.root,
                                         inline=s.ignores if mode == "tree" else mode != "history")
    problems = s.problems + refused
    files = f"{s.files} file{'s' if s.files != 1 else ''}"
    what = {"tree": f"{files}, {s.bytes / 1e6:.1f} MB", "staged": f"{files} staged",
            "history": f"{s.commits} commits, {files}, {s.bytes / 1e6:.1f} MB added"}[s.mode]
    rules = list(secret_rules().values())
    return ScanResult(findings, problems, Inventory(), rules, s.root, started, time.time() - started, s.files, config,
                      what=f"secrets in {what}")


def rule_types(rules: list[Any]) -> set[str]:
    """Every resource type the rules read: their own and the ones they follow (peers, references)."""
    return {t for r in rules for t in (*r.types, *getattr(r, "needs", ()))}


def scan_aws(options: ScanOptions | None = None, aws: Any = None) -> ScanResult:
    """Scan a live account (or an organisation) with the same rules as code.

    Collectors run for the resource types the selected rules read. What could not be read leaves
    its rules UNKNOWN with the reason, and ``result.coverage`` says what was and was not assessed.
    With ``aws.shard`` only that shard's units are read (and kept in ``aws.results_dir``): rules run
    when the shards are merged (:func:`merge_results`), so the result has no findings.
    """
    from wasec.config import load_config
    from wasec.sources.aws import AwsOptions, collect_aws

    o = options or ScanOptions()
    started = time.time()
    config = load_config(o.config_dir or ".", o.config)
    rules, pack = rules_for(o, config)
    aws = aws or AwsOptions()
    collected = collect_aws(aws, rule_types(rules))
    if aws.shard:
        return ScanResult([], collected.problems, collected.inventory, rules, os.path.abspath(o.root or "."), started,
                          time.time() - started, 0, config, collected.coverage, what="a shard")
    return _evaluate_live(collected, o, config, rules, pack, started)


def merge_results(directories: list[str], options: ScanOptions | None = None) -> ScanResult:
    """Join the unit results of every shard of a live scan and run the rules once, over every account."""
    from wasec.config import load_config
    from wasec.sources.aws.units import load_shards

    o = options or ScanOptions()
    started = time.time()
    config = load_config(o.config_dir or ".", o.config)
    rules, pack = rules_for(o, config)
    collected = load_shards(directories)
    return _evaluate_live(collected, o, config, rules, pack, started)


def _evaluate_live(collected: Any, o: ScanOptions, config: Any, rules: list[Any], pack: Any, started: float) -> ScanResult:
    from wasec.findings.exceptions import apply_exceptions
    from wasec.rules.packs import apply_disables

    root = os.path.abspath(o.root or ".")
    findings = scan_inventory(collected.inventory, rules, root, config)
    findings += _gap_findings(collected.gaps, rules, root)
    findings, problems = apply_exceptions(findings, config, root)
    findings = apply_disables(findings, pack.disables, root, config)
    return ScanResult(findings, collected.problems + problems, collected.inventory, rules, root, started,
                      time.time() - started, 0, config, collected.coverage)


def _gap_findings(gaps: list[Any], rules: list[Any], root: str) -> list[Finding]:
    """One UNKNOWN per rule and unread (account, region, type): "no finding" must not pass for "all clear"."""
    from wasec.model.resource import Origin, Resource
    from wasec.rules.engine import Engine

    engine = Engine(rules, root=root)
    out = []
    for g in gaps:
        for t in g.types:
            stand_in = Resource(t, f"{t} in {g.account}/{g.region}", {}, Origin("aws", f"aws:{g.account}"),
                                account=g.account, region=None if g.region == "global" else g.region)
            out += [engine.not_assessed(r, stand_in, g.reason) for r in rules if t in r.types]
    return out
