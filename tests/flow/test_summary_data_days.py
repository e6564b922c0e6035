"""The summary over the days the data covers: a window reaching past the data's last day (or before its
first) gives a rate per week of the days the data covers, not one diluted by days nothing was recorded
in, and says so; a window wholly after the data has unknown counts (null, not 0), its WIP the data's last
state carried forward; a workflow that cannot finish has unknown finished counts; a default window
cut to the data's first day says how many days it covers.

Hand-built histories (2024), each figure worked out in the comments:

- P (board: Open backlog, In Progress active, Resolved done, Withdrawn cancelled):
  P-1 created 03-04 09:00 (the data's first event), in progress 03-05 09:00, resolved 03-07 09:00;
  P-2 created 03-04 12:00, in progress 03-06, resolved 03-08 12:00 (the data's last event);
  P-3 created 03-05, in progress 03-06, open.
- R (proposals: provisional backlog, implemented done (never used), withdrawn cancelled):
  R-1 provisional 03-04 10:00, implementable (unmapped) 03-05: open; R-2 provisional 03-04 11:00,
  withdrawn 03-06: cancelled. No status in use maps to a done stage; one maps to a cancelled stage.
- S (ideas: idea backlog, shipped done (never used)): S-1 idea 03-05, building (unmapped) 03-06: open.
  No status in use maps to a done or a cancelled stage.

The data covers 03-04 to 03-08: 5 days. P finished 2 items in it: 2 / (5 / 7) = 2.8 a week.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from tests.flow.histories import hand_built

import orgflow
from orgflow.flow.after_data import SUMMARY_AFTER_FIGURES, after_data_reason
from orgflow.flow.summary import NO_DONE_STAGE, NO_FINISH_STAGE
from orgflow.workspace import Workspace

BOARDS = """
workflows:
  - name: board
    applies_to: {source: csv, projects: ["P"]}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Open]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
      - {name: Done, phase: Operate, category: done, statuses: [Resolved]}
      - {name: Cancelled, phase: Operate, category: cancelled, statuses: [Withdrawn]}
  - name: proposals
    applies_to: {source: csv, projects: ["R"]}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [provisional]}
      - {name: Done, phase: Operate, category: done, statuses: [implemented]}
      - {name: Dropped, phase: Operate, category: cancelled, statuses: [withdrawn]}
  - name: ideas
    applies_to: {source: csv, projects: ["S"]}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [idea]}
      - {name: Done, phase: Operate, category: done, statuses: [shipped]}
