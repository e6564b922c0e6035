"""The organization pages: the org chart with its design checks (`/org`), a team's Team API
(`/org/teams/{team}`) and the cross-team dependency graph (`/dependencies`), with their JSON twins.

A page and its twin call the same view function (`orgflow.web.org_views`, `team_api_views`,
`dependency_views`); every page takes `date` (YYYY-MM-DD, default: the day of the request's "now")
and `now`.

Each org and socio-technical figure with a command also has the route its declaration generates
(`orgflow.web.routes.generated`): ``/api/org/summary``, ``members``, ``checks`` and ``history``, and
``/api/deps/graph``, ``coupling``, ``ownership``, ``truck-factor``, ``congruence`` and ``drift``, taking
its command's options (``date``; ``since``, ``until`` and ``now``; and its own) and answering what the
command prints with ``--format json``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from orgflow import registry
from orgflow.charts.dependencies import KIND_COLORS, KIND_LABELS, dependency_graph_chart
from orgflow.charts.org import team_history_chart, team_size_chart
from orgflow.errors import InputError
from orgflow.query.window import parse_day
from orgflow.views.context import Chart
from orgflow.views.hub import MetricsHub
from orgflow.web.dependencies import HubDep, PageContext, not_found
from orgflow.web.dependency_views import EDGE_KINDS, DependencyView, GraphFilters, dependency_view
from orgflow.web.layout import page
from orgflow.web.org_views import AsOf, OrgChart, as_of, org_chart, org_service
from orgflow.web.routes import generated
from orgflow.web.routes.generated import QueryBlock, query_parameter
from orgflow.web.routes.payloads import result_body
from orgflow.web.team_api_views import TeamApiView, team_api_view

router = APIRouter()

DateParam = Annotated[str | None, Query(description="The org's date, YYYY-MM-DD (default: today, or `now`'s day).")]
NowParam = Annotated[str | None, Query(description="The instant figures are computed as of (ISO 8601).")]
KindParam = Annotated[
    list[str] | None,
    Query(
        description="Edge kinds to keep: declared, coupling, blocking (repeat or separate with commas; default all)."
    ),
]
GroupParam = Annotated[str | None, Query(description="Only edges touching this group or a group below it.")]
WeightParam = Annotated[str | None, Query(description="Only edges of at least this weight (default 0).")]


def _moment(hub: MetricsHub, date: str | None, now: str | None) -> AsOf:
    return as_of(hub, {"date": date or "", "now": now or ""})


def _chart(hub: MetricsHub, view: OrgChart) -> Chart:
    thresholds = org_service(hub).thresholds
    hrefs = {block.row["group"]: block.href or "" for block in view.teams()}
    spec = team_size_chart(
        view.summary, minimum=thresholds.team_size_min, maximum=thresholds.team_size_max, hrefs=hrefs
    )
    caption = "Direct members on the date; red bars are outside the team size limits. Click a bar for its Team API."
    return Chart("team-sizes", spec, caption, wide=True)


def _org_body(view: OrgChart) -> dict[str, Any]:
    return {
        "ok": True,
        "date": view.moment.day.isoformat(),
        "summary": result_body(view.summary),
        "checks": result_body(view.checks),
        "changes": [
            {
                "date": change.day.isoformat(),
                "opened": [g for g, _ in change.opened],
                "closed": [g for g, _ in change.closed],
            }
            for change in view.changes
        ],
    }


@router.get("/org", response_class=HTMLResponse, include_in_schema=False)
def org_page(request: Request, context: PageContext, date: DateParam = None, now: NowParam = None) -> HTMLResponse:
    """The org chart on a date: groups, their members and design checks, and the reorganizations."""
    hub = context.hub
    view = org_chart(hub, _moment(hub, date, now))
    return page(request, "org.html", context, view=view, sizes=_chart(hub, view))


@router.get("/api/org", tags=["organization"])
def org_data(hub: HubDep, date: DateParam = None, now: NowParam = None) -> dict[str, Any]:
    """The org chart's figures on a date: one summary row per group (parents first: direct members, FTE,
    members with the groups below, checks and checks failed), every design check row (group, check,
    subject, value, threshold, passed, details) and the days groups opened or closed."""
    return _org_body(org_chart(hub, _moment(hub, date, now)))


def _team(hub: MetricsHub, team: str, date: str | None, now: str | None) -> TeamApiView:
    moment = _moment(hub, date, now)  # a bad date is a 400, before the team is looked up
    try:
        return team_api_view(hub, moment, team)
    except InputError as error:
        raise not_found(error) from None


def _team_body(view: TeamApiView) -> dict[str, Any]:
    api = view.api
    return {
        "ok": True,
        "date": view.moment.day.isoformat(),
        "team": api.info,
        "members": result_body(api.members),
        "components": result_body(api.components),
        "dependencies": result_body(api.dependencies),
        "interactions": result_body(view.interactions),
        "checks": result_body(api.checks),
        "truck_factor": view.truck_factor,
        "component_truck_factors": result_body(view.component_truck_factors),
        "knowledge_islands": result_body(view.knowledge_islands),
        "history": result_body(view.history),
        "links": {"flow": view.flow_href, "teams": view.other_teams},
    }


@router.get("/org/teams/{team}", response_class=HTMLResponse, include_in_schema=False)
def team_api_page(
    request: Request, team: str, context: PageContext, date: DateParam = None, now: NowParam = None
) -> HTMLResponse:
    """A team's Team API on a date: members, owned components, dependencies, interactions, checks, git."""
    hub = context.hub
    view = _team(hub, team, date, now)
    thresholds = org_service(hub).thresholds
    history = Chart(
        "team-history",
        team_history_chart(view.history, minimum=thresholds.team_size_min, maximum=thresholds.team_size_max),
        "Direct members from each day the team's membership changed; dashed: the team size limits.",
        wide=True,
    )
    return page(request, "org_team.html", context, view=view, history=history)


