"""The import commands' progress bar: drawn on an interactive console only."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from orgflow.cli import importing


def test_no_progress_callback_where_the_console_is_not_interactive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "console", Console(file=io.StringIO()))
    with importing._progress("transitions") as on_progress:
        assert on_progress is None


def test_the_progress_bar_names_the_file_being_read_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    shown = io.StringIO()
    monkeypatch.setattr(
        importing, "console", Console(file=shown, force_terminal=True, force_interactive=True, width=80)
    )
    with importing._progress("transitions") as on_progress:
        assert on_progress is not None
        on_progress(1, 2, "a.csv")
    assert "reading a.csv" in shown.getvalue()
