"""What each page shows: the figures it asks the metrics for, as cards and chart specs.

The web pages and the static report both render these views, so they show the same numbers. A view
calls only `MetricsHub.compute` (the flow metrics) and `orgflow.charts`; `Paths` says where a card
or a chart mark links (pages and the items table on the web, anchors in the report).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol, TypeVar

import pyarrow as pa
import pyarrow.compute as pc

from orgflow import charts
from orgflow.errors import InputError
from orgflow.flow.browse import Group, OrgTree, StageInfo, org_tree, stage_catalog, stages_in_use
from orgflow.flow.definitions import LABELS
from orgflow.flow.service import MetricResult
from orgflow.flow.summary import PERCENTILES
from orgflow.web.cards import Card, CardThresholds, make_card
from orgflow.web.filters import DEFAULT_WINDOW, Filters
from orgflow.web.hub import MetricsHub

T = TypeVar("T")


class Paths(Protocol):
    """Where cards and chart marks link to."""

    def team(self, team_id: str) -> str | None: ...

    def group(self, group_id: str) -> str | None: ...

    def items(self, filters: Filters, **changes: Any) -> str | None:
        """The items page with `filters` and `changes`; None when there is no items page."""
        ...

    @property
    def linked(self) -> bool:
        """Whether chart marks link to items."""
        ...


@dataclass(frozen=True)
class Chart:
    """A chart on a page: an anchor key, its Vega-Lite spec and a line saying what it shows."""

    key: str
    spec: dict[str, Any]
    caption: str
    wide: bool = False

    @property
    def empty(self) -> bool:
        """Nothing to draw (no rows in the window): pages show a line instead of an empty chart."""
        return not self.spec.get("data", {}).get("values")

    @property
    def title(self) -> str:
        title = self.spec.get("title")
        return title.get("text", self.key) if isinstance(title, dict) else str(title or self.key)


@dataclass
class Context:
    """What every view needs: the hub, the org tree, the stages and the page's filters."""

    hub: MetricsHub
    filters: Filters
    paths: Paths
    thresholds: CardThresholds = field(default_factory=CardThresholds)

    @property
    def now(self) -> datetime | None:
        return self.filters.now

    def compute(self, metric: str, **params: Any) -> MetricResult:
        return self.hub.compute(metric, now=self.now, **params)

    def view(self, kind: str, key: Hashable, build: Callable[[], T]) -> T:
        """A page's view, built once per filters (views are pure functions of the figures)."""
        cache_key = ("view", self.hub.service_key(self.now), kind, key, self.filters, self.paths)
        return self.hub.cached(cache_key, lambda _service: build(), now=self.now)

    def window(self, filters: Filters | None = None) -> dict[str, date | None]:
        """The window the metrics are asked for: none for the default window (the metrics then take
        the default window of each figure's own cut, and of each row of a summary by team), else the
        filters' days."""
        chosen = filters or self.filters
        if chosen.window == DEFAULT_WINDOW:
            return {"since": None, "until": None}
        return {"since": chosen.since, "until": chosen.until}

    @property
    def tree(self) -> OrgTree:
        return self.hub.query("org_tree", org_tree)

    @property
    def stages(self) -> list[StageInfo]:
        return self.hub.query("stages_in_use", stages_in_use)

    @property
    def catalog(self) -> dict[str, tuple[str, str]]:
        found = stage_catalog(self.hub.workspace.config)
        return {name: (info.phase, info.category) for name, info in found.items()}

    @property
    def phases(self) -> list[str]:
        return list(self.hub.workspace.config.phases)

    def phase_stages(self) -> set[str] | None:
        """The stages of the chosen phase (None: no phase chosen)."""
        if not self.filters.phase:
            return None
        return {name for name, (phase, _category) in self.catalog.items() if phase == self.filters.phase}

    def previous_label(self) -> str:
        days = self.filters.window_days()
        return f"previous {days} days" if days else "previous window"

    def link(self, **fixed: Any) -> charts.Link | None:
        """A `Link` to the items page with this view's filters plus `fixed` ones (None: no links)."""
        if not self.paths.linked:
            return None
        filters, paths = self.filters, self.paths

        def to_items(**changes: Any) -> str:
            return paths.items(filters, **{**fixed, **changes}) or ""

        return to_items


def _rows_by(result: MetricResult, column: str) -> dict[str, dict[str, Any]]:
    return {row[column]: row for row in result.rows() if row.get(column) is not None}


def _single(result: MetricResult) -> dict[str, Any] | None:
    rows = result.rows()
    return rows[0] if rows else None


