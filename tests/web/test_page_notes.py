"""The flow pages say why a figure they show is unknown, and where one comes from, in the words the
terminal prints under its tables and the API returns as `notes` (`orgflow.views.notes`).

The workspace is the hand-built one of `tests.flow.test_unmapped_figures` (every value worked out
there): team p is mapped end to end; team q maps no status to an active stage, so its cycle time and
flow efficiency are unknown; team r maps no status to a done stage, so nothing of its can finish.
Its data ends on 2024-03-05 and the pages are seen as of 2024-03-20, so the weekly throughput's last
periods lie after the data; no source records blocked time. Team q's and r's items moved into statuses their
workflows do not list ("triage", "implementable"), so their CFDs say so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape
from tests.flow.histories import hand_built
from tests.flow.test_unmapped_figures import BOARDS, HISTORIES

import orgflow
from orgflow.web.app import create_app

NOW = datetime(2024, 3, 20, tzinfo=UTC)
HINT = "map them in orgflow.yaml, see `orgflow status`"
NO_DONE = f"no status maps to a done stage: {HINT}"
NO_ACTIVE = (
    "no status maps to an active stage (the start is the first unmapped status, so cycle time would be lead time): "
    + HINT
)
AFTER_DATA = (
    "the periods from 2024-03-11 lie after the data's last event (data as of 2024-03-05): nothing there was "
    "recorded, so its counts are not a measurement (--now or --until sets an earlier end)"
)
NO_BLOCKED = (
    "flagged_days, status_days, blocked_days: no blocked flags or blocked statuses are recorded for these items "
    "(sources: csv), so a blocked time of 0 would not be a measurement: map the status your source uses for "
    "blocked work to a stage with `blocked: true` in orgflow.yaml (the default workflow's Blocked stage lists "
    "Blocked, On Hold, Impeded, Waiting), or import a source that records flags (Jira's Flagged field with a "
    "changelog, GitHub's `blocked` label); `orgflow status` lists the statuses in use"
)
RATE_NOTE = (
    "the days from 2024-03-06 lie after the data's last event (data as of 2024-03-05): nothing there was recorded, "
    "so throughput_per_week is per week of the 5 days the data covers in the window (2024-03-01 to 2024-03-05)"
)
"""The summary's note: its window (03-01 to 03-10) runs past the data, so its rate is over the days it covers."""
WIP_CARRIED = (
    "wip is the state at the end of the data's last day ({}), carried forward: nothing was recorded after it, so "
    "the items open then are still open as far as the data knows"
)
DAYS_CARRIED = (
    "the days from 2024-03-06 carry the state of the data's last day (2024-03-05): nothing was recorded after it, "
    "so they hold what it last says (--now or --until sets an earlier end)"
)
NO_FINISH = (
    "finished, cancelled, skipped_start, throughput_per_week, lead_time, cycle_time, flow_efficiency: no status "
    f"maps to a done or cancelled stage: {HINT}; no item can finish, so wip counts every started item as in progress"
)
UNMAPPED_R = (
    "1 item entered a status its workflow does not map (implementable) on or before 2024-03-19: the CFD has no "
    "band for it, so while in it the item counts in the band of the last mapped stage it reached, if any; map it "
    "in orgflow.yaml"
)
"""The CFD's note for r: R-1 moved into "implementable", which its workflow (proposals) does not list."""
UNMAPPED_Q = (
    "2 items entered a status their workflow does not map (triage) on or before 2024-03-19: the CFD has no band "
    "for it, so while in it an item counts in the band of the last mapped stage it reached, if any; map it in "
    "orgflow.yaml"
)
"""The CFD's note for q: Q-1 and Q-2 were created in "triage", which their workflow (labels) does not list."""
NOTE = re.compile(r"<li data-result-note>(.*?)</li>", re.S)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("page-notes")
    hand_built(folder, BOARDS, HISTORIES)
    workspace = orgflow.open(folder)
    workspace.close()
    return folder


@pytest.fixture(scope="module")
def client(folder: Path) -> Iterator[TestClient]:
    app = create_app(folder, now=NOW)
    yield TestClient(app)
    app.state.hub.close()


