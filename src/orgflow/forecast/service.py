"""`ForecastService`: the one path from a workspace's history to a forecast, for every surface.

The command line (`orgflow forecast`) and the web (`/forecasts`, `/forecasts/plan` and their API
twins) both read a history here and forecast from it here, so a forecast is assembled once:

- `series(cut)`: the daily throughput the forecast samples (`orgflow.forecast.history`); without a
  window, the default one, widened when too sparse (`default_series`).
- `when(series, items)`, `how_many(series, days=...)`: Monte Carlo answers calibrated by the cut's
  own record of past forecasts (`orgflow.forecast.calibrate`), or exact ones without uncertainty.
- `outlook(cut, items=...)`: the history, its sufficiency verdict and, when it suffices, both answers.
- `plan_series(plan)`, `plan(plan, series)`: a plan of initiatives, calibrated per team.
- `history(cut)`, `backtest(series)`: how often past forecasts held.

Only the history methods read the store (through a flow service as of the context's `now`); the
forecasts themselves are pure, so a surface can close the workspace before the trials run.
Definitions and reading rules: `docs/forecasting.md`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from orgflow.errors import InputError
from orgflow.forecast.backtest import BacktestResult
from orgflow.forecast.backtest import backtest as run_backtest
from orgflow.forecast.calibrate import calibrate
from orgflow.forecast.defaults import (
    DEFAULT_BACKTEST_TRIALS,
    DEFAULT_TRIALS,
    DEFAULT_WINDOW_DAYS,
    DEFAULT_WINDOWS,
    MAX_SEED,
)
from orgflow.forecast.exact import exact_how_many, exact_when
from orgflow.forecast.history import Sufficiency, ThroughputSeries, assess, default_series, series_from
from orgflow.forecast.montecarlo import forecast_how_many, forecast_when
from orgflow.forecast.plan import PlanResult, calibrate_plan, forecast_plan, plan_series
from orgflow.forecast.plan_file import Plan
from orgflow.forecast.result import MAX_DAYS, ForecastResult
from orgflow.query.window import Cut
from orgflow.registry import Computes

if TYPE_CHECKING:
    from orgflow.flow.service import FlowService
    from orgflow.query.context import AnalysisContext

DEFAULT_HOW_MANY_DAYS = 90
"""The horizon of "how many" in an outlook that names no date."""


@dataclass(frozen=True)
class Sampling:
    """How a Monte Carlo forecast samples: days of history before `now` (None: the default window,
    `DEFAULT_WINDOW_DAYS`, widened when too sparse), trials, seed (None: one drawn for each run, `seeded`) and
    parameter uncertainty (the history window resampled in each trial)."""

    window_days: int | None = None
    trials: int = DEFAULT_TRIALS
    seed: int | None = None
    uncertainty: bool = True

    def seeded(self) -> Sampling:
        """This sampling with a seed: its own, else one drawn from 0 to `MAX_SEED`, the range --seed
        takes, so that the seed a result reports repeats it when given back."""
        if self.seed is not None:
            return self
        import secrets

        return replace(self, seed=secrets.randbelow(MAX_SEED + 1))


@dataclass(frozen=True)
class Outlook:
    """Both answers for one cut as of `now`: the history and its verdict, and, when the history
    suffices, when `items` will be done and how many by `how_many_by`."""

    now: datetime
    series: ThroughputSeries
    sufficiency: Sufficiency
    when: ForecastResult | None = None
    how_many: ForecastResult | None = None
    how_many_by: date | None = None


class ForecastService(Computes):
    """Forecasts of one workspace as of the context's `now`.

    ``compute(name, **options)`` computes "when", "how many" or a backtest by its declared name
    (`orgflow.forecast.figures`); ``stage`` reads its history alone, for a caller that lets the store go
    before the trials run.

    Args:
        context: the store, config and query engine; its `now` is the forecast's start (None: now,
            or the end of the data's last day when the data stops earlier).
        flow: a flow service as of the same `now` to read histories from (one already prepared);
            default: a new one over `context`, made on first use.
    """

    domain = "forecast"

    def __init__(self, context: AnalysisContext, *, flow: FlowService | None = None) -> None:
        self.context = context
        self._flow = flow

    @property
    def flow(self) -> FlowService:
        """The flow service histories are read from."""
        if self._flow is None:
            self._flow = self.context.flow_service()
        return self._flow

    @property
    def now(self) -> datetime:
        """The instant forecasts are made at (the flow service's `now`)."""
        return self.flow.now

    # -- histories (read the store) --------------------------------------------------------------
    def series(self, cut: Cut, *, window_days: int | None = None) -> ThroughputSeries:
        """The cut's daily throughput over the last `window_days` complete days (None: the default
        window, widened when too sparse: `orgflow.forecast.history.default_series`). Without a
        given `now`, the days end with the cut's own data when it stops earlier than the workspace's
        (params `cut_data_as_of`, `cut_note`; docs/decisions/0007-default-window.md).

        Raises:
            InputError: an unknown team or group, or a window shorter than one day.
        """
        if window_days is None:
            return default_series(self.flow, cut, own_end=True)
        return series_from(self.flow, cut, window_days=window_days, own_end=True)

    def history(self, cut: Cut) -> ThroughputSeries:
        """The cut's whole daily throughput history (what a backtest replays), to the cut's own data
        end as `series` reads it."""
        return series_from(self.flow, cut, window_days=None, own_end=True)

    def plan_series(self, plan: Plan, *, window_days: int | None = None) -> dict[str, ThroughputSeries]:
        """Each team's history for `plan` (None: `DEFAULT_WINDOW_DAYS`).

        Raises:
            InputError: a team of the plan owns no item in the workspace.
        """
        return plan_series(self.flow, plan, window_days=DEFAULT_WINDOW_DAYS if window_days is None else window_days)

    # -- forecasts (pure) ------------------------------------------------------------------------
    def when(
        self,
        series: ThroughputSeries,
        items: int,
        *,
        by: date | None = None,
        sampling: Sampling = Sampling(),
        exact: bool = False,
    ) -> ForecastResult:
        """When `items` items will be done at 50/70/85/95 % (with the chance of `by` when given):
        calibrated Monte Carlo, or the exact convolution with `exact`."""
        if exact:
            return exact_when(series, items, target_date=by)
        sampling = sampling.seeded()
        raw = forecast_when(
            series, items, trials=sampling.trials, seed=sampling.seed, uncertainty=sampling.uncertainty, target_date=by
        )
        return calibrate(raw, series)  # the record's adjusted levels (docs/forecasting.md)

    def how_many(
        self,
        series: ThroughputSeries,
        *,
        days: int | None = None,
        by: date | None = None,
        sampling: Sampling = Sampling(),
        exact: bool = False,
    ) -> ForecastResult:
        """How many items will be done by `by` (inclusive) or over `days` days: calibrated Monte Carlo,
        or the exact convolution with `exact`."""
        if exact:
            return exact_how_many(series, days, by=by)
        sampling = sampling.seeded()
        raw = forecast_how_many(
            series, days, by=by, trials=sampling.trials, seed=sampling.seed, uncertainty=sampling.uncertainty
        )
        return calibrate(raw, series)  # the record's adjusted levels (docs/forecasting.md)

    def outlook(
        self,
        cut: Cut,
        *,
        items: int,
        by: date | None = None,
        sampling: Sampling = Sampling(),
        how_many_days: int = DEFAULT_HOW_MANY_DAYS,
    ) -> Outlook:
        """The cut's history and verdict and, when it suffices, when `items` will be done and how
        many by `by` (else over the next `how_many_days` days).

        Raises:
            InputError: an unknown team or group, or a `by` date ten years or more ahead.
        """
        series = self.series(cut, window_days=sampling.window_days)
        verdict = assess(series)
        if not verdict.ok:
            return Outlook(self.now, series, verdict)
        if by is not None and (by - series.end_day).days >= MAX_DAYS:
            raise InputError(f"{by} is more than ten years ahead", field="by", hint="choose a nearer date")
        sampling = sampling.seeded()  # one seed for both answers
        when = self.when(series, items, by=by, sampling=sampling)
        if by is not None:
            how_many = self.how_many(series, by=by, sampling=sampling)
        else:
            how_many = self.how_many(series, days=how_many_days, sampling=sampling)
        how_many_by = how_many.date_of(int(how_many.params["days"]))
        return Outlook(self.now, series, verdict, when, how_many, how_many_by)

    def plan(
        self,
        plan: Plan,
        series: dict[str, ThroughputSeries],
        *,
        sampling: Sampling = Sampling(),
        start: date | None = None,
    ) -> PlanResult:
        """The finish dates of a plan's initiatives and their odds, calibrated by each team's record
        of past forecasts; `series` from `plan_series`, `start` the plan's first day (default: `now`'s)."""
        sampling = sampling.seeded()
        result = forecast_plan(
            plan, series, trials=sampling.trials, seed=sampling.seed, uncertainty=sampling.uncertainty, start=start
        )
        return calibrate_plan(result, series)

    def backtest(
        self,
        series: ThroughputSeries,
        *,
        horizon_days: int = 30,
        items: int | None = None,
        windows: tuple[int, ...] = DEFAULT_WINDOWS,
        since: date | None = None,
        until: date | None = None,
        step_days: int = 7,
        sampling: Sampling = Sampling(trials=DEFAULT_BACKTEST_TRIALS),
    ) -> BacktestResult:
        """How often past forecasts over `series` (from `history`) held, per window and confidence."""
        sampling = sampling.seeded()
        return run_backtest(
            series,
            horizon_days=horizon_days,
            items=items,
            windows=windows,
            since=since,
            until=until,
            step_days=step_days,
            trials=sampling.trials,
            seed=sampling.seed,
            uncertainty=sampling.uncertainty,
        )
