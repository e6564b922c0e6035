"""What both engines share: the record of one replication, the arrivals and the numbers of each item.

Both engines (`orgflow.simulate.engine`'s event loop and `orgflow.simulate.stationwise`) take their
random numbers from here, so they draw exactly the same numbers for the same item: arrival instants
per (team, flow type), and per item and stage seven uniforms from the stream keyed by (team, flow
type, stage) (`orgflow.simulate.streams`): three service draws (first visit, second, third and
later), the visit draw and three rework draws (an item goes back from one stage at most three
times). Row k of a stream belongs to the k-th item of that team and type, whatever else changes.

Arrivals with a weekly profile (`Team.weekdays`) are the same draws on another clock: the gaps are
drawn as without a profile, in days at the mean rate ("operational time"), and each instant s of
that clock becomes the calendar instant t where the cumulative profile Λ(t) = ∫₀ᵗ w(day of u) du
reaches s (a day of weight w passes w operational days; a day of weight 0 none, so nothing arrives
on it). A non-homogeneous Poisson process with rate = mean rate × weight of the day, by time change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from orgflow.simulate.network import Team
from orgflow.simulate.streams import stream

DRAWS = 7
"""Uniforms per item and stage: 3 service draws, 1 visit draw, 3 rework draws."""
SERVERS, DELAY, TRAIN = 0, 1, 2
KIND_CODES = {"servers": SERVERS, "delay": DELAY, "train": TRAIN}
"""Station kinds as the engines' integer codes."""


@dataclass(frozen=True)
class RunRecord:
    """What happened in one replication (times in days).

    Items (index = item id): team (index into `teams`), flow type (index into `flow_types`), start
    (entry into the route, after any team WIP limit), finish, parent (the requesting item, -1).
    Visits (one row per pass through a step, in the order the passes ended): item, step (index into
    its team's route), enter, start (service start at servers; the departure at a train; = enter at
    a delay), leave, blocked (the row is time spent held by a full station or waiting for another
    team, not at a station). A server's queue time is start - enter, its stage time leave - start.
    """

    teams: tuple[str, ...]
    flow_types: tuple[str, ...]
    item_team: np.ndarray
    item_type: np.ndarray
    item_start: np.ndarray
    item_finish: np.ndarray
    item_parent: np.ndarray
    visit_item: np.ndarray
    visit_step: np.ndarray
    visit_enter: np.ndarray
    visit_start: np.ndarray
    visit_leave: np.ndarray
    visit_blocked: np.ndarray
    horizon: float
    services: int


def arrival_times(
    team: Team, flow_type: str, seed: int, replication: int, horizon: float, *, first_weekday: int = 0
) -> np.ndarray:
    """Arrival instants (days) of one team and flow type before `horizon`; with the team's weekly
    profile, simulated day 0 being weekday `first_weekday` (0 = Monday; see the module docstring)."""
    arrival = team.arrivals[flow_type]
    rate = arrival.rate()
    if rate <= 0 or horizon <= 0:
        return np.empty(0)
    profile = _daily_weights(team.weekdays, first_weekday, horizon) if team.weekdays else None
    reach = horizon if profile is None else float(profile.sum())  # the operational days to cover
    generator = stream(seed, replication, team.name, flow_type, "arrivals")
    expected = rate * reach
    chunk = int(expected * 1.1 + 10 * np.sqrt(expected) + 16)
    gaps: list[np.ndarray] = []
    total = 0.0
    while total < reach:
        uniforms = generator.random(chunk)
        if arrival.interarrival is not None:
            part = arrival.interarrival.sample(uniforms)
        else:
            part = -np.log1p(-uniforms) / rate
        gaps.append(part)
        total += float(part.sum())
    times = np.cumsum(np.concatenate(gaps))
    if profile is not None:
        times = _calendar_times(times[times < reach], profile)
    return times[times < horizon]


def _daily_weights(weekdays: tuple[float, ...], first_weekday: int, horizon: float) -> np.ndarray:
    """The weight of each simulated day that begins before `horizon` (the profile scaled to mean 1,
    so that the arrivals' rate stays the mean rate)."""
    days = max(math.ceil(horizon), 1)
    profile = np.asarray(weekdays, dtype=float)
    return (profile / profile.mean())[(first_weekday + np.arange(days)) % 7]


def _calendar_times(operational: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Calendar instants of operational instants: day d passes `weights[d]` operational days."""
    cumulative = np.concatenate([[0.0], np.cumsum(weights)])
    day = np.searchsorted(cumulative, operational, side="right") - 1  # days of weight 0 are passed over
    day = np.minimum(day, weights.size - 1)
    full = np.where(weights[day] > 0, weights[day], 1.0)
    return day + (operational - cumulative[day]) / full


@dataclass(frozen=True)
class StepNumbers:
    """The numbers of one step for a group of items (one row per item).

    Attributes:
        service: (rows, 3) days at the step on the first, second, and third or later visit (one column
            when only first visits were asked for).
        skip: (rows,) True where the item does not visit the step; None when every item visits it.
        back: (rows, 3) True where the item goes back after its first, second, third visit; None when
            the step never sends work back.
    """

    service: np.ndarray
    skip: np.ndarray | None
    back: np.ndarray | None


def step_numbers(
    team: Team, rows: int, keys: tuple[str, ...], seed: int, replication: int, *, passes: int = 3
) -> list[StepNumbers]:
    """The numbers of `rows` items of `team`'s route, from the streams keyed by `keys` + each stage.

    `passes` = 1 converts only the first service draw into days (`service` then has one column): for
    networks where no item passes a step twice. The uniforms drawn are the same either way.
    """
    numbers = []
    for step in team.route:
        uniforms = stream(seed, replication, *keys, step.stage).random((rows, DRAWS))
        times = step.times.sample(uniforms[:, 0:passes]) if step.times is not None else np.zeros((rows, passes))
        numbers.append(
            StepNumbers(
                service=times,
                skip=uniforms[:, 3] >= step.visit if step.visit < 1 else None,
                back=uniforms[:, 4:7] < step.rework if step.rework > 0 else None,
            )
        )
    return numbers
