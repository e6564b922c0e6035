"""`orgflow forecast ...`: when will N items be done, how many by a date, a plan of initiatives, backtests.

Every forecast samples the daily throughput of the chosen cut over the last `--window` days before
`--now` (default: today, or the end of the data's last day when it stops earlier); that day is left out.
Histories and forecasts come from `ws.forecasts_at(now)` (`orgflow.forecast.service`), the path the web
takes too; the workspace is closed before the trials run. Output goes through the same renderer as
`orgflow flow` (table, csv, json). ``when``, ``how-many`` and ``backtest`` are generated from their
declarations (`orgflow.forecast.figures`, `orgflow.cli.generated`); ``plan`` reads the plan from the
file it names, so it is written out here, on the same options.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from orgflow import registry
from orgflow.cli.context import open_from
from orgflow.cli.generated import register, show
from orgflow.cli.option_blocks import OUTPUT, OptionBlock, cut_block, now_block, window_block, with_options
from orgflow.cli.options import day_option
from orgflow.cli.render import Format
from orgflow.forecast.defaults import DEFAULT_TRIALS
from orgflow.forecast.figures import SEED_HELP, TRIALS_HELP, UNCERTAINTY_FLAG, UNCERTAINTY_HELP, WINDOW_HELP

app = typer.Typer(
    help="Forecasts from the teams' own throughput: when, how many, plans of initiatives, backtests.",
    no_args_is_help=True,
)

Window = Annotated[int | None, typer.Option("--window", help=WINDOW_HELP)]
Trials = Annotated[int, typer.Option("--trials", help=TRIALS_HELP)]
Seed = Annotated[int | None, typer.Option("--seed", help=SEED_HELP)]
Uncertainty = Annotated[bool, typer.Option(UNCERTAINTY_FLAG, help=UNCERTAINTY_HELP)]

BLOCKS: dict[str, OptionBlock] = {
    "cut": cut_block("team", "group", "item_type"),
    "window": window_block("First forecast date, YYYY-MM-DD.", "Last forecast date, YYYY-MM-DD."),
    "output": OUTPUT,
    "now": now_block(
        "Forecast as of this date or instant (ISO 8601, UTC if no offset; default: now, or the end of the "
        "data's last day when the data stops earlier)."
    ),
}
"""The shared options of the forecast commands (`orgflow.forecast.figures` names them): --team, --group
and --type (the items whose throughput is sampled, read as one `Cut`); the backtest's --since and
--until (its forecast dates); output; --now."""

START_HELP = (
    "First day of the plan (default: the plan's own start, else the day of --now, or the day after the data's "
    "last day when --now is later)."
)
"""--start's help: `forecast_plan` starts on the day after the teams' history, which ends the day before
--now or with the data's last day, whichever is earlier."""

_FIGURES = registry.figures("forecast")
register(app, _FIGURES[:2], BLOCKS)  # when and how-many, listed before plan


@app.command()
@with_options(BLOCKS["output"], BLOCKS["now"])
def plan(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The plan: a YAML or CSV file of initiatives.")],
    start: Annotated[str | None, typer.Option("--start", help=START_HELP)] = None,
    window: Window = None,
    trials: Trials = DEFAULT_TRIALS,
    seed: Seed = None,
    uncertainty: Uncertainty = True,
    board: Annotated[
        bool,
        typer.Option("--board", help="Print the board (teams x time, dependencies) as JSON, its notes on stderr."),
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
    from orgflow.forecast.service import Sampling

    sampling = Sampling(trials=trials, seed=seed, uncertainty=uncertainty)
    # Calibrated by each team's record of past forecasts.
    result = forecasts.plan(initiatives, series, sampling=sampling, start=day_option(start, "start"))
    if board:
        # The board's JSON keeps its shape; its notes go to stderr, as beside CSV rows.
        sys.stdout.write(json.dumps(result.board(), indent=1) + "\n")
        sys.stdout.flush()
        for note in result.notes():
            sys.stderr.write(f"note: {note}\n")
    else:
        show(result.metric_result(), registry.figure("forecast-plan", "forecast"), fmt, columns, {"seed": seed})


register(app, _FIGURES[2:], BLOCKS)  # backtest, listed after plan
