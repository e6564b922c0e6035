"""What the forecast and plan pages show: their parameters from the URL and the forecasts they ask for.

The pages and their JSON twins call the same functions here, which call only `orgflow.forecast` (on
the hub's prepared flow service, under its lock, cached per "now" and parameters) and
`orgflow.charts.forecast`.

Web defaults: the first team (by name) when neither a team nor a group is given (`group=<org id>`
forecasts the whole organization), 50 items, a 90-day window, 10,000 trials, parameter uncertainty
on, and seed 1, so that a page is the same on every load (and can be cached); "how many" counts the
next 90 days unless a `by` date is given.

Plans are read only from the workspace folder or the project's `examples/` folder: the `plan`
parameter is a relative path (no `..`), resolved against the workspace folder first, then the project
folder where it must lie under `examples/`; only `.yaml`, `.yml` and `.csv` files are read, never the
workspace's own `orgflow.yaml`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from orgflow.charts.forecast import forecast_chart, history_chart, plan_board_chart
from orgflow.errors import InputError
from orgflow.flow.browse import OrgTree, org_tree
from orgflow.forecast.calibrate import calibrate
from orgflow.forecast.history import DEFAULT_WINDOW_DAYS, Sufficiency, ThroughputSeries, assess, series_from
from orgflow.forecast.montecarlo import forecast_how_many, forecast_when
from orgflow.forecast.plan import PlanResult, calibrate_plan, forecast_plan, plan_series
from orgflow.forecast.plan_file import Plan, parse_plan_csv, parse_plan_yaml
from orgflow.forecast.result import DEFAULT_TRIALS, MAX_DAYS, ForecastResult
from orgflow.query.window import Cut
from orgflow.web.filters import parse_date, parse_now
from orgflow.web.hub import MetricsHub
from orgflow.web.views import Chart
from orgflow.web.workspace_files import offered_files, resolve_file

DEFAULT_ITEMS = 50
DEFAULT_HOW_MANY_DAYS = 90
DEFAULT_SEED = 1
MAX_TRIALS = 100_000
MAX_PLAN_TRIALS = 20_000
"""A plan's trials run every team over the whole plan: fewer keep a page under a minute on a laptop."""
MAX_ITEMS = 100_000
MAX_WINDOW_DAYS = 3_650
MAX_PLAN_BYTES = 1_000_000
PLAN_SUFFIXES = (".yaml", ".yml", ".csv")


def items_href(now_text: str | None = None, **params: Any) -> str:
    """The items page with `params` (None and empty values left out) and the page's `now`."""
    values = {key: str(value) for key, value in {**params, "now": now_text}.items() if value not in (None, "")}
    return "/items" + ("?" + urlencode(values) if values else "")


