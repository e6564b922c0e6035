"""One way to print a table for every command: a Rich table, CSV or JSON.

Cells are data (team names, titles, paths) and are never read as Rich markup or emoji codes; CSV
cells that a spreadsheet would run as a formula get a leading `'` (see `csv_cell`).

Light to import: `orgflow --help` and usage errors load this module (for `Format` and the consoles),
so Arrow, Rich's tables and the metrics load only when something is rendered.
"""

from __future__ import annotations

import csv
import enum
import io
import json
import math
import os
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape

from orgflow.cli.table_columns import Column, core_columns, fit_columns, instant_columns, numeric_columns
from orgflow.errors import InputError
from orgflow.values import json_value

if TYPE_CHECKING:
    import pyarrow as pa

    from orgflow.flow.service import MetricResult
    from orgflow.query.plain_table import PlainTable


def _width() -> int | None:
    """The terminal's width (None: Rich asks the terminal); piped output: $COLUMNS, else 200."""
    if sys.stdout.isatty():
        return None
    columns = os.environ.get("COLUMNS", "")
    # Piped output has no terminal width; give wide tables room rather than leaving columns out.
    return int(columns) if columns.isdigit() and int(columns) > 0 else 200


# No emoji codes: a title such as ":bug: fix" is data, printed as written.
console = Console(width=_width(), emoji=False)
error_console = Console(stderr=True, emoji=False)


