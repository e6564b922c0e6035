"""Calibration: a network fitted to a window of the workspace's own flow history.

For each team with at least `MIN_ITEMS` items finished in the window [since, until):

- **Arrivals** per flow type: items started in the window and not cancelled ÷ the days the team's
  data covers in it (`covered_days`: its first to its last event, cut to the window; noted in
  `arrival_days` when shorter than the window) (Poisson), with the team's weekly profile when its
  arrivals show weekly seasonality over at least four weeks (`orgflow.simulate.calibrate_arrivals`).
  A team whose data ends before the window opens is left out with a note saying so.
- **Route**: the stages (active, wait, unmapped) its finished items passed between start and
  finish, in workflow order; `visit` = share of those items that passed the stage.
- **Times**: per stage, the length of each pass (days), kept as 100 order statistics (`summary_sample`).
- **Rework**: per stage, moves from it back to an earlier stage ÷ passes through it; `rework_to`
  is the earlier stage most often moved back to.
- **Capacity** of an active stage: from the org model's people on the window's last day when it is
  loaded, else the concurrency the stage sustained (`orgflow.simulate.calibrate_capacity`); the
  station says which (`capacity_from`).
- **Wait stages**: the queue of the next active stage, a release train (with its yearly freezes and
  the holds of items that let trains go by) or a delay (`orgflow.simulate.calibrate_waits`).
- **Cycle time unknown**: a team most of whose finished items went from backlog straight to done
  (start = finish), or all of them, has no measured cycle time (`orgflow.flow.skipped`): its route
  would simulate 0 days. `cycle_time_unknown` in the notes gives the reason per team, and the fit and
  backtests give its predicted cycle time as null (`cycle_time_reason`).
- **No active stage**: a team none of whose statuses in use maps to an active stage starts its items at
  their first unmapped status (`orgflow.flow.mapped_stages`): its route has no active stage, so the
  service times and capacities of its active stages are unknown, and so are its cycle times (the
  fit and backtests give them as null). `no_active_stage` in the notes gives the reason per team.
- **Dependencies** from the blocking links (`orgflow.simulate.calibrate_links`). So as not to count
  the wait twice, a blocked team's stage times come from its items without such a link (when at
  least `MIN_ITEMS` remain), and the blocker's own arrivals leave out the items that blocked
  others' (they arrive as requests).

Times use the items finished in the window (their history is complete), arrivals the items started
in it. Simulated day 0 is the window's first day (`Network.start`): train departures and weekdays
are counted from it.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, date, datetime

import numpy as np

from orgflow.flow.mapped_stages import no_active_stage_reason
from orgflow.flow.skipped import mostly_skipped, no_status_history_reason, skipped_majority_reason
from orgflow.simulate.calibrate_arrivals import arrival_rates, covered_days, weekday_test
from orgflow.simulate.calibrate_capacity import stage_capacity
from orgflow.simulate.calibrate_links import add_dependencies, dependency_pairs
from orgflow.simulate.calibrate_waits import FoundTrain, find_train, fold_queues, share_trains
from orgflow.simulate.distributions import summary_sample
from orgflow.simulate.history import History
from orgflow.simulate.network import Network, Station, Step, Team

MIN_ITEMS = 20
_IN_FLOW = ("active", "wait", "unmapped")
CAPACITY_RULE = (
    "servers of an active stage: with an org model, ceil(per_person x people on the window's last day), "
    "per_person = p95 over entries of (items in the stage / the team's people that day); else the p95 "
    "of items in the stage at entries, rounded up (docs/simulation.md)"
)

NO_ACTIVE_FIGURES = (
    "service times and capacities of active stages (the route has none: its stages run as delays, without "
    "queueing), cycle_time_p50, cycle_time_p85"
)
"""What a team without an active stage leaves unknown in its model (`no_active_stage` in the notes)."""

ARRIVAL_DAYS_RULE = (
    "arrivals per day = items started in the window / the days the team's data covers in it, from the day "
    "of its first event to the end of the day of its last, cut to the window, gaps under a week at its ends "
    "kept (teams listed: fewer days than the window)"
)


def calibrate(
    history: History, *, since: float, until: float, team: str | None = None, dependencies: bool = True
) -> Network:
    """The network fitted to [since, until) (days since the epoch) of `history` (see the module docstring);
    `dependencies` False leaves the blocking links out."""
    names = sorted(set(history.teams.tolist())) if team is None else [team]
    origin = calendar_day(since)
    stations: dict[str, Station] = {}
    teams: dict[str, Team] = {}
    trains: list[FoundTrain] = []
    skipped: dict[str, str] = {}
    seasonality: dict[str, object] = {}
    from_history: dict[str, str] = {}
    arrival_days: dict[str, dict[str, object]] = {}
    finished = np.isfinite(history.finish) & (history.finish >= since) & (history.finish < until)
    kept = [name for name in names if (finished & (history.teams == name)).sum() >= MIN_ITEMS]
    edges, dropped = dependency_pairs(history, finished, set(kept)) if dependencies else ({}, [])
    linked = np.zeros(history.teams.size, dtype=bool)  # blocked items of a kept pair (their times carry the wait)
    requests = np.zeros(history.teams.size, dtype=bool)  # blocker items of a kept pair (they arrive as requests)
    for blockers, blocked in edges.values():
        linked[blocked] = True
        requests[blockers] = True
    unmeasured: dict[str, str] = {}
    no_active: dict[str, str] = {}
    for name in names:
        mine = history.teams == name
        done = mine & finished
        events = _events(history, mine)
        covered = covered_days(events, since, until)
        if done.sum() < MIN_ITEMS:
            skipped[name] = f"{int(done.sum())} items finished in the window (fewer than {MIN_ITEMS})"
            last = float(np.nanmax(events)) if np.isfinite(events).any() else None
            if last is not None and last < since:
                skipped[name] += (
                    f": its data ends on {iso_day(last)}, before the window opens on {iso_day(since)}"
                    " (`orgflow simulate calibrate --since --until` calibrates on another window)"
                )
            continue
        reason = cycle_time_reason(history, done, "predicted")
        if reason is not None:
            unmeasured[name] = reason
        if name in history.no_active:
            no_active[name] = no_active_stage_reason(NO_ACTIVE_FIGURES)
        begin, end = covered if covered is not None else (since, until)
        if (begin, end) != (since, until):
            arrival_days[name] = {"since": iso_day(begin), "until": iso_day(end), "days": end - begin}
        started = mine & ~history.cancelled & (history.start >= since) & (history.start < until) & ~requests
        weekly = weekday_test(history.start[started], begin, end)
        seasonality[name] = weekly.notes()
        group = next((history.groups[i] for i in np.flatnonzero(mine)[:1]), None)
        timed = done & ~linked if (done & ~linked).sum() >= MIN_ITEMS else done
        route, team_trains = _route(history, name, done, since, until, timed=timed)
        for step in route:
            if step.station and step.station not in stations:
                stations[step.station] = _station(history, name, step, since, until, from_history)
        trains.extend(team_trains)
        arrivals = arrival_rates(history.flow_types[started], begin, end)
        teams[name] = Team(name, arrivals, tuple(route), group=group, weekdays=weekly.profile)
    train_notes = share_trains(history, stations, teams, trains, origin, since, until)
    found = add_dependencies(history, stations, teams, edges, finished)
    notes: dict[str, object] = {
        "calibrated_from": "orgflow flow history",
        "since": iso_day(since),
        "until": iso_day(until),
        "items_finished": {name: int((finished & (history.teams == name)).sum()) for name in teams},
        "capacity_rule": CAPACITY_RULE,
    }
    if history.staffing:
        notes["people_on"] = iso_day(math.floor(until - 1e-9))
    if from_history:
        notes["capacity_from_history"] = from_history
    if arrival_days:
        notes["arrival_days"] = {"rule": ARRIVAL_DAYS_RULE, **arrival_days}
    notes["weekly_seasonality"] = seasonality
    if train_notes:
        notes["release_trains"] = train_notes
    if skipped:
        notes["teams_left_out"] = skipped
    if unmeasured:
        notes["cycle_time_unknown"] = unmeasured
    if no_active:
        notes["no_active_stage"] = no_active
    if found:
        notes["dependencies"] = found
    if dropped:
        notes["dependencies_dropped"] = dropped
    return Network(stations, teams, notes, start=origin)


def cycle_time_reason(history: History, done: np.ndarray, which: str) -> str | None:
    """Why the cycle time of the finished items `done` is unknown, else None: none of them spent time
    between start and finish, or more than half went from backlog straight to done (start = finish),
    the rule of every flow figure built on cycle time (`orgflow.flow.skipped`). The reason names the
    figures it leaves unknown, with `which` ("predicted", "actual") after them."""
    times = (history.finish - history.start)[done]
    finished, skipped = int(times.size), int((times <= 0).sum())
    figures = f"cycle_time_p50, cycle_time_p85 {which}"
    if finished == 0:
        return None
    if skipped == finished:
        return no_status_history_reason(figures)
    if mostly_skipped(skipped, finished):
        return skipped_majority_reason(skipped, finished, figures)
    return None


def _events(history: History, mine: np.ndarray) -> np.ndarray:
    """Every event (days since the epoch, nan where unknown) of the items `mine`: starts, finishes and
    stage entries. Not stage exits: an item still in its stage "leaves" it at the history's end, which
    is when the data stops, not an event of this team (a stage's real exit is the next one's entry)."""
    spans = mine[history.span_item]
    return np.concatenate([history.start[mine], history.finish[mine], history.span_enter[spans]])


def iso_day(days: float) -> str:
    return datetime.fromtimestamp(days * 86_400, tz=UTC).date().isoformat()


def calendar_day(days: float) -> date:
    """The UTC calendar day holding the instant `days` (days since the epoch)."""
    return datetime.fromtimestamp(math.floor(days) * 86_400, tz=UTC).date()


def _route(
    history: History, team: str, done: np.ndarray, since: float, until: float, *, timed: np.ndarray | None = None
) -> tuple[list[Step], list[FoundTrain]]:
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
    trains: list[FoundTrain] = []
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
            left = here & (history.span_leave[rows] < until)
            train = find_train(team, stage, history.span_enter[rows][left], history.span_leave[rows][left])
            if train is not None:
                trains.append(train)
    return fold_queues(history, team, steps, category, since, until), trains


def _station(
    history: History, team: str, step: Step, since: float, until: float, from_history: dict[str, str]
) -> Station:
    """A team's own station for `step`: servers with the capacity of `stage_capacity` for active
    stages (a reason the org model was not used goes into `from_history`), else a delay."""
    rows = (history.teams[history.span_item] == team) & (history.span_stage == step.stage)
    if history.span_category[rows][:1].tolist() != ["active"]:
        return Station(step.station or "", "delay")
    capacity = stage_capacity(history, team, step.stage, since, until)
    if capacity.reason:
        from_history.setdefault(team, capacity.reason)
    return Station(
        step.station or "",
        "servers",
        capacity=capacity.servers,
        people=capacity.people,
        per_person=capacity.per_person,
        capacity_from=capacity.source,
    )