"""
HISTORIES = {
    ("P-1", "P"): [("03-04 09:00", "Open"), ("03-05 09:00", "In Progress"), ("03-07 09:00", "Resolved")],
    ("P-2", "P"): [("03-04 12:00", "Open"), ("03-06 00:00", "In Progress"), ("03-08 12:00", "Resolved")],
    ("P-3", "P"): [("03-05 00:00", "Open"), ("03-06 00:00", "In Progress")],
    ("R-1", "R"): [("03-04 10:00", "provisional"), ("03-05 00:00", "implementable")],
    ("R-2", "R"): [("03-04 11:00", "provisional"), ("03-06 00:00", "withdrawn")],
    ("S-1", "S"): [("03-05 00:00", "idea"), ("03-06 00:00", "building")],
}
WIP_CARRIED = (
    "wip is the state at the end of the data's last day (2024-03-08), carried forward: nothing was recorded "
    "after it, so the items open then are still open as far as the data knows"
)
BOTH_ENDS = (
    "the days to 2024-03-03 lie before the data's first event (data from 2024-03-04), and the days from "
    "2024-03-09 lie after the data's last event (data as of 2024-03-08): nothing there was recorded, so "
    "throughput_per_week is per week of the 5 days the data covers in the window (2024-03-04 to 2024-03-08)"
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder = tmp_path_factory.mktemp("data-days")
    hand_built(folder, BOARDS, HISTORIES)
    opened = orgflow.open(folder, read_only=True)
    yield opened
    opened.close()


def test_a_window_past_both_ends_of_the_data_is_read_over_its_days(workspace: Workspace) -> None:
    result = workspace.flow_at(datetime(2024, 4, 10, tzinfo=UTC)).summary(
        since=date(2024, 3, 1), until=date(2024, 3, 31), by="team"
    )
    rows = {row["team"]: row for row in result.rows()}

    # 31 days asked, 5 covered (03-04 to 03-08): P's 2 finished items are 2 / (5 / 7) = 2.8 a week, not
    # 2 / (31 / 7) = 0.45.
    p = rows["p"]
    assert (p["finished"], p["cancelled"], p["skipped_start"], p["wip"]) == (2, 0, 0, 1)
    assert p["throughput_per_week"] == pytest.approx(2.8, abs=1e-12)
    assert result.params["data_window"] == {
        "since": "2024-03-04T00:00:00Z",
        "until": "2024-03-09T00:00:00Z",
        "days": 5.0,
    }
    # WIP at the window's end (04-01) is after the data: its last state, carried forward, and said.
    assert result.notes == [WIP_CARRIED, BOTH_ENDS]
    assert result.params["after_data"] == after_data_reason("2024-03-08T12:00:00", "the days from 2024-03-09 lie")


def test_a_team_that_cannot_finish_has_unknown_counts(workspace: Workspace) -> None:
    rows = {
        row["team"]: row
        for row in workspace.flow_at(None).summary(since=date(2024, 3, 4), until=date(2024, 3, 8), by="team").rows()
    }

    # r: nothing can be done (no status in use maps to done), but R-2 was withdrawn: 1 cancelled, measured.
    r = rows["r"]
    assert (r["finished"], r["skipped_start"], r["throughput_per_week"]) == (None, None, None)
    assert (r["cancelled"], r["wip"], r["small_sample"]) == (1, 1, True)
    assert r["unknown_reasons"] == NO_DONE_STAGE
    # s: nothing can finish at all: finished and cancelled unknown; WIP still counts S-1.
    s = rows["s"]
    assert (s["finished"], s["cancelled"], s["skipped_start"], s["throughput_per_week"]) == (None, None, None, None)
    assert s["wip"] == 1
    assert s["unknown_reasons"] == NO_FINISH_STAGE
    assert NO_FINISH_STAGE.endswith("no item can finish, so wip counts every started item as in progress")


def test_a_default_window_cut_to_the_data_says_its_days(workspace: Workspace) -> None:
    # As of the data (the end of 03-08): the last 90 days open no earlier than the first item's day, 03-04.
    result = workspace.flow_at(None).summary()
    (row,) = result.rows()

    # 2 finished (P-1, P-2) over 5 days; R-2 cancelled; P-3, R-1 and S-1 in progress.
    assert (row["finished"], row["cancelled"], row["wip"]) == (2, 1, 3)
    assert row["throughput_per_week"] == pytest.approx(2.8, abs=1e-12)
    assert result.notes == [
        "the window starts at the data's first event (data from 2024-03-04), so it covers 5 days, not a default "
        "window's 90: throughput_per_week is per week of those days (2024-03-04 to 2024-03-08)"
    ]
    assert "data_window" not in result.params


def test_a_window_inside_the_data_is_unchanged(workspace: Workspace) -> None:
    result = workspace.flow_at(None).summary(since=date(2024, 3, 5), until=date(2024, 3, 8))
    (row,) = result.rows()

    # P-1 (03-07) and P-2 (03-08) over the 4 days 03-05..03-08: 2 / (4 / 7) = 3.5 a week.
    assert row["throughput_per_week"] == pytest.approx(3.5, abs=1e-12)
    assert result.notes == [] and "data_window" not in result.params


def test_a_window_wholly_after_the_data_has_unknown_counts(workspace: Workspace) -> None:
    result = workspace.flow_at(datetime(2030, 1, 1, tzinfo=UTC)).summary()
    (row,) = result.rows()

    reason = f"{', '.join(SUMMARY_AFTER_FIGURES)}: {after_data_reason('2024-03-08T12:00:00')}"
    assert [row[name] for name in ("finished", "cancelled", "skipped_start", "throughput_per_week")] == [None] * 4
    assert row["unknown_reasons"] == reason == result.params["after_data"]
    # The data's last state: P-3, R-1 and S-1 were open on 03-08 and nothing says they finished since.
    assert row["wip"] == 3
    assert result.notes == [WIP_CARRIED]


# -- real data ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def github(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[tuple[Workspace, Path]]:
    export = shared_data / "github" / "webcompat-issues-with-events.json"
    folder = tmp_path_factory.mktemp("webcompat")
    with orgflow.init(folder) as created:
        created.import_files("github", [export])
    opened = orgflow.open(folder, read_only=True)
    yield opened, export
    opened.close()


def test_real_github_data_is_read_over_the_days_it_covers(github: tuple[Workspace, Path]) -> None:
    workspace, export = github
    issues = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines() if line.strip()]
    # Independent: the data's first day is that of the earliest issue creation in the export.
    first = min(datetime.fromisoformat(issue["created_at"].replace("Z", "+00:00")) for issue in issues).date()
    service = workspace.flow_at(None)
    last = datetime.fromisoformat(service.data_as_of().instant.isoformat()).date()
    days = (last - first).days + 1

    default = service.summary()
    (row,) = default.rows()
    assert default.params["since"] == f"{first}T00:00:00Z"
    assert row["throughput_per_week"] == pytest.approx(row["finished"] / (days / 7), rel=1e-12)
    assert default.notes[0].startswith(
        f"the window starts at the data's first event (data from {first}), so it covers {days} days, not a "
        "default window's 90"
    )

    # Until 2030: the same finished items over the same days, not over the years to 2030; the throughput
    # figure, a query of its own, counts the same items in its measured weeks.
    later = service.summary(until=date(2030, 1, 1))
    (wide,) = later.rows()
    weekly = service.throughput(until=date(2030, 1, 1))
    counted = sum(week["finished"] for week in weekly.rows() if week["finished"] is not None)
    assert wide["finished"] == row["finished"] == counted
    assert wide["throughput_per_week"] == pytest.approx(counted / (days / 7), rel=1e-12)
    assert later.params["data_window"]["days"] == days
