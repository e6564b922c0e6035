"""A generic CSV of status changes: one row per change of one item, from any tool.

Columns: ``item_id, timestamp, to_status`` (required), ``from_status`` and ``team, type, created,
title`` (optional). Other names are renamed with the ``map`` option (CLI ``--map kep_id=item_id``)
and rows can be kept by a column's value with ``where`` (CLI ``--where field=status``). A missing
column names the column meant when one is close (``--map timestamp_iso=timestamp``), and a JSON file
the export it looks like (`orgflow.sources.csv_rows.missing_column`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from orgflow.config import Config, status_key
from orgflow.errors import InputError
from orgflow.model.work import StatusTransition, WorkItem
from orgflow.query.known_names import suggestion
from orgflow.sources import ProgressCallback, require_records
from orgflow.sources.csv_rows import CsvReader, column_pairs, column_positions, columns_found, row_instant
from orgflow.sources.files import collector_paused, expand_paths, quote
from orgflow.sources.transitions_columns import Layout, load_columns, staged_records
from orgflow.store import ImportBatch

SUFFIXES = (".csv", ".csv.gz")
REQUIRED = ("item_id", "timestamp", "to_status")
OPTIONAL = ("from_status", "team", "type", "created", "title")
_STRICT_HINT = "add it to a stage of that workflow in orgflow.yaml, or import without --strict-statuses"


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where one file keeps the optional fields (None: it has no such column), and its defaults."""

    file: str
    project: str
    team: int | None
    type: int | None
    created: int | None
    title: int | None


# One kept row: (changed_at, order, to_status, from_status or None without that column, the row's
# cells, line, layout). Plain tuples keep a 100k-row file near a second; `order` (a running count
# over all files) makes tuple sorting stable and never reaches the cells.
_Change = tuple[datetime, int, str, str | None, list[str], int, _Layout]
_CHANGED_AT, _ORDER, _TO, _FROM, _CELLS, _LINE, _LAYOUT = range(7)


def load(
    paths: list[Path],
    *,
    config: Config,
    options: dict[str, Any],
    on_progress: ProgressCallback | None = None,
) -> ImportBatch:
    """Read CSV files of status changes into work items and their transitions.

    Rows are grouped by item_id across all files and ordered by timestamp (rows with equal timestamps
    keep their file order). Per item: the status is the last to_status; created_at is the first
    non-empty ``created`` value, else the first change; team, type and title are the last non-empty
    values (an item that moved team belongs to its latest one). When the first change has a
    from_status and ``created`` is earlier, a seq-0 transition at created_at into that from_status is
    added, so the time before the first recorded change is attributed. Without a from_status column a
    change starts from the previous to_status. resolved_at stays empty: the metrics derive the finish
    from the workflow.

    Args:
        paths: CSV files (gzip allowed), or folders searched for them.
        config: the workspace config (teams, workflows).
        options: ``map`` (CSV column -> field), ``where`` (column -> value rows must have),
            ``source`` (default "csv"), ``project`` (default: the file name without suffix),
            ``strict_statuses`` (reject a status no stage of the item's workflow lists).
        on_progress: called after each file with (files done, files, file name).

    Raises:
        InputError: a missing column, an empty item_id or to_status, a bad timestamp, or (strict) an
            unmapped status.
    """
    reading = _Reading(paths, config=config, options=options, on_progress=on_progress)
    with collector_paused():
        columns = load_columns(reading.files, **reading.columnwise())
    if columns is None:
        return reading.row_by_row()
    batch = reading.new_batch()
    batch.records[WorkItem], batch.records[StatusTransition] = columns  # type: ignore[assignment]
    return batch


def stage(
    paths: list[Path],
    *,
    config: Config,
    options: dict[str, Any],
    on_progress: ProgressCallback | None = None,
) -> ImportBatch:
    """`load`, with the column-wise reading declared for the store to run in its own connection
    (`ImportBatch.staged`): the same records or the same error, when the batch is written. The options'
    own errors are raised here, as `load` raises them."""
    reading = _Reading(paths, config=config, options=options, on_progress=on_progress)
    batch = reading.new_batch()
    batch.staged = staged_records(
        reading.files, fallback=lambda: require_records(reading.row_by_row(), paths), **reading.columnwise()
    )
    return batch


