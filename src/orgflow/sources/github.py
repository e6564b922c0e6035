"""GitHub issues: REST issue objects with their issue events (``events``) or timeline (``timeline``).

A GitHub issue has no status field, so orgflow replays the issue's events in time order and derives the
status at every moment from what the events set: open or closed, milestone, labels and project column
(see `GithubMapping` in the config). Pull requests are left out; they are not work items.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from orgflow.config import Config, status_key
from orgflow.errors import InputError
from orgflow.model.record import Record
from orgflow.model.work import StatusTransition, WorkItem
from orgflow.sources import ProgressCallback
from orgflow.sources.export_kinds import number_error
from orgflow.sources.files import RawRecord, expand_paths, iter_json_records, parse_instant, quote, text_value
from orgflow.sources.github_events import (
    Event,
    attribute,
    closing_event,
    ends_closed,
    login,
    replay,
    required_instant,
    state_events,
    text_of,
)
from orgflow.store import ImportBatch

SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
ITEM_TYPE_LABELS = ("bug", "enhancement", "feature")
REPO_NAME = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
"""A GitHub repository's full name, ``owner/name``."""

_TEXT_FIELDS = ("title", "state", "state_reason", "html_url")
"""Issue fields read as text: another type there (a list, a number) is an error, not an empty value."""


def load(
    paths: list[Path],
    *,
    config: Config,
    options: dict[str, Any],
    on_progress: ProgressCallback | None = None,
) -> ImportBatch:
    """Read saved GitHub issues (JSON Lines, a JSON list, or a search response) into one batch.

    Args:
        paths: files, or folders searched for ``.json``/``.jsonl`` files (gzip allowed).
        config: the workspace config (status mapping, teams, workflows).
        options: ``source`` (default "github"); ``repo`` ("owner/name"; default: from each issue's
            ``repository_url`` or ``html_url``, else the file name); ``strict_statuses`` (reject a
            status that no stage of the item's workflow lists).
        on_progress: called after each file with (files done, files, file name).

    Returns:
        Work items with their status transitions and blocked intervals. An issue listed twice is
        taken from its last listing.

    Raises:
        InputError: unreadable JSON, a missing or invalid field, or (strict) an unmapped status.
    """
    source = str(options.get("source") or "github")
    repo_option = options.get("repo")
    if repo_option and not REPO_NAME.fullmatch(str(repo_option)):
        raise InputError(
            f"not a repository of the form owner/name ({quote(str(repo_option))})",
            field="repo",
            hint="name the repository with its owner, e.g. --repo webcompat/web-bugs",
        )
    strict = bool(options.get("strict_statuses", False))
    files = expand_paths(paths, suffixes=SUFFIXES)
    by_item: dict[str, list[Record]] = {}
    workflows: dict[str, tuple[str, set[str]]] = {}
    for done, path in enumerate(files, start=1):
        for raw in iter_json_records(path, list_keys=("issues", "items")):
            repo = str(repo_option) if repo_option else _repo_of(raw.data) or _file_stem(path)
            records = parse_issue(raw.data, config=config, repo=repo, source=source, file=raw.file, record=raw.position)
            if not records:
                continue
            if strict:
                _check_statuses(records, config=config, source=source, workflows=workflows, raw=raw)
            item_id = records[0].source_id  # type: ignore[attr-defined]
            # A later listing replaces an earlier one whole, so no stale transition survives.
            by_item.pop(item_id, None)
            by_item[item_id] = records
        if on_progress is not None:
            on_progress(done, len(files), path.name)
    batch = ImportBatch(source=source, kind="github", origin=", ".join(str(path) for path in paths))
    for records in by_item.values():
        batch.extend(records)
    return batch


