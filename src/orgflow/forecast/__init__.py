"""Forecasts from a team's own throughput: Monte Carlo and exact answers, plans of initiatives, backtests.

    from orgflow.forecast import daily_throughput, forecast_when
    series = daily_throughput(ws, team="payments")          # last 90 complete days
    forecast_when(series, 40, seed=1).rows()                 # confidence, days, date

Definitions and reading rules: `docs/forecasting.md`.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orgflow.forecast.backtest import BacktestResult, backtest
    from orgflow.forecast.exact import daily_pmf, exact_how_many, exact_when
    from orgflow.forecast.history import Sufficiency, ThroughputSeries, assess, daily_throughput, series_from
    from orgflow.forecast.montecarlo import forecast_how_many, forecast_when
    from orgflow.forecast.plan import PlanResult, forecast_plan, plan_series
    from orgflow.forecast.plan_file import Initiative, Plan, load_plan, parse_plan_csv, parse_plan_yaml
    from orgflow.forecast.result import CONFIDENCES, DEFAULT_TRIALS, ForecastResult

# The public names load on first use (`orgflow.forecast.forecast_when`), so importing a light module of the
# package (`orgflow.forecast.defaults`) loads no NumPy.
_HOMES = {
    "backtest": ("BacktestResult", "backtest"),
    "exact": ("daily_pmf", "exact_how_many", "exact_when"),
    "history": ("Sufficiency", "ThroughputSeries", "assess", "daily_throughput", "series_from"),
    "montecarlo": ("forecast_how_many", "forecast_when"),
    "plan": ("PlanResult", "forecast_plan", "plan_series"),
    "plan_file": ("Initiative", "Plan", "load_plan", "parse_plan_csv", "parse_plan_yaml"),
    "result": ("CONFIDENCES", "DEFAULT_TRIALS", "ForecastResult"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use (and kept)."""
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


class _Package(types.ModuleType):
    """The package keeps its public names when a submodule of the same name loads: importing
    `orgflow.forecast.backtest` (the module) leaves `orgflow.forecast.backtest` the function, as when
    this file imported every name itself."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and name in _HOME_OF:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__all__ = [
    "CONFIDENCES",
    "DEFAULT_TRIALS",
    "BacktestResult",
    "ForecastResult",
    "Initiative",
    "Plan",
    "PlanResult",
    "Sufficiency",
    "ThroughputSeries",
    "assess",
    "backtest",
    "daily_pmf",
    "daily_throughput",
    "exact_how_many",
    "exact_when",
    "forecast_how_many",
    "forecast_plan",
    "forecast_when",
    "load_plan",
    "parse_plan_csv",
    "parse_plan_yaml",
    "plan_series",
    "series_from",
]
