"""The delivery pages (`/delivery`, `/delivery/services/{service}`, `/delivery/teams/{team}`) and their
JSON twins under `/api/delivery`: DORA's five metrics per cluster, team and service, deployments,
incidents and where lead time goes. A page and its twin call the same view function.

Each delivery figure also has the route its declaration generates (`orgflow.web.routes.generated`):
``/api/dora/summary``, ``/api/dora/deployments``, ... ``/api/prs/list``, taking its command's options
(since, until, service, team, group or repo, now and its own) and answering what the command prints
with ``--format json``.

Parameters: `window` (30, 90, 180 or 365: the last days before today; `all`), or `since` and `until`
(YYYY-MM-DD, inclusive); `now` (the figures as of that instant). Default: the last 90 days.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from orgflow import registry
from orgflow.views.context import Context
from orgflow.web.delivery_context import WINDOW_CHOICES, delivery_context, window_key
from orgflow.web.delivery_views import DeliveryDetail, DeliveryOverview, overview_view, service_view, team_view
from orgflow.web.dependencies import get_hub
from orgflow.web.dora_rows import DoraRow
from orgflow.web.layout import page
from orgflow.web.routes import generated
from orgflow.web.routes.generated import QueryBlock, query_parameter
from orgflow.web.routes.metrics import ErrorBody
from orgflow.web.routes.payloads import result_body

router = APIRouter()


Window = Annotated[
    str | None,
    Query(description="30, 90 (default), 180 or 365: the last days before today; all. Ignored with since/until."),
]
Since = Annotated[str | None, Query(description="Window start, YYYY-MM-DD.")]
Until = Annotated[str | None, Query(description="Window end, inclusive, YYYY-MM-DD.")]
Now = Annotated[str | None, Query(description="The figures as of this date or instant (ISO 8601, UTC if no offset).")]

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "a bad window, date or now"},
    404: {"model": ErrorBody, "description": "an unknown service or team"},
    422: {"model": ErrorBody, "description": "a parameter of the wrong type"},
}


def _context(
    request: Request, window: Window = None, since: Since = None, until: Until = None, now: Now = None
) -> Context:
    """The delivery pages' context from the request's window, since, until and now."""
    given = {"window": window, "since": since, "until": until, "now": now}
    return delivery_context(get_hub(request), {key: value for key, value in given.items() if value})


DeliveryContext = Annotated[Context, Depends(_context)]


def _overview(context: Context) -> DeliveryOverview:
    return context.view("delivery", None, lambda: overview_view(context))


def _service(context: Context, service: str) -> DeliveryDetail:
    """The service page's view; a service with no production deployment is a `NotFoundError` (404)."""
    return context.view("delivery-service", service, lambda: service_view(context, service))


def _team(context: Context, team: str) -> DeliveryDetail:
    """The team page's view; an unknown team is a `NotFoundError` (404)."""
    return context.view("delivery-team", team, lambda: team_view(context, team))


def _page(request: Request, template: str, context: Context, **data: Any) -> HTMLResponse:
    today = context.hub.now(context.now).date()
    choice = window_key(context.filters, today)
    return page(request, template, context, delivery_windows=WINDOW_CHOICES, window_choice=choice, **data)


def _row_body(row: DoraRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "key": row.key,
        "name": row.name,
        "href": row.href,
        "figures": [
            {key: getattr(figure, key) for key in ("key", "label", "value", "text", "sample", "band", "small_sample")}
            for figure in row.figures
        ],
    }


def _overview_body(view: DeliveryOverview) -> dict[str, Any]:
    return {
        "ok": True,
        "window": view.window,
        "teams": result_body(view.teams_result),
        "groups": result_body(view.groups_result),
        "services": result_body(view.services_result),
        "clusters": [
            {"cluster": block.group_id, "name": block.name, "teams": [row.key for row in block.teams]}
            for block in view.clusters
        ],
        "quality": result_body(view.quality),
        "notes": view.notes,
        "charts": {chart.key: chart.spec for chart in view.charts},
    }


