"""A partial git export (numstat log alone, commits CSV alone) erases nothing it does not carry."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

from orgflow.config import Config
from orgflow.model.code import ChangedFile, Commit
from orgflow.sources import git
from orgflow.store import ImportBatch, Store

A, B = "a" * 40, "b" * 40
NUMSTAT = f"""--{A}--2024-01-02T10:00:00+00:00--dev-one--2024-01-02T12:00:00+00:00
3\t1\tsrc/x.go
-\t-\tlogo.png

--{B}--2024-01-01T10:00:00+00:00--dev-two--2024-01-01T11:00:00+00:00
1\t0\tREADME
"""
COMMITS = f"""sha,parent_shas,author_date_iso,commit_date_iso,author,subject
{A},{B},2024-01-02T10:00:00+00:00,2024-01-02T12:00:00+00:00,dev-one,"Revert ""x"" (#2)"
{B},,2024-01-01T10:00:00+00:00,2024-01-01T11:00:00+00:00,dev-two,first (#1)
"""
REPO = "acme/shop"


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _files(tmp_path: Path, numstat: str = NUMSTAT) -> tuple[Path, Path]:
    numstat_path = tmp_path / "shop.numstat.log.gz"
    with gzip.open(numstat_path, "wt", encoding="utf-8") as handle:
        handle.write(numstat)
    commits_path = tmp_path / "shop.commits.csv"
    commits_path.write_text(COMMITS, encoding="utf-8")
    return numstat_path, commits_path


def _load(*paths: Path) -> ImportBatch:
    return git.load(list(paths), config=Config(), options={"repo": REPO})


def _commits(store: Store) -> list[tuple[object, ...]]:
    return store.connection.execute(
        "SELECT source_id, parents, subject, is_merge, is_revert, committed_at FROM commits ORDER BY source_id"
    ).fetchall()


FULL_ROWS = [
    (A, [B], 'Revert "x" (#2)', False, True, datetime(2024, 1, 2, 12)),
    (B, [], "first (#1)", False, False, datetime(2024, 1, 1, 11)),
]


def test_numstat_alone_after_a_full_export_keeps_parents_and_subjects(tmp_path: Path) -> None:
    numstat, commits = _files(tmp_path)
    store = Store.open(None)
    store.write(_load(numstat, commits))
    assert _commits(store) == FULL_ROWS
    for _ in range(2):
        counts = store.write(_load(numstat))
        assert counts.by_table == {"commits": (0, 0, 2), "changed_files": (0, 0, 3)}
        assert _commits(store) == FULL_ROWS


def test_commits_csv_alone_keeps_the_changed_files(tmp_path: Path) -> None:
    numstat, commits = _files(tmp_path)
    store = Store.open(None)
    store.write(_load(numstat, commits))
    counts = store.write(_load(commits))
    assert counts.by_table == {"commits": (0, 0, 2)}
    assert store.connection.execute("SELECT commit_id, path FROM changed_files ORDER BY 1, 2").fetchall() == [
        (A, "logo.png"),
        (A, "src/x.go"),
        (B, "README"),
    ]


def test_numstat_first_then_commits_csv_fills_the_parents(tmp_path: Path) -> None:
    numstat, commits = _files(tmp_path)
    store = Store.open(None)
    assert store.write(_load(numstat)).by_table == {"commits": (2, 0, 0), "changed_files": (3, 0, 0)}
    # A commit new to the store takes what the numstat header gives: no parents, no subject.
    assert [row[:5] for row in _commits(store)] == [(A, [], "", False, False), (B, [], "", False, False)]
    assert store.write(_load(commits)).by_table == {"commits": (0, 2, 0)}
    assert _commits(store) == FULL_ROWS
    assert store.write(_load(numstat)).by_table == {"commits": (0, 0, 2), "changed_files": (0, 0, 3)}
    assert _commits(store) == FULL_ROWS


def test_a_header_without_committer_date_keeps_the_stored_committed_time(tmp_path: Path) -> None:
    undated = NUMSTAT.replace("--dev-two--2024-01-01T11:00:00+00:00", "--dev-two")
    numstat, commits = _files(tmp_path, undated)
    batch = _load(numstat)
    assert batch.kept_columns == {Commit: ("parents", "subject", "is_merge", "is_revert", "committed_at")}
    # Without a stored row, the header's author date stands for the committed time.
    assert {c.source_id: c.committed_at for c in batch.records[Commit]}[B] == _utc("2024-01-01T10:00:00+00:00")  # type: ignore[attr-defined]
    store = Store.open(None)
    store.write(_load(commits))
    assert store.write(batch).by_table == {"commits": (0, 0, 2), "changed_files": (3, 0, 0)}
    assert _commits(store) == FULL_ROWS


def test_what_each_partial_export_declares(tmp_path: Path) -> None:
    numstat, commits = _files(tmp_path)
    full, numstat_only, commits_only = _load(numstat, commits), _load(numstat), _load(commits)
    assert (full.kept_columns, full.kept_children) == ({}, ())
    assert (numstat_only.kept_columns, numstat_only.kept_children) == (
        {Commit: ("parents", "subject", "is_merge", "is_revert")},
        (),
    )
    assert (commits_only.kept_columns, commits_only.kept_children) == ({}, (ChangedFile,))


def test_summary_lines_of_partial_exports(tmp_path: Path) -> None:
    numstat, commits = _files(tmp_path)
    assert git.summarize(_load(numstat)).lines() == [
        "2 commits (merges and reverts not in this export), 3 changed files, 0 tags (0 annotated)",
        "2 of 2 commits have no parent in this export: a numstat log carries no parents or subjects "
        "(commits already stored keep theirs); for lead times, import the commits CSV (*.commits.csv) too",
    ]
    assert git.summarize(_load(commits)).lines() == [
        "2 commits (0 merges, 1 reverts), 0 changed files, 0 tags (0 annotated)",
        "no numstat log in this export: the changed files already stored for its commits are kept",
    ]


def test_otel_numstat_log_after_its_commits_csv_changes_no_commit(shared_data: Path) -> None:
    folder = shared_data / "git"
    numstat = folder / "otel-collector.numstat.log.gz"
    store = Store.open(None)
    options = {"repo": "open-telemetry/opentelemetry-collector"}
    store.write(git.load([folder / "otel-collector.commits.csv.gz"], config=Config(), options=options))
    counts = store.write(git.load([numstat], config=Config(), options=options))
    assert counts.by_table == {"commits": (0, 0, 8527), "changed_files": (97725, 0, 0)}
    # 44 merges and 8,525 commits with parents (two roots), as the commits CSV counts them.
    assert store.connection.execute(
        "SELECT count(*) FILTER (is_merge), count(*) FILTER (len(parents) > 0) FROM commits"
    ).fetchone() == (44, 8525)


def test_tags_alone_warn_that_their_commits_are_not_in_the_import(tmp_path: Path) -> None:
    numstat, commits = _files(tmp_path)
    tags = tmp_path / "shop.tags.csv"
    tags.write_text(
        f"tag,commit_sha,tagger_date_iso,commit_date_iso\nv1,{A},,2024-01-02T12:00:00+00:00\n"
        f"v0,{B},2024-01-03T00:00:00+00:00,2024-01-01T11:00:00+00:00\nx,{'c' * 40},,\n"
    )
    warning = (
        "{} of 3 tags name a commit that is not in this import: unless the workspace already holds those "
        "commits, import the git log too (the numstat log and commits CSV, e.g. orgflow import git FOLDER)"
    )
    assert _load(tags).warnings == [warning.format(3)]
    assert _load(tags, numstat, commits).warnings == [warning.format(1)]


def test_otel_tags_alone_warn(shared_data: Path) -> None:
    folder = shared_data / "git"
    batch = _load(folder / "otel-collector.tags.csv")
    assert [warning.split(":")[0] for warning in batch.warnings] == [
        "6694 of 6694 tags name a commit that is not in this import"
    ]
