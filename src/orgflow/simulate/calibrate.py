"""Calibration: a network fitted to a window of the workspace's own flow history.

For each team with at least `MIN_ITEMS` items finished in the window [since, until):

- **Arrivals** per flow type: items started in the window and not cancelled ÷ its days (Poisson).
- **Route**: the stages (active, wait, unmapped) its finished items passed between start and
  finish, in workflow order; `visit` = share of those items that passed the stage.
- **Times**: per stage, the length of each pass (days), kept as 100 order statistics (`summary_sample`).
- **Rework**: per stage, moves from it back to an earlier stage ÷ passes through it; `rework_to`
  is the earlier stage most often moved back to.
- **Capacity** of an active stage: the concurrency it sustained, the `CAPACITY_QUANTILE` quantile of
  the team's items in the stage just after each entry into it (at least 1). With an org model loaded, the
  team's members on the last day are kept as the station's `people` (used by `move_people`).
- **Wait stages**: a wait stage right before an active stage is that stage's **queue** when items
  waited there only while the active stage was full (at least `QUEUE_SHARE` of the waiting time
  with the stage at capacity: work-conserving first come, first served); it is a **release train**
  when items left it in batches (at least `TRAIN_BATCH` per departure on average, `TRAIN_MIN_DEPARTURES`
  or more) at regular intervals (`TRAIN_REGULARITY` of the gaps within 10 % of a multiple of the
  median gap); teams whose trains leave at the same times share one train station, and each pass's
  trains let go by (departure − first departure after entry, in periods) become the step's hold
  time. Otherwise it is a **delay** with its observed times.

- **Dependencies** (blocking links, `History.links`): for each ordered pair of calibrated teams (A, B)
  where A's items were blocked by B's items, a ``depends_on`` step in A's route with `visit` = share of
  A's items finished in the window that have a blocking link to an item of B. The request is placed
  after the stage A's item was in when B's item started (links carry no date; B's start is when the
  request reached B), the most frequent such stage over the pair's links; when B's items all started
  before A's (the request's moment unknown), after A's first active stage. The delay it adds is the
  requests' way through B's route under B's load (the engine's dependency semantics); the delay
  measured in the history (B's finish minus the request's moment, p50) is kept in the notes beside
  it. So as not to count the wait twice, A's stage times come from its items without such a link
  (when at least `MIN_ITEMS` remain), and B's own arrivals leave out the items that blocked A's
  (they arrive as requests). **Cycles**: pairs are kept strongest first (visit, then links, then
  names); a pair that would close a cycle of teams is dropped and listed in the notes.

Times use the items finished in the window (their history is complete), arrivals the items started
in it.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime

import numpy as np

from orgflow.simulate.distributions import Distribution, summary_sample
from orgflow.simulate.history import History
from orgflow.simulate.network import Arrivals, Network, Station, Step, Team

MIN_ITEMS = 20
CAPACITY_QUANTILE = 0.95
QUEUE_SHARE = 0.8
TRAIN_BATCH = 2.0
TRAIN_MIN_DEPARTURES = 4
TRAIN_REGULARITY = 0.8
_BATCH_GAP_DAYS = 0.05  # exits closer than 72 minutes leave with the same train
_IN_FLOW = ("active", "wait", "unmapped")


def calibrate(
    history: History, *, since: float, until: float, team: str | None = None, dependencies: bool = True
) -> Network:
    """The network fitted to [since, until) (days since the epoch) of `history` (see the module docstring);
    `dependencies` False leaves the blocking links out."""
    names = sorted(set(history.teams.tolist())) if team is None else [team]
    stations: dict[str, Station] = {}
    teams: dict[str, Team] = {}
    trains: list[tuple[str, str, float, float]] = []  # (team, stage, every_days, phase)
    skipped: dict[str, str] = {}
    finished = np.isfinite(history.finish) & (history.finish >= since) & (history.finish < until)
    kept = [name for name in names if (finished & (history.teams == name)).sum() >= MIN_ITEMS]
    edges, dropped = _dependency_pairs(history, finished, set(kept)) if dependencies else ({}, [])
    linked = np.zeros(history.teams.size, dtype=bool)  # blocked items of a kept pair (their times carry the wait)
    requests = np.zeros(history.teams.size, dtype=bool)  # blocker items of a kept pair (they arrive as requests)
    for blockers, blocked in edges.values():
        linked[blocked] = True
        requests[blockers] = True
    for name in names:
        mine = history.teams == name
        done = mine & finished
        if done.sum() < MIN_ITEMS:
            skipped[name] = f"{int(done.sum())} items finished in the window (fewer than {MIN_ITEMS})"
            continue
        started = mine & ~history.cancelled & (history.start >= since) & (history.start < until) & ~requests
        arrivals = {
            str(flow_type): Arrivals(per_day=round(count / (until - since), 6))
            for flow_type, count in sorted(Counter(history.flow_types[started].tolist()).items())
        }
        group = next((history.groups[i] for i in np.flatnonzero(mine)[:1]), None)
        timed = done & ~linked if (done & ~linked).sum() >= MIN_ITEMS else done
        route, team_trains = _route(history, name, done, since, until, timed=timed)
        for step in route:
            if step.station and step.station not in stations:
                stations[step.station] = _station(history, name, step, since, until)
        trains.extend(team_trains)
        teams[name] = Team(name, arrivals, tuple(route), group=group)
    _share_trains(history, stations, teams, trains, since, until)
    found = _add_dependencies(history, stations, teams, edges, finished)
    notes: dict[str, object] = {
        "calibrated_from": "orgflow flow history",
        "since": iso_day(since),
        "until": iso_day(until),
        "items_finished": {name: int((finished & (history.teams == name)).sum()) for name in teams},
    }
    if skipped:
        notes["teams_left_out"] = skipped
    if found:
        notes["dependencies"] = found
    if dropped:
        notes["dependencies_dropped"] = dropped
    return Network(stations, teams, notes)


def iso_day(days: float) -> str:
    return datetime.fromtimestamp(days * 86_400, tz=UTC).date().isoformat()


def _route(
    history: History, team: str, done: np.ndarray, since: float, until: float, *, timed: np.ndarray | None = None
) -> tuple[list[Step], list]:
    """The team's steps (see the module docstring) and its release trains found on the way; stage
    times come from the `timed` items (default: all of `done`) where they passed the stage."""
    item = history.span_item
    keep = done[item] & np.isin(history.span_category, _IN_FLOW)
    keep &= history.span_enter >= history.start[item] - 1e-9
    keep &= history.span_enter < history.finish[item]
    rows = np.flatnonzero(keep)
    rows = rows[np.lexsort((history.span_enter[rows], item[rows]))]
    stages = history.span_stage[rows]
    order = {str(s): int(o) if o >= 0 else 1 << 30 for s, o in zip(stages, history.span_order[rows], strict=True)}
    items_done = int(done.sum())
    visited = Counter((int(i), str(s)) for i, s in zip(item[rows], stages, strict=True))
    route_stages = sorted({s for _, s in visited}, key=lambda s: (order[s], s))
    backward: dict[str, Counter] = {s: Counter() for s in route_stages}
    for (i1, s1), (i2, s2) in zip(
        zip(item[rows], stages, strict=True), zip(item[rows][1:], stages[1:], strict=True), strict=False
    ):
        if i1 == i2 and order[str(s2)] < order[str(s1)]:
            backward[str(s1)][str(s2)] += 1
    category = {str(s): str(c) for s, c in zip(stages, history.span_category[rows], strict=True)}
    durations = history.span_leave[rows] - history.span_enter[rows]
    steps: list[Step] = []
    trains = []
    for stage in route_stages:
        here = stages == stage
        passes = int(here.sum())
        measured = here & timed[item[rows]] if timed is not None else here
        measured = measured if measured.any() else here
        reach = sum(1 for (_, s) in visited if s == stage) / items_done
        back = sum(backward[stage].values())
        rework = min(back / passes, 0.9) if back else 0.0
        kind = "servers" if category[stage] == "active" else "delay"
        steps.append(
            Step(
                stage=stage,
                station=f"{team}/{stage}",
                times=summary_sample(np.maximum(durations[measured], 0.0)),
                phase=history.stage_phase.get(stage, ""),
                visit=round(min(reach, 1.0), 4),
                rework=round(rework, 4),
                rework_to=backward[stage].most_common(1)[0][0] if rework else None,
            )
        )
        if kind == "delay":
            train = _train(history.span_leave[rows][here & (history.span_leave[rows] < until)])
            if train is not None:
                trains.append((team, stage, *train))
    return _queues(history, team, steps, category, since, until), trains


def _station(history: History, team: str, step: Step, since: float, until: float) -> Station:
    """A team's own station for `step`: servers with the sustained concurrency for active stages."""
    rows = (history.teams[history.span_item] == team) & (history.span_stage == step.stage)
    if history.span_category[rows][:1].tolist() != ["active"]:
        return Station(step.station or "", "delay")
    return Station(
        step.station or "",
        "servers",
        capacity=sustained_concurrency(history.span_enter[rows], history.span_leave[rows], since, until),
        people=history.people.get(team),
    )


