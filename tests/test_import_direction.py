"""Modules that work together import in one direction, lazily or not: no circle for a reader to untangle."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "wasec"


def imported(path: Path) -> set[str]:
    """Every wasec module ``path`` imports, at the top or inside a function."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("wasec"):
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("wasec"))
    return out


def test_the_aws_engine_imports_downward() -> None:
    layers = ["runner", "dask_engine", "execute", "units", "collected"]  # each may import only those after it
    for i, name in enumerate(layers):
        mods = imported(SRC / "sources" / "aws" / f"{name}.py")
        above = [m for m in layers[:i + 1] if m != name and f"wasec.sources.aws.{m}" in mods]
        assert not above, f"wasec.sources.aws.{name} imports {above}, which import it"


def test_cli_subcommands_share_through_one_module() -> None:
    subcommands = [p for p in (SRC / "cli").glob("*.py") if p.stem not in ("__init__", "commands", "shared")]
    assert len(subcommands) >= 8
    for p in subcommands:
        mods = imported(p)
        assert not any(m.startswith("wasec.cli.commands") for m in mods), f"{p.name} imports wasec.cli.commands"
        assert not any(m.startswith(f"wasec.cli.{o.stem}") for o in subcommands if o != p for m in mods), \
            f"{p.name} imports another subcommand module"
    assert not any(m.startswith("wasec.cli.commands") for m in imported(SRC / "cli" / "shared.py"))
