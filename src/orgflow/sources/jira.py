"""Jira REST issues (``/rest/api/2/issue`` or ``/search`` JSON, saved to files) to canonical records.

`load` reads saved exports: ``.json`` (one issue, a list of issues, or a search response with an
``issues`` list), ``.jsonl`` (one of those per line), either gzipped, or folders holding them.
`parse_issue` turns one raw issue into a work item and its history; a live connector reuses it. `stage`
is `load` with the records built in the store's own connection where `orgflow.sources.jira_staged`
vouches for the export (`load` is its definition, and its fallback).

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

from pathlib import Path
from typing import Any

from orgflow.config import Config, Workflow, status_key
from orgflow.errors import InputError
from orgflow.model.record import Record
from orgflow.model.work import WorkItem
from orgflow.sources import ProgressCallback
from orgflow.sources.export_kinds import wrong_export
from orgflow.sources.files import collector_paused, expand_paths, quote
from orgflow.sources.jira_fields import Where, epic_of, links, releases
from orgflow.sources.jira_history import (
    INFERRED_INITIAL_STATUS,
    blocked_intervals,
    read_changelog,
    reported_times,
    transitions,
)
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

_SUFFIXES = (".json", ".jsonl", ".json.gz", ".jsonl.gz")
_OPTIONS = ("strict_statuses", "source", "epic_field", "time_in_status_field")
_PROGRESS_EVERY = 500
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
    # The row-by-row reader's modules load when it runs (an import the store builds itself needs neither).
    from orgflow.sources.jira_columns import IssueColumns
    from orgflow.sources.jira_lines import PARTIAL_FIELDS, IssueLines

    source, epic_field, time_in_status_field, strict_statuses = _read_options(options)
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
    # Lines are decoded into the fields the column-wise reader reads (`jira_lines`); an issue it
    # declines is read whole, and goes to parse_issue if the column-wise reader declines it again.
    partial_fields = (*PARTIAL_FIELDS, time_in_status_field, *([epic_field] if epic_field else []))
    with collector_paused():
        for path in expand_paths(paths, suffixes=_SUFFIXES):
            lines = IssueLines(path, partial_fields)
            for issue in lines:
                if issue.partial is not None:
                    if columns.add(issue.partial):
                        done += 1
                        if on_progress is not None and done % _PROGRESS_EVERY == 0:
                            on_progress(done, None, "issues")
                        continue
                    lines.declined()
                for raw in issue.records():
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


def stage(
    paths: list[Path],
    *,
    config: Config,
    options: dict[str, Any],
    on_progress: ProgressCallback | None = None,
) -> ImportBatch:
    """`load`, with the reading declared for the store to run in its own connection
    (`ImportBatch.staged`, `orgflow.sources.jira_staged`): the same records or the same error, when the
    batch is written. The options' own errors and a missing path are raised here, as `load` raises them."""
    from orgflow.sources import require_records
    from orgflow.sources.jira_staged import staged_records

    source, epic_field, time_in_status_field, strict_statuses = _read_options(options)
    files = expand_paths(paths, suffixes=_SUFFIXES)
    batch = ImportBatch(source=source, kind="jira", origin=", ".join(str(path) for path in paths))
    batch.staged = staged_records(
        files,
        config=config,
        source=source,
        strict=strict_statuses,
        epic_field=epic_field,
        time_in_status_field=time_in_status_field,
        known_status_ids=KNOWN_STATUS_IDS,
        inferred_initial_status=INFERRED_INITIAL_STATUS,
        categories_of=_categories,
        on_progress=on_progress,
        fallback=lambda: require_records(load(paths, config=config, options=options, on_progress=on_progress), paths),
    )
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
    where = Where(file, record)
    if not isinstance(raw, dict):
        where.fail(f"expected a JSON object, found {type(raw).__name__}", None)
    key = raw.get("key")
    if not isinstance(key, str) or not key.strip():
        problem = "missing issue key" if key is None else f"not an issue key ({quote(key)})"
        other = wrong_export(raw, expected="jira", wanted="Jira issues", file=None if file == "-" else file)
        if other is not None:
            where.fail(f"{problem}: {other[0]}", "key", hint=other[1])
        where.fail(problem, "key")
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
    changes, flags = read_changelog(raw.get("changelog"), where, status_names)
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
        epic_id=epic_of(fields, parent, epic_field, where),
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
    records.extend(transitions(item, changes, categories))
    records.extend(blocked_intervals(source, key, flags))
    records.extend(links(source, key, fields.get("issuelinks"), where))
    records.extend(
        reported_times(source, key, fields.get(time_in_status_field), time_in_status_field, status_names, where)
    )
    records.extend(releases(source, project, fields.get("fixVersions"), where))
    return records


_CATEGORY_CACHE: dict[int, tuple[Workflow, dict[str, str]]] = {}


def _categories(workflow: Workflow) -> dict[str, str]:
    """status_key(status) -> category of the stage listing it, built once per workflow object."""
    cached = _CATEGORY_CACHE.get(id(workflow))
    if cached is not None and cached[0] is workflow:
        return cached[1]
    mapping = {status_key(status): stage.category for stage in workflow.stages for status in stage.statuses}
    _CATEGORY_CACHE[id(workflow)] = (workflow, mapping)
    return mapping


def _check_status(status: str, categories: dict[str, str], where: Where, field: str) -> None:
    if status_key(status) not in categories:
        where.fail(f"unknown status {quote(status)}", field, hint=_STATUS_HINT)


def _read_options(options: dict[str, Any]) -> tuple[str, str | None, str, bool]:
    """(source, epic_field, time_in_status_field, strict_statuses) of the import's options.

    Raises:
        InputError: an unknown option, or a value of the wrong type.
    """
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise InputError(
            f"unknown jira option {quote(unknown[0])}", field=unknown[0], hint=f"known: {', '.join(_OPTIONS)}"
        )
    source = _text_option(options, "source", "jira")
    epic_field = _text_option(options, "epic_field", None)
    time_in_status_field = _text_option(options, "time_in_status_field", TIME_IN_STATUS_FIELD)
    return source, epic_field, time_in_status_field, _flag_option(options, "strict_statuses")


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
