"""`orgflow simulate ...`: calibrate a model of the delivery system, run scenarios, leverage, backtests.

``leverage`` and ``backtest`` are generated from their declarations (`orgflow.simulate.figures`,
`orgflow.cli.generated`); ``calibrate`` (it may write a model file) and ``run`` (it takes a scenario
file) are written out here. Light to import (numpy and the engine load inside the commands). Progress
goes to stderr, so JSON and CSV on stdout stay clean. Docs: docs/simulation.md.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from orgflow import registry
from orgflow.cli.context import open_from, require_workspace
from orgflow.cli.generated import register
from orgflow.cli.option_blocks import OUTPUT, OptionBlock, parameter, window_block, with_options
from orgflow.cli.progress import progress_bar
from orgflow.cli.render import Format, console, render
from orgflow.simulate.figures import (
    DEFAULT_HORIZON_DAYS,
    DEFAULT_WARMUP_DAYS,
    HORIZON_HELP,
    MIN_REPLICATIONS,
    MODEL_HELP,
    PROCESSES_HELP,
    REPLICATIONS_HELP,
    SEED_HELP,
    TEAM_HELP,
    WARMUP_HELP,
)
from orgflow.simulate.run_settings import RunSettings

if TYPE_CHECKING:
    from orgflow.flow.service import MetricResult
    from orgflow.simulate.service import Simulation

app = typer.Typer(
    help="What if we change the organization? A simulation calibrated on the workspace's own history.",
    no_args_is_help=True,
)

Team = Annotated[str | None, typer.Option("--team", "-t", help=TEAM_HELP)]
Model = Annotated[Path | None, typer.Option("--model", help=MODEL_HELP)]
Replications = Annotated[int, typer.Option("--replications", "-r", min=MIN_REPLICATIONS, help=REPLICATIONS_HELP)]
Seed = Annotated[int, typer.Option("--seed", help=SEED_HELP)]
Horizon = Annotated[float, typer.Option("--horizon", min=1, help=HORIZON_HELP)]
Warmup = Annotated[float, typer.Option("--warmup", min=0, help=WARMUP_HELP)]
Processes = Annotated[int, typer.Option("--processes", "-p", min=1, help=PROCESSES_HELP)]
HISTORY = window_block("First day of history used (YYYY-MM-DD).", "Day after the last one used (YYYY-MM-DD).")
"""--since and --until of `calibrate`: the days of history the model is fitted to."""


def _settings(replications: int, seed: int, horizon: float, warmup: float, processes: int) -> RunSettings:
    return RunSettings(
        replications=replications, horizon_days=horizon, warmup_days=warmup, seed=seed, processes=processes
    )


RUN_SETTINGS = OptionBlock(
    (
        parameter("replications", Replications, 20),
        parameter("seed", Seed, 1),
        parameter("horizon", Horizon, DEFAULT_HORIZON_DAYS),
        parameter("warmup", Warmup, DEFAULT_WARMUP_DAYS),
        parameter("processes", Processes, 1),
    ),
    lambda values: {"settings": _settings(**values)},
    gives=("settings",),
)
"""--replications, --seed, --horizon, --warmup and --processes of a scenario run, read as one
`RunSettings` (`settings`); ``leverage`` declares the same options (`orgflow.simulate.figures`)."""
BLOCKS: dict[str, OptionBlock] = {"output": OUTPUT}
"""The shared options of the generated simulate commands (`orgflow.simulate.figures` names them)."""


def _simulate(
    ctx: typer.Context,
    fmt: Format,
    columns: list[str] | None,
    call: Callable[[Simulation, Any], MetricResult],
    *,
    limit: int | None = 200,
) -> None:
    """Open the workspace read-only, run `call(ws.simulate, on_progress)` under a progress bar, render."""
    with open_from(ctx, read_only=True) as workspace, progress_bar() as progress:
        result = call(workspace.simulate, progress)
    render(result, fmt, columns=columns, limit=limit)  # with its notes (the teams calibration left out, and why)


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
    require_workspace(ctx)  # said before the model's libraries load
    from orgflow.simulate.model_file import dump_network, write_network

    if out is not None:
        from orgflow.output_file import check_output_file

        check_output_file(out, field="out")  # said before the calibration, not after it
    settings = _settings(replications, seed, DEFAULT_HORIZON_DAYS, DEFAULT_WARMUP_DAYS, 1)
    with open_from(ctx, read_only=True) as workspace, progress_bar() as progress:
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
    settings: RunSettings,
) -> None:
    """A scenario against its baseline, with 95 % intervals. Example: orgflow simulate run scenario.yaml"""
    require_workspace(ctx)  # said before the model's libraries load, as are missing files
    from orgflow.simulate.yaml_source import check_input_file

    for path in (scenario, model):
        if path is not None:
            check_input_file(path)
    _simulate(
        ctx,
        fmt,
        columns,
        lambda simulate, progress: simulate.run(scenario, model=model, settings=settings, on_progress=progress),
        limit=None,
    )


register(app, [registry.figure(name, "simulate") for name in ("simulate-leverage", "simulate-backtest")], BLOCKS)
