"""Every item's path through its route, worked out before any time is simulated.

Without WIP limits and dependency steps an item's way through its route depends on its own numbers
alone (`orgflow.simulate.record`): which steps it skips (its visit draws), when it goes back (its
rework draws, counted per stage) and its time at each pass. `Items` holds those numbers for every
item of one replication as arrays; `paths` turns them into passes, vectorized, one pass per round.
The station-by-station engine (`orgflow.simulate.stationwise`) then only has to time the passes.
"""

from __future__ import annotations

import numpy as np

from orgflow.simulate.network import Network
from orgflow.simulate.record import arrival_times, step_numbers


class Items:
    """Every item of one replication with its numbers, as arrays (one row per item).

    `service` (items, width, 3): days at each step on the first, second, third or later pass;
    `skip` (items, width): the item does not visit the step; `back` (items, width, 3): it goes back
    after its first, second, third pass there. `width` is the longest route. In a network without
    rework the last axis holds the first pass alone.
    """

    def __init__(self, network: Network, seed: int, replication: int, horizon: float, width: int) -> None:
        first_weekday = network.calendar_start().weekday()
        flow_types = sorted({flow_type for team in network.teams.values() for flow_type in team.arrivals})
        type_index = {name: index for index, name in enumerate(flow_types)}
        # Without rework no item passes a step twice: only the first service draw becomes days.
        passes = 3 if any(step.rework > 0 for team in network.teams.values() for step in team.route) else 1
        arrive, team_of, type_of, service, skip, back = [], [], [], [], [], []
        for t, team in enumerate(network.teams.values()):
            for flow_type in sorted(team.arrivals):
                times = arrival_times(team, flow_type, seed, replication, horizon, first_weekday=first_weekday)
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


def paths(items: Items, route_length: np.ndarray, rework_to: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
