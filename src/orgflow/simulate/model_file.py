"""The simulation model as a YAML file a person can read and edit (`orgflow simulate calibrate --out`).

    notes: {calibrated_from: ..., since: 2024-01-01, until: 2024-12-31, ...}
    start: 2024-01-01                                   # the calendar day of simulated day 0
    stations:
      checkout/In Progress: {kind: servers, capacity: 4, capacity_from: org model, people: 8.5, per_person: 0.47}
      payments/Ready for Release:
        kind: train
        every_days: 14
        offset_days: 2.4
        freezes: [{from: 12-20, to: 01-08}]             # yearly, no departure; `to` no longer frozen
        batch_limit: 40                                 # optional: items per departure at most
    teams:
      checkout:
        group: payments
        arrivals: {feature: 0.8, defect: 0.31}          # items per day, Poisson
        weekdays: {Mon: 1.3, Tue: 1.3, Wed: 1.3, Thu: 1.3, Fri: 1.3, Sat: 0.25, Sun: 0.25}  # optional
        route:
          - {stage: Ready, phase: Create, station: checkout/Ready, times: {quantiles: [0.01, ...]}}
          - {stage: In Progress, phase: Create, station: checkout/In Progress, queue_stage: Ready,
             times: {exponential: 1.5}, rework: 0.05, rework_to: In Progress}

Times (days): ``{exponential: MEAN}``, ``{deterministic: DAYS}``, ``{empirical: [DAYS, ...]}`` or
``{quantiles: [MIN, ..., MAX]}`` (evenly spaced quantiles). Arrivals: a number (per day), or
``{interarrival: TIMES}``; `weekdays` multiplies them per weekday (mean 1 over the week). Fields are
those of `orgflow.simulate.network`; `orgflow.simulate.model_fields` reads them, and its errors
name file, line and field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from orgflow.simulate.checks import NetworkProblem, check_network
from orgflow.simulate.distributions import Distribution
from orgflow.simulate.model_fields import network_from
from orgflow.simulate.network import WEEKDAYS, Network
from orgflow.simulate.yaml_source import YamlSource


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
            if station.capacity_from:
                entry["capacity_from"] = station.capacity_from
        if station.people is not None:
            entry["people"] = round(station.people, 4)
        if station.per_person is not None:
            entry["per_person"] = round(station.per_person, 4)
        if station.kind == "train":
            entry["every_days"] = round(station.every_days, 4)
            entry["offset_days"] = round(station.offset_days, 4)
            if station.freezes:
                entry["freezes"] = [_FlowDict([("from", begin), ("to", end)]) for begin, end in station.freezes]
            if station.batch_limit is not None:
                entry["batch_limit"] = station.batch_limit
        if station.wip_limit is not None:
            entry["wip_limit"] = station.wip_limit
        stations[name] = _FlowDict(entry) if station.kind != "train" or not station.freezes else entry
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
        if team.weekdays is not None:
            body["weekdays"] = _FlowDict(zip(WEEKDAYS, (round(value, 4) for value in team.weekdays), strict=True))
        body["route"] = route
        teams[name] = body
    head: dict[str, Any] = {"notes": dict(network.notes)}
    if network.start is not None:
        head["start"] = network.start
    return {**head, "stations": stations, "teams": teams}


class _FlowList(list):
    """A list YAML writes on one line (quantiles and other numbers)."""


class _FlowDict(dict):
    """A mapping YAML writes on one line (a station, a weekly profile)."""


def _flow_lists(data: Any) -> Any:
    if isinstance(data, _FlowDict):
        return _FlowDict((key, _flow_lists(value)) for key, value in data.items())
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
_Dumper.add_representer(
    _FlowDict, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)
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


def write_network(network: Network, path: Path, *, header: str = "") -> None:
    """Write the model file (whole, or not at all: `orgflow.output_file.write_output_text`).

    Raises:
        InputError: `path` is a folder, or its folder does not exist (field ``out``).
    """
    from orgflow.output_file import write_output_text

    write_output_text(path, dump_network(network, header=header), field="out")
