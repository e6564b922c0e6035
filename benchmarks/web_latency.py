"""Latency of the dashboard's organization and team pages under 20 concurrent clients (loopback).

Builds a demo workspace of 100,000 items (or uses ``--workspace``), starts ``orgflow serve`` in its own
process on 127.0.0.1, then:

1. cold: opens the organization page and every team page once, one after another, on a fresh server
   (each pays for its metric queries; the first one also prepares the flow service);
2. loaded: 20 client threads, each with its own keep-alive connection, request the organization page
   and the team pages in turn, ``--requests`` each (bounded; 20 × 30 = 600 by default), and the p50
   and p95 latency of each page kind are printed. The target is p95 ≤ 200 ms. Repeated URLs are
   answered from the server's response cache;
3. rendered: the same load, but every request carries a parameter no other request has, so every
   page is rendered anew (from the figures the server already computed): the cost of a page the
   response cache has not seen, e.g. a new combination of filters over figures already known.

Traffic stays on loopback; the server is stopped at the end.

    python -m benchmarks.web_latency [--items 100000] [--clients 20] [--requests 30] [--workspace DIR]
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.figures import Figures, timed

NAME = "web_latency"
TARGET_P95_MS = 200.0
HOST = "127.0.0.1"


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between order statistics (numpy's default), in the values' unit."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _get(connection: http.client.HTTPConnection, path: str) -> tuple[float, int, int]:
    """Milliseconds to get `path` (whole body read), its status and its size."""
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    return (time.perf_counter() - started) * 1000, response.status, len(body)


def _start_server(workspace: Path, port: int, now: str) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-c",
        "from orgflow.cli import main; main()",
        "--workspace",
        str(workspace),
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--now",
        now,
        "--no-warm",
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped: {server.stderr.read().decode() if server.stderr else ''}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/api/teams")
            connection.getresponse().read()
            connection.close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start within 60 s")


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _team_ids(port: int) -> list[str]:
    import json

    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.request("GET", "/api/organization")
    body = json.loads(connection.getresponse().read())
    connection.close()
    return [card["group_id"] for block in body["clusters"] for card in block["teams"]]


def run(workspace: Path, *, clients: int, requests: int, now: str) -> Figures:
    """Measure cold and loaded latencies against a server over `workspace`."""
    figures = Figures(NAME, f"Dashboard latency, {clients} concurrent clients on loopback")
    port = _free_port()
    server = _start_server(workspace, port, now)
    try:
        connection = http.client.HTTPConnection(HOST, port, timeout=120)
        cold_org, status, size = _get(connection, "/")
        assert status == 200, status
        teams = _team_ids(port)
        cold_teams = []
        team_sizes = []
        for team in teams:
            elapsed, status, team_size = _get(connection, f"/teams/{team}")
            assert status == 200, (team, status)
            cold_teams.append(elapsed)
            team_sizes.append(team_size)
        connection.close()
        paths = ["/", *[f"/teams/{team}" for team in teams]]
        latencies, failures, seconds = _load(port, paths, clients=clients, requests=requests, fresh=False)
        rendered, rendered_failures, rendered_seconds = _load(
            port, paths, clients=clients, requests=requests, fresh=True
        )
    finally:
        _stop(server)
    total = sum(len(values) for values in latencies.values())
    figures.add("items in the workspace", _items(workspace), "")
    figures.add("teams", len(teams), "")
    figures.add("cold: organization page (first request, prepares the service)", round(cold_org), "ms")
    figures.add("cold: team page, median of first requests", round(statistics.median(cold_teams)), "ms")
    figures.add("cold: team page, slowest first request", round(max(cold_teams)), "ms")
    figures.add(
        "page size: organization / team (median)",
        f"{size / 1024:.0f} / {statistics.median(team_sizes) / 1024:.0f}",
        "KB",
    )
    for kind, values in latencies.items():
        figures.add(f"loaded: {kind} page p50", round(_percentile(values, 0.5), 1), "ms", headline=True)
        figures.add(
            f"loaded: {kind} page p95",
            round(_percentile(values, 0.95), 1),
            "ms",
            f"target ≤ {TARGET_P95_MS:.0f} ms",
            headline=True,
        )
    figures.add("loaded: requests", total, "", f"{clients} clients × {requests}")
    figures.add("loaded: throughput", round(total / seconds, 1), "req/s")
    figures.add("loaded: failed requests", len(failures), "")
    for kind, values in rendered.items():
        figures.add(f"rendered: {kind} page p50", round(_percentile(values, 0.5), 1), "ms")
        figures.add(f"rendered: {kind} page p95", round(_percentile(values, 0.95), 1), "ms", "every URL new")
    rendered_total = sum(len(values) for values in rendered.values())
    figures.add("rendered: throughput", round(rendered_total / rendered_seconds, 1), "req/s")
    figures.add("rendered: failed requests", len(rendered_failures), "")
    figures.details = {"cold_team_ms": cold_teams, "failures": (failures + rendered_failures)[:20]}
    return figures


def _load(
    port: int, paths: list[str], *, clients: int, requests: int, fresh: bool
) -> tuple[dict[str, list[float]], list[str], float]:
    """`clients` threads, `requests` GETs each over `paths`; latencies per page kind, failures, seconds.

    With `fresh`, each URL gets a parameter of its own, so the server renders every page anew.
    """
    latencies: dict[str, list[float]] = {"organization": [], "team": []}
    failures: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client(number: int) -> None:
        own = http.client.HTTPConnection(HOST, port, timeout=120)
        barrier.wait()
        for step in range(requests):
            path = paths[(number + step) % len(paths)]
            url = f"{path}?request={number}-{step}" if fresh else path
            elapsed, code, _size = _get(own, url)
            with lock:
                if code != 200:
                    failures.append(f"{url}: {code}")
                latencies["organization" if path == "/" else "team"].append(elapsed)
        own.close()

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    _, seconds = timed(lambda: ([thread.start() for thread in threads], [thread.join() for thread in threads]))
    return latencies, failures, seconds


def _items(workspace: Path) -> int:
    import duckdb

    with duckdb.connect(str(workspace / "orgflow.duckdb"), read_only=True) as connection:
        row = connection.execute("SELECT count(*) FROM work_items").fetchone()
    return int(row[0]) if row else 0


def main(argv: list[str] | None = None) -> Figures:
    """Parse arguments, build the workspace if needed, run, print and save the figures."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.web_latency", description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="demo items to generate (default 100,000)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=30, help="requests per client (bounded)")
    parser.add_argument("--workspace", type=Path, help="an existing workspace (default: a new demo)")
    options = parser.parse_args(argv)
    from orgflow.demo import DEFAULT_END, build_demo

    made = None
    workspace = options.workspace
    if workspace is None:
        made = Path(tempfile.mkdtemp(prefix="orgflow-web-"))
        workspace = made
        _, seconds = timed(lambda: build_demo(made, seed=7, items=options.items))
        print(f"built a demo of {options.items:,} items in {seconds:.1f} s", file=sys.stderr)
    try:
        figures = run(workspace, clients=options.clients, requests=options.requests, now=DEFAULT_END.isoformat())
    finally:
        if made is not None and not os.environ.get("ORGFLOW_KEEP_BENCH"):
            shutil.rmtree(made, ignore_errors=True)
    print(figures.render())
    print(f"   -> {figures.save()}")
    return figures


if __name__ == "__main__":
    main()