class Format(enum.StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


# A figure the data cannot support is None: shown as a dash, never as an empty cell or 0.
UNKNOWN = "–"
LIST_SEPARATOR = "; "


def _cell(value: Any) -> str:
    if value is None:
        return UNKNOWN
    if isinstance(value, float):
        return UNKNOWN if math.isnan(value) else f"{value:,.2f}"
    if isinstance(value, datetime):
        return instant_cell(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return list_cell(value)
    return str(value)


INSTANT_FORMAT = "%Y-%m-%d %H:%M:%S"
"""An instant in a terminal table: to the second, in UTC; its column's header says "(UTC)" (`render_table`)."""


def instant_cell(value: datetime) -> str:
    """An instant as a table cell, "2018-10-15 13:30:07": in UTC (a naive instant is UTC, as the store
    keeps it; an aware one is converted), to the second (CSV and JSON keep every digit)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime(INSTANT_FORMAT)


def list_cell(values: list[Any] | tuple[Any, ...]) -> str:
    """A list as one cell, its items separated by "; " (as insights' evidence is), not Python's repr."""
    return LIST_SEPARATOR.join(UNKNOWN if item is None else str(json_value(item)) for item in values)


# OWASP's list for CSV injection: a spreadsheet evaluates a cell starting with one of these.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: text a spreadsheet would run as a formula gets a leading `'`.

    Numbers (a negative one too) stay numbers, None is an empty cell, a boolean is ``true`` or
    ``false`` (as in JSON), a list is its items joined by "; " (`list_cell`).
    """
    value = json_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        value = list_cell(value)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def render_table(
    table: pa.Table | PlainTable,
    *,
    title: str | None = None,
    caption: str | None = None,
    limit: int | None = None,
    keep: list[str] | tuple[str, ...] | None = None,
) -> None:
    """Print an Arrow table (or a `PlainTable`) as a Rich table (numbers right-aligned, at most `limit` rows).

    Headers are the columns' short labels (`table_columns.column_label`), "(UTC)" after an instant's (its cells are
    UTC to the second, `instant_cell`). When the table is wider than the
    terminal, it shows the columns in `keep` (default: the first) and, from the left, each other
    column that still fits; the caption names those left out.
    """
    from rich.table import Table
    from rich.text import Text

    numeric = numeric_columns(table)
    rows = table.to_pylist()
    shown_rows = rows if limit is None else rows[:limit]
    cells = {name: [_cell(row[name]) for row in shown_rows] for name in table.column_names}
    instants = instant_columns(table)
    columns = [
        Column.measure(name, name in numeric, cells[name], instant=name in instants) for name in table.column_names
    ]
    kept = set(table.column_names[:1] if keep is None else keep)
    shown, widths, left_out = fit_columns(columns, kept, console.width)
    if left_out:
        note = f"left out to fit {console.width} columns: {', '.join(left_out)} (--columns or --format csv shows them)"
        caption = note if caption is None else f"{caption} · {note}"
    view = Table(
        title=None if title is None else escape(title),
        caption=None if caption is None else escape(caption),
        header_style="bold",
        show_lines=False,
    )
    for column, width in zip(shown, widths, strict=True):
        # Headers wrap at their spaces (the width holds the longest word); cells never wrap: numbers
        # fit the width, names and dates stay on one line and are cut with an ellipsis if too long.
        view.add_column(Text(column.label), justify="right" if column.numeric else "left", width=width)
    body = [[cells[column.name][index] for column in shown] for index in range(len(shown_rows))]
    lines = _plain_rows(body, widths, [column.numeric for column in shown])
    for row in body if lines is None else body[:1]:
        view.add_row(*[Text(cell, no_wrap=True, overflow="ellipsis") for cell in row])
    if lines is None or not _print_with_rows(view, lines):
        for row in body[1:] if lines is not None else ():
            view.add_row(*[Text(cell, no_wrap=True, overflow="ellipsis") for cell in row])
        console.print(view)
    if limit is not None and len(rows) > limit:
        more = len(rows) - limit
        console.print(f"[dim]… {more} more {'row' if more == 1 else 'rows'} (use --format csv or json for all)[/dim]")


def _plain_rows(body: list[list[str]], widths: list[int], numeric: list[bool]) -> list[str] | None:
    """Each row of `body` as the line Rich prints for it in a table on plain output (no terminal, no
    styles), or None where Rich must render the rows itself: on a terminal, for fewer than two rows,
    or when a cell would be cut (an ellipsis), is not printable or has surrounding spaces.

    Rich takes about half a millisecond a row; a table of 200 rows was a fifth of a query command.
    """
    if len(body) < 2 or console.is_terminal or console.color_system is not None:
        return None
    lines = []
    for row in body:
        parts = []
        for cell, width, right in zip(row, widths, numeric, strict=True):
            length = cell_len(cell)
            if length > width or not cell.isprintable() or cell != cell.strip():
                return None
            padding = " " * (width - length)
            parts.append(padding + cell if right else cell + padding)
        lines.append("│ " + " │ ".join(parts) + " │")
    return lines


def _print_with_rows(view: Any, lines: list[str]) -> bool:
    """Print the Rich table `view`, which holds the first of the rows `lines` print, with the other rows
    after it: what Rich prints for the whole table. False, printing nothing, when Rich's line for the
    first row is not `lines[0]` (the rows are then Rich's to render)."""
    with console.capture() as capture:
        console.print(view)
    printed = capture.get().split("\n")
    if printed.count(lines[0]) != 1:
        return False
    at = printed.index(lines[0]) + 1
    console.file.write("\n".join([*printed[:at], *lines[1:], *printed[at:]]))
    console.file.flush()
    return True


def select_columns(result: MetricResult, columns: list[str] | None) -> MetricResult:
    """The result with only `columns`, in that order (None: all of them).

    Raises:
        InputError: a column the result does not have; the message lists those it has.
    """
    if not columns:
        return result
    available = result.table.column_names
    unknown = [name for name in columns if name not in available]
    if unknown:
        raise InputError(
            f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}",
            field="--columns",
            hint=f"{result.metric} has: {', '.join(available)}",
        )
    from orgflow.flow.service import MetricResult

    chosen = list(dict.fromkeys(columns))
    return MetricResult(result.metric, result.definition, result.params, result.table.select(chosen), result.notes)


def json_payload(result: MetricResult) -> dict[str, Any]:
    """A result as ``--format json`` prints it: {"metric", "definition", "params", "rows", "notes"}
    (`notes`: the result's notes, such as where its figures come from; an empty list when none)."""
    return {
        "metric": result.metric,
        "definition": result.definition,
        "params": result.params,
        "rows": result.json_rows(),
        "notes": list(result.notes),
    }


def print_notes(notes: Iterable[str]) -> None:
    """Notes under a terminal table, dimmed, each as ``note: TEXT``."""
    for note in notes:
        console.print(f"[dim]note: {escape(note)}[/dim]", highlight=False)


def render(
    result: MetricResult,
    fmt: Format,
    *,
    limit: int | None = 200,
    columns: list[str] | None = None,
    notes: Iterable[str] | None = None,
) -> None:
    """Print a metric result in the chosen format, with its notes: JSON `json_payload` (the notes as its
    ``notes`` list); CSV the rows alone on stdout, each note as ``note: TEXT`` on stderr; a table, the
    notes under it (`notes`: those to print there instead of the result's, such as the result's with
    those a figure's terminal step adds).

    `columns` (from --columns) chooses and orders the columns of a table or CSV; JSON keeps every
    column. An unknown name is an `InputError` in every format.
    """
    chosen = select_columns(result, columns)
    if fmt is Format.json:
        sys.stdout.write(json.dumps(json_payload(result), indent=1) + "\n")
    elif fmt is Format.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(chosen.table.column_names)
        for row in chosen.json_rows():
            writer.writerow([csv_cell(value) for value in row.values()])
        sys.stdout.write(buffer.getvalue())
        sys.stdout.flush()
        for note in result.notes:
            sys.stderr.write(f"note: {note}\n")
    else:
        window = ""
        if isinstance(result.params.get("since"), str) and isinstance(result.params.get("until"), str):
            window = f" · {window_label(result.params['since'], result.params['until'])}"
        count = result.params["rows"]
        caption = f"{result.definition}{window} · {count} {'row' if count == 1 else 'rows'}"
        table = chosen.table
        reasons = _unknown_reasons(result.table, result.params.get("by"))
        table = table.drop_columns([name for name in REASON_COLUMNS if name in table.column_names])
        keep = table.column_names if columns else core_columns(result.metric)
        render_table(table, title=result.metric, caption=caption, limit=limit, keep=keep)
        for reason, keys in reasons.items():
            named = f"{escape(', '.join(keys))}: " if keys else ""
            console.print(f"[dim]{UNKNOWN} {named}{escape(reason)}[/dim]", highlight=False)
        from orgflow.query.as_of import as_of_caption

        as_of = as_of_caption(result.params)
        if as_of is not None:
            console.print(f"[dim]{escape(as_of)}[/dim]", highlight=False)
        print_notes(result.notes if notes is None else notes)


def window_label(since: str, until: str) -> str:
    """A window's label, "2018-12-01 to 2018-12-31": its first day and its last day, inclusive (`since`
    and `until` as in params: ISO instants in UTC, `until` exclusive, so a window ending at midnight
    ends on the day before; one ending inside a day ends on that day)."""
    from datetime import timedelta

    first = since[:10]
    end = datetime.fromisoformat(until.replace("Z", "+00:00"))
    last = end - timedelta(days=1) if (end.hour, end.minute, end.second, end.microsecond) == (0, 0, 0, 0) else end
    return f"{first} to {max(last.date().isoformat(), first)}"


UNKNOWN_REASONS = "unknown_reasons"
"""The column that says why a row's figures are unknown: printed under a terminal table, not in it."""
REASON_COLUMNS = (UNKNOWN_REASONS, "null_reason")
"""Columns of reasons (a flow figure's `unknown_reasons`, a forecast row's `null_reason`): the terminal
prints each distinct reason once under the table, with the rows it applies to, instead of a column of '–'."""


def _unknown_reasons(table: pa.Table | PlainTable, by: str | None = None) -> dict[str, list[str]]:
    """Each distinct reason in the reason columns, with the rows it applies to, named by `_row_keys`
    once each (no names for the one row of an ungrouped result)."""
    if not table.num_columns:
        return {}
    keys = _row_keys(table, by)
    grouped: dict[str, list[str]] = {}
    for name in REASON_COLUMNS:
        if name not in table.column_names:
            continue
        for key, reason in zip(keys, table.column(name).to_pylist(), strict=True):
            if reason:
                names = grouped.setdefault(reason, [])
                if key is not None and key not in names:
                    names.append(key)
    return grouped


def _row_keys(table: pa.Table | PlainTable, by: str | None) -> list[str | None]:
    """What names each row under the table: its value of the grouping column when the result is
    grouped (`by`, as the column is named or as the item column it groups by), nothing for the one
    row of an ungrouped result, else its first column (an item, a day, a service)."""
    from orgflow.query.window import BY_COLUMNS

    if by is not None and by != "org":
        for name in (by, BY_COLUMNS.get(by)):
            if name is not None and name in table.column_names:
                return [_cell(value) for value in table.column(name).to_pylist()]
    if by in (None, "org") and table.num_rows == 1:
        return [None]
    return [_cell(value) for value in table.column(0).to_pylist()]
