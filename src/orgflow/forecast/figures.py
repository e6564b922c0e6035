"""The forecast figures, declared once: when, how many, a plan's finish dates and backtests.

`orgflow.forecast` computes them and takes their definitions from here; `ForecastService.compute`
computes "when", "how many" and the backtests by name, reading the cut's throughput history from the
store (the build) and running the trials on it (the offline step, once the store is let go). From the
declarations come ``orgflow forecast when``, ``how-many`` and ``backtest`` (`orgflow.cli.generated`)
and the routes ``/api/forecast/...`` (`orgflow.web.routes.generated`). A plan is read from a file the
command names, so ``orgflow forecast plan`` is written out in `orgflow.cli.forecast`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, make_dataclass
from typing import TYPE_CHECKING, Any

from orgflow.forecast.defaults import (
    DEFAULT_BACKTEST_TRIALS,
    DEFAULT_TRIALS,
    DEFAULT_WINDOW_DAYS,
    DEFAULT_WINDOWS,
    MAX_ITEMS,
    MAX_SEED,
    MAX_TRIALS,
    MAX_WINDOW_DAYS,
    WIDER_WINDOW_DAYS,
)
from orgflow.registry import Bounded, Figure, option

if TYPE_CHECKING:
    from orgflow.flow.result import MetricResult
    from orgflow.forecast.service import ForecastService, Sampling


WINDOW_HELP = (
    f"Days of throughput history to sample before --now (default: {DEFAULT_WINDOW_DAYS}, or "
    f"{' or '.join(map(str, WIDER_WINDOW_DAYS))} when those hold too little)."
)
TRIALS_HELP = "Monte Carlo trials."
SEED_HELP = "Seed for identical results on every run."
UNCERTAINTY_HELP = "Resample the history window in each trial (parameter uncertainty)."
UNCERTAINTY_FLAG = "--uncertainty/--no-uncertainty"
EXACT_HELP = "Exact convolution instead of Monte Carlo (no uncertainty)."


def _sampled(name: str, doc: str, *own: tuple[str, Any, Any]) -> type:
    """A forecast's options: `own` (name, type, `option`) first, then the history window, trials, seed,
    uncertainty and --exact, in the order the command lists them."""
    options = make_dataclass(
        name,
        [
            *own,
            ("window", int | None, option(WINDOW_HELP, min=1, max=MAX_WINDOW_DAYS)),
            ("trials", int, option(TRIALS_HELP, default=DEFAULT_TRIALS, min=1, max=MAX_TRIALS)),
            ("seed", int | None, option(SEED_HELP, min=0, max=MAX_SEED)),
            ("uncertainty", bool, option(UNCERTAINTY_HELP, flag=UNCERTAINTY_FLAG, default=True)),
            ("exact", bool, option(EXACT_HELP, flag="--exact", default=False)),
        ],
        bases=(Bounded,),
        frozen=True,
        kw_only=True,
    )
    options.__doc__, options.__module__ = doc, __name__
    return options


WhenOptions = _sampled(
    "WhenOptions",
    "When will `items` be done (and the chance of `by`).",
    ("items", int, option("Items still to finish.", short="-n", required=True, min=1, max=MAX_ITEMS)),
    ("by", str | None, option("Also give the chance of finishing by this date.")),
)
HowManyOptions = _sampled(
    "HowManyOptions",
    "How many items by `by`, or over `days` days.",
    ("by", str | None, option("Count items finished up to this date (inclusive).")),
    ("days", int | None, option("…or over this many days from --now's day.", min=1)),
)


@dataclass(frozen=True, kw_only=True)
class BacktestOptions(Bounded):
    """What a backtest replays: how-many over `horizon` days (or when `items` are done), per window."""

    horizon: int = option("Days ahead of each how-many forecast.", default=30, min=1)
    items: int | None = option("Backtest 'when will N be done' instead.", short="-n", min=1, max=MAX_ITEMS)
    window: list[int] | None = option(  # noqa: RUF009
        "History window in days (repeat to compare several).", min=1, max=MAX_WINDOW_DAYS
    )
    step: int = option("Days between forecast dates.", default=7, min=1)
    trials: int = option(TRIALS_HELP, default=DEFAULT_BACKTEST_TRIALS, min=1, max=MAX_TRIALS)
    seed: int | None = option(SEED_HELP, min=0, max=MAX_SEED)
    uncertainty: bool = option(UNCERTAINTY_HELP, flag=UNCERTAINTY_FLAG, default=True)


def _sampling(options: Any) -> Sampling:
    from orgflow.forecast.service import Sampling

    return Sampling(trials=options.trials, seed=options.seed, uncertainty=options.uncertainty)


def _day(text: str | None) -> Any:
    from orgflow.query.window import parse_day

    return parse_day(text, field="by") if text else None


def _recent(service: ForecastService, options: Any, /, *, cut: Any) -> tuple[Any, ...]:
    """The cut's throughput over the options' window (the build: it reads the store)."""
    return service, service.series(cut, window_days=options.window), options


def _when(staged: tuple[Any, ...]) -> MetricResult:
    service, series, options = staged
    result = service.when(series, options.items, by=_day(options.by), sampling=_sampling(options), exact=options.exact)
    return result.metric_result()


def _how_many(staged: tuple[Any, ...]) -> MetricResult:
    service, series, options = staged
    result = service.how_many(
        series, days=options.days, by=_day(options.by), sampling=_sampling(options), exact=options.exact
    )
    return result.metric_result()


def _whole(service: ForecastService, options: BacktestOptions, /, *, cut: Any, **window: Any) -> tuple[Any, ...]:
    """The cut's whole throughput history, what a backtest replays (the build: it reads the store)."""
    return service, service.history(cut), options, window


