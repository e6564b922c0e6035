"""The simulation model as a YAML file a person can read and edit (`orgflow simulate calibrate --out`).

    notes: {calibrated_from: ..., since: 2024-01-01, until: 2024-12-31, ...}
    stations:
      checkout/In Progress: {kind: servers, capacity: 4}
      payments/Ready for Release: {kind: train, every_days: 14, offset_days: 2.4}
    teams:
      checkout:
        group: payments
        arrivals: {feature: 0.8, defect: 0.31}          # items per day, Poisson
        route:
          - {stage: Ready, phase: Create, station: checkout/Ready, times: {quantiles: [0.01, ...]}}
          - {stage: In Progress, phase: Create, station: checkout/In Progress, queue_stage: Ready,
             times: {exponential: 1.5}, rework: 0.05, rework_to: In Progress}

Times (days): ``{exponential: MEAN}``, ``{deterministic: DAYS}``, ``{empirical: [DAYS, ...]}`` or
``{quantiles: [MIN, ..., MAX]}`` (evenly spaced quantiles). Arrivals: a number (per day), or
``{interarrival: TIMES}``. Fields are those of `orgflow.simulate.network`. Errors name file, line
and field.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from orgflow.simulate.checks import NetworkProblem, check_network
from orgflow.simulate.distributions import KINDS, Distribution
from orgflow.simulate.network import Arrivals, Network, Station, Step, Team
from orgflow.simulate.yaml_source import YamlSource

_STATION_FIELDS = {"kind", "capacity", "every_days", "offset_days", "wip_limit", "people"}
_STEP_FIELDS = {"stage", "phase", "station", "times", "queue_stage", "visit", "rework", "rework_to", "depends_on"}
_TEAM_FIELDS = {"group", "arrivals", "route", "wip_limit"}


def distribution_data(distribution: Distribution) -> dict[str, Any]:
    """A distribution as the file writes it (its scale applied)."""
    scale = distribution.scale
    if distribution.kind in ("exponential", "deterministic"):
        return {distribution.kind: round(distribution.mean * scale, 6)}
    return {distribution.kind: [round(value * scale, 4) for value in distribution.values]}


def network_data(network: Network) -> dict[str, Any]:
    """The network as plain data (the file's content)."""
    stations: dict[str, Any] = {}
    for name, station in network.stations.items():
        entry: dict[str, Any] = {"kind": station.kind}
        if station.kind == "servers":
            entry["capacity"] = station.capacity
        if station.kind == "train":
            entry["every_days"] = round(station.every_days, 4)
            entry["offset_days"] = round(station.offset_days, 4)
        if station.wip_limit is not None:
            entry["wip_limit"] = station.wip_limit
        if station.people is not None:
            entry["people"] = station.people
        stations[name] = entry
    teams: dict[str, Any] = {}
    for name, team in network.teams.items():
        arrivals: dict[str, Any] = {}
        for flow_type, arrival in team.arrivals.items():
            if arrival.interarrival is not None:
                arrivals[flow_type] = {"interarrival": distribution_data(arrival.interarrival)}
            else:
                arrivals[flow_type] = round(arrival.per_day, 6)
        route = []
        for step in team.route:
            entry = {"stage": step.stage, "phase": step.phase}
            if step.depends_on is not None:
                entry["depends_on"] = step.depends_on
            else:
                entry["station"] = step.station
            if step.queue_stage:
                entry["queue_stage"] = step.queue_stage
            if step.visit != 1.0:
                entry["visit"] = round(step.visit, 4)
            if step.rework > 0:
                entry["rework"] = round(step.rework, 4)
                entry["rework_to"] = step.rework_to
            if step.times is not None:
                entry["times"] = distribution_data(step.times)
            route.append(entry)
        body: dict[str, Any] = {}
        if team.group:
            body["group"] = team.group
        if team.wip_limit is not None:
            body["wip_limit"] = team.wip_limit
        body["arrivals"] = arrivals
        body["route"] = route
        teams[name] = body
    return {"notes": dict(network.notes), "stations": stations, "teams": teams}


class _FlowList(list):
    """A list YAML writes on one line (quantiles and other numbers)."""


def _flow_lists(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _flow_lists(value) for key, value in data.items()}
    if isinstance(data, list):
        items = [_flow_lists(value) for value in data]
        return _FlowList(items) if all(isinstance(value, (int, float)) for value in items) else items
    return data


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _FlowList, lambda dumper, data: dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)
)


def dump_network(network: Network, *, header: str = "") -> str:
    """The model file's text: `header` as comments, then the network."""
    comments = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    body = yaml.dump(_flow_lists(network_data(network)), Dumper=_Dumper, sort_keys=False, width=120, allow_unicode=True)
    return comments + body


def read_network(path: Path) -> Network:
    """Read and check a model file.

    Raises:
        InputError: unreadable, an unknown or bad field, or a network that cannot run (file, line, field).
    """
    source = YamlSource.read(path)
    network = network_from(source)
    try:
        check_network(network)
    except NetworkProblem as problem:
        raise source.error(problem.message, problem.path, hint=problem.hint) from None
    return network


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
    root = _mapping(source, source.data, (), {"notes", "stations", "teams"})
    stations: dict[str, Station] = {}
    for name, value in _mapping(source, root.get("stations") or {}, ("stations",)).items():
        path = ("stations", name)
        entry = _mapping(source, value, path, _STATION_FIELDS)
        stations[str(name)] = Station(
            name=str(name),
            kind=str(entry.get("kind", "servers")),
            capacity=int(number(source, entry.get("capacity", 1), (*path, "capacity"), minimum=1)),
            every_days=number(source, entry.get("every_days", 0.0), (*path, "every_days")),
            offset_days=number(source, entry.get("offset_days", 0.0), (*path, "offset_days")),
            wip_limit=None
            if entry.get("wip_limit") is None
            else int(number(source, entry["wip_limit"], (*path, "wip_limit"), minimum=1)),
            people=None if entry.get("people") is None else number(source, entry["people"], (*path, "people")),
        )
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
        route_data = entry.get("route")
        if not isinstance(route_data, list) or not route_data:
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
        )
    notes = root.get("notes") or {}
    return Network(stations, teams, dict(notes) if isinstance(notes, dict) else {})


def write_network(network: Network, path: Path, *, header: str = "") -> None:
    """Write the model file (whole, or not at all: a temporary file renamed into place)."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(dump_network(network, header=header), encoding="utf-8")
    temporary.replace(path)
