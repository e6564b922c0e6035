"""GitHub delivery records: deployments (with their statuses), releases and pull requests.

Saved REST JSON, as a JSON array, JSON Lines, a folder or gzip. Each object is recognized by its
shape: a release has ``tag_name``; a deployment has ``sha`` and ``environment`` (or ``statuses_url``);
a pull request has ``number`` and ``head``/``merged_at``. Deployment objects may embed the list
fetched from ``/deployments/{id}/statuses`` as ``statuses``; pull requests may embed
``/pulls/{n}/reviews`` as ``reviews`` and ``/pulls/{n}/commits`` as ``commits``. The parsing
functions are pure (one object in, one record out), so a live connector reuses them; pull requests
are parsed in `orgflow.sources.github_pulls`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model.delivery import Deployment
from orgflow.sources import ProgressCallback
from orgflow.sources.files import expand_paths, iter_json_records, parse_instant, text_value
from orgflow.sources.github_pulls import pull_request_from_json
from orgflow.store import ImportBatch

SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
FINAL_STATES = {"success": "success", "failure": "failure", "error": "failure"}
"""Deployment status states that end a deployment, and the status they give it. Other states
(queued, pending, in_progress, inactive) are left out: ``inactive`` is set on an older deployment
when a newer one succeeds, and says nothing about how the older one went."""

BASIS_STATUS = "final status created_at"
BASIS_NO_STATUSES = "deployment created_at (no statuses; assumed success)"
BASIS_RELEASE_TAG = "release published_at (revision: tag_name)"
BASIS_RELEASE_COMMIT = "release published_at (revision: target_commitish)"

_SHA = re.compile(r"[0-9a-f]{40}")


def load(
    paths: list[Path],
    *,
    config: Config,
    options: dict[str, Any],
    on_progress: ProgressCallback | None = None,
) -> ImportBatch:
    """Read saved GitHub deployments, releases and pull requests into one batch.

    Args:
        paths: files, or folders searched for ``.json``/``.jsonl`` files (gzip allowed).
        config: the workspace config (unused; importers share one signature).
        options: ``repo`` ("owner/name"; default: from each object's API URLs), ``service`` (the
            service deployments and releases belong to; default: the repository's name), ``source``
            (default "github"), ``assume_success`` (a deployment saved without ``statuses`` counts as
            a success finished at its created_at; default: such a deployment is an error),
            ``include_prereleases`` (releases marked prerelease count as deployments; default no),
            ``environment`` (the environment of releases; default "production").
        on_progress: called after each file with (files done, files, file name).

    Returns:
        `Deployment` and `PullRequest` records. Deployments with no final status yet and draft
        releases are left out. An object listed twice is taken from its last listing.

    Raises:
        InputError: unreadable JSON, an object of unknown shape, or a missing or invalid field.
    """
    source = str(options.get("source") or "github")
    repo_option = _text(options.get("repo"))
    service_option = _text(options.get("service"))
    assume_success = bool(options.get("assume_success", False))
    include_prereleases = bool(options.get("include_prereleases", False))
    environment = _text(options.get("environment")) or "production"
    files = expand_paths(paths, suffixes=SUFFIXES)
    batch = ImportBatch(source=source, kind="github-delivery", origin=", ".join(str(path) for path in paths))
    for done, path in enumerate(files, start=1):
        for raw in iter_json_records(path, list_keys=("deployments", "releases", "pull_requests", "items")):
            obj, file, record = raw.data, raw.file, raw.position
            kind = object_kind(obj)
            if kind is None:
                raise InputError(
                    "not a GitHub deployment, release or pull request object",
                    file=file,
                    record=record,
                    hint="save the objects of /repos/{owner}/{repo}/deployments, /releases or /pulls",
                )
            repo = repo_option or repo_of(obj)
            if repo is None:
                raise InputError(
                    "cannot tell the repository from the object's URLs", file=file, record=record, hint="pass --repo"
                )
            service = service_option or repo.rsplit("/", 1)[-1]
            if kind == "pull_request":
                batch.add(pull_request_from_json(obj, repo=repo, source=source, file=file, record=record))
                continue
            if kind == "deployment":
                found = deployment_from_json(
                    obj,
                    repo=repo,
                    service=service,
                    source=source,
                    assume_success=assume_success,
                    file=file,
                    record=record,
                )
            else:
                found = release_from_json(
                    obj,
                    repo=repo,
                    service=service,
                    source=source,
                    environment=environment,
                    include_prereleases=include_prereleases,
                    file=file,
                    record=record,
                )
            if found is not None:
                batch.add(found)
        if on_progress is not None:
            on_progress(done, len(files), path.name)
    return batch


def object_kind(obj: Mapping[str, Any]) -> str | None:
    """ "release", "deployment", "pull_request", or None for an object of another shape."""
    if "tag_name" in obj:
        return "release"
    if "statuses_url" in obj or ("sha" in obj and "environment" in obj):
        return "deployment"
    if "number" in obj and ("head" in obj or "merged_at" in obj or "merge_commit_sha" in obj):
        return "pull_request"
    return None


def deployment_from_json(
    obj: Mapping[str, Any],
    *,
    repo: str,
    service: str,
    source: str = "github",
    assume_success: bool = False,
    file: str = "-",
    record: str = "-",
) -> Deployment | None:
    """The `Deployment` of one REST deployment object, or None while it has no final status.

    finished_at and status come from the latest status (by created_at, then id) whose state is
    success, failure or error (error counts as failure); started_at is the deployment's created_at;
    revision is its ``sha``; environment is the deployment's own. source_id is
    ``owner/name/deployments/{id}``.

    Args:
        obj: a ``/repos/{o}/{r}/deployments`` object, optionally with ``statuses`` (a list of
            ``/deployments/{id}/statuses`` objects, in any order).
        repo: "owner/name".
        service: the service deployed.
        source: the source name stored with the record.
        assume_success: without a ``statuses`` key, return a success finished at created_at
            (time_basis says so) instead of raising.
        file: the file it came from, for error messages.
        record: where in the file, for error messages.

    Raises:
        InputError: a missing id, sha, environment or created_at, a bad timestamp, or (unless
            `assume_success`) no ``statuses`` list.
    """
    deployment_id = obj.get("id")
    if deployment_id is None or isinstance(deployment_id, bool):
        raise InputError("deployment without an id", file=file, record=record, field="id")
    where = f"{record} (deployment {deployment_id})"
    revision = _required_text(obj, "sha", file=file, record=where)
    environment = _required_text(obj, "environment", file=file, record=where)
    created_at = parse_instant(obj.get("created_at"), file=file, record=where, field="created_at")
    assert created_at is not None  # required: parse_instant raises instead
    statuses = obj.get("statuses")
    if statuses is None:
        if not assume_success:
            raise InputError(
                "deployment without its statuses",
                file=file,
                record=where,
                field="statuses",
                hint="embed /deployments/{id}/statuses as 'statuses', or import with --assume-success",
            )
        finished_at, status, basis = created_at, "success", BASIS_NO_STATUSES
    else:
        final = _final_status(statuses, file=file, record=where)
        if final is None:
            return None
        finished_at, status = final
        basis = BASIS_STATUS
    return Deployment(
        source=source,
        source_id=f"{repo}/deployments/{deployment_id}",
        service=service,
        environment=environment,
        revision=revision,
        finished_at=finished_at,
        started_at=min(created_at, finished_at),
        status=status,
        time_basis=basis,
    )


def _final_status(statuses: object, *, file: str, record: str) -> tuple[datetime, str] | None:
    """(created_at, success|failure) of the latest final status, or None when there is none."""
    if not isinstance(statuses, list):
        raise InputError("expected a list of deployment statuses", file=file, record=record, field="statuses")
    finals: list[tuple[datetime, int, str]] = []
    for index, status in enumerate(statuses):
        where = f"statuses[{index}]"
        if not isinstance(status, Mapping):
            raise InputError("expected a deployment status object", file=file, record=record, field=where)
        state = text_value(status.get("state"), file=file, record=record, field=f"{where}.state")
        if state not in FINAL_STATES:
            continue
        at = parse_instant(status.get("created_at"), file=file, record=record, field=f"{where}.created_at")
        assert at is not None
        status_id = status.get("id")
        finals.append((at, status_id if isinstance(status_id, int) else index, FINAL_STATES[state]))
    if not finals:
        return None
    at, _, outcome = max(finals)
    return at, outcome


def release_from_json(
    obj: Mapping[str, Any],
    *,
    repo: str,
    service: str,
    source: str = "github",
    environment: str = "production",
    include_prereleases: bool = False,
    file: str = "-",
    record: str = "-",
) -> Deployment | None:
    """The `Deployment` a published release stands for, or None for a draft (or a prerelease, unless
    `include_prereleases`).

    finished_at is ``published_at``; status success, kind normal. revision is ``target_commitish``
    when it is a full commit sha, else ``tag_name``: a target_commitish naming a branch says where
    the tag was cut from, not which commit shipped. time_basis says which was used. source_id is
    ``owner/name/releases/{id}``.

    Raises:
        InputError: a missing id or tag_name, or a bad published_at.
    """
    release_id = obj.get("id")
    if release_id is None or isinstance(release_id, bool):
        raise InputError("release without an id", file=file, record=record, field="id")
    where = f"{record} (release {release_id})"
    tag = _required_text(obj, "tag_name", file=file, record=where)
    if obj.get("draft") or (obj.get("prerelease") and not include_prereleases):
        return None
    published_at = parse_instant(obj.get("published_at"), file=file, record=where, field="published_at")
    assert published_at is not None
    target = _text(obj.get("target_commitish"))
    if target is not None and _SHA.fullmatch(target.lower()):
        revision, basis = target.lower(), BASIS_RELEASE_COMMIT
    else:
        revision, basis = tag, BASIS_RELEASE_TAG
    return Deployment(
        source=source,
        source_id=f"{repo}/releases/{release_id}",
        service=service,
        environment=environment,
        revision=revision,
        finished_at=published_at,
        time_basis=basis,
    )


def repo_of(obj: Mapping[str, Any]) -> str | None:
    """ "owner/name" from an object's ``base.repo.full_name``, API URL or web URL, if any says it."""
    base = obj.get("base")
    if isinstance(base, Mapping) and isinstance(base.get("repo"), Mapping):
        full_name = _text(base["repo"].get("full_name"))
        if full_name:
            return full_name
    for key in ("repository_url", "url", "html_url"):
        url = _text(obj.get(key))
        if not url:
            continue
        parts = [part for part in urlsplit(url).path.split("/") if part]
        if "repos" in parts:
            position = parts.index("repos")
            if len(parts) >= position + 3:
                return f"{parts[position + 1]}/{parts[position + 2]}"
        elif key == "html_url" and len(parts) >= 2:
            return f"{parts[0]}/{parts[1]}"
    return None


def _required_text(obj: Mapping[str, Any], field: str, *, file: str, record: str) -> str:
    value = _text(text_value(obj.get(field), file=file, record=record, field=field))
    if value is None:
        raise InputError(f"missing {field}", file=file, record=record, field=field)
    return value


def _text(value: object) -> str | None:
    """A non-empty stripped string, or None."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None
