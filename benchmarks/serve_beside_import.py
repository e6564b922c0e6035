"""Dashboard reads while imports run beside the server, against the same reads with no import.

Imports the real Apache Jira export (``../shared/data/jira``) into a new workspace, starts
``orgflow serve`` on 127.0.0.1, then runs the same bounded read load twice:

1. quiet: ``--clients`` threads sending GETs for ``--seconds`` over the organization page and the API's
   summary, CFD and throughput (every other one with a window no request asked before, so it runs its
   queries);
2. beside imports: the same load while ``orgflow import jira`` of the same file runs again and again in
   its own process (each writes, rebuilds the stored facts and publishes a new snapshot, which the
   server swaps in on its next request).

It prints p50 and p95 of each, the imports that ran, the failed requests (the target is none), and the
cost of publishing a snapshot (checkpoint and copy of the workspace file). Traffic stays on loopback.

    python -m benchmarks.serve_beside_import [--clients 8] [--seconds 20]
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

from benchmarks import SHARED_DATA
from benchmarks.figures import Figures, timed
from benchmarks.web_latency import HOST, _free_port, _get, _percentile, _start_server, _stop

NAME = "serve_beside_import"
NOW = "2019-12-31T00:00:00+00:00"
"""The export's history ends in 2019: figures are computed as of then."""


def _orgflow(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from orgflow.cli import main; main()", "--workspace", str(workspace), *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def _load(port: int, paths: list[str], *, clients: int, seconds: float) -> tuple[list[float], list[str], int]:
    """`clients` threads sending GETs over `paths` for `seconds`; latencies (ms), failures, requests.

    Every other request asks a window no request asked before (a new `since` day), so the server runs
    its queries rather than answering from its response cache.
    """
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)
    fresh = itertools.count()
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        own = http.client.HTTPConnection(HOST, port, timeout=120)
        barrier.wait()
        step = 0
        while time.monotonic() < deadline:
            path = paths[(number + step) % len(paths)]
            if step % 2:
                since = date(2008, 1, 1) + timedelta(days=next(fresh) % 3000)
                path = f"{path}{'&' if '?' in path else '?'}since={since.isoformat()}"
            elapsed, code, _size = _get(own, path)
            step += 1
            with lock:
                latencies.append(elapsed)
                if code != 200:
                    failures.append(f"{path}: {code}")
        own.close()

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, failures, len(latencies)


def run(export: Path, *, clients: int, seconds: float) -> Figures:
    """Measure reads with and without imports beside them, on a workspace of `export`."""
    figures = Figures(NAME, f"Dashboard reads beside imports, {clients} clients on loopback")
    folder = Path(tempfile.mkdtemp(prefix="orgflow-beside-"))
    try:
        workspace = folder / "ws"
        assert _orgflow(workspace, "init").returncode == 0
        first = _orgflow(workspace, "import", "jira", str(export))
        assert first.returncode == 0, first.stderr
        port = _free_port()
        server = _start_server(workspace, port, NOW)
        try:
            paths = [
                "/",
                "/api/summary?team=AMQ",
                "/api/summary?team=ZOOKEEPER",
                "/api/cfd?team=AMQ",
                "/api/throughput",
            ]
            quiet, quiet_failures, quiet_count = _load(port, paths, clients=clients, seconds=seconds)
            imports: list[float] = []
            import_errors: list[str] = []
            stop = threading.Event()

            def import_again() -> None:
                while not stop.is_set():
                    done, seconds = timed(lambda: _orgflow(workspace, "import", "jira", str(export)))
                    imports.append(seconds)
                    if done.returncode != 0:
                        import_errors.append(done.stderr.strip().splitlines()[-1] if done.stderr else "?")

            importer = threading.Thread(target=import_again)
            importer.start()
            time.sleep(1.0)  # the first import is under way when the reads start
            busy, busy_failures, busy_count = _load(port, paths, clients=clients, seconds=seconds)
            stop.set()
            importer.join()
        finally:
            _stop(server)
        publish = _publish_cost(workspace)
    finally:
        if not os.environ.get("ORGFLOW_KEEP_BENCH"):
            shutil.rmtree(folder, ignore_errors=True)
    figures.add("workspace file", round((publish[1]) / 1e6, 1), "MB")
    for label, values, failures, count in (
        ("quiet", quiet, quiet_failures, quiet_count),
        ("beside imports", busy, busy_failures, busy_count),
    ):
        figures.add(f"{label}: reads p50", round(_percentile(values, 0.5), 1), "ms", headline=True)
        figures.add(f"{label}: reads p95", round(_percentile(values, 0.95), 1), "ms", headline=True)
        figures.add(f"{label}: throughput", round(count / seconds, 1), "req/s")
        figures.add(f"{label}: failed reads", len(failures), "", "target 0", headline=True)
    figures.add("imports that ran beside the reads", len(imports), "", f"{len(import_errors)} failed", headline=True)
    if imports:
        figures.add("import, median", round(sorted(imports)[len(imports) // 2], 2), "s")
    figures.add("publishing a snapshot (checkpoint and copy)", round(publish[0] * 1000, 1), "ms")
    figures.details = {"failures": (quiet_failures + busy_failures)[:20], "import_errors": import_errors[:5]}
    return figures


def _publish_cost(workspace: Path) -> tuple[float, int]:
    """Seconds to publish a snapshot of `workspace` from a writer's close, and the file's size in bytes."""
    from orgflow.store import Store, snapshot

    store_path = workspace / "orgflow.duckdb"
    lease = snapshot.take_lease(store_path)
    try:
        store = Store.open(store_path)
        store.connection.execute("CREATE OR REPLACE TABLE bench_touch AS SELECT 1 AS touched")
        _, seconds = timed(store.close)
    finally:
        snapshot.release_lease(lease)
    return seconds, store_path.stat().st_size


def main(argv: list[str] | None = None) -> Figures:
    """Parse arguments, run, print and save the figures."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.serve_beside_import", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each read phase (bounded)")
    options = parser.parse_args(argv)
    exports = sorted((SHARED_DATA / "jira").glob("*.json*"))
    figures = Figures(NAME, "Dashboard reads beside imports")
    if not exports:
        figures.skip(f"no Jira export in {SHARED_DATA / 'jira'}")
    else:
        figures = run(exports[0], clients=options.clients, seconds=options.seconds)
    print(figures.render())
    print(f"   -> {figures.save()}")
    return figures


if __name__ == "__main__":
    main()
