"""The organization pages in real headless Chromium: they load offline without console errors and draw
their charts; the dependency graph draws one mark per node and edge, a filter redraws it and changes the
URL, a dragged node moves without leaving the page, and a click on a node opens that team's Team API."""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.web.browser_tab import Tab

from orgflow.web.browser import chromium_path, wait_for_charts

if chromium_path() is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser tests: install chromium (make install does)")
    pytest.skip("no chromium here (make install installs it)", allow_module_level=True)

PAGES = ["/org", "/org?date=2026-02-15", "/org/teams/checkout", "/org/teams/shipping?date=2026-02-01", "/dependencies"]


_CHARTS = """() => Array.from(document.querySelectorAll('.chart[data-chart]')).map(chart => ({
    key: chart.dataset.chart, state: chart.dataset.state,
    marks: chart.querySelectorAll('g.role-mark path, g.role-mark rect, g.role-mark line').length}))"""

_GRAPH = """() => {
    const chart = document.querySelector('.chart[data-chart="graph"]');
    const count = selector => chart.querySelectorAll(selector).length;
    return {
        nodes: count('g.nodes > path'),
        labels: count('g.labels > text'),
        edges: count('g.edges-declared > path') + count('g.edges-coupling > path') + count('g.edges-blocking > path'),
        declared: count('g.edges-declared > path'),
        expectedNodes: +chart.dataset.nodes, expectedEdges: +chart.dataset.edges,
    };
}"""

# The screen centre of the node of `team` (Vega's SVG renderer keeps each element's item in `__data__`).
_NODE = """(team) => {
    const el = Array.from(document.querySelectorAll('.chart[data-chart="graph"] g.nodes > path'))
        .find(el => el.__data__ && el.__data__.datum && el.__data__.datum.id === team);
    if (!el) return null;
    const box = el.getBoundingClientRect();
    return {x: box.x + box.width / 2, y: box.y + box.height / 2};
}"""


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_offline_without_errors_and_draws(tab: Tab, path: str) -> None:
    page = tab.open(path)
    charts = page.evaluate(_CHARTS)
    assert charts, "every org page has a chart"
    for chart in charts:
        assert chart["state"] == "drawn" and chart["marks"] > 0, chart
    assert tab.errors == []
    assert all(url.startswith(tab.base_url) for url in tab.requests)


def test_graph_draws_every_node_and_edge(tab: Tab, client: Any) -> None:
    page = tab.open("/dependencies")
    drawn = page.evaluate(_GRAPH)
    body = client.get("/api/dependencies").json()
    assert drawn["nodes"] == drawn["labels"] == drawn["expectedNodes"] == len(body["nodes"]["rows"]) > 0
    assert drawn["edges"] == drawn["expectedEdges"] == len(body["edges"]["rows"]) > 0
    positions = page.evaluate(
        "() => Array.from(document.querySelectorAll('g.nodes > path')).map(p => p.getAttribute('transform'))"
    )
    assert len(set(positions)) == len(positions), "the layout spreads the nodes"
    assert "NaN" not in page.evaluate("() => document.querySelector('.chart[data-chart=graph] svg').innerHTML")


def test_filters_redraw_the_graph_and_round_trip_through_the_url(tab: Tab, client: Any) -> None:
    page = tab.open("/dependencies")
    page.locator('input[name="kind"][value="declared"]').uncheck()
    page.wait_for_url(re.compile(r".*kind=coupling.*kind=blocking.*"))
    wait_for_charts(page)
    assert _query(page.url)["kind"] == ["coupling", "blocking"]
    expected = client.get("/api/dependencies?kind=coupling&kind=blocking").json()["edges"]["rows"]
    drawn = page.evaluate(_GRAPH)
    assert drawn["declared"] == 0 and drawn["edges"] == len(expected) > 0
    page.select_option('select[name="group"]', "payments")
    page.wait_for_url(re.compile(r".*group=payments.*"))
    wait_for_charts(page)
    expected = client.get("/api/dependencies?kind=coupling,blocking&group=payments").json()["edges"]["rows"]
    assert page.evaluate(_GRAPH)["edges"] == len(expected) > 0
    page.fill('input[name="min_weight"]', "5")
    page.locator('input[name="min_weight"]').dispatch_event("change")
    page.wait_for_url(re.compile(r".*min_weight=5.*"))
    wait_for_charts(page)
    expected = [row for row in expected if row["weight"] >= 5]
    assert page.evaluate(_GRAPH)["edges"] == len(expected) > 0
    assert page.locator("table.org-edges tbody tr[data-source]").count() == len(expected)
    page.reload(wait_until="networkidle")
    wait_for_charts(page)
    assert not page.locator('input[name="kind"][value="declared"]').is_checked()
    assert page.locator('select[name="group"]').input_value() == "payments"
    assert page.locator('input[name="min_weight"]').input_value() == "5"
    assert tab.errors == []


def test_dragging_a_node_moves_it_and_stays_on_the_page(tab: Tab) -> None:
    page = tab.open("/dependencies")
    start = page.evaluate(_NODE, "billing")
    assert start is not None
    page.mouse.move(start["x"], start["y"])
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(start["x"] + 8 * step, start["y"] + 6 * step)
    page.mouse.up()
    page.wait_for_timeout(300)
    end = page.evaluate(_NODE, "billing")
    assert abs(end["x"] - start["x"]) + abs(end["y"] - start["y"]) > 30
    assert urlsplit(page.url).path == "/dependencies"
    assert tab.errors == []


def test_click_on_a_node_opens_its_team_api(tab: Tab) -> None:
    page = tab.open("/dependencies")
    node = page.evaluate(_NODE, "checkout")
    page.mouse.click(node["x"], node["y"])
    page.wait_for_url(re.compile(r".*/org/teams/checkout\?date=2026-11-16$"))
    wait_for_charts(page)
    assert page.locator("h1").inner_text().startswith("Checkout")
    page.go_back()
    wait_for_charts(page)
    closed = page.evaluate(_NODE, "shipping")  # a team closed by the reorg opens as of its last day
    page.mouse.click(closed["x"], closed["y"])
    page.wait_for_url(re.compile(r".*/org/teams/shipping\?date=2026-02-15$"))
    assert tab.errors == []


def test_date_picker_shows_the_org_before_the_reorganization(tab: Tab) -> None:
    page = tab.open("/org")
    assert page.locator('[data-team="shipping-domestic"]').count() == 1
    page.fill('input[name="date"]', "2026-02-15")
    page.locator('input[name="date"]').dispatch_event("change")
    page.wait_for_url(re.compile(r".*/org\?date=2026-02-15$"))
    wait_for_charts(page)
    assert page.locator('[data-team="shipping"]').count() == 1
    assert page.locator('[data-team="shipping-domestic"]').count() == 0
    page.locator('[data-change="2026-02-16"] a[data-role="after"]').click()
    page.wait_for_url(re.compile(r".*/org\?date=2026-02-16$"))
    assert page.locator('[data-team="shipping-domestic"]').count() == 1
    page.locator('[data-team="shipping-domestic"] a.card-title').click()
    page.wait_for_url(re.compile(r".*/org/teams/shipping-domestic\?date=2026-02-16$"))
    assert tab.errors == []