def parse_issue(
    raw: Mapping[str, Any],
    *,
    config: Config,
    repo: str,
    source: str = "github",
    file: str = "-",
    record: str = "-",
) -> list[Record]:
    """The canonical records of one REST issue: its WorkItem, then transitions and blocked intervals.

    Pure (no I/O), so a live connector can reuse it. The status at each instant is derived from the
    issue's state replayed from its events: closed wins ("Closed", or "Closed (not planned)" when the
    close has state_reason ``not_planned``; the issue's own ``state_reason`` stands for its final
    close); else the first of ``config.github.status_from`` that has a value (project column, milestone
    title, first current status label); else "Open".

    A closed issue's resolution is its ``state_reason``, else the title of the milestone it carries:
    projects such as webcompat close issues into milestones named ``invalid``, ``duplicate`` or
    ``worksforme``, which a workflow's ``cancelled_resolutions`` can then count as cancelled.

    Conventions: events at one instant are applied together (a milestone swap is one move, not two
    with a zero-length step between); events at or before ``created_at`` shape the status the issue
    was created in (seq 0); a transition is written only when the derived status changes. When the
    issue is closed but its events end open (a truncated event list), the close is replayed at
    ``closed_at``. A ``blocked`` label gives blocked intervals (reason "label").

    Args:
        raw: one issue object from the REST API, with ``events`` or ``timeline``.
        config: the workspace config.
        repo: "owner/name", the item's project.
        source: the source name stored with every record.
        file: the file it came from, for error messages.
        record: where in the file (e.g. "line 3"), for error messages.

    Returns:
        [] for a pull request, else [WorkItem, StatusTransition..., BlockedInterval...].

    Raises:
        InputError: a missing number or created_at, a bad timestamp, or a malformed event.
    """
    if "pull_request" in raw:
        return []
    number = raw.get("number")
    if isinstance(number, bool) or not isinstance(number, int):
        raise number_error(
            raw, "number", what="issue number", expected="github", wanted="GitHub issues", file=file, record=record
        )
    where = f"{record} (issue #{number})" if record != "-" else f"issue #{number}"
    item_id = f"{repo}#{number}"
    created_at = required_instant(raw.get("created_at"), file=file, record=where, field="created_at")
    closed_at = parse_instant(raw.get("closed_at"), file=file, record=where, field="closed_at", required=False)
    updated_at = parse_instant(raw.get("updated_at"), file=file, record=where, field="updated_at", required=False)
    for key in _TEXT_FIELDS:
        text_value(raw.get(key), file=file, record=where, field=key)
    is_closed = raw.get("state") == "closed" or (raw.get("state") is None and closed_at is not None)
    state_reason = text_of(raw.get("state_reason")) if is_closed else None
    reporter = login(raw.get("user"))

    events = state_events(raw, file=file, record=where)
    if is_closed and closed_at is not None and not ends_closed(events):
        reopened_at = [event.at for event in events if event.kind == "reopened"]
        events.append(Event(at=max([closed_at, *reopened_at]), kind="closed"))
        events.sort(key=lambda event: event.at)
    final_close = closing_event(events) if is_closed else None

    transitions, intervals = replay(
        events,
        mapping=config.github,
        source=source,
        item_id=item_id,
        created_at=created_at,
        creator=reporter,
        final_close=final_close,
        final_reason=state_reason,
    )
    labels = _label_names(raw.get("labels"))
    item_type = next((label for label in labels if status_key(label) in ITEM_TYPE_LABELS), "Issue")
    item = WorkItem(
        source=source,
        source_id=item_id,
        project=repo,
        team_id=config.team_of_project(repo),
        title=text_of(raw.get("title")) or "",
        item_type=item_type,
        created_at=created_at,
        status=transitions[-1].to_status,
        resolved_at=closed_at if is_closed else None,
        resolution=state_reason or (attribute(raw.get("milestone"), "title") if is_closed else None),
        assignee=login(raw.get("assignee")) or _first_login(raw.get("assignees")),
        reporter=reporter,
        labels=tuple(labels),
        updated_at=updated_at,
        url=text_of(raw.get("html_url")),
        history="events",
    )
    return [item, *transitions, *intervals]


def _check_statuses(
    records: list[Record],
    *,
    config: Config,
    source: str,
    workflows: dict[str, tuple[str, set[str]]],
    raw: RawRecord,
) -> None:
    """Raise on the first status that no stage of the item's workflow lists (strict_statuses)."""
    item = records[0]
    assert isinstance(item, WorkItem)
    if item.project not in workflows:
        workflow = config.workflow_for(source, item.project)
        known = {status_key(status) for stage in workflow.stages for status in stage.statuses}
        workflows[item.project] = (workflow.name, known)
    name, known = workflows[item.project]
    for record in records:
        if isinstance(record, StatusTransition) and status_key(record.to_status) not in known:
            raise InputError(
                f"status {quote(record.to_status)} is in no stage of workflow {quote(name)}",
                file=raw.file,
                record=f"{raw.position} (issue {item.source_id})",
                field="status",
                hint="add it to a stage of that workflow in orgflow.yaml, or import without --strict-statuses",
            )


def _repo_of(raw: Mapping[str, Any]) -> str | None:
    """ "owner/name" from the issue's repository_url (API) or html_url (web), if it has one."""
    api_url = raw.get("repository_url")
    if isinstance(api_url, str) and "/repos/" in api_url:
        parts = [part for part in api_url.split("/repos/", 1)[1].split("/") if part]
        if len(parts) >= 2:
            return f"{parts[0]}/{parts[1]}"
    web_url = raw.get("html_url")
    if isinstance(web_url, str):
        parts = [part for part in urlsplit(web_url).path.split("/") if part]
        if len(parts) >= 4 and parts[-2] in ("issues", "pull"):
            return f"{parts[-4]}/{parts[-3]}"
    return None


def _file_stem(path: Path) -> str:
    name = path.name
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def _first_login(users: object) -> str | None:
    if isinstance(users, list):
        return next((login for login in map(login, users) if login), None)
    return None


def _label_names(labels: object) -> list[str]:
    """Label names of the issue; the API gives objects, some exports plain strings."""
    if not isinstance(labels, list):
        return []
    names = [label if isinstance(label, str) else attribute(label, "name") for label in labels]
    return [name for name in names if name]
