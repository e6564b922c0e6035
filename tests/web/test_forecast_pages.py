"""Forecast, plan and insights pages and their JSON twins (no browser): every figure equals what
`orgflow.forecast` and `orgflow.insights` return for the same parameters and seed, computed here
on a workspace of the test's own; too little history is a verdict; plans are read only from the
workspace folder or the project's examples/."""

from __future__ import annotations

import html
import json
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orgflow.charts.plan_board import board_layout
from orgflow.demo import DEFAULT_END
from orgflow.flow.service import FlowService
from orgflow.forecast import (
    assess,
    daily_throughput,
    forecast_how_many,
    forecast_plan,
    forecast_when,
    load_plan,
    plan_series,
)
from orgflow.forecast.calibrate import calibrate
from orgflow.forecast.calibration import MIN_SCORES, RECORD_STEP_DAYS
from orgflow.forecast.history import MIN_ACTIVE_DAYS, MIN_ITEMS
from orgflow.forecast.plan import calibrate_plan
from orgflow.insights import find_insights
from orgflow.query.window import Cut
from orgflow.values import json_value
from orgflow.workspace import Workspace

PROJECT = Path(__file__).resolve().parents[2]
EXAMPLE_PLAN = PROJECT / "examples" / "demo-plan.yaml"
TODAY = DEFAULT_END.date()

SMALL_PLAN = """\
# sized for the 2,000-item test demo (each team finishes 0.2-0.35 items a day)
initiatives:
  - name: Ledger
    teams: {billing: 4, checkout: 3}
    target: 2027-01-31
  - name: Wallet
    teams: {checkout: 5, merchant-portal: 4}
    depends_on: [Ledger]
    target: 2027-03-31
  - name: Parcels
    teams: {tracking: 6}
"""
CYCLE_PLAN = """\
initiatives:
  - name: A
    teams: {billing: 2}
    depends_on: [B]
  - name: B
    teams: {checkout: 2}
    depends_on: [A]
"""
UNKNOWN_TEAM_PLAN = """\
initiatives:
  - name: A
    teams:
      billing: 2
      nobody: 3
"""


class _Elements(HTMLParser):
    """Every element's attributes (by tag) and the chart specs (data-spec-for) of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.specs: dict[str, dict[str, Any]] = {}
        self._spec: str | None = None
        self._text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        self.elements.append((tag, values))
        if tag == "script" and "data-spec-for" in values:
            self._spec, self._text = values["data-spec-for"], []

    def handle_data(self, data: str) -> None:
        if self._spec is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._spec is not None:
            self.specs[self._spec] = json.loads("".join(self._text))
            self._spec = None

    def having(self, attribute: str, tag: str | None = None) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.elements if attribute in attrs and (tag is None or name == tag)]


@pytest.fixture(scope="module")
def plans(demo_dir: Path) -> Path:
    """Plans in the workspace's `plans/` folder, and a link there that points outside the workspace."""
    folder = demo_dir / "plans"
    folder.mkdir(exist_ok=True)
    (folder / "small.yaml").write_text(SMALL_PLAN, encoding="utf-8")
    (folder / "cycle.yaml").write_text(CYCLE_PLAN, encoding="utf-8")
    (folder / "unknown-team.yaml").write_text(UNKNOWN_TEAM_PLAN, encoding="utf-8")
    outside = demo_dir.parent / "outside-plan.yaml"
    outside.write_text(SMALL_PLAN, encoding="utf-8")
    link = folder / "escape.yaml"
    if not link.exists():
        link.symlink_to(outside)
    return folder


def _rows(result: Any) -> list[dict[str, Any]]:
    return [{key: json_value(value) for key, value in row.items()} for row in result.rows()]


def _error_shape(body: dict[str, Any]) -> None:
    assert body["ok"] is False and isinstance(body["error"], str) and isinstance(body["where"], dict)


