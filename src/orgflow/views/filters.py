"""The window and filter bar every page shares, read from and written back to the URL.

A page's URL carries its whole view: `window` (30, 90 or 180 days, or all), or a custom `since` and
`until`; the cut (`team`, `group`, `type`, `value_stream`, `project`); `phase`; and `now` (the flow as
it was then). Parsing is strict: a bad date, window or phase is an `InputError`, shown as a 4xx; so is a
date or `now` outside the calendar the metrics cover (`CALENDAR_FIRST` to the day before `CALENDAR_END`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from orgflow.errors import InputError
from orgflow.query.cuts import check_phase
from orgflow.query.window import Cut, parse_day, parse_instant

WINDOW_DAYS = {"30": 30, "90": 90, "180": 180}
"""The preset windows: the last N whole days before today (UTC)."""
DEFAULT_WINDOW = "90"
WINDOW_CHOICES = (*WINDOW_DAYS, "all")


def parse_date(text: str, *, field: str) -> date:
    """A YYYY-MM-DD day of a URL, inside the calendar the metrics cover (`parse_day`).

    Raises:
        InputError: not a date, or a day outside the calendar.
    """
    return parse_day(text, field=field)


def parse_now(text: str | None) -> datetime | None:
    """A URL's `now`: an ISO 8601 date or instant, UTC when it has no offset (`parse_instant`).

    Raises:
        InputError: not a date or instant, or one whose UTC day is outside the calendar.
    """
    return parse_instant(text, field="now")


@dataclass(frozen=True)
class Filters(Cut):
    """One view's filters: the cut and the phase (the fields of `Cut`), and the window (resolved to dates).

    `since` and `until` are inclusive UTC days (None: the metric's default, from the first item to
    yesterday). `window` is the preset that produced them, or "custom".
    """

    window: str = DEFAULT_WINDOW
    since: date | None = None
    until: date | None = None
    now_text: str | None = None

    @classmethod
    def parse(
        cls,
        *,
        today: date,
        window: str | None = None,
        since: str | None = None,
        until: str | None = None,
        team: str | None = None,
        group: str | None = None,
        item_type: str | None = None,
        value_stream: str | None = None,
        project: str | None = None,
        phase: str | None = None,
        phases: tuple[str, ...] = (),
        now_text: str | None = None,
        default_window: str = DEFAULT_WINDOW,
        default_range: tuple[date, date] | None = None,
        all_until: date | None = None,
    ) -> Filters:
        """Filters from URL parameters; empty strings count as absent.

        Args:
            today: the UTC day of the view's `now`; preset windows end the day before.
            phases: the known phases (a `phase` outside them is an error).
            default_window: the window when none is given (the 90-day preset).
            default_range: the first and last day of the default window of the page's cut
                (`FlowService.default_window`): the 90-day preset is that window, so every surface
                reads the same days; None: the 90 days before `today`.
            all_until: the last day "all" runs to (the last day of the cut's data); None: open.

        Raises:
            InputError: a bad window, date or phase, a date outside the calendar, or since after until.
        """
        since_day = parse_date(since, field="since") if since else None
        until_day = parse_date(until, field="until") if until else None
        if since_day or until_day:
            chosen = "custom"
        else:
            chosen = window or default_window
            if chosen not in WINDOW_CHOICES and chosen != "custom":
                raise InputError(
                    f"unknown window {chosen!r}",
                    field="window",
                    hint=f"use {', '.join(WINDOW_CHOICES)} or give since and until (YYYY-MM-DD)",
                )
            if chosen == "custom":
                # "custom" without dates (the bar's menu before dates are picked): the default window.
                chosen = DEFAULT_WINDOW
            if chosen == DEFAULT_WINDOW and default_range is not None:
                since_day, until_day = default_range
            elif chosen in WINDOW_DAYS:
                until_day = today - timedelta(days=1)
                since_day = today - timedelta(days=WINDOW_DAYS[chosen])
            elif chosen == "all":
                until_day = all_until
        if since_day and until_day and since_day > until_day:
            raise InputError(
                f"the window is empty ({since_day} is after {until_day})",
                field="since",
                hint="give since on or before until",  # the command's hint, in the parameters' names
            )
        if phase and phases:
            check_phase(phase, phases)
        return cls(
            window=chosen,
            since=since_day,
            until=until_day,
            team=team or None,
            group=group or None,
            item_type=item_type or None,
            value_stream=value_stream or None,
            project=project or None,
            phase=phase or None,
            now_text=now_text or None,
        )

    # -- what the metrics need -------------------------------------------------------------
    @property
    def now(self) -> datetime | None:
        """The explicit "now" of the view (None: the server's)."""
        return parse_now(self.now_text)

    def cut(self, *, phase: bool = True) -> Cut:
        """The items (and, by the phase, the stages) these filters cover; without the phase when not
        `phase`, for a figure the phase does not narrow (`orgflow.registry.Figure.phased`) or that a page
        shows whole."""
        return Cut(
            team=self.team,
            group=self.group,
            item_type=self.item_type,
            value_stream=self.value_stream,
            project=self.project,
            phase=self.phase if phase else None,
        )

    def window_days(self) -> int | None:
        """The window's length in days, when both ends are known."""
        if self.since is None or self.until is None:
            return None
        return (self.until - self.since).days + 1

    def previous(self) -> Filters | None:
        """The window of equal length just before this one (for trends); None without both ends."""
        length = self.window_days()
        if length is None or self.since is None:
            return None
        until = self.since - timedelta(days=1)
        return replace(self, window="custom", since=until - timedelta(days=length - 1), until=until)

    def describe_window(self) -> str:
        """The window for people: "last 90 days (2026-08-18 to 2026-11-15)"."""
        if self.since is None and (self.until is None or self.window == "all"):
            return "all time" if self.until is None else f"all time (to {self.until})"
        span = f"{self.since or 'first item'} to {self.until or 'yesterday'}"
        if self.window in WINDOW_DAYS:
            return f"last {self.window} days ({span})"
        return span

    # -- URLs ------------------------------------------------------------------------------
    def params(self) -> dict[str, str]:
        """The URL parameters that reproduce these filters (defaults left out)."""
        values: dict[str, str | None] = {}
        if self.window == "custom":
            values["since"] = self.since.isoformat() if self.since else None
            values["until"] = self.until.isoformat() if self.until else None
        elif self.window != DEFAULT_WINDOW:
            values["window"] = self.window
        values |= {
            "team": self.team,
            "group": self.group,
            "type": self.item_type,
            "value_stream": self.value_stream,
            "project": self.project,
            "phase": self.phase,
            "now": self.now_text,
        }
        return {key: value for key, value in values.items() if value}

    def query(self, **changes: str | date | None) -> str:
        """A query string ("?..." or "") of these filters with `changes` applied (None removes a key).

        Keys are URL names (`type`, not `item_type`); `since`/`until` switch the window to custom.
        """
        values: dict[str, str] = self.params()
        if ("since" in changes or "until" in changes) and self.window != "custom":
            values.pop("window", None)
            if self.since and "since" not in changes:
                values["since"] = self.since.isoformat()
            if self.until and "until" not in changes:
                values["until"] = self.until.isoformat()
        for key, value in changes.items():
            if value is None or value == "":
                values.pop(key, None)
            else:
                values[key] = value.isoformat() if isinstance(value, date) else str(value)
        if values.get("window") == DEFAULT_WINDOW:
            values.pop("window")
        return "?" + urlencode(values) if values else ""

    def href(self, path: str, **changes: str | date | None) -> str:
        """`path` with these filters and `changes` as its query."""
        return path + self.query(**changes)
