"""A saved numstat export has no HEAD: its files are those with positive net lines, renames not followed.
The truck factor's caption (its definition) and its note agree on that: the caption promises renames
followed only where a HEAD is imported, and the note says which case this repository is."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orgflow
from orgflow.model import ChangedFile, Commit
from orgflow.store import ImportBatch


def test_caption_and_note_agree_on_a_saved_export(tmp_path: Path) -> None:
    with orgflow.init(tmp_path) as workspace:
        batch = ImportBatch(source="git", kind="git", origin="test")
        at = datetime(2024, 1, 3, 12, tzinfo=UTC)
        batch.add(Commit("git", "a" * 40, "acme/shop", (), "ana", at, at, "change"))
        batch.add(ChangedFile("git", "a" * 40, "api/a.go", 30, 0))
        workspace.store.write(batch)
        result = workspace.sociotech_at(datetime(2024, 2, 1, tzinfo=UTC)).compute("truck-factor")
    assert result.notes == [
        "acme/shop: no HEAD imported (a saved numstat export?): files with positive net lines counted, "
        "renames not followed"
    ]
    assert result.definition.endswith(
        "over the files that exist at the analysis date (renames followed where a HEAD is imported and its "
        "first-parent history replayed, not in a saved export; a note says which, per repository)."
    )
    assert "date, renames followed" not in result.definition