def _only(result: MetricResult, column: str, allowed: set[str] | None) -> MetricResult:
    """The result with only rows whose `column` is in `allowed` (all rows when None)."""
    if allowed is None or column not in result.table.column_names:
        return result
    mask = pc.is_in(result.table[column], value_set=pa.array(sorted(allowed), type=pa.string()))
    table = result.table.filter(mask)
    return replace(result, table=table, params={**result.params, "rows": table.num_rows})


# -- organization -----------------------------------------------------------------------------
@dataclass
class ClusterBlock:
    """A cluster's card and its teams' cards."""

    card: Card
    teams: list[Card]


@dataclass
class OrganizationView:
    """The organization page: the org's card, each cluster with its teams, the stage map."""

    org: Card
    clusters: list[ClusterBlock]
    stage_map: Chart
    summary: MetricResult
    now: datetime


def summaries_now_and_before(
    context: Context, *, by: str | None, cut_changes: dict[str, Any] | None = None
) -> tuple[MetricResult, MetricResult | None]:
    filters = replace(context.filters, **(cut_changes or {}))
    current = context.compute("summary", cut=filters.cut(), by=by, **context.window(filters))
    previous_filters = filters.previous()
    previous = (
        context.compute("summary", cut=filters.cut(), by=by, **context.window(previous_filters))
        if previous_filters
        else None
    )
    own = current.params.get("row_windows")
    if previous is not None and by == "team" and own:
        previous = _previous_in_own_windows(context, filters, previous, own)
    return current, previous


def _previous_in_own_windows(
    context: Context, filters: Filters, previous: MetricResult, own: dict[str, dict[str, str]]
) -> MetricResult:
    """`previous` (a summary by team over the window before the page's) with each team whose row had a
    window of its own (`row_windows`: its data ended earlier) computed over the equal window before that."""
    rows = previous.rows()
    for team, window in own.items():
        since = datetime.fromisoformat(window["since"].replace("Z", "")).date()
        until = datetime.fromisoformat(window["until"].replace("Z", "")).date() - timedelta(days=1)
        length = (until - since).days + 1
        before_until = since - timedelta(days=1)
        before_since = before_until - timedelta(days=length - 1)
        cut = replace(filters, team=team).cut()
        (row,) = context.compute("summary", cut=cut, since=before_since, until=before_until).rows()
        rows = [{"team": team, **row} if existing.get("team") == team else existing for existing in rows]
    table = pa.Table.from_pylist(rows, schema=previous.table.schema)
    return replace(previous, table=table)


def _team_detail(group: Group) -> str:
    parts = [group.topology_type or group.kind]
    if group.valid_to is not None:
        parts.append(f"until {group.valid_to}")
    elif group.valid_from is not None:
        parts.append(f"since {group.valid_from}")
    return " · ".join(parts)


def team_cards(
    context: Context, teams: list[Group], current: MetricResult, previous: MetricResult | None
) -> list[Card]:
    rows = _rows_by(current, "team")
    before = _rows_by(previous, "team") if previous else {}
    own_windows = current.params.get("row_windows") or {}
    cards: list[Card] = []
    since = context.filters.since
    for team in teams:
        row = rows.get(team.group_id)
        idle = row is None or (not row.get("finished") and not row.get("wip"))
        if idle and since is not None and team.valid_to is not None and team.valid_to <= since:
            continue  # a team that no longer existed in the window and did nothing in it
        detail = _team_detail(team)
        own = own_windows.get(team.group_id)
        if own is not None:
            # Its data ends before the page's window: its card covers its own last days.
            last_day = datetime.fromisoformat(own["until"].replace("Z", "")).date() - timedelta(days=1)
            detail += f" · data ends {own['data_as_of'][:10]}: {own['since'][:10]} to {last_day}"
        cards.append(
            make_card(
                group_id=team.group_id,
                name=team.name,
                kind="team",
                detail=detail,
                href=context.paths.team(team.group_id),
                current=row,
                previous=before.get(team.group_id) if previous else None,
                link=context.link(team=team.group_id),
                thresholds=context.thresholds,
                previous_label=context.previous_label(),
            )
        )
    return cards


def rank_by_flags(cards: list[Card]) -> list[Card]:
    """The cards with the most flags first; cards with as many keep their given order."""
    return sorted(cards, key=lambda card: -len(card.flags))


