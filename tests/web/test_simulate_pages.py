"""The simulation's JSON API, scenario page and leverage panel against `ws.simulate` on a connection of
its own: the same inputs and seed give exactly the same rows; what a scenario does not touch is left
out of the page; a bad scenario is a 400 naming its file, line and field.

Runs are kept short (3 replications, 120 measured days) so the module stays within a few seconds.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from fastapi.testclient import TestClient

from orgflow.simulate.replicate import RunSettings, replicate
from orgflow.web.routes.payloads import result_body
from orgflow.workspace import Workspace

SCENARIO = "scenarios/quick-pilot.yaml"
SCENARIO_TEXT = """\
name: quick pilot
replications: 3
horizon_days: 120
warmup_days: 60
changes:
  - speed: {teams: [checkout], stage: In Progress, factor: 2}
  - release: {station: payments/Ready for Release, every_days: 7}
"""
SHORT = "replications=3&horizon=120&warmup=60"
SHORT_SETTINGS = RunSettings(replications=3, horizon_days=120, warmup_days=60, seed=1)
FIXED_LEVERAGE_COLUMNS = (
    "stage",
    "phase",
    "share",
    "flow_time_mean",
    "flow_time_mean_if_2x",
    "flow_time_p85",
    "flow_time_p85_if_2x",
)
PAYMENTS = ["billing", "checkout", "fraud-detection", "merchant-portal"]


def write_quick_scenario(demo_dir: Path) -> Path:
    """The short pilot scenario in the demo's `scenarios/` folder (the page offers files from there)."""
    path = demo_dir / SCENARIO
    path.parent.mkdir(exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != SCENARIO_TEXT:
        path.write_text(SCENARIO_TEXT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def scenario_file(demo_dir: Path) -> Path:
    return write_quick_scenario(demo_dir)


@pytest.fixture(scope="module")
def run_body(client: TestClient, scenario_file: Path) -> dict[str, Any]:
    response = client.get(f"/api/simulate/run?scenario={SCENARIO}")
    assert response.status_code == 200, response.text
    return response.json()


class _Page(HTMLParser):
    """Chart specs (data-spec-for) and the data attributes of table rows, by table."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.specs: dict[str, dict[str, Any]] = {}
        self.rows: dict[str, list[dict[str, str]]] = {}
        self._spec: str | None = None
        self._text: list[str] = []
        self._table: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "script" and "data-spec-for" in values:
            self._spec, self._text = values["data-spec-for"], []
        elif tag == "table" and "data-table" in values:
            self._table = values["data-table"]
            self.rows[self._table] = []
        elif tag == "tr" and self._table and any(name.startswith("data-") for name in values):
            self.rows[self._table].append(
                {name[5:]: value for name, value in values.items() if name.startswith("data-")}
            )

    def handle_data(self, data: str) -> None:
        if self._spec is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._spec is not None:
            self.specs[self._spec] = orjson.loads("".join(self._text))
            self._spec = None
        elif tag == "table":
            self._table = None


def _row(body: dict[str, Any], scope: str, subject: str, figure: str, stage: str = "") -> dict[str, Any]:
    (row,) = [
        r
        for r in body["rows"]
        if (r["scope"], r["subject"], r["stage"], r["figure"]) == (scope, subject, stage, figure)
    ]
    return row


def test_run_rows_are_ws_simulate_run_of_the_same_file(
    run_body: dict[str, Any], workspace: Workspace, scenario_file: Path
) -> None:
    expected = workspace.simulate.run(scenario_file, settings=RunSettings())  # the CLI's defaults; the file wins
    assert run_body["rows"] == result_body(expected)["rows"]
    assert run_body["params"] == result_body(expected)["params"]
    assert run_body["params"]["replications"] == 3 and run_body["params"]["horizon_days"] == 120
    assert run_body["scenario_file"] == SCENARIO
    # Common random numbers: a logistics team the scenario does not touch is exactly unchanged.
    assert _row(run_body, "team", "shipping", "flow_time_p85")["difference"] == 0
    assert _row(run_body, "stage", "checkout", "days", "In Progress")["difference"] < 0


def test_scenario_page_draws_what_the_scenario_changes(client: TestClient, run_body: dict[str, Any]) -> None:
    response = client.get(f"/simulate?scenario={SCENARIO}")
    assert response.status_code == 200, response.text
    page = _Page(response.text)
    assert set(page.specs) == {"flow-time", "stage-time", "utilization", "queue-length"}

    fan = {(v["subject"], v["run"]): v for v in page.specs["flow-time"]["data"]["values"]}
    checkout = _row(run_body, "team", "checkout", "flow_time_p85")
    assert fan[("Checkout", "baseline")]["p85"] == checkout["baseline"]
    assert fan[("Checkout", "scenario")]["p85"] == checkout["scenario"]
    assert fan[("Checkout", "scenario")]["p50"] == _row(run_body, "team", "checkout", "flow_time_p50")["scenario"]
    assert fan[("whole organization", "baseline")]["p95"] == _row(run_body, "org", "org", "flow_time_p95")["baseline"]
    subjects = {subject for subject, _ in fan}
    assert "Shipping" not in subjects and "Fraud Detection" not in subjects  # untouched: left out
    assert {"whole organization", "Payments (group)", "Checkout", "Billing"} <= subjects

    stages = {(v["team"], v["run"], v["stage"]): v["days"] for v in page.specs["stage-time"]["data"]["values"]}
    in_progress = _row(run_body, "stage", "checkout", "days", "In Progress")
    assert stages[("Checkout", "baseline", "In Progress")] == in_progress["baseline"]
    assert stages[("Checkout", "scenario", "In Progress")] == in_progress["scenario"]
    moved = {r["subject"] for r in run_body["rows"] if r["scope"] == "stage" and r["difference"] != 0}
    assert moved == {"billing", "checkout", "merchant-portal"}  # the teams on payments' shared train
    assert {team for team, _, _ in stages} == {"Billing", "Checkout", "Merchant Portal"}

    changed = {r["subject"] for r in run_body["rows"] if r["scope"] == "station" and r["difference"] not in (0, None)}
    drawn = {v["station"] for v in page.specs["utilization"]["data"]["values"]}
    assert drawn == changed and "checkout/In Progress" in drawn

    table = page.rows["differences"]
    expected = [
        r
        for r in run_body["rows"]
        if r["difference"] != 0
        and (
            (r["scope"] in ("org", "group", "team") and r["figure"].startswith(("flow_time", "throughput", "wip")))
            or (r["scope"] == "station" and r["figure"] in ("utilization", "queue_length", "queue_days"))
        )
    ]
    assert len(table) == len(expected) > 0
    assert {(r["scope"], r["subject"], r["figure"]) for r in table} == {
        (r["scope"], r["subject"], r["figure"]) for r in expected
    }
    assert table[0]["scope"] == "org"


def test_leverage_of_a_team_is_ws_simulate_leverage(client: TestClient, workspace: Workspace) -> None:
    body = client.get(f"/api/simulate/leverage?team=checkout&{SHORT}").json()
    expected = workspace.simulate.leverage(team="checkout", settings=SHORT_SETTINGS)
    assert body["rows"] == result_body(expected)["rows"]
    assert all(set(FIXED_LEVERAGE_COLUMNS) <= set(row) for row in body["rows"])
    changes = [row["flow_time_p85_if_2x"] - row["flow_time_p85"] for row in body["rows"]]
    assert changes == sorted(changes)  # ranked: the largest cut of p85 first

    panel = _Page(client.get(f"/simulate/leverage/panel?team=checkout&{SHORT}").text)
    assert [row["stage"] for row in panel.rows["leverage"]] == [row["stage"] for row in body["rows"]]
    bars = panel.specs["leverage"]["data"]["values"]
    assert [bar["stage"] for bar in bars] == [row["stage"] for row in body["rows"]]
    assert [bar["flow_time_p85_if_2x"] for bar in bars] == [row["flow_time_p85_if_2x"] for row in body["rows"]]


def test_leverage_of_a_cluster_is_its_teams_in_the_organization_model(client: TestClient, workspace: Workspace) -> None:
    body = client.get(f"/api/simulate/leverage?group=payments&{SHORT}").json()
    assert body["params"]["teams"] == ", ".join(PAYMENTS)
    # Independent reference: the whole organization's baseline, its `payments` group figures.
    whole = replicate(workspace.simulate.baseline(None), SHORT_SETTINGS)
    mean = float(np.mean(whole.values(("group", "payments", "", "flow_time_mean"))))
    p85 = float(np.mean(whole.values(("group", "payments", "", "flow_time_p85"))))
    assert {row["flow_time_mean"] for row in body["rows"]} == {mean}
    assert {row["flow_time_p85"] for row in body["rows"]} == {p85}
    assert {row["stage"] for row in body["rows"]} >= {"In Progress", "Ready for Release", "Review"}


def test_leverage_of_the_organization_group_is_ws_simulate_leverage_of_every_team(
    client: TestClient, workspace: Workspace
) -> None:
    (org,) = [group["group_id"] for group in client.get("/api/groups").json()["groups"] if group["kind"] == "org"]
    body = client.get(f"/api/simulate/leverage?group={org}&replications=2&horizon=60&warmup=30").json()
    expected = workspace.simulate.leverage(settings=RunSettings(replications=2, horizon_days=60, warmup_days=30))
    assert body["rows"] == result_body(expected)["rows"]
    missing = client.get(f"/api/simulate/leverage?{SHORT}")
    assert missing.status_code == 400 and missing.json()["where"] == {"field": "team"}


def test_backtest_rows_are_ws_simulate_backtest(client: TestClient, workspace: Workspace) -> None:
    body = client.get("/api/simulate/backtest?replications=3&split=0.7").json()
    expected = workspace.simulate.backtest(split=0.7, settings=RunSettings(replications=3, seed=1))
    assert body["rows"] == result_body(expected)["rows"]
    assert {row["figure"] for row in body["rows"]} == {"cycle_time_p50", "cycle_time_p85", "throughput_per_week"}


@pytest.mark.parametrize(
    ("text", "message", "where"),
    [
        (
            "replications: 2\nchanges:\n  - speed: {teams: [nobody], stage: In Progress, factor: 2}\n",
            "unknown team 'nobody'",
            {"file": "request body", "record": "line 3", "field": "changes.0.speed.teams"},
        ),
        (
            "changes:\n  - demand: {teams: [checkout], factor: 1}\n"
            "  - speed: {teams: [checkout], stage: Review, factor: 0}\n",
            "a factor must be above 0 (got 0)",
            {"file": "request body", "record": "line 3", "field": "changes.1.speed.factor"},
        ),
        (
            "name: nothing\n",
            "expected a list of changes",
            {"file": "request body", "record": "line 1", "field": "changes"},
        ),
    ],
)
def test_a_bad_posted_scenario_is_a_400_naming_line_and_field(
    client: TestClient, text: str, message: str, where: dict[str, str]
) -> None:
    response = client.post("/api/simulate/run", content=text, headers={"content-type": "application/yaml"})
    assert response.status_code == 400
    assert response.json()["error"] == message
    assert response.json()["where"] == where


def test_a_bad_scenario_file_is_a_400_naming_it(client: TestClient, demo_dir: Path) -> None:
    broken = demo_dir / "scenarios" / "broken.yaml"
    broken.parent.mkdir(exist_ok=True)
    broken.write_text("changes:\n  - speed: {teams: [checkout], stage: Nowhere, factor: 2}\n", encoding="utf-8")
    try:
        response = client.get("/api/simulate/run?scenario=scenarios/broken.yaml")
        assert response.status_code == 400
        assert response.json()["error"] == "team 'checkout' has no stage 'Nowhere'"
        assert response.json()["where"] == {
            "file": "scenarios/broken.yaml",
            "record": "line 2",
            "field": "changes.0.speed.stage",
        }
        page = client.get("/simulate?scenario=scenarios/broken.yaml")
        assert page.status_code == 400 and "has no stage" in page.text
    finally:
        broken.unlink()
    assert client.get("/api/simulate/run?scenario=../outside.yaml").status_code == 400
    assert client.get("/api/simulate/run?scenario=examples/missing.yaml").status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/api/simulate/leverage?team=checkout&replications=1",
        "/api/simulate/leverage?team=checkout&replications=201",
        "/api/simulate/leverage?team=checkout&horizon=10",
        "/api/simulate/backtest?split=1",
        "/api/simulate/run?scenario=examples/pilot-meets-release.yaml&warmup=-1",
    ],
)
def test_parameters_out_of_range_are_refused(client: TestClient, url: str) -> None:
    assert client.get(url).status_code == 422


def test_scenario_list_and_the_panels_on_team_and_cluster_pages(client: TestClient, scenario_file: Path) -> None:
    listed = client.get("/api/simulate/scenarios").json()["scenarios"]
    assert SCENARIO in listed and "examples/pilot-meets-release.yaml" in listed
    assert "examples/demo-plan.yaml" not in listed  # a plan, not a scenario
    index = client.get("/simulate").text
    assert f'href="/simulate?scenario={SCENARIO}"' in index
    assert 'hx-get="/simulate/leverage/panel?team=checkout"' in client.get("/teams/checkout").text
    assert 'hx-get="/simulate/leverage/panel?group=payments&amp;replications=5"' in client.get("/groups/payments").text
    unknown = client.get("/simulate/leverage/panel?team=nobody")
    assert unknown.status_code == 200 and "unknown team &#39;nobody&#39;" in unknown.text


class _Triggers(HTMLParser):
    """The attributes of every element that fetches the leverage panel (its hx-get)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[dict[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if values.get("hx-get", "").startswith("/simulate/leverage/panel"):
            self.found.append({"tag": tag, **values})


def test_a_group_page_runs_its_leverage_only_on_a_click(client: TestClient) -> None:
    # A group's leverage simulates the whole organization once per stage: never on page load.
    (org,) = [group["group_id"] for group in client.get("/api/groups").json()["groups"] if group["kind"] == "org"]
    for group in ("payments", org):
        (trigger,) = _Triggers(client.get(f"/groups/{group}").text).found
        assert trigger["tag"] == "button"
        assert trigger["hx-trigger"] == "click"
        assert trigger["hx-get"] == f"/simulate/leverage/panel?group={group}&replications=5"
        assert trigger["hx-target"] == "closest .leverage-slot"
    # A team's panel (one team's network, ~10 s on the demo) still loads once scrolled to.
    (team,) = _Triggers(client.get("/teams/checkout").text).found
    assert (team["tag"], team["hx-trigger"]) == ("div", "revealed")
