"""A workspace without work items: its flow figures are unknown, not 0.

With git history, deployments or an org model alone, nothing says what was finished or in progress,
so the flow summary's counts (finished, throughput, WIP...) cannot be measured: its one row has every
figure null with `NO_ITEMS`, which says how to load work items. The surfaces that show those figures
(cards, pages, the report, the terminal) recognise that row with `says_no_items`, so that a team or
cluster with no row of its own shows the same unknown figures and reason, not an idle card of zeros.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from orgflow.status import WORK_ITEM_IMPORTS

if TYPE_CHECKING:
    from orgflow.flow.result import MetricResult

NO_ITEMS_NOTE = f"no work items are loaded, so there is no flow to measure: load them with {WORK_ITEM_IMPORTS}"
"""Why a flow result of a workspace without work items has no rows (a note of the result)."""
NO_ITEMS = (
    "finished, cancelled, lead_time, cycle_time, throughput_per_week, wip, flow_efficiency, skipped_start: "
    + NO_ITEMS_NOTE
)
"""Why every figure of the flow summary is unknown in a workspace without work items."""


def said_no_items(result: MetricResult) -> MetricResult:
    """`result` (of a workspace without work items) with `NO_ITEMS_NOTE` among its notes when it has no
    rows: a figure grouped by team, or listed by day or item, that says nothing would leave the reader
    guessing why; a result that has rows (the summary's one row says it in its reasons) as it is."""
    if result.table.num_rows or NO_ITEMS_NOTE in result.notes:
        return result
    return dataclasses.replace(result, notes=[*result.notes, NO_ITEMS_NOTE])


def says_no_items(row: dict[str, Any] | None) -> bool:
    """Whether `row` (a flow summary row) is that of a workspace without work items (`NO_ITEMS`)."""
    return row is not None and row.get("unknown_reasons") == NO_ITEMS
