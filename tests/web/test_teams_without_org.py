"""Teams without an org file (issue 16, item 1): on the real Apache Jira export alone, the projects work is
attributed to are the teams of every page and of the API; with an org file that owns one of them, the other
still shows, outside the org, with the line of orgflow.yaml that would map it.

Expected counts come from reading the export itself (issues per project key)."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import orgflow
from orgflow.views.cards import make_card, split_idle
from orgflow.web.app import create_app

NOW = datetime(2019, 12, 31, tzinfo=UTC)
ORG_YAML = """\
groups:
  - {id: apache, name: Apache, kind: org}
  - {id: messaging, name: Messaging, kind: cluster, parent: apache}
  - {id: AMQ, name: ActiveMQ, kind: team, type: stream-aligned, parent: messaging}
"""


def _export(shared_data: Path) -> Path:
    return shared_data / "jira" / "apache-amq-zookeeper.jsonl.gz"


@pytest.fixture(scope="module")
def issue_projects(shared_data: Path) -> dict[str, str]:
    """Issue key -> project key, straight from the export (an issue listed twice counts once)."""
    keys: dict[str, str] = {}
    with gzip.open(_export(shared_data), "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                issue = json.loads(line)
                keys[issue["key"]] = issue["fields"]["project"]["key"]
    return keys


@pytest.fixture(scope="module")
def issues_per_project(issue_projects: dict[str, str]) -> Counter[str]:
    return Counter(issue_projects.values())


@pytest.fixture(scope="module")
def jira_dir(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    directory = tmp_path_factory.mktemp("jira-only")
    workspace = orgflow.init(directory)
    try:
        workspace.import_files("jira", [_export(shared_data)])
    finally:
        workspace.close()
    return directory


@pytest.fixture(scope="module")
def with_org_dir(tmp_path_factory: pytest.TempPathFactory, jira_dir: Path) -> Path:
    """The Jira workspace plus an org file whose only team is AMQ."""
    directory = tmp_path_factory.mktemp("jira-and-org") / "ws"
    # The workspace, not what a server reading it keeps beside it (its snapshot copies come and go).
    shutil.copytree(jira_dir, directory, ignore=shutil.ignore_patterns(".orgflow-serve"))
    org_path = directory / "org.yaml"
    org_path.write_text(ORG_YAML, encoding="utf-8")
    workspace = orgflow.open(directory)
    try:
        workspace.import_files("org", [org_path])
    finally:
        workspace.close()
    return directory


@pytest.fixture(scope="module")
def client(jira_dir: Path) -> Iterator[TestClient]:
    yield TestClient(create_app(jira_dir, now=NOW))


@pytest.fixture(scope="module")
def org_client(with_org_dir: Path) -> Iterator[TestClient]:
    yield TestClient(create_app(with_org_dir, now=NOW))


def test_projects_are_the_teams_without_an_org(client: TestClient, issues_per_project: Counter[str]) -> None:
    teams = client.get("/api/teams").json()
    assert [(team["group_id"], team["origin"], team["parent_id"]) for team in teams["teams"]] == [
        ("AMQ", "attributed", None),
        ("ZOOKEEPER", "attributed", None),
    ]
    assert teams["note"].startswith("No org file or catalog is loaded")
    body = client.get("/api/organization").json()
    assert body["org"]["detail"] == "2 teams by project · no org loaded"
    assert body["clusters"] == []
    outside = body["outside_org"]
    assert [card["group_id"] for card in outside["teams"]] == ["AMQ", "ZOOKEEPER"]  # most items first
    assert issues_per_project["AMQ"] > issues_per_project["ZOOKEEPER"]
    assert f"AMQ ({issues_per_project['AMQ']:,} items)" in outside["note"]
    assert f"ZOOKEEPER ({issues_per_project['ZOOKEEPER']:,} items)" in outside["note"]


def test_team_page_of_a_project_has_figures(client: TestClient) -> None:
    page = client.get("/teams/AMQ", params={"window": "all"})
    assert page.status_code == 200
    assert "data-ownership-note" in page.text
    body = client.get("/api/teams/AMQ", params={"window": "all"}).json()
    summary = client.get("/api/summary", params={"by": "team", "now": "2019-12-31", "window": "all"}).json()["rows"]
    amq = next(row for row in summary if row["team"] == "AMQ")
    assert body["card"]["finished"] == amq["finished"] > 0
    assert body["summary"]["rows"][0]["throughput_per_week"] == pytest.approx(amq["throughput_per_week"])
    assert body["summary"]["rows"][0]["throughput_per_week"] > 0


def test_organization_page_and_forecast_list_the_projects(client: TestClient, jira_dir: Path) -> None:
    page = client.get("/").text
    assert "0 teams in 0 clusters" not in page
    assert client.get("/api/organization").json()["org"]["detail"] == "2 teams by project · no org loaded"
    # The view the report and the server's warm-up read says the same of the org's card.
    from orgflow.views.hub import MetricsHub
    from orgflow.views.organization import organization_view
    from orgflow.web.dependencies import page_context

    hub = MetricsHub(jira_dir, now=NOW)
    try:
        assert organization_view(page_context(hub, {})).org.detail == "2 teams by project · no org loaded"
    finally:
        hub.close()
    assert re.search(r'data-card="AMQ"', page) and re.search(r'data-card="ZOOKEEPER"', page)
    assert "`teams:`" in page
    forecasts = client.get("/forecasts").text
    assert "ZOOKEEPER" in forecasts and "AMQ" in forecasts


def test_an_org_file_owns_its_team_and_the_rest_stays_outside(
    org_client: TestClient, issues_per_project: Counter[str]
) -> None:
    teams = org_client.get("/api/teams").json()
    assert [(team["group_id"], team["origin"], team["parent_id"]) for team in teams["teams"]] == [
        ("AMQ", "org", "messaging"),
        ("ZOOKEEPER", "attributed", None),
    ]
    zookeeper = issues_per_project["ZOOKEEPER"]
    assert teams["note"] == (
        f"{zookeeper:,} work items belong to no team of the org: ZOOKEEPER ({zookeeper:,} items). They are shown "
        "as teams of their own, outside the org's clusters. To give a project's (or repository's) items to a team, "
        "add one line under `teams:` in orgflow.yaml, e.g. `ZOOKEEPER: AMQ`, and import that source again."
    )
    body = org_client.get("/api/organization", params={"window": "all"}).json()
    assert body["org"]["detail"] == "1 team in 1 cluster · 1 outside the org"
    [cluster] = body["clusters"]
    assert cluster["card"]["group_id"] == "messaging"
    assert [card["group_id"] for card in cluster["teams"]] == ["AMQ"] and cluster["idle_teams"] == []
    assert [card["group_id"] for card in body["outside_org"]["teams"]] == ["ZOOKEEPER"]
    finished = {card["group_id"]: card["finished"] for card in [*cluster["teams"], *body["outside_org"]["teams"]]}
    assert sum(finished.values()) == body["org"]["finished"]
    assert org_client.get("/teams/AMQ").status_code == 200
    assert org_client.get("/teams/ZOOKEEPER").status_code == 200


def test_idle_cards_are_set_apart() -> None:
    """A card with nothing finished and nothing in progress is idle; one open item is enough to show it."""
    idle = make_card(group_id="a", name="A", kind="team", detail="", href=None, current=None, previous=None, link=None)
    open_one = make_card(
        group_id="b",
        name="B",
        kind="team",
        detail="",
        href=None,
        current={"wip": 1, "finished": 0},
        previous=None,
        link=None,
    )
    done = make_card(
        group_id="c",
        name="C",
        kind="team",
        detail="",
        href=None,
        current={"wip": 0, "finished": 3},
        previous=None,
        link=None,
    )
    assert [card.idle for card in (idle, open_one, done)] == [True, False, False]
    assert split_idle([idle, open_one, done]) == ([open_one, done], [idle])


def _status(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from orgflow.cli import main; main()", "--workspace", str(directory), "status"]
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, check=False, env={**os.environ, "COLUMNS": "400"}
    )


def test_status_says_which_work_no_team_owns_and_how_to_map_it(
    with_org_dir: Path, issues_per_project: Counter[str], issue_projects: dict[str, str]
) -> None:
    zookeeper = issues_per_project["ZOOKEEPER"]
    example = min(key for key, project in issue_projects.items() if project == "ZOOKEEPER")  # smallest as text
    payload = json.loads(_status(with_org_dir, "--format", "json").stdout)
    assert payload["work no team of the org owns"] == [
        {"team_id": "ZOOKEEPER", "rule": "project", "items": zookeeper, "example": example}
    ]
    assert payload["ownership note"].endswith("e.g. `ZOOKEEPER: AMQ`, and import that source again.")
    assert "unattributed" not in payload or all(
        row["what"] != "work items whose team is not a group" for row in payload["unattributed"]
    )
    text = _status(with_org_dir).stdout
    assert "work no team of the org owns" in text
    assert "work items whose team is not a group" not in text
    assert f"{zookeeper:,} work items belong to no team of the org: ZOOKEEPER ({zookeeper:,} items)." in text


def test_a_project_has_a_delivery_page_too(client: TestClient) -> None:
    """A unit work is attributed to is a team on every team route, the delivery pages included: AMQ owns
    no service (nothing deploys here), so its page says its deployments are unknown (not zero) instead of
    answering 404."""
    page = client.get("/delivery/teams/AMQ")
    assert page.status_code == 200
    unknown = "Deployments of AMQ are unknown, not zero: no loaded deployment source covers any service it owns"
    assert unknown in page.text
    body = client.get("/api/delivery/teams/AMQ").json()
    assert body["ok"] is True
    assert client.get("/delivery/teams/NOBODY").status_code == 404
    assert client.get("/api/delivery/teams/NOBODY").status_code == 404


def test_each_project_is_read_over_the_last_90_days_of_its_own_data(
    jira_dir: Path, issue_projects: dict[str, str], shared_data: Path
) -> None:
    """Served with no `now`: the default window ends with the data behind each figure. Each project's
    latest event (a creation or a resolution: the export has no changelog) is read from the export."""
    latest: dict[str, datetime] = {}
    with gzip.open(_export(shared_data), "rt", encoding="utf-8") as handle:
        for line in handle:
            fields = json.loads(line)["fields"]
            for text in (fields["created"], fields.get("resolutiondate")):
                if text:
                    moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)
                    project = fields["project"]["key"]
                    latest[project] = max(latest.get(project, moment), moment)
    # AMQ's data ends last (2019-01-11), so the workspace's window ends with it; ZOOKEEPER's three days
    # earlier: its row of a summary by team covers its own 90 days, and says so.
    assert latest["AMQ"] > latest["ZOOKEEPER"]
    application = create_app(jira_dir)
    try:
        api = TestClient(application)
        body = api.get("/api/summary", params={"by": "team"}).json()
        amq_end = latest["AMQ"].date()
        assert body["params"]["until"] == f"{amq_end + timedelta(days=1)}T00:00:00Z"
        assert body["params"]["since"] == f"{amq_end + timedelta(days=1) - timedelta(days=90)}T00:00:00Z"
        zookeeper_end = latest["ZOOKEEPER"].date()
        assert body["params"]["row_windows"] == {
            "ZOOKEEPER": {
                "since": f"{zookeeper_end + timedelta(days=1) - timedelta(days=90)}T00:00:00Z",
                "until": f"{zookeeper_end + timedelta(days=1)}T00:00:00Z",
                "data_as_of": latest["ZOOKEEPER"].isoformat(),
            }
        }
        team = api.get("/api/teams/ZOOKEEPER").json()
        first = zookeeper_end - timedelta(days=89)
        assert team["window"] == f"last 90 days ({first} to {zookeeper_end})"
        row = next(row for row in body["rows"] if row["team"] == "ZOOKEEPER")
        assert team["summary"]["rows"][0]["finished"] == row["finished"] > 0
        home = api.get("/api/organization").json()
        card = next(card for card in home["outside_org"]["teams"] if card["group_id"] == "ZOOKEEPER")
        assert card["finished"] == row["finished"]
        assert f"data ends {zookeeper_end}: {first} to {zookeeper_end}" in card["detail"]
    finally:
        application.state.hub.close()