def _integer(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = (params.get(name) or "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise InputError(f"{name} is a whole number (got {text!r})", field=name) from None
    if not low <= value <= high:
        raise InputError(f"{name} must be between {low:,} and {high:,} (got {value:,})", field=name)
    return value


def _switch(params: Mapping[str, str], name: str, default: bool) -> bool:
    text = (params.get(name) or "").strip().casefold()
    if not text:
        return default
    if text in ("on", "true", "1", "yes"):
        return True
    if text in ("off", "false", "0", "no"):
        return False
    raise InputError(f"{name} is on or off (got {text!r})", field=name)


@dataclass(frozen=True)
class Sampling:
    """How the Monte Carlo runs: history window (days), trials, seed and parameter uncertainty."""

    window_days: int = DEFAULT_WINDOW_DAYS
    trials: int = DEFAULT_TRIALS
    seed: int = DEFAULT_SEED
    uncertainty: bool = True

    @classmethod
    def parse(cls, params: Mapping[str, str], *, max_trials: int = MAX_TRIALS) -> Sampling:
        """`window`, `trials`, `seed` and `uncertainty` from the URL.

        Raises:
            InputError: not a number, or out of range.
        """
        return cls(
            window_days=_integer(params, "window", DEFAULT_WINDOW_DAYS, 1, MAX_WINDOW_DAYS),
            trials=_integer(params, "trials", DEFAULT_TRIALS, 1, max_trials),
            seed=_integer(params, "seed", DEFAULT_SEED, 0, 2**63 - 1),
            uncertainty=_switch(params, "uncertainty", True),
        )

    def params(self) -> dict[str, str]:
        return {
            "window": str(self.window_days),
            "trials": str(self.trials),
            "seed": str(self.seed),
            "uncertainty": "on" if self.uncertainty else "off",
        }


@dataclass(frozen=True)
class ForecastQuery:
    """The forecast page's parameters: the cut, the items to finish, an optional date, the sampling."""

    team: str | None
    group: str | None
    item_type: str | None
    items: int
    by: date | None
    sampling: Sampling
    now_text: str | None = None
    team_defaulted: bool = False
    """The team is the default one (the URL named neither a team nor a group): the form leaves it unset."""

    @classmethod
    def parse(cls, params: Mapping[str, str], *, default_team: str | None) -> ForecastQuery:
        """The query from URL parameters (`team`, `group`, `type`, `items`, `by`, `window`, `trials`,
        `seed`, `uncertainty`, `now`); no team and no group: `default_team`.

        Raises:
            InputError: a bad number, date or switch.
        """
        team = params.get("team") or None
        group = params.get("group") or None
        by_text = (params.get("by") or "").strip()
        return cls(
            team=team if team or group else default_team,
            group=group,
            item_type=params.get("type") or None,
            items=_integer(params, "items", DEFAULT_ITEMS, 1, MAX_ITEMS),
            by=parse_date(by_text, field="by") if by_text else None,
            sampling=Sampling.parse(params),
            now_text=params.get("now") or None,
            team_defaulted=not (team or group),
        )

    @property
    def cut(self) -> Cut:
        return Cut(team=self.team, group=self.group, item_type=self.item_type)

    @property
    def now(self) -> datetime | None:
        return parse_now(self.now_text)

    def params(self) -> dict[str, str]:
        """Every parameter, defaults included (the page echoes them)."""
        values = {
            "team": self.team,
            "group": self.group,
            "type": self.item_type,
            "items": str(self.items),
            "by": self.by.isoformat() if self.by else None,
            **self.sampling.params(),
            "now": self.now_text,
        }
        return {key: value for key, value in values.items() if value}

    def href(self, path: str = "/forecasts", *, keep: tuple[str, ...] | None = None, **changes: Any) -> str:
        """`path` with these parameters (only `keep` ones when given) and `changes` (None removes)."""
        values = {key: value for key, value in self.params().items() if keep is None or key in keep}
        values.update({key: str(value) for key, value in changes.items() if value is not None})
        for key in [key for key, value in changes.items() if value is None]:
            values.pop(key, None)
        return path + ("?" + urlencode(values) if values else "")


@dataclass(frozen=True)
class ForecastView:
    """A forecast page: the history and its verdict, and (when the history suffices) both forecasts.

    `when` answers "when will `items` items be done" (with the chance of `by` when given);
    `how_many` answers "how many by `how_many_by`" (`by`, or the next 90 days).
    """

    query: ForecastQuery
    label: str
    now: datetime
    series: ThroughputSeries
    sufficiency: Sufficiency
    when: ForecastResult | None = None
    how_many: ForecastResult | None = None
    how_many_by: date | None = None
    charts: dict[str, Chart] = field(default_factory=dict)

    @property
    def probability(self) -> float | None:
        """The chance that the items are done by `by` (None without a date or a forecast)."""
        if self.when is None or self.query.by is None:
            return None
        return self.when.probability_by(self.query.by)

    def history_body(self) -> dict[str, Any]:
        """The sampled history as JSON: first and last day, days, items, active days, the verdict."""
        return {
            "since": self.series.first_day.isoformat() if self.series.days else None,
            "until": (self.series.end_day - timedelta(days=1)).isoformat() if self.series.days else None,
            "days": self.sufficiency.days,
            "items": self.sufficiency.items,
            "active_days": self.sufficiency.active_days,
            "sufficient": self.sufficiency.ok,
            "verdict": self.sufficiency.verdict(),
            "reasons": list(self.sufficiency.reasons),
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


def default_team(hub: MetricsHub) -> str | None:
    """The team a forecast page opens on: the first team by name."""
    teams = hub.query("org_tree", org_tree).teams()
    return teams[0].group_id if teams else None


def forecast_view(hub: MetricsHub, query: ForecastQuery) -> ForecastView:
    """The forecasts of `query` as of its `now`, computed once per query (the seed is always set).

    Raises:
        InputError: an unknown team or group, or a `by` date before the forecast starts.
    """
    now = query.now
    tree = hub.query("org_tree", org_tree)
    key = ("forecast-view", hub.service_key(now), query)

    def build(service: Any) -> ForecastView:
        series = series_from(service, query.cut, window_days=query.sampling.window_days)
        verdict = assess(series)
        label = cut_label(tree, query.team, query.group, query.item_type)
        if not verdict.ok:
            return ForecastView(query, label, service.now, series, verdict, charts=_history_charts(query, series))
        if query.by is not None and (query.by - series.end_day).days >= MAX_DAYS:
            raise InputError(f"{query.by} is more than ten years ahead", field="by", hint="choose a nearer date")
        sampling = query.sampling
        options = {"trials": sampling.trials, "seed": sampling.seed, "uncertainty": sampling.uncertainty}
        # Both answers are calibrated by the team's own record (rows null with a reason where none can hold).
        when = calibrate(forecast_when(series, query.items, target_date=query.by, **options), series)
        if query.by is not None:
            how_many = calibrate(forecast_how_many(series, by=query.by, **options), series)
        else:
            how_many = calibrate(forecast_how_many(series, DEFAULT_HOW_MANY_DAYS, **options), series)
        how_many_by = how_many.date_of(int(how_many.params["days"]))
        charts = {
            "when": Chart(
                "when",
                forecast_chart(
                    when, title=f"When will {query.items} items be done? Outcomes of {sampling.trials:,} trials"
                ),
                "Share of trials finishing on each day; lines at the 50/70/85/95 % rows (read upward: the 85 % row "
                f"is the orange line). {_calibration_text(when)}",
                wide=True,
            ),
            "how-many": Chart(
                "how-many",
                forecast_chart(
                    how_many, title=f"How many items by {how_many_by}? Outcomes of {sampling.trials:,} trials"
                ),
                "Share of trials finishing each number of items; lines at the 50/70/85/95 % rows (read downward: at "
                f"least that many at the orange line, the 85 % row). {_calibration_text(how_many)}",
                wide=True,
            ),
            **_history_charts(query, series),
        }
        return ForecastView(query, label, service.now, series, verdict, when, how_many, how_many_by, charts)

    return hub.cached(key, build, now=now)


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


# -- plans ---------------------------------------------------------------------------------------
def resolve_plan(workspace_dir: Path, text: str) -> tuple[Path, str]:
    """The plan file a `plan` URL parameter names, and the name to show for it.

    Raises:
        InputError: an absolute path, a `..`, a suffix other than .yaml/.yml/.csv, the workspace's
            config, or no such file in the workspace folder or the project's `examples/`.
    """
    return resolve_file(workspace_dir, text, kind="plan", suffixes=PLAN_SUFFIXES)


def available_plans(workspace_dir: Path) -> list[str]:
    """Plan files the page offers: files named *plan* in the workspace folder, any file in its
    `plans/` folder, and files named *plan* in the project's `examples/`; as `plan` parameters."""
    return offered_files(
        workspace_dir, folder="plans", suffixes=PLAN_SUFFIXES, wanted=lambda path, top: not top or "plan" in path.name
    )


def read_plan(path: Path, shown: str) -> Plan:
    """The plan in `path`, errors naming it as `shown`.

    Raises:
        InputError: too large, unreadable or invalid (file, line and field named).
    """
    if path.stat().st_size > MAX_PLAN_BYTES:
        raise InputError(f"the plan is larger than {MAX_PLAN_BYTES:,} bytes", file=shown, field="plan")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the plan ({error})", file=shown, field="plan") from None
    if path.suffix.lower() == ".csv":
        return parse_plan_csv(text, file=shown)
    return parse_plan_yaml(text, file=shown)


@dataclass(frozen=True)
class PlanQuery:
    """The plan page's parameters: which plan, the sampling, and `now`."""

    plan: str | None
    sampling: Sampling
    now_text: str | None = None

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> PlanQuery:
        """`plan`, `window`, `trials`, `seed`, `uncertainty` and `now` from the URL.

        Raises:
            InputError: a bad number or switch.
        """
        return cls(
            plan=(params.get("plan") or "").strip() or None,
            sampling=Sampling.parse(params, max_trials=MAX_PLAN_TRIALS),
            now_text=params.get("now") or None,
        )

    @property
    def now(self) -> datetime | None:
        return parse_now(self.now_text)

    def params(self) -> dict[str, str]:
        values = {"plan": self.plan, **self.sampling.params(), "now": self.now_text}
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class PlanView:
    """A plan page: the plans on offer and, when one is chosen, its forecast, board and chart."""

    query: PlanQuery
    available: list[str]
    shown: str | None = None
    result: PlanResult | None = None
    board: dict[str, Any] | None = None
    rows: list[dict[str, Any]] = field(default_factory=list)
    chart: Chart | None = None


def plan_view(hub: MetricsHub, query: PlanQuery) -> PlanView:
    """The forecast of the chosen plan as of `now` (cached per plan file version and parameters).

    Raises:
        InputError: a path that is not allowed or not found, an invalid plan, an unknown team, a
            dependency cycle, or a team with too little history.
    """
    directory = Path(hub.workspace.directory)
    available = available_plans(directory)
    if query.plan is None:
        return PlanView(query, available)
    path, shown = resolve_plan(directory, query.plan)
    stat = path.stat()
    now = query.now
    key = ("plan-view", hub.service_key(now), query, str(path), stat.st_mtime_ns, stat.st_size)

    def build(service: Any) -> PlanView:
        plan = read_plan(path, shown)
        sampling = query.sampling
        series = plan_series(service, plan, window_days=sampling.window_days)
        result = forecast_plan(
            plan, series, trials=sampling.trials, seed=sampling.seed, uncertainty=sampling.uncertainty
        )
        result = calibrate_plan(result, series)  # each team's record, as the CLI's plan forecast
        board = result.board()
        tree = hub.query("org_tree", org_tree)
        chart = Chart(
            "plan-board",
            plan_board_chart(board, team_names={team: tree.name(team) for team in board["teams"]}),
            "Solid: first item to the median finish; light: on to the 85 % finish; arrows: dependencies; "
            "diamonds: targets (hover for the chance of meeting them).",
            wide=True,
        )
        return PlanView(query, available, shown, result, board, result.rows(), chart)

    return hub.cached(key, build, now=now)
