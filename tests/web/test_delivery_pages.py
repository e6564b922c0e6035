"""The delivery pages and their JSON twins (no browser): the figures equal what `DeliveryService` and
`PullRequestFlow` of a workspace of their own return for the same window, tables and charts carry
those figures, unknown services and teams are 404s in the shared error shape, and windows
round-trip through the URL."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orgflow.delivery.pr_service import PullRequestFlow
from orgflow.delivery.service import DeliveryService
from orgflow.demo import DEFAULT_END
from orgflow.flow.service import MetricResult
from orgflow.web.dora_rows import days_text, hours_text
from orgflow.web.routes.payloads import result_body

WINDOW = {"since": date(2026, 8, 18), "until": date(2026, 11, 15)}
"""The pages' default: the last 90 whole days before the demo's end (2026-11-16)."""
YEAR = {"since": date(2025, 11, 16), "until": date(2026, 11, 15)}


@pytest.fixture(scope="module")
def delivery(workspace: Any) -> DeliveryService:
    return workspace.delivery_at(DEFAULT_END)


@pytest.fixture(scope="module")
def prs(workspace: Any) -> PullRequestFlow:
    return workspace.pull_requests_at(DEFAULT_END)


def rows(result: MetricResult) -> list[dict[str, Any]]:
    """A result's rows as the API sends them (instants as ISO text, NaN as null)."""
    return result_body(result)["rows"]


def get_json(client: TestClient, url: str, status: int = 200) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == status, response.text[:500]
    return response.json()