def _backtest(staged: tuple[Any, ...]) -> MetricResult:
    service, series, options, window = staged
    result = service.backtest(
        series,
        horizon_days=options.horizon,
        items=options.items,
        windows=tuple(options.window or DEFAULT_WINDOWS),
        step_days=options.step,
        sampling=_sampling(options),
        **window,
    )
    return result.metric_result()


def with_notes(result: MetricResult, options: Mapping[str, Any], _columns: list[str] | None) -> tuple[
    MetricResult, list[str]
]:  # fmt: skip
    """A forecast as it is, with its notes (a history that ended long ago) under the table, and the seed
    drawn for it when none was given (`options`: the command's), to repeat it with --seed."""
    notes = list(result.notes)
    seed = result.params.get("seed")
    if options.get("seed") is None and seed is not None:
        notes.append(f"seed {seed} (drawn for this run: --seed {seed} repeats it)")
    caption = TABLE_CAPTIONS.get(result.metric)
    if caption is not None:
        result = dataclasses.replace(result, definition=caption)
    return result, notes


TABLE_CAPTIONS = {
    "forecast-when": "Days until the items are done: a row is the first day by which that share of outcomes is done "
    "(read upward).",
    "forecast-how-many": "Items done by the date: a row is the count reached or passed in that share of outcomes "
    "(read downward).",
}
"""The caption under a forecast's terminal table: its definition, short enough for the narrow table to
hold whole sentences (JSON and docs/metrics.md give the full definition)."""


FORECAST = {"group": "forecast", "door": "forecasts", "blocks": ("cut", "output", "now"), "present": with_notes}
"""A forecast's command: ``orgflow forecast ...`` (``ws.forecasts_at(now)``) with --team/--group/--type,
the output and --now, and its notes under a table."""


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
        help="When will N items be done, at 50/70/85/95 %. Example: orgflow forecast when --items 40 --team AMQ",
        options=WhenOptions,
        build=_recent,
        offline=_when,
        verb="when",
        **FORECAST,
    ),
    Figure(
        "forecast-how-many",
        "forecast",
        "Items finished from the first forecast day to the given date (inclusive), from the daily "
        "throughput history; a confidence row is the count reached or passed in that share of outcomes "
        "(read downward: at least that many).",
        help="How many items by a date (85 % = at least that many). Example: orgflow forecast how-many --by 2025-03-31",
        options=HowManyOptions,
        build=_recent,
        offline=_how_many,
        verb="how-many",
        **FORECAST,
    ),
    Figure(
        "forecast-plan",
        "forecast",
        "Finish date of each initiative of a plan: per trial, teams replay the same historical days, work "
        "their initiatives in priority order after their dependencies, and an initiative finishes with its "
        "slowest team; a confidence column is the first date by which that share of trials has finished "
        "(read upward).",
        present=with_notes,
        command=False,
    ),
    Figure(
        "backtest-how-many",
        "forecast",
        _BACKTEST,
        help="How often past forecasts held, per window and confidence. Example: orgflow forecast backtest --window 30",
        options=BacktestOptions,
        build=_whole,
        offline=_backtest,
        verb="backtest",
        **(FORECAST | {"blocks": ("window", "cut", "output", "now")}),
    ),
    Figure("backtest-when", "forecast", _BACKTEST, command=False),
)
