"""The pages as HTML (no browser): their cards and charts carry the flow service's numbers, every
figure and chart mark links to exactly the items behind it, filters round-trip through the URL."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from orgflow.flow.service import FlowService
from orgflow.query.window import Cut

WINDOW = {"since": date(2026, 8, 18), "until": date(2026, 11, 15)}
PREVIOUS = {"since": date(2026, 5, 20), "until": date(2026, 8, 17)}


class _Page(HTMLParser):
    """Cards (data-card → figure → value, href), chart specs (data-spec-for) and selected options."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[str, dict[str, dict[str, str]]] = {}
        self.specs: dict[str, dict[str, Any]] = {}
        self.selected: dict[str, str] = {}
        self._card: list[str] = []
        self._spec: str | None = None
        self._select: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "article" and "data-card" in values:
            self._card.append(values["data-card"])
            self.cards.setdefault(values["data-card"], {})
        elif tag == "a" and "data-figure" in values and self._card:
            self.cards[self._card[-1]][values["data-figure"]] = {
                "value": values.get("data-value", ""),
                "href": values.get("href", ""),
            }
        elif tag == "script" and "data-spec-for" in values:
            self._spec = values["data-spec-for"]
            self._text = []
        elif tag == "select":
            self._select = values.get("name")
        elif tag == "option" and self._select and "selected" in values:
            self.selected[self._select] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "article" and self._card:
            self._card.pop()
        elif tag == "script" and self._spec:
            self.specs[self._spec] = json.loads("".join(self._text))
            self._spec = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._spec:
            self._text.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def get_page(client: TestClient, url: str) -> _Page:
    response = client.get(url)
    assert response.status_code == 200, response.text[:500]
    return parse(response.text)


def items_total(client: TestClient, href: str) -> int:
    """The item count the items page shows for a link."""
    response = client.get(href)
    assert response.status_code == 200, (href, response.text[:300])
    found = re.search(r'data-total="(\d+)"', response.text)
    assert found, href
    return int(found.group(1))


def _value(text: str) -> float | None:
    return float(text) if text else None


def test_organization_cards_show_the_summary(client: TestClient, service: FlowService) -> None:
    page = get_page(client, "/")
    teams = {row["team"]: row for row in service.summary(by="team", **WINDOW).rows()}
    groups = {row["group"]: row for row in service.summary(by="group", **WINDOW).rows()}
    org = service.summary(**WINDOW).rows()[0]
    assert len([card for card in page.cards if card in teams]) >= 12
    for card_id, figures in page.cards.items():
        row = teams.get(card_id) or groups.get(card_id) or (org if card_id == "acme" else None)
        assert row is not None, card_id
        assert _value(figures["velocity"]["value"]) == pytest.approx(row["throughput_per_week"], rel=1e-12)
        assert _value(figures["flow_time"]["value"]) == pytest.approx(row["cycle_time_p85"], rel=1e-12)
        assert _value(figures["wip"]["value"]) == row["wip"]
        assert _value(figures["efficiency"]["value"]) == pytest.approx(row["flow_efficiency"], rel=1e-12)
    assert "stage-map" in page.specs


def test_card_figures_link_to_their_items(client: TestClient, service: FlowService) -> None:
    page = get_page(client, "/")
    figures = page.cards["checkout"]
    finished = service.summary(cut=Cut(team="checkout"), **WINDOW).rows()[0]
    assert items_total(client, figures["velocity"]["href"]) == finished["finished"]
    assert items_total(client, figures["wip"]["href"]) == finished["wip"]
    cluster = page.cards["payments"]
    payments = service.summary(cut=Cut(group="payments"), **WINDOW).rows()[0]
    assert items_total(client, cluster["velocity"]["href"]) == payments["finished"]


