"""The simulation figures, declared once: fit, backtest, leverage and scenario runs.

`orgflow.simulate.service` computes them and takes their definitions from here. ``orgflow simulate
leverage`` and ``backtest`` are generated from their declarations (`orgflow.cli.generated`): one result
each, their replications behind a progress bar, their run options bounded (`option(..., min=)`). Their
routes are written out beside the simulation pages (`orgflow.web.routes.simulate`: they take a group
and cap a run's size on a shared server). ``calibrate`` (it may write a model file) and ``run`` (it
takes a scenario file) are written out in `orgflow.cli.simulate` (`command=False`,
docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orgflow.registry import Bounded, Figure, option

if TYPE_CHECKING:
    from orgflow.flow.result import MetricResult
    from orgflow.simulate.run_settings import RunSettings
    from orgflow.simulate.service import Simulation

TEAM_HELP = "Only this team (default: every team)."
MODEL_HELP = "A model file from `calibrate --out` (default: calibrate on the last 365 days)."
REPLICATIONS_HELP = "Independent replications."
SEED_HELP = "Seed: the same seed gives the same figures."
HORIZON_HELP = "Simulated days measured (after the warm-up)."
WARMUP_HELP = "Simulated days before measuring (queues fill up)."
PROCESSES_HELP = "Processes running replications."
MIN_REPLICATIONS = 2
"""Fewer replications give no interval: every run takes at least two."""
DEFAULT_HORIZON_DAYS = 365
DEFAULT_WARMUP_DAYS = 90


@dataclass(frozen=True, kw_only=True)
class LeverageOptions(Bounded):
    """Options of the leverage run: how it runs (as a scenario's), then its team and model."""

    replications: int = option(REPLICATIONS_HELP, short="-r", default=20, min=MIN_REPLICATIONS)
    seed: int = option(SEED_HELP, default=1)
    horizon: float = option(HORIZON_HELP, default=DEFAULT_HORIZON_DAYS, min=1)
    warmup: float = option(WARMUP_HELP, default=DEFAULT_WARMUP_DAYS, min=0)
    processes: int = option(PROCESSES_HELP, short="-p", default=1, min=1)
    team: str | None = option(TEAM_HELP, short="-t")
    model: Path | None = option(MODEL_HELP)  # noqa: RUF009 (a field, not a shared default)


@dataclass(frozen=True, kw_only=True)
class BacktestOptions(Bounded):
    """Options of the backtest: its team and split (the service checks 0 < split < 1), then how it runs."""

    team: str | None = option(TEAM_HELP, short="-t")
    split: float = option("Share of the history to calibrate on.", default=0.7)
    replications: int = option(REPLICATIONS_HELP, short="-r", default=10, min=MIN_REPLICATIONS)
    seed: int = option(SEED_HELP, default=1)
    processes: int = option(PROCESSES_HELP, short="-p", default=1, min=1)


def run_settings(options: LeverageOptions | BacktestOptions) -> RunSettings:
    """The engine's run settings of `options` (a backtest runs the default horizon and warm-up)."""
    from orgflow.simulate.run_settings import RunSettings

    return RunSettings(
        replications=options.replications,
        horizon_days=getattr(options, "horizon", DEFAULT_HORIZON_DAYS),
        warmup_days=getattr(options, "warmup", DEFAULT_WARMUP_DAYS),
        seed=options.seed,
        processes=options.processes,
    )


def _leverage(service: Simulation, options: LeverageOptions, /, **shared: Any) -> MetricResult:
    return service.leverage(team=options.team, model=options.model, settings=run_settings(options), **shared)


def _backtest(service: Simulation, options: BacktestOptions, /, **shared: Any) -> MetricResult:
    return service.backtest(team=options.team, split=options.split, settings=run_settings(options), **shared)


def with_notes(result: MetricResult, _options: Any, _columns: Any) -> tuple[MetricResult, list[str]]:
    """Under a table, the result's notes (the teams calibration left out, and why); JSON and CSV carry
    them in the params."""
    return result, list(result.notes)


_COMMAND: dict[str, Any] = {"window": False, "blocks": ("output",), "present": with_notes, "progress": True}
"""How the generated simulation commands run: as of the whole history, output options first, a
progress bar, the result's notes under a table; their routes are written out."""

FIGURES: tuple[Figure, ...] = (
    Figure(
        "simulate-fit",
        "simulate",
        "The calibrated model run over the period it was fitted on, beside what happened: cycle time "
        "p50/p85 (days) and throughput per week per team; relative_error = (predicted - actual) / actual.",
        command=False,
    ),
    Figure(
        "simulate-backtest",
        "simulate",
        "Calibrated on the first share of the history (split), run over the rest and compared with what "
        "happened: cycle time p50/p85 (days) of items finished there, throughput per week; relative_error "
        "= (predicted - actual) / actual.",
        help="Calibrate on the first part of the history, predict the rest. "
        "Example: orgflow simulate backtest --split 0.7",
        options=BacktestOptions,
        build=_backtest,
        verb="backtest",
        generated_route=False,
        **_COMMAND,
    ),
    Figure(
        "simulate-leverage",
        "simulate",
        "Per stage: its share of flow time and the flow time mean and p85 (days) now and with that stage "
        "twice as fast, under common random numbers; p85_change_low/high: 95 % interval of the p85 change. "
        "Null, with unknown_reasons, when the items include a team's without an active stage.",
        help="Each stage twice as fast: flow time now and then. Example: orgflow simulate leverage --team checkout",
        options=LeverageOptions,
        build=_leverage,
        verb="leverage",
        generated_route=False,
        **_COMMAND,
    ),
    Figure(
        "simulate-run",
        "simulate",
        "Scenario against baseline under common random numbers: each figure's mean over replications and "
        "the paired difference (scenario - baseline) with its 95 % interval (difference_low/high). Flow times "
        "of a team without an active stage, and of its group and the organization, are null (unknown_reasons).",
        command=False,
    ),
)
