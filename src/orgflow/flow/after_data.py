"""What a flow figure says of a window that lies after the data's last event: nothing there was
recorded, so its zeros are not a measurement (a summary's throughput is unknown; throughput's periods
after the data are named)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orgflow.flow.result import MetricResult
    from orgflow.query.as_of import DataAsOf
    from orgflow.query.window import Window

AFTER_DATA_FIGURES = ("summary", "throughput")
"""Figures that say so when their window (or some of its periods) lies after the data's last event."""


def after_data_reason(data_as_of: str, subject: str = "the window lies") -> str:
    """The reason a figure of a window (`subject`: "the window lies", "the periods from 2030-01-07 lie")
    after the data's last event (`data_as_of`, ISO) is unknown: nothing there was recorded, so a count of 0
    is not a measurement."""
    return (
        f"{subject} after the data's last event (data as of {data_as_of[:10]}): nothing there was recorded, "
        "so its counts are not a measurement (--now or --until sets an earlier end)"
    )


def said_after_data(result: MetricResult, window: Window, as_of: DataAsOf | None) -> MetricResult:
    """`result` of a summary or throughput over `window`, with what lies after the data's last event
    (`as_of`; None: no data) said (`after_data_reason`): a summary whose whole window does has unknown
    throughput (null) with the reason in `unknown_reasons`; throughput's periods from the first day
    after the data are named in the params (`after_data`) and a note. Any other result as it is."""
    if as_of is None:
        return result
    last_day = as_of.instant.date()
    if result.metric == "throughput":
        rows = [row for row in result.table.to_pylist() if row["period_start"] > last_day]
        if not rows:
            return result
        first = rows[0]["period_start"].isoformat()
        note = after_data_reason(as_of.instant.isoformat(), f"the periods from {first} lie")
        return dataclasses.replace(result, params={**result.params, "after_data": note}, notes=[*result.notes, note])
    if window.since.date() <= last_day:
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