# -- when and how many ---------------------------------------------------------------------------
def test_when_page_and_api_equal_forecast_when_with_the_same_seed(client: TestClient, workspace: Workspace) -> None:
    url = "team=checkout&items=20&by=2027-01-31&window=60&trials=2000&seed=5"
    series = daily_throughput(workspace, team="checkout", window_days=60, now=DEFAULT_END)
    # The page shows the forecast calibrated by the team's own record (a separate step on the same trials).
    expected = calibrate(forecast_when(series, 20, trials=2000, seed=5, target_date=date(2027, 1, 31)), series)

    body = client.get(f"/api/forecasts/when?{url}").json()
    assert body["rows"] == _rows(expected)
    assert body["probability"] == round(expected.probability_by(date(2027, 1, 31)), 6)
    assert body["params"]["seed"] == 5 and body["params"]["trials"] == 2000 and body["params"]["items"] == 20
    assert body["query"] == {
        "team": "checkout",
        "items": "20",
        "by": "2027-01-31",
        "window": "60",
        "trials": "2000",
        "seed": "5",
        "uncertainty": "on",
    }

    page = _Elements(client.get(f"/forecasts?{url}").text)
    table = [row for row in page.having("data-confidence", "tr") if "data-days" in row]
    assert [(int(r["data-confidence"]), int(r["data-days"]), r["data-date"]) for r in table] == [
        (row["confidence"], row["days"], row["date"].isoformat()) for row in expected.rows()
    ]
    (probability,) = page.having("data-probability")
    assert float(probability["data-probability"]) == expected.probability_by(date(2027, 1, 31))
    # The histogram draws the forecast's outcomes up to its 99th percentile, one bar per finish day.
    spec = page.specs["when"]
    shares = {value["at"]: value["share"] for value in spec["data"]["values"]}
    p99 = expected.value_at(0.99)
    assert len(shares) == int((expected.pmf[: p99 + 1] > 0).sum())
    assert sum(shares.values()) == pytest.approx(float(expected.pmf[: p99 + 1].sum()))
    assert min(shares) == expected.date_of(int(expected.samples.min())).isoformat()
    assert max(shares) <= expected.date_of(p99).isoformat()
    left_out = 1 - float(expected.pmf[: p99 + 1].sum())
    assert (
        spec["title"].get("subtitle", "").startswith(f"{left_out:.1%}") if left_out else "subtitle" not in spec["title"]
    )


def test_how_many_by_a_date_and_by_default_over_ninety_days(client: TestClient, workspace: Workspace) -> None:
    series = daily_throughput(workspace, group="payments", now=DEFAULT_END)
    by = date(2026, 12, 31)
    expected = calibrate(forecast_how_many(series, by=by, trials=3000, seed=2, uncertainty=False), series)
    body = client.get("/api/forecasts/how-many?group=payments&by=2026-12-31&trials=3000&seed=2&uncertainty=off").json()
    assert body["rows"] == _rows(expected)
    assert body["params"]["days"] == (by - TODAY).days + 1 == 46
    assert body["by"] == "2026-12-31" and body["params"]["uncertainty"] is False

    default = calibrate(forecast_how_many(series, 90, trials=3000, seed=2), series)
    body = client.get("/api/forecasts/how-many?group=payments&trials=3000&seed=2").json()
    assert body["rows"] == _rows(default)
    assert body["by"] == (TODAY + timedelta(days=89)).isoformat()
    page = _Elements(client.get("/forecasts?group=payments&trials=3000&seed=2").text)
    cells = [row for row in page.having("data-items", "tr")]
    assert [(int(r["data-confidence"]), int(r["data-items"])) for r in cells] == [
        (row["confidence"], row["items"]) for row in default.rows()
    ]


def test_defaults_are_the_first_team_fifty_items_and_seed_one(client: TestClient, workspace: Workspace) -> None:
    body = client.get("/api/forecasts/when").json()
    assert body["query"]["team"] == "billing"  # Billing comes first of the demo's teams by name
    series = daily_throughput(workspace, team="billing", now=DEFAULT_END)
    assert body["rows"] == _rows(calibrate(forecast_when(series, 50, seed=1), series))
    assert body["params"]["trials"] == 10_000 and body["params"]["window_days"] == 90


def test_history_is_what_the_throughput_figures_count(client: TestClient, service: FlowService) -> None:
    """Independent check of the sampled history: the items checkout finished in the window, one by one."""
    body = client.get("/api/forecasts/when?team=checkout&trials=200").json()
    since, until = date(2026, 8, 18), date(2026, 11, 15)
    finished = service.cycle_time(cut=Cut(team="checkout"), since=since, until=until).rows()
    per_day: dict[str, int] = {}
    for row in finished:
        day = row["finished_at"].date().isoformat()
        per_day[day] = per_day.get(day, 0) + 1
    history = body["history"]
    assert (history["since"], history["until"], history["days"]) == ("2026-08-18", "2026-11-15", 90)
    assert history["items"] == len(finished) and history["active_days"] == len(per_day)
    page = _Elements(client.get("/forecasts?team=checkout&trials=200").text)
    bars = page.specs["history"]["data"]["values"]
    assert len(bars) == 90
    assert {bar["day"]: bar["finished"] for bar in bars if bar["finished"]} == per_day
    busiest = max(bars, key=lambda bar: bar["finished"])
    assert busiest["href"] == f"/items?team=checkout&show=finished&since={busiest['day']}&until={busiest['day']}"