class _Html(HTMLParser):
    """Chart specs (data-spec-for), DORA table cells (data-row → data-figure → data-value), links
    of table rows, selected options, incident rows and the window text."""

    def __init__(self) -> None:
        super().__init__()
        self.specs: dict[str, dict[str, Any]] = {}
        self.cells: dict[tuple[str, str], dict[str, str]] = {}
        self.links: dict[tuple[str, str], str] = {}
        self.selected: dict[str, str] = {}
        self.incidents: dict[str, str] = {}
        self.window: str | None = None
        self._rows: list[tuple[str, str]] = []
        self._spec: str | None = None
        self._select: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "tr" and "data-row" in values:
            self._rows.append((values["data-kind"], values["data-row"]))
        elif tag == "tr" and "data-incident" in values:
            self.incidents[values["data-incident"]] = values["data-link"]
        elif tag == "td" and "data-figure" in values and self._rows:
            self.cells.setdefault(self._rows[-1], {})[values["data-figure"]] = values["data-value"]
        elif tag == "a" and "data-link" in values and self._rows:
            self.links[self._rows[-1]] = values["href"]
        elif tag == "script" and "data-spec-for" in values:
            self._spec = values["data-spec-for"]
            self._text = []
        elif tag == "select":
            self._select = values.get("name")
        elif tag == "option" and self._select and "selected" in values:
            self.selected[self._select] = values.get("value", "")
        elif tag == "span" and "data-window" in values:
            self.window = values["data-window"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self._rows:
            self._rows.pop()
        elif tag == "script" and self._spec:
            self.specs[self._spec] = json.loads("".join(self._text))
            self._spec = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._spec:
            self._text.append(data)


def get_page(client: TestClient, url: str) -> tuple[_Html, str]:
    response = client.get(url)
    assert response.status_code == 200, response.text[:500]
    parsed = _Html()
    parsed.feed(response.text)
    return parsed, response.text


def _value(text: str) -> float | None:
    return float(text) if text else None


# -- the overview -------------------------------------------------------------------------------
def test_overview_json_equals_the_service_for_the_default_window(client: TestClient, delivery: DeliveryService) -> None:
    body = get_json(client, "/api/delivery")
    assert body["ok"] is True
    assert body["window"] == "last 90 days (2026-08-18 to 2026-11-15)"
    for by, key in (("team", "teams"), ("group", "groups"), ("service", "services")):
        expected = delivery.summary(by=by, bands=True, **WINDOW)
        assert body[key]["rows"] == rows(expected) != []
        assert body[key]["params"]["since"] == "2026-08-18T00:00:00Z"
        assert body[key]["params"]["until"] == "2026-11-16T00:00:00Z"
    assert body["quality"]["rows"] == rows(delivery.quality())
    assert {"deployments-per-week", "lead-time-percentiles", "service-lead-time-percentiles"} <= set(body["charts"])


@pytest.mark.parametrize(
    ("query", "window", "text"),
    [
        ("window=365", YEAR, "last 365 days (2025-11-16 to 2026-11-15)"),
        ("window=30", {"since": date(2026, 10, 17), "until": date(2026, 11, 15)}, None),
        ("since=2026-01-05&until=2026-03-29", {"since": date(2026, 1, 5), "until": date(2026, 3, 29)}, None),
        ("window=all", {"since": None, "until": None}, "all time"),
    ],
)
def test_overview_json_follows_the_window(
    client: TestClient, delivery: DeliveryService, query: str, window: dict[str, date | None], text: str | None
) -> None:
    body = get_json(client, f"/api/delivery?{query}")
    assert body["teams"]["rows"] == rows(delivery.summary(by="team", bands=True, **window))
    assert body["services"]["rows"] == rows(delivery.summary(by="service", bands=True, **window))
    if text:
        assert body["window"] == text


def test_clusters_hold_their_teams_and_roll_up_their_deployments(client: TestClient, delivery: DeliveryService) -> None:
    body = get_json(client, "/api/delivery")
    teams = {row["team"]: row for row in body["teams"]["rows"]}
    groups = {row["group"]: row for row in body["groups"]["rows"]}
    placed = [team for block in body["clusters"] for team in block["teams"]]
    assert sorted(placed) == sorted(teams)  # every team once
    owners = Counter(row["owner"] for row in delivery.deployments(**WINDOW).rows())
    for block in body["clusters"]:
        assert block["cluster"] in groups
        # a cluster's deployments: its teams' (the service pools them; counted here by hand)
        assert groups[block["cluster"]]["deployments"] == sum(owners[team] for team in block["teams"])
        assert groups[block["cluster"]]["deployments"] == sum(teams[team]["deployments"] for team in block["teams"])


def test_overview_page_table_and_charts_carry_the_figures(client: TestClient, delivery: DeliveryService) -> None:
    page, html = get_page(client, "/delivery")
    teams = delivery.summary(by="team", bands=True, **WINDOW).rows()
    for row in teams:
        cells = page.cells[("team", row["team"])]
        for key in ("deploys_per_week", "lead_time_p50_hours", "lead_time_p85_hours", "change_fail_rate"):
            assert _value(cells[key]) == row[key]  # exact: the cell holds the float's repr
        assert page.links[("team", row["team"])] == f"/delivery/teams/{row['team']}"
    for row in delivery.summary(by="service", bands=True, **WINDOW).rows():
        assert _value(page.cells[("service", row["service"])]["rework_rate"]) == row["rework_rate"]
        assert page.links[("service", row["service"])] == f"/delivery/services/{row['service']}"
    # the week chart draws exactly the window's deployments, one datum each
    weekly = page.specs["deployments-per-week"]
    deployments = delivery.deployments(**WINDOW).rows()
    assert [value["deployment_id"] for value in weekly["data"]["values"]] == [d["deployment_id"] for d in deployments]
    assert weekly["encoding"]["y"]["aggregate"] == "count"
    bars = page.specs["lead-time-percentiles"]["data"]["values"]
    assert {(v["team"], v["lead_time_p50_hours"], v["lead_time_p85_hours"]) for v in bars} == {
        (r["team"], r["lead_time_p50_hours"], r["lead_time_p85_hours"]) for r in teams if r["changes"]
    }
    for warning in delivery.quality().rows():
        assert warning["warning"] in html
    assert page.selected["window"] == "90"


def test_week_expression_puts_every_deployment_in_its_monday_week() -> None:
    """The chart's week rule (a Vega expression over epoch milliseconds) against Python's ISO weeks."""
    from orgflow.charts.delivery import _FIRST_MONDAY_MS, _WEEK_MS

    instant = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday
    for hours in range(0, 24 * 800, 7):
        moment = instant + timedelta(hours=hours)
        epoch_ms = int(moment.timestamp() * 1000)
        week = (epoch_ms - _FIRST_MONDAY_MS) // _WEEK_MS * _WEEK_MS + _FIRST_MONDAY_MS
        monday = moment.date() - timedelta(days=moment.weekday())
        assert datetime.fromtimestamp(week / 1000, UTC) == datetime(monday.year, monday.month, monday.day, tzinfo=UTC)


def test_year_window_is_selected_and_links_keep_it_as_dates(client: TestClient) -> None:
    page, html = get_page(client, "/delivery?window=365")
    assert page.selected["window"] == "365" and page.window == "365"
    assert "last 365 days (2025-11-16 to 2026-11-15)" in html
    # the flow pages know no 365-day preset: links carry the same window as dates
    assert page.links[("team", "checkout")] == "/delivery/teams/checkout?since=2025-11-16&until=2026-11-15"
    assert 'href="/items?since=2025-11-16&amp;until=2026-11-15"' in html


# -- a team and a service -----------------------------------------------------------------------
def test_team_json_equals_the_services(client: TestClient, delivery: DeliveryService, prs: PullRequestFlow) -> None:
    body = get_json(client, "/api/delivery/teams/checkout")
    assert body["kind"] == "team" and body["team"] == "checkout" and body["name"] == "Checkout"
    assert body["summary"]["rows"] == rows(delivery.summary(by="team", team="checkout", bands=True, **WINDOW))
    assert body["services"]["rows"] == rows(delivery.summary(by="service", team="checkout", bands=True, **WINDOW))
    assert body["deployments"]["rows"] == rows(delivery.deployments(team="checkout", **WINDOW))
    assert body["incidents"]["rows"] == rows(delivery.incidents(team="checkout", **WINDOW))
    stages = prs.summary(by="team", team="checkout", **WINDOW)
    assert body["pr_stages"]["rows"] == rows(stages)
    assert [row["stage"] for row in body["pr_stages"]["rows"]] == ["coding", "pickup", "review", "deploy"]
    assert set(body["charts"]) == {"deployments", "lead-time", "pr-stages"}
    lead = body["charts"]["lead-time"]
    expected = delivery.lead_time(team="checkout", **WINDOW).rows()
    assert len(lead["layer"][0]["encoding"]) and len(lead["data"]["values"]) == len(expected) > 0
    assert {round(line["hours"], 2) for line in lead["layer"][2]["data"]["values"]} == {
        round(body["summary"]["rows"][0]["lead_time_p50_hours"], 2),
        round(body["summary"]["rows"][0]["lead_time_p85_hours"], 2),
    }


def test_service_json_equals_the_services(client: TestClient, delivery: DeliveryService, prs: PullRequestFlow) -> None:
    body = get_json(client, "/api/delivery/services/checkout-web?window=365")
    assert body["kind"] == "service" and body["service"] == "checkout-web"
    assert body["owner"] == {"team": "checkout", "name": "Checkout"}
    assert body["summary"]["rows"] == rows(delivery.summary(by="service", service="checkout-web", bands=True, **YEAR))
    assert body["deployments"]["rows"] == rows(delivery.deployments(service="checkout-web", **YEAR))
    assert body["incidents"]["rows"] == rows(delivery.incidents(service="checkout-web", **YEAR))
    assert body["pr_stages"]["rows"] == rows(prs.summary(by="repo", repo="checkout-web", **YEAR))
    timeline = body["charts"]["deployments"]["data"]["values"]
    assert [value["deployment_id"] for value in timeline] == [
        row["deployment_id"] for row in body["deployments"]["rows"]
    ]
    # outcomes the chart colors: counted by hand from the deployment rows
    outcomes = Counter(
        row["kind"] if row["kind"] != "normal" else ("failed" if row["failed"] else "normal")
        for row in body["deployments"]["rows"]
    )
    assert outcomes["normal"] > 0 and sum(outcomes.values()) == body["summary"]["rows"][0]["deployments"]
    figures = {figure["key"]: figure for figure in body["figures"]["figures"]}
    row = body["summary"]["rows"][0]
    assert figures["deploys_per_week"]["sample"] == f"{row['deployments']} deployments"
    assert figures["lead_time_p50_hours"]["value"] == row["lead_time_p50_hours"]
    assert figures["lead_time_p50_hours"]["band"] == row["lead_time_band"]


def test_team_page_shows_figures_incidents_and_breakdown(client: TestClient, delivery: DeliveryService) -> None:
    page, html = get_page(client, "/delivery/teams/checkout?window=all")
    incidents = delivery.incidents(team="checkout").rows()
    assert page.incidents == {row["incident_id"]: row["link"] for row in incidents}
    assert set(page.incidents.values()) >= {"explicit", "inferred"}
    assert set(page.specs) == {"deployments", "lead-time", "pr-stages"}
    assert {v["stage"] for v in page.specs["pr-stages"]["data"]["values"]} == {"coding", "pickup", "review", "deploy"}
    for row in delivery.summary(by="service", team="checkout", bands=True).rows():
        assert _value(page.cells[("service", row["service"])]["deploys_per_week"]) == row["deploys_per_week"]
    total = delivery.summary(by="team", team="checkout").rows()[0]
    for key in ("deploys_per_week", "lead_time_p50_hours", "recovery_p50_hours", "rework_rate"):
        assert f'data-figure="{key}" data-value="{total[key]}"' in html
    assert days_text(total["lead_time_p50_hours"]) in html  # durations in days, one unit per column


def test_known_team_without_deployments_says_so(client: TestClient) -> None:
    body = get_json(client, "/api/delivery/teams/enablement")
    assert body["summary"]["rows"] == [] and body["deployments"]["rows"] == []
    # It owns no service: how many times it deployed is unknown, not zero.
    assert any(note.startswith("Deployments of ") and "are unknown, not zero" in note for note in body["notes"])
    assert not any("No successful production deployment" in note for note in body["notes"])
    assert body["pr_stages"]["rows"] == []
    assert client.get("/delivery/teams/enablement").status_code == 200


def test_team_with_pull_requests_but_no_deployment_shows_its_stages(client: TestClient, prs: PullRequestFlow) -> None:
    body = get_json(client, "/api/delivery/teams/route-optimization")
    assert body["deployments"]["rows"] == []
    stages = prs.summary(by="team", team="route-optimization", **WINDOW).rows()
    assert body["pr_stages"]["rows"] == rows(prs.summary(by="team", team="route-optimization", **WINDOW))
    assert [row["stage"] for row in stages] == ["coding", "pickup", "review", "deploy"]
    assert stages[0]["count"] > 0 and stages[3]["count"] == 0  # never deployed: no deploy stage


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        ("/api/delivery/services/no-such-service", 404, "service"),
        ("/api/delivery/teams/no-such-team", 404, "team"),
        ("/api/delivery/teams/payments", 404, "team"),  # a cluster, not a team
        ("/api/delivery?window=7", 400, "window"),
        ("/api/delivery?since=2026-13-01", 400, "since"),
    ],
)
def test_errors_use_the_shared_shape(client: TestClient, url: str, status: int, field: str) -> None:
    body = get_json(client, url, status)
    assert body["ok"] is False and body["error"] and body["where"] == {"field": field}


