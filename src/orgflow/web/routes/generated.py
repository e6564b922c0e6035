"""Routes generated from the figure registry: one ``GET`` per declared figure with a command.

A figure's route (`orgflow.registry.Figure.route`: ``/api/NAME`` for a flow figure, ``/api/GROUP/VERB``
for the others, as its command) takes its shared filters, then its own options as query parameters of
the same names (an argument of the command is a required parameter), and answers what its command
prints with ``--format json``, plus ``"ok": true``. Its description is the figure's help without the
example. The shared part differs by domain (the flow figures read the dashboard's filters and default
window, `orgflow.web.routes.metrics`; the others their command's window, scope and --now as query
parameters, `QueryBlock`): a domain passes how its figures take it and how one is answered.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, get_args, get_origin

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field

from orgflow.flow.result import MetricResult
from orgflow.query.window import parse_day, parse_instant
from orgflow.registry import Figure, bounds
from orgflow.views.hub import MetricsHub
from orgflow.web.dependencies import HubDep
from orgflow.web.routes.payloads import result_body

_KEYWORD = inspect.Parameter.KEYWORD_ONLY

Parameters = Callable[[Figure], list[inspect.Parameter]]
"""A domain's shared route parameters of a figure (before its own options)."""
Answer = Callable[[Figure, MetricsHub, dict[str, Any]], Response]
"""A domain's answer to a figure's request: the figure, the hub and every parameter's value by name."""


