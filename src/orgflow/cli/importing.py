"""`orgflow import ...`: load saved exports into the workspace, one transaction per command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from orgflow.cli.context import open_from
from orgflow.cli.render import console
from orgflow.errors import InputError
from orgflow.store import ImportCounts

app = typer.Typer(help="Load saved exports (Jira, GitHub, a transitions CSV) into the workspace.", no_args_is_help=True)

PathsArgument = Annotated[list[Path], typer.Argument(help="Files or folders to import.")]
StrictOption = Annotated[bool, typer.Option("--strict-statuses", help="Fail on a status that no workflow stage lists.")]


def _run(ctx: typer.Context, kind: str, paths: list[Path], options: dict[str, Any]) -> None:
    with (
        open_from(ctx) as workspace,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task(f"reading {kind}", total=None)

        def on_progress(done: int, total: int | None, what: str) -> None:
            progress.update(task, completed=done, total=total, description=f"reading {what}")

        counts = workspace.import_files(kind, paths, options=options, on_progress=on_progress)
    _report(kind, counts)


def _report(kind: str, counts: ImportCounts) -> None:
    parts = [
        f"{table} {new} new, {changed} changed, {unchanged} unchanged"
        for table, (new, changed, unchanged) in counts.by_table.items()
    ]
    console.print(f"imported {kind}: " + "; ".join(parts))


@app.command()
def jira(ctx: typer.Context, paths: PathsArgument, strict_statuses: StrictOption = False) -> None:
    """Jira REST issue JSON (.json, .jsonl, .gz, folders, search responses). Example: orgflow import jira export.json"""
    _run(ctx, "jira", paths, {"strict_statuses": strict_statuses})


@app.command()
def github(
    ctx: typer.Context,
    paths: PathsArgument,
    repo: Annotated[str | None, typer.Option(help="owner/name, if the issues do not say.")] = None,
    strict_statuses: StrictOption = False,
) -> None:
    """GitHub REST issues with their events or timeline. Example: orgflow import github issues.json --repo org/app"""
    options: dict[str, Any] = {"strict_statuses": strict_statuses}
    if repo:
        options["repo"] = repo
    _run(ctx, "github", paths, options)


def _pairs(values: list[str], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        if "=" not in value:
            raise InputError(f"expected column=value, got {value!r}", field=option)
        key, _, right = value.partition("=")
        pairs[key.strip()] = right.strip()
    return pairs


@app.command()
def transitions(
    ctx: typer.Context,
    paths: PathsArgument,
    map_: Annotated[list[str], typer.Option("--map", help="Rename a CSV column: column=field.")] = [],  # noqa: B006
    where: Annotated[list[str], typer.Option(help="Keep rows where column=value.")] = [],  # noqa: B006
    project: Annotated[str | None, typer.Option(help="Project (team) when the CSV has no team column.")] = None,
    source: Annotated[str, typer.Option(help="Source name the items are stored under.")] = "csv",
    strict_statuses: StrictOption = False,
) -> None:
    """A CSV of status changes (item_id, timestamp, from_status, to_status [, team, type, created, title]).

    Example: orgflow import transitions keps.csv --map kep_id=item_id --map owning_sig=team --where field=status
    """
    options: dict[str, Any] = {
        "map": _pairs(map_, "--map"),
        "where": _pairs(where, "--where"),
        "source": source,
        "strict_statuses": strict_statuses,
    }
    if project:
        options["project"] = project
    _run(ctx, "transitions", paths, options)
