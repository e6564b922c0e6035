"""The discrete-event engine: one replication of a network, as a heap of (time, item) events.

Each item has at most one pending event (its arrival, the end of its service, the end of its stay at
a delay or the departure of its train), so an event is just (time, item id) and the item's phase
says what ends; equal times resolve in item order, deterministically. All random numbers are drawn
up front, vectorized, from streams keyed by (team, flow type, stage) (`orgflow.simulate.record`):
row k of a stream belongs to the k-th item of that team and type, whatever else changes. Requests
to another team (dependency steps) take their numbers from the requesting item's stream for that
step.

Arrivals stop at the horizon; the run goes on until every item is done, so each arrival's flow time
is known (the load check in `checks` guarantees that it ends). `run_replication` returns the raw
record; `orgflow.simulate.summary` turns it into figures. It runs a network without WIP limits and
dependency steps station by station instead (`orgflow.simulate.stationwise`, same results, several
times faster); the event loop here runs every network.
"""

from __future__ import annotations

import math
from collections import deque
from heapq import heapify, heappop, heappush

import numpy as np

from orgflow.simulate.network import Network, Team
from orgflow.simulate.record import DELAY, KIND_CODES, SERVERS, RunRecord, arrival_times, step_numbers
from orgflow.simulate.stationwise import run_by_station, runs_by_station
from orgflow.simulate.trains import departures_for

__all__ = ["RunRecord", "run_event_loop", "run_replication"]

_ARRIVING, _SERVING, _DELAYED, _WAITING = 0, 1, 2, 3


class _Block:
    """The numbers of one group of items (a team and flow type, or the requests one step of it sends):
    per step, flat lists indexed by the item's row in the block (service: 3 per row; skip: 1 per row,
    None when every item visits; rework: 3 per row, None when the step never sends work back)."""

    __slots__ = ("back", "service", "skip")

    def __init__(self, team: Team, rows: int, keys: tuple[str, ...], seed: int, replication: int) -> None:
        self.service: list[list[float]] = []
        self.skip: list[list[bool] | None] = []
        self.back: list[list[bool] | None] = []
        for numbers in step_numbers(team, rows, keys, seed, replication):
            self.service.append(numbers.service.ravel().tolist())
            self.skip.append(numbers.skip.tolist() if numbers.skip is not None else None)
            self.back.append(numbers.back.ravel().tolist() if numbers.back is not None else None)


def run_replication(network: Network, *, seed: int, replication: int, horizon: float) -> RunRecord:
    """Simulate `network` with arrivals over [0, `horizon`) days until every item is done.

    Networks without WIP limits and dependency steps run station by station
    (`orgflow.simulate.stationwise`); the others run in the event loop (`run_event_loop`). Both give
    the same items the same times (tests/simulate/test_simulate_engines.py).
    """
    if runs_by_station(network):
        return run_by_station(network, seed=seed, replication=replication, horizon=horizon)
    return run_event_loop(network, seed=seed, replication=replication, horizon=horizon)


