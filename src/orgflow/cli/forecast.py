"""`orgflow forecast ...`: when will N items be done, how many by a date, a plan of initiatives, backtests.

Every forecast samples the daily throughput of the chosen cut over the last `--window` days before
`--now` (default: today, or the end of the data's last day when it stops earlier); that day is left out.
Histories and forecasts come from `ws.forecasts_at(now)` (`orgflow.forecast.service`), the path the web
takes too; the workspace is closed before the trials run. Output goes through the same renderer as
`orgflow flow` (table, csv, json).
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from orgflow.cli.context import open_from
from orgflow.cli.option_blocks import OUTPUT, cut_block, now_block, window_block, with_options
from orgflow.cli.options import day_option
from orgflow.cli.render import Format, console, render
from orgflow.forecast.defaults import (
    DEFAULT_BACKTEST_TRIALS,
    DEFAULT_TRIALS,
    DEFAULT_WINDOW_DAYS,
    DEFAULT_WINDOWS,
    WIDER_WINDOW_DAYS,
)
from orgflow.query.window import Cut

if TYPE_CHECKING:
    from orgflow.flow.service import MetricResult
    from orgflow.forecast.history import ThroughputSeries
    from orgflow.forecast.service import ForecastService, Sampling

app = typer.Typer(
    help="Forecasts from the teams' own throughput: when, how many, plans of initiatives, backtests.",
    no_args_is_help=True,
)

CUT = cut_block("team", "group", "item_type")
"""--team, --group and --type: the items whose throughput is sampled, read as one `Cut`."""
Window = Annotated[
    int | None,
    typer.Option(
        "--window",
        help=f"Days of throughput history to sample before --now (default: {DEFAULT_WINDOW_DAYS}, or "
        f"{' or '.join(map(str, WIDER_WINDOW_DAYS))} when those hold too little).",
    ),
]
Trials = Annotated[int, typer.Option("--trials", help="Monte Carlo trials.")]
Seed = Annotated[int | None, typer.Option("--seed", help="Seed for identical results on every run.")]
Uncertainty = Annotated[
    bool,
    typer.Option(
        "--uncertainty/--no-uncertainty", help="Resample the history window in each trial (parameter uncertainty)."
    ),
]
Exact = Annotated[bool, typer.Option("--exact", help="Exact convolution instead of Monte Carlo (no uncertainty).")]
NOW = now_block(
    "Forecast as of this date or instant (ISO 8601, UTC if no offset; default: now, or the end of the "
    "data's last day when the data stops earlier)."
)
BACKTEST_WINDOW = window_block("First forecast date, YYYY-MM-DD.", "Last forecast date, YYYY-MM-DD.")


def _render(result: MetricResult, fmt: Format, columns: list[str] | None) -> None:
    """Render a forecast; in a terminal, its notes (a history that ended long ago) under it."""
    render(result, fmt, columns=columns)
    if fmt is Format.table:
        for note in result.notes:
            console.print(f"[dim]note: {escape(note)}[/dim]", highlight=False)


def _series(
    ctx: typer.Context, now: datetime | None, cut: Cut, window_days: int | None
) -> tuple[ForecastService, ThroughputSeries]:
    """The forecasts as of `--now` and the cut's daily throughput read from the workspace (None: the
    default window, widened when too sparse); the workspace is closed again."""
    with open_from(ctx, read_only=True) as workspace:
        forecasts = workspace.forecasts_at(now)
        return forecasts, forecasts.series(cut, window_days=window_days)


def _sampling(trials: int, seed: int | None, uncertainty: bool, window: int | None = None) -> Sampling:
    from orgflow.forecast.service import Sampling

    return Sampling(window_days=window, trials=trials, seed=seed, uncertainty=uncertainty)


@app.command()
@with_options(CUT, OUTPUT, NOW)
def when(
    ctx: typer.Context,
    items: Annotated[int, typer.Option("--items", "-n", help="Items still to finish.")],
    by: Annotated[str | None, typer.Option("--by", help="Also give the chance of finishing by this date.")] = None,
    window: Window = None,
    trials: Trials = DEFAULT_TRIALS,
    seed: Seed = None,
    uncertainty: Uncertainty = True,
    exact: Exact = False,
    **shared: Any,
) -> None:
    """When will N items be done, at 50/70/85/95 %. Example: orgflow forecast when --items 40 --team AMQ"""
    forecasts, series = _series(ctx, shared["now"], shared["cut"], window)
    sampling = _sampling(trials, seed, uncertainty)
    result = forecasts.when(series, items, by=day_option(by, "by"), sampling=sampling, exact=exact)
    _render(result.metric_result(), shared["fmt"], shared["columns"])


@app.command("how-many")
@with_options(CUT, OUTPUT, NOW)
def how_many(
    ctx: typer.Context,
    by: Annotated[str | None, typer.Option("--by", help="Count items finished up to this date (inclusive).")] = None,
    days: Annotated[int | None, typer.Option("--days", help="…or over this many days from --now's day.")] = None,
    window: Window = None,
    trials: Trials = DEFAULT_TRIALS,
    seed: Seed = None,
    uncertainty: Uncertainty = True,
    exact: Exact = False,
    **shared: Any,
) -> None:
    """How many items by a date (85 % = at least that many). Example: orgflow forecast how-many --by 2025-03-31"""
    forecasts, series = _series(ctx, shared["now"], shared["cut"], window)
    sampling = _sampling(trials, seed, uncertainty)
    result = forecasts.how_many(series, days=days, by=day_option(by, "by"), sampling=sampling, exact=exact)
    _render(result.metric_result(), shared["fmt"], shared["columns"])


@app.command()
@with_options(OUTPUT, NOW)
def plan(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The plan: a YAML or CSV file of initiatives.")],
    start: Annotated[
        str | None, typer.Option("--start", help="First day of the plan (default: the day of --now).")
    ] = None,
    window: Window = None,
    trials: Trials = DEFAULT_TRIALS,
    seed: Seed = None,
    uncertainty: Uncertainty = True,
    board: Annotated[
        bool, typer.Option("--board", help="Print the board (teams x time, dependencies) as JSON.")
    ] = False,
    *,
    fmt: Format,
    columns: list[str] | None,
    now: datetime | None,
) -> None:
    """Finish dates of a plan's initiatives and their odds. Example: orgflow forecast plan plan.yaml --seed 1"""
    from orgflow.forecast.plan_file import load_plan

    initiatives = load_plan(path)
    with open_from(ctx, read_only=True) as workspace:
        forecasts = workspace.forecasts_at(now)
        series = forecasts.plan_series(initiatives, window_days=window)
    sampling = _sampling(trials, seed, uncertainty)
    # Calibrated by each team's record of past forecasts.
    result = forecasts.plan(initiatives, series, sampling=sampling, start=day_option(start, "start"))
    if board:
        sys.stdout.write(json.dumps(result.board(), indent=1) + "\n")
    else:
        _render(result.metric_result(), fmt, columns)


