"""Splitting a CSV file into cells for a column-wise reader: DuckDB's reader where it splits exactly as
the csv module would (a plain file: no quote, no NUL, one kind of line end), else the csv module; and
the white space ``str.strip`` removes from such cells, as a SQL literal for DuckDB's ``trim``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from orgflow.query.lookups import sql_literal

ODD_SPACES = (
    "\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
"""Every character ``str.isspace`` holds true but space, tab and newline (Unicode 15, Python 3.11)."""
ALL_SPACES = sql_literal(" \t\n" + ODD_SPACES)
"""What Python's ``str.strip`` removes, as a SQL literal for DuckDB's ``trim``."""
PLAIN_SPACES = sql_literal(" \t\n")
"""What ``str.strip`` removes from a cell of a text holding no other white space than these (DuckDB
trims a short list several times faster than the whole one)."""
ODD_ASCII = tuple(space.encode() for space in ODD_SPACES if space.isascii() and space != "\r")
"""The odd white space an ASCII text can hold (a carriage return is looked for apart: DuckDB's reader
takes it as part of a line end)."""


class Declined(Exception):
    """The input is not one this reader vouches for: the row-by-row reader decides."""


def plain_header(data: bytes) -> list[str] | None:
    """The stripped header of a file DuckDB's reader may split, else None: UTF-8 without a quote or NUL,
    its lines ended all by ``\\n`` or all by ``\\r\\n``, a first line that is not blank."""
    if b'"' in data or b"\x00" in data:
        return None
    returns = data.count(b"\r")
    if returns and not returns == data.count(b"\r\n") == data.count(b"\n"):
        return None  # a lone carriage return, or line ends of both kinds
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    end = data.find(b"\n")
    first_line = (data if end < 0 else data[:end]).decode("utf-8").removeprefix("\ufeff").removesuffix("\r")
    if not first_line:
        return None
    return [name.strip() for name in first_line.split(",")]


def duckdb_cells(path: Path, width: int) -> str:
    """DuckDB's reader of the body of `path` (the header skipped) as ``c0 .. c<width-1>``, every cell
    text: no quoting, no comment lines, blank lines skipped, short rows padded with nulls; a longer row, a line the csv
    module would refuse (as long as its cell limit) or text that is not UTF-8 is an error."""
    columns = ", ".join(f"'c{position}': 'VARCHAR'" for position in range(width))
    return (
        f"read_csv({sql_literal(str(path))}, columns = {{{columns}}}, header = false, skip = 1, delim = ',', "
        "quote = '', escape = '', comment = '', auto_detect = false, null_padding = true, strict_mode = true, "
        f"max_line_size = {csv.field_size_limit()})"
    )


def csv_cells(text: str) -> tuple[list[str], list[list[str]]] | None:
    """Stripped header and rows by the csv module, as `CsvReader` reads them (blank rows dropped); what
    the csv module rejects is declined."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        rows = [row for row in reader if row]
    except csv.Error:
        raise Declined from None
    if header is None:
        return None
    return [name.strip() for name in header], rows


def spaces_of(data: bytes, *, quoted: bool) -> str:
    """What ``str.strip`` removes from the cells of the file `data`, as a SQL literal for ``trim``
    (`quoted`: the csv module split the text, so a cell may hold a carriage return)."""
    if quoted and b"\r" in data:
        return ALL_SPACES
    if data.isascii():
        odd = any(space in data for space in ODD_ASCII)
    else:
        text = data.decode("utf-8", errors="replace")
        odd = any(space in text for space in ODD_SPACES if space != "\r")
    return ALL_SPACES if odd else PLAIN_SPACES
