"""A terminal table's columns: their short labels, which hold numbers or instants, and how many of them,
at what widths, fit the terminal (`orgflow.cli.render.render_table` prints them).

Light to import, as `orgflow.cli.render` is: the registry, the metric definitions and Arrow load only
when a table is measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from rich.cells import cell_len

if TYPE_CHECKING:
    import pyarrow as pa

    from orgflow.query.plain_table import PlainTable


def column_label(name: str) -> str:
    """A column's short terminal label ("Flow time p85 (d)"), or its name with spaces when it has none."""
    from orgflow.registry import default_label

    return _labels().get(name) or default_label(name)


@cache
def _labels() -> dict[str, str]:
    """Every column's short terminal label (flow and delivery)."""
    from orgflow.delivery import columns as delivery_columns
    from orgflow.flow import definitions

    return {**delivery_columns.LABELS, **definitions.LABELS}


def core_columns(metric: str) -> tuple[str, ...] | None:
    """The columns a terminal table of `metric` keeps when it must leave some out (its declaration's
    `core`; None: the first column alone)."""
    from orgflow import registry

    try:
        return registry.figure(metric).core or None
    except KeyError:
        return None


# A text cell longer than this is cut with an ellipsis rather than widen the table past the terminal,
# and down to _NARROWEST_TEXT when the columns that must show need the room.
_WIDEST_TEXT = 40
_NARROWEST_TEXT = 16
# Per column: one space of padding each side and a border; plus the table's closing border.
_COLUMN_FRAME = 3


@dataclass(eq=False)
class Column:
    """A column's label and the widths it can take: on one line, on two, and at its longest word."""

    name: str
    label: str
    numeric: bool
    one_line: int
    two_lines: int
    narrowest: int

    @classmethod
    def measure(cls, name: str, numeric: bool, cells: list[str], *, instant: bool = False) -> Column:
        """The column `name` of `cells`; an `instant` column's label says its cells are in UTC."""
        label = column_label(name) + (" (UTC)" if instant else "")
        widest = max((cell_len(cell) for cell in cells), default=0)
        # Text takes its full width when there is room, and is cut down to _WIDEST_TEXT when not.
        full, widest = widest, widest if numeric else min(max(widest, 4), _WIDEST_TEXT)
        words = label.split()
        # The narrowest split of the label into two lines (word boundaries only).
        split = min(
            (max(cell_len(" ".join(words[:at])), cell_len(" ".join(words[at:]))) for at in range(1, len(words))),
            default=cell_len(label),
        )
        longest_word = max((cell_len(word) for word in words), default=0)
        one_line = max(cell_len(label), full, widest)
        narrowest = max(longest_word, widest if numeric else min(widest, _NARROWEST_TEXT))
        return cls(name, label, numeric, one_line, max(split, widest), narrowest)


def _table_width(widths: list[int]) -> int:
    return sum(widths) + _COLUMN_FRAME * len(widths) + 1


def fit_columns(columns: list[Column], keep: set[str], width: int) -> tuple[list[Column], list[int], list[str]]:
    """The columns to show, their widths, and the names left out so that no header breaks inside a word.

    The columns in `keep` show (from the left, as many as fit); each other one shows if the table still fits
    `width` with every header on at most two lines. Then the widest headers take two lines, then as
    many as they need (folded at spaces only), until the table fits.
    """
    shown = [column for column in columns if column.name in keep]
    # A terminal too narrow even for those: the last ones go too (the first, the row's key, stays).
    while len(shown) > 1 and _table_width([column.narrowest for column in shown]) > width:
        shown.pop()
    for column in columns:
        if column.name in keep:
            continue
        tried = [other for other in columns if other in shown or other is column]
        if _table_width([other.two_lines for other in tried]) <= width:
            shown = tried
    left_out = [column.name for column in columns if column not in shown]
    widths = [column.one_line for column in shown]
    by_width = sorted(range(len(shown)), key=lambda index: -shown[index].one_line)
    for narrower in ("two_lines", "narrowest"):
        for index in by_width:
            if _table_width(widths) <= width:
                break
            widths[index] = min(widths[index], getattr(shown[index], narrower))
    return shown, widths, left_out


def instant_columns(table: pa.Table | PlainTable) -> set[str]:
    """The names of `table`'s columns of instants (timestamps): shown in UTC, their header says so."""
    from orgflow.query.plain_table import PlainTable

    if isinstance(table, PlainTable):  # DuckDB's types: TIMESTAMP, TIMESTAMP WITH TIME ZONE...
        kinds = zip(table.column_names, table.types, strict=True)
        return {name for name, kind in kinds if kind.startswith("TIMESTAMP")}
    import pyarrow as pa

    return {field.name for field in table.schema if pa.types.is_timestamp(field.type)}


def numeric_columns(table: pa.Table | PlainTable) -> set[str]:
    """The names of `table`'s columns of numbers (integers or floats): right-aligned."""
    from orgflow.query.plain_table import PlainTable

    if isinstance(table, PlainTable):
        return {name for name in table.column_names if table.is_numeric(name)}
    import pyarrow as pa

    return {field.name for field in table.schema if pa.types.is_integer(field.type) or pa.types.is_floating(field.type)}
