"""`orgflow dora ...` and `orgflow prs ...`: delivery figures per service, owner team and group.

Same conventions as `orgflow flow`: a window (--since/--until, UTC days, --until inclusive), cuts
(--service, --team, --group), --format table|csv|json and --now to see the figures as of an instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from orgflow.cli.context import open_from
from orgflow.cli.options import ColumnsOption, columns_option, day_option, now_option
from orgflow.cli.render import Format, console, render

if TYPE_CHECKING:
    from orgflow.flow.service import MetricResult

app = typer.Typer(help="DORA's five metrics: deployments, change lead time, fail rate, recovery, rework.")
prs_app = typer.Typer(help="Pull-request flow: coding, pickup, review and deploy time.", no_args_is_help=True)
app.info.no_args_is_help = True

Since = Annotated[str | None, typer.Option("--since", help="Window start, YYYY-MM-DD (default: first deployment).")]
Until = Annotated[
    str | None,
    typer.Option(
        "--until",
        help="Window end, inclusive, YYYY-MM-DD (default: the data's last day; with --now, the day before --now).",
    ),
]
Service = Annotated[str | None, typer.Option("--service", "-s", help="Only this service.")]
Team = Annotated[str | None, typer.Option("--team", "-t", help="Only services this team owns.")]
Group = Annotated[str | None, typer.Option("--group", "-g", help="Only services of teams in this group (any level).")]
Fmt = Annotated[Format, typer.Option("--format", "-f", help="table, csv or json.")]
Now = Annotated[str | None, typer.Option("--now", help="Figures as of this date or instant (ISO 8601, UTC).")]
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


@app.command()
def summary(
    ctx: typer.Context,
    by: Annotated[str, typer.Option("--by", help="service, team or group.")] = "service",
    since: Since = None,
    until: Until = None,
    service: Service = None,
    team: Team = None,
    group: Group = None,
    commit_time: CommitTime = "committed",
    bands: Annotated[bool, typer.Option("--bands", help="Add DORA 2023 performance band labels.")] = False,
    fmt: Fmt = Format.table,
    columns: ColumnsOption = None,
    now: Now = None,
) -> None:
    """DORA's five metrics with sample sizes and link counts. Example: orgflow dora summary --by team"""
    with open_from(ctx, read_only=True) as workspace:
        result = workspace.delivery_at(now_option(now)).summary(
            by=by,
            since=day_option(since, "since"),
            until=day_option(until, "until"),
            service=service,
            team=team,
            group=group,
            commit_time=commit_time,
            bands=bands,
        )
    chosen = columns_option(columns)
    if fmt is Format.table:
        render(result if chosen else _headline(result, by), fmt, columns=chosen)
        _notes(
            [
                *result.notes,
                "– is a figure the data cannot support (why: under the table); --columns, --format csv or json "
                "give every column (link counts, hotfixes, rollbacks...)",
            ]
        )
    else:
        render(result, fmt, columns=chosen)


@app.command()
def deployments(
    ctx: typer.Context,
    since: Since = None,
    until: Until = None,
    service: Service = None,
    team: Team = None,
    group: Group = None,
    fmt: Fmt = Format.table,
    columns: ColumnsOption = None,
    now: Now = None,
) -> None:
    """Every production deployment: new commits, failure and its link, recovery. Example: orgflow dora deployments"""
    with open_from(ctx, read_only=True) as workspace:
        result = workspace.delivery_at(now_option(now)).deployments(
            since=day_option(since, "since"), until=day_option(until, "until"), service=service, team=team, group=group
        )
    render(result, fmt, columns=columns_option(columns))
    if fmt is Format.table:
        _notes(_window_notes(result))


@app.command("lead-time")
def lead_time(
    ctx: typer.Context,
    since: Since = None,
    until: Until = None,
    service: Service = None,
    team: Team = None,
    group: Group = None,
    commit_time: CommitTime = "committed",
    fmt: Fmt = Format.table,
    columns: ColumnsOption = None,
    now: Now = None,
) -> None:
    """Change lead time of every deployed commit. Example: orgflow dora lead-time --service api --format csv"""
    with open_from(ctx, read_only=True) as workspace:
        result = workspace.delivery_at(now_option(now)).lead_time(
            since=day_option(since, "since"),
            until=day_option(until, "until"),
            service=service,
            team=team,
            group=group,
            commit_time=commit_time,
        )
    render(result, fmt, columns=columns_option(columns))
    if fmt is Format.table:
        _notes(_window_notes(result))


@app.command()
def incidents(
    ctx: typer.Context,
    since: Since = None,
    until: Until = None,
    service: Service = None,
    team: Team = None,
    group: Group = None,
    fmt: Fmt = Format.table,
    columns: ColumnsOption = None,
    now: Now = None,
) -> None:
    """Incidents with the deployment each is attributed to, and how (explicit, inferred, unlinked).

    Example: orgflow dora incidents --service payments-api
    """
    with open_from(ctx, read_only=True) as workspace:
        result = workspace.delivery_at(now_option(now)).incidents(
            since=day_option(since, "since"), until=day_option(until, "until"), service=service, team=team, group=group
        )
    render(result, fmt, columns=columns_option(columns))
    if fmt is Format.table:
        _notes(_window_notes(result))


@app.command("before-first")
def before_first(
    ctx: typer.Context,
    service: Service = None,
    fmt: Fmt = Format.table,
    columns: ColumnsOption = None,
    now: Now = None,
) -> None:
    """Commits in production before a service's first recorded deployment (never counted as changes).

    Example: orgflow dora before-first --service otel-collector
    """
    with open_from(ctx, read_only=True) as workspace:
        result = workspace.delivery_at(now_option(now)).before_first_deployment(service=service)
    render(result, fmt, columns=columns_option(columns))


@prs_app.command("summary")
def prs_summary(
    ctx: typer.Context,
    by: Annotated[str | None, typer.Option("--by", help="repo, team or author.")] = "repo",
    since: Since = None,
    until: Until = None,
    repo: Annotated[str | None, typer.Option("--repo", help="Only this repository.")] = None,
    team: Team = None,
    fmt: Fmt = Format.table,
    columns: ColumnsOption = None,
    now: Now = None,
) -> None:
    """Distribution of coding, pickup, review and deploy time. Example: orgflow prs summary --by team"""
    with open_from(ctx, read_only=True) as workspace:
        result = workspace.pull_requests_at(now_option(now)).summary(
            by=by, since=day_option(since, "since"), until=day_option(until, "until"), repo=repo, team=team
        )
    render(result, fmt, columns=columns_option(columns))
    if fmt is Format.table:
        _notes(_window_notes(result))


@prs_app.command("list")
def prs_list(
    ctx: typer.Context,
    since: Since = None,
    until: Until = None,
    repo: Annotated[str | None, typer.Option("--repo", help="Only this repository.")] = None,
    team: Team = None,
    fmt: Fmt = Format.table,
    columns: ColumnsOption = None,
    now: Now = None,
) -> None:
    """Every pull request finished in the window with its four stages in hours. Example: orgflow prs list"""
    with open_from(ctx, read_only=True) as workspace:
        result = workspace.pull_requests_at(now_option(now)).stages(
            since=day_option(since, "since"), until=day_option(until, "until"), repo=repo, team=team
        )
    render(result, fmt, columns=columns_option(columns))
    if fmt is Format.table:
        _notes(_window_notes(result))
