"""When each demo work item enters each status: arrivals and walks through the demo workflow.

Every item visits a subset of the slots in `SLOTS`, always in that order, so the time it enters a slot
is the time it entered the previous visited slot plus its stay there, moved into working hours. All
items advance together, slot by slot, as numpy columns drawn from one generator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from orgflow.demo.acme import EXPLODING_TEAM, TeamSpec

DAY = 86_400
HOUR = 3_600

ITEM_TYPES = ("Story", "Bug", "Task", "Spike", "Tech Debt", "Security")
STORY, BUG, TASK, SPIKE, DEBT, SECURITY = range(len(ITEM_TYPES))
_TYPE_MIX = {
    "stream-aligned": (0.52, 0.25, 0.09, 0.04, 0.07, 0.03),
    "platform": (0.30, 0.15, 0.25, 0.07, 0.18, 0.05),
    "enabling": (0.35, 0.05, 0.30, 0.25, 0.05, 0.0),
    "complicated-subsystem": (0.40, 0.20, 0.10, 0.15, 0.10, 0.05),
}
# Per item type: backlog wait multiplier, In Progress multiplier, share that goes through Refinement.
_BACKLOG_FACTOR = np.array((1.0, 0.35, 1.0, 0.8, 2.5, 0.3))
_WORK_FACTOR = np.array((1.0, 0.6, 0.7, 1.2, 1.1, 0.8))
_REFINEMENT_SHARE = np.array((0.8, 0.25, 0.4, 0.3, 0.5, 0.5))

# The raw status of each slot, and its duration as a lognormal (median hours, sigma). Backlog waits are
# long-tailed; Create is hours to days; Release waits for approval and for the next release train.
SLOTS: tuple[tuple[str, float, float], ...] = (
    ("Backlog", 96, 1.4),  # 0: created
    ("Refinement", 20, 0.9),  # 1
    ("Ready for Dev", 14, 1.0),  # 2
    ("In Progress", 30, 0.8),  # 3
    ("Code Review", 5, 0.9),  # 4
    ("In Progress", 10, 0.8),  # 5: sent back from review
    ("Code Review", 3, 0.8),  # 6
    ("Awaiting Approval", 50, 0.9),  # 7
    ("Ready for Release", 2, 0.8),  # 8: the time to make the next train's cut-off
    ("Releasing", 3, 0.5),  # 9: starts with a release train
    ("Verifying in Prod", 18, 0.7),  # 10
    ("Done", 120, 1.0),  # 11: the time until a reopen
    ("In Progress", 16, 0.8),  # 12: reopened
    ("Code Review", 3, 0.8),  # 13
    ("Ready for Release", 2, 0.8),  # 14
    ("Releasing", 3, 0.5),  # 15
    ("Verifying in Prod", 18, 0.7),  # 16
    ("Done", 1, 0.1),  # 17
    ("Won't Do", 1, 0.1),  # 18
)
IN_PROGRESS, FIRST_REVIEW, DONE, REOPENED_DONE, CANCELLED = 3, 4, 11, 17, 18
_TRAIN_SLOTS = (9, 15)

# Release trains per cluster: (weekday, hour, every n weeks). Nothing ships from Dec 18 to Jan 6.
_TRAINS = {"payments": (2, 9, 2), "logistics": (1, 13, 1), "platform-cluster": (3, 10, 1)}
_MISSED_TRAINS = (0.72, 0.22, 0.06)
_WORK_START, _WORK_END = 7 * HOUR, 17 * HOUR  # 08:00-18:00 in Central Europe

_BOOST_DAYS = 120
_BOOST = 2.6


@dataclass(frozen=True)
class Timeline:
    """Items in creation order, and the second each one enters each slot.

    Attributes:
        team: index into the org's teams, per item.
        clusters: cluster ids; `cluster` indexes them, per item.
        item_type: index into `ITEM_TYPES`, per item.
        created: epoch seconds, per item.
        visit: (items, slots) whether the item ever enters the slot (perhaps after `end_s`).
        enter: (items, slots) epoch second it enters the slot, -1 where it never does.
        blocked: (item indices, starts, ends) of the flagged spells inside the first In Progress.
    """

    team: np.ndarray
    clusters: list[str]
    cluster: np.ndarray
    item_type: np.ndarray
    created: np.ndarray
    visit: np.ndarray
    enter: np.ndarray
    blocked: tuple[np.ndarray, np.ndarray, np.ndarray]


def build_timeline(
    rng: np.random.Generator, teams: tuple[TeamSpec, ...], *, items: int, start_s: int, end_s: int
) -> Timeline:
    """Draw `items` arrivals over [start_s, end_s) and walk them through the demo workflow."""
    team, created = _arrivals(rng, teams, items, start_s, end_s)
    clusters = sorted({spec.cluster_id for spec in teams})
    cluster = np.array([clusters.index(spec.cluster_id) for spec in teams])[team]
    item_type = np.empty(items, dtype=np.int64)
    for topology, mix in _TYPE_MIX.items():
        rows = np.flatnonzero(np.array([spec.topology_type == topology for spec in teams])[team])
        item_type[rows] = rng.choice(len(ITEM_TYPES), size=rows.size, p=mix)
    visit, durations, plan = _plan(rng, items, item_type, cluster, clusters, teams, team)
    trains = [_release_trains(cluster_id, start_s, end_s) for cluster_id in clusters]
    queued = np.array([spec.team_id == EXPLODING_TEAM for spec in teams])[team]
    enter = _walk(rng, created, visit, durations, cluster, trains, queued, end_s)
    blocked = _blocked(rng, plan, enter, visit)
    return Timeline(team, clusters, cluster, item_type, created, visit, enter, blocked)


def _arrivals(
    rng: np.random.Generator, teams: tuple[TeamSpec, ...], items: int, start_s: int, end_s: int
) -> tuple[np.ndarray, np.ndarray]:
    """(team index, created_at in seconds) of every item, in creation order.

    A team's daily rate is its weight while it exists, low on weekends and holidays, growing 20 %
    over the window; the exploding team's rate more than doubles in the last months.
    """
    days = np.arange(start_s // DAY, (end_s - 1) // DAY + 1)
    dates = days.astype("datetime64[D]")
    month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day_of_month = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    holiday = ((month == 12) & (day_of_month >= 22)) | ((month == 1) & (day_of_month <= 2))
    season = np.where(holiday, 0.25, np.where(month == 8, 0.75, 1.0))
    weekday = np.where((days + 3) % 7 < 5, 1.0, 0.06)
    trend = 0.9 + 0.2 * (days - days[0]) / max(days.size - 1, 1)
    rate = np.empty((len(teams), days.size))
    for index, spec in enumerate(teams):
        alive = np.ones(days.size, dtype=bool)
        if spec.valid_from is not None:
            alive &= days >= epoch_day(spec.valid_from)
        if spec.valid_to is not None:
            alive &= days < epoch_day(spec.valid_to)
        boost = np.where(days >= end_s // DAY - _BOOST_DAYS, _BOOST, 1.0) if spec.team_id == EXPLODING_TEAM else 1
        rate[index] = spec.weight * alive * boost
    rate *= weekday * season * trend
    cells = rng.choice(rate.size, size=items, p=(rate / rate.sum()).ravel())
    team, day = np.divmod(cells, days.size)
    in_hours = rng.random(items) < 0.9
    second = np.where(in_hours, rng.integers(_WORK_START, _WORK_END, items), rng.integers(0, DAY, items))
    created = days[day] * DAY + second
    low = np.maximum(days[day] * DAY, start_s)
    high = np.minimum(days[day] * DAY + DAY, end_s)
    outside = (created < low) | (created >= high)
    created[outside] = low[outside] + (rng.random(outside.sum()) * (high - low)[outside]).astype(np.int64)
    order = np.lexsort((team, created))
    return team[order], created[order]


def _plan(
    rng: np.random.Generator,
    items: int,
    item_type: np.ndarray,
    cluster: np.ndarray,
    clusters: list[str],
    teams: tuple[TeamSpec, ...],
    team: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Which slots each item visits, how long it stays in each (seconds), and its blocked spell.

    Fates: 4 % cancelled (Won't Do, mostly from the backlog), 2 % straight from Backlog to Done, the
    rest walk the whole workflow; 9 % of those are sent back from review, 3 % reopened after Done.
    """
    fate = rng.random(items)
    cancelled, skipped = fate < 0.04, (fate >= 0.04) & (fate < 0.06)
    normal = fate >= 0.06
    cancel_after = np.where(cancelled, rng.choice(4, size=items, p=(0.55, 0.15, 0.15, 0.15)), -1)
    refined = rng.random(items) < _REFINEMENT_SHARE[item_type]
    payments = cluster == clusters.index("payments")
    approval = payments & (rng.random(items) < 0.9) | (item_type == SECURITY) | (rng.random(items) < 0.15)
    visit = np.zeros((items, len(SLOTS)), dtype=bool)
    visit[:, 0] = True
    visit[:, 1] = normal & refined | (cancel_after >= 1)
    visit[:, 2] = normal | (cancel_after >= 2)
    visit[:, 3] = normal | (cancel_after >= 3)
    visit[:, 4] = visit[:, 8] = visit[:, 9] = visit[:, 10] = normal
    visit[:, 5] = visit[:, 6] = normal & (rng.random(items) < 0.09)
    visit[:, 7] = normal & approval
    visit[:, DONE] = normal | skipped
    visit[:, 12:18] = (normal & (rng.random(items) < 0.033))[:, None]
    visit[:, CANCELLED] = cancelled

    medians = np.array([median for _, median, _ in SLOTS]) * HOUR
    sigmas = np.array([sigma for _, _, sigma in SLOTS])
    durations = medians * np.exp(sigmas * rng.standard_normal((items, len(SLOTS))))
    durations[:, 0] *= _BACKLOG_FACTOR[item_type] * np.where(cancelled, 6.0, np.where(skipped, 0.5, 1.0))
    work_factor = np.array([spec.work_factor for spec in teams])[team]
    durations[:, IN_PROGRESS] *= _WORK_FACTOR[item_type] * work_factor
    flagged = visit[:, IN_PROGRESS] & (rng.random(items) < 0.11)
    blocked_for = rng.uniform(1, 5, items) * DAY
    blocked_from = rng.uniform(0.1, 0.8, items) * durations[:, IN_PROGRESS]
    durations[:, IN_PROGRESS] += np.where(flagged, blocked_for, 0)
    return visit, np.maximum(durations, 60).astype(np.int64), (flagged, blocked_from, blocked_for)


