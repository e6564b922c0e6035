"""The organization pages and their JSON twins: the org chart on a date (before and after the demo's
reorganization), a team's Team API and the cross-team dependency graph. Figures are compared with
`OrgService` and `SocioTechService` run on a connection of their own, and with brute-force counts
straight from the store's tables."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orgflow.charts import plain
from orgflow.demo import DEFAULT_END
from orgflow.flow.service import MetricResult
from orgflow.org.service import OrgService
from orgflow.sociotech.service import SocioTechService

TODAY = DEFAULT_END.date()
REORG = date(2026, 2, 16)
"""The default demo's reorganization: `shipping` splits into shipping-domestic and shipping-international."""
BEFORE, AFTER = date(2026, 2, 15), REORG


@pytest.fixture(scope="module")
def org(workspace: Any) -> OrgService:
    return workspace.org


@pytest.fixture(scope="module")
def sociotech(workspace: Any) -> SocioTechService:
    return workspace.sociotech_at(DEFAULT_END)


def _rows(result: MetricResult) -> list[dict[str, Any]]:
    """A result's rows as the API sends them (dates as text, NaN as null, floats to 1e-9: DuckDB sums in
    parallel, so two runs of the same figure may differ in the last bits)."""
    return [{key: _json(value) for key, value in row.items()} for row in result.rows()]


def _json(value: Any) -> Any:
    value = plain(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-9, abs=1e-9)
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    return value


def _direct_members(workspace: Any, group: str, day: date) -> int:
    """Brute force: distinct people with a membership of `group` holding `day`, the group holding it too."""
    (count,) = workspace.store.connection.execute(
        """SELECT count(DISTINCT m.person_id) FROM memberships m JOIN groups g ON g.source_id = m.group_id
           WHERE m.group_id = ?
             AND (m.valid_from IS NULL OR m.valid_from <= ?) AND (m.valid_to IS NULL OR ? < m.valid_to)
             AND (g.valid_from IS NULL OR g.valid_from <= ?) AND (g.valid_to IS NULL OR ? < g.valid_to)""",
        [group, day, day, day, day],
    ).fetchone()
    return int(count)


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ok"] is False and isinstance(body["error"], str) and isinstance(body["where"], dict)
    return body


# -- the org chart --------------------------------------------------------------------------------
def test_org_api_defaults_to_the_hubs_day_and_equals_the_service(client: TestClient, org: OrgService) -> None:
    body = client.get("/api/org").json()
    assert body["ok"] is True and body["date"] == TODAY.isoformat()
    assert body["summary"]["rows"] == _rows(org.summary(TODAY))
    assert body["checks"]["rows"] == _rows(org.checks(TODAY))
    assert body["changes"] == [
        {"date": "2026-02-16", "opened": ["shipping-domestic", "shipping-international"], "closed": ["shipping"]}
    ]


@pytest.mark.parametrize(("day", "team_count"), [(BEFORE, 12), (AFTER, 13), (TODAY, 13)])
def test_members_per_team_on_a_date_equal_the_summary_and_a_brute_force_count(
    client: TestClient, org: OrgService, workspace: Any, day: date, team_count: int
) -> None:
    body = client.get(f"/api/org?date={day}").json()
    assert body["date"] == day.isoformat()
    assert body["summary"]["rows"] == _rows(org.summary(day))
    teams = {row["group"]: row["members"] for row in body["summary"]["rows"] if row["kind"] == "team"}
    assert teams == {team: _direct_members(workspace, team, day) for team in teams}
    assert len(teams) == team_count  # one team split in two


def test_the_reorganization_shows_before_and_after(client: TestClient, org: OrgService) -> None:
    before = {row["group"] for row in client.get(f"/api/org?date={BEFORE}").json()["summary"]["rows"]}
    after = {row["group"] for row in client.get(f"/api/org?date={AFTER}").json()["summary"]["rows"]}
    assert "shipping" in before and "shipping" not in after
    assert {"shipping-domestic", "shipping-international"} <= after
    assert not {"shipping-domestic", "shipping-international"} & before
    assert before - after == {"shipping"}
    assert org.model.groups["shipping"].valid_to == REORG


def test_org_page_shows_teams_members_and_failed_checks(client: TestClient, org: OrgService) -> None:
    html = client.get(f"/org?date={BEFORE}").text
    summary = {row["group"]: row for row in org.summary(BEFORE).rows()}
    teams = dict(re.findall(r'<article class="org-team[^"]*" data-team="([^"]+)" data-members="(\d+)"', html))
    assert teams == {g: str(row["members"]) for g, row in summary.items() if row["kind"] == "team"}
    assert "shipping" in teams and "shipping-domestic" not in teams
    failed = {
        (row["group"], row["check"], row["subject"]) for row in org.checks(BEFORE).rows() if row["passed"] is False
    }
    team_ids = {g for g, row in summary.items() if row["kind"] == "team"}
    shown = html.count('<li class="failed"')
    assert shown == len([key for key in failed if key[0] in team_ids]) > 0
    assert 'value="2026-02-15"' in html and 'name="date"' in html
    assert 'href="/org?date=2026-02-15"' in html and 'href="/org?date=2026-02-16"' in html
    assert 'data-chart="team-sizes"' in html


