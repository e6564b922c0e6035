"""Code: commits, the files they change, pull requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from orgflow.model.record import Record, RecordSpec


@dataclass(frozen=True, slots=True)
class Commit(Record):
    """A commit of a repository; `source_id` is its sha."""

    spec: ClassVar[RecordSpec] = RecordSpec("commits", ("source", "source_id"))
    source: str
    source_id: str
    repo: str
    parents: tuple[str, ...]
    author: str
    authored_at: datetime
    committed_at: datetime
    subject: str = ""
    is_merge: bool = False
    is_revert: bool = False


@dataclass(frozen=True, slots=True)
class ChangedFile(Record):
    """Lines added and deleted in one file by one commit (None for binary files)."""

    spec: ClassVar[RecordSpec] = RecordSpec(
        "changed_files",
        ("source", "commit_id", "path"),
        parent=("source", "commit_id"),
        parent_table="commits",
    )
    source: str
    commit_id: str
    path: str
    added: int | None
    deleted: int | None


@dataclass(frozen=True, slots=True)
class PullRequest(Record):
    """A pull or merge request and the times of its flow."""

    spec: ClassVar[RecordSpec] = RecordSpec("pull_requests", ("source", "source_id"))
    source: str
    source_id: str
    repo: str
    number: int
    title: str
    author: str | None
    created_at: datetime
    first_commit_at: datetime | None = None
    first_review_at: datetime | None = None
    merged_at: datetime | None = None
    closed_at: datetime | None = None
    merge_commit: str | None = None
    commits: tuple[str, ...] = ()
