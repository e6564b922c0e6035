"""Where each group's data ends, and a summary's rows read over their own default windows.

A team whose export stopped years before the others' would read as years of nothing over the
workspace's default window; a summary by team (project, value stream) without an explicit window, as
of the data rather than a given `now`, reads such a row over its own last 90 days instead
(docs/decisions/0007-default-window.md).
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from orgflow.query.as_of import NOW_GIVEN
from orgflow.query.window import Cut

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from orgflow.flow.prepared import PreparedFacts
    from orgflow.flow.result import MetricResult
    from orgflow.flow.service import FlowService
    from orgflow.query.window import Window

OWN_WINDOW_BY = {"team": "team", "project": "project", "value_stream": "value_stream"}
"""`--by` values whose rows take their own default window in a summary (the cut field each row is)."""


def data_ends_query(facts: PreparedFacts, cut: Cut | None, by: str | None) -> ir.Table:
    """Per `by` value (one row without), `data_end`: the latest creation, stage change or finish of the
    items of `cut`, or the last sync of their source (resource ``issues``) when that is later.

    Raises:
        InputError: an unknown `by`.
    """
    import ibis
    from ibis import _

    items, column = facts.with_by(facts.cut_items(cut), by)
    syncs = (
        facts.tables.table("sync_state")
        .filter(_.source_name.endswith(":issues"))
        .mutate(sync_source=_.source_name.re_replace(":issues$", ""))
        .group_by("sync_source")
        .aggregate(synced_at=_.updated_at.max())
    )
    joined = items.left_join(syncs, items.source == syncs.sync_source)
    latest = ibis.greatest(
        joined.created_at,
        joined.finished_at.fill_null(joined.created_at),
        joined.current_stage_since.fill_null(joined.created_at),
        joined.synced_at.fill_null(joined.created_at),
    )
    ends = joined.mutate(latest=latest)
    if column:
        return ends.group_by([column]).aggregate(data_end=_.latest.max())
    return ends.aggregate(data_end=_.latest.max())


def rows_in_own_windows(
    service: FlowService,
    result: MetricResult,
    *,
    cut: Cut | None,
    window: Window | None,
    options: Any,
    default_window: bool,
) -> MetricResult:
    """`result` (a summary over the default window of `cut`) with each row whose data ends before that
    window does computed over its own default window instead, and `row_windows` in the params naming
    those rows' windows and data ends. Only for a summary by team, project or value stream over the
    default window, as of the data (not a given `now`); any other result is returned as it is."""
    from orgflow.query.as_of import cut_window_end
    from orgflow.query.window import default_window as window_ending

    by = options.by
    if not default_window or by not in OWN_WINDOW_BY or service.now_basis == NOW_GIVEN or window is None:
        return result
    cut = cut or Cut()
    field_name = OWN_WINDOW_BY[by]
    rows = result.rows()
    own: dict[str, dict[str, Any]] = {}
    asks: list[tuple[Cut, date, date]] = []
    for key, data_end in service.data_ends(cut, by).items():
        end, used_end = cut_window_end(service.now, service.now_basis, data_end)
        if key is None or used_end is None or end.replace(tzinfo=None) >= window.until:
            continue
        row_window = window_ending(end=end, earliest=service.earliest_created(), data_end=used_end)
        row_cut = dataclasses.replace(cut, **{field_name: key})
        asks.append((row_cut, row_window.since.date(), row_window.until.date() - timedelta(days=1)))
        own[key] = {
            "since": row_window.since.isoformat() + "Z",
            "until": row_window.until.isoformat() + "Z",
            "data_as_of": used_end.isoformat(),
        }
    if not own:
        return result
    # Every such row's summary at once: one statement for all of them (`FlowService.compute_many`).
    for key, own_result in zip(own, service.compute_many("summary", asks), strict=True):
        (row,) = own_result.rows()
        for index, existing in enumerate(rows):
            if existing.get(by) == key:
                rows[index] = {by: key, **row}
    from orgflow.query.plain_table import PlainTable

    if isinstance(result.table, PlainTable):  # a printed result: no Arrow (which would load pandas here)
        table = result.table.with_rows(rows)
    else:
        import pyarrow as pa

        table = pa.Table.from_pylist(rows, schema=result.table.schema)
    return dataclasses.replace(result, table=table, params={**result.params, "row_windows": own})
