"""The scenario page and the leverage panel in real headless Chromium: offline, no console error, every
chart drawn with marks; the team page's panel arrives through HTMX once scrolled to, and draws."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.web.browser_tab import Tab, chart_states
from tests.web.test_simulate_pages import SCENARIO, write_quick_scenario

from orgflow.web.browser import chromium_path, wait_for_charts

if chromium_path() is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser tests: install chromium (make install does)")
    pytest.skip("no chromium here (make install installs it)", allow_module_level=True)


def test_scenario_page_and_leverage_panel_draw_without_errors(tab: Tab, demo_dir: Path) -> None:
    write_quick_scenario(demo_dir)
    page = tab.open(f"/simulate?scenario={SCENARIO}")
    charts = {chart["key"]: chart for chart in chart_states(page)}
    assert set(charts) == {"flow-time", "stage-time", "utilization", "queue-length"}
    for chart in charts.values():
        assert chart["state"] == "drawn" and chart["svgs"] == 1 and chart["marks"] > 0, chart
    # Two bands per subject and run: the fan chart draws at least 4 bars per subject.
    assert charts["flow-time"]["marks"] >= 4 * 4
    assert page.locator("[data-table=differences] tr[data-scope]").count() > 0

    page = tab.open("/teams/checkout")
    assert page.locator("[data-leverage-panel]").count() == 0  # loaded only when scrolled to
    page.locator(".leverage-slot").scroll_into_view_if_needed()
    page.wait_for_selector("[data-leverage-panel=checkout]", timeout=60_000)
    wait_for_charts(page)
    leverage = [chart for chart in chart_states(page) if chart["key"] == "leverage"]
    assert len(leverage) == 1 and leverage[0]["state"] == "drawn" and leverage[0]["marks"] > 0
    assert page.locator("[data-table=leverage] tr[data-stage]").count() == int(
        page.locator("[data-leverage-panel]").get_attribute("data-rows")
    )
    assert tab.errors == []
    assert tab.external() == []
