"""The ``wasec`` command: a thin layer over the library.

Exit codes CI can trust, each meaning one thing: 0 clean, 1 findings at or above ``--fail-on``,
2 usage or input errors, 3 an internal error that stopped the run (a wasec bug: never 1).
"""

from __future__ import annotations

import os
import signal
import sys

EXIT_INTERNAL = 3
# optional dependencies, each with the extra that installs it: a missing one is an instruction, not a traceback
EXTRAS = {"boto3": "aws", "botocore": "aws", "moto": "demo", "psycopg": "postgres", "distributed": "dask",
          "dask": "dask", "regopy": "rego", "sigma": "sigma"}


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):
        from wasec import __version__

        print(f"wasec {__version__}")
        return
    import click

    # `wasec scan . | head`: end quietly as Unix tools do, never "exit 1" (findings); servers undo it (long_running)
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        from wasec.cli.commands import cli

        rv = cli.main(args=args, prog_name="wasec", standalone_mode=False)
    except click.ClickException as e:  # usage errors: exit 2
        e.show()
        sys.exit(e.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        print("wasec: interrupted", file=sys.stderr)
        sys.exit(130)
    except ImportError as e:
        extra = EXTRAS.get((e.name or "").split(".")[0])
        if extra is None:
            _internal(f"{type(e).__name__}: {e}")
        print(f"wasec: error: this needs {e.name}, which is not installed: pip install 'wasec[{extra}]'", file=sys.stderr)
        sys.exit(2)
    except MemoryError:
        _internal("ran out of memory (a smaller --max-file-size or --exclude may help)")
    except Exception as e:  # a bug: never a traceback with exit 1, which CI would take for "findings"
        if os.environ.get("WASEC_DEBUG"):
            import traceback

            traceback.print_exc()
        _internal(f"{type(e).__name__}: {e}")
    if isinstance(rv, int):  # --help and --version end here
        sys.exit(rv)


def _internal(what: str) -> None:
    print(f"wasec: internal error: {what}\n"
          "This is a bug in wasec, not a finding. Run again with WASEC_DEBUG=1 for the traceback, and please "
          "report it.", file=sys.stderr)
    sys.exit(EXIT_INTERNAL)
