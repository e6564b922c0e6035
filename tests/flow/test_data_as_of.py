"""Data as of: a history that stopped is seen as of its end, and every output says which "as of" it used.

The hand-built history (2019-06-03 is a Monday) ends on 2019-06-30 at 15:00 UTC:

    X-1  created 06-03 09:00, In Progress 06-04 09:00, Done 06-05 10:00
    X-2  created 06-03 10:00, In Progress 06-10 09:00, Done 06-17 12:00
    X-3  created 06-10 09:00, In Progress 06-11 09:00, Done 06-28 16:00
    X-4  created 06-24 09:00, In Progress 06-30 15:00 (still open: the data's latest event)

Its as-of is 2019-06-30 15:00; without --now, flow figures are as of the end of that day, 07-01 00:00,
so the default window is [06-03, 07-01): 28 days, 4 weeks, 3 finished items, 0.75 a week.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

import orgflow
from orgflow.cli import app
from orgflow.errors import InputError
from orgflow.model import StatusTransition, WorkItem
from orgflow.query.as_of import (
    LAST_SYNC,
    LATEST_EVENT,
    NOW_CLOCK,
    NOW_DATA,
    NOW_GIVEN,
    DataAsOf,
    as_of_caption,
    data_as_of,
    default_now,
    stale_note,
)
from orgflow.query.window import Cut
from orgflow.sources.connectors.sync import SyncCursor
from orgflow.store import ImportBatch
from orgflow.workspace import Workspace

BOARD = """
workflows:
  - name: board
    applies_to: {source: t, projects: ["P"]}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Backlog]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
      - {name: Done, phase: Operate, category: done, statuses: [Done]}
