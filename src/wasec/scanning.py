"""The library entry point for scanning infrastructure code: sources → inventory → rules → findings."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from wasec.model.finding import Finding, Problem, Severity, Status
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
    config_dir: str | None = None  # where .wasec lives (default: the first path if a directory, else cwd)


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

    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.counts]

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Status}
        for f in self.findings:
            out[f.status.value] += 1
        return out

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.kind == "error"]


def select_rules(options: ScanOptions) -> list[Any]:
    from wasec.errors import UsageError
    from wasec.rules.registry import load_builtin

    registry = load_builtin()
    for rid in [*options.rules, *options.skip_rules]:
        if rid not in registry:
            raise UsageError(f"unknown rule id {rid!r} (see `wasec rules`)")
    chosen = [r for r in registry
              if (r.id in options.rules if options.rules else (options.strict or not r.optional))
              and r.id not in options.skip_rules]
    if options.min_severity is not None:
        chosen = [r for r in chosen if r.severity.rank >= options.min_severity.rank]
    return chosen


def scan_inventory(inventory: Inventory, rules: list[Any], root: str, config: Any = None) -> list[Finding]:
    """Evaluate rules over an inventory (code or live) and apply exceptions from the configuration."""
    from wasec.rules.engine import Engine

    engine = Engine(rules, root=root, options=getattr(config, "rule_options", None))
    findings = engine.evaluate(inventory)
    findings.sort(key=lambda f: (-f.risk, -f.severity.rank, f.file or "", f.line or 0, f.rule_id))
    return findings


def scan(options: ScanOptions | None = None) -> ScanResult:
    """Scan Terraform and CloudFormation under ``options.paths``."""
    from wasec.config import load_config
    from wasec.findings.exceptions import apply_exceptions
    from wasec.rules.custom import load_custom_rules
    from wasec.sources import SourceOptions, collect

    o = options or ScanOptions()
    started = time.time()
    root = os.path.abspath(o.root or ".")
    config_dir = o.config_dir or (o.paths[0] if o.paths and os.path.isdir(o.paths[0]) else ".")
    config = load_config(config_dir)
    rules = select_rules(o) + load_custom_rules(config)
    collected = collect(o.paths, SourceOptions(o.exclude + config.exclude, o.tf_vars, o.tf_var_files, o.cfn_params, o.max_bytes))
    findings = scan_inventory(collected.inventory, rules, root, config)
    findings, problems = apply_exceptions(findings, config, root)
    d = collected.discovery
    files = sum(len(v) for v in d.terraform.values()) + len(d.cloudformation) + len(d.plans)
    return ScanResult(findings, collected.problems + problems, collected.inventory, rules, root, started,
                      time.time() - started, files, config)
