"""A workspace without work items (an org and deployments, no issue tracker export): the flow figures of
every card are unknown ("–", null) with the reason that says how to load work items, on the organization
page, the cluster and team pages, their JSON, the static report and the terminal; never "Velocity 0.0/wk,
WIP 0". A workspace with items keeps every figure, and a cut of it that holds no item keeps its zeros
(none of its items finished: a measurement).

The workspace with items (team T, default workflow, seen on 2024-02-01 over the 90 days before it):
T-1 Backlog 01-01, In Progress 01-02, Done 01-04 (cycle 2 d, all active); T-2 Backlog 01-03, In Progress
01-05 (open at the end). Over 2024-01-01 to 01-14 (2 weeks): velocity = 1 finished / 2 weeks = 0.5/wk, WIP 1,
flow time p85 2 d, efficiency 2 / 2 = 100 %.
"""

from __future__ import annotations

import html
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.flow.histories import history_batch

import orgflow
from orgflow import cli
from orgflow.flow.no_items import NO_ITEMS, NO_ITEMS_NOTE, says_no_items
from orgflow.model import Deployment, Group
from orgflow.store import ImportBatch, Store
from orgflow.views.cards import figure_reason
from orgflow.views.flow import NO_ITEMS_CAPTION
from orgflow.web.app import create_app

NOW = datetime(2024, 2, 1, tzinfo=UTC)
WINDOW = {"since": "2024-01-01", "until": "2024-01-14"}


