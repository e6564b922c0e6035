"""The station graph of the station-by-station engine: its components, and the event loop of one.

`components` orders the stations the paths visit by the graph they draw (an edge for each pair of
consecutive passes), strongly connected components upstream first. A component of several stations
(rework between them, routes that cross) is timed by `run_component`, a small event loop over its
passes with the rules of the event loop of `orgflow.simulate.engine`.
"""

from __future__ import annotations

import math
from collections import deque
from heapq import heappop, heappush

import numpy as np

from orgflow.simulate.network import Station
from orgflow.simulate.record import DELAY, SERVERS
from orgflow.simulate.trains import Departures, departure


def components(nodes: list[int], edges: dict[int, set[int]]) -> list[list[int]]:
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


def run_component(
    rows: np.ndarray,
    stations: list[Station],
    kind: list[int],
    trains: dict[int, Departures],
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
    A train with freezes or a batch limit (`trains`, by station index) seats items in order of entry.
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
            if kind[where] == SERVERS:
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
        if code == SERVERS:
            if busy[where] < capacity[where]:
                busy[where] += 1
                local_start[i] = now
                push(heap, (now + duration[i], g, i, 1))
            else:
                queues[where].append((g, i))
        elif code == DELAY:
            local_start[i] = now
            push(heap, (now + duration[i], g, i, 1))
        else:
            ready = now + duration[i]
            limited = trains.get(where)
            if limited is not None:
                leaving = limited.board(ready)
            else:
                leaving = departure(ready, stations[where].every_days, stations[where].offset_days)
            local_start[i] = leaving
            push(heap, (leaving, g, i, 1))
    enter[rows] = local_enter
    start[rows] = local_start
    leave[rows] = local_leave
