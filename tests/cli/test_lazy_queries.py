"""A fresh process answers from what is stored: compiled queries kept beside the store
(`orgflow.store.query_file`), as the command line opens workspaces, give the figures a fresh build gives."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.cli.three_items import TRANSITIONS

import orgflow
from orgflow.store import query_file


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A workspace with three items (default workflow: To Do, In Progress, Done)."""
    csv = tmp_path / "changes.csv"
    csv.write_text(TRANSITIONS, encoding="utf-8")
    directory = tmp_path / "ws"
    with orgflow.init(directory) as workspace:
        workspace.import_files("transitions", [csv])
    return directory


def _summary(directory: Path, *, keep: bool, now: datetime, team: str | None = None) -> tuple[object, tuple[int, int]]:
    """`flow summary --by team` as of `now` in a newly opened workspace; with it, the cache's (hits, misses)."""
    with orgflow.open(directory, read_only=True, keep_queries=keep) as workspace:
        result = workspace.flow_at(now).summary(cut=orgflow.Cut(team=team), by="team")
        cache = workspace.compiled_queries
        return result, (cache.hits, cache.misses)


def test_a_later_process_runs_the_kept_queries_and_gets_a_fresh_builds_figures(folder: Path) -> None:
    first, counts = _summary(folder, keep=True, now=datetime(2024, 3, 10, tzinfo=UTC), team="alpha")
    assert counts == (0, 1)  # compiled, then written beside the store
    stored = json.loads((folder / query_file.FILE_NAME).read_text(encoding="utf-8"))
    assert len(stored["queries"]) == 1

    # Another "process" (a new workspace object), another now and team: the query comes from the file.
    kept, counts = _summary(folder, keep=True, now=datetime(2024, 3, 20, tzinfo=UTC), team="beta")
    built, _ = _summary(folder, keep=False, now=datetime(2024, 3, 20, tzinfo=UTC), team="beta")
    assert counts == (1, 0)
    assert kept.table.equals(built.table)
    assert kept.params == built.params
    # beta: B-1 finished 03-08 12:00, lead time 7 days (created 03-01 12:00), cycle time 5 days (from 03-03).
    row = kept.rows()[0]
    assert (row["team"], row["finished"], row["lead_time_p50"], row["cycle_time_p50"]) == ("beta", 1, 7.0, 5.0)
    # alpha as of 03-10: A-1 finished 03-05 (lead 4 days, cycle 3), A-2 in progress.
    row = first.rows()[0]
    assert (row["team"], row["finished"], row["lead_time_p50"], row["cycle_time_p50"], row["wip"]) == (
        "alpha",
        1,
        4.0,
        3.0,
        1,
    )


def test_an_edited_mapping_or_a_damaged_file_means_compiling_again(folder: Path) -> None:
    now = datetime(2024, 3, 10, tzinfo=UTC)
    _summary(folder, keep=True, now=now)
    config = folder / "orgflow.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    _, counts = _summary(folder, keep=True, now=now)
    assert counts == (0, 1)

    (folder / query_file.FILE_NAME).write_text("{not json", encoding="utf-8")
    result, counts = _summary(folder, keep=True, now=now)
    assert counts == (0, 1)
    assert result.table.equals(_summary(folder, keep=False, now=now)[0].table)
    assert json.loads((folder / query_file.FILE_NAME).read_text(encoding="utf-8"))["queries"]


def test_a_key_without_a_stable_text_is_never_stored() -> None:
    assert query_file.key_text(("summary", ("team",), (None, 20))) == "('summary', ('team',), (None, 20))"
    assert query_file.key_text(("summary", object())) is None
