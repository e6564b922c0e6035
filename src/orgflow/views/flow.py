"""A cluster's or a team's flow page: its card, its teams' cards (a cluster's) and its flow charts.

Every figure comes from the hub (`Context.compute`), every chart spec from `orgflow.charts`; a view
only picks and orders them. The web pages and the static report render the same views.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import pyarrow.compute as pc

from orgflow import charts
from orgflow.errors import InputError, NotFoundError
from orgflow.flow.blocked_recorded import blocked_caption
from orgflow.flow.browse import Group
from orgflow.flow.no_items import says_no_items
from orgflow.flow.service import MetricResult
from orgflow.flow.summary import PERCENTILES
from orgflow.views.cards import Card, make_card
from orgflow.views.context import Chart, Context, single
from orgflow.views.notes import page_notes, result_notes
from orgflow.views.organization import rank_by_flags, summaries_now_and_before, team_cards, team_detail
from orgflow.views.summary import SummaryFigure, summary_figures

NO_ITEMS_CAPTION = "No work items are loaded: nothing to draw (see the notes)."
"""What each flow chart of a workspace without work items says instead of a count of 0."""


@dataclass
class FlowView:
    """A cluster's or a team's page: its card, its teams' cards (clusters) and its flow charts."""

    group: Group
    kind: str
    breadcrumbs: list[Group]
    card: Card
    teams: list[Card]
    charts: list[Chart]
    summary: MetricResult | None
    note: str | None
    now: datetime
    last_active: LastActive | None = None
    notes: list[str] = field(default_factory=list)
    """The notes of the figures the page shows, each once (`orgflow.views.notes`): its summary's, its
    teams' cards' and its charts'."""

    @property
    def figures(self) -> list[SummaryFigure]:
        """The summary row as a table: lead and cycle time percentiles, throughput, efficiency."""
        return summary_figures(single(self.summary) if self.summary is not None else None)


@dataclass(frozen=True)
class LastActive:
    """Where a team's work went quiet: the day its last item finished and a link to the window ending there."""

    day: date
    href: str


def _last_active(context: Context, team_id: str, row: dict[str, Any] | None) -> LastActive | None:
    """For a team with nothing finished in the window: its last finish before the window's end, so the page
    can offer that window instead of a row of zeros (a history that ended years ago is not a dead team)."""
    filters = context.filters
    if row is None or row.get("finished") or filters.until is None:
        return None
    cut = replace(filters, team=team_id).cut(phase=False)
    try:
        finished = context.compute("cycle_time", cut=cut, since=None, until=filters.until).table
    except InputError as error:
        if error.field != "since":
            raise
        return None  # the team's data starts after the window's end: nothing of it finished by then
    if not finished.num_rows:
        return None
    last = pc.max(finished["finished_at"]).as_py()
    if last is None:
        return None
    day = last.date()
    length = filters.window_days() or 90
    return LastActive(day, f"/teams/{team_id}" + filters.query(since=day - timedelta(days=length - 1), until=day))


def _percentiles(row: dict[str, Any] | None) -> dict[int, float | None]:
    if not row:
        return {}
    return {p: row.get(f"cycle_time_p{p}") for p in PERCENTILES}


def _flow_charts(context: Context, *, scope: dict[str, str], summary_row: dict[str, Any] | None) -> list[Chart]:
    """The flow charts of one cut (`scope`: {"team": id} or {"group": id})."""
    filters = replace(context.filters, **{key: value for key, value in scope.items()})
    # The page's phase narrows the aging and time-per-stage charts (`orgflow.flow.phases`); the others
    # show the cut's whole flow (the CFD's bands stack to every item that arrived).
    cut, whole, window = filters.cut(), filters.cut(phase=False), context.window(filters)
    link = context.link(**scope)
    order = [stage.stage for stage in context.stages]
    colors = charts.stage_colors([(stage.stage, stage.category) for stage in context.stages])
    percentiles = _percentiles(summary_row)
    found: list[Chart] = []
    cfd = context.compute("cfd", cut=whole, **window)
    found.append(
        Chart(
            "cfd",
            charts.cfd_chart(cfd, colors=colors, link=link),
            "Items that reached each stage by the end of each day; a band's height is the items in that stage "
            "(the last stage counts from the window's start).",
            wide=True,
            notes=tuple(result_notes(cfd)),
        )
    )
    cycle = context.compute("cycle_time", cut=whole, **window)
    found.append(
        Chart(
            "cycle-time",
            charts.cycle_time_chart(cycle, percentiles=percentiles, link=link),
            _cycle_caption(cycle),
            notes=tuple(result_notes(cycle)),
        )
    )
    age = context.compute("age", cut=cut)
    found.append(
        Chart(
            "aging",
            charts.aging_chart(age, percentiles=percentiles, stage_order=order, link=link),
            f"{age.table.num_rows} {'item' if age.table.num_rows == 1 else 'items'} in progress now, by stage, "
            "over the window's cycle-time percentiles; "
            "red points are past their team's SLE.",
            notes=tuple(result_notes(age)),
        )
    )
    throughput = context.compute("throughput", cut=whole, period="week", **window)
    found.append(
        Chart(
            "throughput",
            charts.throughput_chart(throughput, link=link),
            "Items finished and started per week.",
            notes=tuple(result_notes(throughput)),
        )
    )
    wip = context.compute("wip", cut=whole, **window)
    found.append(
        Chart(
            "wip",
            charts.wip_chart(wip, link=link),
            "Items started and not finished at the end of each day.",
            notes=tuple(result_notes(wip)),
        )
    )
    stages = context.compute("stages", cut=cut, level="stage", **window)
    found.append(
        Chart(
            "stages",
            charts.stage_time_chart(stages, catalog=context.catalog, link=link),
            "Days finished items spent in each stage (all visits added up).",
            notes=tuple(result_notes(stages)),
        )
    )
    distribution = context.compute("distribution", cut=whole, **window)
    found.append(
        Chart(
            "distribution",
            charts.distribution_chart(distribution, link=link),
            "Share of features, defects, risks and debt among finished items and work in progress.",
            notes=tuple(result_notes(distribution)),
        )
    )
    blocked = context.compute("blocked", cut=whole, **window)
    found.append(
        Chart(
            "blocked",
            charts.blocked_chart(blocked, link=link),
            blocked_caption(blocked) or f"{blocked.table.num_rows} items were blocked while in progress in the window.",
            notes=tuple(result_notes(blocked)),
        )
    )
    if says_no_items(summary_row):
        # No work items at all: the days and weeks of zeros these charts would draw are not a measurement.
        return [
            replace(chart, spec={**chart.spec, "data": {"values": []}}, caption=NO_ITEMS_CAPTION) for chart in found
        ]
    return found


