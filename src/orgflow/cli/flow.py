"""`orgflow flow ...`: flow metrics of the workspace, cut by team, group, type, value stream and window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated

import typer

from orgflow.cli.context import open_from
from orgflow.cli.render import Format, render
from orgflow.errors import InputError
from orgflow.metrics.service import FlowService, MetricResult
from orgflow.metrics.window import Cut, parse_day

app = typer.Typer(
    help="Flow metrics: lead and cycle time, throughput, WIP, CFD, age, efficiency, stages.", no_args_is_help=True
)

Team = Annotated[str | None, typer.Option("--team", "-t", help="Only this team's items.")]
Group = Annotated[str | None, typer.Option("--group", "-g", help="Only items of teams in this group (any level).")]
ItemType = Annotated[str | None, typer.Option("--type", help="Only this item type or flow type (feature, defect…).")]
Stream = Annotated[str | None, typer.Option("--value-stream", help="Only teams of this value stream.")]
Project = Annotated[str | None, typer.Option("--project", help="Only this project or repository.")]
Since = Annotated[str | None, typer.Option("--since", help="Window start, YYYY-MM-DD (default: first item).")]
Until = Annotated[str | None, typer.Option("--until", help="Window end, inclusive, YYYY-MM-DD (default: now).")]
By = Annotated[
    str | None, typer.Option("--by", help="Group rows by team, group, type, flow_type, project, value_stream.")
]
Fmt = Annotated[Format, typer.Option("--format", "-f", help="table, csv or json.")]
Now = Annotated[
    str | None, typer.Option("--now", help="See the flow as of this date or instant (ISO 8601, UTC if no offset).")
]


def _now(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"not a date or instant ({text!r})", field="--now") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _day(text: str | None, field: str) -> date | None:
    return parse_day(text, field=field) if text else None


def _show(ctx: typer.Context, fmt: Format, now: str | None, compute: Callable[[FlowService], MetricResult]) -> None:
    with open_from(ctx, read_only=False) as workspace:
        render(compute(workspace.metrics_at(_now(now))), fmt)


def _cut(team: str | None, group: str | None, item_type: str | None, stream: str | None, project: str | None) -> Cut:
    return Cut(team=team, group=group, item_type=item_type, value_stream=stream, project=project)


@app.command()
def summary(
    ctx: typer.Context,
    team: Team = None,
    group: Group = None,
    type_: ItemType = None,
    value_stream: Stream = None,
    project: Project = None,
    since: Since = None,
    until: Until = None,
    by: By = None,
    fmt: Fmt = Format.table,
    now: Now = None,
) -> None:
    """Headline figures per team, group or type. Example: orgflow flow summary --by team"""
    cut = _cut(team, group, type_, value_stream, project)
    _show(ctx, fmt, now, lambda s: s.summary(cut=cut, since=_day(since, "since"), until=_day(until, "until"), by=by))


@app.command("lead-time")
def lead_time(
    ctx: typer.Context,
    team: Team = None,
    group: Group = None,
    type_: ItemType = None,
    value_stream: Stream = None,
    project: Project = None,
    since: Since = None,
    until: Until = None,
    fmt: Fmt = Format.table,
    now: Now = None,
    include_cancelled: Annotated[bool, typer.Option(help="Count cancelled items too.")] = False,
) -> None:
    """Lead time (created → finished) of each finished item. Example: orgflow flow lead-time --team AMQ"""
    cut = _cut(team, group, type_, value_stream, project)
    _show(
        ctx,
        fmt,
        now,
        lambda s: s.lead_time(
            cut=cut, since=_day(since, "since"), until=_day(until, "until"), include_cancelled=include_cancelled
        ),
    )


@app.command("cycle-time")
def cycle_time(
    ctx: typer.Context,
    team: Team = None,
    group: Group = None,
    type_: ItemType = None,
    value_stream: Stream = None,
    project: Project = None,
    since: Since = None,
    until: Until = None,
    fmt: Fmt = Format.table,
    now: Now = None,
    include_cancelled: Annotated[bool, typer.Option(help="Count cancelled items too.")] = False,
) -> None:
    """Cycle time (started → finished) of each finished item. Example: orgflow flow cycle-time --since 2024-01-01"""
    cut = _cut(team, group, type_, value_stream, project)
    _show(
        ctx,
        fmt,
        now,
        lambda s: s.cycle_time(
            cut=cut, since=_day(since, "since"), until=_day(until, "until"), include_cancelled=include_cancelled
        ),
    )


@app.command()
def throughput(
    ctx: typer.Context,
    team: Team = None,
    group: Group = None,
    type_: ItemType = None,
    value_stream: Stream = None,
    project: Project = None,
    since: Since = None,
    until: Until = None,
    by: By = None,
    fmt: Fmt = Format.table,
    now: Now = None,
    period: Annotated[str, typer.Option(help="day, week or month.")] = "week",
) -> None:
    """Items finished and started per period, and net flow. Example: orgflow flow throughput --period month"""
    cut = _cut(team, group, type_, value_stream, project)
    _show(
        ctx,
        fmt,
        now,
        lambda s: s.throughput(cut=cut, since=_day(since, "since"), until=_day(until, "until"), period=period, by=by),
    )


@app.command()
def wip(
    ctx: typer.Context,
    team: Team = None,
    group: Group = None,
    type_: ItemType = None,
    value_stream: Stream = None,
    project: Project = None,
    since: Since = None,
    until: Until = None,
    by: By = None,
    fmt: Fmt = Format.table,
    now: Now = None,
) -> None:
    """Work in progress at the end of each day. Example: orgflow flow wip --team payments --since 2024-06-01"""
    cut = _cut(team, group, type_, value_stream, project)
    _show(ctx, fmt, now, lambda s: s.wip(cut=cut, since=_day(since, "since"), until=_day(until, "until"), by=by))


@app.command()
def cfd(
    ctx: typer.Context,
    team: Team = None,
    group: Group = None,
    type_: ItemType = None,
    value_stream: Stream = None,
    project: Project = None,
    since: Since = None,
    until: Until = None,
    fmt: Fmt = Format.table,
    now: Now = None,
) -> None:
    """Cumulative flow per day and stage. Example: orgflow flow cfd --team payments --format json"""
    cut = _cut(team, group, type_, value_stream, project)
    _show(ctx, fmt, now, lambda s: s.cfd(cut=cut, since=_day(since, "since"), until=_day(until, "until")))


@app.command()
def age(
    ctx: typer.Context,
    team: Team = None,
    group: Group = None,
    type_: ItemType = None,
    value_stream: Stream = None,
    project: Project = None,
    fmt: Fmt = Format.table,
    now: Now = None,
) -> None:
    """Age of every started, unfinished item against its team's SLE. Example: orgflow flow age --team payments"""
    cut = _cut(team, group, type_, value_stream, project)
    _show(ctx, fmt, now, lambda s: s.age(cut=cut))