@pytest.mark.parametrize("team", ["shipping", "fraud-detection"])
def test_too_little_history_is_a_verdict_not_a_forecast(client: TestClient, workspace: Workspace, team: str) -> None:
    verdict = assess(daily_throughput(workspace, team=team, now=DEFAULT_END))
    assert not verdict.ok
    response = client.get(f"/forecasts?team={team}")
    assert response.status_code == 200
    page = _Elements(response.text)
    assert page.having("data-verdict")[0]["data-verdict"] == "insufficient"
    assert verdict.verdict() in response.text
    assert not page.having("data-table") and set(page.specs) == {"history"}
    api = client.get(f"/api/forecasts/when?team={team}")
    assert api.status_code == 400
    _error_shape(api.json())
    assert api.json()["error"] == verdict.verdict() and api.json()["where"] == {"field": "window"}


def test_a_wider_window_makes_fraud_detection_forecastable(client: TestClient, workspace: Workspace) -> None:
    series = daily_throughput(workspace, team="fraud-detection", window_days=365, now=DEFAULT_END)
    assert assess(series).ok
    body = client.get("/api/forecasts/when?team=fraud-detection&window=365&items=5&trials=1000").json()
    assert body["rows"] == _rows(calibrate(forecast_when(series, 5, trials=1000, seed=1), series))


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("team=nobody", 400, "team"),
        ("group=nowhere", 400, "group"),
        # The page and the API declare their numbers: FastAPI checks them first (a 422).
        ("items=0", 422, "items"),
        ("items=lots", 422, "items"),
        ("trials=1000000", 422, "trials"),
        ("window=0", 422, "window"),
        ("seed=-1", 422, "seed"),
        ("by=2026-13-01", 400, "by"),
        ("by=2026-11-01", 400, "by"),
        ("by=2036-11-16", 400, "by"),
        ("uncertainty=maybe", 400, "uncertainty"),
    ],
)
def test_bad_parameters_are_4xx_with_the_shared_shape(client: TestClient, query: str, status: int, field: str) -> None:
    api = client.get(f"/api/forecasts/when?{query}")
    assert api.status_code == status
    _error_shape(api.json())
    assert api.json()["where"]["field"] == field
    assert client.get(f"/forecasts?{query}").status_code == status


def test_now_moves_the_history_and_the_start(client: TestClient, workspace: Workspace) -> None:
    then = datetime(2026, 10, 1, tzinfo=UTC)
    series = daily_throughput(workspace, team="checkout", window_days=60, now=then)
    body = client.get("/api/forecasts/when?team=checkout&window=60&items=10&trials=1000&now=2026-10-01").json()
    assert body["rows"] == _rows(calibrate(forecast_when(series, 10, trials=1000, seed=1), series))
    assert body["rows"][0]["date"] >= "2026-10-01" and body["history"]["until"] == "2026-09-30"