def run_event_loop(network: Network, *, seed: int, replication: int, horizon: float) -> RunRecord:
    """Simulate `network` in the event loop (any network; see the module docstring)."""
    teams = list(network.teams.values())
    team_index = {team.name: index for index, team in enumerate(teams)}
    flow_types = sorted({flow_type for team in teams for flow_type in team.arrivals})
    type_index = {name: index for index, name in enumerate(flow_types)}
    stations = list(network.stations.values())
    station_index = {station.name: index for index, station in enumerate(stations)}
    kind = [KIND_CODES[station.kind] for station in stations]
    limited = [departures_for(network).get(station.name) for station in stations]
    first_weekday = network.calendar_start().weekday()
    capacity = [station.capacity for station in stations]
    every = [station.every_days for station in stations]
    offset = [station.offset_days for station in stations]
    limit = [station.wip_limit or 0 for station in stations]
    at_station = [[-1 if s.station is None else station_index[s.station] for s in team.route] for team in teams]
    rework_to = [
        [[s.stage for s in team.route].index(s.rework_to) if s.rework > 0 else -1 for s in team.route] for team in teams
    ]
    depends = [[-1 if s.depends_on is None else team_index[s.depends_on] for s in team.route] for team in teams]
    route_length = [len(team.route) for team in teams]
    team_limit = [team.wip_limit or 0 for team in teams]
    any_rework = any(step.rework > 0 for team in teams for step in team.route)
    any_limit = any(limit)

    # Items: own arrivals of every team and type, with their numbers drawn up front, block by block.
    item_team: list[int] = []
    item_type: list[int] = []
    item_block: list[int] = []
    item_row: list[int] = []
    arrive: list[float] = []
    blocks: list[_Block] = []
    requests: dict[tuple[int, int], int] = {}  # (block, step) -> the block of the requests it sends
    for t, team in enumerate(teams):
        for flow_type in sorted(team.arrivals):
            times = arrival_times(team, flow_type, seed, replication, horizon, first_weekday=first_weekday)
            rows = times.size
            if rows == 0:
                continue
            block = len(blocks)
            blocks.append(_Block(team, rows, (team.name, flow_type), seed, replication))
            item_team.extend([t] * rows)
            item_type.extend([type_index[flow_type]] * rows)
            item_block.extend([block] * rows)
            item_row.extend(range(rows))
            arrive.extend(times.tolist())
            # Requests of its dependency steps, and theirs in turn (a request to a team that itself
            # depends on another); the network has no cycle (checks), so this ends.
            pending = [(block, team, (team.name, flow_type))]
            while pending:
                sender, sending, keys = pending.pop()
                for index, step in enumerate(sending.route):
                    if step.depends_on is not None:
                        requests[(sender, index)] = len(blocks)
                        other = network.teams[step.depends_on]
                        chain = (*keys, step.stage, "request")
                        pending.append((len(blocks), other, chain))
                        blocks.append(_Block(other, rows, chain, seed, replication))
    count = len(arrive)
    service_of = [blocks[block].service for block in item_block]
    skip_of = [
        blocks[block].skip if any(step is not None for step in blocks[block].skip) else None for block in item_block
    ]
    row3 = [3 * row for row in item_row]
    phase = [_ARRIVING] * count
    current = [0] * count
    where = [0] * count  # the station of the item's current step
    entered = [0.0] * count
    started = [0.0] * count
    start_of = [0.0] * count
    finish = [math.nan] * count
    parent = [-1] * count
    passes: dict[tuple[int, int], int] = {}

    busy = [0] * len(stations)
    inside = [0] * len(stations)
    queues = [deque() for _ in stations]
    held = [deque() for _ in stations]  # (item, step it finished, since) waiting for a full station
    in_progress = [0] * len(teams)
    backlog = [deque() for _ in teams]

    # Visits at stations, and (apart) the time held by a full station or waiting for another team.
    v_item: list[int] = []
    v_step: list[int] = []
    v_enter: list[float] = []
    v_start: list[float] = []
    v_leave: list[float] = []
    h_item: list[int] = []
    h_step: list[int] = []
    h_since: list[float] = []
    h_until: list[float] = []
    # Only the next arrival of each block waits in the heap (a heap of every arrival would be deeper).
    block_end = [0] * len(blocks)
    for g, block in enumerate(item_block):
        block_end[block] = g + 1
    heap = [(arrive[g], g) for g in range(count) if g == 0 or item_block[g] != item_block[g - 1]]
    heapify(heap)
    push, pop = heappush, heappop

    def duration_of(g: int, s: int) -> float:
        if any_rework:
            visit = passes.get((g, s), 0)
            return service_of[g][s][row3[g] + (visit if visit < 3 else 2)]
        return service_of[g][s][row3[g]]

    def move(g: int, s: int, now: float) -> None:
        """Move item g to step s at `now` (skipping steps it does not visit), or finish it."""
        t = item_team[g]
        length = route_length[t]
        skips = skip_of[g]
        if skips is not None:
            while s < length and skips[s] is not None and skips[s][row3[g] // 3]:
                s += 1
        if s == length:
            done(g, now)
            return
        current[g] = s
        entered[g] = now
        target = depends[t][s]
        if target >= 0:
            request(g, s, target, now)
            return
        station = where[g] = at_station[t][s]
        if any_limit:
            if limit[station] and inside[station] >= limit[station]:
                held[station].append((g, s, now))
                phase[g] = _WAITING
                return
            inside[station] += 1
        code = kind[station]
        if code == SERVERS:
            if busy[station] < capacity[station]:
                busy[station] += 1
                started[g] = now
                phase[g] = _SERVING
                push(heap, (now + duration_of(g, s), g))
            else:
                queues[station].append(g)
                phase[g] = _WAITING
        elif code == DELAY:
            started[g] = now
            phase[g] = _DELAYED
            push(heap, (now + duration_of(g, s), g))
        else:
            # A train: the item boards the first departure after its own hold time (missed trains);
            # with freezes or a batch limit, the first one open with a seat left (`trains`).
            period, first = every[station], offset[station]
            ready = now + duration_of(g, s)
            if limited[station] is not None:
                departure = limited[station].board(ready)
            else:
                departure = first if ready <= first else first + period * math.ceil((ready - first) / period)
            started[g] = departure
            phase[g] = _DELAYED
            push(heap, (departure, g))

    def request(g: int, s: int, target: int, now: float) -> None:
        """Item g needs team `target`: a new item of that team; g waits until it is done."""
        phase[g] = _WAITING
        child = len(phase)
        block = requests[(item_block[g], s)]
        item_team.append(target)
        item_type.append(item_type[g])
        item_block.append(block)
        item_row.append(item_row[g])
        service_of.append(blocks[block].service)
        skip_of.append(blocks[block].skip if any(step is not None for step in blocks[block].skip) else None)
        row3.append(row3[g])
        arrive.append(now)
        phase.append(_ARRIVING)
        current.append(0)
        where.append(0)
        entered.append(now)
        started.append(now)
        start_of.append(now)
        finish.append(math.nan)
        parent.append(g)
        begin(child, now)

    def begin(g: int, now: float) -> None:
        """An arrival: start it, unless its team is at its WIP limit."""
        t = item_team[g]
        if team_limit[t]:
            if in_progress[t] >= team_limit[t]:
                backlog[t].append(g)
                phase[g] = _WAITING
                return
            in_progress[t] += 1
        start_of[g] = now
        move(g, 0, now)

    def done(g: int, now: float) -> None:
        t = item_team[g]
        finish[g] = now
        if team_limit[t]:
            in_progress[t] -= 1
            if backlog[t]:
                begin(backlog[t].popleft(), now)
        waiting = parent[g]
        if waiting >= 0:
            s = current[waiting]
            h_item.append(waiting)
            h_step.append(s)
            h_since.append(entered[waiting])
            h_until.append(now)
            move(waiting, s + 1, now)

    while heap:
        now, g = pop(heap)
        state = phase[g]
        if state == _ARRIVING:
            following = g + 1
            if following < count and following < block_end[item_block[g]]:
                push(heap, (arrive[following], following))
            begin(g, now)
            continue
        s = current[g]
        station = where[g]
        if state == _SERVING:
            waiting_line = queues[station]
            if waiting_line:
                h = waiting_line.popleft()
                started[h] = now
                phase[h] = _SERVING
                if any_rework:
                    push(heap, (now + duration_of(h, current[h]), h))
                else:
                    push(heap, (now + service_of[h][current[h]][row3[h]], h))
            else:
                busy[station] -= 1
        v_item.append(g)
        v_step.append(s)
        v_enter.append(entered[g])
        v_start.append(started[g])
        v_leave.append(now)
        if any_limit:
            inside[station] -= 1
            if held[station]:
                h, finished_step, since = held[station].popleft()
                h_item.append(h)
                h_step.append(finished_step)
                h_since.append(since)
                h_until.append(now)
                move(h, current[h], now)
        if any_rework:
            to = rework_to[item_team[g]][s]
            if to >= 0:
                visit = passes.get((g, s), 0)
                # At most three trips back from one stage per item (the stream holds three rework draws).
                if visit < 3 and blocks[item_block[g]].back[s][row3[g] + visit]:
                    for inner in range(to, s + 1):
                        passes[(g, inner)] = passes.get((g, inner), 0) + 1
                    move(g, to, now)
                    continue
        move(g, s + 1, now)

    services = len(v_item)
    held_count = len(h_item)
    v_item += h_item
    v_step += h_step
    v_enter += h_since
    v_start += h_since
    v_leave += h_until
    return RunRecord(
        teams=tuple(team.name for team in teams),
        flow_types=tuple(flow_types),
        item_team=np.asarray(item_team, dtype=np.int64),
        item_type=np.asarray(item_type, dtype=np.int64),
        item_start=np.asarray(start_of, dtype=float),
        item_finish=np.asarray(finish, dtype=float),
        item_parent=np.asarray(parent, dtype=np.int64),
        visit_item=np.asarray(v_item, dtype=np.int64),
        visit_step=np.asarray(v_step, dtype=np.int64),
        visit_enter=np.asarray(v_enter, dtype=float),
        visit_start=np.asarray(v_start, dtype=float),
        visit_leave=np.asarray(v_leave, dtype=float),
        visit_blocked=np.r_[np.zeros(len(v_item) - held_count, dtype=bool), np.ones(held_count, dtype=bool)],
        horizon=horizon,
        services=services,
    )
