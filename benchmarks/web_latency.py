"""Latency of the dashboard's organization and team pages, repeated and new, under concurrent clients (loopback).

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
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

from benchmarks.figures import Figures, timed

NAME = "web_latency"
TARGET_P95_MS = 200.0
TARGET_FIRST_VIEW_P95_MS = 300.0
TARGET_NEW_WINDOW_RPS = 100.0
HOST = "127.0.0.1"
PHASES = ("cold", "loaded", "rendered", "first", "new", "api")
FIRST_DAY = date(2025, 1, 1)
"""New windows start on one of the 600 days from here (the demo's history runs two years to 2026-11-16)."""


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


def new_windows() -> Iterator[str]:
    """Query strings of windows no earlier one repeats: `since` walks 600 days, the length grows by a
    day each time it wraps."""
    number = 0
    while True:
        since = FIRST_DAY + timedelta(days=number % 600)
        until = since + timedelta(days=27 + number // 600)
        yield f"since={since.isoformat()}&until={until.isoformat()}"
        number += 1


def run(
    workspace: Path,
    *,
    clients: int,
    requests: int,
    now: str,
    new_clients: int = 30,
    new_requests: int = 5,
    first: int = 30,
    phases: tuple[str, ...] = PHASES,
) -> Figures:
    """Measure the `phases` (cold, loaded, rendered, first view, new windows) against a server over `workspace`."""
    figures = Figures(NAME, f"Dashboard latency, {clients} (repeated) and {new_clients} (new windows) clients")
    port = _free_port()
    server = _start_server(workspace, port, now)
    windows = new_windows()
    try:
        teams = _team_ids(port)
        paths = ["/", *[f"/teams/{team}" for team in teams]]
        figures.add("items in the workspace", _items(workspace), "")
        figures.add("teams", len(teams), "")
        if "cold" in phases:
            _cold(port, teams, figures)
        if "loaded" in phases:
            _measured(figures, "loaded", *_load(port, paths, clients=clients, requests=requests, fresh=False))
        if "rendered" in phases:
            _measured(figures, "rendered", *_load(port, paths, clients=clients, requests=requests, fresh=True))
        if "cold" not in phases:
            _warm_default_pages(port, paths)
        if "first" in phases:
            _first_views(port, paths, first, windows, figures)
        if "new" in phases:
            loaded = _load(port, paths, clients=new_clients, requests=new_requests, windows=windows)
            _measured(figures, "new windows", *loaded, target=True)
        if "api" in phases:
            api = [
                "/api/summary?by=team",
                *[f"/api/{name}?team={team}" for team in teams for name in ("cfd", "throughput", "cycle-time")],
            ]
            loaded = _load(port, api, clients=new_clients, requests=new_requests, windows=windows)
            _measured(figures, "new windows, API", *loaded, target=True)
    finally:
        _stop(server)
    return figures


def _cold(port: int, teams: list[str], figures: Figures) -> None:
    """The organization page and every team page once, one after another, on a fresh server."""
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    cold_org, status, size = _get(connection, "/")
    assert status == 200, status
    cold_teams = []
    team_sizes = []
    for team in teams:
        elapsed, status, team_size = _get(connection, f"/teams/{team}")
        assert status == 200, (team, status)
        cold_teams.append(elapsed)
        team_sizes.append(team_size)
    connection.close()
    figures.add("cold: organization page (first request, prepares the service)", round(cold_org), "ms")
    figures.add("cold: team page, median of first requests", round(statistics.median(cold_teams)), "ms")
    figures.add("cold: team page, slowest first request", round(max(cold_teams)), "ms")
    figures.add(
        "page size: organization / team (median)",
        f"{size / 1024:.0f} / {statistics.median(team_sizes) / 1024:.0f}",
        "KB",
    )
    figures.details["cold_team_ms"] = cold_teams


def _warm_default_pages(port: int, paths: list[str]) -> None:
    """Each page once with its default window, as `orgflow serve` does at start-up (the benchmark's server
    runs with --no-warm so that the cold phase can time it)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=300)
    for path in paths:
        _elapsed, status, _size = _get(connection, path)
        assert status == 200, (path, status)
    connection.close()


def _first_views(port: int, paths: list[str], count: int, windows: Iterator[str], figures: Figures) -> None:
    """`count` requests one at a time, each a page with a window no request asked before."""
    latencies: dict[str, list[float]] = {"organization": [], "team": []}
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    for step in range(count):
        path = paths[step % len(paths)]
        elapsed, status, _size = _get(connection, f"{path}?{next(windows)}")
        assert status == 200, (path, status)
        latencies["organization" if path == "/" else "team"].append(elapsed)
    connection.close()
    every = [value for values in latencies.values() for value in values]
    for kind, values in [*latencies.items(), ("any", every)]:
        if not values:
            continue
        figures.add(f"first view: {kind} page p50", round(_percentile(values, 0.5), 1), "ms", headline=kind == "any")
        figures.add(
            f"first view: {kind} page p95",
            round(_percentile(values, 0.95), 1),
            "ms",
            f"target ≤ {TARGET_FIRST_VIEW_P95_MS:.0f} ms" if kind == "any" else f"{len(values)} requests",
            headline=kind == "any",
        )


def _measured(
    figures: Figures,
    label: str,
    latencies: dict[str, list[float]],
    failures: list[str],
    seconds: float,
    *,
    target: bool = False,
) -> None:
    """Add p50 and p95 per page kind, throughput and failures of one load."""
    for kind, values in latencies.items():
        if not values:
            continue
        figures.add(f"{label}: {kind} p50", round(_percentile(values, 0.5), 1), "ms", headline=target)
        note = f"target ≤ {TARGET_P95_MS:.0f} ms" if label == "loaded" else ""
        figures.add(f"{label}: {kind} p95", round(_percentile(values, 0.95), 1), "ms", note, headline=True)
    total = sum(len(values) for values in latencies.values())
    note = f"target ≥ {TARGET_NEW_WINDOW_RPS:.0f} req/s" if target else ""
    figures.add(f"{label}: requests", total, "")
    figures.add(f"{label}: throughput", round(total / seconds, 1), "req/s", note, headline=target)
    figures.add(f"{label}: failed requests", len(failures), "")
    figures.details.setdefault("failures", []).extend(failures[:10])


def _load(
    port: int,
    paths: list[str],
    *,
    clients: int,
    requests: int,
    fresh: bool = False,
    windows: Iterator[str] | None = None,
) -> tuple[dict[str, list[float]], list[str], float]:
    """`clients` threads, `requests` GETs each over `paths`; latencies per page kind, failures, seconds.

    With `fresh`, each URL gets a parameter of its own, so the server renders every page anew; with
    `windows`, each gets a window of its own (the next of `windows`), so its figures are computed.
    """
    latencies: dict[str, list[float]] = {}
    failures: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client(number: int) -> None:
        own = http.client.HTTPConnection(HOST, port, timeout=120)
        barrier.wait()
        for step in range(requests):
            path = paths[(number + step) % len(paths)]
            url = path
            if fresh:
                url = f"{path}{'&' if '?' in path else '?'}request={number}-{step}"
            elif windows is not None:
                with lock:
                    window = next(windows)
                url = f"{path}{'&' if '?' in path else '?'}{window}"
            elapsed, code, _size = _get(own, url)
            with lock:
                if code != 200:
                    failures.append(f"{url}: {code}")
                latencies.setdefault(_kind(path), []).append(elapsed)
        own.close()

    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    _, seconds = timed(lambda: ([thread.start() for thread in threads], [thread.join() for thread in threads]))
    return latencies, failures, seconds


def _kind(path: str) -> str:
    """The page kind of `path` for the figures: organization, team, or the API route's name."""
    if path == "/":
        return "organization page"
    if path.startswith("/teams/"):
        return "team page"
    return path.split("?")[0].removeprefix("/api/")


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
    parser.add_argument("--new-clients", type=int, default=30, help="clients of the new-window loads")
    parser.add_argument("--new-requests", type=int, default=5, help="requests per client of the new-window loads")
    parser.add_argument("--first", type=int, default=30, help="first views of new windows, one at a time")
    parser.add_argument("--phases", default=",".join(PHASES), help=f"which to run, of {','.join(PHASES)}")
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
        phases = tuple(name.strip() for name in options.phases.split(",") if name.strip())
        unknown = set(phases) - set(PHASES)
        if unknown:
            parser.error(f"unknown phases: {', '.join(sorted(unknown))} (use {', '.join(PHASES)})")
        figures = run(
            workspace,
            clients=options.clients,
            requests=options.requests,
            now=DEFAULT_END.isoformat(),
            new_clients=options.new_clients,
            new_requests=options.new_requests,
            first=options.first,
            phases=phases,
        )
    finally:
        if made is not None and not os.environ.get("ORGFLOW_KEEP_BENCH"):
            shutil.rmtree(made, ignore_errors=True)
    print(figures.render())
    print(f"   -> {figures.save()}")
    return figures


if __name__ == "__main__":
    main()
