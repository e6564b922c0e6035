"""`orgflow dora ...` and `orgflow prs ...`: delivery figures per service, owner team and group.

Same conventions as `orgflow flow`: a window (--since/--until, UTC days, --until inclusive), cuts
(--service, --team, --group), --format table|csv|json and --now to see the figures as of an instant.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from orgflow.cli.context import open_from
from orgflow.cli.option_blocks import OUTPUT, OptionBlock, now_block, parameter, window_block, with_options
from orgflow.cli.render import Format, console, render

if TYPE_CHECKING:
    from orgflow.flow.service import MetricResult
    from orgflow.workspace import Workspace

app = typer.Typer(help="DORA's five metrics: deployments, change lead time, fail rate, recovery, rework.")
prs_app = typer.Typer(help="Pull-request flow: coding, pickup, review and deploy time.", no_args_is_help=True)
app.info.no_args_is_help = True

WINDOW = window_block(
    "Window start, YYYY-MM-DD (default: first deployment).",
    "Window end, inclusive, YYYY-MM-DD (default: the data's last day; with --now, the day before --now).",
)
NOW = now_block("Figures as of this date or instant (ISO 8601, UTC).")
Team = Annotated[str | None, typer.Option("--team", "-t", help="Only services this team owns.")]
Service = Annotated[str | None, typer.Option("--service", "-s", help="Only this service.")]
Repo = Annotated[str | None, typer.Option("--repo", help="Only this repository.")]
Group = Annotated[str | None, typer.Option("--group", "-g", help="Only services of teams in this group (any level).")]
SCOPE = OptionBlock((parameter("service", Service), parameter("team", Team), parameter("group", Group)))
"""--service, --team and --group: the services a figure covers."""
PULLS = OptionBlock((parameter("repo", Repo), parameter("team", Team)))
"""--repo and --team: the pull requests a figure covers."""
CommitTime = Annotated[str, typer.Option("--commit-time", help="authored or committed: when a change starts.")]


def _notes(notes: list[str]) -> None:
    for note in notes:
        console.print(f"[dim]note: {escape(note)}[/dim]", highlight=False)


def _window_notes(result: MetricResult) -> list[str]:
    """Say so when the window ends with the data rather than today (a history that stopped)."""
    if result.params.get("window_end") != "data as of":
        return []
    return [f"the window ends with the data's last day, {result.params['data_as_of'][:10]} (not today); "
            "--until or --now sets another end"]  # fmt: skip


_HEADLINE = (
    "deployments",
    "deploys_per_week",
    "deploy_days_per_week_median",
    "changes",
    "lead_time_p50_hours",
    "lead_time_p85_hours",
    "change_fail_rate",
    "recovery_p50_hours",
    "rework_rate",
    "incidents",
    "small_sample",
    "deploy_frequency_band",
    "lead_time_band",
    "change_fail_band",
    "recovery_band",
    "unknown_reasons",
)


def _headline(result: MetricResult, by: str) -> MetricResult:
    """The summary's headline columns, for a terminal table."""
    from orgflow.flow.service import MetricResult

    keep = [name for name in (by, *_HEADLINE) if name in result.table.column_names]
    return MetricResult(result.metric, result.definition, result.params, result.table.select(keep), result.notes)


def _show(ctx: typer.Context, given: dict[str, Any], figure: Callable[[Workspace, Any, dict[str, Any]], Any]) -> None:
    """Render `figure(workspace, now, scope)` (`scope`: the window and cut options given); in a table, say
    so when its window ends with the data."""
    fmt, columns, now = given.pop("fmt"), given.pop("columns"), given.pop("now")
    with open_from(ctx, read_only=True) as workspace:
        result = figure(workspace, now, given)
    render(result, fmt, columns=columns)
    if fmt is Format.table:
        _notes(_window_notes(result))


@app.command()
@with_options(WINDOW, SCOPE, OUTPUT, NOW)
def summary(
    ctx: typer.Context,
    by: Annotated[str, typer.Option("--by", help="service, team or group.")] = "service",
    commit_time: CommitTime = "committed",
    bands: Annotated[bool, typer.Option("--bands", help="Add DORA 2023 performance band labels.")] = False,
    **shared: Any,
) -> None:
    """DORA's five metrics with sample sizes and link counts. Example: orgflow dora summary --by team"""
    fmt, columns, now = shared.pop("fmt"), shared.pop("columns"), shared.pop("now")
    with open_from(ctx, read_only=True) as workspace:
        result = workspace.delivery_at(now).summary(by=by, commit_time=commit_time, bands=bands, **shared)
    if fmt is Format.table:
        render(result if columns else _headline(result, by), fmt, columns=columns)
        _notes(
            [
                *result.notes,
                "– is a figure the data cannot support (why: under the table); --columns, --format csv or json "
                "give every column (link counts, hotfixes, rollbacks...)",
            ]
        )
    else:
        render(result, fmt, columns=columns)


@app.command()
@with_options(WINDOW, SCOPE, OUTPUT, NOW)
def deployments(ctx: typer.Context, **given: Any) -> None:
    """Every production deployment: new commits, failure and its link, recovery. Example: orgflow dora deployments"""
    _show(ctx, given, lambda workspace, now, scope: workspace.delivery_at(now).deployments(**scope))


@app.command("lead-time")
@with_options(WINDOW, SCOPE, OUTPUT, NOW)
def lead_time(ctx: typer.Context, commit_time: CommitTime = "committed", **given: Any) -> None:
    """Change lead time of every deployed commit. Example: orgflow dora lead-time --service api --format csv"""
    _show(
        ctx, given, lambda workspace, now, scope: workspace.delivery_at(now).lead_time(commit_time=commit_time, **scope)
    )


@app.command()
@with_options(WINDOW, SCOPE, OUTPUT, NOW)
def incidents(ctx: typer.Context, **given: Any) -> None:
    """Incidents with the deployment each is attributed to, and how (explicit, inferred, unlinked).

    Example: orgflow dora incidents --service payments-api
    """
    _show(ctx, given, lambda workspace, now, scope: workspace.delivery_at(now).incidents(**scope))


@app.command("before-first")
@with_options(OUTPUT, NOW)
def before_first(ctx: typer.Context, service: Service = None, **given: Any) -> None:
    """Commits in production before a service's first recorded deployment (never counted as changes).

    Example: orgflow dora before-first --service otel-collector
    """
    _show(ctx, given, lambda workspace, now, _: workspace.delivery_at(now).before_first_deployment(service=service))


@prs_app.command("summary")
@with_options(WINDOW, PULLS, OUTPUT, NOW)
def prs_summary(
    ctx: typer.Context,
    by: Annotated[str | None, typer.Option("--by", help="repo, team or author.")] = "repo",
    **given: Any,
) -> None:
    """Distribution of coding, pickup, review and deploy time. Example: orgflow prs summary --by team"""
    _show(ctx, given, lambda workspace, now, scope: workspace.pull_requests_at(now).summary(by=by, **scope))


@prs_app.command("list")
@with_options(WINDOW, PULLS, OUTPUT, NOW)
def prs_list(ctx: typer.Context, **given: Any) -> None:
    """Every pull request finished in the window with its four stages in hours. Example: orgflow prs list"""
    _show(ctx, given, lambda workspace, now, scope: workspace.pull_requests_at(now).stages(**scope))
