"""Figures of one replication, measured over the window [warm-up, horizon) of its record.

The **cohort** is the items that start (enter their route) inside the window; the run went on until
each of them finished, so every flow time is known. Definitions (days; weeks of 7 days):

- ``flow_time_mean``, ``flow_time_p50/p85/p95``: finish − start of the cohort's items
  (percentiles by linear interpolation, docs/metrics.md's convention). A team's figures cover every item
  of that team, requests from other teams included; a group's, its teams' items; the org's, the items
  that arrived from outside (requests are part of their requester's flow time).
- ``throughput_per_week``: items finished inside the window ÷ its length in weeks.
- ``wip``: the time-average of items in progress over the window (Σ overlaps ÷ length).
- ``items``: the cohort's size.
- stage rows (scope ``stage``): mean days per cohort item in that stage, zero for an item that skipped
  it, so that a team's stage means add up to its mean flow time. A server's queue time counts in its
  `queue_stage` (else in ``<stage> (queue)``); time blocked by a full station counts in the stage the
  item had finished.
- station rows (``servers`` stations): ``utilization`` = busy server-days inside the window ÷
  (capacity × window days); ``queue_length`` = time-average of items queued; ``queue_days`` = mean
  queue time of the visits that entered the window.

Each figure is keyed by (scope, subject, stage, figure); stage is "" outside stage rows.
"""

from __future__ import annotations

import numpy as np

from orgflow.simulate.engine import RunRecord
from orgflow.simulate.network import Network

Key = tuple[str, str, str, str]
FLOW_FIGURES = (
    "flow_time_mean",
    "flow_time_p50",
    "flow_time_p85",
    "flow_time_p95",
    "throughput_per_week",
    "wip",
    "items",
)


def _overlap(begin: np.ndarray, end: np.ndarray, since: float, until: float) -> np.ndarray:
    """Length of [begin, end) ∩ [since, until), elementwise."""
    return np.clip(np.minimum(end, until) - np.maximum(begin, since), 0.0, None)


def _grouped(labels: np.ndarray, count: int) -> list[np.ndarray]:
    """For each label 0 … count − 1, the ascending positions holding it (negative labels left out):
    the rows a mask ``labels == label`` selects, found with one sort instead of a mask per label."""
    if count < 2**15:
        labels = labels.astype(np.int16)  # a stable sort of 16-bit keys is a radix sort
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(count + 1))
    return [order[bounds[label] : bounds[label + 1]] for label in range(count)]


def _flow(
    figures: dict[Key, float],
    scope: str,
    subject: str,
    start: np.ndarray,
    finish: np.ndarray,
    since: float,
    until: float,
) -> None:
    """The flow figures of one set of items (all of them; the cohort is chosen here)."""
    weeks = (until - since) / 7.0
    cohort = (start >= since) & (start < until)
    times = finish[cohort] - start[cohort]
    if times.size:
        p50, p85, p95 = np.quantile(times, (0.5, 0.85, 0.95))
        mean = float(times.mean())
    else:
        p50 = p85 = p95 = mean = float("nan")
    figures[(scope, subject, "", "flow_time_mean")] = mean
    figures[(scope, subject, "", "flow_time_p50")] = float(p50)
    figures[(scope, subject, "", "flow_time_p85")] = float(p85)
    figures[(scope, subject, "", "flow_time_p95")] = float(p95)
    figures[(scope, subject, "", "throughput_per_week")] = float(((finish >= since) & (finish < until)).sum()) / weeks
    figures[(scope, subject, "", "wip")] = float(_overlap(start, finish, since, until).sum()) / (until - since)
    figures[(scope, subject, "", "items")] = float(cohort.sum())


