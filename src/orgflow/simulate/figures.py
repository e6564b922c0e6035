"""The simulation figures, declared once: fit, backtest, leverage and scenario runs.

`orgflow.simulate.service` computes them and takes their definitions from here.
"""

from __future__ import annotations

from orgflow.registry import Figure

FIGURES: tuple[Figure, ...] = (
    Figure(
        "simulate-fit",
        "simulate",
        "The calibrated model run over the period it was fitted on, beside what happened: cycle time "
        "p50/p85 (days) and throughput per week per team; relative_error = (predicted - actual) / actual.",
    ),
    Figure(
        "simulate-backtest",
        "simulate",
        "Calibrated on the first share of the history (split), run over the rest and compared with what "
        "happened: cycle time p50/p85 (days) of items finished there, throughput per week; relative_error "
        "= (predicted - actual) / actual.",
    ),
    Figure(
        "simulate-leverage",
        "simulate",
        "Per stage: its share of flow time and the flow time mean and p85 (days) now and with that stage "
        "twice as fast, under common random numbers; p85_change_low/high: 95 % interval of the p85 change.",
    ),
    Figure(
        "simulate-run",
        "simulate",
        "Scenario against baseline under common random numbers: each figure's mean over replications and "
        "the paired difference (scenario - baseline) with its 95 % interval (difference_low/high).",
    ),
)
