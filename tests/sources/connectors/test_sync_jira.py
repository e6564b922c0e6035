"""Jira sync against the replay server equals the file import of the same issues, faults and all."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

from replay_jira import JiraReplay, _instant, load_issues
from tests.sources.connectors.conftest import dump, jira_settings, open_store

from orgflow.config import Config
from orgflow.sources import jira as jira_format
from orgflow.sources.connectors.base import SKIP_UNCHANGED
from orgflow.sources.connectors.sync import sync_source

BIG_MINUTE = "2011-11-23T19:22"  # 128 issues share this update minute: more than a page


def _subset(index: int, issue: dict) -> bool:
    return index % 23 == 0 or issue["fields"]["updated"].startswith(BIG_MINUTE)


_settings = jira_settings


def _file_import(issues: list[dict], tmp_path: Path) -> dict:
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(json.dumps(issue) for issue in issues) + "\n", encoding="utf-8")
    store = open_store(tmp_path / "file.duckdb")
    options = {"source": "apache", "epic_field": "customfield_12311120"}
    store.write(jira_format.load([path], config=Config(), options=options))
    return dump(store)


def test_sync_with_faults_and_moving_pages_equals_file_import(shared_data, server, client_factory, sleeps, tmp_path):
    issues = load_issues(shared_data, select=_subset)
    # Cloud: cut changelogs are paged from /issue/{key}/changelog, 4 histories a page.
    jira = JiraReplay(issues, inline_limit=5, changelog_page_limit=4)
    server.apis = [jira]
    server.faults = {3: "429", 5: "500", 9: "timeout", 12: "cut", 15: "badjson", 18: "mutate", 22: "mutate"}
    server.faults.update({26: "mutate", 27: "500", 31: "mutate", 34: "429"})
    store = open_store(tmp_path / "sync.duckdb")

    summary = sync_source(
        store,
        Config(),
        _settings(server.url, page_size=40, deployment="cloud"),
        client_factory=client_factory,
        batch_items=1,
    )

    assert len(jira.mutated) == 4
    assert dump(store) == _file_import(jira.export(), tmp_path)
    rows = store.connection.execute("SELECT count(*), count(DISTINCT source_id) FROM work_items").fetchone()
    assert rows == (len(issues), len(issues))
    long_changelogs = [
        len(issue["changelog"]["histories"]) for issue in issues if len(issue["changelog"]["histories"]) > 5
    ]
    assert len(long_changelogs) >= 10
    assert jira.changelog_pages >= sum(-(-length // 4) for length in long_changelogs)
    assert summary.fetched == len(issues) + 4
    assert (summary.new, summary.changed, summary.unchanged) == (len(issues), 4, 0)
    assert summary.retries == 7
    assert sleeps.count(2.0) == 2  # both 429s waited exactly their Retry-After
    mutated = store.connection.execute(
        "SELECT source_id FROM work_items WHERE list_contains(labels, 'triaged') ORDER BY source_id"
    ).fetchall()
    assert [key for (key,) in mutated] == sorted(jira.mutated)


def test_second_sync_without_changes_writes_nothing(shared_data, server, client_factory, tmp_path):
    issues = load_issues(shared_data, select=lambda index, issue: index % 40 == 0)
    jira = JiraReplay(issues, inline_limit=5)
    server.apis = [jira]
    store = open_store(tmp_path / "sync.duckdb")
    settings = _settings(server.url)
    sync_source(store, Config(), settings, client_factory=client_factory, batch_items=1)
    before = dump(store)
    imports = store.connection.execute("SELECT count(*) FROM imports").fetchone()[0]
    state = store.connection.execute("SELECT * FROM sync_state").fetchall()
    requests_before = server.requests

    again = sync_source(store, Config(), settings, client_factory=client_factory, batch_items=1)

    latest = max(_instant(issue["fields"]["updated"]) for issue in issues)
    lower = (latest - timedelta(minutes=settings.overlap_minutes)).replace(second=0, microsecond=0)
    in_overlap = sum(_instant(issue["fields"]["updated"]) >= lower for issue in issues)
    assert (again.new, again.changed, again.unchanged, again.writes) == (0, 0, 0, 0)
    assert again.fetched == in_overlap
    assert again.skipped == Counter({SKIP_UNCHANGED: in_overlap})
    assert server.requests - requests_before == 3  # fields, myself, one search page
    assert dump(store) == before
    assert store.connection.execute("SELECT count(*) FROM imports").fetchone()[0] == imports
    assert store.connection.execute("SELECT * FROM sync_state").fetchall() == state
