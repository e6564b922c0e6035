"""The sweep of odd values over the app's GET routes, shared by the files that each sweep a share of them
(`test_api_sweep*.py`: one file is one unit of work for the test runner, so the shares run side by side).

Odd values sent to every GET route of the app: no answer is a 500, every 4xx under /api/ has the API's
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


PARTS = 3
"""The routes are swept in this many shares, one per test file."""


def sweep_routes(app: FastAPI) -> list[BaseRoute]:
    """The routes the sweep visits: mounts and GET routes, in path order."""
    routes = [
        route
        for route in _leaves(app.routes)
        if isinstance(route, Mount) or (isinstance(route, Route | APIRoute) and "GET" in (route.methods or ()))
    ]
    return sorted(routes, key=lambda route: (route.path, type(route).__name__))


def sweep_share(app: FastAPI, client: TestClient, real_ids: dict[str, str], part: int) -> Sweep:
    """Send the odd values to the routes of share `part` (every PARTS-th route of `sweep_routes`,
    from the `part`-th): each path parameter gets each odd path value (the others real), the real path
    is asked plain, then with `since` after `until`, each odd value in each query parameter the route
    reads, and the unread shared filters get what code reading every parameter could trip on."""
    sweep = Sweep(client)
    for route in sweep_routes(app)[part::PARTS]:
        sweep.routes.add(route.path)
        if isinstance(route, Mount):
            for name in ("app.css", *ODD_PATH_VALUES):
                sweep.check(f"{route.path}/{quote(name, safe='')}")
            continue
        names = list(route.param_convertors)
        for name in names:
            for odd in ODD_PATH_VALUES:
                sweep.check(_fill(route.path, {**real_ids, name: odd}))
        real = _fill(route.path, {name: real_ids[name] for name in names})
        sweep.check(real)
        if not isinstance(route, APIRoute):
            continue
        parameters = _dependant_parameters(route.dependant) | _read_parameters(client, real)
        sweep.check(real, {"since": "2026-10-01", "until": "2026-09-01"})
        for parameter in sorted(parameters):
            for odd in _values(parameter):
                sweep.check(real, {parameter: odd})
        for parameter in sorted(SHARED_PARAMETERS - parameters):
            for odd in UNREAD_VALUES:
                sweep.check(real, {parameter: odd})
    return sweep


def assert_share_clean(app: FastAPI, client: TestClient, real_ids: dict[str, str], part: int) -> None:
    """Sweep share `part` and fail with every failing request listed."""
    started = time.perf_counter()
    sweep = sweep_share(app, client, real_ids, part)
    elapsed = time.perf_counter() - started
    print(f"\nsweep share {part}: {sweep.requests} requests over {len(sweep.routes)} routes in {elapsed:.1f} s")
    assert sweep.routes, f"share {part} has no route"
    assert sweep.failures == [], f"{len(sweep.failures)} of {sweep.requests}:\n" + "\n".join(sweep.failures)


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
