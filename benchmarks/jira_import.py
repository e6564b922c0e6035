"""Import of the Apache Jira export (6,476 issues, AMQ and ZOOKEEPER) into a fresh workspace.

Three runs, each in a new workspace: the whole import through ``ws.import_files("jira", ...)`` (the
records built in the store's own connection, `orgflow.sources.jira_staged`, when the export is one it
vouches for), then the row-by-row reader's import split into parsing (``orgflow.sources.jira.load``) and
the store write (``ws.store.write``). The best run of each counts. Baseline (same process, same runs): reading the
file with no orgflow at all, gunzip plus ``orjson.loads`` of every line, the floor of any parser.

    python -m benchmarks.jira_import [--runs 3] [--file PATH]
"""

from __future__ import annotations

import argparse
import gzip
import shutil
import tempfile
from pathlib import Path
from typing import Any

import orjson

import orgflow
from benchmarks import SHARED_DATA
from benchmarks.figures import Figures, peak_rss_mb, timed
from orgflow.sources import jira

NAME = "jira_import"
TARGET_SECONDS = 3.0
DEFAULT_FILE = SHARED_DATA / "jira" / "apache-amq-zookeeper.jsonl.gz"


def import_whole(path: Path) -> tuple[float, dict[str, int]]:
    """Seconds of ``ws.import_files("jira", [path])`` into a new workspace, and rows new per table."""
    directory = Path(tempfile.mkdtemp(prefix="orgflow-jira-"))
    try:
        with orgflow.init(directory) as workspace:
            counts, seconds = timed(lambda: workspace.import_files("jira", [path]))
        return seconds, {table: new for table, (new, _changed, _unchanged) in counts.by_table.items()}
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def import_split(path: Path) -> tuple[float, float]:
    """Seconds of the row-by-row reader's parsing (``jira.load``) and of writing its batch
    (``ws.store.write``), new workspace."""
    directory = Path(tempfile.mkdtemp(prefix="orgflow-jira-split-"))
    try:
        with orgflow.init(directory) as workspace:
            batch, parse_seconds = timed(lambda: jira.load([path], config=workspace.config, options={}))
            _, write_seconds = timed(lambda: workspace.store.write(batch))
        return parse_seconds, write_seconds
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def read_floor(path: Path) -> tuple[float, int]:
    """Seconds to gunzip the file and ``orjson.loads`` each line, and the number of issues."""

    def read() -> int:
        lines = gzip.decompress(path.read_bytes()).splitlines()
        return sum(1 for line in lines if line.strip() and orjson.loads(line) is not None)

    issues, seconds = timed(read)
    return seconds, issues


def run(*, path: Path, runs: int) -> Figures:
    """Time `runs` whole imports, split imports and read floors, interleaved; report the best of each."""
    figures = Figures(NAME, f"Jira import of {path.name} (best of {runs})")
    if not path.is_file():
        figures.skip(f"no file at {path} (the shared data pack lives in ../shared/data; or pass --file PATH)")
        return figures
    whole: list[float] = []
    parse: list[float] = []
    write: list[float] = []
    floor: list[float] = []
    rows: dict[str, int] = {}
    issues = 0
    # Interleaved, so that load from other processes on a shared machine spreads over all three kinds.
    for _ in range(runs):
        seconds, rows = import_whole(path)
        whole.append(seconds)
        parse_seconds, write_seconds = import_split(path)
        parse.append(parse_seconds)
        write.append(write_seconds)
        floor_seconds, issues = read_floor(path)
        floor.append(floor_seconds)
    best_parse, best_write = min(parse), min(write)
    figures.add("issues in the file", issues, "issues")
    for table, new in rows.items():
        figures.add(f"rows written: {table}", new, "rows")
    figures.seconds("import (ws.import_files), best", min(whole), f"target <= {TARGET_SECONDS:g} s", headline=True)
    figures.seconds("import (ws.import_files), median", sorted(whole)[len(whole) // 2])
    figures.seconds("  row by row: parse (jira.load), best", best_parse, headline=True)
    figures.seconds("  row by row: store write (ws.store.write), best", best_write, headline=True)
    figures.ratio("row by row (parse + write) / import", best_parse + best_write, min(whole), "same process")
    figures.add("  store write share of parse + write", 100 * best_write / (best_parse + best_write), "%")
    figures.seconds("baseline: gunzip + orjson.loads per line, best", min(floor))
    figures.ratio("parse / baseline", best_parse, min(floor), "same process", headline=True)
    figures.add("issues per second (best import)", issues / min(whole), "issues/s")
    figures.add("peak RSS", peak_rss_mb(), "MB")
    figures.details["runs"] = _runs(whole, parse, write, floor)
    figures.details["file"] = str(path)
    return figures


def _runs(whole: list[float], parse: list[float], write: list[float], floor: list[float]) -> list[dict[str, Any]]:
    return [
        {"import_seconds": w, "parse_seconds": p, "write_seconds": s, "read_floor_seconds": f}
        for w, p, s, f in zip(whole, parse, write, floor, strict=True)
    ]


def main(argv: list[str] | None = None) -> Figures:
    """Parse arguments, run, print the figures and save them to benchmarks/out/jira_import.json."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.jira_import", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (default 3)")
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE, help=f"default {DEFAULT_FILE}")
    arguments = parser.parse_args(argv)
    figures = run(path=arguments.file, runs=arguments.runs)
    print(figures.render())
    print(f"   -> {figures.save()}")
    return figures


if __name__ == "__main__":
    main()
