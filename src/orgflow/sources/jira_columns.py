"""Jira issues gathered column-wise: each issue's values appended to one list per record class, handed to
the store as rows (`orgflow.model.table.RecordTable.of_rows`), without a Python record object per row.

`IssueColumns.add` reads the issues whose history is inferred (no changelog histories, the shape of a
plain search export) and returns False, having added nothing, for any other issue: one with a
changelog, or one `orgflow.sources.jira.parse_issue` would reject or read differently (a value of an
unexpected type, a missing key, status, created or issue type, a bad timestamp, link or Time in Status
entry, an unknown status under strict_statuses). The caller then calls `parse_issue`, which is the
definition: it raises the error, naming file, record and field, or gives records that
`IssueColumns.add_records` appends. Every issue therefore yields the rows `parse_issue` gives it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from operator import attrgetter
from typing import Any

from orgflow.config import Config, Workflow, status_key
from orgflow.errors import InputError
from orgflow.model.record import Record
from orgflow.model.table import RecordTable
from orgflow.model.work import BlockedInterval, ItemLink, Release, ReportedStatusTime, StatusTransition, WorkItem
from orgflow.sources.files import parse_instant
from orgflow.store.schema import column_types
from orgflow.store.staging import latest_rows

_ENTRY_SEPARATOR = "_*|*_"
_PART_SEPARATOR = "_*:*_"
_CLASSES: tuple[type[Record], ...] = (
    WorkItem,
    StatusTransition,
    BlockedInterval,
    ItemLink,
    ReportedStatusTime,
    Release,
)


class _Unread(Exception):
    """An issue `parse_issue` has to read (or reject) itself."""


class IssueColumns:
    """The records of many issues, as lists of column values per record class (in issue order)."""

    def __init__(
        self,
        *,
        config: Config,
        source: str,
        strict_statuses: bool,
        epic_field: str | None,
        time_in_status_field: str,
        known_status_ids: dict[str, str],
        inferred_initial_status: str,
        categories_of: Callable[[Workflow], dict[str, str]],
    ) -> None:
        self.config = config
        self.source = source
        self.strict = strict_statuses
        self.epic_field = epic_field
        self.time_in_status_field = time_in_status_field
        self.known_status_ids = known_status_ids
        self.initial = inferred_initial_status
        self.categories_of = categories_of
        self.rows: dict[type[Record], list[tuple[Any, ...]]] = {record_class: [] for record_class in _CLASSES}
        self._names = {record_class: list(column_types(record_class)) for record_class in _CLASSES}
        self._values = {record_class: attrgetter(*self._names[record_class]) for record_class in _CLASSES}
        self._categories: dict[str, dict[str, str]] = {}

    def add(self, raw: object) -> bool:
        """Append the rows of one issue with an inferred history; False (nothing added) for any other."""
        try:
            rows = self._rows(raw)
        except (_Unread, InputError):
            return False
        for record_class, values in rows:
            self.rows[record_class].append(values)
        return True

    def add_records(self, records: Iterable[Record]) -> None:
        """Append records as `parse_issue` made them."""
        for record in records:
            record_class = type(record)
            self.rows[record_class].append(self._values[record_class](record))

    def record_tables(self) -> dict[type[Record], RecordTable[Any]]:
        """One table per record class with rows, as the store writes them: an issue listed twice
        keeps its last listing; a release (listed by every issue of its version) keeps its first
        place and its last value. The store makes the rows a table of its own connection's."""
        tables: dict[type[Record], RecordTable[Any]] = {}
        for record_class, rows in self.rows.items():
            if not rows:
                continue
            if record_class is Release:
                at = self._names[Release].index("source_id")
                rows = list({row[at]: row for row in rows}.values())  # first place, last value
            tables[record_class] = RecordTable.of_rows(record_class, latest_rows(record_class, rows))
        return tables

    def _rows(self, raw: object) -> list[tuple[type[Record], tuple[Any, ...]]]:
        """The rows of one issue, or _Unread; mirrors `parse_issue` for an issue without histories."""
        issue = _mapping(raw)
        key = _text(issue.get("key"))
        if key is None or not key.strip():
            raise _Unread
        fields = _mapping(issue.get("fields"))
        changelog = _optional_mapping(issue.get("changelog"))
        if changelog is not None and changelog.get("histories") not in (None, []):
            raise _Unread  # histories (or a value that is none): parse_issue reads the changelog
        project = key.partition("-")[0]
        project_object = _optional_mapping(fields.get("project"))
        if project_object is not None and project_object.get("key") is not None:
            project = _required_text(project_object.get("key"))
        status_object = _mapping(fields.get("status"))
        status = _required_text(status_object.get("name"))
        created_at = _instant(fields.get("created"), required=True)
        resolved_at = _instant(fields.get("resolutiondate"))
        parent = _optional_mapping(fields.get("parent"))
        categories = self._categories.get(project)
        if categories is None:
            categories = self._categories[project] = self.categories_of(self.config.workflow_for(self.source, project))
        if self.strict and status_key(status) not in categories:
            raise _Unread
        status_names = self.known_status_ids
        if status_object.get("id") is not None:
            status_names = {**status_names, str(status_object["id"]): status}
        source = self.source
        item = (
            source,
            key,
            project,
            self.config.team_of_project(project),
            _text(fields.get("summary")) or "",
            _name(fields.get("issuetype"), required=True),
            created_at,
            status,
            resolved_at,
            _name(fields.get("resolution")),
            _name(fields.get("priority")),
            _text(parent.get("key")) if parent is not None else None,
            self._epic(fields, parent),
            _user(fields.get("assignee")),
            _user(fields.get("reporter")),
            _names(fields.get("components")),
            tuple(_required_text(label) for label in _array(fields.get("labels"))),
            _names(fields.get("fixVersions")),
            _instant(fields.get("updated")),
            _text(issue.get("self")),
            "inferred",
        )
        rows: list[tuple[type[Record], tuple[Any, ...]]] = [(WorkItem, item)]
        if resolved_at is not None and categories.get(status_key(status)) in ("done", "cancelled"):
            rows.append((StatusTransition, (source, key, 0, created_at, None, self.initial, None)))
            rows.append((StatusTransition, (source, key, 1, resolved_at, self.initial, status, None)))
        else:
            rows.append((StatusTransition, (source, key, 0, created_at, None, status, None)))
        rows.extend((ItemLink, link) for link in _links(source, key, fields.get("issuelinks")))
        field = self.time_in_status_field
        rows.extend((ReportedStatusTime, row) for row in _reported(source, key, fields.get(field), status_names))
        rows.extend((Release, release) for release in _releases(source, project, fields.get("fixVersions")))
        return rows

    def _epic(self, fields: dict[str, Any], parent: dict[str, Any] | None) -> str | None:
        if self.epic_field is not None:
            epic = _text(fields.get(self.epic_field))
            if epic:
                return epic
        if parent is None:
            return None
        parent_fields = _optional_mapping(parent.get("fields"))
        if parent_fields is None:
            return None
        parent_type = _name(parent_fields.get("issuetype"))
        if parent_type is not None and status_key(parent_type) == "epic":
            return _text(parent.get("key"))
        return None


