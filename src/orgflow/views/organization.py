"""The organization's views: the org's, each cluster's and each team's card, the stage map, and the
organization page's sections (the clusters, their idle teams, the teams outside the org).

Cards compare the page's window with the previous window of equal length; a team whose data ends
before the page's window is read over its own last days (`FlowService.summary`'s `row_windows`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa

from orgflow import charts
from orgflow.flow.browse import Group, OrgTree
from orgflow.flow.no_items import says_no_items
from orgflow.flow.service import MetricResult
from orgflow.views.cards import Card, make_card, split_idle
from orgflow.views.context import Chart, Context, rows_by, single
from orgflow.views.filters import Filters
from orgflow.views.notes import page_notes, result_notes


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
    notes: list[str] = field(default_factory=list)
    """The notes of the figures the page shows, each once (`orgflow.views.notes`): the org's, the
    clusters' and the teams' cards' and the stage map's."""


def summaries_now_and_before(
    context: Context, *, by: str | None, cut_changes: dict[str, Any] | None = None
) -> tuple[MetricResult, MetricResult | None]:
    filters = replace(context.filters, **(cut_changes or {}))
    current = context.compute("summary", cut=filters.cut(phase=False), by=by, **context.window(filters))
    previous_filters = filters.previous()
    previous = (
        context.compute("summary", cut=filters.cut(phase=False), by=by, **context.window(previous_filters))
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
    asks = []
    for team, window in own.items():
        since = datetime.fromisoformat(window["since"].replace("Z", "")).date()
        until = datetime.fromisoformat(window["until"].replace("Z", "")).date() - timedelta(days=1)
        length = (until - since).days + 1
        before_until = since - timedelta(days=1)
        before_since = before_until - timedelta(days=length - 1)
        asks.append((team, replace(filters, team=team).cut(phase=False), before_since, before_until))
    # All the teams' summaries at once where the store can (a statement, not one per team); same answers.
    context.prefetch("summary", [(cut, since, until) for _team, cut, since, until in asks])
    for team, cut, since, until in asks:
        (row,) = context.compute("summary", cut=cut, since=since, until=until).rows()
        rows = [{"team": team, **row} if existing.get("team") == team else existing for existing in rows]
    table = pa.Table.from_pylist(rows, schema=previous.table.schema)
    return replace(previous, table=table)


def team_detail(group: Group) -> str:
    """A team card's detail line: its Team Topologies type (or kind), and when it ended or began."""
    parts = [group.topology_type or group.kind]
    if group.valid_to is not None:
        parts.append(f"until {group.valid_to}")
    elif group.valid_from is not None:
        parts.append(f"since {group.valid_from}")
    return " · ".join(parts)


def without_items_rows(context: Context, grouped: MetricResult) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """The page cut's own summary rows (now, before) when the workspace has no work items
    (`orgflow.flow.no_items`), else None. A summary grouped by team or cluster then has no row at all
    (`grouped`), and each card takes the cut's unknown figures and reason instead of reading as idle."""
    if grouped.table.num_rows:
        return None
    current, previous = summaries_now_and_before(context, by=None)
    row = single(current)
    if row is None or not says_no_items(row):
        return None
    return row, single(previous) if previous else None


