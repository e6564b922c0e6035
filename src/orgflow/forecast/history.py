"""The history a forecast samples: items finished per UTC calendar day, and whether there is enough of it.

Finished items come from the flow metrics (`FlowService.throughput` with daily periods), so a forecast
counts exactly what the throughput figures count: items whose finish (the last move into a `done`
stage) falls on that day, cancelled items left out. Days with nothing finished are zeros; the current,
partial day is never part of the history, nor are the days after the data's last event (their throughput
is unknown, not 0: a `now` given after the data ends the history with the data's last day, and the
forecast starts the day after, with a note, `after_data`).

A forecast is made as of the flow service's `now`: without `--now`, the end of the data's last day
when the data stops before today (`orgflow.query.as_of`), so a history that ended years ago is
forecast from its own last weeks, with a note saying so (`stale_note`). The forecast service goes
further (`own_end`): a cut whose own data stops before the rest of the workspace's is forecast from its
own last day, as the default flow window of that cut is (`cut_data_as_of`, `cut_note`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from orgflow.errors import InputError
from orgflow.forecast.defaults import DEFAULT_WINDOW_DAYS, WIDER_WINDOW_DAYS
from orgflow.query.as_of import NOW_GIVEN, cut_window_end
from orgflow.query.window import Cut

if TYPE_CHECKING:
    from orgflow.flow.service import FlowService
    from orgflow.workspace import Workspace

MIN_DAYS = 14
"""Fewer days of history than this and no forecast is made."""
MIN_ITEMS = 10
"""Fewer finished items in the history than this and no forecast is made."""
MIN_ACTIVE_DAYS = 5
"""Fewer days with at least one finished item than this and no forecast is made (one bulk close is not a rate)."""


@dataclass(frozen=True)
class ThroughputSeries:
    """Items finished on each UTC calendar day from `first_day`, one count per day, zero days included.

    `params` says what was counted (the cut, the window) so a forecast can repeat it next to its figures.
    """

    first_day: date
    counts: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)
    past: np.ndarray | None = None
    """The daily counts before `first_day`, back to the cut's first item (known on the forecast date):
    what a forecast's calibration backtests on. None: not read."""

    def __post_init__(self) -> None:
        counts = np.asarray(self.counts, dtype=np.int64)
        if counts.ndim != 1 or (counts.size and counts.min() < 0):
            raise ValueError("a throughput series is a 1-d array of non-negative counts")
        object.__setattr__(self, "counts", counts)
        if self.past is not None:
            object.__setattr__(self, "past", np.asarray(self.past, dtype=np.int64))

    def history(self) -> np.ndarray:
        """Every known day up to the end of the series: `past` then `counts`."""
        return self.counts if self.past is None else np.concatenate([self.past, self.counts])

    @property
    def days(self) -> int:
        """Number of days in the series."""
        return int(self.counts.size)

    @property
    def items(self) -> int:
        """Finished items over the whole series."""
        return int(self.counts.sum())

    @property
    def end_day(self) -> date:
        """The day after the last day of the series (where a forecast from it starts)."""
        return self.first_day + timedelta(days=self.days)

    def dates(self) -> list[date]:
        """The calendar day of each count."""
        return [self.first_day + timedelta(days=offset) for offset in range(self.days)]

    def between(self, since: date, until: date) -> ThroughputSeries:
        """The days in [since, until), clipped to the series."""
        low = max(0, (since - self.first_day).days)
        high = min(self.days, max(low, (until - self.first_day).days))
        past = None if self.past is None else np.concatenate([self.past, self.counts[:low]])
        return ThroughputSeries(
            self.first_day + timedelta(days=low), self.counts[low:high], dict(self.params), past=past
        )

    def last(self, days: int) -> ThroughputSeries:
        """The last `days` days of the series (all of it when shorter)."""
        return self.between(self.end_day - timedelta(days=days), self.end_day)


