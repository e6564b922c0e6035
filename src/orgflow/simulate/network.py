"""The value-stream network a simulation runs: stations, teams, their arrivals and routes.

- A **station** is where a stage's work happens. ``servers``: `capacity` people (or work slots) serve
  items first come, first served; an item that finds them all busy waits in the station's queue (a
  wait stage of the workflow, `Step.queue_stage`). ``delay``: every item spends its own drawn time
  there at once, nobody queues (a wait stage whose time does not depend on load, or an active stage
  with enough hands). ``train``: items wait for the next departure of a release train that leaves
  every `every_days` days (first at `offset_days`); they all leave together. A step at a train may
  have times: a hold before the item can board (a multiple of the period: trains it misses).
  A station used by the routes of several teams is **shared**: their items meet in its queue.
  A train may have `freezes` (yearly periods with no departure, `orgflow.simulate.trains`) and a
  `batch_limit` (at most that many items leave with one departure; the others wait for the next).
  `wip_limit` caps the items inside a station (queue and service); an item that finds it full stays
  where it is (its time counts in the stage it finished) until one leaves.
- A **team** has arrivals per flow type (Poisson at `per_day`, or resampled inter-arrival days), an
  optional weekly profile of them (`weekdays`: the rate on Monday ... Sunday as a multiple of the
  mean rate, mean 1) and one route: the ordered steps its items pass. A team's `wip_limit` caps its
  items in progress (CONWIP); arrivals beyond it wait before their start (outside flow time).
- A **step** is one stage of the route at one station, with the item's time there (`times`: service
  time at servers, the whole stay at a delay, nothing at a train), the probability that an item visits
  it (`visit`), and the probability of going back to an earlier stage after it (`rework`, `rework_to`).
  A ``dependency`` step sends, with probability `visit`, a request to team `depends_on` (an item of
  that team's route, counted in its load) and waits until it is done.

All times are days from the start of the simulation, simulated day 0 being the calendar day
`Network.start` (the first day of a calibrated model's window; a Monday, `DEFAULT_START`, when
unknown): weekdays and freezes are read on that calendar.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from orgflow.simulate.distributions import Distribution

STATION_KINDS = ("servers", "delay", "train")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DEFAULT_START = date(2001, 1, 1)
"""Simulated day 0 of a network without a `start`: a Monday, the 1st of January."""


@dataclass(frozen=True)
class Station:
    """A resource stage work happens at (see the module docstring).

    Attributes:
        name: unique name; a shared station is named once and used by several routes.
        kind: ``servers``, ``delay`` or ``train``.
        capacity: servers (people or work slots) of a ``servers`` station.
        every_days: days between departures of a ``train``.
        offset_days: the first departure of a ``train``.
        wip_limit: at most this many items inside (None: no limit).
        people: full-time people behind `capacity` (sum of allocations), when known (an org model).
        per_person: work slots one full-time person holds at this station, fitted from history
            (`capacity` = ⌈per_person × people⌉ when calibrated from an org model).
        capacity_from: where `capacity` came from: ``org model``, ``history`` (the concurrency the
            stage sustained) or None (written by hand, or changed by a scenario).
        batch_limit: a ``train`` takes at most this many items per departure (None: no limit).
        freezes: a ``train``'s yearly periods without departures, ((from MM-DD, to MM-DD), ...), the
            `to` day no longer frozen (`orgflow.simulate.trains`).
    """

    name: str
    kind: str
    capacity: int = 1
    every_days: float = 0.0
    offset_days: float = 0.0
    wip_limit: int | None = None
    people: float | None = None
    per_person: float | None = None
    capacity_from: str | None = None
    batch_limit: int | None = None
    freezes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Step:
    """One stage of a team's route (see the module docstring).

    Attributes:
        stage: the workflow stage it stands for (its time is reported under this name).
        station: the station's name (None for a dependency step).
        times: the item's time at the station, in days (at a train: its hold before boarding, or None).
        phase: the stage's value-stream phase.
        queue_stage: the wait stage that holds this station's queue (its time is reported there).
        visit: probability that an item passes this step (a dependency step: that it needs the other team).
        rework: probability of going back to `rework_to` after this step.
        rework_to: an earlier stage of the route.
        depends_on: for a dependency step, the team whose work the item waits for.
    """

    stage: str
    station: str | None
    times: Distribution | None = None
    phase: str = ""
    queue_stage: str | None = None
    visit: float = 1.0
    rework: float = 0.0
    rework_to: str | None = None
    depends_on: str | None = None


@dataclass(frozen=True)
class Arrivals:
    """Arrivals of one flow type: Poisson at `per_day`, or resampled inter-arrival times."""

    per_day: float = 0.0
    interarrival: Distribution | None = None

    def rate(self) -> float:
        """Items per day."""
        if self.interarrival is not None:
            mean = self.interarrival.expected()
            return 1.0 / mean if mean > 0 else 0.0
        return self.per_day


@dataclass(frozen=True)
class Team:
    """A team: arrivals per flow type, one route, an optional WIP limit, its parent group and the
    weekly profile of its arrivals (`weekdays`: Monday ... Sunday, multiples of the mean rate)."""

    name: str
    arrivals: dict[str, Arrivals]
    route: tuple[Step, ...]
    wip_limit: int | None = None
    group: str | None = None
    weekdays: tuple[float, ...] | None = None

    def rate(self) -> float:
        """Own arrivals per day (requests from dependent teams come on top)."""
        return sum(arrival.rate() for arrival in self.arrivals.values())


@dataclass(frozen=True)
class Network:
    """Stations and teams; `notes` says where the figures came from (calibration, edits); `start` is
    the calendar day of simulated day 0 (None: `DEFAULT_START`)."""

    stations: dict[str, Station]
    teams: dict[str, Team]
    notes: dict[str, object] = field(default_factory=dict)
    start: date | None = None

    def calendar_start(self) -> date:
        """The calendar day of simulated day 0."""
        return self.start or DEFAULT_START

    def shared_stations(self) -> list[str]:
        """Stations used by the routes of more than one team."""
        users: dict[str, set[str]] = {}
        for team in self.teams.values():
            for step in team.route:
                if step.station is not None:
                    users.setdefault(step.station, set()).add(team.name)
        return sorted(name for name, teams in users.items() if len(teams) > 1)
