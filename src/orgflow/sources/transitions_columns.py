"""The transitions CSV read column-wise: Arrow's CSV reader (or the csv module) into columns, Arrow and
numpy for the timestamps, the grouping by item and the transitions; no Python object per row.

`load_columns` gives the same work items and transitions, in the same order, as the row-by-row reader
in `orgflow.sources.transitions_csv`, or None when it cannot vouch for that: an input with anything
to report (a missing column, an empty cell, a bad timestamp, an unknown status under strict_statuses,
an unreadable file) or a shape it does not read itself. The caller then runs the row-by-row reader,
which is the definition: it imports the file or raises the error, naming file, line and field.

Cells are split by Arrow's reader when the text holds no quote and every row has the header's width,
else by the csv module (the one every importer uses). Cells are stripped of white space as Python's
``str.strip`` does: by trimming spaces and tabs when the text holds no other white space than those
and line ends, else by ``str.strip`` itself.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as arrow_csv

from orgflow.config import Config, status_key
from orgflow.errors import InputError
from orgflow.model.table import RecordTable
from orgflow.model.work import StatusTransition, WorkItem
from orgflow.sources import ProgressCallback
from orgflow.sources.files import read_text
from orgflow.sources.instants import ShapeRejected, parse_instants
from orgflow.sources.record_columns import record_table

ODD_SPACES = (
    "\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
"""Every character ``str.isspace`` holds true but space, tab and newline (Unicode 15, Python 3.11)."""

_OPTIONAL_CELLS = ("from_status", "team", "type", "created", "title")


class _Declined(Exception):
    """The input is not one this reader vouches for: the row-by-row reader decides."""


@dataclass(frozen=True)
class Layout:
    """How one file holds the fields: field -> column position, the (position, value) pairs a kept
    row has, and the project of its items."""

    index: dict[str, int]
    filters: list[tuple[int, str]]
    project: str


LayoutOf = Callable[[Path, list[str]], Layout]
"""(file, its stripped header) -> its layout; raises InputError for a missing column."""
InstantOf = Callable[[str], datetime]
"""A cell as an aware UTC instant, as the row-by-row reader reads it; raises InputError."""


def load_columns(
    files: list[Path],
    *,
    layout_of: LayoutOf,
    instant_of: InstantOf,
    source: str,
    config: Config,
    strict: bool,
    on_progress: ProgressCallback | None,
) -> tuple[RecordTable[WorkItem], RecordTable[StatusTransition]] | None:
    """The work items and transitions of `files` (in the row-by-row reader's order), or None when declined.

    `on_progress` is called after each file read, with (files done, files, file name).
    """
    try:
        parts: list[pa.Table] = []
        for done, path in enumerate(files, start=1):
            part = _read_file(path, layout_of)
            if part is not None:
                parts.append(part)
            if on_progress is not None:
                on_progress(done, len(files), path.name)
        rows = pa.concat_tables(parts) if parts else None
        if rows is None or rows.num_rows == 0:
            raise _Declined  # nothing kept: nothing to gain, and the row-by-row reader words it
        items, transitions = _build(rows, instant_of=instant_of, source=source, config=config, strict=strict)
    except (_Declined, InputError):
        return None
    return RecordTable(WorkItem, items), RecordTable(StatusTransition, transitions)


def _read_file(path: Path, layout_of: LayoutOf) -> pa.Table | None:
    """One file's kept rows as string columns (stripped but the timestamp; null for a column the file
    lacks), plus ``project``; None for a file without a header."""
    text = read_text(path).removeprefix("\ufeff")
    plain = '"' not in text and "\r" not in text
    cells = _plain_cells(text) if plain else _csv_cells(text)
    if cells is None:
        return None
    header, width_of = cells
    layout = layout_of(path, header)
    columns = width_of(len(header))
    if columns is None:  # a row Arrow's reader does not read as the csv module does
        cells = _csv_cells(text)
        assert cells is not None
        columns = cells[1](len(header))
        assert columns is not None
        plain = False
    trim = _trim_spaces if plain and not any(space in text for space in ODD_SPACES) else _python_strip
    keep = None
    for position, value in layout.filters:
        matches = pc.equal(columns[position], pa.scalar(value, pa.string()))
        keep = matches if keep is None else pc.and_(keep, matches)
    if keep is not None:
        columns = [column.filter(keep) for column in columns]
    rows = len(columns[0])
    names = ["item_id", "timestamp", "to_status", *_OPTIONAL_CELLS]
    arrays: list[pa.Array] = []
    for name in names:
        position = layout.index.get(name)
        if position is None:
            arrays.append(pa.nulls(rows, pa.string()))
        elif name == "timestamp":
            arrays.append(columns[position])  # read as is, like the row-by-row reader
        else:
            arrays.append(trim(columns[position]))
    arrays.append(pa.repeat(pa.scalar(layout.project, pa.string()), rows))
    return pa.Table.from_arrays(arrays, names=[*names, "project"])


Cells = tuple[list[str], Callable[[int], list[pa.Array] | None]]
"""A file's stripped header, and a function giving its body's columns for a header of that width
(None when it cannot read them as the csv module does)."""


def _plain_cells(text: str) -> Cells | None:
    """Header and body of a text without quotes or carriage returns: split by Arrow's reader."""
    if not text:
        return None
    end = text.find("\n")
    first_line = text if end < 0 else text[:end]
    if not first_line:
        raise _Declined  # a blank first line: the csv module reads an empty header
    body = "" if end < 0 else text[end + 1 :]
    return [name.strip() for name in first_line.split(",")], lambda width: _arrow_cells(body, width)