def _mapping(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Unread
    return value


def _optional_mapping(value: object) -> dict[str, Any] | None:
    return None if value is None else _mapping(value)


def _text(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise _Unread
    return value


def _required_text(value: object) -> str:
    if not isinstance(value, str):
        raise _Unread
    return value


def _name(value: object, *, required: bool = False) -> str | None:
    """The name of a named object (None when the object is missing, unless required)."""
    if value is None and not required:
        return None
    found = _mapping(value)
    return _required_text(found.get("name")) if required else _text(found.get("name"))


def _user(value: object) -> str | None:
    found = _optional_mapping(value)
    return None if found is None else _text(found.get("displayName") or found.get("name"))


def _array(value: object) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Unread
    return value


def _names(value: object) -> tuple[str, ...]:
    return tuple(_name(element, required=True) for element in _array(value))  # type: ignore[misc]


def _instant(value: object, *, required: bool = False) -> datetime | None:
    """`parse_instant`; its error declines the issue."""
    return parse_instant(value, file="-", record="-", field="-", required=required)


def _links(source: str, key: str, issuelinks: object) -> list[tuple[Any, ...]]:
    rows = []
    for element in _array(issuelinks):
        link = _mapping(element)
        link_type = _mapping(link.get("type"))
        name = _text(link_type.get("name")) or ""
        outward_issue = _optional_mapping(link.get("outwardIssue"))
        inward_issue = _optional_mapping(link.get("inwardIssue"))
        if outward_issue is not None:
            target = _required_text(outward_issue.get("key"))
            phrase = _text(link_type.get("outward"))
        elif inward_issue is not None:
            target = _required_text(inward_issue.get("key"))
            phrase = _text(link_type.get("inward"))
        else:
            raise _Unread
        outward_text = _text(link_type.get("outward")) or ""
        if name.casefold() in ("blocker", "blocks") or "blocks" in outward_text.casefold():
            kind = "blocks" if outward_issue is not None else "blocked_by"
        else:
            kind = "_".join((phrase or name).casefold().split()) or "link"
        rows.append((source, key, kind, target, name or None))
    return rows


def _reported(source: str, key: str, value: object, status_names: dict[str, str]) -> list[tuple[Any, ...]]:
    text = _text(value)
    if not text:
        return []
    totals: dict[str, list[int]] = {}
    for entry in text.split(_ENTRY_SEPARATOR):
        parts = entry.split(_PART_SEPARATOR)
        if len(parts) != 3 or not parts[0].strip() or not parts[1].isdigit() or not parts[2].isdigit():
            raise _Unread
        total = totals.setdefault(parts[0].strip(), [0, 0])
        total[0] += int(parts[1])
        total[1] += int(parts[2])
    return [
        (source, key, status_id, status_names.get(status_id), times, millis / 1000)
        for status_id, (times, millis) in totals.items()
    ]


def _releases(source: str, project: str, versions: object) -> list[tuple[Any, ...]]:
    rows = []
    for element in _array(versions):
        version = _mapping(element)
        release_date = _instant(version.get("releaseDate"))
        if release_date is None:
            continue
        name = _required_text(version.get("name"))
        released = version.get("released")
        if not isinstance(released, bool | None):
            raise _Unread
        rows.append((source, f"{project}:{name}", project, name, bool(released), release_date))
    return rows