def team_cards(
    context: Context, teams: list[Group], current: MetricResult, previous: MetricResult | None
) -> list[Card]:
    rows = rows_by(current, "team")
    before = rows_by(previous, "team") if previous else {}
    unknown = without_items_rows(context, current)
    if unknown is not None:
        rows = {team.group_id: unknown[0] for team in teams}
        before = {team.group_id: unknown[1] for team in teams if unknown[1] is not None}
    own_windows = current.params.get("row_windows") or {}
    cards: list[Card] = []
    since = context.filters.since
    for team in teams:
        row = rows.get(team.group_id)
        idle = row is None or (not row.get("finished") and not row.get("wip"))
        if idle and since is not None and team.valid_to is not None and team.valid_to <= since:
            continue  # a team that no longer existed in the window and did nothing in it
        detail = team_detail(team)
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
                settings=context.settings,
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
        detail=org_detail(tree),
        href=None,
        current=single(org_now),
        previous=single(org_before) if org_before else None,
        link=context.link(),
        settings=context.settings,
        previous_label=context.previous_label(),
    )
    group_rows = rows_by(group_now, "group")
    group_before_rows = rows_by(group_before, "group") if group_before else {}
    if says_no_items(single(org_now)):
        # No work items: every cluster's figures are unknown for the org's reason, not idle.
        group_rows = {cluster.group_id: single(org_now) for cluster in tree.clusters()}
        group_before_rows = {cluster.group_id: single(org_before) for cluster in tree.clusters() if org_before}
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
            settings=context.settings,
            previous_label=context.previous_label(),
        )
        clusters.append(ClusterBlock(card, rank_by_flags(team_cards(context, teams, team_now, team_before))))
    # What needs attention first: the cluster with the most flags (its own and its teams'), then the next.
    clusters.sort(key=lambda block: -(len(block.card.flags) + sum(len(team.flags) for team in block.teams)))
    # The page's phase keeps that phase's stages (`orgflow.flow.phases`).
    stages = context.compute("stages", cut=context.filters.cut(), level="stage", **context.window())
    stage_map = Chart(
        "stage-map",
        charts.stage_map_chart(stages, catalog=context.catalog, phases=context.phases, link=context.link()),
        "The value stream, phase by phase: the share of the time finished items spent in each stage, "
        "from creation to finish. Orange is waiting.",
        wide=True,
        notes=tuple(result_notes(stages)),
    )
    org_notes = result_notes(org_now)
    notes = page_notes(
        org_notes,
        result_notes(group_now, by="group", said=org_notes),
        result_notes(team_now, by="team", said=org_notes),
        stage_map.notes,
    )
    return OrganizationView(org_card, clusters, stage_map, org_now, context.hub.now(context.now), notes)


# -- the organization page -------------------------------------------------------------------------
@dataclass
class TeamSection:
    """Team cards under a heading: the cluster's card (None for the teams outside the org), the teams with
    figures in the window and the idle ones (no item finished, none in progress), which the page lists by name."""

    card: Card | None
    teams: list[Card]
    idle: list[Card]


@dataclass
class OrganizationPage:
    """The organization page: the cards of `organization_view`, idle teams set apart, and the teams that are
    attributed units outside the org (`OrgTree.attributed_teams`), most items first, with the note that says
    how to map them (`OrgTree.ownership_note`).

    Attributes:
        outside_first: the outside section comes before the clusters (no team of the org has figures).
    """

    view: OrganizationView
    org: Card
    clusters: list[TeamSection]
    outside: TeamSection | None
    note: str | None
    outside_first: bool


def organization_page(context: Context) -> OrganizationPage:
    """`organization_view` with its team cards split into active and idle ones, plus the teams outside the org."""
    view = organization_view(context)
    tree = context.tree
    clusters = [TeamSection(block.card, *split_idle(block.teams)) for block in view.clusters]
    outside_teams = tree.attributed_teams()
    outside = None
    if outside_teams:
        team_now, team_before = summaries_now_and_before(context, by="team")
        outside = TeamSection(None, *split_idle(team_cards(context, outside_teams, team_now, team_before)))
    outside_first = outside is not None and bool(outside.teams) and not any(section.teams for section in clusters)
    return OrganizationPage(view, view.org, clusters, outside, tree.ownership_note(), outside_first)


def org_detail(tree: OrgTree) -> str:
    """What the org's card says of it, on the page and in the report: its teams and clusters, and the
    teams outside it ("3 teams in 1 cluster · 1 outside the org"); with no org loaded, the teams work is
    attributed to and by what ("2 teams by project · no org loaded"), never "2 teams in 0 clusters"."""
    outside_teams = tree.attributed_teams()
    if not tree.has_org:
        return f"{_count(len(outside_teams), 'team')} by {', '.join(tree.attribution)} · no org loaded"
    org_teams = len(tree.teams()) - len(outside_teams)
    detail = f"{_count(org_teams, 'team')} in {_count(len(tree.clusters()), 'cluster')}"
    return detail + (f" · {len(outside_teams)} outside the org" if outside_teams else "")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
