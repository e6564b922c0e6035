"""Wait stages: the queue of the next active stage, a release train, or a delay.

- A wait stage right before an active stage is that stage's **queue** when items waited there only
  while the active stage was full: at least `QUEUE_SHARE` of the waiting time with the stage at its
  sustained concurrency (work-conserving first come, first served).
- It is a **release train** when items left it in batches (exits closer than 72 minutes leave
  together; at least `TRAIN_BATCH` items per departure on average, `TRAIN_MIN_DEPARTURES` or more
  departures) at regular intervals (`TRAIN_REGULARITY` of the gaps within 10 % of a multiple of the
  median gap, the period). Teams whose trains leave at the same times share one train station.
  - **Freezes**: a gap between departures of k ≥ 2 periods missed k − 1 departures; when at every
    missed departure at least as many items waited in the stage as a median departure takes (and at
    least one), the train was frozen, not idle. The freeze runs from halfway between the last
    departure and the first missed one to halfway between the last missed one and the next
    departure (whole UTC days), at most `FREEZE_MAX_DAYS`, and is taken to come back every year on
    the same days (`Station.freezes`).
  - **Hold**: each pass's trains let go by (the open departures between the first one after it
    entered and the one it left with, frozen ones not counted) × the period become the step's hold
    time (`missed_trains`).
  - **Batch sizes** (items per departure) go in the notes; no batch limit is calibrated (a history
    where trains had room for everyone shows no limit; a scenario sets one).
- Otherwise it is a **delay** with its observed times.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import numpy as np

from orgflow.simulate.calibrate_capacity import sustained_concurrency
from orgflow.simulate.distributions import Distribution, summary_sample
from orgflow.simulate.history import History
from orgflow.simulate.network import Station, Step, Team
from orgflow.simulate.trains import Departures

QUEUE_SHARE = 0.8
TRAIN_BATCH = 2.0
TRAIN_MIN_DEPARTURES = 4
TRAIN_REGULARITY = 0.8
FREEZE_MAX_DAYS = 42.0
_BATCH_GAP_DAYS = 0.05  # exits closer than 72 minutes leave with the same train


def fold_queues(
    history: History, team: str, steps: list[Step], category: dict[str, str], since: float, until: float
) -> list[Step]:
    """Fold each wait stage that behaves as the queue of the next active stage into that stage."""
    result: list[Step] = []
    index = 0
    while index < len(steps):
        step = steps[index]
        after = steps[index + 1] if index + 1 < len(steps) else None
        waits_for_next = category[step.stage] != "active" and after is not None and category[after.stage] == "active"
        if waits_for_next and after is not None and _is_queue(history, team, step.stage, after.stage, since, until):
            result.append(replace(after, queue_stage=step.stage, visit=max(after.visit, step.visit)))
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


@dataclass(frozen=True)
class FoundTrain:
    """A team's wait stage that behaves as a release train: its period, the phase of its departures
    (days since the epoch, modulo the period) and the stage's passes in the window."""

    team: str
    stage: str
    every: float
    phase: float
    enter: np.ndarray
    leave: np.ndarray