def _walk(
    rng: np.random.Generator,
    created: np.ndarray,
    visit: np.ndarray,
    durations: np.ndarray,
    cluster: np.ndarray,
    trains: list[np.ndarray],
    queued: np.ndarray,
    end_s: int,
) -> np.ndarray:
    """The time each item enters each slot it visits (seconds; -1 where it does not visit)."""
    items = created.size
    enter = np.full(visit.shape, -1, dtype=np.int64)
    enter[:, 0] = created
    current, stay = created.copy(), durations[:, 0].copy()
    missed = rng.choice(len(_MISSED_TRAINS), size=(items, len(_TRAIN_SLOTS)), p=_MISSED_TRAINS)
    for slot in range(1, len(SLOTS)):
        if slot in _TRAIN_SLOTS:
            candidate = _next_train(current + stay, cluster, trains, missed[:, _TRAIN_SLOTS.index(slot)])
            candidate += rng.integers(0, 20 * 60, items)
        else:
            candidate = working_hours(rng, current + stay)
        if slot == FIRST_REVIEW:
            candidate = _capacity_queue(rng, candidate, queued & visit[:, slot], end_s)
        candidate = np.maximum(candidate, current + 60)
        here = visit[:, slot]
        enter[here, slot] = candidate[here]
        current = np.where(here, candidate, current)
        stay = np.where(here, durations[:, slot], stay)
    return enter