@dataclass(frozen=True)
class Sufficiency:
    """Whether a history is enough to forecast from, and why not.

    `ok` is False when the history has fewer than `MIN_DAYS` days, fewer than `MIN_ITEMS` finished
    items or fewer than `MIN_ACTIVE_DAYS` days with a finished item; `reasons` says which. It is False
    too, `unmapped` and its only reason the mapping's, when no status of the cut maps to a done stage:
    nothing could finish, so its zeros are no history (`orgflow.flow.mapped_stages`).
    """

    ok: bool
    days: int
    items: int
    active_days: int
    reasons: tuple[str, ...] = ()
    data_as_of: str | None = None
    unmapped: bool = False

    def verdict(self) -> str:
        """One line for people: 'enough history (…)' or 'not enough history: …'."""
        figures = f"{self.days} days, {self.items} finished items, {self.active_days} days with a finish"
        if self.ok:
            return f"enough history ({figures})"
        return f"not enough history ({figures}): {'; '.join(self.reasons)}"

    def require(self, *, field_name: str = "window") -> None:
        """Raise unless the history is sufficient.

        Raises:
            InputError: the history is too short or too sparse to forecast from.
        """
        if not self.ok:
            hint: str | None = "widen --window, choose a larger team or group, or wait for more finished items"
            if self.unmapped:
                hint = None  # the reason says what to do
            elif self.data_as_of is not None:
                # A history that stopped long ago reads as zero finishes as of today: name its end.
                hint = f"{hint}; the data is as of {self.data_as_of[:10]}: --now chooses the date to forecast from"
            raise InputError(self.verdict(), field=field_name, hint=hint)


def assess(series: ThroughputSeries) -> Sufficiency:
    """The data-sufficiency verdict of a history (thresholds `MIN_DAYS`, `MIN_ITEMS`, `MIN_ACTIVE_DAYS`)."""
    active = int(np.count_nonzero(series.counts))
    reasons = []
    unmapped = series.params.get("no_done_stage")
    if unmapped:
        # Zero finishes because nothing can finish: the mapping, not the history, is what is missing.
        reasons.append(unmapped)
    else:
        if series.days < MIN_DAYS:
            reasons.append(f"fewer than {MIN_DAYS} days")
        if series.items < MIN_ITEMS:
            reasons.append(f"fewer than {MIN_ITEMS} finished items")
        if active < MIN_ACTIVE_DAYS:
            reasons.append(f"fewer than {MIN_ACTIVE_DAYS} days with a finished item")
    as_of = series.params.get("cut_data_as_of") or series.params.get("data_as_of")
    return Sufficiency(not reasons, series.days, series.items, active, tuple(reasons), as_of, bool(unmapped))


def daily_throughput(
    ws: Workspace,
    *,
    team: str | None = None,
    group: str | None = None,
    item_type: str | None = None,
    window_days: int | None = DEFAULT_WINDOW_DAYS,
    now: datetime | None = None,
) -> ThroughputSeries:
    """Items finished per UTC day over the last `window_days` complete days before `now`.

    Args:
        ws: the workspace.
        team, group, item_type: the cut (as in `orgflow flow`); None = everything.
        window_days: days of history; None = from the first item of the workspace.
        now: the instant the forecast is made (default: now, or the end of the data's last day when
            earlier); the day it falls on is left out.

    Raises:
        InputError: an unknown team or group, or a window shorter than one day.
    """
    service = ws.flow if now is None else ws.flow_at(now)
    return series_from(service, Cut(team=team, group=group, item_type=item_type), window_days=window_days)


