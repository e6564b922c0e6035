"""What the organization pages show: the organization page's sections (the org's clusters and the teams
outside the org), the org chart with its design checks, a team's "Team API" and the cross-team dependency
graph, as of a date.

Every figure comes from `OrgService` (the org model and its checks) or `SocioTechService` (git history
and the dependency graph), called through the hub (`hub.query`, under the store lock, cached by key).
This module only picks, orders and links what they return.

Dates: a page shows the org on `date` (a UTC day; default the day of the request's "now"). Figures
from history (git, blocking links) are taken as of the end of that day: the request's "now" when the
day is today or later, else the day's last instant, counting commits up to and including the day.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import pyarrow as pa
import pyarrow.compute as pc

from orgflow.flow.service import MetricResult
from orgflow.org.service import OrgService, TeamApi
from orgflow.org.structure import valid_on
from orgflow.sociotech.service import SocioTechService
from orgflow.web.cards import Card, split_idle
from orgflow.web.filters import parse_date, parse_now
from orgflow.web.hub import MetricsHub
from orgflow.web.views import Context, OrganizationView, organization_view, summaries_now_and_before, team_cards

INTERACTION_KINDS = ("coupling", "blocking")
"""Edges of the dependency graph a Team API lists as interactions (declared ones are its dependencies)."""


@dataclass(frozen=True)
class AsOf:
    """The date a page shows and the instant its history-based figures are computed as of.

    Attributes:
        day: the org's date (UTC day).
        now: the instant for `SocioTechService` (its UTC date is `day`).
        until: the last day of history counted (None: everything up to `now`).
        today: the UTC day of the request's "now" (the default `day`).
        now_text: the request's `now` parameter, kept in links.
    """

    day: date
    now: datetime
    until: date | None
    today: date
    now_text: str | None = None
    request_now: datetime | None = None

    def query(self, **changes: Any) -> str:
        """`?date=...&now=...` for a link to another org page as of the same moment (plus `changes`)."""
        values: dict[str, Any] = {"date": self.day.isoformat(), "now": self.now_text, **changes}
        kept = [(key, value) for key, value in values.items() if value not in (None, "", ())]
        pairs: list[tuple[str, Any]] = []
        for key, value in kept:
            pairs.extend((key, item) for item in value) if isinstance(value, list | tuple) else pairs.append(
                (key, value)
            )
        return "?" + urlencode(pairs) if pairs else ""


def as_of(hub: MetricsHub, params: Mapping[str, str]) -> AsOf:
    """The moment of an org page request (`date` and `now` parameters).

    Raises:
        InputError: `date` is not YYYY-MM-DD, or `now` is not a date or instant.
    """
    now_text = params.get("now") or None
    request_now = parse_now(now_text)
    current = hub.now(request_now)
    today = current.date()
    text = params.get("date") or None
    day = parse_date(text, field="date") if text else today
    if day >= today:
        return AsOf(day, current, None, today, now_text, request_now)
    return AsOf(day, datetime.combine(day, time.max, tzinfo=UTC), day, today, now_text, request_now)


def _query(hub: MetricsHub, moment: AsOf, key: tuple[Hashable, ...], run: Any) -> Any:
    return hub.query((hub.service_key(moment.request_now), *key), run)


def org_service(hub: MetricsHub) -> OrgService:
    """The workspace's org (read once; the workspace is read-only)."""
    return hub.query(("org-service",), OrgService.for_workspace)


def sociotech(hub: MetricsHub, moment: AsOf) -> SocioTechService:
    """One socio-technical service per instant (its temporary tables are reused by later calls)."""
    return _query(hub, moment, ("sociotech-service", moment.now), lambda ws: SocioTechService(ws, now=moment.now))


def team_href(team: str, moment: AsOf, *, valid_from: date | None = None, valid_to: date | None = None) -> str:
    """The Team API page of `team`: as of `moment`, or of the team's last (first) day when it did not exist."""
    day = moment.day
    if valid_to is not None and day >= valid_to:
        day = valid_to - timedelta(days=1)
    elif valid_from is not None and day < valid_from:
        day = valid_from
    return f"/org/teams/{quote(team, safe='')}" + moment.query(date=day.isoformat())


