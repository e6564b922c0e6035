"""What a flow figure says of a window that lies after the data's last event, or before its first:
nothing there was recorded, so its zeros are not a measurement (a summary's throughput is unknown after
the data, every summary figure before it; throughput's periods wholly after or before the data are unknown
and named; WIP's and the CFD's days before the data are unknown).

WIP and the CFD are states at the end of each day, not counts of what happened in it: after the data's
last event they hold what the data last says (the items open then are still open as far as it knows),
as the summary's WIP at the end of a window after the data does; `now` and the data's as-of in every
result's params say when that was."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING

from orgflow.flow.rebuilt_rows import with_rows
from orgflow.query.window import DEFAULT_WINDOW_DAYS

if TYPE_CHECKING:
    from datetime import date, datetime

    import duckdb
    import pyarrow as pa

    from orgflow.flow.result import MetricResult
    from orgflow.query.as_of import DataAsOf
    from orgflow.query.plain_table import PlainTable
    from orgflow.query.window import Window

DAILY_FIGURES = {"wip": "wip", "cfd": "count"}
"""Figures of a state at the end of each day (rows by `date`), with the column holding it: unknown (null)
on the days before the data's first event (`said_before_data`)."""
PERIOD_COUNTS = ("finished", "started", "net_flow")
"""Throughput's counts of each period (rows by `period_start`, beside the --by key): unknown (null) in the
periods wholly after the data's last event or before its first (`said_after_data`, `said_before_data`)."""
AFTER_DATA_FIGURES = ("summary", "throughput", *DAILY_FIGURES)
"""Figures that say so when their window (or some of its periods or days) lies after the data's last
event, or before its first."""
SUMMARY_FIGURES = (
    "finished",
    "cancelled",
    "lead_time",
    "cycle_time",
    "throughput_per_week",
    "wip",
    "flow_efficiency",
    "skipped_start",
)
"""The summary's figures, as its reasons name them: all unknown for a window before the data."""
_FIRST_EVENT = """
SELECT least(
    (SELECT min(created_at) FROM work_items),
    (SELECT min(changed_at) FROM status_transitions)
)
"""


def after_data_reason(data_as_of: str, subject: str = "the window lies") -> str:
    """The reason a figure of a window (`subject`: "the window lies", "the periods from 2030-01-07 lie")
    after the data's last event (`data_as_of`, ISO) is unknown: nothing there was recorded, so a count of 0
    is not a measurement."""
    return (
        f"{subject} after the data's last event (data as of {data_as_of[:10]}): nothing there was recorded, "
        "so its counts are not a measurement (--now or --until sets an earlier end)"
    )


def before_data_reason(data_from: str, subject: str = "the window lies") -> str:
    """The twin of `after_data_reason` for a window that ends before the data's first event
    (`data_from`, ISO): nothing there was recorded either, so a count of 0 is not a measurement."""
    return (
        f"{subject} before the data's first event (data from {data_from[:10]}): nothing there was recorded, "
        "so its counts are not a measurement (--since sets a later start)"
    )


