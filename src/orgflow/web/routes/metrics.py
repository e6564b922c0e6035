"""The metrics API: `GET /api/<metric>` for every `orgflow flow <metric>` command, same parameters.

Each answers what `orgflow flow <metric> --format json` prints, plus `"ok": true`:
`{"ok", "metric", "definition", "params", "rows"}`. Without a window the default window is used, as on
the command line and the pages: the last 90 days of the data behind the cut (a summary by team gives a
team whose data ends earlier its own, in `params.row_windows`); `window=30|180` picks the last days
before that end, `window=all` the whole history (docs/decisions/0007-default-window.md).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel

from orgflow.flow.service import MetricResult
from orgflow.web.dependencies import HubDep, parse_filters
from orgflow.web.filters import DEFAULT_WINDOW, Filters
from orgflow.web.routes.payloads import result_body


class MetricBody(BaseModel):
    """A metric's rows with its definition and the parameters it was computed with."""

    ok: Literal[True]
    metric: str
    definition: str
    params: dict[str, Any]
    rows: list[dict[str, Any]]


class ErrorBody(BaseModel):
    """Every error of the API: what is wrong and where (file, record, field or path)."""

    ok: Literal[False]
    error: str
    where: dict[str, str]
    hint: str | None = None


router = APIRouter(
    prefix="/api",
    tags=["metrics"],
    responses={
        200: {"model": MetricBody},
        400: {"model": ErrorBody, "description": "bad input: unknown team or group, bad date, bad window..."},
        422: {"model": ErrorBody, "description": "a parameter of the wrong type"},
    },
)

Team = Annotated[str | None, Query(description="Only this team's items.")]
Group = Annotated[str | None, Query(description="Only items of teams in this group (any level).")]
ItemType = Annotated[
    str | None, Query(alias="type", description="Only this item type or flow type (feature, defect…).")
]
ValueStream = Annotated[str | None, Query(description="Only teams of this value stream.")]
Project = Annotated[str | None, Query(description="Only this project or repository.")]
Since = Annotated[str | None, Query(description="Window start, YYYY-MM-DD (default: the default window's).")]
Until = Annotated[str | None, Query(description="Window end, inclusive, YYYY-MM-DD (default: the data's last day).")]
Window = Annotated[
    str | None,
    Query(
        description="90 (default): the last 90 days of the cut's data; 30 or 180 likewise; all. "
        "Ignored with since/until."
    ),
]
Now = Annotated[str | None, Query(description="See the flow as of this date or instant (ISO 8601, UTC if no offset).")]
By = Annotated[str | None, Query(description="Group rows by team, group, type, flow_type, project, value_stream.")]
Cancelled = Annotated[bool, Query(description="Count cancelled items too.")]


def _windowed(
    hub: HubDep,
    team: Team = None,
    group: Group = None,
    item_type: ItemType = None,
    value_stream: ValueStream = None,
    project: Project = None,
    since: Since = None,
    until: Until = None,
    window: Window = None,
    now: Now = None,
) -> Filters:
    values = {
        "team": team,
        "group": group,
        "type": item_type,
        "value_stream": value_stream,
        "project": project,
        "since": since,
        "until": until,
        "window": window,
        "now": now,
    }
    return parse_filters(hub, {key: value for key, value in values.items() if value})


def _cut_only(
    hub: HubDep,
    team: Team = None,
    group: Group = None,
    item_type: ItemType = None,
    value_stream: ValueStream = None,
    project: Project = None,
    now: Now = None,
) -> Filters:
    return _windowed(hub, team, group, item_type, value_stream, project, None, None, None, now)


Windowed = Annotated[Filters, Depends(_windowed)]
CutOnly = Annotated[Filters, Depends(_cut_only)]


def _answer(result: MetricResult) -> Response:
    return Response(orjson.dumps(result_body(result)), media_type="application/json")


def _compute(hub: HubDep, filters: Filters, metric: str, *, window: bool = True, **params: Any) -> Response:
    if window:
        # The default window is the metrics' own: a summary by team then gives each team its own.
        default = filters.window == DEFAULT_WINDOW
        params |= {"since": None if default else filters.since, "until": None if default else filters.until}
    return _answer(hub.compute(metric, now=filters.now, cut=filters.cut(), **params))