def _cycle_caption(cycle: MetricResult) -> str:
    """How many finished items the cycle-time chart shows, and how many it leaves out for want of a start."""
    finished = cycle.table.num_rows
    skipped = 0
    if "skipped_start" in cycle.table.column_names:
        skipped = int(pc.sum(pc.fill_null(cycle.table["skipped_start"], False)).as_py() or 0)
    caption = f"{finished:,} items finished in the window; dashed lines are the p50, p70, p85 and p95."
    if skipped:
        caption += (
            f" {skipped:,} of them never entered a working stage (no status history says when work began):"
            " they have no cycle time and are not drawn."
        )
    return caption


def _unknown_scope(error: InputError, field_name: str) -> bool:
    return isinstance(error, NotFoundError) and error.field == field_name


def group_view(context: Context, group_id: str) -> FlowView:
    """A cluster (or any group): its card, its teams' cards and its flow charts.

    Raises:
        InputError: no such group.
    """
    tree = context.tree
    group = tree.require(group_id, kind="group")
    current, previous = summaries_now_and_before(context, by=None, cut_changes={"group": group_id})
    team_now, team_before = summaries_now_and_before(context, by="team", cut_changes={"group": group_id})
    row = single(current)
    card = make_card(
        group_id=group.group_id,
        name=group.name,
        kind=group.kind,
        detail=f"{group.kind} · {len(tree.teams_under(group_id))} teams",
        href=None,
        current=row,
        previous=single(previous) if previous else None,
        link=context.link(group=group_id),
        settings=context.settings,
        previous_label=context.previous_label(),
    )
    teams = rank_by_flags(team_cards(context, tree.teams_under(group_id), team_now, team_before))
    found = _flow_charts(context, scope={"group": group_id}, summary_row=row)
    return FlowView(
        group=group,
        kind=group.kind,
        breadcrumbs=tree.ancestors(group_id),
        card=card,
        teams=teams,
        charts=found,
        summary=current,
        note=None,
        now=context.hub.now(context.now),
        notes=page_notes(
            result_notes(current),
            result_notes(team_now, by="team", said=result_notes(current)),
            *(chart.notes for chart in found),
        ),
    )


def team_view(context: Context, team_id: str) -> FlowView:
    """A team: its card and its flow charts (a team without items gets an empty page).

    Raises:
        InputError: no such team.
    """
    tree = context.tree
    team = tree.require(team_id, kind="team")
    empty = make_card(
        group_id=team.group_id,
        name=team.name,
        kind="team",
        detail=team_detail(team),
        href=None,
        current=None,
        previous=None,
        link=None,
    )
    try:
        current, previous = summaries_now_and_before(context, by=None, cut_changes={"team": team_id})
    except InputError as error:
        if not _unknown_scope(error, "team"):
            raise
        return FlowView(
            team,
            "team",
            tree.ancestors(team_id),
            empty,
            [],
            [],
            None,
            "This team has no work items.",
            context.hub.now(context.now),
        )
    row = single(current)
    card = make_card(
        group_id=team.group_id,
        name=team.name,
        kind="team",
        detail=team_detail(team),
        href=None,
        current=row,
        previous=single(previous) if previous else None,
        link=context.link(team=team_id),
        settings=context.settings,
        previous_label=context.previous_label(),
    )
    found = _flow_charts(context, scope={"team": team_id}, summary_row=row)
    return FlowView(
        group=team,
        kind="team",
        breadcrumbs=tree.ancestors(team_id),
        card=card,
        teams=[],
        charts=found,
        summary=current,
        note=None,
        now=context.hub.now(context.now),
        last_active=_last_active(context, team_id, row),
        notes=page_notes(result_notes(current), *(chart.notes for chart in found)),
    )
