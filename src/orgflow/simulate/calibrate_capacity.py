"""Capacity of an active stage: from the org model's people when it is loaded, else from the history.

Both rules start from what an item found when it entered the stage: the team's items in the stage
just after each entry in the window, itself included (entries rather than days' ends, so that a
stage of a few hours, or a batch arriving with a release train, is seen).

- **History** (no org model, or none that covers the team): capacity = the `CAPACITY_QUANTILE`
  quantile of those counts, rounded up (the concurrency the stage sustained; at least 1).
- **Org model**: the team's full-time people on each day = the sum of the allocations of its
  memberships that hold that day (`History.staffing`). The slots one full-time person holds at the
  stage, `per_person`, = the `CAPACITY_QUANTILE` quantile over the entries of (items in the stage ÷
  the team's people that day), entries on days without people left out; capacity = ⌈per_person ×
  people on the date⌉ (at least 1), the date being the window's last day. With the same people all
  through the window this is the history rule; when people came or left, capacity follows the people
  on the date. The org model is left for the history when the team had no people on the date, or
  none on the days of its entries (the reason is kept in the notes).

`move_people` and `merge` scenarios act on `people` and `per_person` (`orgflow.simulate.scenario`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from orgflow.simulate.history import History

CAPACITY_QUANTILE = 0.95


def concurrency_at_entries(
    enter: np.ndarray, leave: np.ndarray, since: float, until: float
) -> tuple[np.ndarray, np.ndarray]:
    """(entry instants in [since, until), sorted; intervals open just after each, itself included)."""
    moments = np.sort(enter[(enter >= since) & (enter < until)])
    opened = np.searchsorted(np.sort(enter), moments, side="right")
    closed = np.searchsorted(np.sort(leave), moments, side="right")
    return moments, (opened - closed).astype(float)


def sustained_concurrency(enter: np.ndarray, leave: np.ndarray, since: float, until: float) -> int:
    """The history rule: ⌈`CAPACITY_QUANTILE` quantile of the counts at entries⌉, at least 1."""
    _, counts = concurrency_at_entries(enter, leave, since, until)
    if counts.size == 0:
        return 1
    return max(1, math.ceil(float(np.quantile(counts, CAPACITY_QUANTILE))))


def people_on(staffing: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Full-time people (sum of allocations) on the UTC day of each instant of `days`."""
    day = np.floor(days)
    held = (staffing[:, 0][None, :] <= day[:, None]) & (day[:, None] < staffing[:, 1][None, :])
    return (held * staffing[:, 2][None, :]).sum(axis=1)


@dataclass(frozen=True)
class Capacity:
    """An active stage's servers and where they came from.

    Attributes:
        servers: the capacity.
        source: ``org model`` or ``history``.
        people: full-time people on the date (org model only).
        per_person: slots per full-time person (org model only).
        observed: the history rule's capacity (kept for the notes).
        reason: why the history was used although an org model is loaded.
    """

    servers: int
    source: str
    people: float | None = None
    per_person: float | None = None
    observed: int = 1
    reason: str | None = None


def stage_capacity(history: History, team: str, stage: str, since: float, until: float) -> Capacity:
    """The capacity of `team`'s active `stage` over [since, until) (see the module docstring)."""
    rows = (history.teams[history.span_item] == team) & (history.span_stage == stage)
    enter, leave = history.span_enter[rows], history.span_leave[rows]
    observed = sustained_concurrency(enter, leave, since, until)
    staffing = history.staffing.get(team)
    if staffing is None:
        reason = f"no memberships of {team!r} in the org model" if history.staffing else None
        return Capacity(observed, "history", observed=observed, reason=reason)
    last_day = math.floor(until - 1e-9)
    on_date = float(people_on(staffing, np.array([float(last_day)]))[0])
    if on_date <= 0:
        reason = f"no people in {team!r} on {_iso(last_day)} in the org model"
        return Capacity(observed, "history", observed=observed, reason=reason)
    moments, counts = concurrency_at_entries(enter, leave, since, until)
    if moments.size == 0:
        return Capacity(observed, "history", observed=observed, reason=f"no entries into {stage!r} in the window")
    people = people_on(staffing, moments)
    staffed = people > 0
    if not staffed.any():
        reason = f"no people in {team!r} in the org model on the days its items entered {stage!r}"
        return Capacity(observed, "history", observed=observed, reason=reason)
    per_person = float(np.quantile(counts[staffed] / people[staffed], CAPACITY_QUANTILE))
    return Capacity(
        servers_for(per_person, on_date), "org model", people=on_date, per_person=per_person, observed=observed
    )


def servers_for(per_person: float, people: float) -> int:
    """The capacity rule of the org model: ⌈per_person × people⌉, at least 1."""
    return max(1, math.ceil(per_person * people - 1e-9))


def _iso(day: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(day * 86_400, tz=UTC).date().isoformat()
