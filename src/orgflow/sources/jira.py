"""Jira REST issues (``/rest/api/2/issue`` or ``/search`` JSON, saved to files) to canonical records.

`load` reads saved exports: ``.json`` (one issue, a list of issues, or a search response with an
``issues`` list), ``.jsonl`` (one of those per line), either gzipped, or folders holding them.
`parse_issue` turns one raw issue into a work item and its history; a live connector reuses it.

Status history:
- With a changelog (``expand=changelog``) every status change is a transition. The item was created in
  the ``fromString`` of its first status change (or in its current status if there is none), so
  transition 0 is that status at ``created``. Changes are ordered by history ``created``, then ``id``.
  ``history`` is ``changelog``.
- Without one (or without a status change in it) the history is *inferred* from what the issue itself
  says: an issue with a ``resolutiondate`` whose current status maps to a done or cancelled stage of its
  workflow was ``Open`` from ``created`` and entered its current status at ``resolutiondate``; any other
  issue is assumed to have been in its current status since ``created``. Intermediate statuses are
  unknown, so cycle times of such items are lead times. ``history`` is ``inferred``.

Flagged ("Impediment") changes in the changelog become blocked intervals. The current value of the
Flagged field alone carries no time, so it is ignored.

Apache's "Time in Status" field (``statusId_*:*_timesEntered_*:*_millis`` entries joined by
``_*|*_``) becomes `ReportedStatusTime` rows, as the source reported them.

Options: ``strict_statuses`` (reject statuses no workflow stage lists), ``source`` (default ``jira``),
``epic_field`` (a custom field id holding the epic key), ``time_in_status_field`` (default
``customfield_12310222``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from orgflow.config import Config, Workflow, status_key
from orgflow.errors import InputError
from orgflow.model.record import Record
from orgflow.model.work import (
    BlockedInterval,
    ItemLink,
    Release,
    ReportedStatusTime,
    StatusTransition,
    WorkItem,
)
from orgflow.sources import ProgressCallback
from orgflow.sources.files import collector_paused, expand_paths, iter_json_records, parse_instant, quote
from orgflow.sources.jira_columns import IssueColumns
from orgflow.store import ImportBatch

TIME_IN_STATUS_FIELD = "customfield_12310222"
KNOWN_STATUS_IDS = {
    "1": "Open",
    "3": "In Progress",
    "4": "Reopened",
    "5": "Resolved",
    "6": "Closed",
    "10002": "Patch Available",
}
"""Jira's built-in status ids (plus Apache's Patch Available), for decoding Time in Status."""

INFERRED_INITIAL_STATUS = "Open"
_SUFFIXES = (".json", ".jsonl", ".json.gz", ".jsonl.gz")
_OPTIONS = ("strict_statuses", "source", "epic_field", "time_in_status_field")
_PROGRESS_EVERY = 500
_ENTRY_SEPARATOR = "_*|*_"
_PART_SEPARATOR = "_*:*_"
_TIME_IN_STATUS_HINT = "entries look like statusId_*:*_timesEntered_*:*_millis, joined by _*|*_"
_STATUS_HINT = "add it to a workflow in orgflow.yaml"


def load(
    paths: list[Path],
    *,
    config: Config,
    options: dict[str, Any],
    on_progress: ProgressCallback | None = None,
) -> ImportBatch:
    """An import batch of every issue in the saved Jira exports at `paths`.

    Args:
        paths: files (``.json``, ``.jsonl``, optionally ``.gz``) or folders searched for them.
        config: the workspace config (teams, workflows).
        options: ``strict_statuses``, ``source``, ``epic_field``, ``time_in_status_field``.
        on_progress: called as ``(done, total or None, "issues")`` every 500 issues and at the end.

    Raises:
        InputError: a missing path, unreadable JSON, an unreadable field or an unknown option.
    """
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise InputError(
            f"unknown jira option {quote(unknown[0])}", field=unknown[0], hint=f"known: {', '.join(_OPTIONS)}"
        )
    source = _text_option(options, "source", "jira")
    epic_field = _text_option(options, "epic_field", None)
    time_in_status_field = _text_option(options, "time_in_status_field", TIME_IN_STATUS_FIELD)
    strict_statuses = _flag_option(options, "strict_statuses")
    batch = ImportBatch(source=source, kind="jira", origin=", ".join(str(path) for path in paths))
    # Issues are gathered column by column; one the column-wise reader does not read itself (a
    # changelog, or anything parse_issue would reject) goes through parse_issue, in file order.
    columns = IssueColumns(
        config=config,
        source=source,
        strict_statuses=strict_statuses,
        epic_field=epic_field,
        time_in_status_field=time_in_status_field,
        known_status_ids=KNOWN_STATUS_IDS,
        inferred_initial_status=INFERRED_INITIAL_STATUS,
        categories_of=_categories,
    )
    done = 0
    with collector_paused():
        for path in expand_paths(paths, suffixes=_SUFFIXES):
            for raw in iter_json_records(path, list_keys=("issues",)):
                if not columns.add(raw.data):
                    columns.add_records(
                        parse_issue(
                            raw.data,
                            config=config,
                            source=source,
                            file=raw.file,
                            record=raw.position,
                            strict_statuses=strict_statuses,
                            epic_field=epic_field,
                            time_in_status_field=time_in_status_field,
                        )
                    )
                done += 1
                if on_progress is not None and done % _PROGRESS_EVERY == 0:
                    on_progress(done, None, "issues")
    batch.records.update(columns.record_tables())  # type: ignore[arg-type]
    if on_progress is not None:
        on_progress(done, done, "issues")
    return batch


def parse_issue(
    raw: dict[str, Any],
    *,
    config: Config,
    source: str = "jira",
    file: str = "-",
    record: str = "-",
    strict_statuses: bool = False,
    epic_field: str | None = None,
    time_in_status_field: str = TIME_IN_STATUS_FIELD,
) -> list[Record]:
    """The canonical records of one raw Jira issue: its work item, then transitions, blocked
    intervals, links, reported status times and releases.

    Args:
        raw: one issue object as the REST API returns it.
        config: the workspace config (team of a project, workflow of an item).
        source: the source name the records carry.
        file, record: where the issue came from, for error messages (the issue key replaces `record`
            once it is known).
        strict_statuses: reject a status that no stage of the item's workflow lists.
        epic_field: a custom field id whose string value is the key of the item's epic.
        time_in_status_field: the field holding Jira's "Time in Status" string.

    Raises:
        InputError: a missing or unreadable field, naming it.
    """
    where = _Where(file, record)
    if not isinstance(raw, dict):
        where.fail(f"expected a JSON object, found {type(raw).__name__}", None)
    key = raw.get("key")
    if not isinstance(key, str) or not key.strip():
        where.fail("missing issue key" if key is None else f"not an issue key ({quote(key)})", "key")
    where.record = f"issue {key}"
    fields = raw.get("fields")
    if not isinstance(fields, dict):
        where.fail(
            "missing fields" if fields is None else f"not an object ({type(fields).__name__})",
            "fields",
            hint="save issues as /rest/api/2/issue or /search returns them",
        )

    project_object = where.mapping(fields.get("project"), "fields.project")
    project = key.partition("-")[0]
    if project_object is not None and project_object.get("key") is not None:
        project = where.text(project_object.get("key"), "fields.project.key")
    status_object = where.mapping(fields.get("status"), "fields.status", required=True)
    status = where.text(status_object.get("name"), "fields.status.name", required=True)
    created_at = where.instant(fields.get("created"), "fields.created", required=True)
    resolved_at = where.instant(fields.get("resolutiondate"), "fields.resolutiondate")
    parent = where.mapping(fields.get("parent"), "fields.parent")
    workflow = config.workflow_for(source, project)
    categories = _categories(workflow)
    if strict_statuses:
        _check_status(status, categories, where, "fields.status.name")

    status_names = dict(KNOWN_STATUS_IDS)
    if status_object.get("id") is not None:
        status_names[str(status_object["id"])] = status
    changes, flags = _read_changelog(raw.get("changelog"), where, status_names)
    if strict_statuses:
        for change in changes:
            for value, field in ((change.from_status, change.from_field), (change.to_status, change.field)):
                if value is not None:
                    _check_status(value, categories, where, field)

    item = WorkItem(
        source=source,
        source_id=key,
        project=project,
        team_id=config.team_of_project(project),
        title=where.text(fields.get("summary"), "fields.summary") or "",
        item_type=where.name(fields.get("issuetype"), "fields.issuetype", required=True),
        created_at=created_at,
        status=status,
        resolved_at=resolved_at,
        resolution=where.name(fields.get("resolution"), "fields.resolution"),
        priority=where.name(fields.get("priority"), "fields.priority"),
        parent_id=where.text(parent.get("key"), "fields.parent.key") if parent is not None else None,
        epic_id=_epic_of(fields, parent, epic_field, where),
        assignee=where.user(fields.get("assignee"), "fields.assignee"),
        reporter=where.user(fields.get("reporter"), "fields.reporter"),
        components=where.names(fields.get("components"), "fields.components"),
        labels=where.texts(fields.get("labels"), "fields.labels"),
        fix_versions=where.names(fields.get("fixVersions"), "fields.fixVersions"),
        updated_at=where.instant(fields.get("updated"), "fields.updated"),
        url=where.text(raw.get("self"), "self"),
        history="changelog" if changes else "inferred",
    )
    records: list[Record] = [item]
    records.extend(_transitions(item, changes, categories))
    records.extend(_blocked_intervals(source, key, flags))
    records.extend(_links(source, key, fields.get("issuelinks"), where))
    records.extend(
        _reported_times(source, key, fields.get(time_in_status_field), time_in_status_field, status_names, where)
    )
    records.extend(_releases(source, project, fields.get("fixVersions"), where))
    return records


class _Where:
    """Where an issue came from, and typed readers of its fields that fail with an InputError."""

    __slots__ = ("file", "record")

    def __init__(self, file: str, record: str) -> None:
        self.file = file
        self.record = record

    def fail(self, message: str, field: str | None, *, hint: str | None = None) -> NoReturn:
        raise InputError(message, file=self.file, record=self.record, field=field, hint=hint)

    def mapping(self, value: object, field: str, *, required: bool = False) -> dict[str, Any] | None:
        if value is None:
            return self.fail("missing", field) if required else None
        if not isinstance(value, dict):
            self.fail(f"not an object ({quote(value)})", field)
        return value

    def text(self, value: object, field: str, *, required: bool = False) -> str | None:
        if value is None:
            return self.fail("missing", field) if required else None
        if not isinstance(value, str):
            self.fail(f"not a string ({quote(value)})", field)
        return value

    def name(self, value: object, field: str, *, required: bool = False) -> str | None:
        """The ``name`` of a named Jira object (status, priority, issue type, version)."""
        found = self.mapping(value, field, required=required)
        return None if found is None else self.text(found.get("name"), f"{field}.name", required=required)

    def user(self, value: object, field: str) -> str | None:
        found = self.mapping(value, field)
        if found is None:
            return None
        return self.text(found.get("displayName") or found.get("name"), f"{field}.displayName")

    def array(self, value: object, field: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(f"not a list ({quote(value)})", field)
        return value

    def names(self, value: object, field: str) -> tuple[str, ...]:
        return tuple(
            self.name(element, f"{field}[{index}]", required=True)
            for index, element in enumerate(self.array(value, field))
        )

    def texts(self, value: object, field: str) -> tuple[str, ...]:
        return tuple(
            self.text(element, f"{field}[{index}]", required=True)
            for index, element in enumerate(self.array(value, field))
        )

    def instant(self, value: object, field: str, *, required: bool = False) -> datetime | None:
        return parse_instant(value, file=self.file, record=self.record, field=field, required=required)


class _StatusChange:
    __slots__ = ("author", "changed_at", "field", "from_field", "from_status", "to_status")

    def __init__(
        self, changed_at: datetime, from_status: str | None, to_status: str, author: str | None, field: str
    ) -> None:
        self.changed_at = changed_at
        self.from_status = from_status
        self.to_status = to_status
        self.author = author
        self.field = field
        self.from_field = field.removesuffix("toString") + "fromString"


def _read_changelog(
    changelog: object, where: _Where, status_names: dict[str, str]
) -> tuple[list[_StatusChange], list[tuple[datetime, bool]]]:
    """Status changes and Flagged changes (instant, flagged after it) in time order.

    Learns status id -> name pairs from status items into `status_names`.
    """
    found = where.mapping(changelog, "changelog")
    if found is None:
        return [], []
    histories = []
    for index, history in enumerate(where.array(found.get("histories"), "changelog.histories")):
        field = f"changelog.histories[{index}]"
        history = where.mapping(history, field, required=True)
        created = where.instant(history.get("created"), f"{field}.created", required=True)
        history_id = history.get("id")
        id_order = (0, int(history_id), "") if str(history_id).isdigit() else (1, 0, str(history_id))
        histories.append((created, id_order, index, history))
    histories.sort(key=lambda entry: entry[:3])
    changes: list[_StatusChange] = []
    flags: list[tuple[datetime, bool]] = []
    for created, _, index, history in histories:
        author = where.user(history.get("author"), f"changelog.histories[{index}].author")
        items = where.array(history.get("items"), f"changelog.histories[{index}].items")
        for position, item in enumerate(items):
            field = f"changelog.histories[{index}].items[{position}]"
            item = where.mapping(item, field, required=True)
            name = item.get("field")
            if name == "status":
                to_status = where.text(item.get("toString"), f"{field}.toString", required=True)
                from_status = where.text(item.get("fromString"), f"{field}.fromString")
                for id_key, status in (("from", from_status), ("to", to_status)):
                    if status is not None and isinstance(item.get(id_key), str | int):
                        status_names.setdefault(str(item[id_key]), status)
                changes.append(_StatusChange(created, from_status, to_status, author, f"{field}.toString"))
            elif name == "Flagged":
                flagged = where.text(item.get("toString"), f"{field}.toString")
                flags.append((created, bool(flagged and flagged.strip())))
    return changes, flags


def _transitions(item: WorkItem, changes: list[_StatusChange], categories: dict[str, str]) -> list[StatusTransition]:
    source, key = item.source, item.source_id
    if changes:
        initial = changes[0].from_status or item.status
        rows = [StatusTransition(source, key, 0, item.created_at, None, initial)]
        rows.extend(
            StatusTransition(source, key, seq, change.changed_at, change.from_status, change.to_status, change.author)
            for seq, change in enumerate(changes, start=1)
        )
        return rows
    finished = categories.get(status_key(item.status)) in ("done", "cancelled")
    if item.resolved_at is not None and finished:
        return [
            StatusTransition(source, key, 0, item.created_at, None, INFERRED_INITIAL_STATUS),
            StatusTransition(source, key, 1, item.resolved_at, INFERRED_INITIAL_STATUS, item.status),
        ]
    return [StatusTransition(source, key, 0, item.created_at, None, item.status)]


def _blocked_intervals(source: str, key: str, flags: list[tuple[datetime, bool]]) -> list[BlockedInterval]:
    intervals: list[BlockedInterval] = []
    started_at: datetime | None = None
    for changed_at, flagged in flags:
        if flagged and started_at is None:
            started_at = changed_at
        elif not flagged and started_at is not None:
            intervals.append(BlockedInterval(source, key, len(intervals), started_at, changed_at))
            started_at = None
    if started_at is not None:
        intervals.append(BlockedInterval(source, key, len(intervals), started_at, None))
    return intervals


def _links(source: str, key: str, issuelinks: object, where: _Where) -> list[ItemLink]:
    links: list[ItemLink] = []
    for index, link in enumerate(where.array(issuelinks, "fields.issuelinks")):
        field = f"fields.issuelinks[{index}]"
        link = where.mapping(link, field, required=True)
        link_type = where.mapping(link.get("type"), f"{field}.type", required=True)
        name = where.text(link_type.get("name"), f"{field}.type.name") or ""
        outward_issue = where.mapping(link.get("outwardIssue"), f"{field}.outwardIssue")
        inward_issue = where.mapping(link.get("inwardIssue"), f"{field}.inwardIssue")
        if outward_issue is not None:
            target = where.text(outward_issue.get("key"), f"{field}.outwardIssue.key", required=True)
            phrase = where.text(link_type.get("outward"), f"{field}.type.outward")
        elif inward_issue is not None:
            target = where.text(inward_issue.get("key"), f"{field}.inwardIssue.key", required=True)
            phrase = where.text(link_type.get("inward"), f"{field}.type.inward")
        else:
            where.fail("a link needs an outwardIssue or an inwardIssue", field)
        outward_text = where.text(link_type.get("outward"), f"{field}.type.outward") or ""
        if name.casefold() in ("blocker", "blocks") or "blocks" in outward_text.casefold():
            kind = "blocks" if outward_issue is not None else "blocked_by"
        else:
            kind = "_".join((phrase or name).casefold().split()) or "link"
        links.append(ItemLink(source, key, kind, target, name or None))
    return links


def _reported_times(
    source: str,
    key: str,
    value: object,
    field_id: str,
    status_names: dict[str, str],
    where: _Where,
) -> list[ReportedStatusTime]:
    field = f"fields.{field_id}"
    text = where.text(value, field)
    if not text:
        return []
    totals: dict[str, list[int]] = {}
    for entry in text.split(_ENTRY_SEPARATOR):
        parts = entry.split(_PART_SEPARATOR)
        if len(parts) != 3 or not parts[0].strip() or not parts[1].isdigit() or not parts[2].isdigit():
            where.fail(f"not a Time in Status entry ({quote(entry)})", field, hint=_TIME_IN_STATUS_HINT)
        # A status listed twice (never seen in Apache's data) adds up, like re-entries do.
        total = totals.setdefault(parts[0].strip(), [0, 0])
        total[0] += int(parts[1])
        total[1] += int(parts[2])
    return [
        ReportedStatusTime(source, key, status_id, status_names.get(status_id), times, millis / 1000)
        for status_id, (times, millis) in totals.items()
    ]


def _releases(source: str, project: str, versions: object, where: _Where) -> list[Release]:
    releases: list[Release] = []
    for index, version in enumerate(where.array(versions, "fields.fixVersions")):
        field = f"fields.fixVersions[{index}]"
        version = where.mapping(version, field, required=True)
        release_date = where.instant(version.get("releaseDate"), f"{field}.releaseDate")
        if release_date is None:
            continue
        name = where.text(version.get("name"), f"{field}.name", required=True)
        released = version.get("released")
        if not isinstance(released, bool | None):
            where.fail(f"not true or false ({quote(released)})", f"{field}.released")
        releases.append(Release(source, f"{project}:{name}", project, name, bool(released), release_date))
    return releases


def _epic_of(
    fields: dict[str, Any], parent: dict[str, Any] | None, epic_field: str | None, where: _Where
) -> str | None:
    """The epic key: from the configured epic field, else the parent when the parent is an Epic."""
    if epic_field is not None:
        epic = where.text(fields.get(epic_field), f"fields.{epic_field}")
        if epic:
            return epic
    if parent is None:
        return None
    parent_fields = where.mapping(parent.get("fields"), "fields.parent.fields")
    if parent_fields is None:
        return None
    parent_type = where.name(parent_fields.get("issuetype"), "fields.parent.fields.issuetype")
    if parent_type is not None and status_key(parent_type) == "epic":
        return where.text(parent.get("key"), "fields.parent.key")
    return None


_CATEGORY_CACHE: dict[int, tuple[Workflow, dict[str, str]]] = {}


def _categories(workflow: Workflow) -> dict[str, str]:
    """status_key(status) -> category of the stage listing it, built once per workflow object."""
    cached = _CATEGORY_CACHE.get(id(workflow))
    if cached is not None and cached[0] is workflow:
        return cached[1]
    mapping = {status_key(status): stage.category for stage in workflow.stages for status in stage.statuses}
    _CATEGORY_CACHE[id(workflow)] = (workflow, mapping)
    return mapping


def _check_status(status: str, categories: dict[str, str], where: _Where, field: str) -> None:
    if status_key(status) not in categories:
        where.fail(f"unknown status {quote(status)}", field, hint=_STATUS_HINT)


def _text_option(options: dict[str, Any], name: str, default: str | None) -> Any:
    value = options.get(name, default)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InputError(f"option {name} must be a non-empty string ({quote(value)})", field=name)
    return value


def _flag_option(options: dict[str, Any], name: str) -> bool:
    value = options.get(name, False)
    if isinstance(value, str) and value.strip().casefold() in ("true", "yes", "1", "false", "no", "0", ""):
        return value.strip().casefold() in ("true", "yes", "1")
    if not isinstance(value, bool):
        raise InputError(f"option {name} must be true or false ({quote(value)})", field=name)
    return value