def only_rows(result: MetricResult, column: str, allowed: set[str]) -> MetricResult:
    """The result with only the rows whose `column` is in `allowed`."""
    mask = pc.is_in(result.table[column], value_set=pa.array(sorted(allowed), type=pa.string()))
    table = result.table.filter(mask)
    return replace(result, table=table, params={**result.params, column: sorted(allowed), "rows": table.num_rows})


# -- the organization page ---------------------------------------------------------------------------
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
    org_teams = len(tree.teams()) - len(outside_teams)
    if tree.has_org:
        detail = f"{_count(org_teams, 'team')} in {_count(len(tree.clusters()), 'cluster')}"
        detail += f" · {len(outside_teams)} outside the org" if outside_teams else ""
    else:
        detail = f"{_count(len(outside_teams), 'team')} by {', '.join(tree.attribution)} · no org loaded"
    outside_first = outside is not None and bool(outside.teams) and not any(section.teams for section in clusters)
    return OrganizationPage(
        view, replace(view.org, detail=detail), clusters, outside, tree.ownership_note(), outside_first
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


# -- the org chart ---------------------------------------------------------------------------------
@dataclass
class GroupBlock:
    """A group on the org chart: its summary row, its own checks, its Team API link and the groups below."""

    row: dict[str, Any]
    checks: list[dict[str, Any]]
    href: str | None
    children: list[GroupBlock]

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [check for check in self.checks if check["passed"] is False]


@dataclass(frozen=True)
class StructureChange:
    """A day groups opened or closed (a reorganization): the groups, and links to the day before and the day."""

    day: date
    opened: list[tuple[str, str]]
    closed: list[tuple[str, str]]
    before_href: str
    after_href: str


@dataclass
class OrgChart:
    """The org chart on a date: groups as a tree with their checks, and the days the structure changed."""

    moment: AsOf
    summary: MetricResult
    checks: MetricResult
    roots: list[GroupBlock]
    changes: list[StructureChange]

    def teams(self) -> list[GroupBlock]:
        found: list[GroupBlock] = []
        stack = list(reversed(self.roots))
        while stack:
            block = stack.pop()
            if block.row["kind"] == "team":
                found.append(block)
            stack.extend(reversed(block.children))
        return found


def org_summary(hub: MetricsHub, moment: AsOf) -> MetricResult:
    org = org_service(hub)
    return _query(hub, moment, ("org-summary", moment.day), lambda _ws: org.summary(moment.day))


def org_checks(hub: MetricsHub, moment: AsOf) -> MetricResult:
    org = org_service(hub)
    return _query(hub, moment, ("org-checks", moment.day), lambda _ws: org.checks(moment.day))


def org_chart(hub: MetricsHub, moment: AsOf) -> OrgChart:
    """The org chart as of `moment.day` (`OrgService.summary` and `.checks` of that day)."""
    summary = org_summary(hub, moment)
    checks = org_checks(hub, moment)
    by_group: dict[str, list[dict[str, Any]]] = {}
    for check in checks.rows():
        by_group.setdefault(check["group"], []).append(check)
    blocks: dict[str, GroupBlock] = {}
    roots: list[GroupBlock] = []
    for row in summary.rows():  # parents come before their children
        href = team_href(row["group"], moment) if row["kind"] == "team" else None
        block = GroupBlock(row, by_group.get(row["group"], []), href, [])
        blocks[row["group"]] = block
        parent = blocks.get(row["parent"]) if row["parent"] else None
        (parent.children if parent else roots).append(block)
    return OrgChart(moment, summary, checks, roots, structure_changes(hub, moment))


def structure_changes(hub: MetricsHub, moment: AsOf) -> list[StructureChange]:
    """Days on which a group opened or closed, oldest first (from the groups' validity intervals)."""
    model = org_service(hub).model
    opened: dict[date, list[tuple[str, str]]] = {}
    closed: dict[date, list[tuple[str, str]]] = {}
    for group_id, group in sorted(model.groups.items()):
        if group.valid_from is not None:
            opened.setdefault(group.valid_from, []).append((group_id, group.name))
        if group.valid_to is not None:
            closed.setdefault(group.valid_to, []).append((group_id, group.name))
    return [
        StructureChange(
            day,
            opened.get(day, []),
            closed.get(day, []),
            "/org" + moment.query(date=(day - timedelta(days=1)).isoformat()),
            "/org" + moment.query(date=day.isoformat()),
        )
        for day in sorted(opened.keys() | closed.keys())
    ]


# -- a team's Team API -------------------------------------------------------------------------------
@dataclass
class TeamApiView:
    """A team's Team API on a date, with its cross-team interactions and what git says about its code."""

    moment: AsOf
    api: TeamApi
    interactions: MetricResult
    truck_factor: dict[str, Any] | None
    component_truck_factors: MetricResult
    knowledge_islands: MetricResult
    history: MetricResult
    flow_href: str
    other_teams: dict[str, str]


def team_api_view(hub: MetricsHub, moment: AsOf, team: str) -> TeamApiView:
    """The Team API of `team` on `moment.day` (`OrgService.team_api`) plus its coupling and blocking edges,
    its truck factor and the truck factors and knowledge islands of the components it owns.

    Raises:
        InputError: an unknown group, a group that is no team, or one that does not exist on the day.
    """
    org = org_service(hub)
    api: TeamApi = _query(hub, moment, ("team-api", team, moment.day), lambda _ws: org.team_api(team, moment.day))
    if api.info["kind"] != "team":
        from orgflow.errors import InputError

        raise InputError(f"{team!r} is a {api.info['kind']}, not a team", field="team", hint="see /org")
    service = sociotech(hub, moment)
    until = moment.until
    interactions = _query(
        hub,
        moment,
        ("team-interactions", team, until),
        lambda _ws: service.dependency_edges(kinds=INTERACTION_KINDS, group=team, until=until),
    )
    by_team = _query(hub, moment, ("truck-team", until), lambda _ws: service.truck_factor(by="team", until=until))
    by_component = _query(
        hub, moment, ("truck-component", until), lambda _ws: service.truck_factor(by="component", until=until)
    )
    islands = _query(
        hub,
        moment,
        ("islands-component", until),
        lambda _ws: service.knowledge_islands(level="component", until=until),
    )
    history = _query(hub, moment, ("org-history", team), lambda _ws: org.history(team))
    owned = {row["component"] for row in api.components.rows()}
    team_row = next((row for row in by_team.rows() if row["team"] == team), None)
    others = {row["other_team"] for row in api.dependencies.rows() if row["other_team"]}
    others |= {row["source"] for row in interactions.rows()} | {row["target"] for row in interactions.rows()}
    return TeamApiView(
        moment,
        api,
        interactions,
        team_row,
        only_rows(by_component, "component", owned),
        only_rows(islands, "entity", owned),
        history,
        f"/teams/{quote(team, safe='')}" + (f"?now={quote(moment.now_text)}" if moment.now_text else ""),
        {other: _group_href(org, other, moment) for other in sorted(others - {team})},
    )


def _group_href(org: OrgService, group_id: str, moment: AsOf) -> str:
    group = org.model.groups.get(group_id)
    if group is None:
        return team_href(group_id, moment)
    return team_href(group_id, moment, valid_from=group.valid_from, valid_to=group.valid_to)


def group_exists_on(org: OrgService, group_id: str, day: date) -> bool:
    group = org.model.groups.get(group_id)
    return group is not None and valid_on(group.valid_from, group.valid_to, day)


# -- the cross-team dependency graph -----------------------------------------------------------------
EDGE_KINDS = ("declared", "coupling", "blocking")


@dataclass(frozen=True)
class GraphFilters:
    """The graph's filters, read from and written back to the URL: `kind` (repeated or comma separated;
    none: every kind), `group` (edges touching it or a group below it) and `min_weight` (edges of at least
    that weight)."""

    kinds: tuple[str, ...] = ()
    group: str | None = None
    min_weight: float = 0.0

    @classmethod
    def parse(cls, kinds: list[str], group: str | None, min_weight: str | None) -> GraphFilters:
        """Filters from URL parameters.

        Raises:
            InputError: an unknown kind, or a minimum weight that is not a number ≥ 0.
        """
        from orgflow.errors import InputError

        chosen: list[str] = []
        for value in kinds:
            for kind in value.split(","):
                kind = kind.strip()
                if kind and kind not in EDGE_KINDS:
                    raise InputError(f"unknown edge kind {kind!r}", field="kind", hint=f"use {', '.join(EDGE_KINDS)}")
                if kind and kind not in chosen:
                    chosen.append(kind)
        weight = 0.0
        if min_weight not in (None, ""):
            try:
                weight = float(min_weight)
            except ValueError:
                weight = -1.0
            if not weight >= 0 or weight == float("inf"):
                raise InputError(f"not a weight ({min_weight!r})", field="min_weight", hint="use a number ≥ 0")
        ordered = tuple(kind for kind in EDGE_KINDS if kind in chosen)
        return cls(() if ordered == EDGE_KINDS else ordered, group or None, weight)

    @property
    def shown_kinds(self) -> tuple[str, ...]:
        return self.kinds or EDGE_KINDS

    def params(self) -> dict[str, Any]:
        """URL parameters of these filters (defaults left out)."""
        return {
            "kind": list(self.kinds),
            "group": self.group,
            "min_weight": f"{self.min_weight:g}" if self.min_weight else None,
        }


@dataclass
class DependencyView:
    """The dependency graph on a date: nodes (teams) and edges after the filters, links and group choices."""

    moment: AsOf
    filters: GraphFilters
    nodes: MetricResult
    edges: MetricResult
    node_hrefs: dict[str, str]
    closed: set[str]
    group_choices: list[tuple[str, str, int]]

    def table(self) -> list[dict[str, Any]]:
        """The edges, most flow time lost first (edges without lost time last, heaviest first)."""
        rows = self.edges.rows()
        return sorted(rows, key=lambda row: (-(row["lost_days"] or 0.0), -(row["weight"] or 0.0), row["source"]))


def dependency_view(hub: MetricsHub, moment: AsOf, filters: GraphFilters) -> DependencyView:
    """`SocioTechService.dependency_nodes/dependency_edges` for the filters; with a minimum weight the lighter
    edges are dropped and the nodes (degrees, lost time) recomputed over the edges kept, by the same function
    the service uses (`orgflow.sociotech.dependencies.dependency_graph`).

    Raises:
        InputError: an unknown group.
    """
    from orgflow.sociotech import dependencies

    service = sociotech(hub, moment)
    kinds, group, until = filters.kinds or None, filters.group, moment.until
    key = (kinds, group, until)
    edges: MetricResult = _query(
        hub,
        moment,
        ("dependency-edges", *key),
        lambda _ws: service.dependency_edges(kinds=kinds, group=group, until=until),
    )
    nodes: MetricResult = _query(
        hub,
        moment,
        ("dependency-nodes", *key),
        lambda _ws: service.dependency_nodes(kinds=kinds, group=group, until=until),
    )
    if filters.min_weight:
        kept = [row for row in edges.rows() if (row["weight"] or 0.0) >= filters.min_weight]
        known = {
            row["team"]: dependencies.TeamNode(row["team"], row["name"], row["kind"], row["parent"])
            for row in nodes.rows()
        }
        node_table, edge_table = dependencies.dependency_graph(kept, known, kinds=filters.shown_kinds)
        extra = {"min_weight": filters.min_weight}
        edges = replace(edges, table=edge_table, params={**edges.params, **extra, "rows": edge_table.num_rows})
        nodes = replace(nodes, table=node_table, params={**nodes.params, **extra, "rows": node_table.num_rows})
    org = org_service(hub)
    hrefs, closed = {}, set()
    for team in nodes.table["team"].to_pylist():
        hrefs[team] = _group_href(org, team, moment)
        if not group_exists_on(org, team, moment.day):
            closed.add(team)
    depth: dict[str, int] = {}
    choices = []
    for row in org_summary(hub, moment).rows():  # parents come before their children
        depth[row["group"]] = depth[row["parent"]] + 1 if row["parent"] in depth else 0
        choices.append((row["group"], row["name"], depth[row["group"]]))
    return DependencyView(moment, filters, nodes, edges, hrefs, closed, choices)
