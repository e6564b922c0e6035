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

MAX_ITEMS = 100_000
"""The most items a forecast takes (command, route and page alike)."""
MAX_WINDOW_DAYS = 3_650
"""The longest history window a forecast samples, in days (ten years)."""
MAX_TRIALS = 100_000
"""The most Monte Carlo trials a forecast runs."""
MAX_SEED = 2**63 - 1
"""The largest seed (a seed is 0 to this, the random streams' 64-bit range)."""
API_SEED = 1
"""The seed of a dashboard page or API route given none: the same answer on every call (and a page that
can be kept). A command given no --seed draws one instead, and prints it."""