def said_after_data(result: MetricResult, window: Window, as_of: DataAsOf | None) -> MetricResult:
    """`result` of a summary, throughput, WIP or CFD over `window`, with what lies after the data's last
    event (`as_of`; None: no data) said (`after_data_reason`):

    - a summary whose whole window does has unknown (null) counts and throughput, with the reason in
      `unknown_reasons` (`summary_after_data`); one whose window runs past the end of the data's last day
      has its throughput per week over the days the data covers (`summary_rate_over`), the days after
      named in the params (`after_data`) and a note; its WIP, when taken after that day (a later
      `--now`), is the data's last state carried forward, and a note says so (`WIP_CARRIED`);
    - throughput's periods that start after the day of the data's last event have every count
      (`PERIOD_COUNTS`) null and are named in the params (`after_data`) and a note (the period holding
      that day is measured);
    - WIP's and the CFD's days after that day keep the state of its end (a state, not a count of what
      happened), named in the params (`after_data`) and a note (`said_days_after_data`).

    Any other result as it is."""
    if as_of is None:
        return result
    last_day = as_of.instant.date()
    if result.metric != "summary" and (window.until - timedelta(days=1)).date() <= last_day:
        return result  # no period or day of the window starts after the data's last day: its rows need no look
    if result.metric == "throughput":
        rows = [row for row in result.table.to_pylist() if row["period_start"] > last_day]
        if not rows:
            return result
        first = rows[0]["period_start"].isoformat()
        note = after_data_reason(as_of.instant.isoformat(), f"the periods from {first} lie")
        table = _unknown_periods(result.table, {row["period_start"] for row in rows})
        return dataclasses.replace(
            result, table=table, params={**result.params, "after_data": note}, notes=[*result.notes, note]
        )
    if result.metric in DAILY_FIGURES:
        return said_days_after_data(result, as_of)
    if result.metric != "summary":
        return result
    if window.since.date() > last_day:
        return summary_after_data(result, as_of)
    data_end = _day_start(last_day + timedelta(days=1))
    if window.until > data_end:
        note = after_data_reason(as_of.instant.isoformat(), f"the days from {last_day + timedelta(days=1)} lie")
        result = dataclasses.replace(result, params={**result.params, "after_data": note})
        result = summary_rate_over(result, window, window.since, data_end)
    if _wip_instant(result, window) > data_end:
        result = dataclasses.replace(result, notes=[*result.notes, _wip_carried(as_of)])
    return result


SUMMARY_AFTER_FIGURES = (
    "finished",
    "cancelled",
    "lead_time",
    "cycle_time",
    "throughput_per_week",
    "flow_efficiency",
    "skipped_start",
)
"""The summary's figures a window wholly after the data leaves unknown: all but `wip`, a state the data's
last event still says (`WIP_CARRIED`)."""
WIP_CARRIED = (
    "wip is the state at the end of the data's last day ({last_day}), carried forward: nothing was recorded "
    "after it, so the items open then are still open as far as the data knows"
)
"""The note of a summary whose WIP is taken after the end of the data's last day (`--now` later than it)."""
DAYS_CARRIED = (
    "the days from {first} carry the state of the data's last day ({last_day}): nothing was recorded after "
    "it, so they hold what it last says (--now or --until sets an earlier end)"
)
"""The note of a WIP or CFD whose days run past the day of the data's last event."""
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


def _wip_carried(as_of: DataAsOf) -> str:
    return WIP_CARRIED.format(last_day=as_of.instant.date().isoformat())


def summary_after_data(result: MetricResult, as_of: DataAsOf) -> MetricResult:
    """`result`, a summary whose window lies wholly after the day of the data's last event (`as_of`):
    every figure but WIP (`SUMMARY_AFTER_FIGURES`) null with the reason (`after_data_reason`) as its rows'
    `unknown_reasons` and in the params (`after_data`), and a note that WIP is the data's last state
    carried forward (`WIP_CARRIED`). Nothing was recorded in the window, so its counts of 0 finished and
    cancelled are not a measurement; the row of a workspace without work items keeps its own reason."""
    from orgflow.flow.no_items import says_no_items

    said = f"{', '.join(SUMMARY_AFTER_FIGURES)}: {after_data_reason(as_of.instant.isoformat())}"
    rows = result.table.to_pylist()
    for row in rows:
        if says_no_items(row):
            continue
        for name in row:
            if _is_figure(name, SUMMARY_AFTER_FIGURES):
                row[name] = None
        row["unknown_reasons"] = said
    return dataclasses.replace(
        result,
        table=with_rows(result.table, rows),
        params={**result.params, "after_data": said},
        notes=[*result.notes, _wip_carried(as_of)],
    )


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
        since = max(since, _naive(earlier["since"]))
        until = min(until, _naive(earlier["until"]))
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


def _count(days: float) -> str:
    """`days` as a note writes them ("1 day", "5 days"): whole days without a fraction."""
    number = str(int(days)) if days == int(days) else f"{days:.2f}"
    return f"{number} day" if days == 1 else f"{number} days"


