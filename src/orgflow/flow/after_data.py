"""What a flow figure says of a window that lies after the data's last event, or before its first:
nothing there was recorded, so its zeros are not a measurement (a summary's throughput is unknown after
the data, every summary figure before it; throughput's periods wholly after or before the data are unknown
and named; WIP's and the CFD's days before the data are unknown).

WIP and the CFD are states at the end of each day, not counts of what happened in it: after the data's
last event they hold what the data last says (the items open then are still open as far as it knows),
as the summary's WIP at the end of a window after the data does; `now` and the data's as-of in every
result's params say when that was.

A summary whose window reaches past the data has its throughput per week over the days the data covers:
`orgflow.flow.summary_data_days`, which the steps here call."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING

from orgflow.flow.rebuilt_rows import with_rows
from orgflow.flow.summary_data_days import naive_day_start, naive_instant, summary_from_data, summary_rate_over

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
    data_end = naive_day_start(last_day + timedelta(days=1))
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


def _wip_instant(result: MetricResult, window: Window) -> datetime:
    """When the summary's WIP is taken: the window's end, or `now` (its params) when that is earlier."""
    now = result.params.get("now")
    return window.until if now is None else min(window.until, naive_instant(now))


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
    (`before_data`), one that ends after it its days before named in the params (`before_data`) and its
    throughput per week over the days from then on (`summary_from_data`); throughput's periods that end
    before the day of `first` (every period when the window ends at or before `first`) have every count
    (`PERIOD_COUNTS`) null and are named in the params (`before_data`) and a note (the period holding
    that day is measured); WIP's and the CFD's days before the day of `first` are unknown (null) and
    named in the params (`before_data`) and a note (`said_days_before_data`). Any other result as it is."""
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
        return summary_from_data(_summary_days_before(result, window, first), window, first)
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


def _summary_days_before(result: MetricResult, window: Window, first: datetime) -> MetricResult:
    """`result`, a summary over `window`, with its days before the day of the data's first event (`first`,
    naive UTC) named in the params (`before_data`: `before_data_reason`); as it is when the window opens
    on or after that day. Its rate over the days from that day on is `summary_from_data`'s."""
    first_day = first.date()
    if window.since >= naive_day_start(first_day):
        return result
    note = before_data_reason(first.isoformat(), f"the days to {first_day - timedelta(days=1)} lie")
    return dataclasses.replace(result, params={**result.params, "before_data": note})


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
