"""``wasec secrets``: leaked credentials in the working tree, the index (pre-commit) or git history."""

from __future__ import annotations

import sys
from typing import Any

import click

from wasec.cli.shared import (
    EXIT_ERROR,
    check_history,
    cli,
    config_option,
    emit,
    exit_code,
    fail,
    guard,
    history_options,
    output_options,
    save_history,
)


@cli.command("secrets")
@click.argument("path", default=".", type=click.Path(exists=True))
@click.option("--staged", is_flag=True, help="Scan what is staged for the next commit (for a pre-commit hook).")
@click.option("--since", metavar="REF", help="Scan the lines every commit after REF added (e.g. origin/main).")
@click.option("--all-history", is_flag=True, help="Scan the lines every commit of every branch ever added.")
@output_options("Exit 1 when a secret of this severity or higher is found (default: low).")
@click.option("--exclude", "-e", multiple=True, metavar="PATTERN", help="Skip paths matching a glob (repeatable).")
@click.option("--include-vendored", is_flag=True, help="Also scan node_modules, vendor, .venv and the like.")
@click.option("--max-file-size", type=float, default=25.0, show_default=True, metavar="MB",
              help="Skip larger files (each is reported).")
@click.option("--follow-symlinks", is_flag=True, help="Read files through symlinks that lead out of PATH (by default "
                                                     "they are reported and not read).")
@click.option("--baseline", type=click.Path(dir_okay=False), help="Suppress secrets recorded in this baseline file.")
@config_option
@click.option("--workers", type=int, default=0, help="Processes for a working-tree scan (default: one per CPU).")
@history_options("a secret")
@guard
def secrets(path: str, staged: bool, since: str | None, all_history: bool, formats: str, output: str | None,
            output_dir: str | None, fail_on: str | None, **opts: Any) -> None:
    """Find credentials in PATH: cloud keys, tokens, private keys, passwords, connection strings.

    \b
      wasec secrets                     the working tree (git's files, minus what .gitignore ignores)
      wasec secrets --staged            what `git commit` would record (pre-commit)
      wasec secrets --since origin/main what a branch's commits added (pull-request CI)
      wasec secrets --all-history       every line ever committed, removed ones included

    Values are never printed: each finding shows two characters at each end at most, and its
    fingerprint is a hash. Silence a line with `# wasec:ignore secret-<kind> reason`, or record
    today's findings with `wasec baseline write` and fail only on new ones. Exit 0 clean, 1 secrets
    found, 2 an input error.
    """
    from wasec.outputs import parse_formats
    from wasec.scanning import scan_secrets
    from wasec.secrets.files import FileOptions

    if sum(bool(x) for x in (staged, since, all_history)) > 1:
        fail("choose one of --staged, --since and --all-history")
    names = parse_formats(formats)
    mode = "staged" if staged else "history" if (since or all_history) else "tree"
    options = FileOptions(list(opts["exclude"]), opts["include_vendored"], int(opts["max_file_size"] * 1024 * 1024),
                          opts["follow_symlinks"])
    check_history(opts)
    result = scan_secrets(path, mode, since, all_history, options, opts["workers"], opts.get("config_path"))
    if opts.get("baseline"):
        from wasec.findings.baseline import apply

        result.findings = apply(result.findings, opts["baseline"])
    saved = save_history(result, opts, "git-history" if mode == "history" else "secrets", path)
    emit(result, names, output, output_dir, opts)
    sys.exit(exit_code(result, fail_on, opts.get("fail_on_risk")) if saved else EXIT_ERROR)
