"""`orgflow sync [NAME]`: pull the live sources of orgflow.yaml into the workspace, incrementally."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from orgflow.cli.context import open_from, require_workspace
from orgflow.cli.render import console

if TYPE_CHECKING:
    from rich.progress import TaskID

    from orgflow.sources.connectors.sync import SyncSummary


def sync(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="One source of orgflow.yaml; default: all of them.")] = None,
    full: Annotated[
        bool, typer.Option("--full", help="Ignore the cursors and re-read every item (after a mapping change).")
    ] = False,
) -> None:
    """Pull Jira, GitHub and GitLab sources incrementally; resumes after a crash. Example: orgflow sync apache"""
    require_workspace(ctx)  # said before the connectors and the store load
    # Rich's progress bar loads with the command, not with every command's start.
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from orgflow.sources.connectors.settings import read_sources
    from orgflow.sources.connectors.sync import sync_all

    with open_from(ctx) as workspace:
        sources = read_sources(workspace.config_path)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            tasks: dict[str, TaskID] = {}

            def on_progress(done: int, total: int | None, what: str) -> None:
                if what not in tasks:
                    tasks[what] = progress.add_task(f"syncing {what}", total=total)
                progress.update(tasks[what], completed=done, total=total)

            summaries = sync_all(
                workspace.store, workspace.config, sources, name=name, full=full, on_progress=on_progress
            )
            # Once for the whole sync rather than per written page; a sync killed before this point
            # leaves the stored facts stale, which only makes the next queries build their own.
            progress.add_task("updating the stored flow facts", total=None)
            workspace.refresh_facts()
    for summary in summaries:
        _report(summary)


def _report(summary: SyncSummary) -> None:
    console.print(
        escape(f"{summary.line()}; {summary.requests} requests ({summary.retries} retried) in {summary.seconds:.1f} s"),
        highlight=False,
    )
