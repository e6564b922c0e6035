"""Every field of every importer's sample, swapped in turn for a value of the wrong type, a NUL, an
instant that overflows in UTC or a huge text: each import gives well-typed records or a clear InputError.

The fuzz (`test_importer_fuzz.py`) samples mutations; this sweep tries each of these on every field,
so no field is missed (a title given as a list, an email given as a number).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.sources.importer_samples import SAMPLES, Sample, load, replaced, serialize, value_paths

from orgflow.errors import InputError

SWAPS = ([1, "a"], 5, 2.5, True, {"x": 1}, "a\x00b", "9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+14:00")
"""What every JSON or YAML value is replaced by, one at a time."""
CELLS = ("a\x00b", "9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+14:00", "x" * 140_000, '"', "")
"""What every CSV cell, and every line of a text file, is replaced by, one at a time."""


def _variants(sample: Sample) -> list[tuple[str, str]]:
    """(what was changed, the file's text) for every swap at every field, cell or line."""
    content = sample.content
    if sample.format == "csv":
        return [
            (f"row {row} cell {column} = {cell[:30]!r}", serialize(sample, _cell(content, row, column, cell)))
            for row, cells in enumerate(content)
            for column in range(len(cells))
            for cell in CELLS
        ]
    if sample.format == "text":
        lines = content.split("\n")
        return [
            (f"line {number} = {cell[:30]!r}", "\n".join([*lines[:number], cell, *lines[number + 1 :]]))
            for number in range(len(lines))
            for cell in CELLS
        ]
    return [
        (f"{'.'.join(map(str, path))} = {swap!r}", serialize(sample, replaced(content, path, swap)))
        for path in value_paths(content)
        for swap in SWAPS
    ]


def _cell(rows: list[list[str]], row: int, column: int, cell: str) -> list[list[str]]:
    changed = [list(cells) for cells in rows]
    changed[row][column] = cell
    return changed


@pytest.mark.parametrize("sample", SAMPLES, ids=[sample.name for sample in SAMPLES])
def test_every_field_swapped(sample: Sample, tmp_path: Path) -> None:
    path = tmp_path / sample.file_name
    outcomes = {"imported": 0, "refused": 0}
    for change, text in _variants(sample):
        path.write_text(text, encoding="utf-8")
        try:
            outcome = load(sample, path)
        except AssertionError as failure:
            raise AssertionError(f"{sample.name}: {change}: {failure}") from None
        outcomes["refused" if isinstance(outcome, InputError) else "imported"] += 1
    # Both happen: the sweep reaches fields that matter and fields an importer may ignore.
    assert outcomes["refused"] > 0