def organization_view(context: Context) -> OrganizationView:
    """Cards for the org, each cluster and each team; the value-stream stage map."""
    tree = context.tree
    org_now, org_before = summaries_now_and_before(context, by=None)
    group_now, group_before = summaries_now_and_before(context, by="group")
    team_now, team_before = summaries_now_and_before(context, by="team")
    roots = [group for group in tree.roots() if group.kind != "team"]
    org_name = roots[0].name if roots else "Organization"
    org_card = make_card(
        group_id=roots[0].group_id if roots else "",
        name=org_name,
        kind="org",
        detail=f"{len(tree.teams())} teams in {len(tree.clusters())} clusters",
        href=None,
        current=_single(org_now),
        previous=_single(org_before) if org_before else None,
        link=context.link(),
        thresholds=context.thresholds,
        previous_label=context.previous_label(),
    )
    group_rows = _rows_by(group_now, "group")
    group_before_rows = _rows_by(group_before, "group") if group_before else {}
    clusters: list[ClusterBlock] = []
    for cluster in tree.clusters():
        teams = [team for team in tree.kids(cluster.group_id) if team.kind == "team"]
        card = make_card(
            group_id=cluster.group_id,
            name=cluster.name,
            kind=cluster.kind,
            detail=f"{cluster.kind} · {len(teams)} teams",
            href=context.paths.group(cluster.group_id),
            current=group_rows.get(cluster.group_id),
            previous=group_before_rows.get(cluster.group_id) if group_before else None,
            link=context.link(group=cluster.group_id),
            thresholds=context.thresholds,
            previous_label=context.previous_label(),
        )
        clusters.append(ClusterBlock(card, rank_by_flags(team_cards(context, teams, team_now, team_before))))
    # What needs attention first: the cluster with the most flags (its own and its teams'), then the next.
    clusters.sort(key=lambda block: -(len(block.card.flags) + sum(len(team.flags) for team in block.teams)))
    stages = context.compute("stages", cut=context.filters.cut(), level="stage", **context.window())
    shown = _only(stages, "stage", context.phase_stages())
    stage_map = Chart(
        "stage-map",
        charts.stage_map_chart(shown, catalog=context.catalog, phases=context.phases, link=context.link()),
        "The value stream, phase by phase: the share of the time finished items spent in each stage, "
        "from creation to finish. Orange is waiting.",
        wide=True,
    )
    return OrganizationView(org_card, clusters, stage_map, org_now, context.hub.now(context.now))


# -- group and team ---------------------------------------------------------------------------
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

    @property
    def figures(self) -> list[SummaryFigure]:
        """The summary row as a table: lead and cycle time percentiles, throughput, efficiency."""
        return summary_figures(_single(self.summary) if self.summary is not None else None)


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
    cut = replace(filters, team=team_id).cut()
    finished = context.compute("cycle_time", cut=cut, since=None, until=filters.until).table
    if not finished.num_rows:
        return None
    last = pc.max(finished["finished_at"]).as_py()
    if last is None:
        return None
    day = last.date()
    length = filters.window_days() or 90
    return LastActive(day, f"/teams/{team_id}" + filters.query(since=day - timedelta(days=length - 1), until=day))


@dataclass(frozen=True)
class SummaryFigure:
    """One figure of a page's summary table; `text` is "–" when the data cannot support it."""

    key: str
    label: str
    value: float | None
    text: str
    reason: str | None


# (column, label, unit): durations are in days, one unit for the whole table; the labels are the
# terminal's (`orgflow.flow.definitions.LABELS`), units included.
_SUMMARY_COLUMNS = (
    ("finished", LABELS["finished"], ""),
    ("throughput_per_week", LABELS["throughput_per_week"], ""),
    *((f"lead_time_p{p}", LABELS[f"lead_time_p{p}"], "d") for p in (50, 85, 95)),
    *((f"cycle_time_p{p}", LABELS[f"cycle_time_p{p}"], "d") for p in (50, 85, 95)),
    ("flow_efficiency", LABELS["flow_efficiency"], "%"),
    ("wip", LABELS["wip"], ""),
)


def summary_figures(row: dict[str, Any] | None) -> list[SummaryFigure]:
    """The figures of a summary row, formatted; a null figure shows "–" with the reason the summary gives."""
    if not row:
        return []
    reason = row.get("unknown_reasons") or "the data cannot support this figure"
    figures = []
    for column, label, unit in _SUMMARY_COLUMNS:
        value = row.get(column)
        if value is None:
            text = "–"
        elif unit == "%":
            # A small share keeps a decimal, so 0.4 % never reads as 0 %.
            text = f"{value:.0%}" if value == 0 or value >= 0.01 else f"{value:.1%}"
        elif isinstance(value, float):
            text = f"{value:,.1f}"
        else:
            text = f"{value:,}"
        figures.append(SummaryFigure(column, label, value, text, reason if value is None else None))
    return figures


def _percentiles(row: dict[str, Any] | None) -> dict[int, float | None]:
    if not row:
        return {}
    return {p: row.get(f"cycle_time_p{p}") for p in PERCENTILES}


