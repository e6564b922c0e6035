"""A summary by team whose rows read their own windows asks every such row at once, with the figures
of asking them one team at a time (`FlowService.compute_many`, `orgflow.flow.many_values`).

Hand-built teams of 2024 (one Story each line; Backlog → In Progress → Done, see `BOARDS`):
- a: A-1 done 05-06, A-2 done 06-28 12:00 (the workspace's latest event), A-3 started 06-03, open.
- b: its data ends 05-10 12:00. B-1 03-01 → 03-04 → 03-08 (lead 7 d, cycle 4), B-2 03-05 → 03-11 →
  03-18 (lead 13, cycle 7), B-3 04-01 → 04-02 → 05-10 12:00 (lead 39.5, cycle 38.5), B-4 started 04-20.
- c: ends 03-15. C-1 01-10 → 01-11 → 01-20 (lead 10, cycle 9), C-2 02-01 → Done 03-15 (lead 43, skipped its start).
- d: ends 06-25. D-1 06-01 → 06-02 → 06-25 (lead 24, cycle 23).
- e: a workflow without a done stage (`undone`); ends 02-03, E-1 started 02-03.

The data is as of 06-28 12:00, so figures are as of 06-29 00:00 and the workspace's default window is
[03-31, 06-29) (90 days). b's own window is the 90 days to the end of its last day, [02-11, 05-11): all
three of its items finished in it, lead p50 13 and p85 13 + 0.7 × 26.5 = 31.55, cycle p50 7, 3 / (90 / 7)
= 21 / 90 a week, B-4 in progress at its end. c's window would start 12-17-2023, before the first item: it
is [01-10, 03-16) (66 days). d's is [03-28, 06-26), e's [01-10, 02-04).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from tests.flow.histories import hand_built
from tests.flow.statements import counted_statements

import orgflow
from orgflow.query.window import Cut
from orgflow.workspace import Workspace

BOARDS = """
workflows:
  - name: undone
    applies_to: {source: csv, projects: ["E"]}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Backlog]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
  - name: board
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Backlog]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
      - {name: Done, phase: Operate, category: done, statuses: [Done]}
