"""`orgflow deps congruence` and `deps graph` on a hand-built org, history and board, by command and route.

Org: ana and bo in team-a, cy in team-b, dan in no team. Commits (file level, too few for any change
coupling, so a person's tasks depend only on themselves): ana changes f1, f2, f4; bo f1, f4; cy f2, f3;
dan f3. Board: A1 (team-a) started 2024-01-02 00:00 and is still open, blocked by B1 (team-b), also open.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import orgflow
from orgflow.cli import app
from orgflow.model import ChangedFile, Commit, Group, ItemLink, Membership, Person, StatusTransition, WorkItem
from orgflow.store import ImportBatch
from orgflow.web.app import create_app

T0 = datetime(2024, 1, 1, tzinfo=UTC)
COMMITS = {
    "c1": ("ana", ("f1", "f2", "f4")),
    "c2": ("bo", ("f1", "f4")),
    "c3": ("cy", ("f2", "f3")),
    "c4": ("dan", ("f3",)),
}


def _batches() -> list[ImportBatch]:
    org = ImportBatch(source="org", kind="org", origin="test")
    org.add(Group("org", "team-a", "Team A", "team"))
    org.add(Group("org", "team-b", "Team B", "team"))
    for person, team in (("ana", "team-a"), ("bo", "team-a"), ("cy", "team-b")):
        org.add(Person("org", person, person.title()))
        org.add(Membership("org", f"m-{person}", person, team))
    git = ImportBatch(source="git", kind="git", origin="test")
    for index, (sha, (author, files)) in enumerate(COMMITS.items()):
        moment = T0 + timedelta(hours=index)
        git.add(Commit("git", sha, "repo", (), author, moment, moment, "change"))
        for path in files:
            git.add(ChangedFile("git", sha, path, 1, 0))
    board = ImportBatch(source="t", kind="test", origin="test")
    for key, team, started in (("A1", "team-a", T0 + timedelta(days=1)), ("B1", "team-b", T0)):
        board.add(WorkItem("t", key, "P", team, key, "Story", T0, "In Progress"))
        board.add(StatusTransition("t", key, 0, T0, None, "To Do"))
        board.add(StatusTransition("t", key, 1, started, "To Do", "In Progress"))
    board.add(ItemLink("t", "B1", "blocks", "A1"))
    return [org, git, board]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("deps")
    workspace = orgflow.init(directory)
    for batch in _batches():
        workspace.store.write(batch)
    workspace.close()
    return directory


@pytest.fixture(scope="module")
def client(folder: Path) -> Iterator[TestClient]:
    application = create_app(folder, now=datetime(2024, 1, 12, tzinfo=UTC), live=False)
    yield TestClient(application)
    application.state.hub.close()


def _cli(folder: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["-w", str(folder), "deps", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


# Shared files per pair: ana-bo {f1, f4} = 2, ana-cy {f2} = 1, cy-dan {f3} = 1, the others none. Required
# ordered pairs: 6; in one team: ana-bo both ways = 2 (congruence 2/6). Weight in one team: 2 + 2 = 4;
# between people who both have a team: 4 + ana-cy both ways 2 = 6 (Conway alignment 4/6).
CONGRUENCE = {
    "people": 4,
    "people_in_teams": 3,
    "required_pairs": 6,
    "coordinated_pairs": 2,
    "intra_weight": 4.0,
    "team_weight": 6.0,
    "congruence": 2 / 6,
    "conway_alignment": 4 / 6,
}


def test_congruence_as_json_csv_and_route(folder: Path, client: TestClient) -> None:
    answer = json.loads(_cli(folder, "congruence", "--level", "file", "--format", "json"))
    assert answer["rows"] == [CONGRUENCE]
    assert _cli(folder, "congruence", "--level", "file", "--format", "csv").splitlines() == [
        "people,people_in_teams,required_pairs,coordinated_pairs,intra_weight,team_weight,congruence,conway_alignment",
        "4,3,6,2,4.0,6.0,0.3333333333333333,0.6666666666666666",
    ]
    routed = client.get("/api/deps/congruence", params={"level": "file"})
    assert routed.status_code == 200, routed.text
    assert routed.json()["rows"] == [CONGRUENCE]


@pytest.mark.parametrize(("now", "lost_days"), [("2024-01-12", 10.0), ("2024-01-07T12:00:00+00:00", 5.5)])
def test_the_graph_measures_open_blocked_items_up_to_now(
    folder: Path, client: TestClient, now: str, lost_days: float
) -> None:
    # A1 started 01-02 00:00 and is blocked by open B1 since: it has lost the time from 01-02 to now.
    answer = json.loads(_cli(folder, "graph", "--kind", "blocking", "--now", now, "--format", "json"))
    assert [(row["source"], row["target"], row["items"], row["lost_days"]) for row in answer["rows"]] == [
        ("team-a", "team-b", 1, lost_days)
    ]
    routed = client.get("/api/deps/graph", params={"kind": "blocking", "now": now}).json()
    assert [row["lost_days"] for row in routed["rows"]] == [lost_days]
