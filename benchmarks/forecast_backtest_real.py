"""Backtests on the real data: Apache Jira (AMQ, ZOOKEEPER) resolved per day, and Kubernetes KEPs implemented.

Each source is imported into a temporary workspace; the daily throughput series runs from the first
item to the last finish (forecasts "as of" the day after it). Forecasts are made every `--step` days
with only the history before that day, and coverage is reported per window and confidence, with
parameter uncertainty on and off: the plain Monte Carlo (runs of days as live forecasts replay them,
`--block-days 1` for independent days), without the calibration step, which
`benchmarks.forecast_calibration_real` judges. About a minute.

    python -m benchmarks.forecast_backtest_real [--step 7] [--trials 2000]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import orgflow
from benchmarks import PROJECT_ROOT, SHARED_DATA
from benchmarks.figures import Figures, timed
from orgflow.forecast import backtest, series_from
from orgflow.forecast.history import ThroughputSeries
from orgflow.forecast.montecarlo import BLOCK_DAYS
from orgflow.query.window import Cut
from orgflow.workspace import Workspace

NAME = "forecast_backtest_real"
JIRA = SHARED_DATA / "jira" / "apache-amq-zookeeper.jsonl.gz"
KEP = SHARED_DATA / "kep" / "kubernetes-kep-transitions.csv"
KEP_OPTIONS = {
    "map": {
        "kep_id": "item_id",
        "timestamp_iso": "timestamp",
        "from_value": "from_status",
        "to_value": "to_status",
        "owning_sig": "team",
    },
    "where": {"field": "status"},
    "source": "kep",
}
PLANS = {
    "AMQ": ("Jira AMQ, 30 days ahead", 30, (30, 60, 90)),
    "ZOOKEEPER": ("Jira ZOOKEEPER, 30 days ahead", 30, (30, 60, 90)),
    "KEP": ("KEPs implemented, 90 days ahead", 90, (90, 180, 365)),
}
"""Per history: its label, the horizon (days) and the windows (days) backtested."""


def series_to_last_finish(workspace: Workspace, cut: Cut) -> ThroughputSeries:
    """Items finished per day from the first item of the cut to its last finish (inclusive)."""
    last = workspace.flow.items_table(cut).finished_at.max().to_pyarrow().as_py()
    now = datetime.combine(last.date() + timedelta(days=1), time(0), tzinfo=UTC)
    return series_from(workspace.flow_at(now), cut, window_days=None)


def real_histories() -> Iterator[tuple[str, ThroughputSeries]]:
    """("AMQ", series), ("ZOOKEEPER", series) (Jira, resolved per day), then ("KEP", series) (KEPs
    implemented), each series to its last finish; the workspaces live in a temporary folder, removed
    at the end."""
    directory = Path(tempfile.mkdtemp(prefix="orgflow-forecast-"))
    try:
        with orgflow.init(directory / "jira") as workspace:
            workspace.import_files("jira", [JIRA], options={})
            for project in ("AMQ", "ZOOKEEPER"):
                yield project, series_to_last_finish(workspace, Cut(project=project))
        kep_dir = directory / "kep"
        kep_dir.mkdir()
        shutil.copy(PROJECT_ROOT / "examples" / "kep-orgflow.yaml", kep_dir / "orgflow.yaml")
        with orgflow.init(kep_dir) as workspace:
            workspace.import_files("transitions", [KEP], options=KEP_OPTIONS)
            yield "KEP", series_to_last_finish(workspace, Cut())
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def run(
    figures: Figures,
    label: str,
    series: ThroughputSeries,
    *,
    horizon: int,
    windows: tuple[int, ...],
    step: int,
    trials: int,
    block_days: float,
) -> None:
    """Backtest one series with and without parameter uncertainty; add its P85 coverage figures."""
    figures.add(
        f"{label}: history",
        f"{series.first_day} to {series.end_day - timedelta(days=1)}",
        "",
        f"{series.items} finished, {series.days} days",
    )
    details = figures.details.setdefault(label, {})
    for uncertainty in (True, False):
        result, seconds = timed(
            lambda uncertainty=uncertainty: backtest(
                series,
                horizon_days=horizon,
                windows=windows,
                step_days=step,
                trials=trials,
                seed=1,
                uncertainty=uncertainty,
                block_days=block_days,
                calibrated=False,
            )
        )
        mode = "uncertainty" if uncertainty else "plain"
        details[mode] = result.rows
        for window in windows:
            row = next(r for r in result.rows if r["window_days"] == window and r["confidence"] == 85)
            others = {r["confidence"]: r["coverage"] for r in result.rows if r["window_days"] == window}
            figures.add(
                f"{label}: P85 coverage, {window}-day window, {mode}",
                row["coverage"],
                "",
                f"{row['forecasts']} forecasts; P50 {others[50]}, P70 {others[70]}, P95 {others[95]}; {row['verdict']}",
                headline=uncertainty,
            )
        figures.seconds(f"{label}: backtest time, {mode}", seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", type=int, default=7)
    parser.add_argument("--trials", type=int, default=2_000)
    parser.add_argument("--block-days", type=float, default=BLOCK_DAYS)
    options = parser.parse_args(argv)
    figures = Figures(NAME, "Forecast backtests on real data: Apache Jira resolved per day, Kubernetes KEPs")
    if not JIRA.exists() or not KEP.exists():
        figures.skip("the shared real-data pack is not beside the project")
        print(figures.render())
        figures.save()
        return 0
    for name, series in real_histories():
        label, horizon, windows = PLANS[name]
        run(
            figures,
            label,
            series,
            horizon=horizon,
            windows=windows,
            step=options.step,
            trials=options.trials,
            block_days=options.block_days,
        )
    print(figures.render())
    figures.save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
