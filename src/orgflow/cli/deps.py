"""`orgflow deps ...`: socio-technical figures from git and the cross-team dependency graph."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from orgflow.cli.context import open_from
from orgflow.cli.option_blocks import OUTPUT, now_block, window_block, with_options
from orgflow.cli.render import render

if TYPE_CHECKING:
    from orgflow.flow.service import MetricResult
    from orgflow.sociotech.service import SocioTechService

app = typer.Typer(
    help="Ownership, coupling, truck factor, congruence and the cross-team dependency graph.", no_args_is_help=True
)

Repo = Annotated[str | None, typer.Option("--repo", "-r", help="Only this repository (default: all).")]
Level = Annotated[str, typer.Option("--level", "-l", help="file, component or team.")]
COMMITS = window_block("Commits from this day, YYYY-MM-DD.", "Commits up to this day, inclusive, YYYY-MM-DD.")
NOW = now_block("The analysis date: files as they exist then (ISO 8601; default: now, i.e. HEAD).")
Figure = Callable[["SocioTechService", dict[str, Any]], "MetricResult"]
"""A command's figure: the service and the --since/--until window in, a result out."""


def _show(ctx: typer.Context, given: dict[str, Any], figure: Figure, **settings: Any) -> None:
    """Render `figure(service, window)`: the socio-technical service as of --now (if the command takes it)
    with `settings`, and the --since/--until window; the analysis loads here, when a command runs."""
    fmt, columns, now = given.pop("fmt"), given.pop("columns"), given.pop("now", None)
    with open_from(ctx, read_only=True) as workspace:
        render(figure(workspace.sociotech_at(now, **settings), given), fmt, columns=columns)


@app.command()
@with_options(COMMITS, OUTPUT)
def graph(
    ctx: typer.Context,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", "-k", help="declared, coupling or blocking (repeatable).")
    ] = None,
    group: Annotated[str | None, typer.Option("--group", "-g", help="Only edges touching this group's teams.")] = None,
    nodes: Annotated[bool, typer.Option("--nodes", help="List the teams instead of the edges.")] = False,
    repo: Repo = None,
    **given: Any,
) -> None:
    """Cross-team dependency edges with weights and lost flow time. Example: orgflow deps graph --kind blocking"""

    def figure(service: SocioTechService, window: dict[str, Any]) -> MetricResult:
        options = {"kinds": tuple(kind) if kind else None, "group": group, "repo": repo, **window}
        return service.dependency_nodes(**options) if nodes else service.dependency_edges(**options)

    _show(ctx, given, figure)


@app.command()
@with_options(COMMITS, OUTPUT)
def coupling(
    ctx: typer.Context,
    repo: Repo = None,
    level: Level = "file",
    min_revs: Annotated[int, typer.Option(help="Minimum mean revisions of a pair.")] = 5,
    min_shared: Annotated[int, typer.Option(help="Minimum shared revisions.")] = 5,
    min_degree: Annotated[int, typer.Option(help="Minimum degree, percent.")] = 30,
    max_changeset: Annotated[int, typer.Option(help="Commits touching more entities are ignored.")] = 30,
    **given: Any,
) -> None:
    """Change coupling of files, components or teams. Example: orgflow deps coupling --level component"""
    from orgflow.sociotech.coupling import CouplingThresholds

    thresholds = CouplingThresholds(min_revs, min_shared, min_degree, max_changeset)
    _show(ctx, given, lambda service, window: service.coupling(repo=repo, level=level, **window), thresholds=thresholds)


@app.command()
@with_options(COMMITS, NOW, OUTPUT)
def ownership(ctx: typer.Context, repo: Repo = None, level: Level = "file", **given: Any) -> None:
    """Main developer, ownership share and fragmentation. Example: orgflow deps ownership --level team"""
    _show(ctx, given, lambda service, window: service.ownership(repo=repo, level=level, **window))


@app.command("truck-factor")
@with_options(COMMITS, NOW, OUTPUT)
def truck_factor(
    ctx: typer.Context,
    repo: Repo = None,
    by: Annotated[str, typer.Option("--by", help="repo, component or team.")] = "repo",
    **given: Any,
) -> None:
    """Truck factor (Avelino) per repository, component or team. Example: orgflow deps truck-factor --by team"""
    _show(ctx, given, lambda service, window: service.truck_factor(repo=repo, by=by, **window))


@app.command()
@with_options(COMMITS, OUTPUT)
def congruence(ctx: typer.Context, repo: Repo = None, level: Level = "component", **given: Any) -> None:
    """Socio-technical congruence and Conway alignment. Example: orgflow deps congruence --level file"""
    _show(ctx, given, lambda service, window: service.congruence(repo=repo, level=level, **window))


@app.command()
@with_options(COMMITS, OUTPUT)
def drift(ctx: typer.Context, repo: Repo = None, **given: Any) -> None:
    """Declared owner versus the team that changes each component most. Example: orgflow deps drift"""
    _show(ctx, given, lambda service, window: service.drift(repo=repo, **window))
