"""Odd values sent to every GET route of the app: no answer is a 500, every 4xx under /api/ has the API's
one error shape (`{"ok": false, "error": ..., "where": {...}}`) and every other 4xx is an HTML page.

Routes come from `app.routes` (API and pages alike; static files and browser assets too). Each route's
path parameters are filled with real ids of the demo (a team, a cluster, an item, a service) and with
odd values; then, with real ids, each odd value goes to each query parameter the route accepts: those
FastAPI reads for it (its dependant, sub-dependencies included) and those it looks up itself in
`request.query_params` (recorded while it answers a plain request: how pages read theirs, the shared
filters among them). A shared filter a route does not read gets only what code reading every parameter
(the NUL check, the response cache's key) could trip on: a NUL byte and 10k characters. `since` after
`until` goes to each route as a pair.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.datastructures import QueryParams
from starlette.routing import BaseRoute, Mount, Route

SHARED_PARAMETERS = frozenset(
    {
        "team",
        "group",
        "type",
        "project",
        "value_stream",
        "phase",
        "stage",
        "since",
        "until",
        "now",
        "window",
    }
)
"""The filters pages read from the URL (`orgflow.web.dependencies.parse_filters`), and `stage`."""
DATE_PARAMETERS = frozenset({"since", "until", "now", "date", "by", "on"})
NUMBER_PARAMETERS = frozenset({"window", "items", "trials", "seed", "page", "min_weight"})

LONG = "x" * 10_000
ODD_VALUES = (
    "0001-01-01",
    "9999-12-31",
    "9999-12-31T23:59:59-12:00",
    "x\x00y",
    "",
    LONG,
    "'",
    '"; DROP TABLE work_items; --',
    "Zürich ✓ 日本 🚀 \\",
)
"""Sent to every parameter: dates and an instant outside the calendar, a NUL byte, empty, 10k
characters, a quote, SQL, unicode with a backslash."""
UNREAD_VALUES = ("x\x00y", LONG)
"""Sent to a shared filter the route does not read."""
ODD_DATES = ("0001-01-01T00:00:00+14:00", "2200-01-01", "1899-12-31T23:59:59Z", "2026-02-30", "abc")
"""Also sent to parameters that hold a date or an instant: just outside the calendar, and non-dates.
(Its first and last days are valid and cost whole views over 125 years: `test_the_calendar_edges`.)"""
ODD_NUMBERS = ("-1", "0", "-99999999999999999999", "99999999999999999999", "1.5", "abc")
"""Also sent to parameters that hold a number (the `window=abc` case among them)."""
ODD_PATH_VALUES = ("\x00", "a\x00b", LONG, "'", '"; DROP TABLE work_items; --', "Zürich ✓ 日本", "-1", "../../x")


@dataclass
class Sweep:
    """What the sweep sent and what went wrong."""

    client: TestClient
    routes: set[str] = field(default_factory=set)
    requests: int = 0
    failures: list[str] = field(default_factory=list)

    def check(self, path: str, params: dict[str, str] | None = None) -> None:
        """GET `path` with `params`; a 500, or a 4xx of the wrong shape, is a failure."""
        params = params or {}
        response = self.client.get(path, params=params)
        self.requests += 1
        shown = f"GET {path[:80]} { ({key: value[:40] for key, value in params.items()}) }"
        status = response.status_code
        content_type = response.headers.get("content-type", "")
        if status >= 500:
            self.failures.append(f"{shown}: {status} {response.text[:200]}")
        elif 400 <= status < 500 and path.startswith("/api/"):
            if not _has_error_shape(response.json() if content_type.startswith("application/json") else None):
                self.failures.append(f"{shown}: {status} without the error shape: {response.text[:200]}")
        elif 400 <= status < 500 and not content_type.startswith("text/html"):
            self.failures.append(f"{shown}: {status} is no error page ({content_type})")


def _has_error_shape(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and body.get("ok") is False
        and isinstance(body.get("error"), str)
        and isinstance(body.get("where"), dict)
    )


def _leaves(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route of the app, included routers opened (newer FastAPI keeps them lazily)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: included routes are plain routes of app.routes
        yield from routes
        return
    for context in iter_route_contexts(routes):
        yield context.original_route


def _dependant_parameters(dependant: Dependant) -> set[str]:
    """The URL names of a dependant's query parameters and of its sub-dependencies'."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _dependant_parameters(sub)
    return names


