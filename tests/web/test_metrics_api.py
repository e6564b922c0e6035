"""The metrics API: every endpoint's numbers equal the FlowService's for the same parameters, and
every error has one shape and a 4xx status."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orgflow.cli.render import json_value
from orgflow.flow.service import FlowService
from orgflow.query.window import Cut

SINCE, UNTIL = "2026-08-18", "2026-11-15"
WINDOW = {"since": date(2026, 8, 18), "until": date(2026, 11, 15)}

CASES: list[tuple[str, dict[str, str], str, dict[str, Any]]] = [
    ("summary", {}, "summary", {}),
    ("summary", {"by": "team", "since": SINCE, "until": UNTIL}, "summary", {"by": "team", **WINDOW}),
    ("summary", {"by": "group", "type": "defect"}, "summary", {"by": "group", "cut": Cut(item_type="defect")}),
    ("lead-time", {"team": "checkout"}, "lead_time", {"cut": Cut(team="checkout")}),
    (
        "cycle-time",
        {"group": "payments", "since": SINCE, "include_cancelled": "true"},
        "cycle_time",
        {"cut": Cut(group="payments"), "since": WINDOW["since"], "include_cancelled": True},
    ),
    ("throughput", {"period": "month", "by": "team"}, "throughput", {"period": "month", "by": "team"}),
    (
        "throughput",
        {"team": "billing", "since": SINCE, "until": UNTIL},
        "throughput",
        {"cut": Cut(team="billing"), **WINDOW},
    ),
    (
        "wip",
        {"team": "merchant-portal", "since": SINCE},
        "wip",
        {"cut": Cut(team="merchant-portal"), "since": WINDOW["since"]},
    ),
    ("cfd", {"team": "checkout", "since": SINCE, "until": UNTIL}, "cfd", {"cut": Cut(team="checkout"), **WINDOW}),
    ("age", {"group": "logistics"}, "age", {"cut": Cut(group="logistics")}),
    ("efficiency", {"by": "team"}, "efficiency", {"by": "team"}),
    (
        "efficiency",
        {"per_item": "true", "team": "tracking"},
        "efficiency",
        {"per_item": True, "cut": Cut(team="tracking")},
    ),
    ("distribution", {"value_stream": "payments"}, "distribution", {"cut": Cut(value_stream="payments")}),
    ("stages", {"level": "phase", "by": "group"}, "stages", {"level": "phase", "by": "group"}),
    ("stages", {"team": "checkout", "since": SINCE}, "stages", {"cut": Cut(team="checkout"), "since": WINDOW["since"]}),
    ("items", {"team": "checkout", "state": "open"}, "items", {"cut": Cut(team="checkout"), "state": "open"}),
    ("items", {"stage": "Review", "since": SINCE}, "items", {"stage": "Review", "since": WINDOW["since"]}),
    ("sle", {}, "sle", {}),
    (
        "blocked",
        {"group": "platform-cluster", "since": SINCE},
        "blocked",
        {"cut": Cut(group="platform-cluster"), "since": WINDOW["since"]},
    ),
    ("littles-law", {"since": SINCE, "until": UNTIL}, "littles_law", WINDOW),
]


def _cli_json(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as `orgflow flow ... --format json` prints them."""
    return [{key: json_value(value) for key, value in row.items()} for row in rows]


