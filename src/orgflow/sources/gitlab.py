"""GitLab REST v4 objects to canonical records: issues with resource events, merge requests, deployments.

Pure parsers (one raw object in, records out) shared by the live connector and the file importer.

Issues: GitLab has no status field either. The status at each instant is replayed from the issue's
``resource_state_events`` (``closed``, ``reopened``) and ``resource_label_events`` (``add``,
``remove``), which the connector embeds in the issue under those keys (a saved export may too):
closed gives "Closed"; else a scoped label ``workflow::X`` or ``status::X`` gives X; else the first
current label that `config.github.status_labels` lists (the label mapping is shared with GitHub);
else "Open". Events at one instant apply together; events at or before ``created_at`` shape the
first status; a closed issue whose events end open is closed at ``closed_at``. A ``blocked`` label
gives blocked intervals (reason "label"). Item ids are ``<project path>#<iid>``.

Merge requests become pull requests ``<project path>!<iid>``; deployments with a final status
(success, failed) become deployments ``<project path>/<id>`` finished at the deployable job's
``finished_at`` (else the deployment's ``updated_at``); running, created and canceled ones are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from itertools import groupby
from pathlib import Path
from typing import Any

from orgflow.config import Config, status_key
from orgflow.errors import InputError
from orgflow.model.code import PullRequest
from orgflow.model.delivery import Deployment
from orgflow.model.record import Record
from orgflow.model.work import BlockedInterval, StatusTransition, WorkItem
from orgflow.sources import ProgressCallback
from orgflow.sources.export_kinds import json_type, number_error
from orgflow.sources.files import expand_paths, iter_json_records, parse_instant, text_value
from orgflow.store import ImportBatch

SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
OPEN = "Open"
CLOSED = "Closed"
BLOCKED_LABEL = "blocked"
SCOPED_STATUS = ("workflow", "status")
FINAL_DEPLOYMENTS = {"success": "success", "failed": "failure"}
_WANTED = "GitLab issues, merge requests or deployments"


def load(
    paths: list[Path],
    *,
    config: Config,
    options: dict[str, Any],
    on_progress: ProgressCallback | None = None,
) -> ImportBatch:
    """Saved GitLab issues, merge requests and deployments (recognized by shape) in one batch.

    Options: ``source`` (default "gitlab"); ``project`` (the project path; default: from each
    object's ``references.full`` or ``web_url``).

    Raises:
        InputError: unreadable JSON, an object of unknown shape, or a bad field.
    """
    source = str(options.get("source") or "gitlab")
    batch = ImportBatch(source=source, kind="gitlab", origin=", ".join(str(path) for path in paths))
    files = expand_paths(paths, suffixes=SUFFIXES)
    for done, path in enumerate(files, start=1):
        for raw in iter_json_records(path, list_keys=("issues", "merge_requests", "deployments")):
            project = str(options.get("project") or project_of(raw.data) or path.name.split(".")[0])
            kind = object_kind(raw.data)
            if kind == "merge_request":
                batch.add(
                    parse_merge_request(raw.data, project=project, source=source, file=raw.file, record=raw.position)
                )
            elif kind == "deployment":
                deployment = parse_deployment(
                    raw.data, project=project, source=source, file=raw.file, record=raw.position
                )
                if deployment is not None:
                    batch.add(deployment)
            else:
                batch.extend(
                    parse_issue(
                        raw.data, config=config, project=project, source=source, file=raw.file, record=raw.position
                    )
                )
        if on_progress is not None:
            on_progress(done, len(files), path.name)
    return batch


def object_kind(raw: Mapping[str, Any]) -> str:
    """``merge_request``, ``deployment`` or ``issue``, by the object's shape."""
    if "source_branch" in raw or "merge_status" in raw:
        return "merge_request"
    if "environment" in raw and ("sha" in raw or "deployable" in raw):
        return "deployment"
    return "issue"


def project_of(raw: Mapping[str, Any]) -> str | None:
    """The project path from ``references.full`` (``group/app#12``) or ``web_url`` (``.../group/app/-/...``)."""
    references = raw.get("references")
    if isinstance(references, Mapping) and isinstance(references.get("full"), str):
        full = references["full"]
        for marker in ("#", "!"):
            if marker in full:
                return full.rsplit(marker, 1)[0]
    url = raw.get("web_url")
    if isinstance(url, str) and "/-/" in url:
        return url.split("://", 1)[-1].split("/", 1)[-1].split("/-/", 1)[0]
    return None


def parse_issue(
    raw: Mapping[str, Any], *, config: Config, project: str, source: str = "gitlab", file: str = "-", record: str = "-"
) -> list[Record]:
    """[WorkItem, StatusTransition..., BlockedInterval...] of one issue with its resource events.

    Raises:
        InputError: a missing iid or created_at, a bad timestamp or a malformed event.
    """
    iid = raw.get("iid")
    if isinstance(iid, bool) or not isinstance(iid, int):
        raise number_error(raw, "iid", what="issue iid", expected="gitlab", wanted=_WANTED, file=file, record=record)
    where = f"{record} (issue #{iid})" if record != "-" else f"issue #{iid}"
    item_id = f"{project}#{iid}"
    created_at = _instant(raw.get("created_at"), file, where, "created_at", required=True)
    closed_at = _instant(raw.get("closed_at"), file, where, "closed_at")
    events = _events(raw, file, where)
    is_closed = raw.get("state") == "closed"
    if is_closed and closed_at is not None and not _ends_closed(events):
        events.append((closed_at, 2, "state", "closed", _user(raw.get("closed_by"))))
        events.sort(key=lambda event: (event[0], event[1]))
    transitions, intervals = _replay(events, config, source, item_id, created_at, _user(raw.get("author")))
    labels = [label for label in _list(raw, "labels", file, where) if isinstance(label, str)]
    item_type = next((label for label in labels if status_key(label) in ("bug", "feature", "enhancement")), None)
    item = WorkItem(
        source=source,
        source_id=item_id,
        project=project,
        team_id=config.team_of_project(project),
        title=_text(raw, "title", file, where) or "",
        item_type=item_type or (_text(raw, "issue_type", file, where) or "issue").replace("_", " ").title(),
        created_at=created_at,
        status=transitions[-1].to_status,
        resolved_at=closed_at if is_closed else None,
        assignee=_user(raw.get("assignee"))
        or next(filter(None, map(_user, _list(raw, "assignees", file, where))), None),
        reporter=_user(raw.get("author")),
        labels=tuple(labels),
        updated_at=_instant(raw.get("updated_at"), file, where, "updated_at"),
        url=_text(raw, "web_url", file, where),
        history="events",
    )
    return [item, *transitions, *intervals]


# An event: (instant, order at that instant, kind "state"|"add"|"remove", value, actor).
_Event = tuple[datetime, int, str, str, str | None]


def _events(raw: Mapping[str, Any], file: str, where: str) -> list[_Event]:
    events: list[_Event] = []
    for key in ("resource_state_events", "resource_label_events"):
        listed = raw.get(key) or []
        if not isinstance(listed, list):
            raise InputError("expected a list of events", file=file, record=where, field=key)
        for index, event in enumerate(listed):
            field = f"{key}[{index}]"
            if not isinstance(event, Mapping):
                raise InputError("expected an event object", file=file, record=where, field=field)
            at = _instant(event.get("created_at"), file, where, f"{field}.created_at", required=True)
            actor = _user(event.get("user"))
            if key == "resource_state_events":
                state = event.get("state")
                if state in ("closed", "reopened"):
                    events.append((at, 2, "state", str(state), actor))
                continue
            label = event.get("label")
            name = label.get("name") if isinstance(label, Mapping) else None
            action = event.get("action")
            if action not in ("add", "remove") or not isinstance(name, str):
                raise InputError(
                    "a label event needs action add|remove and label.name", file=file, record=where, field=field
                )
            # Removes before adds at one instant: a scoped label swap ends with the new label.
            events.append((at, 0 if action == "remove" else 1, action, name, actor))
    events.sort(key=lambda event: (event[0], event[1]))
    return events


def _replay(
    events: list[_Event], config: Config, source: str, item_id: str, created_at: datetime, creator: str | None
) -> tuple[list[StatusTransition], list[BlockedInterval]]:
    status_labels = {status_key(str(label)) for label in config.github.status_labels}
    closed = False
    labels: dict[str, str] = {}

    def apply(event: _Event) -> None:
        nonlocal closed
        _, _, kind, value, _ = event
        if kind == "state":
            closed = value == "closed"
        elif kind == "add":
            labels.setdefault(status_key(value), value)
        else:
            labels.pop(status_key(value), None)

    def status() -> str:
        if closed:
            return CLOSED
        for name in reversed(labels.values()):
            scope, separator, value = name.partition("::")
            if separator and status_key(scope) in SCOPED_STATUS:
                return value
        return next((name for key, name in labels.items() if key in status_labels), OPEN)

    groups = [(instant, list(group)) for instant, group in groupby(events, key=lambda event: event[0])]
    position = 0
    while position < len(groups) and groups[position][0] <= created_at:
        for event in groups[position][1]:
            apply(event)
        position += 1
    current = status()
    transitions = [StatusTransition(source, item_id, 0, created_at, None, current, creator)]
    intervals: list[BlockedInterval] = []
    blocked_since = created_at if BLOCKED_LABEL in labels else None
    for instant, group in groups[position:]:
        for event in group:
            apply(event)
        new = status()
        if new != current:
            transitions.append(StatusTransition(source, item_id, len(transitions), instant, current, new, group[-1][4]))
            current = new
        if BLOCKED_LABEL in labels and blocked_since is None:
            blocked_since = instant
        elif BLOCKED_LABEL not in labels and blocked_since is not None:
            intervals.append(BlockedInterval(source, item_id, len(intervals), blocked_since, instant, "label"))
            blocked_since = None
    if blocked_since is not None:
        intervals.append(BlockedInterval(source, item_id, len(intervals), blocked_since, None, "label"))
    return transitions, intervals


def _ends_closed(events: list[_Event]) -> bool:
    states = [event[3] for event in events if event[2] == "state"]
    return bool(states) and states[-1] == "closed"


def parse_merge_request(
    raw: Mapping[str, Any], *, project: str, source: str = "gitlab", file: str = "-", record: str = "-"
) -> PullRequest:
    """The pull request of one merge request object.

    Raises:
        InputError: a missing iid or created_at, or a bad timestamp.
    """
    iid = raw.get("iid")
    if isinstance(iid, bool) or not isinstance(iid, int):
        raise number_error(
            raw, "iid", what="merge request iid", expected="gitlab", wanted=_WANTED, file=file, record=record
        )
    where = f"{record} (merge request !{iid})" if record != "-" else f"merge request !{iid}"
    return PullRequest(
        source=source,
        source_id=f"{project}!{iid}",
        repo=project,
        number=iid,
        title=_text(raw, "title", file, where) or "",
        author=_user(raw.get("author")),
        created_at=_instant(raw.get("created_at"), file, where, "created_at", required=True),
        merged_at=_instant(raw.get("merged_at"), file, where, "merged_at"),
        closed_at=_instant(raw.get("closed_at"), file, where, "closed_at"),
        merge_commit=_text(raw, "merge_commit_sha", file, where) or _text(raw, "squash_commit_sha", file, where),
    )


def parse_deployment(
    raw: Mapping[str, Any], *, project: str, source: str = "gitlab", file: str = "-", record: str = "-"
) -> Deployment | None:
    """The deployment of one deployment object, or None when it has no final status (see module doc).

    Raises:
        InputError: a missing id, sha or environment, or a bad timestamp.
    """
    status = FINAL_DEPLOYMENTS.get(str(raw.get("status")))
    if status is None:
        return None
    identifier = raw.get("id")
    if isinstance(identifier, bool) or not isinstance(identifier, int | str):
        what = (
            "no deployment id"
            if identifier is None
            else f"the deployment id must be text or a number, not {json_type(identifier)}"
        )
        raise InputError(what, file=file, record=record, field="id")
    where = f"{record} (deployment {identifier})" if record != "-" else f"deployment {identifier}"
    environment = raw.get("environment")
    name = environment.get("name") if isinstance(environment, Mapping) else environment
    if identifier is None or not isinstance(raw.get("sha"), str) or not isinstance(name, str):
        raise InputError("a deployment needs id, sha and environment.name", file=file, record=where)
    deployable = raw.get("deployable") if isinstance(raw.get("deployable"), Mapping) else {}
    finished = deployable.get("finished_at") or raw.get("finished_at")
    basis = "deployable finished_at" if finished else "deployment updated_at"
    finished_at = _instant(finished or raw.get("updated_at"), file, where, "deployable.finished_at", required=True)
    assert finished_at is not None
    return Deployment(
        source=source,
        source_id=f"{project}/{identifier}",
        service=project.rsplit("/", 1)[-1],
        environment=name,
        revision=raw["sha"],
        finished_at=finished_at,
        started_at=_instant(deployable.get("started_at") or raw.get("created_at"), file, where, "created_at"),
        status=status,
        time_basis=basis,
    )


def _instant(value: object, file: str, record: str, field: str, *, required: bool = False) -> datetime | None:
    return parse_instant(value, file=file, record=record, field=field, required=required)


def _text(raw: Mapping[str, Any], key: str, file: str, record: str) -> str | None:
    """A text field (None when missing); another type there is an error naming the field."""
    return text_value(raw.get(key), file=file, record=record, field=key)


def _list(raw: Mapping[str, Any], key: str, file: str, record: str) -> list[Any]:
    """A list field ([] when missing); another type there is an error naming the field."""
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"not a list ({type(value).__name__})", file=file, record=record, field=key)
    return value


def _user(value: object) -> str | None:
    if isinstance(value, Mapping):
        name = value.get("username") or value.get("name")
        return name if isinstance(name, str) and name else None
    return None
