"""``wasec serve``: the live dashboard over the scan history."""

from __future__ import annotations

import os

import click

from wasec.cli.shared import cli, guard, long_running


@cli.command("serve")
@click.option("--db", metavar="URL", help="History database: a SQLite file (default .wasec/history.db) or "
                                          "postgresql://user@host/db.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port (0: any free one).")
@click.option("--token", metavar="TEXT", help="Access token every request must carry (default: $WASEC_SERVE_TOKEN); "
                                              "required off loopback unless --behind-proxy.")
@click.option("--behind-proxy", is_flag=True, help="A proxy in front authenticates every request: serve off "
                                                   "loopback without a token of wasec's own.")
@guard
def serve(db: str | None, host: str, port: int, token: str | None, behind_proxy: bool) -> None:
    """A web dashboard over the saved scans: trend, risk matrix, what is new and fixed, every finding with its
    history — read-only, one process, nothing loaded from the network.

    \b
      wasec scan . --save && wasec serve          then open http://127.0.0.1:8765/
      wasec serve --db postgresql://wasec@db/wasec --host 0.0.0.0 --token "$TOKEN"
    """
    from wasec.dashboard.server import App, check_binding
    from wasec.dashboard.server import serve as run

    token = token or os.environ.get("WASEC_SERVE_TOKEN") or None
    check_binding(host, token, behind_proxy)
    app = App(db, token)
    long_running()
    run(app, host, port, ready=lambda url: click.echo(f"wasec dashboard on {url} (read-only; Ctrl-C stops)",
                                                      err=False))
