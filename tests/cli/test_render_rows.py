"""Terminal tables print their rows as Rich would, without Rich rendering each one.

On plain output (piped, no styles) `render_table` lets Rich print the table with its first row and
writes the other rows itself (`orgflow.cli.render._plain_rows`); the output must be the bytes Rich
prints for the whole table, checked here against Rich rendering every row.
"""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
import pytest

from orgflow.cli import render


def _printed(capsys: pytest.CaptureFixture[str], table: pa.Table, **options: object) -> str:
    capsys.readouterr()
    render.render_table(table, **options)  # type: ignore[arg-type]
    return capsys.readouterr().out


def _both(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], table: pa.Table) -> tuple[str, str]:
    """(the output as printed, the output with Rich rendering every row), and whether the rows were written."""
    spliced = _printed(capsys, table, title="t", caption="a caption", limit=4)
    with monkeypatch.context() as patched:
        patched.setattr(render, "_plain_rows", lambda *_args: None)
        whole = _printed(capsys, table, title="t", caption="a caption", limit=4)
    return spliced, whole


def test_written_rows_are_the_bytes_rich_prints(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    table = pa.table(
        {
            "team": ["payments", "チーム", "a b", "ops", "never shown"],
            "day": [datetime(2024, 3, d, 9, 30) for d in (1, 2, 3, 4, 5)],
            "count": [3, 12345, 0, None, 7],
            "days": [1.5, None, float("nan"), 1234.567, 2.0],
            "flag": [True, False, True, False, True],
        }
    )
    taken: list[bool] = []
    original = render._print_with_rows

    def spy(view: object, lines: list[str]) -> bool:
        taken.append(original(view, lines))
        return taken[-1]

    monkeypatch.setattr(render, "_print_with_rows", spy)
    spliced, whole = _both(monkeypatch, capsys, table)

    assert taken == [True]
    assert spliced == whole
    # The rows as Rich lays them out: text left, numbers right, unknown as a dash; the fifth row is past the limit.
    assert "│ チーム   │ 2024-03-02 09:30:00 │ 12345 │        – │ no   │" in whole
    assert "never shown" not in whole
    assert whole.endswith("… 1 more row (use --format csv or json for all)\n")


def test_a_cell_rich_would_cut_leaves_the_rows_to_rich(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    long_title = "a title much longer than the forty characters a text column may take"
    table = pa.table({"item": ["A-1", "A-2", "A-3"], "title": ["short", long_title, "also short"]})

    assert render._plain_rows([["A-1", long_title], ["A-2", "short"]], [3, 40], [False, False]) is None
    # A terminal of 60 columns: the title column gets its widest text width, 40, and the long title is cut.
    monkeypatch.setattr(render.console, "width", 60)
    spliced, whole = _both(monkeypatch, capsys, table)

    assert spliced == whole
    assert "│ A-2  │ a title much longer than the forty char… │" in whole
