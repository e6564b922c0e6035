"""orgflow against jira-agile-metrics 0.24 (the "jam" peer) on its 20,000-item synthetic set.

The peer harness (/work/shared/peers/jam/README.md) ran jira-agile-metrics on the set and converted
the same items to orgflow's transitions CSV; its outputs live in one folder (``--jam-out``, default
/work/jam-out/20k): synthetic.transitions.csv, jam_cfd.csv and jam_timings.json. This benchmark

1. times orgflow on the CSV: Python imports, ``ws.import_files("transitions", ...)`` (and, in a second
   workspace, the same import split into parse and store write), then the complete flow set on the
   freshly opened workspace;
2. sets those seconds against the peer's recorded timings (another process and virtual environment:
   jira-agile-metrics needs pandas<2, so it cannot run in this one; it is single-threaded);
3. compares orgflow's CFD with jam_cfd.csv cell by cell (day x stage), with `now` after the last
   transition and with the peer's own ``--now``, and does the same for the small example set
   (``--example``, default /work/jam-out/example), where the two tools differ only in time zones: the
   peer takes the wall-clock date of each timestamp's own offset, orgflow the UTC date.

The workspaces use the peer's workflow (written to orgflow.yaml), not orgflow's default one.

    python -m benchmarks.jam_20k [--jam-out DIR] [--example DIR]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.figures import Figures, timed
from benchmarks.flow_set import FlowSetTimings, run_flow_set
from benchmarks.jam_peer import (
    PEER_WORKFLOW_YAML,
    CfdComparison,
    PeerRun,
    compare_cfd,
    orgflow_cfd_cells,
    read_peer_run,
    render_differences,
    shifted_changes,
)

if TYPE_CHECKING:
    from orgflow.workspace import Workspace

NAME = "jam_20k"
REPEATS = 5
DEFAULT_JAM_OUT = Path("/work/jam-out/20k")
DEFAULT_EXAMPLE = Path("/work/jam-out/example")


def _new_workspace(prefix: str) -> tuple[Path, Workspace, float]:
    """A temporary folder with the peer's workflow in orgflow.yaml, and the workspace made in it."""
    import orgflow

    directory = Path(tempfile.mkdtemp(prefix=prefix))
    (directory / "orgflow.yaml").write_text(PEER_WORKFLOW_YAML, encoding="utf-8")
    workspace, seconds = timed(lambda: orgflow.init(directory))
    return directory, workspace, seconds


def _now_after_last_change(workspace: Workspace, peer_days: list[date]) -> datetime:
    """Midnight UTC after both the last transition and the peer's last CFD day."""
    last_change = workspace.store.connection.execute("SELECT max(changed_at) FROM status_transitions").fetchone()[0]
    last_day = max(last_change.date(), max(peer_days))
    return datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)


def _compare_with_peer_now(workspace: Workspace, peer: PeerRun) -> CfdComparison | None:
    """The CFD as of the peer's `--now` (midnight UTC starting that day) against the peer's CFD."""
    if peer.now is None:
        return None
    now = datetime.combine(peer.now, datetime.min.time(), tzinfo=UTC)
    result = workspace.flow_at(now).cfd(since=min(peer.days), until=max(peer.days))
    return compare_cfd(f"now = peer --now {peer.now}", now, peer.cfd, orgflow_cfd_cells(result))


def _add_comparison(figures: Figures, comparison: CfdComparison, prefix: str) -> None:
    figures.add(f"{prefix}: cells compared ({comparison.label})", comparison.cells, "cells")
    parts = []
    if comparison.missing:
        parts.append(f"{comparison.missing:,} on days after now")
    if comparison.on_now_day:
        parts.append(f"{comparison.on_now_day:,} on now's own day")
    rest = len(comparison.differing) - comparison.missing - comparison.on_now_day
    if parts and rest:
        parts.append(f"{rest:,} before it")
    note = ", ".join(parts)
    figures.add(
        f"{prefix}: cells differing ({comparison.label})", len(comparison.differing), "cells", note, headline=True
    )