def _naive(text: str) -> datetime:
    """An ISO instant of the params ("...Z" or with an offset) as a naive UTC datetime."""
    from datetime import UTC, datetime

    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _day_start(day: date) -> datetime:
    """Midnight (naive UTC) at the start of `day`."""
    from datetime import datetime, time

    return datetime.combine(day, time(0))


def _wip_instant(result: MetricResult, window: Window) -> datetime:
    """When the summary's WIP is taken: the window's end, or `now` (its params) when that is earlier."""
    now = result.params.get("now")
    return window.until if now is None else min(window.until, _naive(now))


def _is_figure(name: str, figures: tuple[str, ...]) -> bool:
    """Whether the summary column `name` shows one of `figures` (``lead_time_p85`` shows ``lead_time``)."""
    import re

    return re.sub(r"_p[0-9]+$", "", name) in figures


def said_days_after_data(result: MetricResult, as_of: DataAsOf) -> MetricResult:
    """`result` of a figure of a state at the end of each day (`DAILY_FIGURES`: WIP, the CFD), with its days
    after the day of the data's last event (`as_of`) named in the params (`after_data`) and a note
    (`DAYS_CARRIED`): they keep the state of that day's end, as far as the data knows (nothing was recorded
    after it, and a state is not a count: the items open then are open still). Unchanged without such days."""
    last_day = as_of.instant.date()
    after = [day for day in result.table.column("date").to_pylist() if day > last_day]
    if not after:
        return result
    note = DAYS_CARRIED.format(first=min(after).isoformat(), last_day=last_day.isoformat())
    return dataclasses.replace(result, params={**result.params, "after_data": note}, notes=[*result.notes, note])


def data_from(connection: duckdb.DuckDBPyConnection) -> datetime | None:
    """The data's first event: the earliest creation or status change of a work item in the store (naive
    UTC), whatever `now` a figure is seen as of; None for a workspace without work items."""
    (first,) = connection.execute(_FIRST_EVENT).fetchone()  # type: ignore[misc]
    return first


def said_before_data(result: MetricResult, window: Window, first: datetime | None) -> MetricResult:
    """`result` of a summary, throughput, WIP or CFD over `window`, with what lies before the data's first
    event (`first`, naive UTC; None: no data) said (`before_data_reason`): a summary whose whole window ends
    at or before it has every figure unknown (null) with the reason in `unknown_reasons` and the params
    (`before_data`); throughput's periods that end before the day of `first` (every period when the window
    ends at or before `first`) have every count (`PERIOD_COUNTS`) null and are named in the params
    (`before_data`) and a note (the period holding that day is measured); WIP's and the CFD's days before
    the day of `first` are unknown (null) and named in the params (`before_data`) and a note
    (`said_days_before_data`). Any other result as it is."""
    if first is None:
        return result
    if result.metric in DAILY_FIGURES:
        return said_days_before_data(result, window, first)
    first_day = first.date()
    if result.metric == "throughput":
        starts = sorted({row["period_start"] for row in result.table.to_pylist()})
        if window.until <= first:
            before = starts
        else:
            # The period holding the first event's day is the last one starting on or before it.
            holding = max((start for start in starts if start <= first_day), default=None)
            before = [start for start in starts if holding is not None and start < holding]
        if not before:
            return result
        note = before_data_reason(first.isoformat(), f"the periods to {before[-1].isoformat()} lie")
        table = _unknown_periods(result.table, set(before))
        return dataclasses.replace(
            result, table=table, params={**result.params, "before_data": note}, notes=[*result.notes, note]
        )
    if result.metric != "summary":
        return result
    if window.until > first:
        return summary_from_data(result, window, first)
    import pyarrow as pa

    from orgflow.query.plain_table import arrow_table

    table = arrow_table(result.table)
    said = f"{', '.join(SUMMARY_FIGURES)}: {before_data_reason(first.isoformat())}"
    for name in table.column_names:
        if name.startswith(("lead_time_", "cycle_time_")) or name in SUMMARY_FIGURES:
            index = table.column_names.index(name)
            table = table.set_column(index, name, pa.nulls(table.num_rows, table.schema.field(name).type))
    reasons = pa.array([said] * table.num_rows, pa.string())
    table = table.set_column(table.column_names.index("unknown_reasons"), "unknown_reasons", reasons)
    return dataclasses.replace(result, table=table, params={**result.params, "before_data": said})