def _arrow_cells(body: str, width: int) -> list[pa.Array] | None:
    """The body's cells by Arrow's reader (no quoting), or None when a row is not `width` wide or a
    cell reaches the csv module's size limit (the csv module then reads, and rejects, it)."""
    if not body.strip("\n"):
        return [pa.array([], pa.string()) for _ in range(width)]
    names = [f"c{position}" for position in range(width)]
    try:
        table = arrow_csv.read_csv(
            io.BytesIO(body.encode("utf-8")),
            read_options=arrow_csv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=arrow_csv.ParseOptions(
                delimiter=",", quote_char=False, escape_char=False, newlines_in_values=False, ignore_empty_lines=True
            ),
            convert_options=arrow_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    limit = csv.field_size_limit()
    columns = [table.column(name).combine_chunks() for name in names]
    for column in columns:
        longest = pc.max(pc.utf8_length(column)).as_py()
        if longest is not None and longest >= limit:
            return None
    return columns


def _csv_cells(text: str) -> Cells | None:
    """Header and body by the csv module, as `CsvReader` reads them: blank rows dropped, short rows
    padded, extra cells ignored; what the csv module rejects is declined."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        rows = [row for row in reader if row]
    except csv.Error:
        raise _Declined from None
    if header is None:
        return None

    def columns(width: int) -> list[pa.Array]:
        padding = [""] * width
        padded = [row if len(row) >= width else row + padding[: width - len(row)] for row in rows]
        if not padded:
            return [pa.array([], pa.string()) for _ in range(width)]
        return [pa.array(column, pa.string()) for column in list(zip(*padded, strict=False))[:width]]

    return [name.strip() for name in header], columns


def _python_strip(column: pa.Array) -> pa.Array:
    return pa.array([value.strip() for value in column.to_pylist()], pa.string())


def _trim_spaces(column: pa.Array) -> pa.Array:
    return pc.utf8_trim(column, characters=" \t")


def _build(
    rows: pa.Table, *, instant_of: InstantOf, source: str, config: Config, strict: bool
) -> tuple[pa.Table, pa.Table]:
    """The work items and transitions of all kept rows (columns as `_read_file` makes them).

    Rows are grouped by item in order of first appearance and sorted by time within an item (a stable
    sort: equal times keep their read order), as the row-by-row reader does; see its `load` for what
    each field of an item is.
    """
    rows = rows.combine_chunks()
    if _any(pc.equal(rows.column("item_id"), "")) or _any(pc.equal(rows.column("to_status"), "")):
        raise _Declined
    changed = _instants(rows.column("timestamp").combine_chunks(), instant_of)
    codes = pc.dictionary_encode(rows.column("item_id")).combine_chunks().indices.to_numpy(zero_copy_only=False)
    order = np.lexsort((changed.cast(pa.int64()).to_numpy(zero_copy_only=False), codes))
    rows = rows.take(pa.array(order))
    changed = changed.take(pa.array(order))
    count = len(order)
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    sizes = np.diff(np.r_[starts, count])
    ends = starts + sizes - 1
    positions = np.arange(count)

    def column(name: str) -> pa.Array:
        return rows.column(name).combine_chunks()

    def last_filled(name: str) -> pa.Array:
        """Per item, the last non-empty value of `name` (null if none)."""
        last = np.maximum.reduceat(np.where(_filled(column(name)), positions, -1), starts)
        return column(name).take(pa.array(last, mask=last < 0))

    project = pc.coalesce(last_filled("team"), column("project").take(pa.array(ends)))
    first_at = changed.take(pa.array(starts))
    first_created = np.minimum.reduceat(np.where(_filled(column("created")), positions, count), starts)
    has_created = first_created < count
    created_at = first_at
    if has_created.any():
        created = _instants(column("created").take(pa.array(first_created[has_created])), instant_of)
        slots = np.maximum(np.cumsum(has_created) - 1, 0)
        created_at = pc.if_else(pa.array(has_created), created.take(pa.array(slots)), first_at)
    if strict:
        _check_statuses(rows, project.take(pa.array(np.repeat(np.arange(len(starts)), sizes))), config, source)
    first_from = column("from_status").take(pa.array(starts))
    shift = _filled(first_from) & pc.less(created_at, first_at).to_numpy(zero_copy_only=False)
    item_ids = column("item_id").take(pa.array(starts))
    items = pa.table(
        {
            "source_id": item_ids,
            "project": project,
            "team_id": _teams(project, config),
            "title": pc.fill_null(last_filled("title"), ""),
            "item_type": pc.fill_null(last_filled("type"), "Item"),
            "created_at": created_at,
            "status": column("to_status").take(pa.array(ends)),
        }
    )
    # A change's from_status is its cell (empty: none), or without that column the previous to_status.
    k = positions - np.repeat(starts, sizes)
    cells = column("from_status")
    previous = column("to_status").take(pa.array(positions - 1, mask=k == 0))
    stated = pc.if_else(pc.equal(cells, ""), pa.scalar(None, pa.string()), cells)
    changes = pa.table(
        {
            "item_id": column("item_id"),
            "seq": pa.array(k + np.repeat(shift, sizes), pa.int64()),
            "changed_at": changed,
            "from_status": pc.if_else(pc.is_null(cells), previous, stated),
            "to_status": column("to_status"),
        }
    )
    starting = pa.array(shift)
    firsts = pa.table(
        {
            "item_id": item_ids.filter(starting),
            "seq": pa.array(np.zeros(int(shift.sum()), np.int64)),
            "changed_at": created_at.filter(starting),
            "from_status": pa.nulls(int(shift.sum()), pa.string()),
            "to_status": first_from.filter(starting),
        }
    )
    # Each item's seq-0 row (the status it was created in) goes just before its first change.
    before = np.cumsum(shift)
    placed = np.empty(count + firsts.num_rows, np.int64)
    placed[positions + np.repeat(before, sizes)] = positions
    placed[starts[shift] + before[shift] - 1] = count + np.arange(firsts.num_rows)
    transitions = pa.concat_tables([changes, firsts]).take(pa.array(placed))
    return (
        record_table(WorkItem, _by_name(items), rows=items.num_rows, source=source, history="csv"),
        record_table(StatusTransition, _by_name(transitions), rows=transitions.num_rows, source=source),
    )


def _instants(texts: pa.Array, instant_of: InstantOf) -> pa.Array:
    """`parse_instants`, declined where the row-by-row reader would fail or the shape is not Arrow's."""
    try:
        return parse_instants(texts, instant_of)
    except (ShapeRejected, InputError):
        raise _Declined from None


def _any(mask: pa.Array) -> bool:
    return bool(pc.any(mask).as_py())


def _filled(cells: pa.Array) -> np.ndarray:
    """Which cells are neither null nor empty, as a numpy bool array."""
    return pc.fill_null(pc.not_equal(cells, ""), False).to_numpy(zero_copy_only=False)


def _check_statuses(rows: pa.Table, row_project: pa.Array, config: Config, source: str) -> None:
    """Declined when a status of any change is in no stage of its item's workflow (strict_statuses)."""
    pairs = pa.table(
        {
            "project": pa.concat_arrays([row_project, row_project]),
            "status": pa.concat_arrays(
                [rows.column("to_status").combine_chunks(), rows.column("from_status").combine_chunks()]
            ),
        }
    )
    known: dict[str, set[str]] = {}
    for pair in pairs.group_by(["project", "status"]).aggregate([]).to_pylist():
        project, status = pair["project"], pair["status"]
        if not status:
            continue
        if project not in known:
            workflow = config.workflow_for(source, project)
            known[project] = {status_key(name) for stage in workflow.stages for name in stage.statuses}
        if status_key(status) not in known[project]:
            raise _Declined


def _teams(project: pa.Array, config: Config) -> pa.Array:
    """The team owning each project (the config decides), looked up once per distinct project."""
    encoded = pc.dictionary_encode(project)
    teams = pa.array([config.team_of_project(name) for name in encoded.dictionary.to_pylist()], pa.string())
    return teams.take(encoded.indices)


def _by_name(table: pa.Table) -> dict[str, pa.ChunkedArray]:
    return dict(zip(table.column_names, table.columns, strict=True))
