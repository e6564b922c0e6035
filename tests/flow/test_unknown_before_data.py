"""Unknown is not zero, before the data: a window that ends at or before the data's first event recorded
nothing, so every summary figure there is unknown (null) with the reason, and throughput's periods
before it are unknown (null) and named in a note, as they are after the data's last event
(test_unknown_after_data.py).

One hand-built item: P-1 created 2024-03-01 00:00 (the data's first event), in progress 03-02,
resolved 03-04.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from tests.flow.histories import history_batch

import orgflow
from orgflow.flow.after_data import SUMMARY_FIGURES, before_data_reason
from orgflow.flow.figure_steps import result_notes
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
    "finished, cancelled, lead_time, cycle_time, throughput_per_week, wip, flow_efficiency, skipped_start: "
    "the window lies before the data's first event (data from 2024-03-01): nothing there was recorded, so "
    "its counts are not a measurement (--since sets a later start)"
)
FIGURES = [
    "finished",
    "cancelled",
    *(f"{kind}_time_p{p}" for kind in ("lead", "cycle") for p in (50, 70, 85, 95)),
    "throughput_per_week",
    "wip",
    "flow_efficiency",
    "skipped_start",
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder: Path = tmp_path_factory.mktemp("before-data")
    orgflow.init(folder).close()
    (folder / "orgflow.yaml").write_text(BOARD, encoding="utf-8")
    opened = orgflow.open(folder)
    opened.write(
        history_batch({("P-1", "p", "Story"): [("03-01", "Open"), ("03-02", "In Progress"), ("03-04", "Resolved")]})
    )
    yield opened
    opened.close()


def test_the_reason_names_every_figure_and_the_first_day() -> None:
    assert f"{', '.join(SUMMARY_FIGURES)}: {before_data_reason('2024-03-01T00:00:00')}" == REASON


def test_a_summary_before_the_data_knows_nothing(workspace: Workspace) -> None:
    # --now 2024-02-01: the default window is the 90 days before it, all before 03-01.
    result = workspace.flow_at(datetime(2024, 2, 1, tzinfo=UTC)).summary()
    (row,) = result.rows()

    assert {name: row[name] for name in FIGURES} == dict.fromkeys(FIGURES)
    assert row["unknown_reasons"] == REASON and result.params["before_data"] == REASON
    # The same with the window given, the clock after the data: it ends on 02-29, the day before 03-01.
    given = workspace.flow_at(datetime(2024, 3, 20, tzinfo=UTC)).summary(
        since=date(2024, 1, 1), until=date(2024, 2, 29)
    )
    (row,) = given.rows()
    assert {name: row[name] for name in FIGURES} == dict.fromkeys(FIGURES) and row["unknown_reasons"] == REASON


def test_a_window_reaching_the_first_day_is_measured(workspace: Workspace) -> None:
    # Until 03-01 inclusive: P-1 was created in it (not yet started, not finished): counts of 0 measured,
    # the rate over the one day of the data in the window (03-01); the days before it are named.
    result = workspace.flow_at(datetime(2024, 3, 20, tzinfo=UTC)).summary(
        since=date(2024, 1, 1), until=date(2024, 3, 1)
    )
    (row,) = result.rows()

    assert (row["finished"], row["cancelled"], row["throughput_per_week"], row["wip"]) == (0, 0, 0.0, 0)
    assert row["unknown_reasons"] == "lead_time, cycle_time, flow_efficiency: no item finished in the window"
    assert result.params["before_data"] == before_data_reason("2024-03-01T00:00:00", "the days to 2024-02-29 lie")
    assert result.params["data_window"] == {
        "since": "2024-03-01T00:00:00Z",
        "until": "2024-03-02T00:00:00Z",
        "days": 1.0,
    }


def test_throughput_names_its_periods_before_the_data(workspace: Workspace) -> None:
    service = workspace.flow_at(datetime(2024, 3, 20, tzinfo=UTC))
    weeks = service.throughput(since=date(2024, 2, 12), until=date(2024, 3, 10))

    # Weeks of 02-12 and 02-19 end before Friday 03-01: unknown (null in every count), not 0; the week of
    # 02-26 holds it and is measured (P-1 starts on 03-02); P-1 finishes in that of 03-04.
    assert [(row["period_start"], row["finished"], row["started"], row["net_flow"]) for row in weeks.rows()] == [
        (date(2024, 2, 12), None, None, None),
        (date(2024, 2, 19), None, None, None),
        (date(2024, 2, 26), 0, 1, 1),
        (date(2024, 3, 4), 1, 0, -1),
    ]
    note = (
        "the periods to 2024-02-19 lie before the data's first event (data from 2024-03-01): nothing there was "
        "recorded, so its counts are not a measurement (--since sets a later start)"
    )
    assert weeks.params["before_data"] == note and weeks.notes == [note]
    assert result_notes(weeks, {}, None) == (weeks, [note])
    # A window wholly before the data: every period is named, to its last.
    early = service.throughput(since=date(2024, 2, 5), until=date(2024, 2, 18))
    assert [(row["period_start"], row["finished"]) for row in early.rows()] == [
        (date(2024, 2, 5), None),
        (date(2024, 2, 12), None),
    ]
    assert early.notes == [note.replace("2024-02-19", "2024-02-12")]
    # A window that starts with the data: nothing to say.
    later = service.throughput(since=date(2024, 2, 26), until=date(2024, 3, 10))
    assert "before_data" not in later.params and later.notes == []
