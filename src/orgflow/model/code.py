"""Code: commits, the files they change, tags, pull requests, CODEOWNERS rules."""

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
    """Lines added and deleted in one file by one commit (None for binary files), with git's status.

    `status` is git's letter for the change against the commit's first parent: A (added), M (modified),
    D (deleted), R (renamed from `old_path`), T (type changed), C (copied from `old_path`); None when the
    source cannot tell (a saved numstat export). A merge commit's rows are its changes against its first
    parent: what the merge brought to the branch it was merged into.
    """

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
    status: str | None = None
    old_path: str | None = None


@dataclass(frozen=True, slots=True)
class RepoHead(Record):
    """The commit a repository's HEAD named when it was imported; `ref` is the branch (None when detached).

    Its first-parent history is the repository's mainline: the files that exist at a date are those of the
    last mainline commit on or before it (see `orgflow.sociotech.file_tree`).
    """

    spec: ClassVar[RecordSpec] = RecordSpec("repo_heads", ("source", "repo"))
    source: str
    repo: str
    commit_id: str
    ref: str | None = None


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


@dataclass(frozen=True, slots=True)
class Tag(Record):
    """A git tag naming a commit. `tagged_at` is the annotated tag's own time (None for a lightweight tag)."""

    spec: ClassVar[RecordSpec] = RecordSpec("tags", ("source", "repo", "name"))
    source: str
    repo: str
    name: str
    commit_id: str
    tagged_at: datetime | None = None
    annotated: bool = False


@dataclass(frozen=True, slots=True)
class OwnershipRule(Record):
    """One CODEOWNERS line of a repository: a path pattern and its owners. Later lines win (`line` orders them)."""

    spec: ClassVar[RecordSpec] = RecordSpec("ownership_rules", ("source", "repo", "line"))
    source: str
    repo: str
    line: int
    pattern: str
    owners: tuple[str, ...] = ()