@app.command()
@with_options(BACKTEST_WINDOW, CUT, OUTPUT, NOW)
def backtest(
    ctx: typer.Context,
    horizon: Annotated[int, typer.Option("--horizon", help="Days ahead of each how-many forecast.")] = 30,
    items: Annotated[int | None, typer.Option("--items", "-n", help="Backtest 'when will N be done' instead.")] = None,
    window: Annotated[
        list[int] | None, typer.Option("--window", help="History window in days (repeat to compare several).")
    ] = None,
    step: Annotated[int, typer.Option("--step", help="Days between forecast dates.")] = 7,
    trials: Trials = DEFAULT_BACKTEST_TRIALS,
    seed: Seed = None,
    uncertainty: Uncertainty = True,
    *,
    since: date | None,
    until: date | None,
    cut: Cut,
    fmt: Format,
    columns: list[str] | None,
    now: datetime | None,
) -> None:
    """How often past forecasts held, per window and confidence. Example: orgflow forecast backtest --window 30"""
    with open_from(ctx, read_only=True) as workspace:
        forecasts = workspace.forecasts_at(now)
        series = forecasts.history(cut)
    result = forecasts.backtest(
        series,
        horizon_days=horizon,
        items=items,
        windows=tuple(window or DEFAULT_WINDOWS),
        since=since,
        until=until,
        step_days=step,
        sampling=_sampling(trials, seed, uncertainty),
    )
    _render(result.metric_result(), fmt, columns)