"""
HISTORY = {
    "X-1": (("06-03 09:00", "Backlog"), ("06-04 09:00", "In Progress"), ("06-05 10:00", "Done")),
    "X-2": (("06-03 10:00", "Backlog"), ("06-10 09:00", "In Progress"), ("06-17 12:00", "Done")),
    "X-3": (("06-10 09:00", "Backlog"), ("06-11 09:00", "In Progress"), ("06-28 16:00", "Done")),
    "X-4": (("06-24 09:00", "Backlog"), ("06-30 15:00", "In Progress")),
}


def at(text: str) -> datetime:
    """'06-30 15:00' is 2019-06-30 15:00 UTC."""
    return datetime.strptime(f"2019-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    orgflow.init(tmp_path).close()
    (tmp_path / "orgflow.yaml").write_text(BOARD, encoding="utf-8")
    opened = orgflow.open(tmp_path)
    batch = ImportBatch("t", "test", "hand-built")
    for key, moves in HISTORY.items():
        done = moves[-1][1] == "Done"
        batch.add(
            WorkItem(
                source="t",
                source_id=key,
                project="P",
                team_id="alpha",
                title=key,
                item_type="Story",
                created_at=at(moves[0][0]),
                status=moves[-1][1],
                resolved_at=at(moves[-1][0]) if done else None,
            )
        )
        for seq, (when, status) in enumerate(moves):
            batch.add(StatusTransition("t", key, seq, at(when), None, status))
    opened.write(batch)
    yield opened
    opened.close()


def _flow(workspace: Workspace, *args: str) -> str:
    workspace.close()
    result = CliRunner().invoke(app, ["-w", str(workspace.directory), "flow", *args])
    assert result.exit_code == 0, result.output
    return result.output


# -- the as-of and the default now ------------------------------------------------------------------
def test_data_as_of_is_the_latest_event_or_a_later_sync(workspace: Workspace) -> None:
    connection = workspace.store.connection
    assert data_as_of(connection) == DataAsOf(at("06-30 15:00"), LATEST_EVENT)
    # A sync of a work-item source (resource "issues") after the last event moves the as-of to it;
    # one of another resource (deployments) says nothing about work items.
    batch = ImportBatch("t", "sync", "test")
    batch.add(SyncCursor("jira:issues", "{}", at("07-02 08:00")))
    batch.add(SyncCursor("gitlab:deployments", "{}", at("07-09 08:00")))
    workspace.write(batch)
    assert data_as_of(connection) == DataAsOf(at("07-02 08:00"), LAST_SYNC)


def test_default_now_is_the_end_of_the_data_day_when_that_is_earlier() -> None:
    as_of = DataAsOf(at("06-30 15:00"), LATEST_EVENT)
    assert default_now(at("12-07 10:00"), as_of) == (at("07-01 00:00"), NOW_DATA)
    # Data that reaches today: the clock (today is never complete, so it stays out of windows).
    assert default_now(at("06-30 18:00"), as_of) == (at("06-30 18:00"), NOW_CLOCK)
    assert default_now(at("12-07 10:00"), None) == (at("12-07 10:00"), NOW_CLOCK)


def test_flow_service_without_now_is_as_of_the_data(workspace: Workspace) -> None:
    service = workspace.flow_at(None)
    assert (service.now, service.now_basis) == (at("07-01 00:00"), NOW_DATA)
    result = service.summary()
    (row,) = result.rows()
    # 3 finished over [06-03, 07-01): 28 days = 4 weeks; X-4 open at the window's end.
    assert row["finished"] == 3
    assert row["throughput_per_week"] == 0.75
    assert row["wip"] == 1
    assert result.params["since"] == "2019-06-03T00:00:00Z"
    assert result.params["until"] == "2019-07-01T00:00:00Z"
    assert result.params["now"] == "2019-07-01T00:00:00+00:00"
    assert result.params["now_basis"] == NOW_DATA
    assert result.params["data_as_of"] == "2019-06-30T15:00:00+00:00"


def test_a_given_now_keeps_its_meaning(workspace: Workspace) -> None:
    service = workspace.flow_at(at("08-01 00:00"))
    result = service.summary()
    (row,) = result.rows()
    # [06-03, 08-01): 59 days, of which the data covers the 28 to 06-30 (its last day): 3 finished -> 3 / 4
    # a week, not 21 / 59 (nothing was recorded after 06-30).
    assert row["throughput_per_week"] == 0.75
    assert result.params["data_window"]["days"] == 28
    assert result.params["until"] == "2019-08-01T00:00:00Z"
    assert (result.params["now"], result.params["now_basis"]) == ("2019-08-01T00:00:00+00:00", NOW_GIVEN)
    assert result.params["data_as_of"] == "2019-06-30T15:00:00+00:00"
    # An earlier now than the data's end is as before: later transitions are ignored.
    (early,) = workspace.flow_at(at("06-12 00:00")).summary().rows()
    assert early["finished"] == 1  # X-1 only; window [06-03, 06-12)


def test_a_window_starting_after_the_data_names_its_end(workspace: Workspace) -> None:
    service = workspace.flow_at(None)
    with pytest.raises(InputError, match=r"starts after the data ends \(2019-07-05 is after 2019-06-30\)"):
        service.summary(since=at("07-05 00:00").date())
    # With --until the window is the one asked for.
    result = service.summary(since=at("07-05 00:00").date(), until=at("07-10 00:00").date())
    # It lies wholly after the data: nothing was recorded there, so the count is unknown, not 0.
    assert result.rows()[0]["finished"] is None


# -- the CLI ----------------------------------------------------------------------------------------
def test_cli_json_params_carry_the_as_of(workspace: Workspace) -> None:
    payload = json.loads(_flow(workspace, "summary", "--format", "json"))
    assert payload["params"]["now"] == "2019-07-01T00:00:00+00:00"
    assert payload["params"]["now_basis"] == "data as of"
    assert payload["params"]["data_as_of"] == "2019-06-30T15:00:00+00:00"
    assert payload["rows"][0]["throughput_per_week"] == 0.75

    given = json.loads(_flow(workspace, "summary", "--format", "json", "--now", "2019-08-01"))
    assert given["params"]["now_basis"] == "given"
    # Over the 28 days the data covers, not the 59 to --now.
    assert given["rows"][0]["throughput_per_week"] == 0.75


def test_cli_table_caption_says_the_as_of(workspace: Workspace) -> None:
    output = _flow(workspace, "summary")
    assert "as of 2019-06-30 (the latest event in the data; --now to choose)" in output
    assert "as of 2019-08-01 (--now)" in _flow(workspace, "throughput", "--now", "2019-08-01")


def test_caption_and_stale_note_texts() -> None:
    params = {
        "now": "2019-07-01T00:00:00+00:00",
        "now_basis": NOW_DATA,
        "data_as_of": "2019-06-30T15:00:00+00:00",
        "data_as_of_basis": LAST_SYNC,
    }
    assert as_of_caption(params) == "as of 2019-06-30 (the last sync; --now to choose)"
    clock = {**params, "now": "2019-07-01T09:30:00+00:00", "now_basis": NOW_CLOCK}
    assert as_of_caption(clock) == "as of 2019-07-01 09:30 UTC (now; --now to choose)"
    assert as_of_caption({"rows": 1}) is None
    assert stale_note(params, clock=at("07-30 15:00")) is None  # 30 days: not stale yet
    assert stale_note(params, clock=at("07-31 15:00")) == (
        "the data ends on 2019-06-30, 31 days ago: this forecast is as of that day, not today; "
        "pass --now to forecast as of another date"
    )
    assert stale_note({**params, "now_basis": NOW_GIVEN}, clock=at("12-31 00:00")) is None


def test_the_dashboard_default_now_is_the_data_as_of(workspace: Workspace) -> None:
    from orgflow.views.hub import MetricsHub

    workspace.close()
    hub = MetricsHub(workspace.directory)
    try:
        assert hub.now() == at("07-01 00:00")
        assert hub.compute("summary").params["now_basis"] == NOW_DATA
        assert hub.now(at("08-01 00:00")) == at("08-01 00:00")
    finally:
        hub.close()
    fixed = MetricsHub(workspace.directory, now=at("08-01 00:00"))
    try:
        assert fixed.now() == at("08-01 00:00")
    finally:
        fixed.close()


# -- the default window of a cut ----------------------------------------------------------------------
# Team beta's data stops on 05-10, seven weeks before alpha's (2019-01-07 is the workspace's first item):
#     B-1  created 01-07 09:00, In Progress 01-08 09:00, Done 01-10 09:00
#     B-2  created 03-01 09:00, In Progress 03-04 09:00, Done 03-06 09:00   (cycle 2 days)
#     B-3  created 05-01 09:00, In Progress 05-02 09:00, Done 05-10 09:00   (cycle 8 days: beta's last event)
BETA = {
    "B-1": (("01-07 09:00", "Backlog"), ("01-08 09:00", "In Progress"), ("01-10 09:00", "Done")),
    "B-2": (("03-01 09:00", "Backlog"), ("03-04 09:00", "In Progress"), ("03-06 09:00", "Done")),
    "B-3": (("05-01 09:00", "Backlog"), ("05-02 09:00", "In Progress"), ("05-10 09:00", "Done")),
}


def test_the_default_window_is_the_last_90_days_of_each_cuts_data(workspace: Workspace) -> None:
    batch = ImportBatch("t", "test", "hand-built")
    for key, moves in BETA.items():
        batch.add(
            WorkItem(
                source="t",
                source_id=key,
                project="P",
                team_id="beta",
                title=key,
                item_type="Story",
                created_at=at(moves[0][0]),
                status="Done",
                resolved_at=at(moves[-1][0]),
            )
        )
        for seq, (when, status) in enumerate(moves):
            batch.add(StatusTransition("t", key, seq, at(when), None, status))
    workspace.write(batch)
    service = workspace.flow_at(None)
    assert service.now == at("07-01 00:00")

    # The workspace: the 90 days before 07-01 (the first item, 01-07, is earlier): [04-02, 07-01).
    whole = service.default_window()
    assert (whole.since, whole.until, whole.data_end) == (datetime(2019, 4, 2), datetime(2019, 7, 1), None)
    # beta's data ends 05-10 09:00: its window is the 90 days before 05-11, [02-10, 05-11), and says why.
    beta = service.default_window(Cut(team="beta"))
    assert (beta.since, beta.until, beta.data_end) == (datetime(2019, 2, 10), datetime(2019, 5, 11), at("05-10 09:00"))
    result = service.summary(cut=Cut(team="beta"))
    (row,) = result.rows()
    # B-2 and B-3 finished in it: 2 over 90 days = 14 / 90 a week; cycle times 2 and 8: p50 5.
    assert (row["finished"], row["throughput_per_week"], row["cycle_time_p50"]) == (2, 14 / 90, 5.0)
    assert result.params["cut_data_as_of"] == "2019-05-10T09:00:00+00:00"

    # By team: alpha over the workspace's window (X-1, X-2, X-3: 3 over 90 days), beta over its own.
    by_team = service.summary(by="team")
    rows = {row["team"]: row for row in by_team.rows()}
    assert (rows["alpha"]["finished"], rows["alpha"]["throughput_per_week"]) == (3, pytest.approx(21 / 90))
    assert rows["beta"] == {"team": "beta", **row}
    assert by_team.params["row_windows"] == {
        "beta": {
            "since": "2019-02-10T00:00:00Z",
            "until": "2019-05-11T00:00:00Z",
            "data_as_of": "2019-05-10T09:00:00+00:00",
        }
    }
    assert as_of_caption(by_team.params) == (
        "as of 2019-06-30 (the latest event in the data; --now to choose)\n"
        "beta: its data ends on 2019-05-10, so its row covers 2019-02-10 to 2019-05-10"
    )
    # A given now is the moment the user chose: every window ends with it, beta's too (only B-3 inside).
    given = workspace.flow_at(at("07-01 00:00")).summary(by="team")
    assert "row_windows" not in given.params
    assert {row["team"]: row["finished"] for row in given.rows()} == {"alpha": 3, "beta": 1}
    # An explicit window is the one asked for.
    explicit = service.summary(by="team", since=at("01-01 00:00").date())
    assert "row_windows" not in explicit.params and explicit.params["until"] == "2019-07-01T00:00:00Z"
    assert {row["team"]: row["finished"] for row in explicit.rows()} == {"alpha": 3, "beta": 3}
