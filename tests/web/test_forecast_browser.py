"""Forecast, plan and insights pages in real headless Chromium: they load offline with no console
error, every chart draws its marks (the outcome histogram a bar per outcome up to p99, the plan board its
bars and dependency arrows), a history bar lists that day's items, and the insights panel arrives
through HTMX."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tests.web.browser_tab import Tab

from orgflow.demo import DEFAULT_END
from orgflow.flow.service import FlowService
from orgflow.forecast import daily_throughput, forecast_plan, forecast_when, load_plan, plan_series
from orgflow.insights import find_insights
from orgflow.query.window import Cut
from orgflow.web.browser import chromium_path
from orgflow.workspace import Workspace

if chromium_path() is None:
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser tests: install chromium (make install does)")
    pytest.skip("no chromium here (make install installs it)", allow_module_level=True)

PLAN_URL = "/forecasts/plan?plan=examples/demo-plan.yaml&trials=300&seed=3"
EXAMPLE_PLAN = Path(__file__).resolve().parents[2] / "examples" / "demo-plan.yaml"


def _marks(page: Any, key: str) -> dict[str, int]:
    """Drawn marks of a chart, per named layer (Vega names a layer's group `<name>_marks`)."""
    return page.evaluate(
        """key => {
            const chart = document.querySelector(`.chart[data-chart="${key}"]`);
            const counts = {};
            chart.querySelectorAll('g.role-mark').forEach(group => {
                const name = Array.from(group.classList).find(c => c.endsWith('_marks')) || 'marks';
                counts[name.replace(/_marks$/, '')] = group.querySelectorAll('path, line, text').length;
            });
            return counts;
        }""",
        key,
    )


def _chart_states(page: Any) -> list[tuple[str, str, int]]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.chart[data-chart]')).map(chart => [
            chart.dataset.chart, chart.dataset.state, chart.querySelectorAll('g.role-mark > *').length])"""
    )


@pytest.mark.parametrize(
    "path",
    [
        "/forecasts",
        "/forecasts?team=checkout&by=2027-01-31&items=20",
        "/forecasts?team=shipping",
        PLAN_URL,
        "/forecasts/plan",
        "/insights",
        "/insights?team=merchant-portal",
    ],
)
def test_pages_load_offline_without_errors_and_draw_every_chart(tab: Tab, path: str) -> None:
    page = tab.open(path)
    for key, state, marks in _chart_states(page):
        assert state == "drawn" and marks > 0, (key, state, marks)
    assert tab.errors == []
    assert tab.external() == []


def test_outcome_histogram_draws_one_bar_per_outcome(tab: Tab, workspace: Workspace) -> None:
    page = tab.open("/forecasts?team=checkout&by=2027-01-31&items=20")
    series = daily_throughput(workspace, team="checkout", now=DEFAULT_END)
    expected = forecast_when(series, 20, seed=1, target_date=date(2027, 1, 31))
    marks = _marks(page, "when")
    assert marks["outcomes"] == int((expected.pmf[: expected.value_at(0.99) + 1] > 0).sum())
    assert marks["confidences"] == 4 and marks["target"] == 1
    assert _marks(page, "how-many")["outcomes"] > 0
    assert _marks(page, "history")["marks"] == series.days


def test_plan_board_draws_bars_arrows_and_targets(tab: Tab, workspace: Workspace) -> None:
    page = tab.open(PLAN_URL)
    plan = load_plan(EXAMPLE_PLAN)
    board = forecast_plan(plan, plan_series(workspace.flow_at(DEFAULT_END), plan), trials=300, seed=3).board()
    marks = _marks(page, "plan-board")
    drawn = sum(1 for bar in board["bars"] if bar["start"] is not None)
    assert marks["bars"] == drawn == 12 and marks["tails"] == drawn
    assert marks["arrows"] == marks["arrowheads"] == len(board["arrows"]) == 3
    assert marks["targets"] == sum(len(item["teams"]) for item in board["initiatives"] if item["target"])
    assert marks["lanes"] == len(board["teams"])
    labels = page.locator('.chart[data-chart="plan-board"] .role-axis-label text').all_text_contents()
    assert "Checkout" in labels and "Merchant Portal" in labels
    assert tab.errors == []


def test_click_history_bar_lists_that_days_finished_items(tab: Tab, service: FlowService) -> None:
    page = tab.open("/forecasts?team=checkout")
    chart = page.locator('.chart[data-chart="history"]')
    chart.scroll_into_view_if_needed()
    mark = page.evaluate(
        """() => {
            const bars = Array.from(document.querySelectorAll('.chart[data-chart="history"] g.role-mark path'))
                .filter(el => el.__data__ && el.__data__.datum && el.__data__.datum.finished > 0);
            const el = bars[Math.floor(bars.length / 2)];
            const box = el.getBoundingClientRect();
            return {x: box.x + box.width / 2, y: box.y + box.height / 2, href: el.__data__.datum.href,
                    finished: el.__data__.datum.finished};
        }"""
    )
    page.mouse.click(mark["x"], mark["y"])
    page.wait_for_url(re.compile(r".*/items\?.*"))
    page.wait_for_load_state("networkidle")
    query = parse_qs(urlsplit(page.url).query)
    assert query["team"] == ["checkout"] and query["show"] == ["finished"] and query["since"] == query["until"]
    day = date.fromisoformat(query["since"][0])
    expected = service.cycle_time(cut=Cut(team="checkout"), since=day, until=day).rows()
    assert int(page.locator("[data-total]").get_attribute("data-total")) == len(expected) == mark["finished"]


def test_insights_panel_loads_through_htmx(tab: Tab, workspace: Workspace) -> None:
    page = tab.open("/forecasts?team=merchant-portal&trials=500")
    panel = page.locator("[data-insights-panel]")
    panel.wait_for()
    assert not page.locator(".insights-slot").count()  # the placeholder was swapped for the panel
    expected = find_insights(workspace, now=DEFAULT_END, team="merchant-portal")
    assert panel.get_attribute("data-insights-panel") == "merchant-portal"
    assert int(panel.get_attribute("data-findings")) == len(expected)
    assert any(url.endswith("/insights/panel?team=merchant-portal") for url in tab.requests)
    panel.locator("a.insights-panel-title").click()
    page.wait_for_url(re.compile(r".*/insights\?team=merchant-portal$"))
    assert page.locator("article.finding").count() == len(expected)
    assert tab.errors == []


def test_forecast_form_round_trips_through_the_url(tab: Tab) -> None:
    page = tab.open("/forecasts?team=checkout&trials=500")
    page.fill('input[name="items"]', "12")
    page.fill('input[name="by"]', "2027-02-15")
    with page.expect_navigation():
        page.click(".forecast-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    query = parse_qs(urlsplit(page.url).query)
    assert query["items"] == ["12"] and query["by"] == ["2027-02-15"] and query["team"] == ["checkout"]
    assert "group" not in query  # empty fields stay out of the URL
    assert page.locator("[data-probability]").count() == 1
    page = tab.open("/forecasts?trials=500")  # the first team by default, shown chosen in the form and said so
    default = page.locator("[data-default-team]").get_attribute("data-default-team")
    assert default and page.locator('select[name="team"]').input_value() == default
    page.select_option('select[name="group"]', "payments")
    with page.expect_navigation():
        page.click(".forecast-form button[type=submit]")
    query = parse_qs(urlsplit(page.url).query)
    assert query["group"] == ["payments"] and "team" not in query
    assert page.locator("h1").inner_text().startswith("Forecast: Payments (group)")
    assert tab.errors == []
