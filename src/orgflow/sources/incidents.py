"""Incidents: a generic CSV or JSON, and PagerDuty REST v2 incident JSON.

Generic columns (CSV) or keys (JSON): ``id, service, started_at`` (required columns), ``resolved_at,
severity, title, deployment_id, commit`` (optional). Other names are renamed with the ``map`` option.
A CSV laid out like the public postmortems collection (``uuid, company, product, start_time,
end_time, summary, ...``) is recognized without a map: product is the service, summary the title.

PagerDuty objects (``/incidents``, one list or ``{"incidents": [...]}``) are recognized by their
``service`` reference or ``incident_number``: started_at is ``created_at``; resolved_at is
``resolved_at``, else ``last_status_change_at``, and only when the status is resolved; the service
is ``service.summary``; severity is ``priority.summary``, else ``urgency``.

An incident without a service is kept with service None (a data-quality warning, not an error): it
cannot be attributed to a deployment by time, but still counts where service does not matter. A record
with none of service, started_at, resolved_at and title is not an incident (another tool's export, such
as Jira issues, or names the map does not cover): it stops the import, naming the file and the record.
Nor is a record that looks like another tool's export (`orgflow.sources.export_kinds`: GitHub or GitLab
issues, which have a title) and has neither a service nor a started_at: the error names the importer
that reads it. Mapped to a service or a started_at (``map``), such a record is read as an incident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model.delivery import Incident
from orgflow.sources import ProgressCallback
from orgflow.sources.csv_rows import CsvReader, CsvRow, column_pairs, csv_rows
from orgflow.sources.export_kinds import wrong_export
from orgflow.sources.files import clip, expand_paths, iter_json_records, parse_instant, text_value
from orgflow.store import ImportBatch

CSV_SUFFIXES = (".csv", ".csv.gz")
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
REQUIRED = ("id", "service", "started_at")
OPTIONAL = ("resolved_at", "severity", "title", "deployment_id", "commit")
DESCRIBING = ("service", "started_at", "resolved_at", "title")
"""The fields of which an incident has at least one: a record with none of them is not an incident."""
PLACING = ("service", "started_at")
"""The fields of which a record that looks like another tool's export has at least one when it is an incident."""

KNOWN_LAYOUTS: dict[str, dict[str, str]] = {
    "public postmortems": {
        "uuid": "id",
        "product": "service",
        "start_time": "started_at",
        "end_time": "resolved_at",
        "summary": "title",
    },
}
"""CSV layouts recognized by their header (all the layout's columns present, no ``id`` column) when
no ``map`` is given: column -> field."""


def load(
    paths: list[Path],
    *,
    config: Config,
    options: dict[str, Any],
    on_progress: ProgressCallback | None = None,
) -> ImportBatch:
    """Read incident files (CSV, generic JSON or PagerDuty JSON) into `Incident` records.

    Args:
        paths: ``.csv`` and ``.json``/``.jsonl`` files (gzip allowed), or folders searched for them.
        config: the workspace config (unused; importers share one signature).
        options: ``map`` (column or key -> field), ``source`` (default "incidents" for generic
            records, "pagerduty" for PagerDuty objects), ``service`` (the service of incidents that
            name none).
        on_progress: called after each file with (files done, files, file name).

    Returns:
        One `Incident` per row or object; an id listed twice is taken from its last listing.

    Raises:
        InputError: a missing column, an empty id, a bad timestamp or a malformed object, naming the
            file, line or record, and field.
    """
    column_map = column_pairs(options.get("map"), option="map")
    source_option = str(options.get("source") or "") or None
    default_service = _text(options.get("service"))
    files = expand_paths(paths, suffixes=CSV_SUFFIXES + JSON_SUFFIXES)
    batch = ImportBatch(
        source=source_option or "incidents", kind="incidents", origin=", ".join(str(path) for path in paths)
    )
    for done, path in enumerate(files, start=1):
        if path.name.endswith(CSV_SUFFIXES):
            layout_map = column_map or _known_layout(path)
            for row in csv_rows(path, required=REQUIRED, optional=OPTIONAL, column_map=layout_map):
                incident = incident_from_row(row, source=source_option or "incidents")
                if incident.service is None and default_service:
                    incident = _with_service(incident, default_service)
                batch.add(incident)
        else:
            for raw in iter_json_records(path, list_keys=("incidents",)):
                incident = _json_incident(
                    raw.data, column_map, source=source_option, file=raw.file, record=raw.position
                )
                if incident.service is None and default_service:
                    incident = _with_service(incident, default_service)
                batch.add(incident)
        if on_progress is not None:
            on_progress(done, len(files), path.name)
    return batch


def incident_from_row(row: CsvRow, *, source: str) -> Incident:
    """The `Incident` of one generic CSV row (pure); empty optional cells are None."""
    return incident_from_json(row.values, source=source, file=row.file, record=row.record)


