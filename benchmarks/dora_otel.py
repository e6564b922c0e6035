"""Git import of the opentelemetry-collector export (8,527 commits, 97,725 file changes, 6,694 tags, 176
release tags as deployments) into a fresh workspace, then DORA's full set on it.

Parts, each timed: parsing (``orgflow.sources.git.load``), the store write, the delivery facts (commit
graph read, the walk splitting commits between releases, incident attribution), then every result of
``DeliveryService``. The best of ``--runs`` (default 3) counts for each part; the total is the sum of the
best parts and the best whole run is shown beside it.

    python -m benchmarks.dora_otel [--runs 3] [--folder PATH]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks import SHARED_DATA
from benchmarks.figures import Figures, peak_rss_mb, timed

NAME = "dora_otel"
TARGET_SECONDS = 5.0
DEFAULT_FOLDER = SHARED_DATA / "git"
OPTIONS = {"repo": "opentelemetry-collector", "deploy_tags": r"^v\d+\.\d+\.\d+$", "service": "collector"}
SINCE, UNTIL = date(2020, 7, 1), date(2026, 8, 21)


def one_run(folder: Path) -> tuple[dict[str, float], dict[str, Any]]:
    """Seconds of each part in a new workspace, and what it produced (rows, headline figures)."""
    import orgflow
    from orgflow.sources import git

    directory = Path(tempfile.mkdtemp(prefix="orgflow-dora-"))
    seconds: dict[str, float] = {}
    produced: dict[str, Any] = {}
    try:
        with orgflow.init(directory) as workspace:
            batch, seconds["parse (git.load)"] = timed(
                lambda: git.load([folder], config=workspace.config, options=OPTIONS)
            )
            counts, seconds["store write"] = timed(lambda: workspace.store.write(batch))
            produced["rows written"] = {table: new for table, (new, _c, _u) in counts.by_table.items()}
            produced["deployments by time basis"] = git.summarize(batch).deployments_by_basis
            service = workspace.delivery
            _facts, seconds["delivery facts (graph, walk, attribution)"] = timed(service.facts)
            calls: dict[str, Callable[[], Any]] = {
                "summary by service": lambda: service.summary(since=SINCE, until=UNTIL, bands=True),
                "summary by team": lambda: service.summary(by="team", since=SINCE, until=UNTIL),
                "summary, authored time": lambda: service.summary(since=SINCE, until=UNTIL, commit_time="authored"),
                "deployments": lambda: service.deployments(since=SINCE, until=UNTIL),
                "change lead time (per commit)": lambda: service.lead_time(since=SINCE, until=UNTIL),
                "incidents": lambda: service.incidents(since=SINCE, until=UNTIL),
                "before first deployment": service.before_first_deployment,
                "quality": service.quality,
            }
            for label, call in calls.items():
                result, seconds[label] = timed(call)
                produced[f"rows: {label}"] = result.table.num_rows
                if label == "summary by service":
                    produced["summary"] = result.rows()[0]
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return seconds, produced


def run(*, folder: Path, runs: int) -> Figures:
    """Time `runs` runs; report the best of each part, their sum against the target, and the figures."""
    figures = Figures(NAME, f"git import of the otel export + DORA set (best of {runs})")
    if not (folder / "otel-collector.commits.csv.gz").is_file():
        figures.skip(f"no otel export in {folder} (the shared data pack lives in ../shared/data; or pass --folder)")
        return figures
    started = time.perf_counter()
    import orgflow.delivery.service
    import orgflow.sources.git  # noqa: F401

    figures.seconds("import orgflow's git source and delivery metrics (cold)", time.perf_counter() - started)
    runs_seconds: list[dict[str, float]] = []
    produced: dict[str, Any] = {}
    for _ in range(runs):
        seconds, produced = one_run(folder)
        runs_seconds.append(seconds)
    best = {label: min(run[label] for run in runs_seconds) for label in runs_seconds[0]}
    for label, value in best.items():
        headline = label in ("parse (git.load)", "store write", "delivery facts (graph, walk, attribution)")
        figures.seconds(label, value, headline=headline)
    total = sum(best.values())
    whole = min(sum(run.values()) for run in runs_seconds)
    figures.seconds("total (sum of best parts)", total, f"target <= {TARGET_SECONDS:g} s", headline=True)
    figures.seconds("total (best whole run)", whole)
    for table, rows in produced["rows written"].items():
        figures.add(f"rows written: {table}", rows, "rows")
    summary = produced["summary"]
    for key in (
        "deployments",
        "deploys_per_week",
        "deploy_days_per_week_median",
        "changes",
        "lead_time_p50_hours",
        "lead_time_p85_hours",
        "commits_before_first_deployment",
    ):
        figures.add(f"collector: {key}", summary[key], "", headline=key in ("deployments", "lead_time_p50_hours"))
    figures.add("peak RSS", peak_rss_mb(), "MB")
    figures.details["runs"] = runs_seconds
    figures.details["deployments by time basis"] = produced["deployments by time basis"]
    figures.details["rows"] = {key: value for key, value in produced.items() if key.startswith("rows: ")}
    figures.details["folder"] = str(folder)
    return figures


def main(argv: list[str] | None = None) -> Figures:
    """Parse arguments, run, print the figures and save them to benchmarks/out/dora_otel.json."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dora_otel", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (default 3)")
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER, help=f"default {DEFAULT_FOLDER}")
    arguments = parser.parse_args(argv)
    figures = run(folder=arguments.folder, runs=arguments.runs)
    print(figures.render())
    print(f"   -> {figures.save()}")
    return figures


if __name__ == "__main__":
    main()
