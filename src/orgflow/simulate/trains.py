"""Release trains: when a train leaves, and which departure an item boards.

A ``train`` station leaves every `every_days` days from `offset_days` (simulated days): an item
ready at instant r boards the first departure at or after r (`departure`, the formula both engines
use). Two limits change that:

- **Freezes** (`Station.freezes`): yearly periods of the calendar, ``(from MM-DD, to MM-DD)``, from
  the first frozen day to the first day no longer frozen (a period that runs over the new year
  wraps, ``(12-18, 01-06)``), in which no train leaves: a departure whose calendar day is frozen is
  cancelled and its items take the first departure after the freeze. Simulated day 0 is the
  network's `start` (`Network.calendar_start`).
- **Batch limit** (`Station.batch_limit`): at most that many items leave with one departure; the
  others wait for the next one with room. Items take seats in the order they enter the station
  (equal instants in item order), each the first departure with room at or after it is ready.

Both engines ask a `Departures` of the station, so they compute the same departures. A station with
neither limit keeps the plain formula (no object, no cost).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from datetime import date, timedelta

import numpy as np

from orgflow.simulate.network import Network, Station

_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


def departure(ready: float, every: float, first: float) -> float:
    """The first departure at or after `ready` of a train leaving every `every` days from `first`."""
    return first if ready <= first else first + every * math.ceil((ready - first) / every)


def departures_of(ready: np.ndarray, every: float, first: float) -> np.ndarray:
    """`departure` for every instant of `ready` (the same arithmetic, vectorized)."""
    later = first + every * np.ceil((np.maximum(ready, first) - first) / every)
    return np.where(ready <= first, first, later)


def month_day(text: object) -> tuple[int, int]:
    """(month, day) of a ``MM-DD`` text.

    Raises:
        ValueError: not ``MM-DD``, not a day of every year (02-29 is refused), or not a string.
    """
    match = _MONTH_DAY.match(str(text)) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"expected a day of the year as MM-DD (got {text!r})")
    month, day = int(match.group(1)), int(match.group(2))
    try:
        date(2001, month, day)  # a year without 29 February: the day exists every year
    except ValueError:
        raise ValueError(f"no such day in every year: {text!r}") from None
    return month, day


def check_freeze(freeze: tuple[str, str]) -> None:
    """Raises ValueError when a freeze is not two distinct ``MM-DD`` days."""
    if len(freeze) != 2:
        raise ValueError(f"a freeze is (from MM-DD, to MM-DD) (got {freeze!r})")
    if month_day(freeze[0]) == month_day(freeze[1]):
        raise ValueError(f"a freeze must end on another day than it starts ({freeze[0]} to {freeze[1]})")


class Departures:
    """The departures of one train station with freezes or a batch limit (see the module docstring).

    Seats taken are counted per departure, so one object serves one replication.
    """

    def __init__(self, station: Station, start: date) -> None:
        self.every = station.every_days
        self.first = station.offset_days
        self.limit = station.batch_limit
        self._start = start
        self._freezes = [(month_day(a), month_day(b)) for a, b in station.freezes]
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._covered_year = start.year - 2
        self._seats: dict[float, int] = {}
        self._extend(0.0)

    def _extend(self, instant: float) -> None:
        """Lay out the frozen intervals (simulated days) of every year up to the one after `instant`."""
        if not self._freezes:
            return
        last = (self._start + timedelta(days=max(instant, 0.0))).year + 1
        if last <= self._covered_year:
            return
        intervals = list(zip(self._starts, self._ends, strict=True))
        for year in range(self._covered_year + 1, last + 1):
            for (m1, d1), (m2, d2) in self._freezes:
                begin = date(year, m1, d1)
                end = date(year if (m2, d2) > (m1, d1) else year + 1, m2, d2)
                intervals.append((float((begin - self._start).days), float((end - self._start).days)))
        merged: list[list[float]] = []
        for begin, end in sorted(intervals):
            if merged and begin <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([begin, end])
        self._starts = [begin for begin, _ in merged]
        self._ends = [end for _, end in merged]
        self._covered_year = last

    def _thawed(self, instant: float) -> float | None:
        """The end of the freeze holding `instant`, or None when it is not frozen."""
        self._extend(instant)
        index = bisect_right(self._starts, instant) - 1
        if index >= 0 and instant < self._ends[index]:
            return self._ends[index]
        return None

    def after(self, ready: float) -> float:
        """The first departure at or after `ready` that is not frozen."""
        leaving = departure(ready, self.every, self.first)
        while (thaw := self._thawed(leaving)) is not None:
            leaving = departure(thaw, self.every, self.first)
        return leaving

    def board(self, ready: float) -> float:
        """The departure an item ready at `ready` leaves with, its seat taken (call in entry order)."""
        leaving = self.after(ready)
        if self.limit is None:
            return leaving
        while self._seats.get(leaving, 0) >= self.limit:
            leaving = self.after(leaving + self.every / 2)
        self._seats[leaving] = self._seats.get(leaving, 0) + 1
        return leaving

    def board_all(self, ready: np.ndarray) -> np.ndarray:
        """`board` for each instant of `ready`, in the given order (the order of entry)."""
        if self.limit is None and not self._freezes:
            return departures_of(ready, self.every, self.first)
        return np.array([self.board(value) for value in ready.tolist()], dtype=float)


def frozen_days(freezes: tuple[tuple[str, str], ...]) -> np.ndarray:
    """Which days of a (non-leap) year are frozen, 1 January first."""
    frozen = np.zeros(365, dtype=bool)
    for begin_text, end_text in freezes:
        (m1, d1), (m2, d2) = month_day(begin_text), month_day(end_text)
        begin = (date(2001, m1, d1) - date(2001, 1, 1)).days
        length = (date(2001 if (m2, d2) > (m1, d1) else 2002, m2, d2) - date(2001, m1, d1)).days
        frozen[(begin + np.arange(length)) % 365] = True
    return frozen


def longest_open_days(freezes: tuple[tuple[str, str], ...]) -> int:
    """The longest run of days without a freeze, around the year (365 when nothing is frozen)."""
    frozen = frozen_days(freezes)
    if not frozen.any():
        return 365
    run = longest = 0
    for day in np.r_[frozen, frozen].tolist():  # twice round, for a run across the new year
        run = 0 if day else run + 1
        longest = max(longest, run)
    return min(longest, 365)


def departures_for(network: Network) -> dict[str, Departures]:
    """A `Departures` per train station of `network` with freezes or a batch limit (the others keep
    the plain formula)."""
    start = network.calendar_start()
    return {
        name: Departures(station, start)
        for name, station in network.stations.items()
        if station.kind == "train" and (station.freezes or station.batch_limit is not None)
    }