@app.command()
def efficiency(
    ctx: typer.Context,
    team: Team = None,
    group: Group = None,
    type_: ItemType = None,
    value_stream: Stream = None,
    project: Project = None,
    since: Since = None,
    until: Until = None,
    by: By = None,
    fmt: Fmt = Format.table,
    now: Now = None,
    per_item: Annotated[bool, typer.Option("--per-item", help="One row per item.")] = False,
) -> None:
    """Flow efficiency: active time / cycle time. Example: orgflow flow efficiency --by team"""
    cut = _cut(team, group, type_, value_stream, project)
    _show(
        ctx,
        fmt,
        now,
        lambda s: s.efficiency(
            cut=cut, since=_day(since, "since"), until=_day(until, "until"), by=by, per_item=per_item
        ),
    )


@app.command()
def distribution(
    ctx: typer.Context,
    team: Team = None,
    group: Group = None,
    type_: ItemType = None,
    value_stream: Stream = None,
    project: Project = None,
    since: Since = None,
    until: Until = None,
    fmt: Fmt = Format.table,
    now: Now = None,
) -> None:
    """Share of features, defects, risks and debt, finished and in progress. Example: orgflow flow distribution"""
    cut = _cut(team, group, type_, value_stream, project)
    _show(ctx, fmt, now, lambda s: s.distribution(cut=cut, since=_day(since, "since"), until=_day(until, "until")))