def test_trend_compares_with_the_previous_window(client: TestClient, service: FlowService) -> None:
    body = client.get("/api/organization").json()
    previous = {row["team"]: row for row in service.summary(by="team", **PREVIOUS).rows()}
    cards = {card["group_id"]: card for block in body["clusters"] for card in block["teams"]}
    for team_id, card in cards.items():
        wip = next(figure for figure in card["figures"] if figure["key"] == "wip")
        assert wip["previous"] == previous[team_id]["wip"]
        if wip["previous"] and wip["value"] is not None:
            change = (wip["value"] - wip["previous"]) / wip["previous"]
            expected = "flat" if abs(change) < 0.05 else ("up" if change > 0 else "down")
            assert wip["trend"] == expected
    flagged = [card for card in cards.values() if card["flags"]]
    assert any(card["group_id"] == "merchant-portal" for card in flagged)  # the demo's exploding WIP


def test_team_page_charts_hold_the_metric_rows(client: TestClient, service: FlowService) -> None:
    page = get_page(client, "/teams/checkout")
    cut = Cut(team="checkout")
    row = service.summary(cut=cut, **WINDOW).rows()[0]
    assert _value(page.cards["checkout"]["flow_time"]["value"]) == pytest.approx(row["cycle_time_p85"], rel=1e-12)
    specs = page.specs
    assert set(specs) == {"cfd", "cycle-time", "aging", "throughput", "wip", "stages", "distribution", "blocked"}
    # An item that skipped the working stages has no measured cycle time: the chart leaves it out, not at 0.
    measured = [r for r in service.cycle_time(cut=cut, **WINDOW).rows() if not r["skipped_start"]]
    assert len(specs["cycle-time"]["data"]["values"]) == len(measured) > 0
    assert len(specs["wip"]["data"]["values"]) == len(service.wip(cut=cut, **WINDOW).rows())
    assert len(specs["cfd"]["data"]["values"]) == len(service.cfd(cut=cut, **WINDOW).rows())
    assert len(specs["aging"]["data"]["values"]) == len(service.age(cut=cut).rows())
    lines = {line["percentile"]: line["days"] for line in specs["cycle-time"]["layer"][1]["data"]["values"]}
    assert lines == {f"p{p}": round(row[f"cycle_time_p{p}"], 2) for p in (50, 70, 85, 95)}


def test_chart_marks_link_to_exactly_their_items(client: TestClient, service: FlowService) -> None:
    page = get_page(client, "/teams/checkout")
    cut = Cut(team="checkout")
    weeks = service.throughput(cut=cut, period="week", **WINDOW).rows()
    points = page.specs["throughput"]["data"]["values"]
    busiest = max(weeks, key=lambda week: week["finished"])
    for point in points:
        if point["period_start"] == busiest["period_start"].isoformat():
            assert items_total(client, point["href"]) == busiest[point["measure"]]
    shares = page.specs["distribution"]["data"]["values"]
    distribution = {row["flow_type"]: row for row in service.distribution(cut=cut, **WINDOW).rows()}
    for bar in shares:
        column = "finished" if bar["show"] == "finished" else "wip"
        assert items_total(client, bar["href"]) == distribution[bar["flow_type"]][column]


def test_wip_day_and_aging_stage_list_their_items(client: TestClient, service: FlowService) -> None:
    cut = Cut(team="merchant-portal")
    for row in service.wip(cut=cut, **WINDOW).rows()[::30]:
        assert items_total(client, f"/items?team=merchant-portal&show=open&on={row['date']}") == row["wip"]
    ages = service.age(cut=cut).rows()
    stage = ages[0]["current_stage"]
    expected = sum(1 for age in ages if age["current_stage"] == stage)
    assert items_total(client, f"/items?team=merchant-portal&show=aging&stage={stage}") == expected


def test_chart_links_built_in_the_browser_name_the_right_filter(client: TestClient) -> None:
    spec = get_page(client, "/teams/checkout").specs["wip"]
    expression = next(step["calculate"] for step in spec["transform"] if step.get("as") == "href")
    assert expression.startswith("'/items?")
    assert "team=checkout" in expression and "show=open" in expression and "'&on='" in expression


