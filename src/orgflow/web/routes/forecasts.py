"""Forecast pages (`/forecasts`, `/forecasts/plan`), early-warning insights (`/insights` and the
`/insights/panel` fragment other pages load with HTMX) and their JSON twins under `/api/`.

Each page and its twin call the same function in `orgflow.web.forecast_views`; a history too short
to forecast from is shown on the page as its verdict and answered 400 by the API.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from orgflow.charts import plain
from orgflow.web.dependencies import HubDep, page_context
from orgflow.web.forecast_views import (
    DEFAULT_HOW_MANY_DAYS,
    MAX_ITEMS,
    MAX_PLAN_TRIALS,
    MAX_TRIALS,
    MAX_WINDOW_DAYS,
    ForecastQuery,
    ForecastView,
    PlanQuery,
    default_team,
    forecast_view,
    plan_view,
)
from orgflow.web.hub import MetricsHub
from orgflow.web.insight_views import insights_view
from orgflow.web.layout import page
from orgflow.web.rendering import templates
from orgflow.web.routes.payloads import result_body
from orgflow.web.views import Context

router = APIRouter()

_LAYOUT_PARAMETERS = ("team", "group", "type", "now")
"""The shared filters a forecast page passes to the layout (its `window` is days of history, not the
filter bar's window)."""

Team = Annotated[str | None, Query(description="Only this team's items (default: the first team by name).")]
Group = Annotated[str | None, Query(description="Only items of teams in this group, at any level.")]
ItemType = Annotated[str | None, Query(alias="type", description="Only this item type or flow type.")]
Items = Annotated[int, Query(ge=1, le=MAX_ITEMS, description="Items still to finish.")]
By = Annotated[str | None, Query(description="A date (YYYY-MM-DD): the chance of finishing by it.")]
Window = Annotated[
    int, Query(ge=1, le=MAX_WINDOW_DAYS, description="Days of throughput history to sample, before today.")
]
Trials = Annotated[int, Query(ge=1, le=MAX_TRIALS, description="Monte Carlo trials.")]
Seed = Annotated[int, Query(ge=0, description="Seed of the random streams (same seed, same answer).")]
Uncertainty = Annotated[str, Query(description="Parameter uncertainty: on or off.")]
Now = Annotated[str | None, Query(description="Forecast as of this date or instant (ISO 8601, UTC).")]
InsightTeam = Annotated[str | None, Query(description="Only this team's findings (default: every team).")]


def _layout(hub: MetricsHub, request: Request) -> Context:
    params = {name: request.query_params[name] for name in _LAYOUT_PARAMETERS if request.query_params.get(name)}
    return page_context(hub, params)


def _forecast(hub: MetricsHub, request: Request) -> ForecastView:
    query = ForecastQuery.parse(request.query_params, default_team=default_team(hub))
    return forecast_view(hub, query)


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
def forecasts_page(request: Request, hub: HubDep) -> HTMLResponse:
    """When will N items be done and how many by a date, for a team or group, with their outcomes."""
    view = _forecast(hub, request)
    context = _layout(hub, request)
    return page(request, "forecasts.html", context, view=view, default_days=DEFAULT_HOW_MANY_DAYS)


@router.get("/api/forecasts/when", tags=["forecasts"])
def forecast_when_data(
    request: Request,
    hub: HubDep,
    team: Team = None,
    group: Group = None,
    item_type: ItemType = None,
    items: Items = 50,
    by: By = None,
    window: Window = 90,
    trials: Trials = 10_000,
    seed: Seed = 1,
    uncertainty: Uncertainty = "on",
    now: Now = None,
) -> dict[str, Any]:
    """When will `items` items be done: rows `confidence` (%), `days` (day 1 = today) and `date`, read
    upward, plus `probability` of finishing by `by`. The history (items finished per day over the last
    `window` days) and its data-sufficiency verdict come along; too little history is a 400."""
    return _forecast_body(_forecast(hub, request), "when")


@router.get("/api/forecasts/how-many", tags=["forecasts"])
def forecast_how_many_data(
    request: Request,
    hub: HubDep,
    team: Team = None,
    group: Group = None,
    item_type: ItemType = None,
    by: Annotated[str | None, Query(description="Count items finished up to this date (default: 90 days).")] = None,
    window: Window = 90,
    trials: Trials = 10_000,
    seed: Seed = 1,
    uncertainty: Uncertainty = "on",
    now: Now = None,
) -> dict[str, Any]:
    """How many items by `by` (inclusive, from today; default the next 90 days): rows `confidence` (%)
    and `items`, read downward (85 %: at least that many in 85 % of trials)."""
    return _forecast_body(_forecast(hub, request), "how-many")


@router.get("/forecasts/plan", response_class=HTMLResponse, include_in_schema=False)
def plan_page(request: Request, hub: HubDep) -> HTMLResponse:
    """A plan of initiatives: each one's finish dates and odds, and the plan board."""
    view = plan_view(hub, PlanQuery.parse(request.query_params))
    context = _layout(hub, request)
    return page(request, "forecast_plan.html", context, view=view)


@router.get("/api/forecasts/plan", tags=["forecasts"])
def plan_data(
    request: Request,
    hub: HubDep,
    plan: Annotated[
        str | None, Query(description="A plan file relative to the workspace folder, or examples/<file>.")
    ] = None,
    window: Window = 90,
    trials: Annotated[int, Query(ge=1, le=MAX_PLAN_TRIALS, description="Monte Carlo trials.")] = 10_000,
    seed: Seed = 1,
    uncertainty: Uncertainty = "on",
    now: Now = None,
) -> dict[str, Any]:
    """A plan's forecast: one row per initiative (finish dates at 50/70/85/95 %, the probability of
    meeting its target) and the board (teams, bars, dependency arrows). Without `plan`: the plans on
    offer. Plans are read only from the workspace folder or the project's examples/."""
    view = plan_view(hub, PlanQuery.parse(request.query_params))
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
    (the figures tested and, under `items`, the item ids) and `suggested_action` (docs/insights.md)."""
    view = insights_view(hub, team=team or None, group=group or None, now_text=now)
    return {
        "ok": True,
        "now": plain(view.now),
        "team": view.team,
        "group": view.group,
        "counts": view.counts,
        "findings": [_json_ready(finding.as_row()) for finding in view.findings],
    }


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json_ready(part) for key, part in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(part) for part in value]
    return plain(value)
