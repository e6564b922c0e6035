"""One replication station by station: the fast engine for networks without WIP limits or dependencies.

Without WIP limits and dependency steps an item's way through its route depends on its own numbers
alone: which steps it skips (its visit draws), when it goes back (its rework draws, counted per
stage) and its time at each pass (`orgflow.simulate.record`). So every item's **path** (its passes
and their times) is known before any time is simulated, and is worked out for all items at once,
vectorized, one pass per round.

Items then meet only at ``servers`` stations. The stations are taken in the order of the graph the
paths draw between them (an edge for each pair of consecutive passes), one strongly connected
component at a time, upstream first:

- a component of one station that no path leaves and re-enters is done in one sweep: every pass
  there enters when its previous pass left (or at the item's arrival), already known. A ``delay`` and
  a ``train`` are arithmetic on whole arrays; ``servers`` with c servers serve the passes first come,
  first served, in the order they entered (equal instants in item order): pass k starts at the later
  of its entry and the earliest instant a server is free, kept in a heap of the c servers' free
  instants.
- a component of several stations (rework between them, or routes that cross) runs a small event
  loop of its own over its passes, with the same rules as the event loop of `orgflow.simulate.engine`.

The arithmetic is the event loop's (entry + time; a train's next departure by the same formula) and
equal instants resolve in item order as there, so both engines give the same items the same times
(tests/simulate/test_simulate_engines.py). Where equal instants arise from a zero time passed on
inside the same instant (a stage time of 0 days in a calibrated sample), the two engines may order
those simultaneous entries differently: both are first come, first served.
"""

from __future__ import annotations

import math
from collections import deque
from heapq import heappop, heappush, heapreplace

import numpy as np

from orgflow.simulate.network import Network, Station
from orgflow.simulate.record import RunRecord, arrival_times, step_numbers

_SERVERS, _DELAY, _TRAIN = 0, 1, 2
_KIND_CODES = {"servers": _SERVERS, "delay": _DELAY, "train": _TRAIN}


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


class _Items:
    """Every item of one replication with its numbers, as arrays (one row per item).

    `service` (items, width, 3): days at each step on the first, second, third or later pass;
    `skip` (items, width): the item does not visit the step; `back` (items, width, 3): it goes back
    after its first, second, third pass there. `width` is the longest route. In a network without
    rework the last axis holds the first pass alone.
    """

    def __init__(self, network: Network, seed: int, replication: int, horizon: float, width: int) -> None:
        flow_types = sorted({flow_type for team in network.teams.values() for flow_type in team.arrivals})
        type_index = {name: index for index, name in enumerate(flow_types)}
        # Without rework no item passes a step twice: only the first service draw becomes days.
        passes = 3 if any(step.rework > 0 for team in network.teams.values() for step in team.route) else 1
        arrive, team_of, type_of, service, skip, back = [], [], [], [], [], []
        for t, team in enumerate(network.teams.values()):
            for flow_type in sorted(team.arrivals):
                times = arrival_times(team, flow_type, seed, replication, horizon)
                rows = times.size
                if rows == 0:
                    continue
                block_service = np.zeros((rows, width, passes))
                block_skip = np.zeros((rows, width), dtype=bool)
                block_back = np.zeros((rows, width, passes), dtype=bool)
                keys = (team.name, flow_type)
                for s, numbers in enumerate(step_numbers(team, rows, keys, seed, replication, passes=passes)):
                    block_service[:, s] = numbers.service
                    if numbers.skip is not None:
                        block_skip[:, s] = numbers.skip
                    if numbers.back is not None:
                        block_back[:, s] = numbers.back
                arrive.append(times)
                team_of.append(np.full(rows, t, dtype=np.int64))
                type_of.append(np.full(rows, type_index[flow_type], dtype=np.int64))
                service.append(block_service)
                skip.append(block_skip)
                back.append(block_back)
        self.flow_types = tuple(flow_types)
        self.arrive = np.concatenate(arrive) if arrive else np.empty(0)
        self.team = np.concatenate(team_of) if team_of else np.empty(0, dtype=np.int64)
        self.type = np.concatenate(type_of) if type_of else np.empty(0, dtype=np.int64)
        self.service = np.concatenate(service) if service else np.empty((0, width, passes))
        self.skip = np.concatenate(skip) if skip else np.empty((0, width), dtype=bool)
        self.back = np.concatenate(back) if back else np.empty((0, width, passes), dtype=bool)