"""
HISTORIES = {
    ("A-1", "A"): [("05-01", "Backlog"), ("05-02", "In Progress"), ("05-06", "Done")],
    ("A-2", "A"): [("05-20", "Backlog"), ("05-21", "In Progress"), ("06-28T12:00", "Done")],
    ("A-3", "A"): [("06-01", "Backlog"), ("06-03", "In Progress")],
    ("B-1", "B"): [("03-01", "Backlog"), ("03-04", "In Progress"), ("03-08", "Done")],
    ("B-2", "B"): [("03-05", "Backlog"), ("03-11", "In Progress"), ("03-18", "Done")],
    ("B-3", "B"): [("04-01", "Backlog"), ("04-02", "In Progress"), ("05-10T12:00", "Done")],
    ("B-4", "B"): [("04-15", "Backlog"), ("04-20", "In Progress")],
    ("C-1", "C"): [("01-10", "Backlog"), ("01-11", "In Progress"), ("01-20", "Done")],
    ("C-2", "C"): [("02-01", "Backlog"), ("03-15", "Done")],
    ("D-1", "D"): [("06-01", "Backlog"), ("06-02", "In Progress"), ("06-25", "Done")],
    ("E-1", "E"): [("02-01", "Backlog"), ("02-03", "In Progress")],
}
OWN_WINDOWS = {
    "b": ("2024-02-11T00:00:00Z", "2024-05-11T00:00:00Z"),
    "c": ("2024-01-10T00:00:00Z", "2024-03-16T00:00:00Z"),
    "d": ("2024-03-28T00:00:00Z", "2024-06-26T00:00:00Z"),
    "e": ("2024-01-10T00:00:00Z", "2024-02-04T00:00:00Z"),
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("own-windows-at-once")
    hand_built(path, BOARDS, HISTORIES)
    return path


@pytest.fixture
def workspace(folder: Any) -> Iterator[Workspace]:
    opened = orgflow.open(folder)
    yield opened
    opened.close()


def _one_at_a_time(folder: Any, team: str, since: str, until: str) -> tuple[dict[str, Any], list[str]]:
    """The summary of `team` over [since, until) from a workspace of its own (no other team asked)."""
    with orgflow.open(folder) as alone:
        result = alone.flow.summary(cut=Cut(team=team), since=date.fromisoformat(since[:10]), until=_last_day(until))
    (row,) = result.rows()
    return row, result.notes


def _last_day(until: str) -> date:
    """The last day of a window whose end (exclusive, an ISO instant) is `until`."""
    return date.fromordinal(date.fromisoformat(until[:10]).toordinal() - 1)


def test_each_row_of_its_own_window_equals_that_team_asked_alone(workspace: Workspace, folder: Any) -> None:
    result = workspace.flow.summary(by="team")
    windows = {team: (own["since"], own["until"]) for team, own in result.params["row_windows"].items()}
    assert windows == OWN_WINDOWS
    rows = {row["team"]: row for row in result.rows()}
    assert set(rows) == {"a", "b", "c", "d", "e"}
    for team, (since, until) in OWN_WINDOWS.items():
        alone, _notes = _one_at_a_time(folder, team, since, until)
        assert rows[team] == {"team": team, **alone}, team


def test_the_rows_hold_the_hand_worked_figures(workspace: Workspace) -> None:
    rows = {row["team"]: row for row in workspace.flow.summary(by="team").rows()}
    b = rows["b"]
    assert (b["finished"], b["cancelled"], b["wip"], b["skipped_start"]) == (3, 0, 1, 0)
    assert b["lead_time_p50"] == 13.0
    assert b["lead_time_p85"] == pytest.approx(31.55, abs=1e-9)
    assert b["cycle_time_p50"] == 7.0
    assert b["throughput_per_week"] == pytest.approx(21 / 90, abs=1e-12)
    c = rows["c"]
    assert (c["finished"], c["skipped_start"], c["lead_time_p50"]) == (2, 1, 26.5)  # leads 10 and 43
    d = rows["d"]
    assert (d["finished"], d["lead_time_p50"], d["cycle_time_p50"], d["wip"]) == (1, 24.0, 23.0, 0)
    e = rows["e"]
    assert (e["wip"], e["lead_time_p50"], e["throughput_per_week"]) == (1, None, None)
    assert "no status maps to a done" in e["unknown_reasons"]


def test_compute_many_equals_compute_for_each_ask(workspace: Workspace, folder: Any) -> None:
    asks = [
        (Cut(team=team), date.fromisoformat(since[:10]), _last_day(until))
        for team, (since, until) in OWN_WINDOWS.items()
    ]
    asks.append((Cut(team="a"), date(2024, 6, 1), date(2024, 6, 28)))
    for name in ("summary", "throughput", "cycle-time", "efficiency"):
        many = workspace.flow.compute_many(name, asks)
        with orgflow.open(folder) as alone:
            each = [alone.flow.compute(name, cut=cut, since=since, until=until) for cut, since, until in asks]
        for got, expected in zip(many, each, strict=True):
            assert got.table.to_pylist() == expected.table.to_pylist(), name
            assert (got.params, got.notes) == (expected.params, expected.notes), name


def test_the_asks_run_as_one_statement(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    service = workspace.flow
    service.summary(cut=Cut(team="a"))  # compiles the query of a team's summary, and its note's count
    single, batched = counted_statements(monkeypatch)
    asks = [(Cut(team=team), date(2024, 3, 1), date(2024, 3, 31)) for team in ("b", "c", "d", "e")]
    results = service.compute_many("summary", asks)
    # The summary's rows: one statement for the four teams. No item's figures come from reported times
    # here, so no count of them runs for the note (`QueryRunner.any_reported`).
    assert service._runner.any_reported() is False
    assert batched == [4]
    assert single == []
    rows = [result.rows()[0] for result in results]
    assert [row["finished"] for row in rows[:3]] == [2, 1, 0]  # B-1 and B-2; C-2; none
    assert "no status maps to a done" in rows[3]["unknown_reasons"]