@app.command()
def stages(
    ctx: typer.Context,
    team: Team = None,
    group: Group = None,
    type_: ItemType = None,
    value_stream: Stream = None,
    project: Project = None,
    since: Since = None,
    until: Until = None,
    by: By = None,
    fmt: Fmt = Format.table,
    now: Now = None,
    level: Annotated[str, typer.Option(help="stage or phase.")] = "stage",
) -> None:
    """Where flow time goes: time per stage or phase. Example: orgflow flow stages --level phase"""
    cut = _cut(team, group, type_, value_stream, project)
    _show(
        ctx,
        fmt,
        now,
        lambda s: s.stages(cut=cut, since=_day(since, "since"), until=_day(until, "until"), level=level, by=by),
    )


@app.command()
def items(
    ctx: typer.Context,
    team: Team = None,
    group: Group = None,
    type_: ItemType = None,
    value_stream: Stream = None,
    project: Project = None,
    since: Since = None,
    until: Until = None,
    fmt: Fmt = Format.table,
    now: Now = None,
    stage: Annotated[str | None, typer.Option(help="Only items now in this stage.")] = None,
    state: Annotated[str | None, typer.Option(help="open or finished.")] = None,
) -> None:
    """The items behind the figures. Example: orgflow flow items --team payments --state open"""
    cut = _cut(team, group, type_, value_stream, project)
    _show(
        ctx,
        fmt,
        now,
        lambda s: s.items(cut=cut, since=_day(since, "since"), until=_day(until, "until"), stage=stage, state=state),
    )


@app.command()
def sle(
    ctx: typer.Context,
    team: Team = None,
    group: Group = None,
    type_: ItemType = None,
    value_stream: Stream = None,
    project: Project = None,
    fmt: Fmt = Format.table,
    now: Now = None,
) -> None:
    """Service level expectation (p85 cycle time of the last 50 items). Example: orgflow flow sle"""
    cut = _cut(team, group, type_, value_stream, project)
    _show(ctx, fmt, now, lambda s: s.sle(cut=cut))


@app.command()
def blocked(
    ctx: typer.Context,
    team: Team = None,
    group: Group = None,
    type_: ItemType = None,
    value_stream: Stream = None,
    project: Project = None,
    since: Since = None,
    until: Until = None,
    fmt: Fmt = Format.table,
    now: Now = None,
) -> None:
    """Time items spent blocked (flag, blocked stage, cross-team links). Example: orgflow flow blocked"""
    cut = _cut(team, group, type_, value_stream, project)
    _show(ctx, fmt, now, lambda s: s.blocked(cut=cut, since=_day(since, "since"), until=_day(until, "until")))


@app.command("littles-law")
def littles_law(
    ctx: typer.Context,
    team: Team = None,
    group: Group = None,
    type_: ItemType = None,
    value_stream: Stream = None,
    project: Project = None,
    since: Since = None,
    until: Until = None,
    fmt: Fmt = Format.table,
    now: Now = None,
) -> None:
    """Little's law check with stability conditions. Example: orgflow flow littles-law --since 2024-01-01"""
    cut = _cut(team, group, type_, value_stream, project)
    _show(ctx, fmt, now, lambda s: s.littles_law(cut=cut, since=_day(since, "since"), until=_day(until, "until")))
