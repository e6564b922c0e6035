"""One replication station by station: the fast engine for networks without WIP limits or dependencies.

Without WIP limits and dependency steps an item's way through its route depends on its own numbers
alone, so every item's **path** (its passes and their times) is known before any time is simulated
and is worked out for all items at once (`orgflow.simulate.paths`).

Items then meet only at ``servers`` stations. The stations are taken in the order of the graph the
paths draw between them (an edge for each pair of consecutive passes), one strongly connected
component at a time, upstream first:

- a component of one station that no path leaves and re-enters is done in one sweep: every pass
  there enters when its previous pass left (or at the item's arrival), already known. A ``delay`` and
  a ``train`` are arithmetic on whole arrays (a train with freezes or a batch limit seats its passes
  in order of entry, `orgflow.simulate.trains`); ``servers`` with c servers serve the passes first
  come, first served, in the order they entered (equal instants in item order): pass k starts at the
  later of its entry and the earliest instant a server is free, kept in a heap of the c servers'
  free instants.
- a component of several stations (rework between them, or routes that cross) runs a small event
  loop of its own over its passes (`orgflow.simulate.stationwise_loop`), with the same rules as the
  event loop of `orgflow.simulate.engine`.

The arithmetic is the event loop's (entry + time; a train's next departure by the same formula) and
equal instants resolve in item order as there, so both engines give the same items the same times
(tests/simulate/test_simulate_engines.py). Where equal instants arise from a zero time passed on
inside the same instant (a stage time of 0 days in a calibrated sample), the two engines may order
those simultaneous entries differently: both are first come, first served.
"""

from __future__ import annotations

from heapq import heapreplace

import numpy as np

from orgflow.simulate.network import Network, Station
from orgflow.simulate.paths import Items, paths
from orgflow.simulate.record import DELAY, KIND_CODES, TRAIN, RunRecord
from orgflow.simulate.stationwise_loop import components, run_component
from orgflow.simulate.trains import Departures, departures_for, departures_of


def runs_by_station(network: Network) -> bool:
    """True when `network` can run station by station: no WIP limit and no dependency step."""
    if any(station.wip_limit for station in network.stations.values()):
        return False
    for team in network.teams.values():
        if team.wip_limit:
            return False
        if any(step.depends_on is not None or step.station is None for step in team.route):
            return False
    return True


def _distinct(codes: np.ndarray, bound: int) -> np.ndarray:
    """The distinct values of `codes` (integers in [0, bound)), ascending."""
    if bound <= 1 << 22:
        return np.flatnonzero(np.bincount(codes, minlength=bound))
    return np.unique(codes)


def _serve(enter: list[float], days: list[float], servers: int) -> tuple[list[float], list[float]]:
    """First come, first served at `servers` servers, passes in order of entry: (starts, leaves)."""
    starts: list[float] = []
    leaves: list[float] = []
    begin, end = starts.append, leaves.append
    if servers == 1:
        free = 0.0
        for entered, duration in zip(enter, days, strict=True):
            start = entered if entered >= free else free
            free = start + duration
            begin(start)
            end(free)
        return starts, leaves
    free_at = [0.0] * servers
    for entered, duration in zip(enter, days, strict=True):
        earliest = free_at[0]
        start = entered if entered >= earliest else earliest
        leave = start + duration
        heapreplace(free_at, leave)
        begin(start)
        end(leave)
    return starts, leaves