def _page_notes(client: TestClient, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return NOTE.findall(response.text)


def test_the_team_without_a_done_stage_says_why_each_figure_is_unknown(client: TestClient) -> None:
    expected = [
        RATE_NOTE,  # the summary's throughput per week, over the days of the data
        WIP_CARRIED.format("2024-03-05"),  # the summary's WIP at the window's end (now, 03-20), after the data
        NO_FINISH,  # the summary table
        DAYS_CARRIED,  # the WIP and CFD charts' days after the data
        UNMAPPED_R,  # the CFD chart
        f"cycle_time: {NO_DONE}",  # the cycle-time chart
        f"r Story, 1 item: sle_days, over_sle: {NO_DONE}",  # aging: `flow sle`'s reason for r
        AFTER_DATA,  # throughput per week
        f"finished, net_flow: {NO_DONE}",
        f"stages: {NO_DONE}",  # time per stage
        NO_BLOCKED,
    ]
    assert _page_notes(client, "/teams/r") == [str(escape(note)) for note in expected]
    assert client.get("/api/teams/r").json()["notes"] == expected


def test_the_team_without_an_active_stage_says_why_its_cycle_time_is_unknown(client: TestClient) -> None:
    expected = [
        RATE_NOTE,
        WIP_CARRIED.format("2024-03-05"),
        f"cycle_time, flow_efficiency: {NO_ACTIVE}",
        DAYS_CARRIED,
        UNMAPPED_Q,
        f"cycle_time: {NO_ACTIVE}",
        AFTER_DATA,
        NO_BLOCKED,
    ]
    assert _page_notes(client, "/teams/q") == [str(escape(note)) for note in expected]


def test_a_mapped_team_has_only_the_notes_of_its_data(client: TestClient) -> None:
    expected = [RATE_NOTE, WIP_CARRIED.format("2024-03-05"), DAYS_CARRIED, AFTER_DATA, NO_BLOCKED]
    assert _page_notes(client, "/teams/p") == [str(escape(note)) for note in expected]


def test_the_organization_names_the_teams_each_reason_holds_for(client: TestClient) -> None:
    expected = [
        RATE_NOTE,
        WIP_CARRIED.format("2024-03-05"),
        f"q: cycle_time, flow_efficiency: {NO_ACTIVE}",
        f"r: {NO_FINISH}",
    ]
    assert _page_notes(client, "/") == [str(escape(note)) for note in expected]
    assert client.get("/api/organization").json()["notes"] == expected


@pytest.mark.parametrize(
    ("metric", "query"),
    [("cycle-time", ""), ("throughput", "&period=week"), ("stages", ""), ("blocked", "")],
)
def test_the_page_shows_every_note_the_api_gives_for_its_figures(client: TestClient, metric: str, query: str) -> None:
    """The metrics API (the terminal's JSON) is the reference: each of its notes for team r is on the page once."""
    answer = client.get(f"/api/{metric}?team=r{query}").json()
    page = client.get("/teams/r").text
    assert answer["notes"]
    for note in answer["notes"]:
        assert page.count(f"<li data-result-note>{escape(note)}</li>") == 1, note


def test_the_summary_reason_is_said_as_well_as_hovered(client: TestClient) -> None:
    (row,) = client.get("/api/summary?team=r").json()["rows"]
    page = client.get("/teams/r").text
    assert page.count(f"<li data-result-note>{escape(row['unknown_reasons'])}</li>") == 1
    assert f'title="{escape(row["unknown_reasons"])}"' in page  # the summary table's "–" still says it on hover


def test_the_notes_are_escaped_and_come_once_after_the_page_head(client: TestClient) -> None:
    page = client.get("/teams/r").text
    assert "the default workflow&#39;s Blocked stage" in page
    assert "the default workflow's Blocked stage" not in page
    assert page.count("data-result-notes") == 1
    assert page.index('class="page-head"') < page.index("data-result-notes") < page.index('class="page-card"')


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/items?team=r&show=finished", [f"cycle_time: {NO_DONE}"]),
        ("/items?team=q&show=finished", [f"cycle_time: {NO_ACTIVE}"]),
        ("/items?team=r&show=aging", [f"r Story, 1 item: sle_days, over_sle: {NO_DONE}"]),  # `flow sle`'s reason
        ("/items?team=p&show=blocked", [NO_BLOCKED]),
        ("/items?team=p", []),
    ],
)
def test_the_items_page_has_the_notes_of_the_figure_its_items_are_behind(
    client: TestClient, path: str, expected: list[str]
) -> None:
    assert _page_notes(client, path) == [str(escape(note)) for note in expected]


def test_a_reason_the_whole_organization_gives_is_not_repeated_for_each_cluster_and_team(app: FastAPI) -> None:
    """On the demo, a window after the data: the organization's summary says why its figures are unknown,
    and each cluster's and team's card would say the same words; the page says them once."""
    demo = TestClient(app)
    window = "since=2030-01-01&until=2030-02-01"
    summary = demo.get(f"/api/summary?{window}").json()
    (row,) = summary["rows"]
    assert row["unknown_reasons"].startswith(
        "finished, cancelled, lead_time, cycle_time, throughput_per_week, flow_efficiency, skipped_start: the window "
        "lies after the data's last event"
    )
    by_team = demo.get(f"/api/summary?{window}&by=team").json()["rows"]
    assert len(by_team) == 14 and {team["unknown_reasons"] for team in by_team} == {row["unknown_reasons"]}
    # WIP is the data's last state, said once too.
    carried = WIP_CARRIED.format(summary["params"]["data_as_of"][:10])
    assert summary["notes"] == [carried]
    assert _page_notes(demo, f"/?{window}") == [str(escape(carried)), str(escape(row["unknown_reasons"]))]


def test_the_report_shows_the_notes_the_pages_show(folder: Path, client: TestClient, tmp_path: Path) -> None:
    """The static report builds the same views as the pages: the organization's notes, then each team's."""
    from orgflow.report import build_report

    output = build_report(folder, tmp_path / "report.html", now=NOW)
    notes = NOTE.findall(output.read_text(encoding="utf-8"))
    organization = _page_notes(client, "/")
    teams = [note for team in ("p", "q", "r") for note in _page_notes(client, f"/teams/{team}")]
    assert notes == organization + teams


def test_a_note_an_earlier_one_says_in_full_is_not_repeated() -> None:
    from orgflow.views.notes import page_notes

    org = [f"finished, wip: {NO_DONE}", AFTER_DATA]
    teams = [NO_DONE, AFTER_DATA, NO_BLOCKED]
    assert page_notes(org, teams) == [f"finished, wip: {NO_DONE}", AFTER_DATA, NO_BLOCKED]