def test_a_short_history_shows_the_calibration_refusal_not_rows(client: TestClient, workspace: Workspace) -> None:
    """On 2025-06-01 checkout has about six months of history: its 60-day window suffices for a
    forecast, but the weekly past forecasts of the same question that a calibration needs are fewer
    than 20. For "how many in 90 days" they are counted here independently: origins every 7 days
    back from the end, at least 90 days back (the outcome is known), whose own 60 days before hold 10
    items on 5 active days. Every row is null with the reason ('–', the reason on hover), and the
    charts draw no confidence line and name the reason (no crash on a null row)."""
    now = datetime(2025, 6, 1, tzinfo=UTC)
    series = daily_throughput(workspace, team="checkout", window_days=60, now=now)
    assert assess(series).ok
    counts = series.history()
    origins = range(counts.size - RECORD_STEP_DAYS, 59, -RECORD_STEP_DAYS)
    usable = [
        o
        for o in origins
        if counts[o - 60 : o].sum() >= MIN_ITEMS and (counts[o - 60 : o] > 0).sum() >= MIN_ACTIVE_DAYS
    ]
    known = [o for o in usable if o + 90 <= counts.size]
    assert 0 < len(known) < len(usable) < MIN_SCORES
    how_many_reason = f"too little history to calibrate: {len(known)} past weekly forecasts of this question, 20 needed"
    url = "team=checkout&window=60&items=10&trials=1000&now=2025-06-01"
    how_many = client.get(f"/api/forecasts/how-many?{url}").json()
    assert [(row["items"], row["null_reason"]) for row in how_many["rows"]] == [(None, how_many_reason)] * 4
    # "When": the usable past forecasts that are settled (their own 95 % day passed) by 2025-06-01.
    body = client.get(f"/api/forecasts/when?{url}").json()
    record = body["params"]["calibration"]["record_forecasts"]
    assert record <= len(usable)
    reason = f"too little history to calibrate: {record} past weekly forecasts of this question, 20 needed"
    assert [(row["days"], row["date"], row["null_reason"]) for row in body["rows"]] == [(None, None, reason)] * 4
    assert body["params"]["calibration"]["verdict"] == reason
    page = _Elements(client.get(f"/forecasts?{url}").text)
    rows = [row for row in page.having("data-null-reason", "tr") if "data-days" in row]
    assert [(row["data-days"], row["data-null-reason"]) for row in rows] == [("", reason)] * 4
    titles = [attrs["title"] for name, attrs in page.elements if name == "td" and attrs.get("title")]
    assert titles == [reason] * 8 + [how_many_reason] * 4  # "when": days and date cells; "how many": one each
    for name, why in (("when", reason), ("how-many", how_many_reason)):
        spec = page.specs[name]
        confidences = next(layer for layer in spec["layer"] if layer.get("name") == "confidences")
        assert confidences["data"]["values"] == []
        subtitle = spec["title"]["subtitle"]
        assert (subtitle[-1] if isinstance(subtitle, list) else subtitle) == f"no 50/70/85/95 % line: {why}"


# -- plans ---------------------------------------------------------------------------------------
def test_example_plan_equals_forecast_plan(client: TestClient, workspace: Workspace) -> None:
    plan = load_plan(EXAMPLE_PLAN)
    series = plan_series(workspace.flow_at(DEFAULT_END), plan)
    expected = calibrate_plan(forecast_plan(plan, series, trials=300, seed=3), series)
    body = client.get("/api/forecasts/plan?plan=examples/demo-plan.yaml&trials=300&seed=3").json()
    assert body["rows"] == _rows(expected)
    assert body["board"] == json.loads(json.dumps(expected.board()))
    assert body["board"]["arrows"] == [
        {"from": "Event bus v2", "to": "Live parcel tracking"},
        {"from": "Payments API hardening", "to": "One-click checkout"},
        {"from": "Live parcel tracking", "to": "Cross-border shipping"},
    ]
    assert len(body["board"]["bars"]) == 12 and len(body["board"]["teams"]) == 10
    assert "examples/demo-plan.yaml" in body["available"]


def test_plan_page_table_and_board_chart(client: TestClient, workspace: Workspace, plans: Path) -> None:
    plan = load_plan(plans / "small.yaml")
    series = plan_series(workspace.flow_at(DEFAULT_END), plan)
    expected = calibrate_plan(forecast_plan(plan, series, trials=1000, seed=1), series)
    page = _Elements(client.get("/forecasts/plan?plan=plans/small.yaml&trials=1000").text)
    rows = page.having("data-initiative", "tr")
    assert [row["data-initiative"] for row in rows] == ["Ledger", "Wallet", "Parcels"]
    chances = expected.probability_by_initiative
    assert [row["data-probability"] for row in rows] == [
        str(round(chances["Ledger"], 4)),
        str(round(chances["Wallet"], 4)),
        "",
    ]
    spec = page.specs["plan-board"]
    layers = {layer.get("name"): layer for layer in spec["layer"]}
    bars = spec["data"]["values"]
    board = expected.board()
    assert sorted((bar["initiative"], bar["team"], bar["start"]) for bar in bars) == sorted(
        (bar["initiative"], bar["team"], bar["start"]) for bar in board["bars"]
    )
    (arrow,) = layers["arrows"]["data"]["values"]
    wallet_start = min(bar["start"] for bar in board["bars"] if bar["initiative"] == "Wallet")
    ledger_end = max(bar["finish_p50"] for bar in board["bars"] if bar["initiative"] == "Ledger")
    assert (arrow["from"], arrow["to"], arrow["x2"]) == ("Ledger", "Wallet", wallet_start)
    assert arrow["x"] == (date.fromisoformat(ledger_end) + timedelta(days=1)).isoformat()
    assert {target["initiative"] for target in layers["targets"]["data"]["values"]} == {"Ledger", "Wallet"}


