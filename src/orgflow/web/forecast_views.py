"""What the forecast page shows: the history and its verdict, both forecasts and their charts.

The page and its JSON twins call `forecast_view`, which asks the workspace's forecast door
(`ws.forecasts_at(now).outlook(...)`, on the hub's prepared flow service, under its lock, cached per
"now" and parameters) and `orgflow.charts.forecast`; the command line's forecasts take the same path.
"How many" counts the next 90 days unless a `by` date is given. Parameters and their web defaults:
`orgflow.web.forecast_query`; plans: `orgflow.web.plan_views`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from orgflow.charts.forecast import forecast_chart, history_chart
from orgflow.flow.browse import OrgTree, org_tree
from orgflow.flow.service import FlowService
from orgflow.forecast.history import ThroughputSeries
from orgflow.forecast.result import ForecastResult, history_notes
from orgflow.forecast.service import DEFAULT_HOW_MANY_DAYS, Outlook
from orgflow.views.context import Chart
from orgflow.views.hub import MetricsHub
from orgflow.web.forecast_query import ForecastQuery

__all__ = ["DEFAULT_HOW_MANY_DAYS", "ForecastView", "cut_label", "forecast_view", "items_href"]


def items_href(now_text: str | None = None, **params: Any) -> str:
    """The items page with `params` (None and empty values left out) and the page's `now`."""
    values = {key: str(value) for key, value in {**params, "now": now_text}.items() if value not in (None, "")}
    return "/items" + ("?" + urlencode(values) if values else "")


@dataclass(frozen=True, kw_only=True)
class ForecastView(Outlook):
    """A forecast page: the outlook of its query's cut (the history and its verdict, and when the history
    suffices both forecasts), with the cut's label and the page's charts.

    `when` answers "when will `items` items be done" (with the chance of `by` when given);
    `how_many` answers "how many by `how_many_by`" (`by`, or the next 90 days).
    """

    query: ForecastQuery
    label: str
    charts: dict[str, Chart] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    """What the page says beside its answers (`outlook_notes`)."""

    @property
    def probability(self) -> float | None:
        """The chance that the items are done by `by` (None without a date or a forecast)."""
        if self.when is None or self.query.by is None:
            return None
        return self.when.probability_by(self.query.by)

    def history_body(self) -> dict[str, Any]:
        """The sampled history as JSON: first and last day, days, items, active days, the verdict, and
        the cut's own data end when that ended the history (`cut_data_as_of`, else None)."""
        return {
            "since": self.series.first_day.isoformat() if self.series.days else None,
            "until": (self.series.end_day - timedelta(days=1)).isoformat() if self.series.days else None,
            "days": self.sufficiency.days,
            "items": self.sufficiency.items,
            "active_days": self.sufficiency.active_days,
            "sufficient": self.sufficiency.ok,
            "verdict": self.sufficiency.verdict(),
            "reasons": list(self.sufficiency.reasons),
            "cut_data_as_of": self.series.params.get("cut_data_as_of"),
        }


def cut_label(tree: OrgTree, team: str | None, group: str | None, item_type: str | None) -> str:
    """'Checkout', 'the Payments group', or 'the whole organization', with the type when given."""
    if team:
        label = tree.name(team)
    elif group:
        label = f"{tree.name(group)} (group)"
    else:
        label = "the whole organization"
    return f"{label}, {item_type} items" if item_type else label


def forecast_view(hub: MetricsHub, query: ForecastQuery) -> ForecastView:
    """The forecasts of `query` as of its `now`, computed once per query (the seed is always set).

    Raises:
        InputError: an unknown team or group, or a `by` date before the forecast starts.
    """
    now = query.now
    tree = hub.query("org_tree", org_tree)
    key = ("forecast-view", hub.service_key(now), query)

    def build(service: FlowService) -> ForecastView:
        forecasts = hub.workspace.forecasts_at(now, flow=service)
        # Both answers are calibrated by the team's own record (rows null with a reason where none can hold).
        outlook = forecasts.outlook(
            query.cut, items=query.items, by=query.by, sampling=query.sampling, how_many_days=DEFAULT_HOW_MANY_DAYS
        )
        label = cut_label(tree, query.team, query.group, query.item_type)
        charts = _history_charts(query, outlook.series)
        notes = outlook_notes(outlook)
        when, how_many = outlook.when, outlook.how_many
        if when is None or how_many is None:
            return ForecastView(**vars(outlook), query=query, label=label, charts=charts, notes=notes)
        trials = query.sampling.trials
        charts = {
            "when": Chart(
                "when",
                forecast_chart(when, title=f"When will {query.items} items be done? Outcomes of {trials:,} trials"),
                "Share of trials finishing on each day; lines at the 50/70/85/95 % rows (read upward: the 85 % row "
                f"is the orange line). {_calibration_text(when)}",
                wide=True,
            ),
            "how-many": Chart(
                "how-many",
                forecast_chart(
                    how_many, title=f"How many items by {outlook.how_many_by}? Outcomes of {trials:,} trials"
                ),
                "Share of trials finishing each number of items; lines at the 50/70/85/95 % rows (read downward: at "
                f"least that many at the orange line, the 85 % row). {_calibration_text(how_many)}",
                wide=True,
            ),
            **charts,
        }
        return ForecastView(**vars(outlook), query=query, label=label, charts=charts, notes=notes)

    return hub.cached(key, build, now=now)


def outlook_notes(outlook: Outlook) -> list[str]:
    """The notes of an outlook's forecasts, each once, in the order `orgflow forecast when` and then
    `how-many` print them (`ForecastResult.metric_result`): the history's (a widened window, the days after
    the data's end left out, a data end long before today), without the calibration lines, which the page
    shows under their own answers. With too little history for a forecast, the history's notes alone
    (`history_notes`)."""
    if outlook.when is None or outlook.how_many is None:
        return history_notes(outlook.series.params)
    results = (outlook.when, outlook.how_many)
    beside = {result.calibration.line() for result in results if result.calibration is not None}
    said = [note for result in results for note in result.metric_result().notes if note not in beside]
    return list(dict.fromkeys(said))


def _calibration_text(result: ForecastResult) -> str:
    """The calibration line of a calibrated result, as a sentence ('' without one)."""
    if result.calibration is None:
        return ""
    line = result.calibration.line()
    return line[0].upper() + line[1:] + "."


def _history_charts(query: ForecastQuery, series: ThroughputSeries) -> dict[str, Chart]:
    def link(**changes: Any) -> str:
        return items_href(query.now_text, team=query.team, group=query.group, type=query.item_type, **changes)

    return {
        "history": Chart(
            "history",
            history_chart(series, link=link),
            "Each forecast day replays one of these days at random; click a bar to list its items.",
            wide=True,
        )
    }
