"""The metrics API: `GET /api/<metric>` for every `orgflow flow <metric>` command, same parameters.

The routes are generated from the flow figures' declarations (`orgflow.flow.figures`) by
`orgflow.web.routes.generated`, as every domain's are: the cut and window filters, ``by`` when a
figure groups its rows, ``phase`` when a phase narrows them (`orgflow.flow.phases`), and its own
options.

Each answers what `orgflow flow <metric> --format json` prints, plus `"ok": true`:
`{"ok", "metric", "definition", "params", "rows", "notes"}`. Without a window the default window is used, as on
the command line and the pages: the last 90 days of the data behind the cut (a summary by team gives a
team whose data ends earlier its own, in `params.row_windows`); `window=30|180` picks the last days
before that end, `window=all` the whole history (docs/decisions/0007-default-window.md).
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel

from orgflow import registry
from orgflow.registry import Figure
from orgflow.views.filters import DEFAULT_WINDOW, Filters
from orgflow.views.hub import MetricsHub
from orgflow.web.dependencies import HubDep, parse_filters
from orgflow.web.routes import generated


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
Phase = Annotated[
    str | None,
    Query(description="Only the stages of this phase (orgflow.yaml phases): rows by stage or phase, items now in it."),
]


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


def _compute(hub: HubDep, filters: Filters, figure: Figure, phase: str | None = None, **params: Any) -> Response:
    if figure.window:
        # The default window is the figures' own: a summary by team then gives each team its own.
        default = filters.window == DEFAULT_WINDOW
        params |= {"since": None if default else filters.since, "until": None if default else filters.until}
    cut = dataclasses.replace(filters.cut(), phase=phase or None)
    return generated.answer_json(hub.compute(figure.method, now=filters.now, cut=cut, **params))


def _parameters(figure: Figure) -> list[inspect.Parameter]:
    """A flow figure's shared parameters: the cut (and window) filters, ``by`` when it groups, ``phase``
    when a phase narrows it."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [inspect.Parameter("filters", keyword, annotation=Windowed if figure.window else CutOnly)]
    if figure.takes_by:
        parameters.append(inspect.Parameter("by", keyword, default=None, annotation=By))
    if figure.phased:
        parameters.append(inspect.Parameter("phase", keyword, default=None, annotation=Phase))
    return parameters


def _answer(figure: Figure, hub: MetricsHub, values: dict[str, Any]) -> Response:
    return _compute(hub, values.pop("filters"), figure, **values)


generated.register(router, registry.figures("flow"), _parameters, _answer)
