"""The delivery pages in real headless Chromium: they load offline without a console error, every
chart draws marks, the weekly bars add up to the window's deployments, and the links (a team row, a
bar, the window menu) land where they say."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from tests.web.browser_tab import Tab, chart_states

import orgflow
from orgflow.delivery.service import DeliveryService
from orgflow.demo import DEFAULT_END
from orgflow.web.browser import chromium_path, wait_for_charts

if chromium_path() is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser tests: install chromium (make install does)")
    pytest.skip("no chromium here (make install installs it)", allow_module_level=True)

WINDOW = {"since": date(2026, 8, 18), "until": date(2026, 11, 15)}


@pytest.fixture(scope="module")
def delivery(demo_dir: Path) -> Iterator[DeliveryService]:
    workspace = orgflow.open(demo_dir, read_only=True)
    yield workspace.delivery_at(DEFAULT_END)
    workspace.close()


PAGES = {
    "/delivery": {"deployments-per-week", "lead-time-percentiles", "service-lead-time-percentiles"},
    "/delivery?window=all": {"deployments-per-week", "lead-time-percentiles", "service-lead-time-percentiles"},
    "/delivery/teams/checkout": {"deployments", "lead-time", "pr-stages"},
    "/delivery/services/checkout-web?window=365": {"deployments", "lead-time", "pr-stages"},
}


@pytest.mark.parametrize("path", list(PAGES))
def test_page_loads_offline_without_errors_and_draws_every_chart(tab: Tab, path: str) -> None:
    page = tab.open(path)
    charts = chart_states(page)
    assert {chart["key"] for chart in charts} == PAGES[path]
    for chart in charts:
        assert chart["state"] == "drawn", chart
        assert chart["svgs"] == 1 and chart["marks"] > 0, chart
    assert tab.errors == []
    assert all(url.startswith(tab.base_url) for url in tab.requests), [
        url for url in tab.requests if not url.startswith(tab.base_url)
    ]


# Every drawn bar of the weekly chart: its count, its week's first day and its link.
_BARS = """() => Array.from(document.querySelectorAll('.chart[data-chart="deployments-per-week"] g.role-mark path'))
    .filter(el => el.__data__ && el.__data__.datum && el.__data__.datum.__count !== undefined)
    .map(el => ({count: el.__data__.datum.__count, week: el.__data__.datum.week_of, owner: el.__data__.datum.owner,
                 href: el.__data__.datum.href}))"""


def test_weekly_bars_add_up_to_each_teams_deployments_in_monday_weeks(tab: Tab, delivery: DeliveryService) -> None:
    page = tab.open("/delivery")
    bars = page.evaluate(_BARS)
    assert bars
    expected = {row["team"]: row["deployments"] for row in delivery.summary(by="team", **WINDOW).rows()}
    drawn: dict[str, int] = {}
    for bar in bars:
        drawn[bar["owner"]] = drawn.get(bar["owner"], 0) + bar["count"]
        assert date.fromisoformat(bar["week"]).weekday() == 0, bar  # weeks start on Monday
        assert bar["href"] == f"/delivery/teams/{bar['owner']}"
    assert drawn == {team: count for team, count in expected.items() if count}
    # and each week's bars hold that week's deployments, counted by hand from the rows
    per_week: dict[tuple[str, str], int] = {}
    for row in delivery.deployments(**WINDOW).rows():
        day = row["finished_at"].date()
        monday = date.fromordinal(day.toordinal() - day.weekday()).isoformat()
        per_week[(monday, row["owner"])] = per_week.get((monday, row["owner"]), 0) + 1
    assert {(bar["week"], bar["owner"]): bar["count"] for bar in bars} == per_week


def test_team_link_in_the_overview_opens_the_team_page(tab: Tab, delivery: DeliveryService) -> None:
    page = tab.open("/delivery?window=365")
    page.locator('tr[data-row="checkout"] a[data-link="team"]').click()
    page.wait_for_url(re.compile(r".*/delivery/teams/checkout\?since=2025-11-16&until=2026-11-15$"))
    page.wait_for_load_state("networkidle")
    wait_for_charts(page)
    assert page.locator("h1").inner_text().startswith("Checkout")
    assert page.locator("select[name=window]").input_value() == "365"
    total = delivery.summary(by="team", team="checkout", since=date(2025, 11, 16), until=date(2026, 11, 15)).rows()[0]
    shown = page.locator('.dora-card[data-figure="deploys_per_week"]').get_attribute("data-value")
    assert float(shown) == total["deploys_per_week"]
    assert all(chart["marks"] > 0 for chart in chart_states(page))
    assert tab.errors == []


def test_click_on_a_weekly_bar_opens_its_team(tab: Tab) -> None:
    page = tab.open("/delivery")
    page.locator('.chart[data-chart="deployments-per-week"]').scroll_into_view_if_needed()
    mark = page.evaluate(
        """() => {
        const el = Array.from(document.querySelectorAll('.chart[data-chart="deployments-per-week"] g.role-mark path'))
            .find(el => el.__data__ && el.__data__.datum && el.__data__.datum.owner === 'data-platform');
        const box = el.getBoundingClientRect();
        return {x: box.x + box.width / 2, y: box.y + box.height / 2};
    }"""
    )
    page.mouse.click(mark["x"], mark["y"])
    page.wait_for_url(re.compile(r".*/delivery/teams/data-platform$"))
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().startswith("Data Platform")


def test_window_menu_switches_to_the_last_365_days(tab: Tab) -> None:
    page = tab.open("/delivery")
    page.select_option("select[name=window]", "365")
    page.wait_for_url(re.compile(r".*/delivery\?window=365$"))
    page.wait_for_load_state("networkidle")
    wait_for_charts(page)
    assert "last 365 days (2025-11-16 to 2026-11-15)" in page.locator(".window-text").inner_text()
    assert all(chart["state"] == "drawn" and chart["marks"] > 0 for chart in chart_states(page))
    assert tab.errors == []