@router.get("/api/org/teams/{team}", tags=["organization"])
def team_api_data(team: str, hub: HubDep, date: DateParam = None, now: NowParam = None) -> dict[str, Any]:
    """A team's Team API on a date: its members (role, allocation), owned components, declared
    dependencies both ways (with the other side's team), its coupling and blocking edges, its design
    checks, its truck factor and the truck factors and knowledge islands of its components. 404 for an
    unknown team or one that does not exist on the date."""
    return _team_body(_team(hub, team, date, now))


def _dependencies(
    hub: MetricsHub, date: str | None, now: str | None, kind: list[str] | None, group: str | None, weight: str | None
) -> DependencyView:
    moment = _moment(hub, date, now)
    return dependency_view(hub, moment, GraphFilters.parse(kind or [], group, weight))


def _dependency_body(view: DependencyView) -> dict[str, Any]:
    return {
        "ok": True,
        "date": view.moment.day.isoformat(),
        "filters": {
            "kinds": list(view.filters.shown_kinds),
            "group": view.filters.group,
            "min_weight": view.filters.min_weight,
        },
        "nodes": result_body(view.nodes),
        "edges": result_body(view.edges),
        "links": view.node_hrefs,
    }


@router.get("/dependencies", response_class=HTMLResponse, include_in_schema=False)
def dependencies_page(
    request: Request,
    context: PageContext,
    date: DateParam = None,
    now: NowParam = None,
    kind: KindParam = None,
    group: GroupParam = None,
    min_weight: WeightParam = None,
) -> HTMLResponse:
    """The cross-team dependency graph (interactive, filterable) and its edges by lost flow time."""
    hub = context.hub
    view = _dependencies(hub, date, now, kind, group, min_weight)
    names = {group_id: name for group_id, name, _depth in view.group_choices}
    spec = dependency_graph_chart(view.nodes, view.edges, hrefs=view.node_hrefs, closed=view.closed, group_names=names)
    return page(
        request,
        "dependencies.html",
        context,
        view=view,
        graph=spec,
        kinds=[(name, KIND_LABELS[name], KIND_COLORS[name]) for name in EDGE_KINDS],
    )


# A deprecated alias, out of the schema: the page's JSON twin, kept for existing clients and the page's
# "as JSON" link. The graph's route is the generated /api/deps/graph.
@router.get("/api/dependencies", tags=["organization"], include_in_schema=False, deprecated=True)
def dependencies_data(
    hub: HubDep,
    date: DateParam = None,
    now: NowParam = None,
    kind: KindParam = None,
    group: GroupParam = None,
    min_weight: WeightParam = None,
) -> dict[str, Any]:
    """Deprecated alias of ``/api/deps/graph`` (the dependencies page's JSON, with its filters): nodes
    (teams with in/out degree and the flow time lost to and by them) and edges (source depends on
    target; kind declared, coupling or blocking; weight, pairs, max_degree, items, lost_days,
    evidence), after the filters."""
    return _dependency_body(_dependencies(hub, date, now, kind, group, min_weight))


ORG_BLOCKS: dict[str, QueryBlock] = {
    "date": QueryBlock(
        (query_parameter("date", "The day to look at, YYYY-MM-DD (default: today, UTC, or `now`'s day)."),),
        lambda values: {"day": parse_day(values["date"], field="date") if values["date"] else None},
    ),
    "output": generated.OUTPUT,
}
"""The org commands' shared options as query parameters (`orgflow.cli.org.BLOCKS`)."""

generated.register(
    router,
    registry.figures("org"),
    generated.from_blocks(ORG_BLOCKS),
    generated.computed(ORG_BLOCKS),
    tags=["organization"],
)

DEPS_BLOCKS: dict[str, QueryBlock] = {
    "window": generated.WINDOW,
    "now": generated.NOW,
    "as_of": generated.NOW,
    "output": generated.OUTPUT,
}
"""The deps commands' shared options as query parameters (`orgflow.cli.deps.BLOCKS`; the graph's --now,
`as_of`, is ``now`` too)."""

generated.register(
    router,
    registry.figures("sociotech"),
    generated.from_blocks(DEPS_BLOCKS),
    generated.computed(DEPS_BLOCKS),
    tags=["organization"],
)
