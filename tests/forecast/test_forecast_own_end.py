"""A forecast of a team whose data ends years before the rest of the workspace's samples the team's own
last days (docs/decisions/0007-default-window.md), and an explicit `now` still wins.

Team old: 12 items created 2018-12-01 09:00 UTC, finished in January 2019 on the days in `OLD_FINISHES`
(15:00), so its last event is 2019-01-10 15:00. Team new: 14 items created 2021-03-01, finished from
2021-04-01 to 2021-04-20 (its last event, and the workspace's, is 2021-04-20 15:00), so without `now`
the workspace is as of 2021-04-21 00:00 UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest
from tests.forecast.hand_workspace import CONFIG

import orgflow
from orgflow.forecast.service import Sampling
from orgflow.model import StatusTransition, WorkItem
from orgflow.query.window import Cut
from orgflow.store import ImportBatch
from orgflow.workspace import Workspace

OLD_FINISHES = [2, 2, 3, 4, 4, 7, 8, 8, 9, 10, 10, 10]  # days of January 2019
NEW_FINISHES = [1, 2, 3, 5, 6, 8, 9, 12, 13, 15, 16, 18, 19, 20]  # days of April 2021


def _add(batch: ImportBatch, team: str, key: str, created: datetime, finished: datetime) -> None:
    batch.add(WorkItem("t", key, "P", team, key, "Story", created, "Done"))
    batch.add(StatusTransition("t", key, 0, created, None, "Backlog"))
    batch.add(StatusTransition("t", key, 1, created.replace(day=5), "Backlog", "In Progress"))
    batch.add(StatusTransition("t", key, 2, finished, "In Progress", "Done"))


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    orgflow.init(tmp_path).close()
    (tmp_path / "orgflow.yaml").write_text(CONFIG, encoding="utf-8")
    batch = ImportBatch("t", "test", "hand-built")
    for number, day in enumerate(OLD_FINISHES):
        _add(batch, "old", f"O-{number}", datetime(2018, 12, 1, 9, tzinfo=UTC), datetime(2019, 1, day, 15, tzinfo=UTC))
    for number, day in enumerate(NEW_FINISHES):
        _add(batch, "new", f"N-{number}", datetime(2021, 3, 1, 9, tzinfo=UTC), datetime(2021, 4, day, 15, tzinfo=UTC))
    with orgflow.open(tmp_path) as opened:
        opened.store.write(batch)
        yield opened


def test_a_stale_team_is_forecast_from_its_own_last_day(workspace: Workspace) -> None:
    forecasts = workspace.forecasts
    assert forecasts.now == datetime(2021, 4, 21, tzinfo=UTC)  # the workspace's data end
    series = forecasts.series(Cut(team="old"))
    # The last 90 days before 2019-01-11 open on 2018-10-13, before old's first item: from 2018-12-01.
    assert (series.first_day, series.end_day) == (date(2018, 12, 1), date(2019, 1, 11))
    assert (series.params["since"], series.params["until"]) == ("2018-12-01", "2019-01-10")
    assert series.params["cut_data_as_of"] == "2019-01-10T15:00:00+00:00"
    note = "this cut's data ends on 2019-01-10 (the workspace's data runs to 2021-04-20)"
    assert series.params["cut_note"].startswith(note)
    expected = np.zeros(41, dtype=np.int64)  # 2018-12-01 … 2019-01-10
    expected[31:] = [0, 2, 1, 2, 0, 0, 1, 2, 1, 3]  # January 1 … 10
    assert series.counts.tolist() == expected.tolist()

    result = forecasts.when(series, 5, sampling=Sampling(trials=200, seed=1)).metric_result()
    assert result.params["start"] == "2019-01-11"
    assert result.params["as_of_note"].startswith("the data ends on 2019-01-10, ")

    outlook = forecasts.outlook(Cut(team="old"), items=5, sampling=Sampling(trials=200, seed=1))
    assert outlook.sufficiency.ok
    assert outlook.when is not None and outlook.when.start == date(2019, 1, 11)
    assert forecasts.history(Cut(team="old")).end_day == date(2019, 1, 11)


def test_the_team_holding_the_workspace_end_is_unchanged(workspace: Workspace) -> None:
    series = workspace.forecasts.series(Cut(team="new"))
    assert (series.params["since"], series.params["until"]) == ("2021-03-01", "2021-04-20")
    assert "cut_data_as_of" not in series.params


def test_an_explicit_now_wins(workspace: Workspace) -> None:
    forecasts = workspace.forecasts_at(datetime(2019, 1, 6, 12, tzinfo=UTC))
    series = forecasts.series(Cut(team="old"), window_days=30)
    # The 30 days before 2019-01-06 (its day left out): 2018-12-07 … 2019-01-05.
    assert (series.params["since"], series.params["until"]) == ("2018-12-07", "2019-01-05")
    assert series.counts[-5:].tolist() == [0, 2, 1, 2, 0]
    assert "cut_data_as_of" not in series.params
    # Given a `now` after the team's data, the days after its last event are zeros, as asked.
    later = workspace.forecasts_at(datetime(2021, 4, 21, tzinfo=UTC)).series(Cut(team="old"), window_days=30)
    assert (later.params["until"], later.items, "cut_data_as_of" in later.params) == ("2021-04-20", 0, False)
