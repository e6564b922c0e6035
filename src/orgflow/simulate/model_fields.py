"""The fields of a model file, read one by one: every error names the file, the line and the field.

`network_from` turns a model file (`orgflow.simulate.model_file` describes it) into a `Network`
without running `check_network`; `number` and `distribution_from` also read scenario files.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Any

from orgflow.simulate.distributions import KINDS, Distribution
from orgflow.simulate.network import WEEKDAYS, Arrivals, Network, Station, Step, Team
from orgflow.simulate.trains import check_freeze
from orgflow.simulate.yaml_source import YamlSource

_STATION_FIELDS = {
    "kind",
    "capacity",
    "capacity_from",
    "people",
    "per_person",
    "every_days",
    "offset_days",
    "batch_limit",
    "freezes",
    "wip_limit",
}
_STEP_FIELDS = {"stage", "phase", "station", "times", "queue_stage", "visit", "rework", "rework_to", "depends_on"}
_TEAM_FIELDS = {"group", "arrivals", "weekdays", "route", "wip_limit"}


def _mapping(source: YamlSource, value: Any, path: tuple[Any, ...], allowed: set[str] | None = None) -> dict:
    if not isinstance(value, dict):
        raise source.error("expected a mapping", path)
    if allowed is not None:
        unknown = sorted(set(map(str, value)) - allowed)
        if unknown:
            raise source.error(
                f"unknown field {unknown[0]!r} (known: {', '.join(sorted(allowed))})", (*path, unknown[0])
            )
    return value


def number(source: YamlSource, value: Any, path: tuple[Any, ...], *, minimum: float | None = 0.0) -> float:
    """A number at `path`, at least `minimum`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise source.error(f"expected a number (got {value!r})", path)
    if minimum is not None and value < minimum:
        raise source.error(f"must be at least {minimum:g} (got {value})", path)
    return float(value)


def distribution_from(source: YamlSource, value: Any, path: tuple[Any, ...]) -> Distribution:
    """A distribution written as ``{kind: parameter}``."""
    entry = _mapping(source, value, path, set(KINDS))
    if len(entry) != 1:
        raise source.error(f"give exactly one of {', '.join(KINDS)}", path)
    ((kind, parameter),) = entry.items()
    if kind in ("exponential", "deterministic"):
        return Distribution(kind, mean=number(source, parameter, (*path, kind)))
    if not isinstance(parameter, list) or not parameter:
        raise source.error("expected a non-empty list of days", (*path, kind))
    values = [number(source, item, (*path, kind, index)) for index, item in enumerate(parameter)]
    if kind == "quantiles" and any(b < a for a, b in pairwise(values)):
        raise source.error("quantiles must not decrease", (*path, kind))
    return Distribution(kind, values=tuple(values))


