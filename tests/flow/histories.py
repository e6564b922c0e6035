"""Hand-built item histories of 2024 as one import batch, shared by the flow and query tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from orgflow.model import StatusTransition, WorkItem
from orgflow.store import ImportBatch


def at(text: str) -> datetime:
    """'03-04 12:00' (or '03-04T12:00', or '03-04' for midnight) is 2024-03-04 12:00 UTC."""
    return datetime.fromisoformat(f"2024-{text}").replace(tzinfo=UTC)


def history_batch(histories: Mapping[tuple[str, str, str], Sequence[tuple[str, str]]]) -> ImportBatch:
    """A csv batch: for each (key, team, item type), an item of project P titled by its key, created at its
    first move and in the status of its last, and its (instant, status) moves as status transitions."""
    batch = ImportBatch("csv", "test", "hand-built")
    for (key, team, item_type), moves in histories.items():
        batch.add(
            WorkItem(
                source="csv",
                source_id=key,
                project="P",
                team_id=team,
                title=key,
                item_type=item_type,
                created_at=at(moves[0][0]),
                status=moves[-1][1],
            )
        )
        for seq, (when, status) in enumerate(moves):
            batch.add(StatusTransition("csv", key, seq, at(when), None, status))
    return batch


def hand_built(folder: Path, boards: str, histories: Mapping[tuple[str, str], Sequence[tuple[str, str]]]) -> None:
    """A workspace in `folder` with `boards` as its orgflow.yaml and one Story per (key, project) of
    `histories` (team: the project in lower case; its moves: (ISO instant, status)), closed."""
    import orgflow

    orgflow.init(folder).close()
    (folder / "orgflow.yaml").write_text(boards, encoding="utf-8")
    workspace = orgflow.open(folder)
    batch = ImportBatch("csv", "test", "hand-built")
    for (key, project), moves in histories.items():
        batch.add(
            WorkItem(
                source="csv",
                source_id=key,
                project=project,
                team_id=project.lower(),
                title=key,
                item_type="Story",
                created_at=at(moves[0][0]),
                status=moves[-1][1],
            )
        )
        for seq, (when, status) in enumerate(moves):
            batch.add(StatusTransition("csv", key, seq, at(when), None, status))
    workspace.write(batch)
    workspace.close()
