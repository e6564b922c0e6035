"""Checks of a network before it runs: references, dependency cycles and saturated stations.

A problem is a `NetworkProblem` carrying the path of the offending field in the model
(``("teams", "checkout", "route", 2, "station")``), so that the file reader (`model_file`) or the
scenario reader (`scenario`) can name the file and line it came from.

**Offered load** of a ``servers`` station = Σ over the steps at it of (arrival rate of the team,
own arrivals plus requests from teams that depend on it) × visit probability × expected visits
(rework loops: 1 + p + p² + p³ per loop the step is in, three trips back at most) × mean time
÷ capacity. At 1 or more the queue grows without bound: the network is refused rather than run forever.
A ``train`` with a batch limit is saturated in the same way when the items offered per departure
(offered items per day × `every_days` ÷ the share of the year not frozen) reach the limit; a train
whose freezes leave no `every_days` open in a row would never leave.
"""

from __future__ import annotations

from dataclasses import dataclass

from orgflow.simulate.network import STATION_KINDS, Network, Station, Team
from orgflow.simulate.trains import check_freeze, frozen_days, longest_open_days

Path = tuple[object, ...]


class NetworkProblem(ValueError):
    """A network that cannot run: `path` locates the field, `message` says what is wrong."""

    def __init__(self, message: str, path: Path, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.hint = hint


@dataclass(frozen=True)
class StationLoad:
    """Offered load of a ``servers`` station: utilization = busy days per day ÷ capacity."""

    station: str
    capacity: int
    utilization: float
    teams: tuple[str, ...]


def check_network(network: Network) -> list[StationLoad]:
    """Check `network` and return the offered load of each ``servers`` station.

    Raises:
        NetworkProblem: an unknown station or team, a bad number, a dependency cycle, or a station
            loaded at 1 or more.
    """
    _check_fields(network)
    order = dependency_order(network)
    rates = team_rates(network, order)
    loads = []
    for station in network.stations.values():
        if station.kind == "train" and station.batch_limit is not None:
            _check_train_load(network, station, rates)
        if station.kind != "servers":
            continue
        busy, users = 0.0, []
        for team in network.teams.values():
            visits = expected_visits(team)
            for index, step in enumerate(team.route):
                if step.station == station.name and step.times is not None:
                    busy += rates[team.name] * step.visit * visits[index] * step.times.expected()
                    users.append(team.name)
        utilization = busy / station.capacity
        if utilization >= 1.0:
            raise NetworkProblem(
                f"station {station.name!r} is saturated: utilization {utilization:.2f} >= 1 "
                f"({busy:.2f} busy days per day for {station.capacity} servers); its queue would grow without end",
                ("stations", station.name, "capacity"),
                hint=f"give it more than {busy:.1f} servers, shorten its times or lower the demand",
            )
        loads.append(StationLoad(station.name, station.capacity, utilization, tuple(sorted(set(users)))))
    return loads


def _check_train_load(network: Network, station: Station, rates: dict[str, float]) -> None:
    """Refuse a train whose batch limit cannot carry the items offered to it (see the module docstring)."""
    offered = 0.0
    for team in network.teams.values():
        visits = expected_visits(team)
        for index, step in enumerate(team.route):
            if step.station == station.name:
                offered += rates[team.name] * step.visit * visits[index]
    open_share = 1.0 - float(frozen_days(station.freezes).mean())
    per_departure = offered * station.every_days / open_share
    limit = station.batch_limit or 1
    if per_departure >= limit:
        raise NetworkProblem(
            f"train {station.name!r} is saturated: {per_departure:.1f} items offered per departure for a batch "
            f"limit of {limit}; its queue would grow without end",
            ("stations", station.name, "batch_limit"),
            hint=f"raise the limit above {per_departure:.0f}, or let the train leave more often",
        )


def _check_fields(network: Network) -> None:
    for name, station in network.stations.items():
        where: Path = ("stations", name)
        if station.kind not in STATION_KINDS:
            raise NetworkProblem(
                f"unknown station kind {station.kind!r} (use {', '.join(STATION_KINDS)})", (*where, "kind")
            )
        if station.kind == "servers" and station.capacity < 1:
            raise NetworkProblem(f"capacity must be 1 or more (got {station.capacity})", (*where, "capacity"))
        if station.kind == "train" and station.every_days <= 0:
            raise NetworkProblem(f"every_days must be above 0 (got {station.every_days})", (*where, "every_days"))
        if station.wip_limit is not None and station.wip_limit < 1:
            raise NetworkProblem(f"wip_limit must be 1 or more (got {station.wip_limit})", (*where, "wip_limit"))
        if station.batch_limit is not None and station.batch_limit < 1:
            raise NetworkProblem(f"batch_limit must be 1 or more (got {station.batch_limit})", (*where, "batch_limit"))
        for index, freeze in enumerate(station.freezes):
            try:
                check_freeze(freeze)
            except ValueError as problem:
                raise NetworkProblem(str(problem), (*where, "freezes", index)) from None
        if station.freezes and longest_open_days(station.freezes) < station.every_days:
            raise NetworkProblem(
                f"the freezes of train {station.name!r} leave no {station.every_days:g} days open in a row: "
                "it would never leave",
                (*where, "freezes"),
            )
    for team in network.teams.values():
        where = ("teams", team.name)
        for flow_type, arrival in team.arrivals.items():
            if arrival.per_day < 0 or (arrival.interarrival is not None and arrival.interarrival.expected() <= 0):
                raise NetworkProblem(
                    f"arrival rate must not be negative (got {arrival.per_day})", (*where, "arrivals", flow_type)
                )
        if team.wip_limit is not None and team.wip_limit < 1:
            raise NetworkProblem(f"wip_limit must be 1 or more (got {team.wip_limit})", (*where, "wip_limit"))
        if team.weekdays is not None and (len(team.weekdays) != 7 or min(team.weekdays) < 0 or sum(team.weekdays) <= 0):
            raise NetworkProblem(
                "weekdays must be 7 numbers (Monday first), none negative, not all 0", (*where, "weekdays")
            )
        stages = [step.stage for step in team.route]
        for index, step in enumerate(team.route):
            at: Path = (*where, "route", index)
            if step.depends_on is not None:
                if step.depends_on not in network.teams:
                    raise NetworkProblem(f"unknown team {step.depends_on!r}", (*at, "depends_on"))
            elif step.station not in network.stations:
                raise NetworkProblem(f"unknown station {step.station!r}", (*at, "station"))
            if not 0 <= step.visit <= 1:
                raise NetworkProblem(f"visit must be a probability from 0 to 1 (got {step.visit})", (*at, "visit"))
            if not 0 <= step.rework < 1:
                raise NetworkProblem(
                    f"rework must be a probability from 0 to below 1 (got {step.rework})", (*at, "rework")
                )
            if step.rework > 0 and step.rework_to not in stages[: index + 1]:
                raise NetworkProblem(
                    f"rework_to {step.rework_to!r} is not this stage or an earlier one of the route", (*at, "rework_to")
                )
            if step.times is not None and step.times.expected() < 0:
                raise NetworkProblem("times must not be negative", (*at, "times"))


def dependency_order(network: Network) -> list[str]:
    """Team names, each after every team that depends on it (requests flow down this order).

    Raises:
        NetworkProblem: the dependencies form a cycle (naming it).
    """
    needs = {
        team.name: [s.depends_on for s in team.route if s.depends_on is not None] for team in network.teams.values()
    }
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = [*trail[trail.index(name) :], name]
            raise NetworkProblem(
                f"dependencies form a cycle: {' -> '.join(cycle)}",
                ("teams", trail[-1], "route"),
                hint="a request cannot wait, through other teams, for itself; remove one of these dependencies",
            )
        state[name] = 1
        for other in needs.get(name, []):
            visit(other, [*trail, name])
        state[name] = 2
        order.append(name)

    for name in network.teams:
        visit(name, [])
    return order[::-1]


def expected_visits(team: Team) -> list[float]:
    """Expected passes through each step per item that reaches it (each rework loop: 1 + p + p² + p³)."""
    visits = [1.0] * len(team.route)
    stages = [step.stage for step in team.route]
    for index, step in enumerate(team.route):
        if step.rework > 0 and step.rework_to in stages:
            back = stages.index(step.rework_to)
            # At most three trips back (the engine's limit): 1 + p + p^2 + p^3 passes.
            passes = 1 + step.rework + step.rework**2 + step.rework**3
            for inner in range(back, index + 1):
                visits[inner] *= passes
    return visits


def team_rates(network: Network, order: list[str]) -> dict[str, float]:
    """Items per day entering each team's route: own arrivals plus requests from dependent teams."""
    rates = {name: team.rate() for name, team in network.teams.items()}
    for name in order:
        team = network.teams[name]
        visits = expected_visits(team)
        for index, step in enumerate(team.route):
            if step.depends_on is not None:
                rates[step.depends_on] += rates[name] * step.visit * visits[index]
    return rates
