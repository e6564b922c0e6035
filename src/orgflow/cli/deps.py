"""`orgflow deps ...`: socio-technical figures from git and the cross-team dependency graph."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from orgflow.cli.context import open_from
from orgflow.cli.options import ColumnsOption, columns_option, now_option
from orgflow.cli.render import Format, render
from orgflow.query.window import parse_day

if TYPE_CHECKING:
    from orgflow.sociotech.service import SocioTechService
    from orgflow.workspace import Workspace

app = typer.Typer(
    help="Ownership, coupling, truck factor, congruence and the cross-team dependency graph.", no_args_is_help=True
)

Repo = Annotated[str | None, typer.Option("--repo", "-r", help="Only this repository (default: all).")]
Level = Annotated[str, typer.Option("--level", "-l", help="file, component or team.")]
Since = Annotated[str | None, typer.Option("--since", help="Commits from this day, YYYY-MM-DD.")]
Until = Annotated[str | None, typer.Option("--until", help="Commits up to this day, inclusive, YYYY-MM-DD.")]
Fmt = Annotated[Format, typer.Option("--format", "-f", help="table, csv or json.")]
Now = Annotated[
    str | None,
    typer.Option("--now", help="The analysis date: files as they exist then (ISO 8601; default: now, i.e. HEAD)."),
]


def _service(workspace: Workspace, **options: Any) -> SocioTechService:
    """The socio-technical figures of `workspace` (the analysis loads here, when a command runs)."""
    from orgflow.sociotech.service import SocioTechService

    return SocioTechService(workspace, **options)


def _days(since: str | None, until: str | None) -> tuple[date | None, date | None]:
    return (
        parse_day(since, field="since") if since else None,
        parse_day(until, field="until") if until else None,
    )


@app.command()
def graph(
    ctx: typer.Context,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", "-k", help="declared, coupling or blocking (repeatable).")
    ] = None,
    group: Annotated[str | None, typer.Option("--group", "-g", help="Only edges touching this group's teams.")] = None,
    nodes: Annotated[bool, typer.Option("--nodes", help="List the teams instead of the edges.")] = False,
    repo: Repo = None,
    since: Since = None,
    until: Until = None,
    fmt: Fmt = Format.table,
    columns: ColumnsOption = None,
) -> None:
    """Cross-team dependency edges with weights and lost flow time. Example: orgflow deps graph --kind blocking"""
    first, last = _days(since, until)
    with open_from(ctx, read_only=True) as workspace:
        service = _service(workspace)
        options = {"kinds": tuple(kind) if kind else None, "group": group, "repo": repo, "since": first, "until": last}
        result = service.dependency_nodes(**options) if nodes else service.dependency_edges(**options)
        render(result, fmt, columns=columns_option(columns))


@app.command()
def coupling(
    ctx: typer.Context,
    repo: Repo = None,
    level: Level = "file",
    since: Since = None,
    until: Until = None,
    min_revs: Annotated[int, typer.Option(help="Minimum mean revisions of a pair.")] = 5,
    min_shared: Annotated[int, typer.Option(help="Minimum shared revisions.")] = 5,
    min_degree: Annotated[int, typer.Option(help="Minimum degree, percent.")] = 30,
    max_changeset: Annotated[int, typer.Option(help="Commits touching more entities are ignored.")] = 30,
    fmt: Fmt = Format.table,
    columns: ColumnsOption = None,
) -> None:
    """Change coupling of files, components or teams. Example: orgflow deps coupling --level component"""
    from orgflow.sociotech.coupling import CouplingThresholds

    first, last = _days(since, until)
    thresholds = CouplingThresholds(min_revs, min_shared, min_degree, max_changeset)
    with open_from(ctx, read_only=True) as workspace:
        service = _service(workspace, thresholds=thresholds)
        render(service.coupling(repo=repo, level=level, since=first, until=last), fmt, columns=columns_option(columns))


@app.command()
def ownership(
    ctx: typer.Context,
    repo: Repo = None,
    level: Level = "file",
    since: Since = None,
    until: Until = None,
    now: Now = None,
    fmt: Fmt = Format.table,
    columns: ColumnsOption = None,
) -> None:
    """Main developer, ownership share and fragmentation. Example: orgflow deps ownership --level team"""
    first, last = _days(since, until)
    with open_from(ctx, read_only=True) as workspace:
        service = _service(workspace, now=now_option(now))
        render(service.ownership(repo=repo, level=level, since=first, until=last), fmt, columns=columns_option(columns))


@app.command("truck-factor")
def truck_factor(
    ctx: typer.Context,
    repo: Repo = None,
    by: Annotated[str, typer.Option("--by", help="repo, component or team.")] = "repo",
    since: Since = None,
    until: Until = None,
    now: Now = None,
    fmt: Fmt = Format.table,
    columns: ColumnsOption = None,
) -> None:
    """Truck factor (Avelino) per repository, component or team. Example: orgflow deps truck-factor --by team"""
    first, last = _days(since, until)
    with open_from(ctx, read_only=True) as workspace:
        service = _service(workspace, now=now_option(now))
        render(service.truck_factor(repo=repo, by=by, since=first, until=last), fmt, columns=columns_option(columns))


@app.command()
def congruence(
    ctx: typer.Context,
    repo: Repo = None,
    level: Level = "component",
    since: Since = None,
    until: Until = None,
    fmt: Fmt = Format.table,
    columns: ColumnsOption = None,
) -> None:
    """Socio-technical congruence and Conway alignment. Example: orgflow deps congruence --level file"""
    first, last = _days(since, until)
    with open_from(ctx, read_only=True) as workspace:
        render(
            _service(workspace).congruence(repo=repo, level=level, since=first, until=last),
            fmt,
            columns=columns_option(columns),
        )


@app.command()
def drift(
    ctx: typer.Context,
    repo: Repo = None,
    since: Since = None,
    until: Until = None,
    fmt: Fmt = Format.table,
    columns: ColumnsOption = None,
) -> None:
    """Declared owner versus the team that changes each component most. Example: orgflow deps drift"""
    first, last = _days(since, until)
    with open_from(ctx, read_only=True) as workspace:
        render(_service(workspace).drift(repo=repo, since=first, until=last), fmt, columns=columns_option(columns))
