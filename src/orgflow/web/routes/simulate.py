"""Simulation pages (`/simulate`, and the `/simulate/leverage/panel` fragment team and group pages
load with HTMX) and their JSON twins under `/api/simulate/`.

Each page and its twin call the same function in `orgflow.web.simulate_views` (or
`simulate_leverage_views`), which calls
`ws.simulate` as `orgflow simulate run|leverage|backtest` does: with the same parameters and seed
the API's rows are the CLI's JSON rows. A scenario that is not valid is a 400 naming its file, line
and field (docs/simulation.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import HTMLResponse

from orgflow.web.dependencies import HubDep, page_context
from orgflow.web.layout import page
from orgflow.web.rendering import templates
from orgflow.web.routes.payloads import result_body
from orgflow.web.simulate_leverage_views import backtest_result, leverage_panel, leverage_result
from orgflow.web.simulate_views import (
    DEFAULT_BACKTEST_REPLICATIONS,
    DEFAULT_HORIZON_DAYS,
    DEFAULT_REPLICATIONS,
    DEFAULT_SEED,
    DEFAULT_WARMUP_DAYS,
    MAX_HORIZON_DAYS,
    MAX_REPLICATIONS,
    MAX_WARMUP_DAYS,
    RunQuery,
    offers,
    posted_result,
    scenario_result,
    scenario_view,
)

router = APIRouter()

Scenario = Annotated[
    str | None,
    Query(description="A scenario file relative to the workspace folder, or examples/<file> (docs/simulation.md)."),
]
Team = Annotated[str | None, Query(description="Only this team (its own calibration, as `--team`).")]
Group = Annotated[str | None, Query(description="A group's teams (a cluster, or any group above teams).")]
Replications = Annotated[
    int,
    Query(ge=2, le=MAX_REPLICATIONS, description="Independent replications (a scenario file's own value wins)."),
]
BacktestReplications = Annotated[int, Query(ge=2, le=MAX_REPLICATIONS, description="Independent replications.")]
Seed = Annotated[int, Query(ge=0, le=2**63 - 1, description="Seed: the same seed gives the same figures.")]
Horizon = Annotated[float, Query(ge=30, le=MAX_HORIZON_DAYS, description="Simulated days measured, after the warm-up.")]
Warmup = Annotated[float, Query(ge=0, le=MAX_WARMUP_DAYS, description="Simulated days before measuring.")]
Split = Annotated[float, Query(gt=0, lt=1, description="Share of the history to calibrate on (the rest is compared).")]


def _query(
    replications: Replications = DEFAULT_REPLICATIONS,
    seed: Seed = DEFAULT_SEED,
    horizon: Horizon = DEFAULT_HORIZON_DAYS,
    warmup: Warmup = DEFAULT_WARMUP_DAYS,
) -> RunQuery:
    """The run parameters every scenario and leverage route takes from the URL."""
    return RunQuery(replications=replications, seed=seed, horizon_days=horizon, warmup_days=warmup)


Run = Annotated[RunQuery, Depends(_query)]


@router.get("/simulate", response_class=HTMLResponse, include_in_schema=False)
def simulate_page(
    request: Request,
    hub: HubDep,
    query: Run,
    scenario: Scenario = None,
) -> HTMLResponse:
    """A scenario against the baseline: flow time bands, time per stage, stations, differences."""
    view = scenario_view(hub, scenario, query)
    return page(request, "simulate.html", page_context(hub, {}), view=view)


@router.get("/simulate/leverage/panel", response_class=HTMLResponse, include_in_schema=False)
def leverage_panel_fragment(
    request: Request,
    hub: HubDep,
    query: Run,
    team: Team = None,
    group: Group = None,
) -> HTMLResponse:
    """The leverage panel alone (an HTML fragment), for a page to load with
    `<div hx-get="/simulate/leverage/panel?team=..." hx-trigger="revealed" hx-swap="outerHTML"></div>`."""
    panel = leverage_panel(hub, team=team or None, group=group or None, query=query)
    return templates.TemplateResponse(request, "simulate_leverage_panel.html", {"panel": panel})


@router.get("/api/simulate/scenarios", tags=["simulation"])
def scenarios_data(hub: HubDep) -> dict[str, Any]:
    """The scenario files on offer, as `scenario` parameters: those that apply to the workspace (read
    against its calibrated baseline as a run reads them). `not_applying`: the workspace's own scenario
    files that do not, with why; `example`: a scenario in YAML naming the workspace's own team and stage
    (null when none can be written), to save as `example_file`; `why_none`: why no scenario can apply
    (null when one can); `why_no_example`: why no example could be written for a calibrated workspace."""
    found = offers(hub)
    return {
        "ok": True,
        "scenarios": found.offered,
        "not_applying": found.not_applying,
        "example": found.example,
        "example_file": found.example_name,
        "why_none": found.why_none,
        "why_no_example": found.why_no_example,
    }


@router.get("/api/simulate/run", tags=["simulation"])
def run_data(
    hub: HubDep,
    scenario: Annotated[
        str, Query(description="A scenario file relative to the workspace folder, or examples/<file>.")
    ],
    query: Run,
) -> dict[str, Any]:
    """A scenario against the baseline calibrated on the last 365 days, under common random numbers:
    a row per `scope` (org, group, team, stage, station), `subject`, `stage` and `figure`, with the
    `baseline` and `scenario` means over replications and the paired `difference` with its 95 %
    interval (`difference_low`, `difference_high`); the rows of `orgflow simulate run --format json`."""
    result, shown = scenario_result(hub, scenario, query)
    return {**result_body(result), "scenario_file": shown}


@router.post("/api/simulate/run", tags=["simulation"])
def run_posted(
    hub: HubDep,
    body: Annotated[
        str,
        Body(media_type="application/yaml", description="The scenario as YAML (the format of docs/simulation.md)."),
    ],
    query: Run,
) -> dict[str, Any]:
    """A scenario posted as YAML against the baseline: the rows of the GET twin. An invalid scenario
    is a 400 naming the line and field (`where`), the file being "request body"."""
    return result_body(posted_result(hub, body, query))


@router.get("/api/simulate/leverage", tags=["simulation"])
def leverage_data(
    hub: HubDep,
    query: Run,
    team: Team = None,
    group: Group = None,
) -> dict[str, Any]:
    """Per stage, ranked: `stage`, `phase`, `share` of flow time, `flow_time_mean`,
    `flow_time_mean_if_2x`, `flow_time_p85`, `flow_time_p85_if_2x` (days: the items' whole flow time
    now and with that stage twice as fast), the 95 % interval of the p85 change, and `unknown_reasons`
    where a stage has no time of its own to halve. For a team (its own calibration, as the CLI's
    `--team`) or a group (its teams in the organization's model; the organization's id: every team)."""
    return result_body(leverage_result(hub, team=team or None, group=group or None, query=query))


@router.get("/api/simulate/backtest", tags=["simulation"])
def backtest_data(
    hub: HubDep,
    team: Team = None,
    split: Split = 0.7,
    replications: BacktestReplications = DEFAULT_BACKTEST_REPLICATIONS,
    seed: Seed = DEFAULT_SEED,
) -> dict[str, Any]:
    """Calibrated on the first `split` of the history and run over the rest: a row per `team` and
    `figure` (cycle_time_p50, cycle_time_p85 in days, throughput_per_week) with `predicted`, `actual`
    and `relative_error` = (predicted - actual) / actual."""
    query = RunQuery(replications=replications, seed=seed)
    return result_body(backtest_result(hub, team=team or None, split=split, query=query))
