"""How a terminal table labels what it shows: a window by its inclusive days, an instant in UTC to the
second with "(UTC)" in its header; and the known name an unknown one most likely means."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pyarrow as pa
import pytest

from orgflow.cli import render
from orgflow.query.known_names import suggestion


@pytest.mark.parametrize(
    ("since", "until", "label"),
    [
        # --since 2018-12-01 --until 2018-12-31: params until is the exclusive 2019-01-01T00:00Z.
        ("2018-12-01T00:00:00Z", "2019-01-01T00:00:00Z", "2018-12-01 to 2018-12-31"),
        # The default window of data ending 2019-01-11: until 2019-01-12T00:00Z, last day the 11th.
        ("2018-10-14T00:00:00Z", "2019-01-12T00:00:00Z", "2018-10-14 to 2019-01-11"),
        # One day.
        ("2024-02-29T00:00:00Z", "2024-03-01T00:00:00Z", "2024-02-29 to 2024-02-29"),
        # An end inside a day (an instant --now): that day is the last, partly.
        ("2024-03-01T00:00:00Z", "2024-03-05T10:30:00Z", "2024-03-01 to 2024-03-05"),
        ("2024-03-01T00:00:00+00:00", "2024-03-05T00:00:00.000001+00:00", "2024-03-01 to 2024-03-05"),
        # An empty window never reads backwards.
        ("2024-03-01T00:00:00Z", "2024-03-01T00:00:00Z", "2024-03-01 to 2024-03-01"),
    ],
)
def test_a_window_is_labelled_by_its_first_and_inclusive_last_day(since: str, until: str, label: str) -> None:
    assert render.window_label(since, until) == label


def test_instants_show_in_utc_to_the_second(capsys: pytest.CaptureFixture[str]) -> None:
    plus_two = timezone(timedelta(hours=2))
    assert render.instant_cell(datetime(2018, 10, 15, 13, 30, 7, 999_999)) == "2018-10-15 13:30:07"
    # 2018-10-16 01:20:05 at +02:00 is 2018-10-15 23:20:05 UTC.
    assert render.instant_cell(datetime(2018, 10, 16, 1, 20, 5, tzinfo=plus_two)) == "2018-10-15 23:20:05"
    table = pa.table(
        {
            "item_id": ["A-1", "A-2"],
            "started_at": pa.array([datetime(2018, 10, 15, 13, 30, 7), None], pa.timestamp("us")),
            "finished_at": pa.array(
                [datetime(2018, 10, 16, 1, 20, 5, tzinfo=plus_two), datetime(2018, 10, 17, tzinfo=UTC)],
                pa.timestamp("us", tz="UTC"),
            ),
        }
    )
    capsys.readouterr()
    render.render_table(table)
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    assert "┃ Item ┃ Started at (UTC) ┃ Finished at (UTC) ┃" in lines
    assert "│ A-1 │ 2018-10-15 13:30:07 │ 2018-10-15 23:20:05 │" in lines
    assert "│ A-2 │ – │ 2018-10-17 00:00:00 │" in lines


@pytest.mark.parametrize(
    ("given", "known", "meant"),
    [
        ("amq", ["AMQ", "ZOOKEEPER"], "AMQ"),  # the same name but for case
        ("In Progres", ["Backlog", "In Progress", "Done"], "In Progress"),  # one letter short
        ("in progress", ["Backlog", "In Progress", "In Review"], "In Progress"),
        ("review", ["Backlog", "Review", "review "], "Review"),  # case first, before a closer spelling
        ("Nonsense", ["Backlog", "In Progress", "Done"], None),
        ("Done", ["Backlog", "Done"], None),  # known: nothing to suggest
        ("x", [], None),
    ],
)
def test_the_name_meant_is_the_one_equal_but_for_case_else_the_closest(
    given: str, known: list[str], meant: str | None
) -> None:
    assert suggestion(given, known) == meant