def test_unknown_service_page_is_a_404_page(client: TestClient) -> None:
    response = client.get("/delivery/services/no-such-service")
    assert response.status_code == 404 and "text/html" in response.headers["content-type"]


def test_hours_text() -> None:
    assert [hours_text(value) for value in (None, 0.04, 47.94, 48.0, 97.68)] == [
        "–",
        "0.0 h",
        "47.9 h",
        "2.0 d",
        "4.1 d",
    ]


def test_days_text() -> None:
    assert [days_text(value) for value in (None, 0.96, 23.9, 24.0, 97.68)] == [
        "–",
        "0.04 d",
        "1.00 d",
        "1.0 d",
        "4.1 d",
    ]


def test_api_routes_are_in_the_openapi_schema(client: TestClient) -> None:
    paths = get_json(client, "/api/openapi.json")["paths"]
    for path in ("/api/delivery", "/api/delivery/services/{service}", "/api/delivery/teams/{team}"):
        assert paths[path]["get"]["tags"] == ["delivery"]
        assert paths[path]["get"]["description"]
        assert {"window", "since", "until", "now"} <= {p["name"] for p in paths[path]["get"]["parameters"]}
        assert paths[path]["get"]["responses"]["404"]["content"]["application/json"]["schema"]


def test_now_moves_the_window_and_the_history(client: TestClient, workspace: Any) -> None:
    """As of 2026-06-01 the last 30 days are 2026-05-02 to 2026-05-31, and later deployments are unknown."""
    body = get_json(client, "/api/delivery?now=2026-06-01&window=30")
    then = workspace.delivery_at(datetime(2026, 6, 1, tzinfo=UTC))
    window = {"since": date(2026, 5, 2), "until": date(2026, 5, 31)}
    assert body["teams"]["rows"] == rows(then.summary(by="team", bands=True, **window)) != []
    assert body["teams"]["params"]["now"] == "2026-06-01T00:00:00+00:00"
