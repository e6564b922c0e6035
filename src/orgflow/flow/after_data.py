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
from typing import TYPE_CHECKING

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
    """`result` of a summary or throughput over `window`, with what lies after the data's last event
    (`as_of`; None: no data) said (`after_data_reason`): a summary whose whole window does has unknown
    throughput (null) with the reason in `unknown_reasons`; throughput's periods that start after the day of
    the data's last event have every count (`PERIOD_COUNTS`) null and are named in the params (`after_data`)
    and a note (the period holding that day is measured). Any other result as it is."""
    if as_of is None:
        return result
    last_day = as_of.instant.date()
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
    if result.metric != "summary" or window.since.date() <= last_day:
        return result
    import pyarrow as pa
    import pyarrow.compute as pc

    from orgflow.query.plain_table import arrow_table

    table = arrow_table(result.table)
    reasons = table.column("unknown_reasons")
    said = f"throughput_per_week: {after_data_reason(as_of.instant.isoformat())}"
    joined = pc.if_else(pc.is_null(reasons), said, pc.binary_join_element_wise(reasons, said, "; "))
    table = table.set_column(
        table.column_names.index("throughput_per_week"),
        "throughput_per_week",
        pa.nulls(table.num_rows, pa.float64()),
    )
    table = table.set_column(table.column_names.index("unknown_reasons"), "unknown_reasons", joined)
    return dataclasses.replace(result, table=table, params={**result.params, "after_data": said})


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
    if result.metric != "summary" or window.until > first:
        return result
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