def test_org_page_after_the_reorg_lists_the_new_teams(client: TestClient) -> None:
    html = client.get(f"/org?date={AFTER}").text
    assert 'data-team="shipping-domestic"' in html and 'data-team="shipping-international"' in html
    assert 'data-team="shipping"' not in html
    assert 'href="/org/teams/shipping-domestic?date=2026-02-16"' in html


def test_bad_dates_are_400_with_the_shared_error_shape(client: TestClient) -> None:
    assert _error(client.get("/api/org?date=2026-02-30"), 400)["where"] == {"field": "date"}
    _error(client.get("/api/org/teams/checkout?date=yesterday"), 400)
    _error(client.get("/api/dependencies?date=16.11.2026"), 400)
    assert client.get("/org?date=nope").status_code == 400


# -- the Team API ---------------------------------------------------------------------------------
def test_team_api_equals_the_services(client: TestClient, org: OrgService, sociotech: SocioTechService) -> None:
    body = client.get("/api/org/teams/checkout").json()
    api = org.team_api("checkout", TODAY)
    assert body["team"] == api.info and body["date"] == TODAY.isoformat()
    for name in ("members", "components", "dependencies", "checks"):
        assert body[name]["rows"] == _rows(getattr(api, name)), name
    assert [row["person"] for row in body["members"]["rows"]] == sorted(org.model.members_on("checkout", TODAY))
    assert {row["component"] for row in body["components"]["rows"]} == {"checkout-web", "payments-api"}
    edges = sociotech.dependency_edges(kinds=("coupling", "blocking"), group="checkout")
    assert body["interactions"]["rows"] == _rows(edges)
    assert all("checkout" in (row["source"], row["target"]) for row in body["interactions"]["rows"])
    by_team = {row["team"]: row for row in _rows(sociotech.truck_factor(by="team"))}
    assert body["truck_factor"] == by_team["checkout"]
    by_component = [
        row for row in _rows(sociotech.truck_factor(by="component")) if row["component"] in api_components(api)
    ]
    assert body["component_truck_factors"]["rows"] == by_component and len(by_component) == 2
    assert body["history"]["rows"] == _rows(org.history("checkout"))
    assert body["links"]["flow"] == "/teams/checkout"


def api_components(api: Any) -> set[str]:
    return {row["component"] for row in api.components.rows()}


def test_team_api_follows_ownership_through_the_reorg(client: TestClient, org: OrgService) -> None:
    before = client.get(f"/api/org/teams/shipping?date={BEFORE}").json()
    assert before["components"]["rows"] == _rows(org.team_api("shipping", BEFORE).components)
    owned_before = {row["component"] for row in before["components"]["rows"]}
    after = {
        team: {
            row["component"] for row in client.get(f"/api/org/teams/{team}?date={AFTER}").json()["components"]["rows"]
        }
        for team in ("shipping-domestic", "shipping-international")
    }
    assert owned_before and owned_before == after["shipping-domestic"] | after["shipping-international"]
    assert {row["person"] for row in before["members"]["rows"]} == set(org.model.members_on("shipping", BEFORE))


def test_bus_factor_one_team_shows_its_knowledge_island(client: TestClient, sociotech: SocioTechService) -> None:
    body = client.get("/api/org/teams/fraud-detection").json()
    islands = [row for row in _rows(sociotech.knowledge_islands(level="component")) if row["entity"] == "fraud-scoring"]
    assert body["knowledge_islands"]["rows"] == islands and islands[0]["authors"] == 1
    assert [row["truck_factor"] for row in body["component_truck_factors"]["rows"]] == [1]
    html = client.get("/org/teams/fraud-detection").text
    assert 'data-island="fraud-scoring"' in html


def test_team_api_page_shows_each_part(client: TestClient, org: OrgService) -> None:
    html = client.get("/org/teams/checkout").text
    api = org.team_api("checkout", TODAY)
    assert html.count("<tr data-person=") == api.members.table.num_rows == 9
    assert html.count("<tr data-component=") >= api.components.table.num_rows
    assert html.count('<tr data-direction="') == api.dependencies.table.num_rows
    assert html.count('data-check="') == api.checks.table.num_rows
    assert 'href="/teams/checkout" data-role="flow"' in html
    assert 'data-chart="team-history"' in html
    assert 'href="/org/teams/billing?date=2026-11-16"' in html


def test_unknown_or_absent_teams_are_404(client: TestClient) -> None:
    assert "unknown group 'nope'" in _error(client.get("/api/org/teams/nope"), 404)["error"]
    assert "does not exist on 2026-11-16" in _error(client.get("/api/org/teams/shipping"), 404)["error"]
    assert "not a team" in _error(client.get("/api/org/teams/payments"), 404)["error"]
    assert client.get("/org/teams/nope").status_code == 404


