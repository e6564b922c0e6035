"""Unknown is not zero, after the data: a window that lies after the data's last event recorded nothing,
so the summary's throughput there is unknown (null) with the reason, and throughput's periods after it
are named in a note, rather than read as zeros that were measured.

One hand-built item: P-1 created 2024-03-01, in progress 03-02, resolved 03-04 (the data's last event).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from tests.flow.histories import history_batch

import orgflow
from orgflow.flow.after_data import SUMMARY_AFTER_FIGURES, after_data_reason
from orgflow.flow.figures import result_notes
from orgflow.workspace import Workspace

BOARD = """
workflows:
  - name: board
    applies_to: {source: csv, projects: ["P"]}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Open]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
      - {name: Done, phase: Operate, category: done, statuses: [Resolved]}
"""
REASON = (
    "finished, cancelled, lead_time, cycle_time, throughput_per_week, flow_efficiency, skipped_start: the window "
    "lies after the data's last event (data as of 2024-03-04): nothing there was recorded, so its counts are not "
    "a measurement (--now or --until sets an earlier end)"
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder: Path = tmp_path_factory.mktemp("after-data")
    orgflow.init(folder).close()
    (folder / "orgflow.yaml").write_text(BOARD, encoding="utf-8")
    opened = orgflow.open(folder)
    opened.write(
        history_batch({("P-1", "p", "Story"): [("03-01", "Open"), ("03-02", "In Progress"), ("03-04", "Resolved")]})
    )
    yield opened
    opened.close()


def test_a_summary_after_the_data_has_no_throughput(workspace: Workspace) -> None:
    # --now 2030-01-01: the default window is the 90 days before it, years after 03-04.
    result = workspace.flow_at(datetime(2030, 1, 1, tzinfo=UTC)).summary()
    (row,) = result.rows()

    # Nothing was recorded in the window: its counts are unknown, not 0 finished and 0 cancelled.
    assert (row["finished"], row["cancelled"], row["skipped_start"], row["throughput_per_week"]) == (
        None,
        None,
        None,
        None,
    )
    assert row["unknown_reasons"] == REASON
    assert (
        result.params["after_data"]
        == REASON
        == f"{', '.join(SUMMARY_AFTER_FIGURES)}: " + after_data_reason("2024-03-04T00:00:00+00:00")
    )
    # WIP is a state: P-1 finished, so none is open at the data's end, and none is now as far as it knows.
    assert row["wip"] == 0
    assert result.notes == [
        "wip is the state at the end of the data's last day (2024-03-04), carried forward: nothing was recorded "
        "after it, so the items open then are still open as far as the data knows"
    ]


def test_a_summary_reaching_past_the_data_is_measured_over_its_days(workspace: Workspace) -> None:
    result = workspace.flow_at(datetime(2024, 3, 20, tzinfo=UTC)).summary(
        since=date(2024, 3, 1), until=date(2024, 3, 10)
    )
    (row,) = result.rows()

    # One item over the 4 days of the window the data covers (03-01 to 03-04): 1.75 a week, not 0.7 over
    # the 10 days; a window ending after the data but starting before it is measured.
    assert row["throughput_per_week"] == pytest.approx(1.75, abs=1e-12) and row["unknown_reasons"] is None
    assert result.params["after_data"] == after_data_reason("2024-03-04T00:00:00+00:00", "the days from 2024-03-05 lie")
    assert result.notes[0] == (
        "the days from 2024-03-05 lie after the data's last event (data as of 2024-03-04): nothing there was "
        "recorded, so throughput_per_week is per week of the 4 days the data covers in the window (2024-03-01 to "
        "2024-03-04)"
    )


def test_throughput_names_its_periods_after_the_data(workspace: Workspace) -> None:
    service = workspace.flow_at(datetime(2024, 3, 20, tzinfo=UTC))
    weeks = service.throughput(since=date(2024, 2, 26), until=date(2024, 3, 17))

    # Weeks of 02-26, 03-04 (P-1 finishes on its first day) and 03-11, after the data's last day: unknown
    # (null in every count), not 0.
    assert [(row["period_start"], row["finished"]) for row in weeks.rows()] == [
        (date(2024, 2, 26), 0),
        (date(2024, 3, 4), 1),
        (date(2024, 3, 11), None),
    ]
    assert [(row["started"], row["net_flow"]) for row in weeks.rows()][2] == (None, None)
    note = (
        "the periods from 2024-03-11 lie after the data's last event (data as of 2024-03-04): nothing there was "
        "recorded, so its counts are not a measurement (--now or --until sets an earlier end)"
    )
    assert weeks.params["after_data"] == note and weeks.notes == [note]
    assert result_notes(weeks, {}, None) == (weeks, [note])
    # A window that ends with the data: nothing to say.
    earlier = service.throughput(since=date(2024, 2, 26), until=date(2024, 3, 10))
    assert "after_data" not in earlier.params and earlier.notes == []
