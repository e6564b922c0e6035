"""The window and the cut a figure is computed over, and the dimensions figures can be grouped by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from orgflow.errors import InputError

if TYPE_CHECKING:
    import ibis.expr.types as ir

BY_COLUMNS = {
    "org": None,
    "team": "team_id",
    "group": "group_id",
    "type": "item_type",
    "flow_type": "flow_type",
    "project": "project",
    "value_stream": "value_stream",
}
"""--by value -> the item column it groups by (None: one row for everything)."""

CALENDAR_FIRST = date(1900, 1, 1)
CALENDAR_END = date(2200, 1, 1)
"""The days a window may cover: [CALENDAR_FIRST, CALENDAR_END) (the calendar lookup holds them)."""


PERIODS = ("day", "week", "month")
"""The periods throughput is counted per."""

DEFAULT_WINDOW_DAYS = 90
"""The default window's length: the last 90 days of the data behind a figure (docs/decisions/0007)."""


@dataclass(frozen=True)
class Window:
    """A half-open interval [since, until) of instants, as naive UTC datetimes (the store's convention).

    `data_end` is set on a default window that ends with the data behind its cut, earlier than the
    figures' `now`: the latest event of that data (aware UTC), which outputs state.
    """

    since: datetime
    until: datetime
    data_end: datetime | None = None

    @property
    def days(self) -> float:
        return (self.until - self.since).total_seconds() / 86_400

    def describe(self) -> str:
        return f"{self.since.isoformat()}Z to {self.until.isoformat()}Z"


@dataclass(frozen=True)
class WindowTerms:
    """A window as terms of a query: since and until (timestamps), and its length in days (float).

    `FlowService` makes them bound values (`orgflow.query.compiled`), so a compiled query serves
    every window. Metric functions take a `Window` or `WindowTerms` alike: they use only these three
    attributes, in Ibis expressions.
    """

    since: ir.TimestampScalar
    until: ir.TimestampScalar
    days: ir.FloatingScalar


AnyWindow = Window | WindowTerms
"""What metric functions take as their window: concrete instants or terms of a query."""


@dataclass(frozen=True)
class Cut:
    """Which items a figure covers: team, group (any ancestor), item or flow type, value stream, project;
    and which stages: `phase` (a phase of `orgflow.yaml`) keeps a figure's rows of a stage of that phase,
    by their `stage` (time per stage, CFD bands) or, for rows of items, their `current_stage` (age, the
    items list). Figures whose rows have neither (summary, throughput, WIP...) do not take a phase
    (`orgflow.flow.phases`)."""

    team: str | None = None
    group: str | None = None
    item_type: str | None = None
    value_stream: str | None = None
    project: str | None = None
    phase: str | None = None

    def as_params(self) -> dict[str, str]:
        return {key: value for key, value in self.__dict__.items() if value is not None}


CALENDAR_LAST = CALENDAR_END - timedelta(days=1)
"""The last day a date or `now` may name."""


def _outside_calendar(text: str, field: str) -> InputError:
    return InputError(
        f"{text!r} is outside the calendar ({CALENDAR_FIRST} to {CALENDAR_LAST})",
        field=field,
        hint=f"give a day from {CALENDAR_FIRST} to {CALENDAR_LAST}",
    )


def parse_day(text: str, *, field: str) -> date:
    """A YYYY-MM-DD date given on the command line or in a URL, inside the calendar the metrics cover.

    Raises:
        InputError: not a date, or a day before `CALENDAR_FIRST` or after `CALENDAR_LAST`.
    """
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InputError(f"not a date ({text!r})", field=field, hint="use YYYY-MM-DD") from None
    if not CALENDAR_FIRST <= day <= CALENDAR_LAST:
        raise _outside_calendar(text, field)
    return day


def parse_instant(text: str | None, *, field: str = "now") -> datetime | None:
    """An ISO 8601 date or instant (UTC when it has no offset), as given to `now`; None for none.

    Raises:
        InputError: not a date or instant, or one whose UTC day is outside the calendar.
    """
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"not a date or instant ({text!r})", field=field, hint="use YYYY-MM-DD or ISO 8601") from None
    try:
        instant = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # its UTC instant is before year 1 or after year 9999
        raise _outside_calendar(text, field) from None
    if not CALENDAR_FIRST <= instant.date() <= CALENDAR_LAST:
        raise _outside_calendar(text, field)
    return instant


def day_start(day: date) -> datetime:
    """Midnight UTC at the start of `day`."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def make_window(*, since: date | None, until: date | None, now: datetime, earliest: datetime | None) -> Window:
    """The window [since, until + 1 day) in UTC, in whole days.

    Defaults: from the day of the first item (at the earliest CALENDAR_FIRST) to the end of
    yesterday (UTC): the current day is not complete, so it is left out, and figures do not change
    while it runs. An explicit `until` may include today.

    Raises:
        InputError: since after until, or a window leaving [CALENDAR_FIRST, CALENDAR_END).
    """
    if until is not None and not CALENDAR_FIRST <= until <= CALENDAR_LAST:
        raise _outside_calendar(until.isoformat(), "until")
    end = day_start(until) + timedelta(days=1) if until else day_start(now.astimezone(UTC).date())
    if since is not None:
        start = day_start(since)
    elif earliest is not None:
        # An item dated before the calendar (a bad source date) does not stretch the default window.
        start = day_start(max(earliest.astimezone(UTC).date(), CALENDAR_FIRST))
    else:
        start = end - timedelta(days=90)
    start, end = start.astimezone(UTC).replace(tzinfo=None), end.astimezone(UTC).replace(tzinfo=None)
    if start.date() < CALENDAR_FIRST or end.date() > CALENDAR_END:
        raise InputError(
            f"the window {start.date()} to {end.date()} leaves the calendar "
            f"({CALENDAR_FIRST} to {CALENDAR_END - timedelta(days=1)})",
            field="since" if start.date() < CALENDAR_FIRST else "until",
        )
    if start >= end:
        # `end` is exclusive: the window's last day (the --until given, or the day before `now`'s) is the day before.
        last_day = end.date() - timedelta(days=1)
        raise InputError(
            f"the window is empty ({start.date()} is after {last_day})",
            field="since",
            hint="give --since on or before --until" if until is not None else "give an earlier --since, or --until",
        )
    return Window(start, end)


def default_window(
    *, end: datetime, earliest: datetime | None, days: int = DEFAULT_WINDOW_DAYS, data_end: datetime | None = None
) -> Window:
    """The default window: the `days` whole UTC days before `end` (a midnight UTC, exclusive), not
    opening before the day of the first item (`earliest`): no data, no zeros. `data_end` is kept on
    the window (see `Window`).

    Raises:
        InputError: as `make_window` (an empty window: nothing was created before `end`'s day).
    """
    since = (end - timedelta(days=days)).astimezone(UTC).date()
    if earliest is not None:
        since = max(since, earliest.astimezone(UTC).date())
    last_day = end.astimezone(UTC).date() - timedelta(days=1)
    if since > last_day:
        return make_window(since=None, until=None, now=end, earliest=earliest)
    window = make_window(since=since, until=last_day, now=end, earliest=earliest)
    return Window(window.since, window.until, data_end)