def _paths(items: _Items, route_length: np.ndarray, rework_to: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pass of every item: (item, step, days), grouped by item, each item's passes in order.

    The rules are the event loop's: an item skips the steps its visit draw says it skips (on every
    pass); after its k-th pass at a step that sends work back (k ≤ 3) its k-th rework draw decides;
    going back from step s to step r adds a pass to each of r..s, and the pass count picks the
    service draw (third and later passes share the third).
    """
    count = items.arrive.size
    length = route_length[items.team]
    any_skip = bool(items.skip.any())
    any_rework = bool((rework_to >= 0).any())
    width = items.skip.shape[1]

    def advance(rows: np.ndarray, position: np.ndarray) -> np.ndarray:
        """The first step at or after `position` that each item in `rows` visits (its route length if none)."""
        if not any_skip:
            return position
        while True:
            inside = position < length[rows]
            skipped = np.zeros(position.size, dtype=bool)
            skipped[inside] = items.skip[rows[inside], position[inside]]
            if not skipped.any():
                return position
            position = position + skipped

    everyone = np.arange(count, dtype=np.int64)
    position = advance(everyone, np.zeros(count, dtype=np.int64))
    keep = position < length
    active, position = everyone[keep], position[keep]
    passes = np.zeros((count, width), dtype=np.int64) if any_rework else None
    item_parts, step_parts, day_parts = [], [], []
    while active.size:
        item_parts.append(active)
        step_parts.append(position)
        following = position + 1
        if passes is None:
            day_parts.append(items.service[active, position, 0])
        else:
            made = passes[active, position]
            draw = np.minimum(made, 2)
            day_parts.append(items.service[active, position, draw])
            to = rework_to[items.team[active], position]
            back = (to >= 0) & (made < 3) & items.back[active, position, draw]
            if back.any():
                rows, since, until = active[back], to[back], position[back]
                for step in range(width):
                    hit = (since <= step) & (step <= until)
                    passes[rows[hit], step] += 1
                following[back] = since
        following = advance(active, following)
        keep = following < length[active]
        active, position = active[keep], following[keep]
    if not item_parts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0)
    item = np.concatenate(item_parts)
    order = np.argsort(item, kind="stable")
    return item[order], np.concatenate(step_parts)[order], np.concatenate(day_parts)[order]


def _distinct(codes: np.ndarray, bound: int) -> np.ndarray:
    """The distinct values of `codes` (integers in [0, bound)), ascending."""
    if bound <= 1 << 22:
        return np.flatnonzero(np.bincount(codes, minlength=bound))
    return np.unique(codes)


def _components(nodes: list[int], edges: dict[int, set[int]]) -> list[list[int]]:
    """Strongly connected components of the graph, upstream first (Tarjan's algorithm, iterative)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack: set[int] = set()
    stack: list[int] = []
    found: list[list[int]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(sorted(component))
    found.reverse()  # Tarjan finds downstream components first
    return found


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


def _train_departure(ready: np.ndarray, every: float, first: float) -> np.ndarray:
    """The first departure at or after `ready` of a train leaving every `every` days from `first`."""
    later = first + every * np.ceil((np.maximum(ready, first) - first) / every)
    return np.where(ready <= first, first, later)


def run_by_station(network: Network, *, seed: int, replication: int, horizon: float) -> RunRecord:
    """Simulate `network` (see `runs_by_station`) with arrivals over [0, `horizon`) until every item is done."""
    teams = list(network.teams.values())
    stations = list(network.stations.values())
    station_index = {station.name: index for index, station in enumerate(stations)}
    kind = [_KIND_CODES[station.kind] for station in stations]
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

    items = _Items(network, seed, replication, horizon, width)
    item, step, days = _paths(items, route_length, rework_to)
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
    components = _components(_distinct(station, len(stations)).tolist(), edges)
    component_of = np.full(len(stations), -1, dtype=np.int64)
    for number, members in enumerate(components):
        component_of[members] = number
    visit_component = component_of[station].astype(np.int32 if len(components) >= 2**15 else np.int16)
    grouped = np.argsort(visit_component, kind="stable")  # a radix sort for 16-bit keys
    bounds = np.searchsorted(visit_component[grouped], np.arange(len(components) + 1))

    enter = np.empty(total)
    start = np.empty(total)
    leave = np.empty(total)
    for number, members in enumerate(components):
        rows = grouped[bounds[number] : bounds[number + 1]]
        if len(members) == 1 and members[0] not in edges.get(members[0], ()):
            where = stations[members[0]]
            code = kind[members[0]]
            entered = np.where(first[rows], items.arrive[item[rows]], leave[rows - 1])
            enter[rows] = entered
            if code == _DELAY:
                start[rows] = entered
                leave[rows] = entered + days[rows]
            elif code == _TRAIN:
                departure = _train_departure(entered + days[rows], where.every_days, where.offset_days)
                start[rows] = departure
                leave[rows] = departure
            else:
                order = np.argsort(entered, kind="stable")  # rows ascend, so equal entries stay in item order
                ordered = rows[order]
                starts, leaves = _serve(entered[order].tolist(), days[ordered].tolist(), where.capacity)
                start[ordered] = starts
                leave[ordered] = leaves
        else:
            _run_component(rows, stations, kind, station, item, days, first, items.arrive, enter, start, leave)

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


def _run_component(
    rows: np.ndarray,
    stations: list[Station],
    kind: list[int],
    station: np.ndarray,
    item: np.ndarray,
    days: np.ndarray,
    first: np.ndarray,
    arrive: np.ndarray,
    enter: np.ndarray,
    start: np.ndarray,
    leave: np.ndarray,
) -> None:
    """The passes `rows` (ascending) at a component of several stations, in an event loop of their own.

    An item's pass enters the component when its previous pass (outside) ends, then goes from station
    to station inside it as its path says; events are (instant, item), equal instants in item order.
    Fills `enter`, `start` and `leave` at `rows`.
    """
    size = rows.size
    at = station[rows].tolist()
    duration = days[rows].tolist()
    owner = item[rows].tolist()
    # Pass i goes on to pass i + 1 of this component when that is the same item's next pass.
    continues = np.zeros(size, dtype=bool)
    continues[:-1] = (rows[1:] == rows[:-1] + 1) & ~first[rows[1:]]
    follows = continues.tolist()
    entering = np.flatnonzero(np.r_[True, ~continues[:-1]])
    entry_rows = rows[entering]
    entry_times = np.where(first[entry_rows], arrive[item[entry_rows]], leave[entry_rows - 1]).tolist()
    local_enter = [0.0] * size
    local_start = [0.0] * size
    local_leave = [0.0] * size
    members = sorted(set(at))
    capacity = {where: stations[where].capacity for where in members}
    busy = dict.fromkeys(members, 0)
    queues: dict[int, deque[tuple[int, int]]] = {where: deque() for where in members}
    # Events: (instant, item, pass, ends): ends 0 = the pass enters the component, 1 = the pass ends.
    # Entries come in order from their own list; the heap holds the ends (a few: one per busy server).
    entering_passes = entering.tolist()
    entry_owners = [owner[i] for i in entering_passes]
    entries = sorted(zip(entry_times, entry_owners, entering_passes, [0] * len(entry_times), strict=True))
    entries.append((math.inf, 0, 0, 0))
    following = 0
    upcoming = entries[0]
    heap: list[tuple[float, int, int, int]] = []
    pop, push = heappop, heappush
    while True:
        if heap and heap[0] < upcoming:
            now, g, i, ends = pop(heap)
        elif following < len(entries) - 1:
            now, g, i, ends = upcoming
            following += 1
            upcoming = entries[following]
        else:
            break
        if ends:
            local_leave[i] = now
            where = at[i]
            if kind[where] == _SERVERS:
                waiting = queues[where]
                if waiting:
                    h, j = waiting.popleft()
                    local_start[j] = now
                    push(heap, (now + duration[j], h, j, 1))
                else:
                    busy[where] -= 1
            if not follows[i]:
                continue
            i += 1
        # Pass i enters its station now.
        local_enter[i] = now
        where = at[i]
        code = kind[where]
        if code == _SERVERS:
            if busy[where] < capacity[where]:
                busy[where] += 1
                local_start[i] = now
                push(heap, (now + duration[i], g, i, 1))
            else:
                queues[where].append((g, i))
        elif code == _DELAY:
            local_start[i] = now
            push(heap, (now + duration[i], g, i, 1))
        else:
            period, offset = stations[where].every_days, stations[where].offset_days
            ready = now + duration[i]
            departure = offset if ready <= offset else offset + period * math.ceil((ready - offset) / period)
            local_start[i] = departure
            push(heap, (departure, g, i, 1))
    enter[rows] = local_enter
    start[rows] = local_start
    leave[rows] = local_leave