def _detail_body(view: DeliveryDetail) -> dict[str, Any]:
    return {
        "ok": True,
        "kind": view.kind,
        view.kind: view.key,
        "name": view.name,
        "window": view.window,
        "owner": {"team": view.owner[0], "name": view.owner[1]} if view.owner else None,
        "summary": result_body(view.summary),
        "figures": _row_body(view.total),
        "services": result_body(view.services_result) if view.services_result is not None else None,
        "deployments": result_body(view.deployments),
        "incidents": result_body(view.incidents),
        "pr_stages": result_body(view.pr_stages),
        "notes": view.notes,
        "charts": {chart.key: chart.spec for chart in view.charts},
    }


@router.get("/delivery", response_class=HTMLResponse, include_in_schema=False)
def delivery_page(request: Request, context: DeliveryContext) -> HTMLResponse:
    """DORA's five metrics per cluster, team and service, with the data-quality notes."""
    return _page(request, "delivery.html", context, view=_overview(context))


@router.get("/delivery/services/{service}", response_class=HTMLResponse, include_in_schema=False)
def delivery_service_page(request: Request, service: str, context: DeliveryContext) -> HTMLResponse:
    """One service: its figures, deployments, lead times, incidents and pull-request stages."""
    return _page(request, "delivery_detail.html", context, view=_service(context, service))


@router.get("/delivery/teams/{team}", response_class=HTMLResponse, include_in_schema=False)
def delivery_team_page(request: Request, team: str, context: DeliveryContext) -> HTMLResponse:
    """One team: its services pooled and apart, deployments, lead times, incidents, pull-request stages."""
    return _page(request, "delivery_detail.html", context, view=_team(context, team))


@router.get("/api/delivery", tags=["delivery"], responses=ERRORS)
def delivery_data(context: DeliveryContext) -> dict[str, Any]:
    """The delivery page's figures: `DeliveryService.summary` by team, group (org and clusters) and
    service (with DORA band labels), the clusters' teams, the delivery data-quality warnings and the
    chart specs (Vega-Lite). Parameters: window (30, 90, 180, 365, all) or since/until, now."""
    return _overview_body(_overview(context))


@router.get("/api/delivery/services/{service}", tags=["delivery"], responses=ERRORS)
def delivery_service_data(service: str, context: DeliveryContext) -> dict[str, Any]:
    """A service page's figures: its summary row, deployments, incidents with their attribution,
    pull-request stage distributions of its repository, and chart specs. 404 for a service with no
    production deployment."""
    return _detail_body(_service(context, service))


@router.get("/api/delivery/teams/{team}", tags=["delivery"], responses=ERRORS)
def delivery_team_data(team: str, context: DeliveryContext) -> dict[str, Any]:
    """A team page's figures: its summary row (its services pooled), one row per service, deployments,
    incidents with their attribution, its pull-request stage distributions, and chart specs. 404 for an
    unknown team."""
    return _detail_body(_team(context, team))


_SERVICE = query_parameter("service", "Only this service.")
_TEAM = query_parameter("team", "Only services this team owns (pull requests: of its repositories).")
BLOCKS: dict[str, QueryBlock] = {
    "window": generated.WINDOW,
    "scope": QueryBlock(
        (_SERVICE, _TEAM, query_parameter("group", "Only services of teams in this group (any level)."))
    ),
    "service": QueryBlock((_SERVICE,)),
    "pulls": QueryBlock((query_parameter("repo", "Only this repository."), _TEAM)),
    "output": generated.OUTPUT,
    "now": generated.NOW,
}
"""The delivery commands' shared options as query parameters (`orgflow.cli.dora.BLOCKS`)."""

generated.register(
    router,
    registry.figures("delivery"),
    generated.from_blocks(BLOCKS),
    generated.computed(BLOCKS),
    tags=["delivery"],
    responses=ERRORS,
)