def answer_json(result: MetricResult) -> Response:
    """`result` as its command's ``--format json`` prints it, plus ``"ok": true`` (a decimal as a number; an
    integer past 64 bits, such as a drawn seed, as it is)."""
    body = result_body(result)
    try:
        content = orjson.dumps(body, default=_number)
    except TypeError:  # an integer orjson cannot hold
        content = json.dumps(body, default=_number, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(content, media_type="application/json")


def _number(value: Any) -> float:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def query_parameter(name: str, description: str, *, alias: str | None = None) -> inspect.Parameter:
    """An optional text query parameter `name` (sent as `alias` when given)."""
    annotation = Annotated[str | None, Query(alias=alias, description=description)]
    return inspect.Parameter(name, _KEYWORD, default=None, annotation=annotation)


def own_parameters(figure: Figure, defaults: Mapping[str, Any] | None = None) -> list[inspect.Parameter]:
    """The figure's own options as query parameters of the same names, with their help and bounds
    (``ge=``, ``le=``: the command's ``min=`` and ``max=``); one without a default (a command's argument)
    is required. `defaults`: a route's own default of an option, where it differs from the command's
    (a forecast's seed: the command draws one, a route answers the same on every call)."""
    found = []
    defaults = defaults or {}
    for name, (kind, declared) in figure.user_options().items():
        limits = bounds(declared)
        low, high = limits.get("min"), limits.get("max")
        if _is_list(kind):
            # A repeated option: each value is checked (a 422 naming it), not the list.
            item = Annotated[int, Field(ge=low, le=high)]
            annotation = Annotated[list[item] | None, Query(description=declared.metadata["help"])]  # type: ignore[valid-type]
        else:
            annotation = Annotated[kind, Query(description=declared.metadata["help"], ge=low, le=high)]
        default = inspect.Parameter.empty if declared.default is dataclasses.MISSING else declared.default
        default = defaults.get(name, default)
        found.append(inspect.Parameter(name, _KEYWORD, default=default, annotation=annotation))
    return found


def _is_list(kind: Any) -> bool:
    """Whether an option's type is a list of integers (``list[int]``, optional or not)."""
    kinds = get_args(kind) if isinstance(kind, types.UnionType) else (kind,)
    return any(get_origin(part) is list and get_args(part) == (int,) for part in kinds)


def register(
    router: APIRouter,
    figures: Iterable[Figure],
    parameters: Parameters,
    answer: Answer,
    *,
    defaults: Mapping[str, Any] | None = None,
    **route: Any,
) -> None:
    """Add ``GET Figure.route`` to `router` for each of `figures` that has a command and a generated route
    (`Figure.generated_route`), in order (`defaults`: the routes' own defaults of options, by name, see
    `own_parameters`; `route`: more of FastAPI's route arguments, such as ``tags`` and ``responses``)."""
    for figure in figures:
        if figure.command and figure.generated_route:
            _route(router, figure, parameters, answer, route, defaults)


def _route(
    router: APIRouter,
    figure: Figure,
    parameters: Parameters,
    answer: Answer,
    extra: dict[str, Any],
    defaults: Mapping[str, Any] | None = None,
) -> None:
    hub = inspect.Parameter("hub", _KEYWORD, annotation=HubDep)

    def route(hub: MetricsHub, **values: Any) -> Response:
        return answer(figure, hub, values)

    own = own_parameters(figure, defaults)
    route.__signature__ = inspect.Signature([hub, *parameters(figure), *own])  # type: ignore[attr-defined]
    route.__name__ = figure.method
    command = f"orgflow {figure.command_group} {figure.command_name}"
    route.__doc__ = f"{figure.help.split('Example:')[0].strip()} Like `{command}`."
    router.get(figure.route.removeprefix(router.prefix), **extra)(route)


# -- the domains whose routes take their command's options ----------------------------------------------


@dataclass(frozen=True)
class QueryBlock:
    """Shared options of a command as query parameters: their parameters and `read`, turning the texts
    given into the values the service takes (a day, an instant)."""

    parameters: tuple[inspect.Parameter, ...]
    read: Callable[[dict[str, Any]], dict[str, Any]] = lambda values: values


def _days(values: dict[str, Any]) -> dict[str, date | None]:
    return {name: parse_day(text, field=name) if text else None for name, text in values.items()}


WINDOW = QueryBlock(
    (
        query_parameter("since", "Window start, YYYY-MM-DD (default: as the command's)."),
        query_parameter("until", "Window end, inclusive, YYYY-MM-DD (default: as the command's)."),
    ),
    _days,
)
"""since and until, read as days (the command's --since and --until)."""
NOW = QueryBlock(
    (query_parameter("now", "The figures as of this date or instant (ISO 8601, UTC if no offset)."),),
    lambda values: {"now": parse_instant(values["now"])},
)
"""now, read as an aware instant (None: not given)."""
OUTPUT = QueryBlock(())
"""A route always answers JSON: the command's --format and --columns have no parameter."""


def from_blocks(blocks: Mapping[str, QueryBlock]) -> Parameters:
    """The shared parameters of a figure: those of the blocks `Figure.shared` names, in order."""
    return lambda figure: [item for name in figure.shared for item in blocks[name].parameters]


def computed(blocks: Mapping[str, QueryBlock]) -> Answer:
    """An answer computing the figure with its service (``ws.<door>_at(now).compute``; without ``now``,
    as of the hub's fixed instant if it has one, else the current time), kept by the hub per figure,
    ``now`` and options; its shared values read by `blocks`. A figure's offline step (a forecast's
    trials) runs outside the store's lock."""

    def answer(figure: Figure, hub: MetricsHub, values: dict[str, Any]) -> Response:
        for name in figure.shared:
            taken = {item.name: values.pop(item.name) for item in blocks[name].parameters}
            values |= blocks[name].read(taken)
        now = values.pop("now", None) or hub.fixed_now
        key = (figure.name, now, tuple(sorted((name, _hashable(value)) for name, value in values.items())))

        def stage(workspace: Any) -> Any:
            return getattr(workspace, f"{figure.service_door}_at")(now).stage(figure.name, **values)

        if figure.offline is not None:  # its trials run outside the store's lock
            return answer_json(hub.cached_outside_lock(key, stage, figure.offline))
        return answer_json(hub.query(key, stage))

    return answer


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