def series_from(
    service: FlowService, cut: Cut, *, window_days: int | None = DEFAULT_WINDOW_DAYS, own_end: bool = False
) -> ThroughputSeries:
    """`daily_throughput` on an open flow service (several cuts can share one service).

    Days before the first item of the cut was created are left out: a team that did not exist yet
    did not finish zero items a day. The series may therefore be shorter than `window_days`.

    With `own_end`, when `now` was not given and the cut's own data (`FlowService.data_ends`) stops
    before the start of `now`'s day, the history ends with that data's last day instead, as the
    default flow window does (docs/decisions/0007-default-window.md); its params then carry
    `cut_data_as_of` (the cut's last event) and `cut_note` saying so.
    """
    if window_days is not None and window_days < 1:
        raise InputError(f"the window must be at least one day (got {window_days})", field="window")
    params: dict[str, Any] = {**cut.as_params(), "window_days": window_days, **service.as_of_params()}
    today = service.now.astimezone(UTC).date()
    if own_end and service.now_basis != NOW_GIVEN:
        end, cut_end = cut_window_end(service.now, service.now_basis, service.data_ends(cut).get(None))
        if cut_end is not None:
            today = end.date()
            params["cut_data_as_of"] = cut_end.isoformat()
            params["cut_note"] = cut_end_note(cut_end, params.get("data_as_of"))
    first_created = service.fetch_value(service.items_table(cut).created_at.min())
    since = None if window_days is None else today - timedelta(days=window_days)
    if first_created is None:
        start = since or today
        return ThroughputSeries(start, np.zeros(0, dtype=np.int64), params)
    if since is None or first_created.date() > since:
        since = first_created.date()
    if since >= today:
        return ThroughputSeries(today, np.zeros(0, dtype=np.int64), params)
    # The whole history from the cut's first item: the window, and before it what calibration backtests on.
    first = min(since, first_created.date())
    result = service.throughput(cut=cut, since=first, period="day")
    counts = np.zeros((today - first).days, dtype=np.int64)
    if "no_done_stage" in result.params:
        # Nothing of the cut can finish: its zeros are no history (`assess` refuses it, saying why).
        from orgflow.flow.mapped_stages import no_done_stage_reason

        params["no_done_stage"] = no_done_stage_reason("throughput")
        return ThroughputSeries(since, counts[(since - first).days :], params, past=counts[: (since - first).days])
    rows = result.rows()
    # A day after the data's last event has unknown throughput (null: `orgflow.flow.after_data`), not 0.
    end = min((row["period_start"] for row in rows if row["finished"] is None), default=today)
    for row in rows:
        offset = (row["period_start"] - first).days
        if 0 <= offset < counts.size and row["finished"] is not None:
            counts[offset] = row["finished"]
    if end < today:
        params["after_data"] = after_data_note(end, today)
        counts, today = counts[: max(0, (end - first).days)], max(end, first)
        since = min(since, today)
    params["since"] = since.isoformat()
    params["until"] = (today - timedelta(days=1)).isoformat()
    cut_at = (since - first).days
    return ThroughputSeries(since, counts[cut_at:], params, past=counts[:cut_at])


def after_data_note(end: date, today: date) -> str:
    """The note of a history cut short by the data's end (`series_from`): the days from `end` (the first
    after the data's last event) to the day before `today` (the forecast's day) recorded nothing, so they
    are left out rather than counted as days of 0 finishes, and the forecast starts on `end`."""
    last = end - timedelta(days=1)
    return (
        f"the data ends on {last.isoformat()}: nothing was recorded from {end.isoformat()} to "
        f"{(today - timedelta(days=1)).isoformat()}, so those days are not in the history (they are unknown, "
        f"not days of 0 finishes); it ends with {last.isoformat()} and the forecast starts the day after"
    )


def cut_end_note(cut_end: datetime, data_as_of: str | None) -> str:
    """The note of a history ended by its cut's own data (`series_from` with `own_end`)."""
    rest = "" if data_as_of is None else f" (the workspace's data runs to {data_as_of[:10]})"
    return (
        f"this cut's data ends on {cut_end.astimezone(UTC).date().isoformat()}{rest}: its history ends "
        "with that day and the forecast starts the day after; pass --now to choose another date"
    )


def default_series(service: FlowService, cut: Cut, *, own_end: bool = False) -> ThroughputSeries:
    """The history of a forecast that names no window: the last `DEFAULT_WINDOW_DAYS` days, or the first
    of `WIDER_WINDOW_DAYS` that is enough to forecast from (`assess`) when those are not, with a
    `window_note` in its params saying so. A quiet team of a history that stopped is then forecast from
    its last half-year rather than refused; the widest window is returned when none is enough.
    """
    series = series_from(service, cut, window_days=DEFAULT_WINDOW_DAYS, own_end=own_end)
    first = assess(series)
    if first.ok:
        return series
    for window_days in WIDER_WINDOW_DAYS:
        wider = series_from(service, cut, window_days=window_days, own_end=own_end)
        if assess(wider).ok or window_days == WIDER_WINDOW_DAYS[-1]:
            break
    if wider.days <= series.days:  # the cut's history is no longer than the default window
        return series
    wider.params["window_note"] = (
        f"the last {DEFAULT_WINDOW_DAYS} days hold too little history ({first.items} finished items, "
        f"{first.active_days} days with a finish): sampled the last {window_days} days (--window to choose)"
    )
    return wider


def known_teams(service: FlowService) -> set[str]:
    """Every team that owns at least one item in the workspace."""
    table = service.fetch(service.items_table().select("team_id").distinct())
    return {value for value in table.column("team_id").to_pylist() if value is not None}