def sustained_concurrency(enter: np.ndarray, leave: np.ndarray, since: float, until: float) -> int:
    """The `CAPACITY_QUANTILE` quantile of how many intervals are open just after each entry in
    [since, until) (what an arriving item finds there, itself included; entries rather than days'
    ends, so that a stage of a few hours, or a batch arriving with a release train, is seen)."""
    moments = np.sort(enter[(enter >= since) & (enter < until)])
    if moments.size == 0:
        return 1
    opened = np.searchsorted(np.sort(enter), moments, side="right")
    closed = np.searchsorted(np.sort(leave), moments, side="right")
    return max(1, math.ceil(float(np.quantile(opened - closed, CAPACITY_QUANTILE))))


def _queues(history: History, team: str, steps: list[Step], category: dict, since: float, until: float) -> list[Step]:
    """Fold each wait stage that behaves as the queue of the next active stage into that stage."""
    result: list[Step] = []
    index = 0
    while index < len(steps):
        step = steps[index]
        after = steps[index + 1] if index + 1 < len(steps) else None
        waits_for_next = category[step.stage] != "active" and after is not None and category[after.stage] == "active"
        if waits_for_next and after is not None and _is_queue(history, team, step.stage, after.stage, since, until):
            result.append(Step(**{**after.__dict__, "queue_stage": step.stage, "visit": max(after.visit, step.visit)}))
            index += 2
            continue
        result.append(step)
        index += 1
    return result


