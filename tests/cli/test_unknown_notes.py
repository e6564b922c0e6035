"""The notes under a terminal table that say why figures are unknown: each names the rows it applies
to by the grouping column, and names nothing for the one row of an ungrouped result."""

from __future__ import annotations

import io

import pyarrow as pa
import pytest
from rich.console import Console

from orgflow.cli import render
from orgflow.cli.render import Format
from orgflow.flow.service import MetricResult

NONE_FINISHED = "lead_time, cycle_time, flow_efficiency: no item finished in the window"
NO_HISTORY = "cycle_time, flow_efficiency: no status history"


def _notes(table: pa.Table, params: dict, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    console = Console(width=200, emoji=False, record=True, file=io.StringIO())
    monkeypatch.setattr(render, "console", console)
    render.render(MetricResult("summary", "d", {"rows": table.num_rows, **params}, table), Format.table)
    return [line.strip() for line in console.export_text().splitlines() if line.strip().startswith("–")]


def test_grouped_rows_are_named_by_the_grouping_column_not_the_first(monkeypatch: pytest.MonkeyPatch) -> None:
    table = pa.table(
        {
            "finished": [0, 60, 0, 7],
            "team": ["team-a", "team-b", "team-c", "team-d"],
            "cycle_time_p50": [None, None, None, 2.0],
            "unknown_reasons": [NONE_FINISHED, NO_HISTORY, NONE_FINISHED, None],
        }
    )
    assert _notes(table, {"by": "team"}, monkeypatch) == [
        f"– team-a, team-c: {NONE_FINISHED}",
        f"– team-b: {NO_HISTORY}",
    ]


def test_rows_grouped_by_the_item_column_are_named_by_it(monkeypatch: pytest.MonkeyPatch) -> None:
    table = pa.table({"finished": [60], "item_type": ["Bug"], "unknown_reasons": [NO_HISTORY]})
    assert _notes(table, {"by": "type"}, monkeypatch) == [f"– Bug: {NO_HISTORY}"]


@pytest.mark.parametrize("params", [{}, {"by": None}, {"by": "org"}])
def test_the_one_row_of_an_ungrouped_result_is_not_named(params: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    table = pa.table({"finished": [60], "cycle_time_p50": [None], "unknown_reasons": [NO_HISTORY]})
    assert _notes(table, params, monkeypatch) == [f"– {NO_HISTORY}"]


def test_ungrouped_rows_are_named_by_their_first_column(monkeypatch: pytest.MonkeyPatch) -> None:
    table = pa.table({"item_id": ["A-1", "A-2"], "null_reason": [None, "too few finished items"]})
    assert _notes(table, {}, monkeypatch) == ["– A-2: too few finished items"]


def test_a_row_key_repeated_by_several_rows_is_named_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows of one team (its flow types, its stations) with the same reason name the team once."""
    table = pa.table(
        {
            "team": ["nact", "nact", "other"],
            "cycle_time_p50": [None, None, None],
            "unknown_reasons": [NO_HISTORY, NO_HISTORY, NO_HISTORY],
        }
    )
    assert _notes(table, {"by": "team"}, monkeypatch) == [f"– nact, other: {NO_HISTORY}"]