def test_filters_round_trip_through_the_url(client: TestClient) -> None:
    url = "/?window=30&type=defect&phase=Release"
    page = get_page(client, url)
    assert page.selected == {"window": "30", "type": "defect", "phase": "Release"}
    href = page.cards["checkout"]["velocity"]["href"]
    query = parse_qs(urlsplit(href).query)
    assert query == {
        "window": ["30"],
        "type": ["defect"],
        "phase": ["Release"],
        "team": ["checkout"],
        "show": ["finished"],
    }
    items = get_page(client, href)
    assert (
        items.selected["window"] == "30" and items.selected["type"] == "defect" and items.selected["team"] == "checkout"
    )
    custom = get_page(client, "/teams/checkout?since=2026-09-01&until=2026-09-30")
    assert custom.selected["window"] == "custom"
    link = custom.specs["throughput"]["data"]["values"][0]["href"]
    assert parse_qs(urlsplit(link).query)["since"] == ["2026-09-01"]


def test_custom_window_of_a_page_equals_the_api(client: TestClient, service: FlowService) -> None:
    page = get_page(client, "/groups/payments?since=2026-06-01&until=2026-06-30&type=feature")
    row = service.summary(
        cut=Cut(group="payments", item_type="feature"), since=date(2026, 6, 1), until=date(2026, 6, 30)
    ).rows()[0]
    assert _value(page.cards["payments"]["velocity"]["value"]) == pytest.approx(row["throughput_per_week"], rel=1e-12)


def test_items_page_shows_an_item_timeline(client: TestClient, service: FlowService) -> None:
    item = service.cycle_time(cut=Cut(team="billing"), **WINDOW).rows()[0]
    response = client.get(f"/items?team=billing&show=finished&item={item['item_id']}")
    assert response.status_code == 200
    page = parse(response.text)
    assert "timeline" in page.specs
    assert f'data-item="{item["item_id"]}"' in response.text
    assert page.specs["timeline"]["data"]["values"][-1]["stage"] == "Done"


def test_items_page_sorts_and_pages(client: TestClient) -> None:
    first = client.get("/items?window=180&sort=cycle_time_days&order=desc")
    assert first.status_code == 200
    total = int(re.search(r'data-total="(\d+)"', first.text).group(1))  # type: ignore[union-attr]
    assert total > 100 and 'rel="next"' in first.text
    second = client.get("/items?window=180&sort=cycle_time_days&order=desc&page=2")
    assert second.status_code == 200 and 'rel="prev"' in second.text


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/teams/nobody", 404, "unknown team &#39;nobody&#39;"),
        ("/groups/nowhere", 404, "unknown group &#39;nowhere&#39;"),
        ("/?window=7", 400, "unknown window &#39;7&#39;"),
        ("/teams/checkout?since=2026-02-31", 400, "not a date (&#39;2026-02-31&#39;)"),
        ("/items?show=everything", 400, "unknown show &#39;everything&#39;"),
        ("/items?item=NOPE-1", 400, "unknown item &#39;NOPE-1&#39;"),
        ("/items?on=someday&show=open", 400, "not a date (&#39;someday&#39;)"),
        ("/items?sort=colour", 400, "cannot sort by &#39;colour&#39;"),
        ("/nowhere", 404, "no page at /nowhere"),
    ],
)
def test_page_errors_are_pages_not_500(client: TestClient, url: str, status: int, message: str) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert message in response.text


def test_phase_filter_keeps_that_phase_stages(client: TestClient) -> None:
    page = get_page(client, "/teams/checkout?phase=Release")
    stages = {value["stage"] for value in page.specs["stages"]["data"]["values"]}
    assert stages and stages <= {"Awaiting Approval", "Ready for Release", "Releasing"}


def test_vendor_assets_are_served(client: TestClient) -> None:
    for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js", "htmx.min.js"):
        response = client.get(f"/vendor/{name}")
        assert response.status_code == 200 and len(response.content) > 10_000, name
    assert client.get("/vendor/jquery.js").status_code == 404


def test_window_text_matches_the_dates(client: TestClient) -> None:
    today = date(2026, 11, 16)
    response = client.get("/?window=180")
    assert f"{today - timedelta(days=180)} to {today - timedelta(days=1)}" in response.text