def working_hours(rng: np.random.Generator, seconds: np.ndarray) -> np.ndarray:
    """Instants outside Monday-Friday 07:00-17:00 UTC move to the next working morning, spread over the day."""
    day, second = np.divmod(seconds, DAY)
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
    working_day = weekday < 5
    inside = working_day & (second >= _WORK_START) & (second < _WORK_END)
    early = working_day & (second < _WORK_START)
    next_day = day + 1 + np.select([weekday == 4, weekday == 5], [2, 1], 0)
    target = np.where(early, day, next_day) * DAY + _WORK_START + rng.integers(0, 9 * HOUR, seconds.size)
    return np.where(inside, seconds, target)


def _release_trains(cluster_id: str, start_s: int, end_s: int) -> np.ndarray:
    """Departure times of a cluster's release trains from `start_s` until well after `end_s`."""
    weekday, hour, every_weeks = _TRAINS[cluster_id]
    first_day = start_s // DAY
    first_day += (weekday - (first_day + 3)) % 7
    days = np.arange(first_day, end_s // DAY + 120, 7 * every_weeks)
    dates = days.astype("datetime64[D]")
    month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day_of_month = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    frozen = ((month == 12) & (day_of_month >= 18)) | ((month == 1) & (day_of_month <= 6))
    return days[~frozen] * DAY + hour * HOUR


def _next_train(ready: np.ndarray, cluster: np.ndarray, trains: list[np.ndarray], missed: np.ndarray) -> np.ndarray:
    """The departure of the first train at or after `ready`, `missed` trains later."""
    departure = np.empty_like(ready)
    for index, schedule in enumerate(trains):
        rows = cluster == index
        position = np.minimum(np.searchsorted(schedule, ready[rows]) + missed[rows], schedule.size - 1)
        departure[rows] = schedule[position]
    return np.maximum(departure, ready)


def _capacity_queue(rng: np.random.Generator, candidate: np.ndarray, rows: np.ndarray, end_s: int) -> np.ndarray:
    """Hold the rows' items In Progress until the team, finishing at a steady pace, gets to them.

    The pace is 12 % above the team's rate before its boost, so its throughput stays nearly flat
    while arrivals double and its WIP piles up.
    """
    indices = np.flatnonzero(rows)
    if indices.size < 2:
        return candidate
    boost_start = (end_s // DAY - _BOOST_DAYS) * DAY
    baseline = (candidate[indices] >= boost_start - 240 * DAY) & (candidate[indices] < boost_start)
    per_second = max(baseline.sum(), 1) / (240 * DAY) * 1.12
    order = indices[np.argsort(candidate[indices], kind="stable")]
    gaps = rng.gamma(8.0, 1 / (8.0 * per_second), order.size).astype(np.int64)
    result = candidate.copy()
    last = np.iinfo(np.int64).min // 2
    for index, gap in zip(order.tolist(), gaps.tolist(), strict=True):
        last = max(int(candidate[index]), last + gap)
        result[index] = last
    result[indices] = working_hours(rng, result[indices])
    return result


def _blocked(
    rng: np.random.Generator,
    plan: tuple[np.ndarray, np.ndarray, np.ndarray],
    enter: np.ndarray,
    visit: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(items, starts, ends) of flagged spells inside the first In Progress of the planned items.

    A spell lasts 1-5 days and ends in working hours (so a weekend can stretch it); it never outlasts
    the stay In Progress.
    """
    flagged, blocked_from, blocked_for = plan
    entered = enter[:, IN_PROGRESS]
    left = np.where(visit[:, FIRST_REVIEW], enter[:, FIRST_REVIEW], enter[:, CANCELLED])
    starts = working_hours(rng, entered + blocked_from.astype(np.int64))
    ends = np.minimum(working_hours(rng, starts + blocked_for.astype(np.int64)), left - 60)
    keep = np.flatnonzero(flagged & (ends - starts >= 6 * HOUR))
    return keep, starts[keep], ends[keep]


def epoch_day(day: date) -> int:
    """Days since 1970-01-01."""
    return int(np.datetime64(day, "D").astype(np.int64))
