"""Forecast pages (`/forecasts`, `/forecasts/plan`), early-warning insights (`/insights` and the
`/insights/panel` fragment other pages load with HTMX) and their JSON twins under `/api/`.

Each page and its twin take the same parameters (`orgflow.web.forecast_query`: numbers out of range
are a 422, other bad values a 400) and call the same function (`orgflow.web.forecast_views`,
`orgflow.web.plan_views`); a history too short to forecast from is shown on the page as its verdict
and answered 400 by the API.

The forecasts with a command have the routes their declarations generate
(`orgflow.web.routes.generated`): ``/api/forecast/when``, ``/api/forecast/how-many`` and
``/api/forecast/backtest``, taking the command's options (team, group, type, now, since and until for
a backtest, and its own) and answering what the command prints with ``--format json``; without
``seed`` they use `API_SEED` (1, as the pages), so a route answers the same on every call, and its
params say the seed. These are the figures' routes in the schema; ``/api/forecasts/when`` and
``/api/forecasts/how-many`` (the page's twins) are deprecated aliases kept out of it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from orgflow import registry
from orgflow.charts import plain
from orgflow.forecast.defaults import API_SEED
from orgflow.query.window import Cut
from orgflow.views.context import Context
from orgflow.views.hub import MetricsHub
from orgflow.web.dependencies import HubDep, page_context
from orgflow.web.forecast_query import ForecastQueryDep, Group, Now, PlanQueryDep
from orgflow.web.forecast_views import DEFAULT_HOW_MANY_DAYS, ForecastView, forecast_view
from orgflow.web.insight_views import insights_view
from orgflow.web.layout import page
from orgflow.web.plan_views import plan_view
from orgflow.web.rendering import templates
from orgflow.web.routes import generated
from orgflow.web.routes.generated import QueryBlock, query_parameter
from orgflow.web.routes.payloads import result_body

router = APIRouter()

_LAYOUT_PARAMETERS = ("team", "group", "type", "now")
"""The shared filters a forecast page passes to the layout (its `window` is days of history, not the
filter bar's window)."""

InsightTeam = Annotated[str | None, Query(description="Only this team's findings (default: every team).")]


def _layout(hub: MetricsHub, request: Request) -> Context:
    params = {name: request.query_params[name] for name in _LAYOUT_PARAMETERS if request.query_params.get(name)}
    return page_context(hub, params)


def _forecast_body(view: ForecastView, kind: str) -> dict[str, Any]:
    """The API's answer: parameters, history and verdict, and the forecast (400 without enough history)."""
    view.sufficiency.require()
    result = view.when if kind == "when" else view.how_many
    assert result is not None
    body = result_body(result.metric_result())
    body["query"] = view.query.params()
    body["cut"] = view.label
    body["history"] = view.history_body()
    if kind == "when":
        body["probability"] = None if view.probability is None else round(view.probability, 6)
    else:
        body["by"] = plain(view.how_many_by)
    return body


@router.get("/forecasts", response_class=HTMLResponse, include_in_schema=False)
def forecasts_page(request: Request, hub: HubDep, query: ForecastQueryDep) -> HTMLResponse:
    """When will N items be done and how many by a date, for a team or group, with their outcomes."""
    view = forecast_view(hub, query)
    context = _layout(hub, request)
    return page(request, "forecasts.html", context, view=view, default_days=DEFAULT_HOW_MANY_DAYS)


# Deprecated aliases, out of the schema: the page's JSON twins, kept for existing clients and the page's
# "As JSON" links. The figures' routes are the generated /api/forecast/when and /api/forecast/how-many.
@router.get("/api/forecasts/when", tags=["forecasts"], include_in_schema=False, deprecated=True)
def forecast_when_data(hub: HubDep, query: ForecastQueryDep) -> dict[str, Any]:
    """Deprecated alias of ``/api/forecast/when`` (the forecasts page's JSON, with its history and verdict):
    rows `confidence` (%), `days` (day 1 = today) and `date`, read upward, plus `probability` of
    finishing by `by`; too little history is a 400."""
    return _forecast_body(forecast_view(hub, query), "when")


@router.get("/api/forecasts/how-many", tags=["forecasts"], include_in_schema=False, deprecated=True)
def forecast_how_many_data(hub: HubDep, query: ForecastQueryDep) -> dict[str, Any]:
    """Deprecated alias of ``/api/forecast/how-many`` (the forecasts page's JSON): rows `confidence` (%)
    and `items`, read downward, by `by` (inclusive, from today; default the next 90 days)."""
    return _forecast_body(forecast_view(hub, query), "how-many")


@router.get("/forecasts/plan", response_class=HTMLResponse, include_in_schema=False)
def plan_page(request: Request, hub: HubDep, query: PlanQueryDep) -> HTMLResponse:
    """A plan of initiatives: each one's finish dates and odds, and the plan board."""
    view = plan_view(hub, query)
    context = _layout(hub, request)
    return page(request, "forecast_plan.html", context, view=view)


@router.get("/api/forecasts/plan", tags=["forecasts"])
def plan_data(hub: HubDep, query: PlanQueryDep) -> dict[str, Any]:
    """A plan's forecast: one row per initiative (finish dates at 50/70/85/95 %, the probability of
    meeting its target) and the board (teams, bars, dependency arrows). Without `plan`: the plans on
    offer. Plans are read only from the workspace folder or the project's examples/."""
    view = plan_view(hub, query)
    body: dict[str, Any] = {"ok": True, "query": view.query.params(), "available": view.available}
    if view.result is not None:
        body.update(result_body(view.result.metric_result()))
        body["board"] = view.board
    return body


@router.get("/insights", response_class=HTMLResponse, include_in_schema=False)
def insights_page(request: Request, hub: HubDep, team: str | None = None, group: str | None = None) -> HTMLResponse:
    """Early-warning findings grouped by severity and rule, with evidence, action and items."""
    now_text = request.query_params.get("now") or None
    view = insights_view(hub, team=team or None, group=group or None, now_text=now_text)
    return page(request, "insights.html", _layout(hub, request), view=view)


@router.get("/insights/panel", response_class=HTMLResponse, include_in_schema=False)
def insights_panel(request: Request, hub: HubDep, team: str | None = None, group: str | None = None) -> HTMLResponse:
    """The insights panel alone (an HTML fragment), for a page to load with
    `<div hx-get="/insights/panel?team=..." hx-trigger="load" hx-swap="outerHTML"></div>`."""
    now_text = request.query_params.get("now") or None
    view = insights_view(hub, team=team or None, group=group or None, now_text=now_text)
    return templates.TemplateResponse(request, "insights_panel.html", {"panel": view})


@router.get("/api/insights", tags=["insights"])
def insights_data(hub: HubDep, team: InsightTeam = None, group: Group = None, now: Now = None) -> dict[str, Any]:
    """Early-warning findings, most severe first: `rule`, `severity`, `subject`, `title`, `evidence`
    (the figures tested and, under `items`, the item ids) and `suggested_action` (docs/insights.md); and
    `notes`, why nothing was found when nothing was (the same lines as `orgflow insights -f json`)."""
    view = insights_view(hub, team=team or None, group=group or None, now_text=now)
    return {
        "ok": True,
        "now": plain(view.now),
        "team": view.team,
        "group": view.group,
        "counts": view.counts,
        "findings": [_json_ready(finding.as_row()) for finding in view.findings],
        "notes": list(view.notes),
    }


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json_ready(part) for key, part in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(part) for part in value]
    return plain(value)


BLOCKS: dict[str, QueryBlock] = {
    "cut": QueryBlock(
        (
            query_parameter("team", "Only this team's items."),
            query_parameter("group", "Only items of teams in this group (any level)."),
            query_parameter("item_type", "Only this item type or flow type (feature, defect…).", alias="type"),
        ),
        lambda values: {"cut": Cut(**values)},
    ),
    "window": generated.WINDOW,
    "output": generated.OUTPUT,
    "now": generated.NOW,
}
"""The forecast commands' shared options as query parameters (`orgflow.cli.forecast.BLOCKS`)."""

generated.register(
    router,
    registry.figures("forecast"),
    generated.from_blocks(BLOCKS),
    generated.computed(BLOCKS),
    defaults={"seed": API_SEED},
    tags=["forecasts"],
)