def departures_in(exits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(departure instants, items per departure) of sorted exits (one departure per batch)."""
    starts = np.r_[True, np.diff(exits) > _BATCH_GAP_DAYS] if exits.size else np.zeros(0, dtype=bool)
    index = np.flatnonzero(starts)
    return exits[index], np.diff(np.r_[index, exits.size])


def find_train(team: str, stage: str, enter: np.ndarray, leave: np.ndarray) -> FoundTrain | None:
    """The train a stage's passes (leaving inside the window) show, or None (see the module docstring)."""
    if leave.size < TRAIN_MIN_DEPARTURES * TRAIN_BATCH:
        return None
    departures, _ = departures_in(np.sort(leave))
    if departures.size < TRAIN_MIN_DEPARTURES or leave.size / departures.size < TRAIN_BATCH:
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
    return FoundTrain(team, stage, every, float(np.median(np.mod(departures, every))), enter, leave)


def find_freezes(every: float, enter: np.ndarray, leave: np.ndarray) -> list[tuple[str, str]]:
    """Yearly freezes (from MM-DD, to MM-DD) of a train with period `every` whose passes entered at
    `enter` and left at `leave` (days since the epoch; see the module docstring)."""
    departures, sizes = departures_in(np.sort(leave))
    if departures.size < TRAIN_MIN_DEPARTURES:
        return []
    typical = max(1.0, float(np.median(sizes)))
    periods = np.round(np.diff(departures) / every)
    found: list[tuple[float, float]] = []
    for index in np.flatnonzero(periods >= 2).tolist():
        before, after = departures[index], departures[index + 1]
        missed = before + every * np.arange(1, int(periods[index]))
        waiting = ((enter[None, :] < missed[:, None]) & (leave[None, :] > missed[:, None])).sum(axis=1)
        if (waiting < typical).any():
            continue
        begin = round(before + (missed[0] - before) / 2)
        end = round(missed[-1] + (after - missed[-1]) / 2)
        if 0 < end - begin <= FREEZE_MAX_DAYS:
            found.append((float(begin), float(end)))
    return _yearly(found)


def _yearly(spans: list[tuple[float, float]]) -> list[tuple[str, str]]:
    """Dated spans (days since the epoch) as yearly (MM-DD, MM-DD) periods, overlapping ones merged."""
    reference: list[list[int]] = []
    for begin, end in spans:
        first = _day(begin)
        start = (date(2001, first.month, min(first.day, 28 if first.month == 2 else first.day)) - date(2001, 1, 1)).days
        reference.append([start, start + int(end - begin)])
    merged: list[list[int]] = []
    for begin, end in sorted(reference):
        if merged and begin <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([begin, end])
    origin = date(2001, 1, 1)
    return [
        ((origin + timedelta(days=begin)).strftime("%m-%d"), (origin + timedelta(days=end)).strftime("%m-%d"))
        for begin, end in merged
    ]


def _day(days: float) -> date:
    return datetime.fromtimestamp(days * 86_400, tz=UTC).date()


def missed_trains(
    history: History, team: str, stage: str, station: Station, origin: date, since: float, until: float
) -> Distribution | None:
    """The hold before boarding at a train: k x period per pass, k = the open departures an item let
    go by (from the first one after it entered to the one it left with); None when nobody missed one.
    `origin` is the calendar day of simulated day 0 (the station's offset is counted from it)."""
    rows = (history.teams[history.span_item] == team) & (history.span_stage == stage)
    rows &= (history.span_enter >= since) & (history.span_leave < until)
    shift = (origin - date(1970, 1, 1)).days
    train = Departures(replace(station, batch_limit=None), origin)
    missed = []
    for entered, left in zip(history.span_enter[rows] - shift, history.span_leave[rows] - shift, strict=True):
        count, leaving = 0, train.after(entered)
        while leaving < left - station.every_days * 0.45:  # departures before the one it left with
            count += 1
            leaving = train.after(leaving + station.every_days / 2)
        missed.append(count)
    if not missed or not any(missed):
        return None
    return summary_sample(np.asarray(missed, dtype=float) * station.every_days)


def share_trains(
    history: History,
    stations: dict[str, Station],
    teams: dict[str, Team],
    trains: list[FoundTrain],
    origin: date,
    since: float,
    until: float,
) -> list[dict[str, object]]:
    """Turn the found trains into train stations, one per set of teams whose trains leave together,
    with their freezes and each team's hold; returns the notes of each station."""
    groups: list[list[FoundTrain]] = []
    for train in trains:
        for members in groups:
            first = members[0]
            gap = abs(first.phase - train.phase) % first.every
            if (
                first.stage == train.stage
                and abs(first.every - train.every) < 0.05
                and min(gap, first.every - gap) < 0.1
            ):
                members.append(train)
                break
        else:
            groups.append([train])
    day_zero = float((origin - date(1970, 1, 1)).days)
    notes = []
    for members in groups:
        names = sorted(train.team for train in members)
        parents = {teams[name].group for name in names}
        first = members[0]
        owner = parents.pop() if len(parents) == 1 and None not in parents and len(names) > 1 else "+".join(names)
        enter = np.concatenate([train.enter for train in members])
        leave = np.concatenate([train.leave for train in members])
        station = Station(
            f"{owner}/{first.stage}",
            "train",
            every_days=first.every,
            offset_days=round((first.phase - day_zero) % first.every, 4),
            freezes=tuple(find_freezes(first.every, enter, leave)),
        )
        stations[station.name] = station
        for name in names:
            old = f"{name}/{first.stage}"
            if old != station.name:  # a train of one team keeps its station's name
                stations.pop(old, None)
            hold = missed_trains(history, name, first.stage, station, origin, since, until)
            route = tuple(
                replace(step, station=station.name, times=hold) if step.station == old else step
                for step in teams[name].route
            )
            teams[name] = replace(teams[name], route=route)
        _, sizes = departures_in(np.sort(leave))
        notes.append(
            {
                "station": station.name,
                "teams": names,
                "every_days": station.every_days,
                "departures": int(sizes.size),
                "items_per_departure": {
                    "mean": round(float(sizes.mean()), 2),
                    "p95": round(float(np.quantile(sizes, 0.95)), 2),
                    "max": int(sizes.max()),
                },
                "freezes": [f"{begin} to {end}" for begin, end in station.freezes] or None,
            }
        )
    return notes