def _is_queue(history: History, team: str, wait: str, active: str, since: float, until: float) -> bool:
    """Whether items waited in `wait` only while `active` was at its sustained concurrency."""
    mine = history.teams[history.span_item] == team
    busy = mine & (history.span_stage == active)
    waiting = mine & (history.span_stage == wait) & (history.span_enter >= since) & (history.span_leave < until)
    capacity = sustained_concurrency(history.span_enter[busy], history.span_leave[busy], since, until)
    lengths = history.span_leave[waiting] - history.span_enter[waiting]
    if lengths.sum() <= 0:
        return True  # nobody ever waited: a queue that never formed
    times = np.concatenate([history.span_enter[busy], history.span_leave[busy]])
    steps = np.concatenate([np.ones(busy.sum()), -np.ones(busy.sum())])
    order = np.lexsort((steps, times))
    times, level = times[order], np.cumsum(steps[order])
    full = (level[:-1] >= capacity) * np.diff(times)
    integral = np.concatenate([[0.0], np.cumsum(full)])
    full_time = np.interp(history.span_leave[waiting], times, integral) - np.interp(
        history.span_enter[waiting], times, integral
    )
    return float(full_time.sum() / lengths.sum()) >= QUEUE_SHARE


def _train(exits: np.ndarray) -> tuple[float, float] | None:
    """(every_days, departure phase) when `exits` leave in regular batches, else None."""
    if exits.size < TRAIN_MIN_DEPARTURES * TRAIN_BATCH:
        return None
    exits = np.sort(exits)
    starts = np.r_[True, np.diff(exits) > _BATCH_GAP_DAYS]
    departures = exits[starts]
    if departures.size < TRAIN_MIN_DEPARTURES or exits.size / departures.size < TRAIN_BATCH:
        return None
    gaps = np.diff(departures)
    every = float(np.median(gaps))
    if every < 0.5:
        return None
    ratio = gaps / every
    regular = np.abs(ratio - np.round(ratio)) <= 0.1
    if (regular & (np.round(ratio) >= 1)).mean() < TRAIN_REGULARITY:
        return None
    every = round(every, 2)
    return every, float(np.median(np.mod(departures, every)))


