"""The forecasts' default settings, apart from the code that uses them: this module imports nothing, so the
command line shows them in its help without loading NumPy or the flow metrics."""

DEFAULT_WINDOW_DAYS = 90
"""The history a forecast samples by default: the last 90 complete days."""
WIDER_WINDOW_DAYS = (180, 365)
"""The windows a forecast without `--window` tries, in order, when the default one is too sparse."""
DEFAULT_TRIALS = 10_000
"""Monte Carlo trials by default."""
DEFAULT_WINDOWS = (30, 60, 90)
"""History windows a backtest compares by default, in days."""
DEFAULT_BACKTEST_TRIALS = 2_000
"""Trials per backtest forecast: many forecasts are made, each needs less precision than a live one."""
