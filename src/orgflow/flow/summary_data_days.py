"""The summary's throughput per week over the days the data covers, with the note saying which days.

A summary whose window reaches past the data's last event or before its first counts its finished items
in the days the data covers only: nothing was recorded outside them, so dividing by the whole window
would dilute the rate with weeks that are not a measurement of no work (`summary_rate_over`, `RATE_NOTE`).
A window that opens on the day of the data's first event is no longer than the data, and a note says how
many days it covers (`summary_from_data`, `FIRST_DAY_NOTE`). What a figure says of the days outside the
data (their reasons, `after_data` and `before_data` in the params) is `orgflow.flow.after_data`'s, which
calls this module; the naive UTC instants both read are `naive_instant` and `naive_day_start`."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING

from orgflow.flow.rebuilt_rows import with_rows
from orgflow.query.window import DEFAULT_WINDOW_DAYS

if TYPE_CHECKING:
    from datetime import date, datetime

    from orgflow.flow.result import MetricResult
    from orgflow.query.window import Window

RATE_NOTE = (
    "{outside}: nothing there was recorded, so throughput_per_week is per week of the {days} the data "
    "covers in the window ({since} to {last})"
)
"""The note of a summary whose window reaches past the data (`outside`: "the days from 2021-04-22 lie after
the data's last event (data as of 2021-04-21)", as throughput names its periods, or the days before its
first, or both): its rate is over the days the data covers."""
_RATE_WORDS = "nothing there was recorded, so throughput_per_week is per week of the "
"""What every `RATE_NOTE` says, by which a later call finds an earlier one's."""
FIRST_DAY_NOTE = (
    "the window starts at the data's first event (data from {since}), so it covers {days}{short}: "
    "throughput_per_week is per week of those days ({since} to {last})"
)
"""The note of a summary whose window opens on the day of the data's first event: it is no longer than the
data, whatever length was asked (a default window's 90 days, say)."""


def summary_rate_over(result: MetricResult, window: Window, since: datetime, until: datetime) -> MetricResult:
    """`result`, a summary over `window`, with its `throughput_per_week` = `finished` per week of the days
    from `since` to `until` (naive UTC; the part of the window the data covers), the params saying which
    (`data_window`: since, until, days) and a note naming the days left out (`RATE_NOTE`; a note of an
    earlier call is replaced, so that a window clipped at both ends says its rate once). Rows with no
    throughput (null: nothing can be done) and those over a window of their own (`row_windows`: their
    data ends earlier) keep theirs.

    Nothing was recorded outside the data, so dividing by the whole window would dilute the rate with
    weeks that are not a measurement of no work."""
    earlier = result.params.get("data_window")
    if earlier is not None:
        since = max(since, naive_instant(earlier["since"]))
        until = min(until, naive_instant(earlier["until"]))
    days = (until - since).total_seconds() / 86_400
    weeks = days / 7
    by = result.params.get("by")
    own = result.params.get("row_windows") or {}
    rows = result.table.to_pylist()
    for row in rows:
        if row.get("throughput_per_week") is None or row.get("finished") is None:
            continue
        if by and row.get(by) in own:
            continue
        row["throughput_per_week"] = row["finished"] / weeks
    last = (until - timedelta(days=1)).date()
    outside = []
    if since > window.since:
        outside.append(
            f"the days to {(since - timedelta(days=1)).date()} lie before the data's first event "
            f"(data from {since.date()})"
        )
    if until < window.until:
        outside.append(f"the days from {until.date()} lie after the data's last event (data as of {last})")
    note = RATE_NOTE.format(
        outside=", and ".join(outside), days=_count(days), since=since.date().isoformat(), last=last.isoformat()
    )
    notes = [old for old in result.notes if _RATE_WORDS not in old]
    data_window = {"since": since.isoformat() + "Z", "until": until.isoformat() + "Z", "days": days}
    return dataclasses.replace(
        result,
        table=with_rows(result.table, rows),
        params={**result.params, "data_window": data_window},
        notes=[*notes, note],
    )


def summary_from_data(result: MetricResult, window: Window, first: datetime) -> MetricResult:
    """`result`, a summary over `window`, which ends after the data's first event (`first`, naive UTC):
    when the window opens before the day of `first`, its throughput per week is over the days from that
    day on (`summary_rate_over`: nothing was recorded before it; the days before are named by
    `orgflow.flow.after_data.said_before_data`); when it opens on that day (a default window, or one
    without `--since`, clipped to the data), a note says how many days it covers, and over those its rate
    is (`FIRST_DAY_NOTE`), unless a note of the data's days (`RATE_NOTE`) says it already. A window
    opening later: `result` as it is."""
    first_day = first.date()
    start = naive_day_start(first_day)
    if window.since > start:
        return result
    if window.since < start or "data_window" in result.params:
        return summary_rate_over(result, window, start, window.until)
    days = window.days
    short = f", not a default window's {DEFAULT_WINDOW_DAYS}" if days < DEFAULT_WINDOW_DAYS else ""
    note = FIRST_DAY_NOTE.format(
        since=first_day.isoformat(),
        days=_count(days),
        short=short,
        last=(window.until - timedelta(days=1)).date().isoformat(),
    )
    return dataclasses.replace(result, notes=[*result.notes, note])


def _count(days: float) -> str:
    """`days` as a note writes them ("1 day", "5 days"): whole days without a fraction."""
    number = str(int(days)) if days == int(days) else f"{days:.2f}"
    return f"{number} day" if days == 1 else f"{number} days"


def naive_instant(text: str) -> datetime:
    """An ISO instant of the params ("...Z" or with an offset) as a naive UTC datetime."""
    from datetime import UTC, datetime

    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def naive_day_start(day: date) -> datetime:
    """Midnight (naive UTC) at the start of `day`."""
    from datetime import datetime, time

    return datetime.combine(day, time(0))
