"""Hand-built workspaces for the insight rules: a small board and items given as (instant, status) moves.

The board: Backlog (backlog) → Ready (wait) → In Progress (active) → Review (active) → Done (done),
Cancelled (cancelled). Every workspace is seen from NOW, Monday 2024-06-03 12:00 UTC: the rules'
windows are whole days ending Sunday 2024-06-02, so the 8-week window starts on 2024-04-08.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from orgflow.model import StatusTransition, WorkItem
from orgflow.store import ImportBatch
from orgflow.workspace import Workspace, init_workspace, open_workspace

NOW = datetime(2024, 6, 3, 12, 0, tzinfo=UTC)
TODAY = date(2024, 6, 3)
SINCE = date(2024, 4, 8)
"""First day of the 8-week window (56 days before TODAY)."""

BOARD = """
workflows:
  - name: board
    applies_to: {source: t, projects: ["*"]}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Backlog]}
      - {name: Ready, phase: Create, category: wait, statuses: [Ready]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
      - {name: Review, phase: Create, category: active, statuses: [Review]}
      - {name: Done, phase: Operate, category: done, statuses: [Done]}
      - {name: Cancelled, phase: Operate, category: cancelled, statuses: [Cancelled]}
"""


def at(day: date, hour: float = 9) -> datetime:
    """`day` at `hour` (UTC)."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour)


@dataclass(frozen=True)
class Item:
    """A work item of a test: key, team, type and its moves; the first move is its creation."""

    key: str
    team: str
    moves: tuple[tuple[datetime, str], ...]
    item_type: str = "Story"


def flowing(key: str, team: str, start: datetime, *stays: tuple[str, float], item_type: str = "Story") -> Item:
    """An item created a day before `start` (in Backlog) that enters each stage of `stays` in turn,
    staying the given days; its last stay's status is entered and kept (Done, or an open stage)."""
    moves = [(start - timedelta(days=1), "Backlog")]
    when = start
    for status, days in stays:
        moves.append((when, status))
        when += timedelta(days=days)
    return Item(key, team, tuple(moves), item_type)


Build = Callable[[list[Item]], Workspace]


def build_workspace(directory: Path, items: list[Item]) -> Workspace:
    """A workspace in `directory` with the board and the given items (moves after NOW are never written)."""
    init_workspace(directory).close()
    (directory / "orgflow.yaml").write_text(BOARD, encoding="utf-8")
    workspace = open_workspace(directory)
    batch = ImportBatch("t", "test", "hand-built")
    for entry in items:
        moves = [move for move in entry.moves if move[0] <= NOW]
        batch.add(
            WorkItem(
                source="t",
                source_id=entry.key,
                project="P",
                team_id=entry.team,
                title=entry.key,
                item_type=entry.item_type,
                created_at=moves[0][0],
                status=moves[-1][1],
            )
        )
        for seq, (when, status) in enumerate(moves):
            batch.add(StatusTransition("t", entry.key, seq, when, moves[seq - 1][1] if seq else None, status))
    workspace.store.write(batch)
    return workspace