@pytest.fixture(scope="module")
def no_items(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An org (Acme > Shop > Checkout) and two deployments: no work items."""
    folder = tmp_path_factory.mktemp("no-items")
    orgflow.init(folder).close()
    store = Store.open(folder / "orgflow.duckdb")
    batch = ImportBatch(source="test", kind="deployments", origin="test")
    for number in (1, 2):
        when = datetime(2024, 1, number, tzinfo=UTC)
        batch.add(Deployment("deploys", f"D{number}", "shop", "production", str(number) * 40, when))
    store.write(batch)
    org = ImportBatch(source="catalog", kind="org", origin="test")
    org.add(Group("catalog", "acme", "Acme", "org"))
    org.add(Group("catalog", "shop", "Shop", "cluster", parent_id="acme"))
    org.add(Group("catalog", "checkout", "Checkout", "team", parent_id="shop"))
    store.write(org)
    store.close()
    return folder


@pytest.fixture(scope="module")
def with_items(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("with-items")
    workspace = orgflow.init(folder)
    try:
        workspace.store.write(
            history_batch(
                {
                    ("T-1", "T", "Story"): [("01-01", "Backlog"), ("01-02", "In Progress"), ("01-04", "Done")],
                    ("T-2", "T", "Story"): [("01-03", "Backlog"), ("01-05", "In Progress")],
                }
            )
        )
    finally:
        workspace.close()
    return folder


def _unknown_card(card: dict[str, Any]) -> None:
    """Every figure of `card` unknown with the no-items reason; its finished count unknown too."""
    assert (card["finished_known"], card["flags"]) == (False, [])
    for figure in card["figures"]:
        assert (figure["value"], figure["text"], figure["reason"]) == (None, "–", NO_ITEMS), figure["key"]


def test_the_summary_has_every_figure_unknown_with_the_reason(no_items: Path) -> None:
    workspace = orgflow.open(no_items)
    try:
        (row,) = workspace.flow_at(NOW).summary().rows()
    finally:
        workspace.close()
    assert row["unknown_reasons"] == NO_ITEMS and says_no_items(row)
    assert {name: value for name, value in row.items() if value is not None} == {
        "small_sample": True,
        "unknown_reasons": NO_ITEMS,
    }


def test_a_result_with_no_rows_says_why(
    no_items: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Grouped by team, or listed by item, a workspace without work items has no rows: the note says why; the
    ungrouped summary's one row already says it in its reason, once."""
    workspace = orgflow.open(no_items)
    try:
        flow = workspace.flow_at(NOW)
        by_team = flow.summary(by="team")
        assert (by_team.table.num_rows, by_team.notes) == (0, [NO_ITEMS_NOTE])
        items = flow.items()
        assert (items.table.num_rows, items.notes) == (0, [NO_ITEMS_NOTE])
        assert flow.summary().notes == []
    finally:
        workspace.close()
    out = _main(monkeypatch, capsys, "-w", str(no_items), "flow", "summary", "--by", "team", "--now", "2024-02-01")
    assert " ".join(out.split()).endswith(" ".join(NO_ITEMS_NOTE.split()))


def test_the_organization_page_and_its_json(no_items: Path) -> None:
    client = TestClient(create_app(no_items, now=NOW))
    body = client.get("/api/organization").json()
    _unknown_card(body["org"])
    (cluster,) = body["clusters"]
    _unknown_card(cluster["card"])
    (team,) = cluster["teams"]
    assert team["group_id"] == "checkout" and cluster["idle_teams"] == []
    _unknown_card(team)
    assert body["notes"] == [NO_ITEMS]
    page = html.unescape(client.get("/").text)
    assert "0.0/wk" not in page and "few items (0)" not in page
    # Three cards (org, cluster, team), each with its velocity blank and the reason on hover.
    assert page.count('data-figure="velocity" data-value=""') == 3
    assert page.count(f"Velocity: – · no figure for the previous 90 days · {NO_ITEMS}") == 3


def test_the_cluster_and_team_pages(no_items: Path) -> None:
    client = TestClient(create_app(no_items, now=NOW))
    group = client.get("/api/groups/shop").json()
    _unknown_card(group["card"])
    (team,) = group["teams"]
    _unknown_card(team)
    _unknown_card(client.get("/api/teams/checkout").json()["card"])
    for path in ("/groups/shop", "/teams/checkout"):
        page = html.unescape(client.get(path).text)
        assert "0.0/wk" not in page and NO_ITEMS in page, path
        # Every chart says there is nothing to draw: no day or week of zeros (the throughput and WIP charts'
        # calendar of zeros, "0 items finished in the window").
        assert page.count(f"<figcaption>{NO_ITEMS_CAPTION}</figcaption>") == 8, path
        assert "0 items finished in the window" not in page and "0 items in progress now" not in page
    charts = client.get("/api/teams/checkout").json()["charts"]
    assert sorted(charts) == ["aging", "blocked", "cfd", "cycle-time", "distribution", "stages", "throughput", "wip"]
    assert all(spec["data"] == {"values": []} for spec in charts.values())


def _main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    monkeypatch.setattr(sys, "argv", ["orgflow", *args])
    capsys.readouterr()
    try:
        cli.main()
    except SystemExit as done:
        assert not done.code
    return capsys.readouterr().out


def test_the_report_and_the_terminal(
    no_items: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _main(monkeypatch, capsys, "-w", str(no_items), "flow", "summary", "--now", "2024-02-01", "--format", "json")
    (row,) = json.loads(out)["rows"]
    assert (row["finished"], row["throughput_per_week"], row["wip"], row["unknown_reasons"]) == (
        None,
        None,
        None,
        NO_ITEMS,
    )
    report = tmp_path / "report.html"
    _main(monkeypatch, capsys, "-w", str(no_items), "report", "-o", str(report), "--now", "2024-02-01")
    page = html.unescape(report.read_text(encoding="utf-8"))
    assert "0.0/wk" not in page and NO_ITEMS in page
    assert page.count('data-figure="velocity" data-value=""') == page.count('data-figure="velocity"') >= 3


def test_a_workspace_with_items_keeps_its_figures(with_items: Path) -> None:
    client = TestClient(create_app(with_items, now=NOW))
    body = client.get("/api/organization", params=WINDOW).json()
    org = body["org"]
    assert (org["finished"], org["finished_known"]) == (1, True)
    figures = {figure["key"]: (figure["value"], figure["text"], figure["reason"]) for figure in org["figures"]}
    assert figures == {
        "velocity": (1.4, "1.4/wk", None),  # 1 finished over the 5 days of the window the data covers
        "flow_time": (2.0, "2.0 d", None),
        "wip": (1.0, "1", None),
        "efficiency": (1.0, "100%", None),
    }
    assert NO_ITEMS not in json.dumps(body)
    # A type with no item in a workspace with items: none of its items finished, a count of 0.
    risk = client.get("/api/organization", params={**WINDOW, "type": "risk"}).json()["org"]
    assert risk["finished"] == 0 and risk["finished_known"]
    velocity = risk["figures"][0]
    assert (velocity["key"], velocity["value"], velocity["text"], velocity["reason"]) == (
        "velocity",
        0.0,
        "0.0/wk",
        None,
    )
    flow_time = risk["figures"][1]
    assert flow_time["reason"] == "lead_time, cycle_time, flow_efficiency: no item finished in the window"


def test_figure_reason_picks_the_reasons_naming_the_figure() -> None:
    reasons = "cycle_time, flow_efficiency: a; b continued; throughput_per_week: after the data"
    assert figure_reason(reasons, "cycle_time") == "cycle_time, flow_efficiency: a; b continued"
    assert figure_reason(reasons, "throughput_per_week") == "throughput_per_week: after the data"
    assert figure_reason(reasons, "wip") is None
    assert figure_reason(None, "wip") is None