def missed_trains(
    history: History, team: str, stage: str, station: Station, since: float, until: float
) -> Distribution | None:
    """The hold before boarding at a train: k x period per pass, k = the departures an item let go by
    (its departure minus the first one after it entered, in periods); None when nobody missed one."""
    rows = (history.teams[history.span_item] == team) & (history.span_stage == stage)
    rows &= (history.span_enter >= since) & (history.span_leave < until)
    every, first = station.every_days, station.offset_days + since
    enter, leave = history.span_enter[rows], history.span_leave[rows]
    next_departure = first + every * np.ceil((enter - first) / every)
    missed = np.clip(np.round((leave - next_departure) / every), 0, None)
    if missed.size == 0 or not missed.any():
        return None
    return summary_sample(missed * every)


def _share_trains(history: History, stations: dict, teams: dict, trains: list, since: float, until: float) -> None:
    """Turn each found train into a train station, one per set of teams whose trains leave together."""
    groups: list[list[tuple[str, str, float, float]]] = []
    for train in trains:
        for members in groups:
            _, stage, every, phase = members[0]
            gap = abs(phase - train[3]) % every
            if stage == train[1] and abs(every - train[2]) < 0.05 and min(gap, every - gap) < 0.1:
                members.append(train)
                break
        else:
            groups.append([train])
    for members in groups:
        names = sorted(team for team, *_ in members)
        parents = {teams[name].group for name in names}
        _, stage, every, phase = members[0]
        owner = parents.pop() if len(parents) == 1 and None not in parents and len(names) > 1 else "+".join(names)
        station = Station(f"{owner}/{stage}", "train", every_days=every, offset_days=round((phase - since) % every, 4))
        stations[station.name] = station
        for name in names:
            old = f"{name}/{stage}"
            if old != station.name:  # a train of one team keeps its station's name
                stations.pop(old, None)
            hold = missed_trains(history, name, stage, station, since, until)
            route = tuple(
                Step(**{**s.__dict__, "station": station.name, "times": hold}) if s.station == old else s
                for s in teams[name].route
            )
            teams[name] = Team(**{**teams[name].__dict__, "route": route})


def _dependency_pairs(
    history: History, finished: np.ndarray, calibrated: set[str]
) -> tuple[dict[tuple[str, str], tuple[np.ndarray, np.ndarray]], list[dict[str, object]]]:
    """(team, needs) -> (blocker items, blocked items), one entry per link whose blocked item finished
    in the window, for pairs of calibrated teams, strongest first; and the pairs dropped as closing a
    cycle (see the module docstring)."""
    blockers, blocked = history.links[:, 0], history.links[:, 1]
    keep = finished[blocked]
    keep &= np.isin(history.teams[blocked], list(calibrated)) & np.isin(history.teams[blockers], list(calibrated))
    blockers, blocked = blockers[keep], blocked[keep]
    pairs: dict[tuple[str, str], list[int]] = {}
    for row, (source, target) in enumerate(zip(history.teams[blocked], history.teams[blockers], strict=True)):
        pairs.setdefault((str(source), str(target)), []).append(row)
    done = Counter(history.teams[finished].tolist())

    def strength(pair: tuple[str, str]) -> tuple[float, int, str, str]:
        rows = pairs[pair]
        return (-len(set(blocked[rows].tolist())) / done[pair[0]], -len(rows), *pair)

    kept: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    dropped: list[dict[str, object]] = []
    for pair in sorted(pairs, key=strength):
        team, needs = pair
        if _reaches(set(kept), needs, team):
            dropped.append({"team": team, "needs": needs, "links": len(pairs[pair]), "reason": "closes a cycle"})
            continue
        rows = pairs[pair]
        kept[pair] = (blockers[rows], blocked[rows])
    return kept, dropped