def run_by_station(network: Network, *, seed: int, replication: int, horizon: float) -> RunRecord:
    """Simulate `network` (see `runs_by_station`) with arrivals over [0, `horizon`) until every item is done."""
    teams = list(network.teams.values())
    stations = list(network.stations.values())
    station_index = {station.name: index for index, station in enumerate(stations)}
    kind = [KIND_CODES[station.kind] for station in stations]
    trains = {station_index[name]: value for name, value in departures_for(network).items()}
    width = max((len(team.route) for team in teams), default=0) or 1
    at_station = np.zeros((len(teams), width), dtype=np.int64)
    rework_to = np.full((len(teams), width), -1, dtype=np.int64)
    for t, team in enumerate(teams):
        stages = [step.stage for step in team.route]
        for s, step in enumerate(team.route):
            at_station[t, s] = station_index[step.station or ""]
            if step.rework > 0:
                rework_to[t, s] = stages.index(step.rework_to)
    route_length = np.array([len(team.route) for team in teams], dtype=np.int64)

    items = Items(network, seed, replication, horizon, width)
    item, step, days = paths(items, route_length, rework_to)
    station = at_station[items.team[item], step]
    total = item.size
    first = np.ones(total, dtype=bool)
    first[1:] = item[1:] != item[:-1]
    last = np.ones(total, dtype=bool)
    last[:-1] = first[1:]

    # The graph of stations the paths draw, and its components upstream first.
    linked = ~first[1:]
    pairs = _distinct(station[:-1][linked] * len(stations) + station[1:][linked], len(stations) ** 2)
    edges: dict[int, set[int]] = {}
    for pair in pairs.tolist():
        edges.setdefault(pair // len(stations), set()).add(pair % len(stations))
    groups = components(_distinct(station, len(stations)).tolist(), edges)
    component_of = np.full(len(stations), -1, dtype=np.int64)
    for number, members in enumerate(groups):
        component_of[members] = number
    visit_component = component_of[station].astype(np.int32 if len(groups) >= 2**15 else np.int16)
    grouped = np.argsort(visit_component, kind="stable")  # a radix sort for 16-bit keys
    bounds = np.searchsorted(visit_component[grouped], np.arange(len(groups) + 1))

    enter = np.empty(total)
    start = np.empty(total)
    leave = np.empty(total)
    for number, members in enumerate(groups):
        rows = grouped[bounds[number] : bounds[number + 1]]
        if len(members) == 1 and members[0] not in edges.get(members[0], ()):
            where = stations[members[0]]
            code = kind[members[0]]
            entered = np.where(first[rows], items.arrive[item[rows]], leave[rows - 1])
            enter[rows] = entered
            if code == DELAY:
                start[rows] = entered
                leave[rows] = entered + days[rows]
            elif code == TRAIN:
                _board(rows, entered, days, where, trains.get(members[0]), start, leave)
            else:
                order = np.argsort(entered, kind="stable")  # rows ascend, so equal entries stay in item order
                ordered = rows[order]
                starts, leaves = _serve(entered[order].tolist(), days[ordered].tolist(), where.capacity)
                start[ordered] = starts
                leave[ordered] = leaves
        else:
            run_component(rows, stations, kind, trains, station, item, days, first, items.arrive, enter, start, leave)

    finish = items.arrive.copy()
    finish[item[last]] = leave[last]
    # Rows in the order the passes ended, equal instants in item order: the event loop's record order.
    order = np.argsort(leave, kind="stable")
    return RunRecord(
        teams=tuple(team.name for team in teams),
        flow_types=items.flow_types,
        item_team=items.team,
        item_type=items.type,
        item_start=items.arrive,
        item_finish=finish,
        item_parent=np.full(items.arrive.size, -1, dtype=np.int64),
        visit_item=item[order],
        visit_step=step[order],
        visit_enter=enter[order],
        visit_start=start[order],
        visit_leave=leave[order],
        visit_blocked=np.zeros(total, dtype=bool),
        horizon=horizon,
        services=total,
    )


def _board(
    rows: np.ndarray,
    entered: np.ndarray,
    days: np.ndarray,
    where: Station,
    limited: Departures | None,
    start: np.ndarray,
    leave: np.ndarray,
) -> None:
    """The departures of the passes `rows` at one train: the next departure after each one's hold,
    or, with freezes or a batch limit, seats taken in order of entry (equal instants in item order)."""
    if limited is None:
        leaving = departures_of(entered + days[rows], where.every_days, where.offset_days)
        start[rows] = leaving
        leave[rows] = leaving
        return
    order = np.argsort(entered, kind="stable")
    ordered = rows[order]
    leaving = limited.board_all(entered[order] + days[ordered])
    start[ordered] = leaving
    leave[ordered] = leaving
