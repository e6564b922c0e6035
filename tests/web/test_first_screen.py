"""The first screen answers (issue 16, item 7): the organization page and a cluster's page put the
clusters and teams with the most flags first; the team page's flow summary shows each figure once, in days,
with "–" for what the data cannot support; the menu names each page once and plainly."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from orgflow.flow.definitions import LABELS
from orgflow.views.summary import summary_figures


def _flag_counts(body: dict) -> list[tuple[str, int, list[int]]]:
    return [
        (
            block["card"]["group_id"],
            len(block["card"]["flags"]) + sum(len(team["flags"]) for team in block["teams"]),
            [len(team["flags"]) for team in block["teams"]],
        )
        for block in body["clusters"]
    ]


def test_organization_ranks_clusters_and_teams_by_their_flags(client: TestClient) -> None:
    clusters = _flag_counts(client.get("/api/organization").json())
    totals = [total for _cluster, total, _teams in clusters]
    assert totals == sorted(totals, reverse=True)
    assert totals[0] > 0, "the demo has flagged teams"
    for _cluster, _total, teams in clusters:
        assert teams == sorted(teams, reverse=True)
    html = client.get("/").text
    shown = re.findall(r'<section class="cluster" data-cluster="([^"]+)"', html)
    assert shown[: len(clusters)] == [cluster for cluster, _total, _teams in clusters]


def test_cluster_page_ranks_its_teams_by_their_flags(client: TestClient) -> None:
    body = client.get("/api/organization").json()
    for block in body["clusters"]:
        page = client.get(f"/groups/{block['card']['group_id']}").text
        cards = re.findall(r'<article class="card( flagged)?" data-card="([^"]+)" data-kind="team"', page)
        flagged = [bool(mark) for mark, _team in cards]
        assert flagged == sorted(flagged, reverse=True), block["card"]["group_id"]


def test_summary_figures_say_unknown_not_zero() -> None:
    row = {
        "finished": 12,
        "throughput_per_week": 1.5,
        "lead_time_p50": 3.25,
        "lead_time_p85": 10.0,
        "lead_time_p95": 20.0,
        "cycle_time_p50": None,
        "cycle_time_p85": None,
        "cycle_time_p95": None,
        "flow_efficiency": None,
        "wip": 0,
        "unknown_reasons": "cycle_time, flow_efficiency: no status history",
    }
    figures = {figure.key: figure for figure in summary_figures(row)}
    assert [figures[key].text for key in ("finished", "throughput_per_week", "lead_time_p50", "wip")] == [
        "12",
        "1.5",
        "3.2",
        "0",
    ]
    assert figures["cycle_time_p85"].text == "–" and figures["cycle_time_p85"].reason == row["unknown_reasons"]
    assert figures["lead_time_p50"].reason is None
    # The terminal's labels (one table), with the unit: durations in days.
    assert all(figure.label == LABELS[key] for key, figure in figures.items())
    assert all(figure.label.endswith("(d)") for key, figure in figures.items() if key.endswith(("_p50", "_p85")))
    assert summary_figures({**row, "flow_efficiency": 0.004})[-2].text == "0.4%"
    assert summary_figures(None) == []


def test_team_page_has_its_flow_summary(client: TestClient) -> None:
    page = client.get("/teams/checkout").text
    cells = dict(re.findall(r'data-summary="([^"]+)" data-value="([^"]*)"', page))
    assert float(cells["lead_time_p85"]) >= float(cells["lead_time_p50"]) > 0
    assert float(cells["finished"]) > 0


def test_menu_names_each_page_once(client: TestClient) -> None:
    menu = client.get("/").text.split("<nav>", 1)[1].split("</nav>", 1)[0]
    labels = [re.sub(r"\s+", " ", text).strip() for text in re.findall(r">([^<>]+)</a>", menu)]
    assert "Organization" in labels and "Org chart" in labels and "Org" not in labels
    assert "API (JSON schema)" in labels


def _dora_row(**changes: object) -> dict:
    row = {
        "deployments": 20,
        "changes": 40,
        "failed_deployments": 2,
        "failures_explicit": 1,
        "failures_inferred": 1,
        "incidents_explicit": 0,
        "incidents_inferred": 0,
        "incidents_unlinked": 0,
        "deploys_per_week": 1.5,
        "deploy_days_per_week_median": 1.0,
        "lead_time_p50_hours": 30.0,
        "lead_time_p85_hours": 60.0,
        "change_fail_rate": 0.1,
        "recovery_p50_hours": None,
        "recovered": 0,
        "unrecovered": 0,
        "rework_rate": 0.05,
        "hotfixes": 1,
        "rollbacks": 0,
        "incidents": 0,
        "deploy_frequency_band": "high",
        "lead_time_band": "high",
        "change_fail_band": "medium",
        "recovery_band": "elite",
    }
    return {**row, **changes}


def test_delivery_grades_only_what_has_a_sample_and_a_living_team() -> None:
    from orgflow.web.dora_rows import dora_figures

    bands = {figure.key: figure.band for figure in dora_figures(_dora_row(), small=5)}
    assert bands["deploys_per_week"] == "high" and bands["lead_time_p50_hours"] == "high"
    assert bands["recovery_p50_hours"] is None  # nothing recovered: no grade, whatever the row says
    texts = {figure.key: figure.text for figure in dora_figures(_dora_row(), small=5)}
    assert (texts["lead_time_p50_hours"], texts["lead_time_p85_hours"]) == ("1.2 d", "2.5 d")  # days, not hours
    empty = dora_figures(_dora_row(deployments=0, changes=0, change_fail_rate=None), small=5)
    assert all(figure.band is None for figure in empty)
    retired = dora_figures(_dora_row(), small=5, graded=False)
    assert all(figure.band is None for figure in retired)
