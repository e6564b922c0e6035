"""The dashboard in real headless Chromium (Debian's, driven by Playwright): pages load without a
console error and offline, every chart draws marks, a click on a chart mark or a card lands on the
items table with the matching filter, and filters round-trip through the URL."""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.web.browser_tab import Tab, chart_states

from orgflow.flow.service import FlowService
from orgflow.query.window import Cut
from orgflow.web.browser import chromium_path, wait_for_charts

if chromium_path() is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser tests: install chromium (make install does)")
    pytest.skip("no chromium here (make install installs it)", allow_module_level=True)


# The screen centre of a chart mark whose datum passes `test` (a JS expression on `datum`). Vega's SVG
# renderer keeps each element's scenegraph item (and so its datum) in `__data__`.
_FIND_MARK = """([key, test]) => {
    const chart = document.querySelector(`.chart[data-chart="${key}"]`);
    const accept = new Function('datum', 'return (' + test + ');');
    const marks = Array.from(chart.querySelectorAll('g.role-mark path, g.role-mark rect'))
        .filter(el => el.__data__ && el.__data__.datum && el.__data__.datum.href && accept(el.__data__.datum))
        .map(el => ({el, box: el.getBoundingClientRect()}))
        .filter(({box}) => box.width > 0 && box.height > 0);
    if (!marks.length) return null;
    const {el, box} = marks[Math.floor(marks.length / 2)];
    return {x: box.x + box.width / 2, y: box.y + box.height / 2, href: el.__data__.datum.href};
}"""


def _click_mark(page: Any, key: str, test: str = "true") -> dict[str, Any]:
    page.locator(f'.chart[data-chart="{key}"]').scroll_into_view_if_needed()
    mark = page.evaluate(_FIND_MARK, [key, test])
    assert mark is not None, f"no linked mark in {key}"
    page.mouse.click(mark["x"], mark["y"])
    page.wait_for_url(re.compile(r".*/items\?.*"))
    page.wait_for_load_state("networkidle")
    return mark


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def _total(page: Any) -> int:
    return int(page.locator("[data-total]").get_attribute("data-total"))


PAGES = ["/", "/groups/payments", "/teams/checkout", "/teams/merchant-portal", "/items?team=checkout&show=finished"]


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_offline_without_errors_and_draws_every_chart(tab: Tab, path: str) -> None:
    page = tab.open(path)
    charts = chart_states(page)
    if path != PAGES[-1]:
        assert charts, "a page with charts"
    for chart in charts:
        assert chart["state"] == "drawn", chart
        assert chart["svgs"] == 1 and chart["marks"] > 0, chart
    assert tab.errors == []
    assert all(url.startswith(tab.base_url) for url in tab.requests), [
        u for u in tab.requests if not u.startswith(tab.base_url)
    ]


def test_item_timeline_draws(tab: Tab, service: FlowService) -> None:
    item = service.cycle_time(cut=Cut(team="checkout")).rows()[-1]["item_id"]
    page = tab.open(f"/items?team=checkout&show=finished&item={item}")
    assert [chart["key"] for chart in chart_states(page)] == ["timeline"]
    assert chart_states(page)[0]["marks"] >= 3
    assert page.locator("#item-detail").get_attribute("data-item") == item
    assert tab.errors == []


def test_click_throughput_point_lists_that_weeks_finished_items(tab: Tab, service: FlowService) -> None:
    page = tab.open("/teams/checkout")
    mark = _click_mark(page, "throughput", "datum.measure === 'finished' && datum.items > 0")
    query = _query(page.url)
    assert query["team"] == ["checkout"] and query["show"] == ["finished"]
    assert page.url.endswith(mark["href"])
    since, until = query["since"][0], query["until"][0]
    from datetime import date

    expected = service.cycle_time(
        cut=Cut(team="checkout"), since=date.fromisoformat(since), until=date.fromisoformat(until)
    )
    assert _total(page) == len(expected.rows()) > 0
    rows = page.locator("table.items tbody tr[data-item]")
    assert rows.count() == _total(page)
    assert set(rows.evaluate_all("rows => rows.map(r => r.dataset.item)")) == {r["item_id"] for r in expected.rows()}


def test_click_wip_point_lists_that_days_work_in_progress(tab: Tab, service: FlowService) -> None:
    page = tab.open("/teams/merchant-portal")
    _click_mark(page, "wip")
    query = _query(page.url)
    assert query["team"] == ["merchant-portal"] and query["show"] == ["open"]
    from datetime import date

    day = date.fromisoformat(query["on"][0])
    expected = service.wip(cut=Cut(team="merchant-portal"), since=day, until=day).rows()[0]["wip"]
    assert _total(page) == expected > 0