def _bar(team: str, initiative: str, start: str, p50: str, confident: str | None) -> dict[str, Any]:
    return {"team": team, "initiative": initiative, "start": start, "finish_p50": p50, "finish_confident": confident}


def test_board_layout_by_hand() -> None:
    """Lanes in team order; a team's bars alternate above (-0.19) and below (+0.19) its lane; a bar
    ends the day after its inclusive last day; the arrow joins the dependency's latest-ending bar
    to the dependent's earliest-starting one."""
    board = {
        "start": "2027-01-01",
        "confidence": 0.85,
        "teams": ["a", "b"],
        "initiatives": [
            {"name": "X", "target": "2027-02-01", "probability": 0.8125},
            {"name": "Y", "target": None, "probability": None},
        ],
        "bars": [
            _bar("a", "X", "2027-01-01", "2027-01-10", "2027-01-15"),
            _bar("b", "X", "2027-01-02", "2027-01-12", None),
            _bar("a", "Y", "2027-01-13", "2027-01-20", "2027-01-30"),
        ],
        "arrows": [{"from": "X", "to": "Y"}],
    }
    layout = board_layout(board)
    assert [(bar["initiative"], bar["team"], round(bar["y"], 2)) for bar in layout["bars"]] == [
        ("X", "a", -0.19),
        ("X", "b", 0.81),
        ("Y", "a", 0.19),
    ]
    assert [(bar["p50_end"], bar["confident_end"]) for bar in layout["bars"]] == [
        ("2027-01-11", "2027-01-16"),
        ("2027-01-13", "2027-01-13"),
        ("2027-01-21", "2027-01-31"),
    ]
    (arrow,) = layout["arrows"]
    assert (arrow["x"], round(arrow["y"], 2), arrow["x2"], round(arrow["y2"], 2)) == (
        "2027-01-13",
        0.81,
        "2027-01-13",
        0.19,
    )
    assert [(t["team"], t["at"], t["chance"]) for t in layout["targets"]] == [
        ("a", "2027-02-01", "81%"),
        ("b", "2027-02-01", "81%"),
    ]


def test_plan_page_without_a_plan_lists_the_plans_on_offer(client: TestClient, plans: Path) -> None:
    body = client.get("/api/forecasts/plan").json()
    assert body["ok"] is True and "rows" not in body
    assert {"plans/small.yaml", "plans/cycle.yaml", "examples/demo-plan.yaml"} <= set(body["available"])
    assert "orgflow.yaml" not in body["available"]
    page = client.get("/forecasts/plan")
    assert page.status_code == 200 and 'href="/forecasts/plan?plan=plans/small.yaml"' in page.text


@pytest.mark.parametrize(
    "path",
    [
        "../outside-plan.yaml",
        "/etc/hosts.yaml",
        "plans/escape.yaml",  # a link inside the workspace to a file outside it
        "examples/../pyproject.toml",
        "src/orgflow/config_starter.yaml",  # in the project, not under examples/
        "orgflow.yaml",
        "plans/missing.yaml",
        "plans/small.txt",
        "C:/plans/small.yaml",
    ],
)
def test_plans_are_read_only_from_the_workspace_or_examples(client: TestClient, plans: Path, path: str) -> None:
    response = client.get("/api/forecasts/plan", params={"plan": path})
    assert response.status_code == 400
    _error_shape(response.json())
    assert response.json()["where"] == {"field": "plan"}
    assert client.get("/forecasts/plan", params={"plan": path}).status_code == 400


def test_plan_trials_are_capped(client: TestClient) -> None:
    response = client.get("/api/forecasts/plan?plan=examples/demo-plan.yaml&trials=50000")
    assert response.status_code == 422 and response.json()["where"] == {"field": "trials"}
    assert client.get("/forecasts/plan?plan=examples/demo-plan.yaml&trials=50000").status_code == 422


