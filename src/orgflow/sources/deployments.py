"""A generic CSV of deployments: one row per deployment of a service to an environment.

Columns: ``service, environment, revision, finished_at`` (required), ``started_at, status, kind, id``
(optional). ``status`` is ``success`` (the default when empty) or ``failure``; ``kind`` is empty (a
normal deployment), ``rollback`` or ``hotfix``. Other column names are renamed with the ``map`` option
(CLI ``--map deployed_at=finished_at``).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model.delivery import Deployment
from orgflow.sources import ProgressCallback
from orgflow.sources.csv_rows import CsvRow, column_pairs, csv_rows
from orgflow.sources.files import expand_paths, quote
from orgflow.store import ImportBatch

SUFFIXES = (".csv", ".csv.gz")
REQUIRED = ("service", "environment", "revision", "finished_at")
OPTIONAL = ("started_at", "status", "kind", "id")
STATUSES = ("success", "failure")
KINDS = ("normal", "rollback", "hotfix")


def load(
    paths: list[Path],
    *,
    config: Config,
    options: dict[str, Any],
    on_progress: ProgressCallback | None = None,
) -> ImportBatch:
    """Read CSV files of deployments into `Deployment` records.

    The source id is the ``id`` column when the row has one, else a stable hash of service,
    environment, revision and finished_at (as a UTC instant, so the same deployment written with
    another offset keeps its id): re-importing a file changes nothing.

    Args:
        paths: CSV files (gzip allowed), or folders searched for them.
        config: the workspace config (unused; importers share one signature).
        options: ``map`` (CSV column -> field, a mapping or "column=field" texts), ``source``
            (default "deployments").
        on_progress: called after each file with (files done, files, file name).

    Raises:
        InputError: a missing column, an empty required value, a bad timestamp, an unknown status or
            kind, or started_at after finished_at; naming the file, line and field. Nothing is returned
            then, so nothing is written.
    """
    source = str(options.get("source") or "deployments")
    column_map = column_pairs(options.get("map"), option="map")
    files = expand_paths(paths, suffixes=SUFFIXES)
    batch = ImportBatch(source=source, kind="deployments", origin=", ".join(str(path) for path in paths))
    for done, path in enumerate(files, start=1):
        for row in csv_rows(path, required=REQUIRED, optional=OPTIONAL, column_map=column_map):
            batch.add(deployment_from_row(row, source=source))
        if on_progress is not None:
            on_progress(done, len(files), path.name)
    return batch


def deployment_from_row(row: CsvRow, *, source: str) -> Deployment:
    """The `Deployment` one CSV row describes (pure).

    Raises:
        InputError: see `load`.
    """
    values = {}
    for field in REQUIRED[:3]:
        values[field] = row.text(field)
        if not values[field]:
            raise InputError(f"empty {field}", file=row.file, record=row.record, field=field)
    finished_at = row.instant("finished_at", required=True)
    started_at = row.instant("started_at", required=False)
    assert finished_at is not None  # required=True raises instead
    if started_at is not None and started_at > finished_at:
        raise InputError(
            f"started_at ({started_at.isoformat()}) is after finished_at ({finished_at.isoformat()})",
            file=row.file,
            record=row.record,
            field="started_at",
        )
    status = _choice(row, "status", STATUSES, default="success")
    kind = _choice(row, "kind", KINDS, default="normal")
    source_id = row.text("id") or deployment_hash(
        values["service"], values["environment"], values["revision"], finished_at
    )
    return Deployment(
        source=source,
        source_id=source_id,
        service=values["service"],
        environment=values["environment"],
        revision=values["revision"],
        finished_at=finished_at,
        started_at=started_at,
        status=status,
        kind=kind,
    )


def deployment_hash(service: str, environment: str, revision: str, finished_at: datetime) -> str:
    """A stable id for a deployment without one: 20 hex digits of the SHA-1 of its identifying fields."""
    text = "\x1f".join((service, environment, revision, finished_at.isoformat()))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


def _choice(row: CsvRow, field: str, allowed: tuple[str, ...], *, default: str) -> str:
    """A lower-cased value from `allowed` (`default` when empty)."""
    value = row.text(field).lower()
    if not value:
        return default
    if value not in allowed:
        raise InputError(
            f"unknown {field} {quote(row.text(field))}",
            file=row.file,
            record=row.record,
            field=field,
            hint=f"use one of {', '.join(allowed)} (or leave it empty for {default})",
        )
    return value