def summarize(record: RunRecord, network: Network, *, warmup: float) -> dict[Key, float]:
    """The figures of one replication over [warmup, horizon) (see the module docstring)."""
    since, until = warmup, record.horizon
    figures: dict[Key, float] = {}
    start, finish, team_of = record.item_start, record.item_finish, record.item_team
    _flow(figures, "org", "org", start[record.item_parent < 0], finish[record.item_parent < 0], since, until)
    groups: dict[str, list[int]] = {}
    by_team = _grouped(team_of, len(record.teams))
    for index, name in enumerate(record.teams):
        rows = by_team[index]
        _flow(figures, "team", name, start[rows], finish[rows], since, until)
        group = network.teams[name].group
        if group:
            groups.setdefault(group, []).append(index)
    for group, members in sorted(groups.items()):
        rows = np.isin(team_of, members)
        _flow(figures, "group", group, start[rows], finish[rows], since, until)

    item = record.visit_item
    in_cohort = (start >= since) & (start < until)
    visit_team = team_of[item]
    keep = in_cohort[item]
    queue_days = record.visit_start - record.visit_enter
    stage_days = record.visit_leave - record.visit_start
    cohort_size = np.bincount(team_of[in_cohort], minlength=len(record.teams))
    kept = np.flatnonzero(keep)
    kept_by_team = [kept[rows] for rows in _grouped(visit_team[kept], len(record.teams))]
    for index, name in enumerate(record.teams):
        team = network.teams[name]
        rows = kept_by_team[index]
        steps = record.visit_step[rows]
        per_stage = np.bincount(steps, weights=stage_days[rows], minlength=len(team.route))
        per_queue = np.bincount(steps, weights=queue_days[rows], minlength=len(team.route))
        size = max(int(cohort_size[index]), 1)
        totals: dict[str, float] = {}
        for position, step in enumerate(team.route):
            totals[step.stage] = totals.get(step.stage, 0.0) + per_stage[position] / size
            station = network.stations.get(step.station or "")
            if station is not None and station.kind == "servers":
                queue = step.queue_stage or f"{step.stage} (queue)"
                totals[queue] = totals.get(queue, 0.0) + per_queue[position] / size
            elif station is not None and station.kind == "train":
                totals[step.stage] += per_queue[position] / size
        for stage, days in totals.items():
            figures[("stage", name, stage, "days")] = float(days) if cohort_size[index] else float("nan")

    _stations(figures, record, network, since, until)
    return figures


def _stations(figures: dict[Key, float], record: RunRecord, network: Network, since: float, until: float) -> None:
    """Utilization and queue figures of each ``servers`` station."""
    station_of: dict[tuple[int, int], str] = {}
    for index, name in enumerate(record.teams):
        for position, step in enumerate(network.teams[name].route):
            if step.station is not None:
                station_of[(index, position)] = step.station
    names = sorted({station for station in station_of.values() if network.stations[station].kind == "servers"})
    if not names:
        return
    code = {name: number for number, name in enumerate(names)}
    lookup = np.full((len(record.teams), max(len(t.route) for t in network.teams.values()) or 1), -1, dtype=np.int64)
    for (team, position), station in station_of.items():
        lookup[team, position] = code.get(station, -1)
    visit_station = lookup[record.item_team[record.visit_item], record.visit_step]
    visit_station[record.visit_blocked] = -1
    length = until - since
    busy = _overlap(record.visit_start, record.visit_leave, since, until)
    queued = _overlap(record.visit_enter, record.visit_start, since, until)
    entered = (record.visit_enter >= since) & (record.visit_enter < until)
    waited = record.visit_start - record.visit_enter
    at_station = _grouped(visit_station, len(names))
    for name, number in code.items():
        rows = at_station[number]
        capacity = network.stations[name].capacity
        figures[("station", name, "", "utilization")] = float(busy[rows].sum()) / (capacity * length)
        figures[("station", name, "", "queue_length")] = float(queued[rows].sum()) / length
        waits = waited[rows[entered[rows]]]
        figures[("station", name, "", "queue_days")] = float(waits.mean()) if waits.size else float("nan")
