"""Import speed: the 20k-item transitions CSV and the real Jira JSON, in process and as whole processes.

For each file, `--runs` times (default 5, medians reported), each into a new workspace:

- in process: ``ws.import_files`` (read, store write and the stored flow facts), and apart the read
  alone (the importer's ``load`` as ``import_files`` calls it: the transitions CSV's only declares its
  SQL, which the write runs in the store's connection) and the write with the facts (``ws.write``);
- whole process: ``orgflow -w DIR import KIND FILE``, from the interpreter's start to its exit;
- baseline: DuckDB reading the same file (``read_csv`` / ``read_json``) into a table, in process.

Before timing, the stored tables of a column-wise import are checked to equal, row for row, those of
the row-by-row readers (the definition), and the run stops if they differ.

The 20k CSV is the jira-agile-metrics peer's synthetic set (20,000 items, seed 1), made here by the
peer harness's own generator and converter in ../shared/peers/jam (standard library only) unless
``--csv`` names one.

    python -m benchmarks.import_speed [--runs 5] [--csv PATH] [--jira PATH]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import duckdb
import pyarrow as pa

import orgflow
from benchmarks import OUT_DIR, SHARED_DATA
from benchmarks.figures import Figures
from benchmarks.jam_peer import PEER_WORKFLOW_YAML, make_synthetic_set
from orgflow.model import TABLES
from orgflow.model.work import Release
from orgflow.sources import importers, jira, staged_importers, transitions_columns, transitions_csv
from orgflow.sources.files import iter_json_records
from orgflow.store import ImportBatch

NAME = "import_speed"
DEFAULT_JIRA = SHARED_DATA / "jira" / "apache-amq-zookeeper.jsonl.gz"
SYNTHETIC_CACHE = OUT_DIR / "cache" / "jam-20k-seed1"
ORGFLOW = Path(sys.executable).with_name("orgflow")
CSV_TARGET_SECONDS = 0.6
JIRA_TARGET_PER_SECOND = 10_000


@contextmanager
def workspace(kind: str) -> Iterator[Path]:
    """A new workspace folder (the peer's workflow for the CSV), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=f"orgflow-import-{kind}-"))
    try:
        if kind == "transitions":
            (folder / "orgflow.yaml").write_text(PEER_WORKFLOW_YAML, encoding="utf-8")
        orgflow.init(folder).close()
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def jira_as_before(
    paths: list[Path], *, config: orgflow.Config, options: dict[str, object], on_progress: object = None
) -> ImportBatch:
    """The Jira importer as it was before it gathered columns: `parse_issue` on every issue, records
    in lists, one release per key."""
    del on_progress
    batch = ImportBatch(source="jira", kind="jira", origin=", ".join(str(path) for path in paths))
    for path in paths:
        for raw in iter_json_records(path, list_keys=("issues",)):
            batch.extend(jira.parse_issue(raw.data, config=config, file=raw.file, record=raw.position))
    releases = {release.source_id: release for release in batch.records.get(Release, ())}  # type: ignore[attr-defined]
    if releases:
        batch.records[Release] = list(releases.values())
    return batch


@contextmanager
def row_by_row() -> Iterator[None]:
    """The importers as they were: the transitions reader's row-by-row path (its column-wise one
    declining every file), Jira's `parse_issue` on every issue."""

    def declined(*args: object, **kwargs: object) -> None:
        raise transitions_columns._Declined

    with (
        mock.patch.object(transitions_csv, "load_columns", lambda *args, **kwargs: None),
        mock.patch.object(transitions_columns, "stage_columns", declined),
        mock.patch.object(jira, "load", jira_as_before),
    ):
        yield


def stored_tables(folder: Path) -> dict[str, pa.Table]:
    """Every canonical table of a workspace, rows sorted on all columns."""
    with orgflow.open(folder) as opened:
        connection = opened.store.connection
        return {
            cls.spec.table: connection.execute(f"SELECT * FROM {cls.spec.table} ORDER BY ALL").to_arrow_table()
            for cls in TABLES
        }


def check_same_rows(kind: str, path: Path) -> dict[str, int]:
    """Import `path` column-wise and row by row into two workspaces; raise if any stored table differs.

    Returns the rows per non-empty table.
    """
    with workspace(kind) as fast_folder, workspace(kind) as slow_folder:
        with orgflow.open(fast_folder) as opened:
            opened.import_files(kind, [path])
        with row_by_row(), orgflow.open(slow_folder) as opened:
            opened.import_files(kind, [path])
        fast, slow = stored_tables(fast_folder), stored_tables(slow_folder)
    differing = [table for table in fast if not fast[table].equals(slow[table])]
    if differing:
        raise AssertionError(f"{path.name}: column-wise and row-by-row imports store different {differing}")
    return {table: rows.num_rows for table, rows in fast.items() if rows.num_rows}


def time_in_process(kind: str, path: Path) -> dict[str, float]:
    """Seconds of one import in process: whole (``import_files``, wall clock and CPU), then apart the
    read and the write."""
    with workspace(kind) as folder, orgflow.open(folder) as opened:
        started, cpu = time.perf_counter(), time.process_time()
        opened.import_files(kind, [path])
        whole, whole_cpu = time.perf_counter() - started, time.process_time() - cpu
    with workspace(kind) as folder, orgflow.open(folder) as opened:
        started = time.perf_counter()
        batch = staged_importers().get(kind, importers()[kind])([path], config=opened.config, options={})
        read = time.perf_counter() - started
        started = time.perf_counter()
        opened.write(batch)
        write = time.perf_counter() - started
    return {"import_files": whole, "import_files_cpu": whole_cpu, "read": read, "write_and_facts": write}


def time_process(kind: str, path: Path) -> tuple[float, float]:
    """Seconds of ``orgflow -w DIR import KIND FILE`` as a whole process: wall clock, and CPU (user +
    system, every thread)."""
    with workspace(kind) as folder:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([str(ORGFLOW), "-w", str(folder), "import", kind, str(path)], check=True, capture_output=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def duckdb_baseline(kind: str, path: Path) -> float:
    """Seconds for DuckDB to read the file into a table (all columns as text for the CSV)."""
    reader = (
        f"read_csv('{path}', all_varchar = true)"
        if kind == "transitions"
        else f"read_json('{path}', format = 'newline_delimited', maximum_object_size = 67108864)"
    )
    connection = duckdb.connect()
    started = time.perf_counter()
    connection.execute(f"CREATE TABLE t AS SELECT * FROM {reader}")
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def measure(figures: Figures, kind: str, path: Path, runs: int, *, check: bool, label: str = "") -> dict[str, float]:
    """Check (unless told not to), then time `runs` of each measurement interleaved; add the medians
    to `figures` and return them."""
    count = _count(kind, path)
    unit = "items" if kind == "transitions" else "issues"
    figures.add(f"{kind}: {unit} in {path.name}", count, unit)
    if check:
        for table, number in check_same_rows(kind, path).items():
            figures.add(f"{kind}:   rows stored in {table}", number, "rows", "column-wise == row-by-row")
    samples: dict[str, list[float]] = {
        "import_files": [],
        "import_files_cpu": [],
        "read": [],
        "write_and_facts": [],
        "process": [],
        "process_cpu": [],
        "duckdb": [],
    }
    for _ in range(runs):
        for name, seconds in time_in_process(kind, path).items():
            samples[name].append(seconds)
        wall, cpu = time_process(kind, path)
        samples["process"].append(wall)
        samples["process_cpu"].append(cpu)
        samples["duckdb"].append(duckdb_baseline(kind, path))
    median = {name: statistics.median(values) for name, values in samples.items()}
    target = (
        f"target <= {CSV_TARGET_SECONDS:g} s"
        if kind == "transitions"
        else f"target >= {JIRA_TARGET_PER_SECOND:,} issues/s"
    )
    prefix = f"{kind}{label}"
    figures.seconds(f"{prefix}: whole process `orgflow import {kind}`", median["process"], target, headline=True)
    figures.seconds(f"{prefix}:   CPU of that process (all threads)", median["process_cpu"])
    figures.seconds(f"{prefix}: in process ws.import_files", median["import_files"], headline=True)
    figures.seconds(f"{prefix}:   CPU of it (all threads)", median["import_files_cpu"])
    figures.seconds(f"{prefix}:   read (importer load)", median["read"])
    figures.seconds(f"{prefix}:   store write + stored facts", median["write_and_facts"])
    figures.seconds(f"{prefix}: baseline DuckDB reading the file", median["duckdb"])
    if kind == "jira":
        figures.add(f"{prefix}: issues per second, whole process", round(count / median["process"]), "issues/s", target)
        figures.add(
            f"{prefix}: issues per second, in process", round(count / median["import_files"]), "issues/s", headline=True
        )
    figures.details[prefix] = {"file": str(path), "runs": samples}
    return median


def _count(kind: str, path: Path) -> int:
    """Items (distinct item_id) in the CSV, or issues (non-blank lines) in the JSON Lines."""
    if kind == "transitions":
        with path.open(encoding="utf-8", newline="") as text:
            return len({row[0] for row in list(csv.reader(text))[1:] if row})
    return sum(1 for line in gzip.decompress(path.read_bytes()).split(b"\n") if line.strip())


def main(argv: list[str] | None = None) -> Figures:
    """Parse arguments, run, print the figures and save them to benchmarks/out/import_speed.json."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.import_speed", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each measurement (default 5)")
    parser.add_argument("--csv", type=Path, help=f"the 20k transitions CSV (default: made in {SYNTHETIC_CACHE})")
    parser.add_argument("--jira", type=Path, default=DEFAULT_JIRA, help=f"default {DEFAULT_JIRA}")
    parser.add_argument("--no-check", action="store_true", help="skip the rows check (to time another version)")
    parser.add_argument("--label", default="", help="appended to each figure's name, e.g. ' (before)'")
    arguments = parser.parse_args(argv)
    figures = Figures(NAME, f"Imports: 20k transitions CSV and real Jira JSON (median of {arguments.runs})")
    csv_path = arguments.csv or make_synthetic_set(SYNTHETIC_CACHE)[1]
    check = not arguments.no_check
    measure(figures, "transitions", csv_path, arguments.runs, check=check, label=arguments.label)
    if arguments.jira.is_file():
        measure(figures, "jira", arguments.jira, arguments.runs, check=check, label=arguments.label)
    else:
        figures.add("jira: skipped", f"no file at {arguments.jira}")
    print(figures.render())
    print(f"   -> {figures.save()}")
    return figures


if __name__ == "__main__":
    main()
