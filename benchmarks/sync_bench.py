"""Live Jira sync of the 6,476 Apache issues from a local replay server, then incremental syncs.

The server is the one the connector tests use (``tests/sources/connectors``): Jira REST v2 search
pages with changelogs built from each issue's attachments and resolution, on 127.0.0.1. Figures:
requests and seconds of a first sync into an empty workspace; of an incremental sync after 1 % of
the issues changed (a label added, as a Jira user would); and of a sync with nothing changed.

    python -m benchmarks.sync_bench [--page-size 100] [--changed-percent 1]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks import PROJECT_ROOT, SHARED_DATA
from benchmarks.figures import Figures, peak_rss_mb
from orgflow.config import Config
from orgflow.sources.connectors.settings import SourceSettings
from orgflow.sources.connectors.sync import SyncSummary, sync_source
from orgflow.store import Store

NAME = "sync_bench"
TOKEN_ENV = "ORGFLOW_BENCH_TOKEN"
TOKEN = "bench-token"


def run(*, page_size: int, changed_percent: float) -> Figures:
    """One first sync, one incremental sync after `changed_percent` % of issues changed, one no-op sync."""
    figures = Figures(NAME, f"Jira sync of the Apache issues from a local server (page size {page_size})")
    data_file = SHARED_DATA / "jira" / "apache-amq-zookeeper.jsonl.gz"
    if not data_file.is_file():
        figures.skip(f"no file at {data_file} (the shared data pack lives in ../shared/data)")
        return figures
    sys.path.insert(0, str(PROJECT_ROOT / "tests" / "sources" / "connectors"))
    from replay_jira import JiraReplay, load_issues
    from replay_server import ReplayServer

    os.environ[TOKEN_ENV] = TOKEN
    issues = load_issues(SHARED_DATA)
    jira = JiraReplay(issues, inline_limit=100)
    server = ReplayServer(token=TOKEN).start()
    server.apis = [jira]
    directory = Path(tempfile.mkdtemp(prefix="orgflow-sync-"))
    settings = SourceSettings(
        name="apache",
        kind="jira",
        url=server.url,
        query="project in (AMQ, ZOOKEEPER)",
        token_env=TOKEN_ENV,
        page_size=page_size,
    )
    try:
        store = Store.open(directory / "orgflow.duckdb", create=True)
        first = _sync(store, settings, server)
        changed = sorted(random.Random(7).sample(sorted(jira.issues), round(len(issues) * changed_percent / 100)))
        for key in changed:
            jira.touch(key)
        incremental = _sync(store, settings, server)
        idle = _sync(store, settings, server)
        store.close()
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)
    figures.add("issues on the server", len(issues), "issues")
    for label, (summary, requests) in (
        ("first sync", first),
        (f"incremental, {len(changed)} changed", incremental),
        ("nothing changed", idle),
    ):
        figures.seconds(f"{label}: seconds", summary.seconds, headline=True)
        figures.add(f"{label}: requests", requests, "requests", headline=True)
        figures.add(
            f"{label}: fetched / new / changed / skipped",
            f"{summary.fetched} / {summary.new} / {summary.changed} / {sum(summary.skipped.values())}",
        )
        figures.add(f"{label}: store writes (transactions)", summary.writes, "writes")
    figures.add(
        "first sync: issues per second", first[0].fetched / first[0].seconds if first[0].seconds else None, "issues/s"
    )
    figures.add("peak RSS", peak_rss_mb(), "MB")
    return figures


def _sync(store: Store, settings: SourceSettings, server: object) -> tuple[SyncSummary, int]:
    before = server.requests  # type: ignore[attr-defined]
    summary = sync_source(store, Config(), settings)
    return summary, server.requests - before  # type: ignore[attr-defined]


def main(argv: list[str] | None = None) -> Figures:
    """Parse arguments, run, print the figures and save them to benchmarks/out/sync_bench.json."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sync_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--page-size", type=int, default=100, help="issues per search page (default 100)")
    parser.add_argument("--changed-percent", type=float, default=1.0, help="issues changed before the incremental sync")
    arguments = parser.parse_args(argv)
    figures = run(page_size=arguments.page_size, changed_percent=arguments.changed_percent)
    print(figures.render())
    print(f"   -> {figures.save()}")
    return figures


if __name__ == "__main__":
    main()
