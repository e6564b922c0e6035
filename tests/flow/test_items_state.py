"""`items --state`: finished is done and cancelled together (METRICS.md: cancelled items are finished),
as the summary's `finished` plus its `cancelled`; `done` and `cancelled` pick one outcome, `done` being
what the summary's `finished` and the dashboard's "items finished (done)" count.

Hand-built items of 2024: D-1 Open 03-01, In Progress 03-02, Resolved 03-04 (done); C-1 Open 03-01, Won't
Do 03-03 (cancelled); O-1 Open 03-01, In Progress 03-05 (open).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from tests.flow.histories import history_batch

import orgflow
from orgflow.errors import InputError
from orgflow.workspace import Workspace

BOARD = """
workflows:
  - name: board
    applies_to: {source: csv, projects: ["P"]}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Open]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
      - {name: Done, phase: Operate, category: done, statuses: [Resolved]}
      - {name: Cancelled, phase: Operate, category: cancelled, statuses: ["Won't Do"]}
"""
HISTORIES = {
    ("D-1", "p", "Story"): [("03-01", "Open"), ("03-02", "In Progress"), ("03-04", "Resolved")],
    ("C-1", "p", "Story"): [("03-01", "Open"), ("03-03", "Won't Do")],
    ("O-1", "p", "Story"): [("03-01", "Open"), ("03-05", "In Progress")],
}
WINDOW = {"since": date(2024, 3, 1), "until": date(2024, 3, 10)}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    folder: Path = tmp_path_factory.mktemp("items-state")
    orgflow.init(folder).close()
    (folder / "orgflow.yaml").write_text(BOARD, encoding="utf-8")
    opened = orgflow.open(folder)
    opened.write(history_batch(HISTORIES))
    yield opened
    opened.close()


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (None, ["C-1", "D-1", "O-1"]),
        ("open", ["O-1"]),
        ("finished", ["C-1", "D-1"]),
        ("done", ["D-1"]),
        ("cancelled", ["C-1"]),
    ],
)
def test_each_state_picks_its_items(workspace: Workspace, state: str | None, expected: list[str]) -> None:
    service = workspace.flow_at(datetime(2024, 3, 20, tzinfo=UTC))
    rows = service.items(state=state, **WINDOW).rows()
    assert sorted(row["item_id"] for row in rows) == expected


def test_done_and_cancelled_are_the_summary_counts(workspace: Workspace) -> None:
    service = workspace.flow_at(datetime(2024, 3, 20, tzinfo=UTC))
    (summary,) = service.summary(**WINDOW).rows()
    counts = {state: len(service.items(state=state, **WINDOW).rows()) for state in ("done", "cancelled", "finished")}
    assert (summary["finished"], summary["cancelled"]) == (counts["done"], counts["cancelled"]) == (1, 1)
    assert counts["finished"] == 2


def test_an_unknown_state_names_every_value(workspace: Workspace) -> None:
    with pytest.raises(InputError) as caught:
        workspace.flow_at(datetime(2024, 3, 20, tzinfo=UTC)).items(state="closed", **WINDOW)
    assert caught.value.message == (
        "unknown state 'closed' (use open, finished (done or cancelled), done or cancelled)"
    )
