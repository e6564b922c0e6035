"""The simulation page offers a workspace only the scenarios that apply to it (`orgflow.web.scenario_offers`):
never the demo's examples on a workspace that is not the demo, its own scenario files that apply, those
that do not with the reason, and a scenario written in its own names.

The workspace is built by hand (every value worked out here): team alpha has 30 items, one created every
2 days from 2024-01-01, each 3 days In Progress, then 1 day in Review, then Done; team beta has 24, one every
3 days, each 1 day In Progress, then Done. So alpha has the most arrivals, and In Progress (3 days) is its
stage with the most time per item: the example speeds alpha's In Progress up twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

import orgflow
from orgflow.model import StatusTransition, WorkItem
from orgflow.store import ImportBatch
from orgflow.web.app import create_app
from orgflow.web.scenario_offers import example_scenario

BOARD = """
workflows:
  - name: board
    applies_to: {source: csv}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Open]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
      - {name: Review, phase: Create, category: active, statuses: [In Review]}
      - {name: Done, phase: Operate, category: done, statuses: [Closed]}
"""
START = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2024, 5, 1, tzinfo=UTC)
EXAMPLE = (
    "name: alpha In Progress twice as fast\nchanges:\n  - speed: {teams: [alpha], stage: In Progress, factor: 2}\n"
)
OWN_GOOD = "name: faster review\nchanges:\n  - speed: {teams: [alpha], stage: Review, factor: 2}\n"
OWN_TYPO = "changes:\n  - speed: {teams: [alpah], stage: Review, factor: 2}\n"
DEMO_NAMES = ("checkout", "billing", "payments", "pilot", "move-people", "ship-through-december")


def _moves(team: str, count: int, every: int, steps: list[tuple[int, str]]) -> Iterator[tuple[str, list]]:
    for index in range(count):
        created = START + timedelta(days=every * index)
        yield f"{team}-{index}", [(created + timedelta(days=offset), status) for offset, status in steps]


def _workspace(folder: Path, teams: list[tuple[str, int, int, list[tuple[int, str]]]]) -> Path:
    """A workspace of the `BOARD` workflow with, per (team, items, days between creations, moves), items
    created from `START` that each make those (days after creation, status) moves."""
    orgflow.init(folder).close()
    (folder / "orgflow.yaml").write_text(BOARD, encoding="utf-8")
    workspace = orgflow.open(folder)
    batch = ImportBatch("csv", "test", "hand-built")
    for team, count, every, steps in teams:
        for key, moves in _moves(team, count, every, steps):
            batch.add(
                WorkItem(
                    source="csv",
                    source_id=key,
                    project=team.upper(),
                    team_id=team,
                    title=key,
                    item_type="Story",
                    created_at=moves[0][0],
                    status=moves[-1][1],
                )
            )
            for seq, (when, status) in enumerate(moves):
                batch.add(StatusTransition("csv", key, seq, when, None, status))
    workspace.write(batch)
    workspace.close()
    return folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = _workspace(
        tmp_path_factory.mktemp("simulate-offers"),
        [
            ("alpha", 30, 2, [(0, "Open"), (1, "In Progress"), (4, "In Review"), (5, "Closed")]),
            ("beta", 24, 3, [(0, "Open"), (1, "In Progress"), (2, "Closed")]),
        ],
    )
    (folder / "scenarios").mkdir()
    (folder / "scenarios" / "faster-review.yaml").write_text(OWN_GOOD, encoding="utf-8")
    (folder / "scenarios" / "typo.yaml").write_text(OWN_TYPO, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def client(folder: Path) -> Iterator[TestClient]:
    app = create_app(folder, now=NOW)
    yield TestClient(app)
    app.state.hub.close()


def test_the_api_offers_the_workspace_scenarios_that_apply_and_no_example_of_the_demo(client: TestClient) -> None:
    assert client.get("/api/simulate/scenarios").json() == {
        "ok": True,
        "scenarios": ["scenarios/faster-review.yaml"],
        "not_applying": {
            "scenarios/typo.yaml": "unknown team 'alpah' (teams: alpha, beta)",
        },
        "example": EXAMPLE,
        "example_file": "scenarios/alpha-in-progress-x2.yaml",
        "why_none": None,
        "why_no_example": None,
    }


def test_the_page_offers_them_and_names_nothing_of_the_demo(client: TestClient) -> None:
    page = client.get("/simulate").text
    section = re.search(r'<section class="scenario-choice".*?</section>', page, re.S)
    assert section
    choice = section.group(0)
    assert 'data-scenarios="1"' in choice
    assert re.findall(r'<a href="/simulate\?scenario=([^"]+)">', choice) == ["scenarios/faster-review.yaml"]
    assert (
        '<li data-not-applying="scenarios/typo.yaml"><code>scenarios/typo.yaml</code>: '
        + str(escape("unknown team 'alpah' (teams: alpha, beta)"))
        in choice
    )
    assert f'<pre class="example-scenario" data-example-scenario>{escape(EXAMPLE)}</pre>' in choice
    for name in DEMO_NAMES:
        assert name not in page, name


def test_the_example_runs(client: TestClient) -> None:
    """The example is a scenario a run accepts: posted to the API, alpha's 3 days In Progress become 1.5,
    and beta, which it does not touch, keeps its 1 day (common random numbers)."""
    answer = client.post(
        "/api/simulate/run?replications=2&horizon=60&warmup=0",
        content=EXAMPLE.encode(),
        headers={"content-type": "application/yaml"},
    )
    assert answer.status_code == 200, answer.text
    days = {
        (row["subject"], row["stage"]): (row["baseline"], row["scenario"])
        for row in answer.json()["rows"]
        if row["scope"] == "stage" and row["figure"] == "days"
    }
    assert days[("alpha", "In Progress")] == (3.0, 1.5)
    assert days[("beta", "In Progress")] == (1.0, 1.0)


def test_an_example_is_quoted_when_a_name_needs_it(folder: Path) -> None:
    from dataclasses import replace

    with orgflow.open(folder, read_only=True) as workspace:
        network = workspace.simulate.baseline(None)
    alpha = network.teams["alpha"]
    renamed = replace(alpha, name="web: bugs", route=tuple(replace(step, stage="In #Progress") for step in alpha.route))
    text, file_name = example_scenario(replace(network, teams={"web: bugs": renamed})) or ("", "")
    assert '- speed: {teams: ["web: bugs"], stage: "In #Progress", factor: 2}' in text
    assert file_name == "scenarios/web-bugs-in-progress-x2.yaml"
    for name, written in [("yes", '"yes"'), ("2024", '"2024"'), ("null", '"null"'), ("team-a", "team-a")]:
        team = replace(alpha, name=name)
        text, _file = example_scenario(replace(network, teams={name: team})) or ("", "")
        assert f"- speed: {{teams: [{written}], stage: In Progress, factor: 2}}" in text, name
    # A route of unmapped statuses only (no workflow names them): nothing to suggest.
    unmapped = replace(alpha, route=tuple(replace(step, stage="unmapped") for step in alpha.route))
    assert example_scenario(replace(network, teams={"alpha": unmapped})) is None


def test_a_workspace_that_cannot_be_calibrated_says_why_and_offers_nothing(tmp_path: Path) -> None:
    orgflow.init(tmp_path).close()
    app = create_app(tmp_path, now=NOW)
    try:
        client = TestClient(app)
        assert client.get("/api/simulate/scenarios").json() == {
            "ok": True,
            "scenarios": [],
            "not_applying": {},
            "example": None,
            "example_file": None,
            "why_none": "the workspace has no started items to calibrate on",
            "why_no_example": None,
        }
        page = client.get("/simulate").text
        assert (
            "<p data-no-scenario>No scenario applies to this workspace yet: the workspace has no started items to "
            "calibrate on. A scenario is a YAML file of changes"
        ) in page
        assert "examples/pilot" not in page
    finally:
        app.state.hub.close()


def test_a_workspace_without_time_in_a_stage_says_why_nothing_is_suggested(tmp_path: Path) -> None:
    """Team gamma's 25 items go from Open straight to Closed: its model has no stage a change could speed up."""
    _workspace(tmp_path, [("gamma", 25, 2, [(0, "Open"), (2, "Closed")])])
    app = create_app(tmp_path, now=NOW)
    try:
        client = TestClient(app)
        answer = client.get("/api/simulate/scenarios").json()
        assert (answer["scenarios"], answer["example"], answer["why_none"]) == ([], None, None)
        why = "no team of its model (gamma) has a mapped stage with time of its own that a change could speed up"
        assert answer["why_no_example"] == why
        assert (
            f"No scenario applies to this workspace yet, and none can be suggested: {why}."
            in client.get("/simulate").text
        )
    finally:
        app.state.hub.close()
