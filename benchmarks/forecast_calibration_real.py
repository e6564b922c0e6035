"""Coverage of plain and calibrated forecasts on the real histories: Apache Jira AMQ and ZOOKEEPER
(resolved per day) and Kubernetes KEPs implemented; "how many in 30 days" and "when will N be done"
(N = about 30 days of mean throughput: AMQ 17, ZOOKEEPER 8, KEPs 3), windows 30/60/90 days, a forecast
every 7 days, seed 1 (`--seed 2`: the held-out seed); each forecast has the trials of a live one
(10,000) and its record the live record's (`RECORD_TRIALS`). The average over the windows with at
least 30 calibrated forecasts is added per question and confidence. A few minutes.

    python -m benchmarks.forecast_calibration_real [--block-days 7] [--trials 10000] [--seed 1]
"""

from __future__ import annotations

import argparse

from benchmarks.figures import Figures, timed
from benchmarks.forecast_backtest_real import JIRA, KEP, real_histories
from orgflow.forecast.backtest import backtest
from orgflow.forecast.history import ThroughputSeries

NAME = "forecast_calibration_real"
ITEMS = {"AMQ": 17, "ZOOKEEPER": 8, "KEP": 3}


def judge(
    figures: Figures, label: str, series: ThroughputSeries, items: int, block_days: float, trials: int, seed: int
) -> None:
    """Backtest both questions; add plain and calibrated P85/P95 coverage per window, and their average."""
    for question, kwargs in (("how many in 30 days", {"horizon_days": 30}), (f"when {items}", {"items": items})):
        result, seconds = timed(
            lambda kwargs=kwargs: backtest(
                series, windows=(30, 60, 90), step_days=7, trials=trials, seed=seed, block_days=block_days, **kwargs
            )
        )
        for row in result.rows:
            if row["confidence"] in (85, 95):
                figures.add(
                    f"{label}, {question}, {row['window_days']}-day window, P{row['confidence']:g}",
                    row["calibrated_coverage"],
                    "",
                    f"plain {row['coverage']} ({row['forecasts']} forecasts); calibrated "
                    f"{row['calibrated_forecasts']} forecasts, {row['calibrated_verdict']}",
                    headline=True,
                )
        for confidence in (85, 95):
            judged = [
                row["calibrated_coverage"]
                for row in result.rows
                if row["confidence"] == confidence and row["calibrated_forecasts"] >= 30
            ]
            average = round(sum(judged) / len(judged), 4) if judged else None
            figures.add(f"{label}, {question}, P{confidence} average over the windows", average, "", "")
        figures.seconds(f"{label}, {question}: backtest time", seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--block-days", type=float, default=7.0)
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args(argv)
    name = NAME if options.seed == 1 else f"{NAME}-seed{options.seed}"
    figures = Figures(name, f"Forecast coverage on real data, plain and calibrated (seed {options.seed})")
    if not JIRA.exists() or not KEP.exists():
        figures.skip("the shared real-data pack is not beside the project")
        print(figures.render())
        return 0
    for name, series in real_histories():
        label = "KEPs" if name == "KEP" else f"Jira {name}"
        judge(figures, label, series, ITEMS[name], options.block_days, options.trials, options.seed)
    print(figures.render())
    figures.save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
