"""`orgflow simulate ...`: calibrate a model of the delivery system, run scenarios, leverage, backtests.

Light to import (numpy and the engine load inside the commands). Progress goes to stderr, so JSON and
CSV on stdout stay clean. Docs: docs/simulation.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from orgflow.cli.context import open_from
from orgflow.cli.option_blocks import OUTPUT, OptionBlock, parameter, window_block, with_options
from orgflow.cli.render import Format, console, error_console, render

if TYPE_CHECKING:
    from orgflow.flow.service import MetricResult
    from orgflow.simulate.replicate import RunSettings
    from orgflow.simulate.service import Simulation

app = typer.Typer(
    help="What if we change the organization? A simulation calibrated on the workspace's own history.",
    no_args_is_help=True,
)

Team = Annotated[str | None, typer.Option("--team", "-t", help="Only this team (default: every team).")]
Model = Annotated[
    Path | None,
    typer.Option("--model", help="A model file from `calibrate --out` (default: calibrate on the last 365 days)."),
]
Replications = Annotated[int, typer.Option("--replications", "-r", min=2, help="Independent replications.")]
Seed = Annotated[int, typer.Option("--seed", help="Seed: the same seed gives the same figures.")]
Horizon = Annotated[float, typer.Option("--horizon", min=1, help="Simulated days measured (after the warm-up).")]
Warmup = Annotated[float, typer.Option("--warmup", min=0, help="Simulated days before measuring (queues fill up).")]
Processes = Annotated[int, typer.Option("--processes", "-p", min=1, help="Processes running replications.")]
HISTORY = window_block("First day of history used (YYYY-MM-DD).", "Day after the last one used (YYYY-MM-DD).")
"""--since and --until of `calibrate`: the days of history the model is fitted to."""


def _settings(replications: int, seed: int, horizon: float, warmup: float, processes: int) -> RunSettings:
    from orgflow.simulate.replicate import RunSettings

    return RunSettings(
        replications=replications, horizon_days=horizon, warmup_days=warmup, seed=seed, processes=processes
    )


RUN_SETTINGS = OptionBlock(
    (
        parameter("replications", Replications, 20),
        parameter("seed", Seed, 1),
        parameter("horizon", Horizon, 365),
        parameter("warmup", Warmup, 90),
        parameter("processes", Processes, 1),
    ),
    lambda values: {"settings": _settings(**values)},
    gives=("settings",),
)
"""--replications, --seed, --horizon, --warmup and --processes of a scenario or leverage run, read as one
`RunSettings` (`settings`)."""


@contextmanager
def _progress(fmt: Format) -> Iterator[Any]:
    """A progress callback drawing a bar on stderr (a terminal only; silent otherwise)."""
    if not error_console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=error_console) as bar:
        task = bar.add_task("simulating", total=1)

        def update(done: int, total: int, what: str) -> None:
            bar.update(task, completed=done, total=max(total, 1), description=f"simulating: {what}")

        yield update


def _simulate(
    ctx: typer.Context,
    fmt: Format,
    columns: list[str] | None,
    call: Callable[[Simulation, Any], MetricResult],
    *,
    limit: int | None = 200,
) -> None:
    """Open the workspace read-only, run `call(ws.simulate, on_progress)` under a progress bar, render."""
    with open_from(ctx, read_only=True) as workspace, _progress(fmt) as progress:
        result = call(workspace.simulate, progress)
    render(result, fmt, columns=columns, limit=limit)


@app.command()
@with_options(HISTORY, OUTPUT)
def calibrate(
    ctx: typer.Context,
    team: Team = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the model here (YAML, editable).")] = None,
    replications: Replications = 10,
    seed: Seed = 1,
    *,
    since: date | None,
    until: date | None,
    fmt: Format,
    columns: list[str] | None,
) -> None:
    """Fit a model to the history and show its fit there. Example: orgflow simulate calibrate --out model.yaml"""
    from orgflow.simulate.model_file import dump_network, write_network

    settings = _settings(replications, seed, 365, 90, 1)
    with open_from(ctx, read_only=True) as workspace, _progress(fmt) as progress:
        calibration = workspace.simulate.calibrate(
            team=team,
            since=since,
            until=until,
            settings=settings,
            on_progress=progress,
        )
    header = (
        f"orgflow simulation model, calibrated on {calibration.network.notes.get('since')} to "
        f"{calibration.network.notes.get('until')} (docs/simulation.md). Edit freely; "
        "`orgflow simulate run SCENARIO.yaml --model THIS_FILE` runs scenarios on it."
    )
    if out is not None:
        write_network(calibration.network, out, header=header)
        if fmt is Format.table:
            console.print(f"model written to {out}", highlight=False)
    elif fmt is Format.table:
        console.print(dump_network(calibration.network, header=header), markup=False, highlight=False)
    if calibration.fit is not None:
        render(calibration.fit, fmt, columns=columns)


@app.command()
@with_options(OUTPUT, RUN_SETTINGS)
def run(
    ctx: typer.Context,
    scenario: Annotated[Path, typer.Argument(help="The scenario: a YAML file of changes.")],
    model: Model = None,
    *,
    fmt: Format,
    columns: list[str] | None,
    settings: Any,  # RunSettings (loaded with the engine)
) -> None:
    """A scenario against its baseline, with 95 % intervals. Example: orgflow simulate run scenario.yaml"""
    _simulate(
        ctx,
        fmt,
        columns,
        lambda simulate, progress: simulate.run(scenario, model=model, settings=settings, on_progress=progress),
        limit=None,
    )


@app.command()
@with_options(OUTPUT, RUN_SETTINGS)
def leverage(
    ctx: typer.Context,
    team: Team = None,
    model: Model = None,
    *,
    fmt: Format,
    columns: list[str] | None,
    settings: Any,  # RunSettings (loaded with the engine)
) -> None:
    """Each stage twice as fast: flow time now and then. Example: orgflow simulate leverage --team checkout"""
    _simulate(
        ctx,
        fmt,
        columns,
        lambda simulate, progress: simulate.leverage(team=team, model=model, settings=settings, on_progress=progress),
    )


@app.command()
@with_options(OUTPUT)
def backtest(
    ctx: typer.Context,
    team: Team = None,
    split: Annotated[float, typer.Option("--split", help="Share of the history to calibrate on.")] = 0.7,
    replications: Replications = 10,
    seed: Seed = 1,
    processes: Processes = 1,
    *,
    fmt: Format,
    columns: list[str] | None,
) -> None:
    """Calibrate on the first part of the history, predict the rest. Example: orgflow simulate backtest --split 0.7"""
    settings = _settings(replications, seed, 365, 90, processes)
    _simulate(
        ctx,
        fmt,
        columns,
        lambda simulate, progress: simulate.backtest(team=team, split=split, settings=settings, on_progress=progress),
    )
