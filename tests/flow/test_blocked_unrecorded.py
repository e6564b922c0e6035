"""Blocked time that nothing records is unknown, not 0: when the items' sources hold no flagged interval
and no transition into a status of a stage marked ``blocked: true`` (a Jira export without changelog),
`blocked` has flagged, status and total time null, keeps only the items a cross-team link blocked, and
says why in its notes and params (`orgflow.flow.blocked_recorded`).

Hand-built histories of 2024 (team p unless said): P-1 Open 03-01, In Progress 03-02, Resolved 03-05;
Q-9 (team q) Open 03-01, In Progress 03-02, Resolved 03-04 12:00, and Q-9 blocks P-1; P-2 (only in the
recorded workspace) Open 03-01, In Progress 03-02, Blocked 03-03, In Progress 03-04 12:00, Resolved 03-06.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from tests.flow.histories import history_batch

import orgflow
from orgflow.charts.stages import blocked_chart
from orgflow.flow.blocked_recorded import blocked_caption, blocked_unrecorded_reason
from orgflow.model import ItemLink
from orgflow.workspace import Workspace

BOARD = """
workflows:
  - name: board
    applies_to: {source: csv, projects: ["P"]}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Open]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
      - {name: Blocked, phase: Create, category: wait, blocked: true, statuses: [Blocked]}
      - {name: Done, phase: Operate, category: done, statuses: [Resolved]}
"""
P1 = [("03-01", "Open"), ("03-02", "In Progress"), ("03-05", "Resolved")]
Q9 = [("03-01", "Open"), ("03-02", "In Progress"), ("03-04T12:00", "Resolved")]
P2 = [("03-01", "Open"), ("03-02", "In Progress"), ("03-03", "Blocked"), ("03-04T12:00", "In Progress")]
P2 = [*P2, ("03-06", "Resolved")]
REASON = (
    "flagged_days, status_days, blocked_days: no blocked flags or blocked statuses are recorded for these items "
    "(sources: csv), so a blocked time of 0 would not be a measurement: map the status your source uses for "
    "blocked work to a stage with `blocked: true` in orgflow.yaml (the default workflow's Blocked stage lists "
    "Blocked, On Hold, Impeded, Waiting), or import a source that records flags (Jira's Flagged field with a "
    "changelog, GitHub's `blocked` label); `orgflow status` lists the statuses in use"
)
COLUMNS = ("item_id", "flagged_days", "status_days", "link_days", "blocked_days")


def _workspace(folder: Path, histories: dict[tuple[str, str, str], list[tuple[str, str]]]) -> Workspace:
    orgflow.init(folder).close()
    (folder / "orgflow.yaml").write_text(BOARD, encoding="utf-8")
    opened = orgflow.open(folder)
    batch = history_batch(histories)
    batch.add(ItemLink("csv", "Q-9", "blocks", "P-1"))
    opened.write(batch)
    return opened


def _rows(workspace: Workspace) -> tuple[list[tuple[object, ...]], object]:
    result = workspace.flow_at(datetime(2024, 3, 20, tzinfo=UTC)).blocked(
        since=date(2024, 3, 1), until=date(2024, 3, 10)
    )
    return [tuple(row[name] for name in COLUMNS) for row in result.rows()], result


def test_nothing_recorded_leaves_only_the_links(tmp_path: Path) -> None:
    workspace = _workspace(tmp_path / "ws", {("P-1", "p", "Story"): P1, ("Q-9", "q", "Story"): Q9})
    try:
        rows, result = _rows(workspace)
    finally:
        workspace.close()
    # P-1 waited on Q-9 from its start (03-02) to Q-9's finish (03-04 12:00): 2.5 days, the only measure.
    assert rows == [("P-1", None, None, 2.5, None)]
    assert blocked_unrecorded_reason(["csv"]) == REASON
    assert result.notes == [REASON] and result.params["blocked_unknown"] == REASON
    # What a page says under the blocked chart: the reason without the column names.
    caption = blocked_caption(result)
    assert caption is not None and caption.startswith(
        "Blocked time is unknown: no blocked flags or blocked statuses are recorded for these items (sources: csv)"
    )
    assert caption.endswith("`orgflow status` lists the statuses in use")
    # The chart's title counts no "0 blocked items": only P-1, which a link blocked, is measured.
    assert blocked_chart(result)["title"]["text"] == "Blocked time (unknown; 1 item waiting on another team)"


def test_a_blocked_status_in_the_history_makes_it_measured(tmp_path: Path) -> None:
    histories = {("P-1", "p", "Story"): P1, ("Q-9", "q", "Story"): Q9, ("P-2", "p", "Story"): P2}
    workspace = _workspace(tmp_path / "ws", histories)
    try:
        rows, result = _rows(workspace)
    finally:
        workspace.close()
    # P-2 in Blocked from 03-03 to 03-04 12:00: 1.5 days; P-1 by the link as before, measured now.
    by_item = {row[0]: row for row in rows}
    assert by_item["P-2"][1:] == (0.0, 1.5, 0.0, 1.5)
    assert by_item["P-1"][1:] == (0.0, 0.0, 2.5, 2.5)
    assert result.notes == [] and "blocked_unknown" not in result.params
    assert blocked_caption(result) is None
    assert blocked_chart(result)["title"]["text"] == "Blocked time (top 2 of 2 blocked items)"