def _flow_charts(context: Context, *, scope: dict[str, str], summary_row: dict[str, Any] | None) -> list[Chart]:
    """The flow charts of one cut (`scope`: {"team": id} or {"group": id})."""
    filters = replace(context.filters, **{key: value for key, value in scope.items()})
    cut, window = filters.cut(), context.window(filters)
    link = context.link(**scope)
    in_phase = context.phase_stages()
    order = [stage.stage for stage in context.stages]
    colors = charts.stage_colors([(stage.stage, stage.category) for stage in context.stages])
    percentiles = _percentiles(summary_row)
    found: list[Chart] = []
    cfd = context.compute("cfd", cut=cut, **window)
    found.append(
        Chart(
            "cfd",
            charts.cfd_chart(cfd, colors=colors, link=link),
            "Items that reached each stage by the end of each day; a band's height is the items in that stage "
            "(the last stage counts from the window's start).",
            wide=True,
        )
    )
    cycle = context.compute("cycle_time", cut=cut, **window)
    found.append(
        Chart(
            "cycle-time",
            charts.cycle_time_chart(cycle, percentiles=percentiles, link=link),
            _cycle_caption(cycle),
        )
    )
    age = _only(context.compute("age", cut=cut), "current_stage", in_phase)
    found.append(
        Chart(
            "aging",
            charts.aging_chart(age, percentiles=percentiles, stage_order=order, link=link),
            f"{age.table.num_rows} items in progress now, by stage, over the window's cycle-time percentiles; "
            "red points are past their team's SLE.",
        )
    )
    throughput = context.compute("throughput", cut=cut, period="week", **window)
    found.append(
        Chart("throughput", charts.throughput_chart(throughput, link=link), "Items finished and started per week.")
    )
    wip = context.compute("wip", cut=cut, **window)
    found.append(
        Chart("wip", charts.wip_chart(wip, link=link), "Items started and not finished at the end of each day.")
    )
    stages = _only(context.compute("stages", cut=cut, level="stage", **window), "stage", in_phase)
    found.append(
        Chart(
            "stages",
            charts.stage_time_chart(stages, catalog=context.catalog, link=link),
            "Days finished items spent in each stage (all visits added up).",
        )
    )
    distribution = context.compute("distribution", cut=cut, **window)
    found.append(
        Chart(
            "distribution",
            charts.distribution_chart(distribution, link=link),
            "Share of features, defects, risks and debt among finished items and work in progress.",
        )
    )
    blocked = context.compute("blocked", cut=cut, **window)
    found.append(
        Chart(
            "blocked",
            charts.blocked_chart(blocked, link=link),
            f"{blocked.table.num_rows} items were blocked while in progress in the window.",
        )
    )
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
    return error.field == field_name and error.message.startswith("unknown")


def group_view(context: Context, group_id: str) -> FlowView:
    """A cluster (or any group): its card, its teams' cards and its flow charts.

    Raises:
        InputError: no such group.
    """
    tree = context.tree
    group = tree.require(group_id, kind="group")
    current, previous = summaries_now_and_before(context, by=None, cut_changes={"group": group_id})
    team_now, team_before = summaries_now_and_before(context, by="team", cut_changes={"group": group_id})
    row = _single(current)
    card = make_card(
        group_id=group.group_id,
        name=group.name,
        kind=group.kind,
        detail=f"{group.kind} · {len(tree.teams_under(group_id))} teams",
        href=None,
        current=row,
        previous=_single(previous) if previous else None,
        link=context.link(group=group_id),
        thresholds=context.thresholds,
        previous_label=context.previous_label(),
    )
    teams = rank_by_flags(team_cards(context, tree.teams_under(group_id), team_now, team_before))
    return FlowView(
        group=group,
        kind=group.kind,
        breadcrumbs=tree.ancestors(group_id),
        card=card,
        teams=teams,
        charts=_flow_charts(context, scope={"group": group_id}, summary_row=row),
        summary=current,
        note=None,
        now=context.hub.now(context.now),
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
        detail=_team_detail(team),
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
    row = _single(current)
    card = make_card(
        group_id=team.group_id,
        name=team.name,
        kind="team",
        detail=_team_detail(team),
        href=None,
        current=row,
        previous=_single(previous) if previous else None,
        link=context.link(team=team_id),
        thresholds=context.thresholds,
        previous_label=context.previous_label(),
    )
    return FlowView(
        group=team,
        kind="team",
        breadcrumbs=tree.ancestors(team_id),
        card=card,
        teams=[],
        charts=_flow_charts(context, scope={"team": team_id}, summary_row=row),
        summary=current,
        note=None,
        now=context.hub.now(context.now),
        last_active=_last_active(context, team_id, row),
    )
