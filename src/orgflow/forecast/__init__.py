"""Forecasts from a team's own throughput: Monte Carlo and exact answers, plans of initiatives, backtests.

    from orgflow.forecast import daily_throughput, forecast_when
    series = daily_throughput(ws, team="payments")          # last 90 complete days
    forecast_when(series, 40, seed=1).rows()                 # confidence, days, date

Definitions and reading rules: `docs/forecasting.md` (METRICS.md §5).
"""

from orgflow.forecast.backtest import BacktestResult, backtest
from orgflow.forecast.exact import daily_pmf, exact_how_many, exact_when
from orgflow.forecast.history import Sufficiency, ThroughputSeries, assess, daily_throughput, series_from
from orgflow.forecast.montecarlo import forecast_how_many, forecast_when
from orgflow.forecast.plan import PlanResult, forecast_plan, plan_series
from orgflow.forecast.plan_file import Initiative, Plan, load_plan, parse_plan_csv, parse_plan_yaml
from orgflow.forecast.result import CONFIDENCES, DEFAULT_TRIALS, ForecastResult

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