def test_click_cycle_time_point_opens_that_item(tab: Tab) -> None:
    page = tab.open("/teams/checkout")
    mark = _click_mark(page, "cycle-time")
    item = _query(mark["href"])["item"][0]
    wait_for_charts(page)
    assert page.locator("#item-detail").get_attribute("data-item") == item
    assert _query(page.url)["team"] == ["checkout"]
    assert tab.errors == []


def test_click_aging_point_and_cfd_band(tab: Tab) -> None:
    page = tab.open("/groups/logistics")
    mark = _click_mark(page, "aging")
    assert _query(page.url)["group"] == ["logistics"]
    assert page.locator("#item-detail").get_attribute("data-item") == _query(mark["href"])["item"][0]
    page = tab.open("/teams/checkout")
    _click_mark(page, "cfd")
    query = _query(page.url)
    assert query["show"] == ["open"] and "on" in query and query["team"] == ["checkout"]


def test_click_distribution_bar_and_stage_map(tab: Tab) -> None:
    page = tab.open("/teams/checkout")
    mark = _click_mark(page, "distribution", "datum.items > 0")
    assert _query(page.url)["type"] == _query(mark["href"])["type"]
    page = tab.open("/")
    _click_mark(page, "stage-map")
    assert _query(page.url)["show"] == ["finished"]


def test_click_card_figure_lists_its_items(tab: Tab, service: FlowService) -> None:
    page = tab.open("/")
    page.locator('[data-card="merchant-portal"] [data-figure="wip"]').click()
    page.wait_for_url(re.compile(r".*/items\?.*"))
    query = _query(page.url)
    assert query["team"] == ["merchant-portal"] and query["show"] == ["open"]
    from datetime import date

    wip = service.summary(cut=Cut(team="merchant-portal"), since=date(2026, 8, 18), until=date(2026, 11, 15))
    assert _total(page) == wip.rows()[0]["wip"]
    assert page.locator('select[name="team"]').input_value() == "merchant-portal"


def test_card_title_opens_the_team_page(tab: Tab) -> None:
    page = tab.open("/?window=30")
    page.locator('[data-card="billing"] a.card-title').click()
    page.wait_for_url(re.compile(r".*/teams/billing\?window=30$"))
    wait_for_charts(page)
    assert page.locator('select[name="window"]').input_value() == "30"


def test_filters_round_trip_through_the_url(tab: Tab) -> None:
    page = tab.open("/teams/checkout")
    page.select_option('select[name="window"]', "30")
    page.wait_for_url(re.compile(r".*/teams/checkout\?window=30$"))
    wait_for_charts(page)
    page.select_option('select[name="type"]', "defect")
    page.wait_for_url(re.compile(r".*type=defect.*"))
    wait_for_charts(page)
    assert _query(page.url) == {"window": ["30"], "type": ["defect"]}
    assert "last 30 days" in page.locator(".window-text").inner_text()
    page.reload(wait_until="networkidle")
    wait_for_charts(page)
    assert page.locator('select[name="window"]').input_value() == "30"
    assert page.locator('select[name="type"]').input_value() == "defect"
    page.go_back()
    page.wait_for_url(re.compile(r".*/teams/checkout\?window=30$"))
    page.select_option('select[name="window"]', "custom")
    page.fill('input[name="since"]', "2026-09-01")
    page.fill('input[name="until"]', "2026-09-30")
    page.locator('input[name="until"]').dispatch_event("change")
    page.wait_for_url(re.compile(r".*since=2026-09-01.*until=2026-09-30.*"))
    wait_for_charts(page)
    assert "window" not in _query(page.url)
    assert tab.errors == []


def test_items_table_sorts_in_place(tab: Tab) -> None:
    page = tab.open("/items?team=checkout&show=finished")
    page.locator("table.items th a", has_text="cycle time").click()
    page.wait_for_url(re.compile(r".*sort=cycle_time_days.*"))
    days = page.locator("table.items tbody tr td.num").evaluate_all(
        "cells => cells.map(c => parseFloat(c.textContent.replace(/,/g, '')))"
    )
    assert days == sorted(days, reverse=True)


def test_phone_layout_has_no_sideways_scroll(browser: Any, base_url: str, service: FlowService) -> None:
    item = service.cycle_time(cut=Cut(team="checkout")).rows()[-1]["item_id"]
    phone = Tab(browser, base_url, width=390, height=844)
    try:
        for path in ("/", "/teams/checkout", "/items?team=checkout", f"/items?team=checkout&item={item}"):
            page = phone.open(path)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390, (path, width)
        assert phone.errors == []
    finally:
        phone.close()