def network_from(source: YamlSource) -> Network:
    """The network in `source` (fields checked; `check_network` not run)."""
    root = _mapping(source, source.data, (), {"notes", "start", "stations", "teams"})
    start = root.get("start")
    if start is not None and (not isinstance(start, date) or hasattr(start, "hour")):
        raise source.error(f"expected a day as YYYY-MM-DD (got {start!r})", ("start",))
    stations: dict[str, Station] = {}
    for name, value in _mapping(source, root.get("stations") or {}, ("stations",)).items():
        stations[str(name)] = _station_from(source, str(name), value)
    teams: dict[str, Team] = {}
    for name, value in _mapping(source, root.get("teams") or {}, ("teams",)).items():
        path = ("teams", name)
        entry = _mapping(source, value, path, _TEAM_FIELDS)
        arrivals = {}
        for flow_type, rate in _mapping(source, entry.get("arrivals") or {}, (*path, "arrivals")).items():
            where = (*path, "arrivals", flow_type)
            if isinstance(rate, dict):
                inner = _mapping(source, rate, where, {"interarrival", "per_day"})
                if "interarrival" in inner:
                    arrivals[str(flow_type)] = Arrivals(
                        interarrival=distribution_from(source, inner["interarrival"], (*where, "interarrival"))
                    )
                else:
                    arrivals[str(flow_type)] = Arrivals(
                        per_day=number(source, inner.get("per_day"), (*where, "per_day"))
                    )
            else:
                arrivals[str(flow_type)] = Arrivals(per_day=number(source, rate, where))
        # An empty route is a team whose items finish as they arrive (calibrated from items that went
        # from backlog straight to done): the file writes it as `route: []`, so it reads back.
        route_data = entry.get("route")
        if not isinstance(route_data, list):
            raise source.error("expected a list of steps", (*path, "route"))
        route = []
        for index, step_value in enumerate(route_data):
            where = (*path, "route", index)
            step = _mapping(source, step_value, where, _STEP_FIELDS)
            if "stage" not in step:
                raise source.error("a step needs a stage", where)
            route.append(
                Step(
                    stage=str(step["stage"]),
                    station=None if step.get("station") is None else str(step["station"]),
                    times=None
                    if step.get("times") is None
                    else distribution_from(source, step["times"], (*where, "times")),
                    phase=str(step.get("phase", "")),
                    queue_stage=step.get("queue_stage"),
                    visit=number(source, step.get("visit", 1.0), (*where, "visit")),
                    rework=number(source, step.get("rework", 0.0), (*where, "rework")),
                    rework_to=step.get("rework_to"),
                    depends_on=step.get("depends_on"),
                )
            )
        limit = entry.get("wip_limit")
        teams[str(name)] = Team(
            name=str(name),
            arrivals=arrivals,
            route=tuple(route),
            wip_limit=None if limit is None else int(number(source, limit, (*path, "wip_limit"), minimum=1)),
            group=entry.get("group"),
            weekdays=None if entry.get("weekdays") is None else _weekdays(source, entry["weekdays"], path),
        )
    notes = root.get("notes") or {}
    return Network(stations, teams, dict(notes) if isinstance(notes, dict) else {}, start=start)


def _optional(source: YamlSource, entry: dict, field: str, path: tuple[Any, ...], minimum: float) -> float | None:
    return None if entry.get(field) is None else number(source, entry[field], (*path, field), minimum=minimum)


def _station_from(source: YamlSource, name: str, value: Any) -> Station:
    """One station of the file."""
    path = ("stations", name)
    entry = _mapping(source, value, path, _STATION_FIELDS)
    freezes = []
    for index, freeze in enumerate(entry.get("freezes") or []):
        where = (*path, "freezes", index)
        pair = _mapping(source, freeze, where, {"from", "to"})
        try:
            check_freeze((pair.get("from"), pair.get("to")))
        except ValueError as problem:
            raise source.error(str(problem), where) from None
        freezes.append((str(pair["from"]), str(pair["to"])))
    wip_limit, batch_limit = (
        _optional(source, entry, "wip_limit", path, 1),
        _optional(source, entry, "batch_limit", path, 1),
    )
    origin = entry.get("capacity_from")
    return Station(
        name=name,
        kind=str(entry.get("kind", "servers")),
        capacity=int(number(source, entry.get("capacity", 1), (*path, "capacity"), minimum=1)),
        every_days=number(source, entry.get("every_days", 0.0), (*path, "every_days")),
        offset_days=number(source, entry.get("offset_days", 0.0), (*path, "offset_days")),
        wip_limit=None if wip_limit is None else int(wip_limit),
        people=_optional(source, entry, "people", path, 0),
        per_person=_optional(source, entry, "per_person", path, 0),
        capacity_from=None if origin is None else str(origin),
        batch_limit=None if batch_limit is None else int(batch_limit),
        freezes=tuple(freezes),
    )


def _weekdays(source: YamlSource, value: Any, path: tuple[Any, ...]) -> tuple[float, ...]:
    """A weekly profile: a number for each of Mon ... Sun (missing days are refused), mean above 0."""
    where = (*path, "weekdays")
    entry = _mapping(source, value, where, set(WEEKDAYS))
    missing = [day for day in WEEKDAYS if day not in entry]
    if missing:
        raise source.error(f"give every weekday ({', '.join(WEEKDAYS)}); missing {missing[0]}", where)
    profile = tuple(number(source, entry[day], (*where, day)) for day in WEEKDAYS)
    if sum(profile) <= 0:
        raise source.error("at least one weekday must have arrivals", where)
    return profile
