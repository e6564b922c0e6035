"""Run every benchmark, each in its own process, then print the headline figures in one table.

A process per benchmark keeps each one's peak RSS and imports its own (the 1 M generator does not
inflate the Jira import's memory) and lets one fail without stopping the others. Every benchmark
also prints its full figures as it finishes and writes them to ``benchmarks/out/<name>.json``.

    python -m benchmarks [--only NAME ...] [--items N] [--jam-out DIR] [--example DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import BENCHMARKS, OUT_DIR, PROJECT_ROOT
from benchmarks.figures import render_rows


def _arguments_for(name: str, options: argparse.Namespace) -> list[str]:
    """The command-line options of `options` that benchmark `name` takes."""
    passed: list[str] = []
    if name == "flow_1m" and options.items is not None:
        passed += ["--items", str(options.items)]
    if name == "jam_20k":
        if options.jam_out is not None:
            passed += ["--jam-out", str(options.jam_out)]
        if options.example is not None:
            passed += ["--example", str(options.example)]
    if name == "jira_import" and options.runs is not None:
        passed += ["--runs", str(options.runs)]
    return passed


def _headlines(name: str, started: float) -> list[str]:
    """The headline rows of a benchmark's JSON written after `started` (else a line saying it is missing)."""
    path = OUT_DIR / f"{name}.json"
    if not path.is_file() or path.stat().st_mtime < started:
        return [f"== {name}", "   no figures written (the run failed; see its output above)"]
    document = json.loads(path.read_text(encoding="utf-8"))
    lines = [f"== {document['title']}"]
    if document.get("skipped"):
        return [*lines, f"   skipped: {document['skipped']}"]
    rows = [
        (row["label"].strip(), row["value"], row["unit"], row["note"])
        for row in document["figures"]
        if row.get("headline")
    ]
    return lines + render_rows(rows)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks; returns 1 when one of their processes failed (never for a timing)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run only these benchmarks")
    parser.add_argument("--items", type=int, help="flow_1m: items to generate (default 1,000,000)")
    parser.add_argument("--jam-out", type=Path, help="jam_20k: the peer's 20k output folder")
    parser.add_argument("--example", type=Path, help="jam_20k: the peer's example output folder")
    parser.add_argument("--runs", type=int, help="jira_import: runs of each measurement (default 3)")
    options = parser.parse_args(argv)
    chosen = options.only or list(BENCHMARKS)
    summary: list[str] = []
    failed: list[str] = []
    for name in chosen:
        command = [sys.executable, "-m", f"benchmarks.{name}", *_arguments_for(name, options)]
        print(f"$ {' '.join(command[1:])}", flush=True)
        started = time.time()
        completed = subprocess.run(command, cwd=PROJECT_ROOT, check=False)
        elapsed = time.time() - started
        if completed.returncode != 0:
            failed.append(name)
        summary += _headlines(name, started)
        summary.append(f"   (process wall clock {elapsed:.1f} s, exit code {completed.returncode})")
        print(flush=True)
    print("=" * 100)
    print("headline figures (all figures: benchmarks/out/<name>.json)")
    print("\n".join(summary))
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