# -- the dependency graph -------------------------------------------------------------------------
def test_dependencies_api_equals_the_service(client: TestClient, sociotech: SocioTechService) -> None:
    body = client.get("/api/dependencies").json()
    assert body["filters"] == {"kinds": ["declared", "coupling", "blocking"], "group": None, "min_weight": 0.0}
    assert body["edges"]["rows"] == _rows(sociotech.dependency_edges())
    assert body["nodes"]["rows"] == _rows(sociotech.dependency_nodes())
    assert set(body["links"]) == {row["team"] for row in body["nodes"]["rows"]}
    assert body["links"]["shipping"] == "/org/teams/shipping?date=2026-02-15"  # closed: its last day


def test_kind_and_group_filters(client: TestClient, sociotech: SocioTechService) -> None:
    body = client.get("/api/dependencies?kind=blocking&group=payments").json()
    expected = sociotech.dependency_edges(kinds=("blocking",), group="payments")
    assert body["edges"]["rows"] == _rows(expected) and expected.table.num_rows > 0
    assert {row["kind"] for row in body["edges"]["rows"]} == {"blocking"}
    payments = {"payments", "billing", "checkout", "fraud-detection", "merchant-portal"}
    assert all(row["source"] in payments or row["target"] in payments for row in body["edges"]["rows"])
    repeated = client.get("/api/dependencies?kind=declared&kind=coupling").json()
    assert repeated == client.get("/api/dependencies?kind=declared,coupling").json()
    assert repeated["edges"]["rows"] == _rows(sociotech.dependency_edges(kinds=("declared", "coupling")))
    assert _error(client.get("/api/dependencies?kind=social"), 400)["where"] == {"field": "kind"}
    assert _error(client.get("/api/dependencies?group=nope"), 400)["where"] == {"field": "group"}
    assert _error(client.get("/api/dependencies?min_weight=-1"), 400)["where"] == {"field": "min_weight"}


def test_minimum_weight_keeps_heavy_edges_and_recounts_the_nodes(
    client: TestClient, sociotech: SocioTechService
) -> None:
    everything = sociotech.dependency_edges().rows()
    body = client.get("/api/dependencies?min_weight=5").json()
    kept = [row for row in everything if row["weight"] >= 5]
    assert body["edges"]["rows"] == [{key: _json(value) for key, value in row.items()} for row in kept]
    assert 0 < len(kept) < len(everything)
    nodes = {row["team"]: row for row in body["nodes"]["rows"]}
    assert set(nodes) == {row["source"] for row in kept} | {row["target"] for row in kept}
    for team, node in nodes.items():  # brute force over the kept edges
        assert node["out_degree"] == len({row["target"] for row in kept if row["source"] == team})
        assert node["in_degree"] == len({row["source"] for row in kept if row["target"] == team})
        assert node["lost_days_in"] == pytest.approx(sum(r["lost_days"] or 0 for r in kept if r["source"] == team))
        assert node["lost_days_out"] == pytest.approx(sum(r["lost_days"] or 0 for r in kept if r["target"] == team))


def _graph_spec(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" data-spec-for="graph">(.*?)</script>', html, re.S)
    assert match, "the page embeds the graph's spec"
    return json.loads(match.group(1))


def test_dependencies_page_embeds_the_graph_and_sorts_edges_by_lost_time(
    client: TestClient, sociotech: SocioTechService
) -> None:
    html = client.get("/dependencies").text
    spec = _graph_spec(html)
    assert spec["$schema"].endswith("/vega/v6.json")
    data = {entry["name"]: entry["values"] for entry in spec["data"]}
    nodes, edges = sociotech.dependency_nodes(), sociotech.dependency_edges()
    assert [value["id"] for value in data["node-data"]] == nodes.table["team"].to_pylist()
    assert sum(len(data[f"{kind}-links"]) for kind in ("declared", "coupling", "blocking")) == edges.table.num_rows
    assert all(value["href"].startswith("/org/teams/") for value in data["node-data"])
    lost = [
        float(value or 0)
        for value in re.findall(
            r'<tr data-source="[^"]+" data-target="[^"]+" data-kind="\w+" data-lost="([^"]*)"', html
        )
    ]
    assert len(lost) == edges.table.num_rows and lost == sorted(lost, reverse=True)
    assert lost[0] == pytest.approx(max(row["lost_days"] or 0 for row in edges.rows()))


def test_dependencies_page_filters_round_trip(client: TestClient, sociotech: SocioTechService) -> None:
    html = client.get("/dependencies?kind=blocking&group=logistics&min_weight=3").text
    assert re.search(r'value="blocking" checked', html) and not re.search(r'value="declared" checked', html)
    assert '<option value="logistics" selected>' in html
    assert 'name="min_weight" min="0" step="1" value="3"' in html
    expected = [
        r for r in sociotech.dependency_edges(kinds=("blocking",), group="logistics").rows() if r["weight"] >= 3
    ]
    assert html.count('<tr data-source="') == len(expected) > 0
    assert 'href="/api/dependencies?date=2026-11-16&amp;kind=blocking&amp;group=logistics&amp;min_weight=3"' in html


def test_openapi_lists_the_org_routes(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/org", "/api/org/teams/{team}", "/api/deps/graph"):
        assert path in paths and paths[path]["get"]["description"]
    assert "/api/dependencies" not in paths  # a deprecated alias of /api/deps/graph, out of the schema