def _reaches(edges: set[tuple[str, str]], start: str, goal: str) -> bool:
    """Whether `goal` can be reached from `start` along `edges` (team -> team it depends on)."""
    seen, todo = {start}, [start]
    while todo:
        here = todo.pop()
        if here == goal:
            return True
        for source, target in edges:
            if source == here and target not in seen:
                seen.add(target)
                todo.append(target)
    return False


def _add_dependencies(
    history: History,
    stations: dict[str, Station],
    teams: dict[str, Team],
    edges: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]],
    finished: np.ndarray,
) -> list[dict[str, object]]:
    """Insert a dependency step per pair of `edges` into the routes of `teams`; the notes of each."""
    by_item = np.argsort(history.span_item, kind="stable")
    first_span = np.searchsorted(history.span_item[by_item], np.arange(history.teams.size + 1))
    inserts: dict[str, list[tuple[int, Step]]] = {}
    notes: list[dict[str, object]] = []
    for (name, needs), (blockers, blocked) in edges.items():
        route = teams[name].route
        position_of = {}
        for index, step in enumerate(route):
            position_of[step.stage] = index + 1
            if step.queue_stage:
                position_of.setdefault(step.queue_stage, index + 1)
        moments = history.start[blockers]
        known = moments > history.start[blocked]
        positions: Counter = Counter()
        for item, moment in zip(blocked[known].tolist(), moments[known].tolist(), strict=True):
            rows = by_item[first_span[item] : first_span[item + 1]]
            inside = rows[(history.span_enter[rows] <= moment) & (history.span_leave[rows] > moment)]
            for stage in history.span_stage[inside].tolist():
                if stage in position_of:
                    positions[position_of[stage]] += 1
                    break
        if positions:
            position = min(positions, key=lambda p: (-positions[p], p))
            placed = "the stage the item was in when the blocker started"
        else:
            active = [i for i, s in enumerate(route) if s.station and stations[s.station].kind == "servers"]
            position = (active[0] if active else 0) + 1
            placed = "the first active stage (when the request was made is unknown)"
        request_at = np.maximum(moments, history.start[blocked])
        waits = history.finish[blockers] - request_at
        waits = waits[np.isfinite(waits)]
        items = len(set(blocked.tolist()))
        done = int((finished & (history.teams == name)).sum())
        visit = round(items / done, 4)
        step = Step(stage=f"waiting for {needs}", station=None, depends_on=needs, visit=visit)
        inserts.setdefault(name, []).append((position, step))
        notes.append(
            {
                "team": name,
                "needs": needs,
                "links": int(blocked.size),
                "items": items,
                "items_finished": done,
                "visit": visit,
                "after": route[position - 1].stage,
                "placed_after": placed,
                "measured_wait_days_p50": round(float(np.median(np.maximum(waits, 0.0))), 2) if waits.size else None,
            }
        )
    for name, added in inserts.items():
        route = list(teams[name].route)
        for position, step in sorted(added, key=lambda pair: (pair[0], pair[1].stage), reverse=True):
            route.insert(position, step)
        teams[name] = Team(**{**teams[name].__dict__, "route": tuple(route)})
    return notes