def incident_from_json(
    obj: Mapping[str, Any], *, source: str = "incidents", file: str = "-", record: str = "-"
) -> Incident:
    """The `Incident` of one generic record (a CSV row's cells or a JSON object with the generic keys).

    Raises:
        InputError: an empty id, a bad timestamp, none of `DESCRIBING` with a value, or another tool's
            record (`export_kinds`) with none of `PLACING` (not an incident).
    """
    incident_id = _field(obj, "id", file, record)
    if incident_id is None:
        raise InputError("empty id", file=file, record=record, field="id")
    where = record if record.startswith("line") else f"{record} (incident {incident_id})"
    incident = Incident(
        source=source,
        source_id=incident_id,
        service=_field(obj, "service", file, where),
        title=_field(obj, "title", file, where) or "",
        started_at=_instant(obj.get("started_at"), file=file, record=where, field="started_at"),
        resolved_at=_instant(obj.get("resolved_at"), file=file, record=where, field="resolved_at"),
        severity=_field(obj, "severity", file, where),
        deployment_id=_field(obj, "deployment_id", file, where),
        commit_id=_field(obj, "commit", file, where),
    )
    if all(
        value is None for value in (incident.service, incident.title or None, incident.started_at, incident.resolved_at)
    ):
        raise _not_an_incident(obj, file=file, record=where)
    if incident.service is None and incident.started_at is None:
        other = wrong_export(obj, expected="", wanted="incidents")
        if other is not None:
            message = "not an incident: neither service nor started_at has a value"
            if not any(name in obj for name in PLACING):
                message += f" (its keys: {clip(', '.join(map(str, obj)))})"
            raise InputError(f"{message}; {other[0]}", file=file, record=where, hint=other[1])
    return incident


def _not_an_incident(obj: Mapping[str, Any], *, file: str, record: str) -> InputError:
    """The error for a record with an id and nothing else an incident has: almost always another export."""
    message = f"not an incident: none of {', '.join(DESCRIBING)} has a value"
    if not any(name in obj for name in DESCRIBING):
        message += f" (its keys: {clip(', '.join(map(str, obj)))})"
    other = wrong_export(obj, expected="", wanted="incidents")
    if other is not None:
        return InputError(f"{message}; {other[0]}", file=file, record=record, hint=other[1])
    return InputError(message, file=file, record=record, hint="rename the file's names to these with --map NAME=FIELD")


def is_pagerduty(obj: Mapping[str, Any]) -> bool:
    """Whether an object is a PagerDuty incident (a service reference object, or an incident number)."""
    return isinstance(obj.get("service"), Mapping) or "incident_number" in obj or obj.get("type") == "incident"


def pagerduty_incident_from_json(
    obj: Mapping[str, Any], *, source: str = "pagerduty", file: str = "-", record: str = "-"
) -> Incident:
    """The `Incident` of one PagerDuty REST v2 incident object (definitions in the module docstring).

    Raises:
        InputError: a missing id or created_at, or a bad timestamp.
    """
    incident_id = _field(obj, "id", file, record)
    if incident_id is None:
        raise InputError("incident without an id", file=file, record=record, field="id")
    where = f"{record} (incident {incident_id})"
    started_at = parse_instant(obj.get("created_at"), file=file, record=where, field="created_at")
    resolved_at = None
    if obj.get("status") == "resolved":
        field = "resolved_at" if obj.get("resolved_at") else "last_status_change_at"
        resolved_at = parse_instant(obj.get(field), file=file, record=where, field=field)
    service = obj.get("service")
    priority = obj.get("priority")
    severity = _field(priority, "summary", file, where, prefix="priority.") if isinstance(priority, Mapping) else None
    return Incident(
        source=source,
        source_id=incident_id,
        service=_field(service, "summary", file, where, prefix="service.") if isinstance(service, Mapping) else None,
        title=_field(obj, "title", file, where) or "",
        started_at=started_at,
        resolved_at=resolved_at,
        severity=severity or _field(obj, "urgency", file, where),
    )


def _json_incident(
    data: Mapping[str, Any], column_map: Mapping[str, str], *, source: str | None, file: str, record: str
) -> Incident:
    """A PagerDuty incident (also wrapped as ``{"incident": {...}}``, as one GET returns it) or a generic one."""
    wrapped = data.get("incident")
    if isinstance(wrapped, Mapping) and len(data) == 1:
        data = wrapped
    if is_pagerduty(data):
        return pagerduty_incident_from_json(data, source=source or "pagerduty", file=file, record=record)
    return incident_from_json(_renamed(data, column_map), source=source or "incidents", file=file, record=record)


def _known_layout(path: Path) -> dict[str, str]:
    """The map of a recognized layout when the file's header matches one (and has no id), else {}."""
    header = {name.strip() for name in next(CsvReader(path), [])}
    if "id" in header:
        return {}
    return next((layout for layout in KNOWN_LAYOUTS.values() if set(layout) <= header), {})


def _renamed(obj: Mapping[str, Any], column_map: Mapping[str, str]) -> Mapping[str, Any]:
    """`obj` with keys renamed by `column_map` (a renamed key wins over one already so named)."""
    if not column_map:
        return obj
    renamed = {key: value for key, value in obj.items() if key not in column_map}
    renamed.update({field: obj[key] for key, field in column_map.items() if key in obj})
    return renamed


def _with_service(incident: Incident, service: str) -> Incident:
    return replace(incident, service=service)


def _instant(value: object, *, file: str, record: str, field: str) -> datetime | None:
    return parse_instant(value, file=file, record=record, field=field, required=False)


def _field(obj: Mapping[str, Any], key: str, file: str, record: str, *, prefix: str = "") -> str | None:
    """A text field, stripped (None when missing or blank); a whole number is taken as its digits.

    Raises:
        InputError: another type (a list, an object, a fraction, true or false), naming the field.
    """
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = text_value(value, file=file, record=record, field=prefix + key)
    return (text.strip() or None) if text is not None else None


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