class _Reading:
    """One import's settings read from its options, and the reading of its files row by row."""

    def __init__(
        self, paths: list[Path], *, config: Config, options: dict[str, Any], on_progress: ProgressCallback | None
    ) -> None:
        self.paths = paths
        self.config = config
        self.source = str(options.get("source") or "csv")
        self.column_map = column_pairs(options.get("map"), option="map")
        for column, field in self.column_map.items():
            if field not in REQUIRED + OPTIONAL:
                raise InputError(
                    f"unknown field {quote(field)} in --map {column}={field}",
                    field="map",
                    hint=f"the fields are {', '.join(REQUIRED + OPTIONAL)}",
                )
        self.where = column_pairs(options.get("where"), option="where")
        self.strict = bool(options.get("strict_statuses", False))
        self.project_option = options.get("project")
        self.files = expand_paths(paths, suffixes=SUFFIXES)
        self.on_progress = on_progress
        self.reported = 0
        """Files the column-wise reader has reported (the row-by-row one does not report them again)."""

    def new_batch(self) -> ImportBatch:
        return ImportBatch(source=self.source, kind="transitions", origin=", ".join(str(path) for path in self.paths))

    def project_of(self, path: Path) -> str:
        return str(self.project_option) if self.project_option else _file_stem(path)

    def columnwise(self) -> dict[str, Any]:
        """The column-wise reader's settings (`orgflow.sources.transitions_columns`), but the files."""

        def layout_of(path: Path, header: list[str]) -> Layout:
            index, filters = _layout(str(path), header, column_map=self.column_map, where=self.where)
            return Layout(index, filters, self.project_of(path))

        def progress(done: int, total: int | None, name: str) -> None:
            self.reported = done
            if self.on_progress is not None:
                self.on_progress(done, total, name)

        return {
            "layout_of": layout_of,
            "instant_of": _cell_instant,
            "source": self.source,
            "config": self.config,
            "strict": self.strict,
            "on_progress": progress,
        }

    def row_by_row(self) -> ImportBatch:
        """The row-by-row reader: the definition, for every input the column-wise one declines (it then
        imports the rows or raises the error)."""
        batch = self.new_batch()
        with collector_paused():
            changes_by_item: dict[str, list[_Change]] = {}
            for done, path in enumerate(self.files, start=1):
                _read_file(
                    path,
                    column_map=self.column_map,
                    where=self.where,
                    project=self.project_of(path),
                    into=changes_by_item,
                )
                if self.on_progress is not None and done > self.reported:
                    self.on_progress(done, len(self.files), path.name)
            _add_records(batch, changes_by_item, config=self.config, strict=self.strict)
        return batch


def _add_records(
    batch: ImportBatch, changes_by_item: dict[str, list[_Change]], *, config: Config, strict: bool
) -> None:
    """One WorkItem and its StatusTransitions per item, into `batch`."""
    source = batch.source
    workflows: dict[str, tuple[str, set[str]]] = {}
    items = batch.records[WorkItem]
    transitions = batch.records[StatusTransition]
    for item_id, changes in changes_by_item.items():
        changes.sort()
        first = changes[0]
        team = _last_value(changes, "team")
        project = team or changes[-1][_LAYOUT].project
        created_at = _created_at(changes)
        seq = 0
        first_from = first[_FROM]
        if first_from and created_at < first[_CHANGED_AT]:
            transitions.append(StatusTransition(source, item_id, 0, created_at, None, first_from))
            seq = 1
        previous: str | None = None
        for change in changes:
            from_status = change[_FROM]
            if from_status is None:
                from_status = previous
            to_status = change[_TO]
            transitions.append(
                StatusTransition(source, item_id, seq, change[_CHANGED_AT], from_status or None, to_status)
            )
            previous = to_status
            seq += 1
        if strict:
            _check_statuses(changes, config=config, source=source, project=project, workflows=workflows)
        items.append(
            WorkItem(
                source=source,
                source_id=item_id,
                project=project,
                team_id=config.team_of_project(project),
                title=_last_value(changes, "title"),
                item_type=_last_value(changes, "type") or "Item",
                created_at=created_at,
                status=changes[-1][_TO],
                history="csv",
            )
        )


