"""Reading CSV files, shared by the CSV importers (deployments, incidents, transitions, org files, git
exports).

`CsvReader` is the one CSV reader of every importer: what the csv module rejects becomes an
`InputError` naming the line; `CsvReader.header` and `CsvReader.rows` give a file's stripped header and
its rows as each importer wants them (blank rows skipped, short rows padded, long ones refused or cut).
`csv_rows` yields each row as a `CsvRow` keyed by field name after renaming (`--map COLUMN=FIELD`),
remembering its file and line for error messages; `column_pairs` reads such options; `row_instant`
reads a cell's timestamp, naming the file, line and field when it cannot. A missing column is reported
by `missing_column`: with the column meant and the ``--map`` that renames it when one is close, and as
another tool's export (or JSON) when the file is JSON rather than CSV.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from orgflow.errors import InputError
from orgflow.query.known_names import suggestion
from orgflow.sources.export_kinds import wrong_export
from orgflow.sources.file_text import read_text
from orgflow.sources.files import clip, parse_instant, quote, to_utc

COLUMNS_LISTED = 400
"""How many characters of a header "columns found" quotes (a wide header is cut, with "...")."""


class CsvReader:
    """The rows of one CSV file (gzip allowed, a UTF-8 byte order mark dropped) as lists of cells.

    Like `csv.reader` (iterate it; `line_num` is the line the last row ended on), except that what the
    csv module rejects (a cell longer than its limit, as an unclosed quote makes) raises an InputError
    naming the file and line.
    """

    __slots__ = ("_reader", "file")

    def __init__(self, path: Path) -> None:
        self.file = str(path)
        self._reader = csv.reader(io.StringIO(read_text(path).removeprefix("\ufeff"), newline=""))

    @property
    def line_num(self) -> int:
        return self._reader.line_num

    def __iter__(self) -> CsvReader:
        return self

    def header(self) -> list[str] | None:
        """The first row, each name stripped of white space (None for a file without rows)."""
        first = next(self, None)
        return None if first is None else [name.strip() for name in first]

    def rows(
        self, width: int | None = None, *, skip_blank: bool = False, refuse_longer: bool = False
    ) -> Iterator[list[str]]:
        """The rows after the header (`line_num` is each one's line). Empty rows are skipped, and with
        `skip_blank` rows of white space too. Given a `width`, shorter rows are padded with "" to it,
        and a longer row is kept whole or, with `refuse_longer`, an InputError naming its line."""
        for row in self:
            if not row or (skip_blank and not any(cell.strip() for cell in row)):
                continue
            if width is None or len(row) == width:
                yield row
            elif len(row) < width:
                yield row + [""] * (width - len(row))
            elif refuse_longer:
                raise InputError(
                    f"{len(row)} cells for {width} columns",
                    file=self.file,
                    record=f"line {self.line_num}",
                    hint="quote cells",
                )
            else:
                yield row

    def __next__(self) -> list[str]:
        try:
            return next(self._reader)
        except csv.Error as error:
            # The line the reader stopped at is the first line of the failing row or past it.
            raise InputError(
                f"unreadable CSV ({error})",
                file=self.file,
                record=f"line {self._reader.line_num}",
                hint=f"check for an unclosed quote; a cell holds at most {csv.field_size_limit():,} characters",
            ) from None


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One CSV row by field name (after renaming), with where it came from (for error messages)."""

    values: dict[str, str]
    file: str
    line: int

    @property
    def record(self) -> str:
        return f"line {self.line}"

    def text(self, field: str) -> str:
        """The stripped value of `field` ("" when the file has no such column)."""
        return self.values.get(field, "").strip()

    def instant(self, field: str, *, required: bool) -> datetime | None:
        """`field` as an aware UTC instant (None when empty and not required).

        Raises:
            InputError: not a timestamp, or empty when required.
        """
        return parse_instant(self.text(field), file=self.file, record=self.record, field=field, required=required)


def column_positions(
    file: str,
    header: list[str],
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    column_map: Mapping[str, str],
) -> dict[str, int]:
    """Field name -> column position in `header`. A column renamed by `column_map` wins over one
    already carrying the field's name; columns that are neither fields nor renamed are left out.

    Raises:
        InputError: a required column is missing (naming the columns found and `--map`).
    """
    fields = set(required) | set(optional)
    positions: dict[str, int] = {}
    for position, name in enumerate(header):
        if name in column_map:
            positions[column_map[name]] = position
    for position, name in enumerate(header):
        if name not in column_map and name in fields:
            positions.setdefault(name, position)
    for name in required:
        if name not in positions:
            raise missing_column(file, header, name, taken=fields | set(column_map), required=required)
    return positions


def columns_found(header: list[str]) -> str:
    """The header's names as a message lists them (cut at `COLUMNS_LISTED` characters)."""
    return clip(", ".join(header), COLUMNS_LISTED)


def missing_column(
    file: str, header: list[str], name: str, *, taken: Collection[str], required: tuple[str, ...]
) -> InputError:
    """The error for a file whose `header` has no column for the field `name` (the record is its header).

    The hint names the column meant and the ``--map`` that reads it as `name` when one is close
    (`orgflow.query.known_names.suggestion` over the columns not `taken`: the fields' own names and
    those already renamed), or else is the only one whose first word is the field's (``to_value`` for
    ``to_status``), then lists the columns found. A file that is JSON rather than CSV (its
    first cell opens an object or a list) is said to be so, as the export it looks like when it is one
    (`orgflow.sources.export_kinds`), on its line 1."""
    if header and header[0].lstrip().startswith(("{", "[")):
        return _json_not_csv(file, name, required)
    free = [column for column in header if column not in taken]
    meant = suggestion(name, free) or _one_of_same_stem(name, free)
    listed = columns_found(header)
    hint = (
        f"columns found: {listed}; rename one with --map COLUMN={name}"
        if meant is None
        else f"did you mean {meant!r}? rename it with --map {meant}={name} (columns found: {listed})"
    )
    return InputError(f"missing column {quote(name)}", file=file, record="header", field=name, hint=hint)


def _one_of_same_stem(name: str, columns: list[str]) -> str | None:
    """The one column of `columns` whose first word (up to "_", any case) is `name`'s; None when there
    are none or several."""
    stem = name.split("_", 1)[0].casefold()
    alike = [column for column in columns if column.split("_", 1)[0].casefold() == stem]
    return alike[0] if len(alike) == 1 else None


def _json_not_csv(file: str, name: str, required: tuple[str, ...]) -> InputError:
    """`missing_column`'s error for a file whose first line opens a JSON object or list."""
    first = _first_json_object(Path(file))
    other = None if first is None else wrong_export(first, expected="", wanted="a CSV file", file=file)
    message, hint = other or (
        "this is JSON, not a CSV file",
        f"give a CSV file whose first line names its columns ({', '.join(required)}, ...)",
    )
    return InputError(f"missing column {quote(name)}: {message}", file=file, record="line 1", field=name, hint=hint)


def _first_json_object(path: Path) -> Mapping[str, object] | None:
    """The first JSON object of the file: its first line's (JSON Lines, read alone), else the whole
    text's; the first object of a list, or of a search response's ``issues``. None when there is none."""
    for text in (_first_line(path), None):
        try:
            data = json.loads(read_text(path) if text is None else text)
        except (ValueError, RecursionError, InputError):  # not JSON, nested too deep, or unreadable
            continue
        if isinstance(data, Mapping) and isinstance(data.get("issues"), list):
            data = data["issues"]
        if isinstance(data, list):
            data = next((entry for entry in data if isinstance(entry, Mapping)), None)
        return data if isinstance(data, Mapping) else None
    return None


def _first_line(path: Path) -> str:
    """The file's first line (un-gzipped), read alone: "" when it cannot be read so."""
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rt", encoding="utf-8-sig") as stream:
                return stream.readline()
        with path.open(encoding="utf-8-sig") as stream:
            return stream.readline()
    except (OSError, EOFError, UnicodeDecodeError):
        return ""


def csv_rows(
    path: Path,
    *,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    column_map: Mapping[str, str],
) -> Iterator[CsvRow]:
    """The rows of one CSV file (gzip allowed) by field name; blank lines are skipped.

    A column renamed by `column_map` wins over one already carrying the field's name; columns that
    are neither fields nor renamed are ignored.

    Raises:
        InputError: a required column is missing, or a row has more cells than the header.
    """
    file = str(path)
    reader = CsvReader(path)
    header = reader.header()
    if not header:
        return
    positions = column_positions(file, header, required=required, optional=optional, column_map=column_map)
    for cells in reader.rows(len(header), skip_blank=True, refuse_longer=True):
        yield CsvRow({name: cells[position] for name, position in positions.items()}, file, reader.line_num)


def row_instant(text: str, *, file: str, line: int, field: str) -> datetime:
    """A cell's timestamp as an aware UTC instant: ISO 8601 with an offset by the fast path, anything
    else by `parse_instant`, which decides and words the error (file, line and field).

    Raises:
        InputError: not a timestamp, or one without an offset.
    """
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        instant = None
    if instant is not None and instant.tzinfo is not None:
        return to_utc(instant, value=text, file=file, record=f"line {line}", field=field)
    parsed = parse_instant(text, file=file, record=f"line {line}", field=field)
    assert parsed is not None  # required=True raises instead of returning None
    return parsed


def column_pairs(value: object, *, option: str) -> dict[str, str]:
    """An option given as a mapping or as "key=value" texts (as typed on the command line).

    Raises:
        InputError: a text without "=".
    """
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {str(key): str(item) for key, item in value.items()}
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, list | tuple):
        raise InputError(f"option {option} must map names to names ({quote(value)})", field=option)
    pairs: dict[str, str] = {}
    for text in texts:
        key, equals, item = str(text).partition("=")
        if not equals or not key.strip():
            raise InputError(
                f"option {option} needs NAME=VALUE, got {quote(text)}", field=option, hint=f"e.g. --{option} a=b"
            )
        pairs[key.strip()] = item.strip()
    return pairs
