"""A sync killed at many points (SIGKILL, mid-request and mid-write) and rerun equals an uninterrupted one."""

from __future__ import annotations

import json
import multiprocessing
import random
from datetime import datetime

from replay_jira import JiraReplay, _instant, load_issues
from tests.sources.connectors.conftest import TOKEN_ENV, dump, open_store

from orgflow.config import Config
from orgflow.sources.connectors import __main__ as entry
from orgflow.sources.connectors.settings import SourceSettings, source_json
from orgflow.sources.connectors.sync import sync_source

KILLS_WANTED = 20


def test_killed_syncs_resume_to_the_same_workspace(shared_data, server, client_factory, tmp_path):
    issues = load_issues(shared_data, select=lambda index, issue: index % 54 == 0)
    jira = JiraReplay(issues, inline_limit=2)
    assert len(issues) == 120
    server.apis = [jira]
    settings = SourceSettings(
        name="apache",
        kind="jira",
        url=server.url,
        query="project in (AMQ, ZOOKEEPER)",
        token_env=TOKEN_ENV,
        page_size=3,
    )
    reference = open_store(tmp_path / "reference.duckdb")
    sync_source(reference, Config(), settings, client_factory=client_factory)
    expected = dump(reference)
    expected_state = reference.connection.execute("SELECT source_name, cursor FROM sync_state").fetchall()
    reference.close()

    crashed = tmp_path / "crashed.duckdb"
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["orgflow.sources.connectors.__main__", "orgflow.sources.connectors.jira"])
    rng = random.Random(20240607)
    kills = runs = 0
    while True:
        runs += 1
        assert runs <= 60, "the sync never finished"
        kill = None
        if kills < KILLS_WANTED:
            kill = [server.requests + rng.randint(2, 8), None, rng.choice((0.0, 0.0, 0.003, 0.01, 0.03))]
        server.kill_at = kill
        batch_items = "1" if kill is not None else "1000"
        process = context.Process(target=entry.main, args=([str(crashed), source_json(settings), batch_items],))
        process.start()
        if kill is not None:
            kill[1] = process.pid
        process.join(timeout=30)
        server.kill_at = None
        assert process.exitcode in (0, -9)
        if process.exitcode == -9:
            kills += 1
        elif kill is None:
            break

    assert kills >= KILLS_WANTED
    store = open_store(crashed)
    assert dump(store) == expected
    state = store.connection.execute("SELECT source_name, cursor FROM sync_state").fetchall()
    assert state == expected_state
    assert datetime.fromisoformat(json.loads(state[0][1])["updated"]) == max(
        _instant(issue["fields"]["updated"]) for issue in issues
    )