def _read_file(
    path: Path,
    *,
    column_map: dict[str, str],
    where: dict[str, str],
    project: str,
    into: dict[str, list[_Change]],
) -> None:
    """Parse one CSV file and append its kept rows to `into`, by item_id."""
    file = str(path)
    reader = CsvReader(path)
    header = reader.header()
    if header is None:
        return
    index, filters = _layout(file, header, column_map=column_map, where=where)
    layout = _Layout(file, project, index.get("team"), index.get("type"), index.get("created"), index.get("title"))
    item_at, timestamp_at, to_at = (index[name] for name in REQUIRED)
    from_at = index.get("from_status")
    instants: dict[str, datetime] = {}
    order = sum(len(changes) for changes in into.values())
    for row in reader.rows(len(header)):
        if filters and not all(row[position] == value for position, value in filters):
            continue
        item_id = row[item_at].strip()
        to_status = row[to_at].strip()
        if not item_id or not to_status:
            field = "item_id" if not item_id else "to_status"
            raise InputError(f"empty {field}", file=file, record=f"line {reader.line_num}", field=field)
        timestamp = row[timestamp_at]
        # Exports repeat timestamps (one commit, many changes): parse each distinct text once.
        changed_at = instants.get(timestamp)
        if changed_at is None:
            changed_at = row_instant(timestamp, file=file, line=reader.line_num, field="timestamp")
            instants[timestamp] = changed_at
        from_status = row[from_at].strip() if from_at is not None else None
        change = (changed_at, order, to_status, from_status, row, reader.line_num, layout)
        order += 1
        changes = into.get(item_id)
        if changes is None:
            into[item_id] = [change]
        else:
            changes.append(change)


def _layout(
    file: str, header: list[str], *, column_map: dict[str, str], where: dict[str, str]
) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """A file's field -> column position, and the (position, value) pairs its kept rows have.

    Raises:
        InputError: a required column or a column named in `where` is missing.
    """
    index = column_positions(file, header, required=REQUIRED, optional=OPTIONAL, column_map=column_map)
    filters: list[tuple[int, str]] = []
    for column, value in where.items():
        position = header.index(column) if column in header else index.get(column)
        if position is None:
            meant = suggestion(column, header)
            listed = f"columns found: {columns_found(header)}"
            raise InputError(
                f"missing column {quote(column)} named in where",
                file=file,
                record="header",
                field=column,
                hint=listed if meant is None else f"did you mean {meant!r}? ({listed})",
            )
        filters.append((position, value))
    return index, filters


def _cell_instant(text: str) -> datetime:
    """`row_instant` of a cell whose place is not known (the column-wise reader declines on an error)."""
    return row_instant(text, file="-", line=0, field="-")


def _created_at(changes: list[_Change]) -> datetime:
    """The first non-empty `created` value, else the first change's time."""
    for change in changes:
        position = change[_LAYOUT].created
        if position is not None and (text := change[_CELLS][position].strip()):
            return row_instant(text, file=change[_LAYOUT].file, line=change[_LINE], field="created")
    return changes[0][_CHANGED_AT]


def _last_value(changes: list[_Change], name: str) -> str:
    """The last non-empty value of an optional field over an item's changes ("" if none)."""
    for change in reversed(changes):
        position = getattr(change[_LAYOUT], name)
        if position is not None and (value := change[_CELLS][position].strip()):
            return value
    return ""


def _check_statuses(
    changes: list[_Change],
    *,
    config: Config,
    source: str,
    project: str,
    workflows: dict[str, tuple[str, set[str]]],
) -> None:
    """Raise on the first status that no stage of the item's workflow lists (strict_statuses)."""
    if project not in workflows:
        workflow = config.workflow_for(source, project)
        known = {status_key(status) for stage in workflow.stages for status in stage.statuses}
        workflows[project] = (workflow.name, known)
    name, known = workflows[project]
    for change in changes:
        for field, status in (("from_status", change[_FROM]), ("to_status", change[_TO])):
            if status and status_key(status) not in known:
                raise InputError(
                    f"status {quote(status)} is in no stage of workflow {quote(name)}",
                    file=change[_LAYOUT].file,
                    record=f"line {change[_LINE]}",
                    field=field,
                    hint=_STRICT_HINT,
                )


def _file_stem(path: Path) -> str:
    name = path.name
    for suffix in (".csv.gz", ".csv"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem
