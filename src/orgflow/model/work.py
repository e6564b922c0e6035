"""Work items and their histories: status transitions, blocked intervals, links, releases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from orgflow.model.record import Record, RecordSpec


@dataclass(frozen=True, slots=True)
class WorkItem(Record):
    """One issue, story, bug or KEP.

    `project` is the source's project, board or repository; `team_id` the team that owns the item
    (the project key when there is no org model). `status` is the current raw status. `history`
    says where the transitions come from: ``changelog`` (full), ``events`` (GitHub), ``csv``, or
    ``inferred`` (only created and resolved were known).
    """

    spec: ClassVar[RecordSpec] = RecordSpec("work_items", ("source", "source_id"))
    source: str
    source_id: str
    project: str
    team_id: str | None
    title: str
    item_type: str
    created_at: datetime
    status: str
    resolved_at: datetime | None = None
    resolution: str | None = None
    priority: str | None = None
    parent_id: str | None = None
    epic_id: str | None = None
    assignee: str | None = None
    reporter: str | None = None
    components: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    fix_versions: tuple[str, ...] = ()
    updated_at: datetime | None = None
    url: str | None = None
    history: str = "changelog"


@dataclass(frozen=True, slots=True)
class StatusTransition(Record):
    """The item entered `to_status` at `changed_at` (from `from_status`, empty for its first status).

    `seq` orders transitions of one item (0 = the status it was created in).
    """

    spec: ClassVar[RecordSpec] = RecordSpec(
        "status_transitions",
        ("source", "item_id", "seq"),
        parent=("source", "item_id"),
        parent_table="work_items",
    )
    source: str
    item_id: str
    seq: int
    changed_at: datetime
    from_status: str | None
    to_status: str
    author: str | None = None


@dataclass(frozen=True, slots=True)
class BlockedInterval(Record):
    """The item was flagged or blocked over [started_at, ended_at) (ended_at None: still blocked)."""

    spec: ClassVar[RecordSpec] = RecordSpec(
        "blocked_intervals",
        ("source", "item_id", "seq"),
        parent=("source", "item_id"),
        parent_table="work_items",
    )
    source: str
    item_id: str
    seq: int
    started_at: datetime
    ended_at: datetime | None
    reason: str = "flagged"


@dataclass(frozen=True, slots=True)
class ItemLink(Record):
    """A directed link: `item_id` --kind--> `target_id`. ``blocks`` means item_id blocks target_id."""

    spec: ClassVar[RecordSpec] = RecordSpec(
        "item_links",
        ("source", "item_id", "kind", "target_id"),
        parent=("source", "item_id"),
        parent_table="work_items",
    )
    source: str
    item_id: str
    kind: str
    target_id: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ReportedStatusTime(Record):
    """Time in a status as the source itself reported it (Jira's "Time in Status" field)."""

    spec: ClassVar[RecordSpec] = RecordSpec(
        "reported_status_times",
        ("source", "item_id", "status_id"),
        parent=("source", "item_id"),
        parent_table="work_items",
    )
    source: str
    item_id: str
    status_id: str
    status: str | None
    times_entered: int
    duration_seconds: float


@dataclass(frozen=True, slots=True)
class Release(Record):
    """A version of a project (Jira fix version) with its release date, if released."""

    spec: ClassVar[RecordSpec] = RecordSpec("releases", ("source", "source_id"))
    source: str
    source_id: str
    project: str
    name: str
    released: bool = False
    release_date: datetime | None = None