def assert_same_rows(actual: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    """Equal rows; floats may differ in their last bits (DuckDB sums in parallel, in any order)."""
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        assert list(got) == list(want)
        for key, value in want.items():
            if isinstance(value, float):
                assert got[key] == pytest.approx(value, rel=1e-12, abs=1e-12), key
            else:
                assert got[key] == value, key


@pytest.mark.parametrize(
    ("endpoint", "query", "method", "arguments"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_endpoint_numbers_equal_the_flow_service(
    client: TestClient,
    service: FlowService,
    endpoint: str,
    query: dict[str, str],
    method: str,
    arguments: dict[str, Any],
) -> None:
    response = client.get(f"/api/{endpoint}", params=query)
    assert response.status_code == 200, response.text
    body = response.json()
    expected = getattr(service, method)(**arguments)
    assert body["ok"] is True
    assert body["metric"] == expected.metric
    assert body["definition"] == expected.definition
    assert_same_rows(body["rows"], _cli_json(expected.table.to_pylist()))
    assert body["params"]["rows"] == expected.params["rows"] == len(body["rows"])
    assert body["params"]["now"] == expected.params["now"]


def test_window_presets_are_the_last_days_before_today(client: TestClient, service: FlowService) -> None:
    body = client.get("/api/summary", params={"window": "30", "by": "team"}).json()
    expected = service.summary(since=date(2026, 10, 17), until=date(2026, 11, 15), by="team")
    assert body["params"]["since"] == "2026-10-17T00:00:00Z" and body["params"]["until"] == "2026-11-16T00:00:00Z"
    assert_same_rows(body["rows"], _cli_json(expected.table.to_pylist()))


def test_now_parameter_sees_the_past(client: TestClient, service: FlowService) -> None:
    past = client.get("/api/wip", params={"now": "2026-06-01", "since": "2026-05-01", "until": "2026-05-31"}).json()
    assert past["params"]["now"] == "2026-06-01T00:00:00+00:00"
    assert len(past["rows"]) == 31


def test_groups_and_teams(client: TestClient) -> None:
    groups = client.get("/api/groups").json()["groups"]
    teams = client.get("/api/teams").json()["teams"]
    assert {group["kind"] for group in groups} == {"org", "cluster", "team"}
    assert len(teams) == 14 and all(team["kind"] == "team" for team in teams)
    checkout = next(team for team in teams if team["group_id"] == "checkout")
    assert checkout["parent_id"] == "payments" and checkout["topology_type"] == "stream-aligned"


def test_item_history(client: TestClient, service: FlowService) -> None:
    item = service.cycle_time(cut=Cut(team="checkout")).rows()[-1]
    body = client.get(f"/api/items/{item['item_id']}").json()["item"]
    assert body["item_id"] == item["item_id"] and body["team_id"] == "checkout"
    stages = [step["stage"] for step in body["steps"]]
    assert stages[-1] == "Done"
    assert all(step["left_at"] is not None for step in body["steps"][:-1])


def test_openapi_lists_every_endpoint(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    paths = set(schema["paths"])
    for endpoint in {case[0] for case in CASES}:
        assert f"/api/{endpoint}" in paths
    assert {"/api/groups", "/api/teams", "/api/organization", "/api/teams/{team_id}", "/api/items/{item_id}"} <= paths
    parameters = {p["name"] for p in schema["paths"]["/api/throughput"]["get"]["parameters"]}
    assert {
        "team",
        "group",
        "type",
        "value_stream",
        "project",
        "since",
        "until",
        "window",
        "now",
        "by",
        "period",
    } <= parameters
    assert "ErrorBody" in schema["components"]["schemas"]


ERRORS = [
    ("/api/summary?team=nobody", 400, "unknown team 'nobody'", {"field": "team"}),
    ("/api/cfd?group=nowhere", 400, "unknown group 'nowhere'", {"field": "group"}),
    ("/api/summary?since=2026-13-01", 400, "not a date ('2026-13-01')", {"field": "since"}),
    ("/api/wip?until=yesterday", 400, "not a date ('yesterday')", {"field": "until"}),
    ("/api/summary?window=7", 400, "unknown window '7'", {"field": "window"}),
    (
        "/api/summary?since=2026-10-01&until=2026-09-01",
        400,
        "the window is empty (2026-10-01 is after 2026-09-01)",
        {"field": "since"},
    ),
    ("/api/throughput?period=year", 400, "unknown period 'year' (use day, week or month)", {"field": "period"}),
    ("/api/stages?level=team", 400, "unknown level 'team' (use stage or phase)", {"field": "level"}),
    (
        "/api/summary?by=colour",
        400,
        "cannot group by 'colour' (use org, team, group, type, flow_type, project, value_stream)",
        {"field": "by"},
    ),
    (
        "/api/items?state=later",
        400,
        "unknown state 'later' (use open, finished (done or cancelled), done or cancelled)",
        {"field": "state"},
    ),
    ("/api/summary?now=soon", 400, "not a date or instant ('soon')", {"field": "now"}),
    (
        "/api/efficiency?per_item=perhaps",
        422,
        "per_item: Input should be a valid boolean, unable to interpret input",
        {"field": "per_item"},
    ),
    ("/api/teams/nobody", 404, "unknown team 'nobody'", {"field": "team"}),
    ("/api/groups/nowhere", 404, "unknown group 'nowhere'", {"field": "group"}),
    ("/api/items/NOPE-1", 404, "unknown item 'NOPE-1'", {"field": "item"}),
    ("/api/no-such-metric", 404, "no page at /api/no-such-metric", {"path": "/api/no-such-metric"}),
]


@pytest.mark.parametrize(("url", "status", "message", "where"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_have_one_shape(client: TestClient, url: str, status: int, message: str, where: dict[str, str]) -> None:
    response = client.get(url)
    assert response.status_code == status
    body = response.json()
    assert set(body) <= {"ok", "error", "where", "hint"}
    assert body["ok"] is False
    assert body["error"] == message
    assert body["where"] == where


def test_an_empty_window_is_hinted_as_the_command_hints_it(client: TestClient) -> None:
    # The command says "give --since on or before --until"; the API names its parameters without dashes.
    body = client.get("/api/summary?since=2026-10-01&until=2026-09-01").json()
    assert body["hint"] == "give since on or before until"


BAD_VALUES = ["", "x", "-1", "2026-02-30", "0000-00-00", "9999-99-99", "%00", "'; DROP TABLE x; --", "ü" * 50]


@pytest.mark.parametrize("value", BAD_VALUES)
def test_bad_values_never_answer_500(client: TestClient, value: str) -> None:
    for name in ("team", "group", "type", "since", "until", "window", "now", "by", "value_stream", "project"):
        response = client.get("/api/summary", params={name: value})
        assert response.status_code < 500, (name, value, response.text)
        assert response.headers["content-type"].startswith("application/json")
    for endpoint, name in (("throughput", "period"), ("stages", "level"), ("items", "state"), ("items", "stage")):
        response = client.get(f"/api/{endpoint}", params={name: value})
        assert response.status_code < 500, (endpoint, name, value, response.text)
