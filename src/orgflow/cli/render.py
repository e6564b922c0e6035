"""One way to print a table for every command: a Rich table, CSV or JSON.

Cells are data (team names, titles, paths) and are never read as Rich markup or emoji codes; CSV
cells that a spreadsheet would run as a formula get a leading `'` (see `csv_cell`).
"""

from __future__ import annotations

import csv
import enum
import io
import json
import math
import sys
from datetime import datetime
from typing import Any

import pyarrow as pa
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from orgflow.metrics.as_of import as_of_caption
from orgflow.metrics.service import MetricResult
from orgflow.values import json_value

# Piped output has no terminal width; give wide tables room rather than folding every header.
# No emoji codes: a title such as ":bug: fix" is data, printed as written.
console = Console(width=None if sys.stdout.isatty() else 200, emoji=False)
error_console = Console(stderr=True, emoji=False)


class Format(enum.StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


# A figure the data cannot support is None: shown as a dash, never as an empty cell or 0.
UNKNOWN = "–"


def _cell(value: Any) -> str:
    if value is None:
        return UNKNOWN
    if isinstance(value, float):
        return UNKNOWN if math.isnan(value) else f"{value:,.2f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return "yes" if value else ""
    return str(value)


# OWASP's list for CSV injection: a spreadsheet evaluates a cell starting with one of these.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: text a spreadsheet would run as a formula gets a leading `'`.

    Only text is changed: numbers (a negative one too) stay numbers, None is an empty cell.
    """
    value = json_value(value)
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def render_table(
    table: pa.Table, *, title: str | None = None, caption: str | None = None, limit: int | None = None
) -> None:
    """Print an Arrow table as a Rich table (numbers right-aligned, at most `limit` rows)."""
    view = Table(
        title=None if title is None else escape(title),
        caption=None if caption is None else escape(caption),
        header_style="bold",
        show_lines=False,
    )
    numeric = {
        field.name for field in table.schema if pa.types.is_integer(field.type) or pa.types.is_floating(field.type)
    }
    rows = table.to_pylist()
    shown = rows if limit is None else rows[:limit]
    for name in table.column_names:
        if name in numeric:
            view.add_column(Text(name), justify="right", overflow="fold")
        else:
            # Names and dates read badly when folded: keep them on one line.
            widest = max((len(_cell(row[name])) for row in shown), default=0)
            view.add_column(Text(name), justify="left", no_wrap=True, min_width=min(max(widest, 4), 40))
    for row in shown:
        view.add_row(*[Text(_cell(row[name])) for name in table.column_names])
    console.print(view)
    if limit is not None and len(rows) > limit:
        console.print(f"[dim]… {len(rows) - limit} more rows (use --format csv or json for all)[/dim]")


def render(result: MetricResult, fmt: Format, *, limit: int | None = 200) -> None:
    """Print a metric result in the chosen format. JSON: {"metric", "definition", "params", "rows"}."""
    if fmt is Format.json:
        payload = {
            "metric": result.metric,
            "definition": result.definition,
            "params": result.params,
            "rows": [{key: json_value(value) for key, value in row.items()} for row in result.rows()],
        }
        sys.stdout.write(json.dumps(payload, indent=1) + "\n")
    elif fmt is Format.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(result.table.column_names)
        for row in result.rows():
            writer.writerow([csv_cell(value) for value in row.values()])
        sys.stdout.write(buffer.getvalue())
    else:
        window = ""
        if "since" in result.params:
            window = f" · {result.params['since'][:10]} to {result.params['until'][:10]}"
        caption = f"{result.definition}{window} · {result.params['rows']} rows"
        table = result.table
        reasons = _unknown_reasons(table)
        if UNKNOWN_REASONS in table.column_names:
            table = table.drop_columns([UNKNOWN_REASONS])
        render_table(table, title=result.metric, caption=caption, limit=limit)
        for reason, keys in reasons.items():
            console.print(f"[dim]{UNKNOWN} {escape(', '.join(keys))}: {escape(reason)}[/dim]", highlight=False)
        as_of = as_of_caption(result.params)
        if as_of is not None:
            console.print(f"[dim]{escape(as_of)}[/dim]", highlight=False)


UNKNOWN_REASONS = "unknown_reasons"
"""The column that says why a row's figures are unknown: printed under a terminal table, not in it."""


def _unknown_reasons(table: pa.Table) -> dict[str, list[str]]:
    """Each distinct reason in the `unknown_reasons` column, with the rows (first column) it applies to."""
    if UNKNOWN_REASONS not in table.column_names or not table.num_columns:
        return {}
    keys = table.column(0).to_pylist()
    grouped: dict[str, list[str]] = {}
    for key, reason in zip(keys, table.column(UNKNOWN_REASONS).to_pylist(), strict=True):
        if reason:
            grouped.setdefault(reason, []).append(_cell(key))
    return grouped