def summary_from_data(result: MetricResult, window: Window, first: datetime) -> MetricResult:
    """`result`, a summary over `window`, which ends after the data's first event (`first`, naive UTC):
    when the window opens before the day of `first`, its days before are named in the params
    (`before_data`) and a note (`before_data_reason`), and its throughput per week is over the days from
    that day on (`summary_rate_over`: nothing was recorded before it); when it opens on that day (a default
    window, or one without `--since`, clipped to the data), a note says how many days it covers, and over
    those its rate is (`FIRST_DAY_NOTE`), unless a note of the data's days (`RATE_NOTE`) says it already.
    A window opening later: `result` as it is."""
    first_day = first.date()
    start = _day_start(first_day)
    if window.since > start:
        return result
    if window.since < start:
        note = before_data_reason(first.isoformat(), f"the days to {first_day - timedelta(days=1)} lie")
        result = dataclasses.replace(result, params={**result.params, "before_data": note})
        return summary_rate_over(result, window, start, window.until)
    if "data_window" in result.params:
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


def said_days_before_data(result: MetricResult, window: Window, first: datetime) -> MetricResult:
    """`result` of a figure of a state at the end of each day (`DAILY_FIGURES`: WIP, the CFD) over `window`,
    its value null on each day before the day of the data's first event (`first`, naive UTC): nothing was
    recorded before it, so the state then is unknown, not 0 (the day of `first` itself ends after it and
    is measured). The days are named in the params (`before_data`) and a note (`before_data_reason`): the
    whole window when it ends at or before `first`, else "the days to <last day before it>"."""
    first_day = first.date()
    column = DAILY_FIGURES[result.metric]
    table = result.table
    before = sorted({day for day in table.column("date").to_pylist() if day < first_day})
    if window.until <= first:
        subject = "the window lies"
    elif before:
        subject = f"the days to {before[-1].isoformat()} lie"
    else:
        return result
    note = before_data_reason(first.isoformat(), subject)
    if before:
        table = _unknown_before(table, column, first_day)
    return dataclasses.replace(
        result, table=table, params={**result.params, "before_data": note}, notes=[*result.notes, note]
    )


def _unknown_before(table: pa.Table | PlainTable, column: str, first_day: date) -> pa.Table | PlainTable:
    """`table` (rows by `date`) with `column` null on the days before `first_day`; a `PlainTable` stays one."""
    from orgflow.query.plain_table import PlainTable

    if isinstance(table, PlainTable):
        rows = table.to_pylist()
        for row in rows:
            if row["date"] < first_day:
                row[column] = None
        return table.with_rows(rows)
    import pyarrow as pa
    import pyarrow.compute as pc

    dates = table.column("date")
    values = table.column(column)
    unknown = pc.less(dates, pa.scalar(first_day, dates.type))
    kept = pc.if_else(unknown, pa.scalar(None, values.type), values)
    return table.set_column(table.column_names.index(column), column, kept)


def _unknown_periods(table: pa.Table | PlainTable, starts: set[date]) -> pa.Table | PlainTable:
    """Throughput's `table` (rows by `period_start`) with every count it has (`PERIOD_COUNTS`) null in the
    periods starting on one of `starts`; `period_start` and the --by key stay. A `PlainTable` stays one."""
    from orgflow.query.plain_table import PlainTable

    counts = [name for name in PERIOD_COUNTS if name in table.column_names]
    if isinstance(table, PlainTable):
        rows = table.to_pylist()
        for row in rows:
            if row["period_start"] in starts:
                row.update(dict.fromkeys(counts))
        return table.with_rows(rows)
    import pyarrow as pa
    import pyarrow.compute as pc

    unknown = pa.array([start in starts for start in table.column("period_start").to_pylist()], pa.bool_())
    for name in counts:
        values = table.column(name)
        kept = pc.if_else(unknown, pa.scalar(None, values.type), values)
        table = table.set_column(table.column_names.index(name), name, kept)
    return table
