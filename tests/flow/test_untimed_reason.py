"""Why cycle time is unknown when no finished item spent time between its start and its finish: one text
(`orgflow.flow.skipped.no_time_reason`, and its Ibis twin for the queries) that states how many skipped
their start, so that Little's law and the summary never contradict each other ("every finished item went
from backlog straight to done" only when every one did)."""

from __future__ import annotations

import ibis
import pytest

from orgflow.flow.skipped import no_time_expression, no_time_reason

FIGURES = "mean_cycle_time_days, predicted_wip, ratio"
ALL_SKIPPED = (
    f"{FIGURES}: no status history in the active stages (every finished item went from backlog straight to done)"
)
# 22 of 24: 91.67 % rounds to 92.
MAJORITY = (
    f"{FIGURES}: 22 of 24 finished items (92 %) skipped every active stage (skipped_start); cycle time is not "
    "measured for them"
)
# 1 of 3 skipped; the other 2 started and finished at the same instant.
UNTIMED = (
    f"{FIGURES}: no status history in the active stages (none of the 3 finished items spent time between its "
    "start and its finish)"
)
CASES = [(24, 24, ALL_SKIPPED), (24, 22, MAJORITY), (3, 1, UNTIMED)]


@pytest.mark.parametrize(("finished", "skipped", "expected"), CASES)
def test_the_reason_states_the_count(finished: int, skipped: int, expected: str) -> None:
    assert no_time_reason(finished, skipped, FIGURES) == expected


def test_the_query_text_equals_the_python_text() -> None:
    table = ibis.memtable({"finished": [24, 24, 3, 4], "skipped": [24, 22, 1, 2]})
    reasons = table.select(reason=no_time_expression(table.finished, table.skipped, FIGURES))
    # 2 of 4 is not a majority: untimed, with its count.
    untimed_four = UNTIMED.replace("none of the 3", "none of the 4")
    assert ibis.duckdb.connect().to_pyarrow(reasons).column("reason").to_pylist() == [
        ALL_SKIPPED,
        MAJORITY,
        UNTIMED,
        untimed_four,
    ]
    assert no_time_reason(4, 2, FIGURES) == untimed_four
