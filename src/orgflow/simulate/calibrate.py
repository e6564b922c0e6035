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

Times use the items finished in the window (their history is complete), arrivals the items started
in it. Dependencies between teams are not calibrated (add them in a scenario).
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


def calibrate(history: History, *, since: float, until: float, team: str | None = None) -> Network:
    """The network fitted to [since, until) (days since the epoch) of `history` (see the module docstring)."""
    names = sorted(set(history.teams.tolist())) if team is None else [team]
    stations: dict[str, Station] = {}
    teams: dict[str, Team] = {}
    trains: list[tuple[str, str, float, float]] = []  # (team, stage, every_days, phase)
    skipped: dict[str, str] = {}
    finished = np.isfinite(history.finish) & (history.finish >= since) & (history.finish < until)
    for name in names:
        mine = history.teams == name
        done = mine & finished
        if done.sum() < MIN_ITEMS:
            skipped[name] = f"{int(done.sum())} items finished in the window (fewer than {MIN_ITEMS})"
            continue
        started = mine & ~history.cancelled & (history.start >= since) & (history.start < until)
        arrivals = {
            str(flow_type): Arrivals(per_day=round(count / (until - since), 6))
            for flow_type, count in sorted(Counter(history.flow_types[started].tolist()).items())
        }
        group = next((history.groups[i] for i in np.flatnonzero(mine)[:1]), None)
        route, team_trains = _route(history, name, done, since, until)
        for step in route:
            if step.station and step.station not in stations:
                stations[step.station] = _station(history, name, step, since, until)
        trains.extend(team_trains)
        teams[name] = Team(name, arrivals, tuple(route), group=group)
    _share_trains(history, stations, teams, trains, since, until)
    notes = {
        "calibrated_from": "orgflow flow history",
        "since": iso_day(since),
        "until": iso_day(until),
        "items_finished": {name: int((finished & (history.teams == name)).sum()) for name in teams},
    }
    if skipped:
        notes["teams_left_out"] = skipped
    return Network(stations, teams, notes)


def iso_day(days: float) -> str:
    return datetime.fromtimestamp(days * 86_400, tz=UTC).date().isoformat()


def _route(history: History, team: str, done: np.ndarray, since: float, until: float) -> tuple[list[Step], list]:
    """The team's steps (see the module docstring) and its release trains found on the way."""
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
        reach = sum(1 for (_, s) in visited if s == stage) / items_done
        back = sum(backward[stage].values())
        rework = min(back / passes, 0.9) if back else 0.0
        kind = "servers" if category[stage] == "active" else "delay"
        steps.append(
            Step(
                stage=stage,
                station=f"{team}/{stage}",
                times=summary_sample(np.maximum(durations[here], 0.0)),
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
