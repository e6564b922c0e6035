"""Every page's "As JSON" link goes to a route the OpenAPI schema lists (not a deprecated alias kept out of
it), with parameters that route declares, and answers 200."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient

PAGES = (
    "/forecasts?team=checkout&trials=300",
    "/forecasts?group=payments&by=2026-12-31&trials=300",
    "/forecasts/plan?plan=examples/demo-plan.yaml&trials=300&seed=3",
    "/insights",
    "/insights?team=checkout",
    "/simulate?scenario=examples/pilot-meets-release.yaml&replications=3&horizon=120&warmup=60",
    "/simulate/leverage/panel?team=checkout&replications=2",
)
"""Every page (and fragment) with an "As JSON" line (templates with ``class="api-link"``)."""
LINK_LINE = re.compile(r'<p class="api-link">As JSON(.*?)</p>', re.S)
HREF = re.compile(r'href="([^"]+)"')


def _json_links(html: str) -> list[str]:
    """The hrefs of the page's "As JSON" lines that go to the API."""
    hrefs = [unescape(href) for line in LINK_LINE.findall(html) for href in HREF.findall(line)]
    return [href for href in hrefs if href.startswith("/api/")]


def _route(paths: dict[str, dict], path: str) -> dict | None:
    """The schema's GET operation whose path (with ``{name}`` parts) matches `path`."""
    for listed, operations in paths.items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", listed) + "$"
        if re.match(pattern, path) and "get" in operations:
            return operations["get"]
    return None


@pytest.mark.parametrize("page", PAGES)
def test_as_json_links_go_to_listed_routes(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200, page
    links = _json_links(response.text)
    assert links, f"{page} has no 'As JSON' link"
    paths = client.get("/api/openapi.json").json()["paths"]
    for link in links:
        parts = urlsplit(link)
        operation = _route(paths, parts.path)
        assert operation is not None, f"{page}: {parts.path} is not in the OpenAPI schema"
        assert not operation.get("deprecated"), link
        declared = {parameter["name"] for parameter in operation.get("parameters", [])}
        given = {name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
        assert given <= declared, f"{link}: {sorted(given - declared)} not parameters of {parts.path}"
        answer = client.get(link)
        assert answer.status_code == 200, (link, answer.text[:300])


def test_the_forecast_links_are_the_figures_routes(client: TestClient) -> None:
    links = _json_links(client.get("/forecasts?team=checkout&trials=300").text)
    assert [urlsplit(link).path for link in links] == ["/api/forecast/when", "/api/forecast/how-many"]
    # Without a date the page's "how many" looks 90 days ahead: its link asks the route the same.
    how_many = dict(parse_qsl(urlsplit(links[1]).query))
    assert how_many["days"] == "90" and "items" not in how_many
    dated = _json_links(client.get("/forecasts?group=payments&by=2026-12-31&trials=300").text)
    query = dict(parse_qsl(urlsplit(dated[1]).query))
    assert query["by"] == "2026-12-31" and "days" not in query