def _run_20k(figures: Figures, peer: PeerRun, startup_seconds: float, *, fresh: bool) -> list[str]:
    """Time orgflow on the 20k set, set it against the peer's timings and compare the CFDs."""
    directory, workspace, init_seconds = _new_workspace("orgflow-jam-20k-")
    try:
        counts, import_seconds = timed(lambda: workspace.import_files("transitions", [peer.transitions_csv]))
        workspace.close()
        figures.add("items imported", counts.by_table["work_items"][0], "rows")
        figures.add("transitions imported", counts.by_table["status_transitions"][0], "rows")
        figures.seconds(
            "startup (import orgflow, ibis)", startup_seconds, "fresh process" if fresh else "already imported: 0"
        )
        figures.seconds("init workspace", init_seconds)
        figures.seconds("import CSV (ws.import_files)", import_seconds, headline=True)
        parse_seconds, write_seconds = _split_import(peer.transitions_csv)
        figures.seconds("  split: parse (transitions_csv.load)", parse_seconds, "second fresh workspace")
        figures.seconds("  split: store write (ws.store.write)", write_seconds, "second fresh workspace")

        import orgflow

        workspace, open_seconds = timed(lambda: orgflow.open(directory))
        with workspace:
            now = _now_after_last_change(workspace, peer.days)
            service = workspace.flow_at(now)
            figures.seconds("open workspace", open_seconds)
            _, connect_seconds = timed(lambda: workspace.ibis)
            figures.seconds("connect Ibis backend", connect_seconds)
            flow = run_flow_set(service, cfd_since=min(peer.days), cfd_until=max(peer.days))
            flow.add_to(figures)
            _add_speedups(
                figures, peer, flow, startup_seconds + init_seconds + import_seconds + open_seconds + connect_seconds
            )
            _add_repeats(figures, peer, workspace, now, min(peer.days), max(peer.days))
            after = compare_cfd("now after the last change", now, peer.cfd, orgflow_cfd_cells(flow.results["cfd"]))
            at_peer_now = _compare_with_peer_now(workspace, peer)
        figures.details["flow_set"] = flow.as_details()
        figures.details["cfd_20k"] = [c.as_details() for c in (after, at_peer_now) if c is not None]
        _add_comparison(figures, after, "CFD 20k")
        lines = render_differences(after)
        if at_peer_now is not None:
            _add_comparison(figures, at_peer_now, "CFD 20k")
            lines += render_differences(at_peer_now)
        return lines
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _add_repeats(
    figures: Figures, peer: PeerRun, workspace: Workspace, now: datetime, since: date, until: date
) -> None:
    """The flow set again, REPEATS times, each on a fresh service: the queries the first run compiled
    are kept by the workspace (`Workspace.compiled_queries`), so each run only prepares and executes.
    The median says what a run costs once the process is warm, and the spread how much this machine's
    load moves a sub-second figure. Then REPEATS times with facts each service builds for `now` (the
    path without stored facts: its temporary tables are the service's own, so it compiles every query
    again), for the ratio in the same process."""
    from orgflow.flow.service import FlowService

    totals = []
    for _ in range(REPEATS):
        run = run_flow_set(workspace.flow_at(now), cfd_since=since, cfd_until=until)
        totals.append(run.total_seconds)
    median = statistics.median(totals)
    built = [
        run_flow_set(
            FlowService(workspace, now=now, stored_facts=False), cfd_since=since, cfd_until=until
        ).total_seconds
        for _ in range(REPEATS)
    ]
    figures.seconds(
        f"flow set total, facts built for now (stored_facts=False), median of {REPEATS}",
        statistics.median(built),
        f"min {min(built):.3f} s, max {max(built):.3f} s",
    )
    figures.seconds(
        f"flow set total, median of {REPEATS} more runs", median, f"min {min(totals):.3f} s, max {max(totals):.3f} s"
    )
    figures.ratio(
        "speed-up: all calculators / median flow set total",
        peer.calculators_seconds,
        median,
        "recorded peer run",
        headline=True,
    )


def _split_import(transitions_csv: Path) -> tuple[float, float]:
    """Seconds of parsing the CSV and of writing the batch, in a second fresh workspace."""
    from orgflow.sources import transitions_csv as transitions_source

    directory, workspace, _ = _new_workspace("orgflow-jam-split-")
    try:
        with workspace:
            batch, parse_seconds = timed(
                lambda: transitions_source.load([transitions_csv], config=workspace.config, options={})
            )
            _, write_seconds = timed(lambda: workspace.store.write(batch))
        return parse_seconds, write_seconds
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _add_speedups(figures: Figures, peer: PeerRun, flow: FlowSetTimings, setup_seconds: float) -> None:
    """Peer seconds / orgflow seconds for matching pieces of work (>1: orgflow is faster)."""
    cycle_time = flow.preparation_seconds + next(m.seconds for m in flow.metrics if m.label == "cycle time")
    peer_cycle = peer.timings.get("run_CycleTimeCalculator_s")
    if peer_cycle:
        figures.seconds("peer: CycleTimeCalculator", peer_cycle, "recorded")
        figures.ratio(
            "speed-up: CycleTimeCalculator / (prepare + cycle time)", peer_cycle, cycle_time, "recorded peer run"
        )
    figures.seconds("peer: all calculators (sum of run_*)", peer.calculators_seconds, "recorded")
    figures.ratio(
        "speed-up: all calculators / flow set total",
        peer.calculators_seconds,
        flow.total_seconds,
        "recorded peer run",
        headline=True,
    )
    peer_total = peer.timings.get("total_s")
    if peer_total:
        figures.seconds("peer: whole run in-process (total_s)", peer_total, "inputs + calculators + CSV writing")
        figures.ratio(
            "speed-up: total_s / (import + flow set)",
            peer_total,
            setup_seconds + flow.total_seconds,
            "orgflow: startup, init, import, open, flow set",
            headline=True,
        )
    if peer.wall_seconds:
        figures.seconds("peer: wall clock", peer.wall_seconds, "incl. generating the set, imports")
        figures.ratio(
            "speed-up: wall / orgflow end to end",
            peer.wall_seconds,
            setup_seconds + flow.total_seconds,
            "orgflow: startup, init, import, open, flow set",
        )


