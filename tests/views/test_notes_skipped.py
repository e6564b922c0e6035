"""A page says a skipped item's reason once: where a result's note already counts the items that skipped
every active stage, its rows' own reason for each of them is not listed again (`views.notes.result_notes`)."""

from __future__ import annotations

import pyarrow as pa

from orgflow.flow.result import MetricResult
from orgflow.flow.skipped import skipped_item_reason, skipped_items_note
from orgflow.views.notes import page_notes, result_notes


def _items(notes: list[str]) -> MetricResult:
    reason = skipped_item_reason("cycle_time")
    table = pa.table({"item_id": ["A-1", "A-2", "A-3"], "unknown_reasons": [reason, None, reason]})
    return MetricResult("cycle-time", "", {}, table, notes)


def test_the_count_note_stands_for_the_rows_reasons() -> None:
    note = skipped_items_note(2, 3, "cycle_time")
    assert note == (
        "cycle_time: 2 of 3 finished items skipped every active stage (skipped_start); cycle time is not measured "
        "for them (null, not 0; their lead time stands)"
    )
    assert result_notes(_items([note])) == [note]
    assert page_notes(result_notes(_items([note]))) == [note]


def test_without_the_count_note_the_rows_reason_is_said() -> None:
    assert result_notes(_items(["another note"])) == [
        "another note",
        "cycle_time: skipped every active stage (skipped_start); cycle time is not measured for it",
    ]
