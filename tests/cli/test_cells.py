"""One cell per value, the same way in the terminal and in CSV: booleans said (never a blank that reads
as "no value"), lists joined rather than printed as Python's repr, and known acronyms in capitals."""

from __future__ import annotations

from datetime import date, datetime

from orgflow.cli import render
from orgflow.registry import default_label


def test_a_table_cell_says_yes_or_no_and_joins_a_list() -> None:
    cells = [render._cell(value) for value in (True, False, None, ["dev-a", "dev-b"], ("x -> y",), [])]
    assert cells == ["yes", "no", "–", "dev-a; dev-b", "x -> y", ""]


def test_a_csv_cell_spells_booleans_as_json_and_joins_a_list() -> None:
    values = (True, False, None, ["dev-a", None, date(2024, 1, 2)], [datetime(2024, 1, 2, 3, 4)], ["=cmd", "b"], -3)
    cells = [render.csv_cell(value) for value in values]
    assert cells == ["true", "false", "", "dev-a; –; 2024-01-02", "2024-01-02T03:04:00Z", "'=cmd; b", -3]


def test_a_column_without_a_label_keeps_acronyms_in_capitals() -> None:
    names = ("fte", "members_total", "sle_days", "first_deployment_id", "wip_limit")
    assert [default_label(name) for name in names] == [
        "FTE",
        "Members total",
        "SLE days",
        "First deployment id",
        "WIP limit",
    ]
