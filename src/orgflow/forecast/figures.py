"""The forecast figures, declared once: when, how many, a plan's finish dates and backtests.

`orgflow.forecast` computes them and takes their definitions from here.
"""

from __future__ import annotations

from orgflow.registry import Figure

_BACKTEST = (
    "Coverage of forecasts made from past dates with only the history known then: the share of forecasts "
    "whose confidence row held (how-many: actual items >= forecast; when: actual day <= forecast)."
)

FIGURES: tuple[Figure, ...] = (
    Figure(
        "forecast-when",
        "forecast",
        "Days until the given number of items are finished, from the daily throughput history (Monte Carlo "
        "trials or exact convolution); a confidence row is the first day by which that share of outcomes "
        "is done (read upward); day 1 is the first forecast day, date = start + days - 1.",
    ),
    Figure(
        "forecast-how-many",
        "forecast",
        "Items finished from the first forecast day to the given date (inclusive), from the daily "
        "throughput history; a confidence row is the count reached or passed in that share of outcomes "
        "(read downward: at least that many).",
    ),
    Figure(
        "forecast-plan",
        "forecast",
        "Finish date of each initiative of a plan: per trial, teams replay the same historical days, work "
        "their initiatives in priority order after their dependencies, and an initiative finishes with its "
        "slowest team; a confidence column is the first date by which that share of trials has finished "
        "(read upward).",
    ),
    Figure("backtest-when", "forecast", _BACKTEST),
    Figure("backtest-how-many", "forecast", _BACKTEST),
)
