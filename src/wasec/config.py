"""Project configuration: ``.wasec/config.yml`` and the files next to it.

::

    fail_on: high                 # default --fail-on
    inline_ignores: true          # false: only reviewed exceptions in exceptions.yml count
    exclude: [vendor/, "**/fixtures/**"]
    skip_rules: [elb-internet-facing]
    secrets:                      # wasec secrets only
      exclude: ["tests/fixtures/**"]
      include_vendored: false
    risk:                         # bands and data classification (see wasec.findings.risk)
      high: 15
      medium: 8
      classification: [{name: "*payments*", level: restricted}]

Next to it: ``exceptions.yml`` (reviewed exceptions), ``baseline.json``, ``review.yml`` (the
Well-Architected review's answers) and ``history.db`` (saved scans and review milestones).
    rules:                        # per-rule options
      sg-unrestricted-ingress: {authorized_ports: [80, 443, 8443]}
      iam-trust-cross-account-condition: {trusted_accounts: ["111122223333"]}
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from wasec.errors import ConfigError

CONFIG_DIR = ".wasec"


@dataclass
class Config:
    directory: str | None = None  # the .wasec directory, when there is one
    fail_on: str | None = None
    inline_ignores: bool = True
    exclude: list[str] = field(default_factory=list)
    skip_rules: list[str] = field(default_factory=list)
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    def path(self, name: str) -> str | None:
        return os.path.join(self.directory, name) if self.directory else None

    @property
    def project_root(self) -> str | None:
        """The directory holding ``.wasec``: paths in rule packs and exceptions are relative to it."""
        return os.path.dirname(self.directory) if self.directory else None

    def relative(self, file: str, root: str) -> str:
        """``file`` (relative to the scan root ``root``, or absolute) as a path from the project root."""
        top = self.project_root
        if top is None:
            return file
        rel = os.path.relpath(os.path.join(root, file), top).replace(os.sep, "/")
        return file if rel.startswith("../") else rel


def find_config_dir(start: str) -> str | None:
    """The nearest ``.wasec`` directory at or above ``start``, looking no higher than the repository root
    (the first directory up that holds ``.git``), so a scan finds the same configuration from anywhere."""
    cur = os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start) or ".")
    while True:
        candidate = os.path.join(cur, CONFIG_DIR)
        if os.path.isdir(candidate):
            return candidate
        parent = os.path.dirname(cur)
        if parent == cur or os.path.exists(os.path.join(cur, ".git")):
            return None
        cur = parent


def explicit_config_dir(path: str) -> str:
    """The ``.wasec`` directory ``--config PATH`` names: that directory, the one holding it, or a config.yml's."""
    p = os.path.abspath(path)
    if os.path.isfile(p):
        return os.path.dirname(p)
    if os.path.isdir(os.path.join(p, CONFIG_DIR)):
        return os.path.join(p, CONFIG_DIR)
    if os.path.isdir(p):
        return p
    raise ConfigError(f"--config {path}: no such file or directory")


CONFIG_MAX_BYTES = 5 * 1024 * 1024


def read_config_text(path: str) -> str:
    """A configuration, exceptions or rule file's text; a FIFO, a device or a huge file is a ConfigError."""
    from wasec import safe_io
    from wasec.errors import InputError

    try:
        return safe_io.read_text(path, CONFIG_MAX_BYTES)
    except InputError as e:
        raise ConfigError(f"{path}: {e}") from None


def read_yaml(path: str) -> Any:
    import yaml  # most scans have no config file: a one-file scan does not pay for the YAML loader

    text = read_config_text(path)
    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: invalid YAML: {getattr(e, 'problem', e)}") from None


def load_config(start: str = ".", explicit: str | None = None) -> Config:
    """The configuration for a scan of ``start`` (see :func:`find_config_dir`), or of ``explicit`` (--config)."""
    directory = explicit_config_dir(explicit) if explicit else find_config_dir(start)
    cfg = Config(directory=directory)
    if directory is None:
        return cfg
    path = os.path.join(directory, "config.yml")
    if not os.path.exists(path):
        return cfg
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    cfg.raw = data
    cfg.fail_on = data.get("fail_on")
    cfg.inline_ignores = bool(data.get("inline_ignores", True))
    cfg.exclude = [str(x) for x in data.get("exclude") or []]
    cfg.skip_rules = [str(x) for x in data.get("skip_rules") or []]
    rules = data.get("rules") or {}
    if not isinstance(rules, dict):
        raise ConfigError(f"{path}: 'rules' must map rule ids to options")
    cfg.rule_options = {str(k): dict(v or {}) for k, v in rules.items()}
    return cfg
