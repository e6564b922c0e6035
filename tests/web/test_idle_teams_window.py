"""Which teams the organization page calls idle ("no item finished or in progress"), and in which window
(docs/decisions/0007-default-window.md): the default window ends with the data behind each team, and a
window the data cannot speak for (before the data's first event) makes no team idle.

A hand-made workspace (the default workflow): team ``early`` has three items created 2024-01-02 09:00,
in progress 2024-01-03 09:00 and done on 2024-01-05, -06 and -07 at 09:00; team ``late`` has two items
created and started the same days and done on 2024-05-01 and 2024-05-02 at 09:00. The data ends on
2024-05-02 (late's last event), early's on 2024-01-07.

- Default window: the last 90 days of the data, 2024-02-03 to 2024-05-02 (90 days, ending with the
  data's last day). Early's data ends before it, so its card covers its own last 90 days, opening
  no earlier than the first item: 2024-01-02 to 2024-01-07 (three finished). No team is idle.
- 2024-02-10 to 2024-03-31: early finished nothing and has nothing in progress at the end (idle);
  late has both its items in progress (not idle).
- 2023-01-01 to 2023-03-31, before the data's first event (2024-01-02): nothing there was recorded,
  so no team is called idle; their cards are drawn with unknown figures.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import orgflow
from orgflow.views.cards import Card, make_card, split_idle
from orgflow.web.app import create_app

ROWS = [
    ("E-1", "early", "2024-01-05"),
    ("E-2", "early", "2024-01-06"),
    ("E-3", "early", "2024-01-07"),
    ("L-1", "late", "2024-05-01"),
    ("L-2", "late", "2024-05-02"),
]


def _csv() -> str:
    lines = ["item_id,timestamp,from_status,to_status,team,type,created"]
    for item, team, done in ROWS:
        created = "2024-01-02T09:00:00Z"
        lines.append(f"{item},2024-01-03T09:00:00Z,To Do,In Progress,{team},Story,{created}")
        lines.append(f"{item},{done}T09:00:00Z,In Progress,Done,{team},Story,{created}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    directory = tmp_path_factory.mktemp("idle-window")
    source = directory / "moves.csv"
    source.write_text(_csv(), encoding="utf-8")
    workspace = orgflow.init(directory)
    try:
        workspace.import_files("transitions", [source])
    finally:
        workspace.close()
    app = create_app(directory)
    try:
        yield TestClient(app)
    finally:
        app.state.hub.close()


def _teams(body: dict) -> dict[str, int | None]:
    return {card["group_id"]: card["finished"] for card in body["outside_org"]["teams"]}


def test_the_default_window_ends_with_each_teams_data_and_finds_no_idle_team(client: TestClient) -> None:
    body = client.get("/api/organization").json()
    assert body["window"] == "last 90 days (2024-02-03 to 2024-05-02)"
    assert body["outside_org"]["idle_teams"] == []
    assert _teams(body) == {"early": 3, "late": 2}
    early = next(card for card in body["outside_org"]["teams"] if card["group_id"] == "early")
    assert early["detail"] == "team · data ends 2024-01-07: 2024-01-02 to 2024-01-07"
    assert "with no item finished or in progress" not in client.get("/").text


def test_a_team_without_work_in_the_window_is_idle_and_the_page_names_the_window(client: TestClient) -> None:
    params = {"since": "2024-02-10", "until": "2024-03-31"}
    body = client.get("/api/organization", params=params).json()
    assert body["outside_org"]["idle_teams"] == ["early"]
    page = client.get("/", params=params).text
    assert "1 team here with no item finished or in progress in 2024-02-10 to 2024-03-31</summary>" in page


def test_a_window_before_the_data_makes_no_team_idle(client: TestClient) -> None:
    params = {"since": "2023-01-01", "until": "2023-03-31"}
    body = client.get("/api/organization", params=params).json()
    assert body["outside_org"]["idle_teams"] == []
    assert sorted(_teams(body)) == ["early", "late"]
    assert all(card["finished"] == 0 for card in body["outside_org"]["teams"])
    page = client.get("/", params=params).text
    assert "with no item finished or in progress" not in page
    assert "few items (" not in page  # the finished count is unknown there, not 0


def test_a_card_whose_finished_count_is_unknown_is_not_idle() -> None:
    """A row with nothing known (a window before the data) is drawn, not listed as idle; no row at all
    (no item of the team in the cut) and a row of known zeros are idle."""

    def card(current: dict | None) -> Card:
        return make_card(group_id="t", name="T", kind="team", detail="", href=None, current=current, previous=None,
                         link=None)  # fmt: skip

    unknown, absent, zeros = card({"finished": None, "wip": None}), card(None), card({"finished": 0, "wip": 0})
    assert [unknown.idle, absent.idle, zeros.idle] == [False, True, True]
    assert split_idle([unknown, absent, zeros]) == ([unknown], [absent, zeros])