@router.get("/summary")
def summary(hub: HubDep, filters: Windowed, by: By = None) -> Response:
    """Headline figures per team, group or type (finished, lead and cycle time percentiles, throughput
    per week, WIP, flow efficiency). Like `orgflow flow summary`."""
    return _compute(hub, filters, "summary", by=by)


@router.get("/lead-time")
def lead_time(hub: HubDep, filters: Windowed, include_cancelled: Cancelled = False) -> Response:
    """Lead time (created → finished) of each finished item. Like `orgflow flow lead-time`."""
    return _compute(hub, filters, "lead_time", include_cancelled=include_cancelled)


@router.get("/cycle-time")
def cycle_time(hub: HubDep, filters: Windowed, include_cancelled: Cancelled = False) -> Response:
    """Cycle time (started → finished) of each finished item. Like `orgflow flow cycle-time`."""
    return _compute(hub, filters, "cycle_time", include_cancelled=include_cancelled)


@router.get("/throughput")
def throughput(
    hub: HubDep,
    filters: Windowed,
    by: By = None,
    period: Annotated[str, Query(description="day, week or month.")] = "week",
) -> Response:
    """Items finished and started per period, and net flow. Like `orgflow flow throughput`."""
    return _compute(hub, filters, "throughput", by=by, period=period)


@router.get("/wip")
def wip(hub: HubDep, filters: Windowed, by: By = None) -> Response:
    """Work in progress at the end of each day. Like `orgflow flow wip`."""
    return _compute(hub, filters, "wip", by=by)


@router.get("/cfd")
def cfd(hub: HubDep, filters: Windowed) -> Response:
    """Cumulative flow per day and stage. Like `orgflow flow cfd`."""
    return _compute(hub, filters, "cfd")


@router.get("/age")
def age(hub: HubDep, filters: CutOnly) -> Response:
    """Age of every started, unfinished item against its team's SLE. Like `orgflow flow age`."""
    return _compute(hub, filters, "age", window=False)


@router.get("/efficiency")
def efficiency(
    hub: HubDep,
    filters: Windowed,
    by: By = None,
    per_item: Annotated[bool, Query(description="One row per item.")] = False,
) -> Response:
    """Flow efficiency: active time / cycle time. Like `orgflow flow efficiency`."""
    return _compute(hub, filters, "efficiency", by=by, per_item=per_item)


@router.get("/distribution")
def distribution(hub: HubDep, filters: Windowed) -> Response:
    """Share of features, defects, risks and debt, finished and in progress. Like `orgflow flow distribution`."""
    return _compute(hub, filters, "distribution")


@router.get("/stages")
def stages(
    hub: HubDep,
    filters: Windowed,
    by: By = None,
    level: Annotated[str, Query(description="stage or phase.")] = "stage",
) -> Response:
    """Where flow time goes: time per stage or phase. Like `orgflow flow stages`."""
    return _compute(hub, filters, "stages", by=by, level=level)


@router.get("/items")
def items(
    hub: HubDep,
    filters: Windowed,
    stage: Annotated[str | None, Query(description="Only items now in this stage.")] = None,
    state: Annotated[str | None, Query(description="open or finished.")] = None,
) -> Response:
    """The items behind the figures. Like `orgflow flow items`."""
    return _compute(hub, filters, "items", stage=stage, state=state)


@router.get("/sle")
def sle(hub: HubDep, filters: CutOnly) -> Response:
    """Service level expectation per team and item type. Like `orgflow flow sle`."""
    return _compute(hub, filters, "sle", window=False)


@router.get("/blocked")
def blocked(hub: HubDep, filters: Windowed) -> Response:
    """Time items spent blocked (flag, blocked stage, cross-team links). Like `orgflow flow blocked`."""
    return _compute(hub, filters, "blocked")


@router.get("/littles-law")
def littles_law(hub: HubDep, filters: Windowed) -> Response:
    """Little's law check with stability conditions. Like `orgflow flow littles-law`."""
    return _compute(hub, filters, "littles_law")