def _run_example(figures: Figures, example: PeerRun) -> list[str]:
    """Compare orgflow's CFD with the peer's on the small example; explain each differing cell."""
    directory, workspace, _ = _new_workspace("orgflow-jam-example-")
    try:
        with workspace:
            workspace.import_files("transitions", [example.transitions_csv])
            now = _now_after_last_change(workspace, example.days)
            result = workspace.flow_at(now).cfd(since=min(example.days), until=max(example.days))
        comparison = compare_cfd("now after the last change", now, example.cfd, orgflow_cfd_cells(result))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    shifted = shifted_changes(example.transitions_csv)
    unexplained = [
        cell for cell in comparison.differing if not any(change.explains(cell[0], cell[1]) for change in shifted)
    ]
    _add_comparison(figures, comparison, "CFD example")
    figures.add("CFD example: differing cells not explained by time zones", len(unexplained), "cells", headline=True)
    figures.details["cfd_example"] = comparison.as_details()
    figures.details["cfd_example"]["shifted_changes"] = [
        {
            "item_id": change.item_id,
            "timestamp": change.timestamp,
            "to_status": change.to_status,
            "stage": change.stage,
            "peer_date": change.wall_date.isoformat(),
            "utc_date": change.utc_date.isoformat(),
        }
        for change in shifted
    ]
    lines = ["   example: changes whose wall-clock date is not their UTC date:"]
    lines += [
        f"     {change.item_id} -> {change.to_status} at {change.timestamp}: peer {change.wall_date}, "
        f"orgflow {change.utc_date}"
        for change in shifted
    ]
    return lines + render_differences(comparison, shifted)


def run(*, jam_out: Path, example: Path) -> tuple[Figures, list[str]]:
    """Run the 20k timing and comparison and the example comparison; returns figures and extra lines."""
    figures = Figures(NAME, "orgflow vs jira-agile-metrics 0.24, 20,000 synthetic items")
    peer = read_peer_run(jam_out, "synthetic.transitions.csv")
    if peer is None:
        figures.skip(
            f"no peer output in {jam_out} (needs synthetic.transitions.csv, jam_cfd.csv, jam_timings.json); "
            "run the harness in /work/shared/peers/jam/README.md or pass --jam-out DIR"
        )
        return figures, []
    # The imports are timed because the peer's wall clock includes its own (pandas, jira-agile-metrics).
    fresh = "ibis" not in sys.modules
    started = time.perf_counter()
    import orgflow.flow.service  # noqa: F401

    startup_seconds = time.perf_counter() - started if fresh else 0.0
    lines = _run_20k(figures, peer, startup_seconds, fresh=fresh)
    figures.details["peer"] = {
        "folder": str(peer.folder),
        "now": peer.now.isoformat() if peer.now else None,
        "wall_seconds": peer.wall_seconds,
        "timings": peer.timings,
        "days": [min(peer.days).isoformat(), max(peer.days).isoformat()],
    }
    example_run = read_peer_run(example, "example.transitions.csv")
    if example_run is None:
        lines.append(f"   example comparison skipped: no peer output in {example}")
    else:
        lines += _run_example(figures, example_run)
    return figures, lines


def main(argv: list[str] | None = None) -> Figures:
    """Parse arguments, run, print the figures and save them to benchmarks/out/jam_20k.json."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.jam_20k", description=__doc__.splitlines()[0])
    parser.add_argument("--jam-out", type=Path, default=DEFAULT_JAM_OUT, help=f"default {DEFAULT_JAM_OUT}")
    parser.add_argument("--example", type=Path, default=DEFAULT_EXAMPLE, help=f"default {DEFAULT_EXAMPLE}")
    arguments = parser.parse_args(argv)
    figures, lines = run(jam_out=arguments.jam_out, example=arguments.example)
    print(figures.render())
    for line in lines:
        print(line)
    print(f"   -> {figures.save()}")
    return figures


if __name__ == "__main__":
    main()
