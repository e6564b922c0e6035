"""`orgflow serve` (the web dashboard) and `orgflow report` (a single-file HTML report)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from orgflow.cli.context import require_workspace
from orgflow.cli.render import console
from orgflow.errors import InputError
from orgflow.query.window import parse_day
from orgflow.views.lanes import MAX_LANES


def register(app: typer.Typer) -> None:
    """Add `serve` and `report` to the root app."""
    app.command()(serve)
    app.command()(report)


NowOption = Annotated[
    str | None,
    typer.Option("--now", help="Show the flow as of this date or instant (ISO 8601, UTC if no offset)."),
]


def _check_port(host: str, port: int) -> None:
    import socket  # with `serve`, not with every command's start

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise InputError(
                f"cannot listen on {host}:{port} ({error.strerror})", field="--port", hint="pass another --port"
            ) from None


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    now: NowOption = None,
    warm: Annotated[bool, typer.Option("--warm/--no-warm", help="Compute the default views at start-up.")] = True,
    lanes: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=MAX_LANES,
            help=f"Connections that answer flow figures at once (default: one per core, at most {MAX_LANES}); "
            "each holds its own copy of the prepared figures in memory (about 200 MB per 100,000 items).",
        ),
    ] = None,
) -> None:
    """Serve the web dashboard and JSON API over the workspace (read-only). Example: orgflow serve --port 8000"""
    directory = require_workspace(ctx)  # a missing workspace is an error before anything loads
    import uvicorn

    from orgflow.views.filters import parse_now
    from orgflow.web.app import create_app
    from orgflow.workspace import open_workspace

    open_workspace(directory, read_only=True).close()  # nor can a store that does not open start a server
    instant = parse_now(now)
    _check_port(host, port)
    app = create_app(directory, now=instant, warm=warm, lanes=lanes)
    shown = escape(f"[{host}]" if ":" in host else host)
    console.print(
        f"orgflow dashboard of [bold]{escape(str(directory.resolve()))}[/bold] at [bold]http://{shown}:{port}/[/bold] "
        "(JSON API under /api/, schema at /api/openapi.json; Ctrl+C stops it)",
        highlight=False,
        soft_wrap=True,
    )
    # On Ctrl+C or SIGTERM, uvicorn runs the shutdown handlers, then re-raises the signal: closing the hub
    # there drops the snapshot lease, so writers stop publishing for this server.
    app.router.add_event_handler("shutdown", app.state.hub.close)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def report(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")] = Path(
        "orgflow-report.html"
    ),
    window: Annotated[str | None, typer.Option(help="30, 90 (default) or 180 days, or all.")] = None,
    since: Annotated[str | None, typer.Option(help="Window start, YYYY-MM-DD (with --until: a custom window).")] = None,
    until: Annotated[str | None, typer.Option(help="Window end, inclusive, YYYY-MM-DD.")] = None,
    item_type: Annotated[str | None, typer.Option("--type", help="Only this item type or flow type.")] = None,
    now: NowOption = None,
) -> None:
    """Write one self-contained HTML file (inline CSS, charts as SVG) of the org, clusters and teams.
    Example: orgflow report -o flow.html"""
    directory = require_workspace(ctx)  # a missing workspace is an error before anything loads
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from orgflow.report import build_report
    from orgflow.views.filters import parse_now

    since_day: date | None = parse_day(since, field="--since") if since else None
    until_day: date | None = parse_day(until, field="--until") if until else None
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("building the report", total=None)

        def on_progress(done: int, total: int | None, what: str) -> None:
            progress.update(task, completed=done, total=total, description=f"report: {what}")

        written = build_report(
            directory,
            output,
            now=parse_now(now),
            window=window,
            since=since_day,
            until=until_day,
            item_type=item_type,
            on_progress=on_progress,
        )
    size = written.stat().st_size
    console.print(f"report written to [bold]{escape(str(written))}[/bold] ({size / 1_048_576:.1f} MB, opens offline)")
