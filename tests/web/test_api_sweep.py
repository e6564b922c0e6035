"""The sweep of odd values over every GET route, first share (`tests/web/route_sweep.py` holds the sweep;
`test_api_sweep_share1.py` and `_share2.py` sweep the other shares), and the odd values whose answers are
checked one by one: a 400 naming the field, the error page, the calendar's edges.
"""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web.route_sweep import (
    PARTS,
    SHARED_PARAMETERS,
    Sweep,
    _has_error_shape,
    _read_parameters,
    assert_share_clean,
    real_ids,
    sweep_client,
    sweep_routes,
)

__all__ = ["real_ids", "sweep_client"]


def test_odd_values_on_every_route_share0(app: FastAPI, sweep_client: TestClient, real_ids: dict[str, str]) -> None:
    assert_share_clean(app, sweep_client, real_ids, 0)


def test_the_shares_cover_every_route_once(app: FastAPI) -> None:
    routes = sweep_routes(app)
    shares = [routes[part::PARTS] for part in range(PARTS)]
    assert sum(len(share) for share in shares) == len(routes)
    assert {id(route) for share in shares for route in share} == {id(route) for route in routes}
    assert len({route.path for route in routes}) >= 45


@pytest.mark.parametrize(
    ("path", "params", "status", "field"),
    [
        ("/api/summary", {"now": "0001-01-01"}, 400, "now"),
        ("/api/summary", {"now": "9999-12-31T23:59:59-12:00"}, 400, "now"),
        ("/api/summary", {"until": "9999-12-31"}, 400, "until"),
        ("/api/summary", {"since": "0001-01-01"}, 400, "since"),
        ("/api/cfd", {"team": "billing\x00"}, 400, "team"),
        ("/api/items", {"stage": "\x00"}, 400, "stage"),
        ("/api/org", {"date": "0001-01-01"}, 400, "date"),
        ("/api/forecasts/when", {"by": "9999-12-31"}, 400, "by"),
        ("/api/insights", {"now": "2200-01-01"}, 400, "now"),
        ("/api/teams/bill%00ing", {}, 400, "team_id"),
        ("/api/delivery", {"until": "9999-12-31"}, 400, "until"),
    ],
)
def test_a_value_outside_the_calendar_or_with_a_nul_byte_is_a_400_naming_it(
    sweep_client: TestClient, path: str, params: dict[str, str], status: int, field: str
) -> None:
    response = sweep_client.get(path, params=params)
    assert response.status_code == status
    body = response.json()
    assert _has_error_shape(body) and body["where"] == {"field": field}
    assert ("NUL" in body["error"]) == any("\x00" in value for value in params.values()) or "%00" in path


def test_a_page_answers_a_value_outside_the_calendar_with_its_error_page(sweep_client: TestClient) -> None:
    response = sweep_client.get("/teams/billing", params={"now": "9999-12-31T23:59:59-12:00"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "outside the calendar (1900-01-01 to 2199-12-31)" in response.text


def test_pages_are_seen_reading_the_shared_filters(sweep_client: TestClient, real_ids: dict[str, str]) -> None:
    # The sweep learns what a page accepts by watching it read `request.query_params`.
    assert _read_parameters(sweep_client, "/") == SHARED_PARAMETERS - {"stage"}
    assert _read_parameters(sweep_client, "/items") >= SHARED_PARAMETERS | {"show", "on", "sort", "page"}
    assert _read_parameters(sweep_client, f"/org/teams/{real_ids['team']}") >= {"date", "now"}


EDGES = (
    {"now": "2199-12-31T23:59:59Z"},
    {"now": "1900-01-01"},
    {"since": "1900-01-01", "until": "1900-01-31"},
    {"since": "2199-12-01", "until": "2199-12-31"},
    {"date": "1900-01-01"},
    {"by": "2199-12-31"},
)
"""The calendar's first and last days: valid, so each costs new views; sent to a route of each kind."""


def test_the_calendar_edges(sweep_client: TestClient, real_ids: dict[str, str]) -> None:
    sweep = Sweep(sweep_client)
    team, item = real_ids["team"], real_ids["item_id"]
    for path in ("/api/summary", f"/teams/{team}", "/api/insights", "/api/org", "/api/delivery", f"/api/items/{item}"):
        for params in EDGES:
            sweep.check(path, params)
    sweep.check("/api/forecasts/when", {"by": "2199-12-31"})
    sweep.check("/api/forecasts/how-many", {"by": "2199-12-31"})
    assert sweep.failures == []