def test_plan_errors_name_the_file_line_and_field(client: TestClient, plans: Path) -> None:
    cycle = client.get("/api/forecasts/plan?plan=plans/cycle.yaml").json()
    _error_shape(cycle)
    assert cycle["error"] == "dependency cycle: A -> B -> A"
    assert cycle["where"]["file"] == "plans/cycle.yaml" and cycle["where"]["field"] == "depends_on"
    unknown = client.get("/api/forecasts/plan?plan=plans/unknown-team.yaml").json()
    assert unknown["error"].startswith("unknown team 'nobody'")
    assert unknown["where"] == {"file": "plans/unknown-team.yaml", "record": "line 5", "field": "A.teams.nobody"}


# -- insights ------------------------------------------------------------------------------------
def _finding_rows(findings: list[Any]) -> list[dict[str, Any]]:
    return json.loads(json.dumps([finding.as_row() for finding in findings], default=json_value))


@pytest.mark.parametrize("query", [{"team": "merchant-portal"}, {"group": "logistics"}])
def test_insights_json_equals_find_insights(client: TestClient, workspace: Workspace, query: dict[str, str]) -> None:
    expected = find_insights(workspace, now=DEFAULT_END, **query)
    body = client.get("/api/insights", params=query).json()
    assert body["findings"] == _finding_rows(expected)
    counts = {severity: sum(f.severity == severity for f in expected) for severity in ("high", "medium", "low")}
    assert body["counts"] == counts and sum(counts.values()) == len(expected) > 0


def test_insights_page_groups_by_severity_then_rule_and_links_items(client: TestClient, workspace: Workspace) -> None:
    expected = find_insights(workspace, now=DEFAULT_END, team="merchant-portal")
    response = client.get("/insights?team=merchant-portal")
    page = _Elements(response.text)
    assert [attrs["data-subject"] for attrs in page.having("data-subject", "article")] == [f.subject for f in expected]
    blocks = [attrs["data-severity"] for attrs in page.having("data-severity", "section")]
    assert blocks == [s for s in ("high", "medium", "low") if any(f.severity == s for f in expected)]
    aging = next(f for f in expected if f.rule == "aging.past-sle")
    item = aging.evidence["items"][0]
    href = f"/items?team=merchant-portal&item={item}&show=aging"
    assert any(a.get("href") == href for a in page.having("data-item", "a"))
    target = _Elements(client.get(href).text)
    assert target.having("data-item", "section")[0]["data-item"] == item
    wip = next(f for f in expected if f.rule == "load.wip-growing")
    text = html.unescape(response.text)
    assert wip.title in text and wip.suggested_action in text
    assert any(a.get("href") == "/items?team=merchant-portal&show=open" for a in page.having("href", "a"))


def test_insights_panel_is_a_fragment_with_the_counts(client: TestClient, workspace: Workspace) -> None:
    expected = find_insights(workspace, now=DEFAULT_END, team="merchant-portal")
    response = client.get("/insights/panel?team=merchant-portal")
    assert response.status_code == 200 and "<html" not in response.text
    page = _Elements(response.text)
    (panel,) = page.having("data-insights-panel")
    assert panel["data-insights-panel"] == "merchant-portal" and int(panel["data-findings"]) == len(expected)
    shown = page.having("data-rule", "li")
    assert [li["data-rule"] for li in shown] == [f.rule for f in expected[:5]]
    # The forecast page of a team loads it.
    assert 'hx-get="/insights/panel?team=checkout"' in client.get("/forecasts?team=checkout&trials=200").text


def test_insights_errors_and_schema(client: TestClient) -> None:
    response = client.get("/api/insights?team=nobody")
    assert response.status_code == 400
    _error_shape(response.json())
    assert client.get("/insights?group=nowhere").status_code == 400
    paths = client.get("/api/openapi.json").json()["paths"]
    # One route per figure: the generated ones; the page's twins are deprecated aliases out of the schema.
    assert "/api/forecasts/when" not in paths and "/api/forecasts/how-many" not in paths
    for path, tag in [
        ("/api/forecast/when", "forecasts"),
        ("/api/forecast/how-many", "forecasts"),
        ("/api/forecasts/plan", "forecasts"),
        ("/api/insights", "insights"),
    ]:
        assert paths[path]["get"]["tags"] == [tag] and paths[path]["get"]["description"]
