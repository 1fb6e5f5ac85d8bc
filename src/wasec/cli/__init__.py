"""The ``wasec`` command: a thin layer over the library.

Exit codes CI can trust: 0 clean, 1 findings at or above ``--fail-on``, 2 usage or input errors.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):
        from wasec import __version__

        print(f"wasec {__version__}")
        return
    from wasec.cli.commands import cli

    cli.main(args=args, prog_name="wasec")