def _fill(template: str, values: dict[str, str]) -> str:
    path = template
    for name, value in values.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    return path


def _read_parameters(client: TestClient, path: str) -> set[str]:
    """The query parameters a route looks up in `request.query_params` while answering `path` (asked
    with a parameter of its own, so that no kept response answers in its place)."""
    read: set[str] = set()
    getitem, getlist, contains = QueryParams.__getitem__, QueryParams.getlist, QueryParams.__contains__

    def recording(method: Any) -> Any:
        def wrapper(self: QueryParams, key: Any) -> Any:
            read.add(key)
            return method(self, key)

        return wrapper

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(QueryParams, "__getitem__", recording(getitem))
        patch.setattr(QueryParams, "getlist", recording(getlist))
        patch.setattr(QueryParams, "__contains__", recording(contains))
        client.get(path, params={"sweep_probe": str(time.perf_counter_ns())})
    return read - {"sweep_probe"}


def _values(parameter: str) -> tuple[str, ...]:
    extra = ODD_DATES if parameter in DATE_PARAMETERS else ()
    return ODD_VALUES + extra + (ODD_NUMBERS if parameter in NUMBER_PARAMETERS else ())


@pytest.fixture(scope="module")
def sweep_client(app: FastAPI) -> TestClient:
    """A client that answers a server error with its 500 instead of raising it (not entered as a
    context: its shutdown would close the hub the session's app shares with the other modules)."""
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="module")
def real_ids(client: TestClient) -> dict[str, str]:
    """A real id of the demo for each path parameter's name."""
    team = client.get("/api/teams").json()["teams"][0]["group_id"]
    groups = client.get("/api/groups").json()["groups"]
    return {
        "team_id": team,
        "team": team,
        "group_id": next(group["group_id"] for group in groups if group["kind"] == "cluster"),
        "item_id": client.get("/api/items", params={"window": "30"}).json()["rows"][0]["item_id"],
        "service": client.get("/api/delivery").json()["services"]["rows"][0]["service"],
        "name": "vega.min.js",
    }


def test_odd_values_on_every_route(app: FastAPI, sweep_client: TestClient, real_ids: dict[str, str]) -> None:
    sweep = Sweep(sweep_client)
    started = time.perf_counter()
    for route in _leaves(app.routes):
        if isinstance(route, Mount):
            sweep.routes.add(route.path)
            for name in ("app.css", *ODD_PATH_VALUES):
                sweep.check(f"{route.path}/{quote(name, safe='')}")
            continue
        if not isinstance(route, Route | APIRoute) or "GET" not in (route.methods or ()):
            continue
        sweep.routes.add(route.path)
        names = list(route.param_convertors)
        for name in names:
            for odd in ODD_PATH_VALUES:
                sweep.check(_fill(route.path, {**real_ids, name: odd}))
        real = _fill(route.path, {name: real_ids[name] for name in names})
        sweep.check(real)
        if not isinstance(route, APIRoute):
            continue
        parameters = _dependant_parameters(route.dependant) | _read_parameters(sweep_client, real)
        sweep.check(real, {"since": "2026-10-01", "until": "2026-09-01"})
        for parameter in sorted(parameters):
            for odd in _values(parameter):
                sweep.check(real, {parameter: odd})
        for parameter in sorted(SHARED_PARAMETERS - parameters):
            for odd in UNREAD_VALUES:
                sweep.check(real, {parameter: odd})
    elapsed = time.perf_counter() - started
    print(f"\nsweep: {sweep.requests} requests over {len(sweep.routes)} routes in {elapsed:.1f} s")
    assert len(sweep.routes) >= 45
    assert sweep.failures == [], f"{len(sweep.failures)} of {sweep.requests}:\n" + "\n".join(sweep.failures)


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
