"""GitHub sync against the replay server equals the file import of the same issues and events."""

from __future__ import annotations

import json
from pathlib import Path

from replay_github import REPO, GithubReplay, load_issues
from tests.sources.connectors.conftest import TOKEN_ENV, dump, open_store

from orgflow.config import Config
from orgflow.sources import github as github_format
from orgflow.sources.connectors.settings import SourceSettings
from orgflow.sources.connectors.sync import sync_source


def _file_import(issues: list[dict], tmp_path: Path) -> dict:
    path = tmp_path / "issues.jsonl"
    path.write_text("\n".join(json.dumps(issue) for issue in issues) + "\n", encoding="utf-8")
    store = open_store(tmp_path / "file.duckdb")
    store.write(github_format.load([path], config=Config(), options={"source": "web-bugs", "repo": REPO}))
    return dump(store)


def test_sync_with_faults_equals_file_import(shared_data, server, client_factory, sleeps, tmp_path):
    issues = load_issues(shared_data)
    github = GithubReplay(issues, base_url=server.url)
    server.apis = [github]
    server.faults = {2: "ratelimit", 4: "429", 7: "500", 11: "timeout", 15: "cut", 19: "badjson", 24: "mutate"}
    server.faults.update({60: "mutate", 61: "429", 90: "mutate"})
    settings = SourceSettings(
        name="web-bugs", kind="github", url=server.url, query=REPO, token_env=TOKEN_ENV, page_size=10
    )
    store = open_store(tmp_path / "sync.duckdb")

    summary = sync_source(store, Config(), settings, client_factory=client_factory, batch_items=1)

    assert len(github.mutated) == 3
    assert dump(store) == _file_import(github.export(), tmp_path)
    assert store.connection.execute("SELECT count(*) FROM work_items").fetchone()[0] == len(issues) == 100
    assert summary.fetched == 103
    assert (summary.new, summary.changed, summary.unchanged) == (100, 3, 0)
    assert summary.retries == 7
    assert sleeps.count(2.0) == 2
    # The rate-limit wait runs until X-RateLimit-Reset (3 s ahead, plus one second of margin).
    assert any(2.0 < wait <= 4.0 for wait in sleeps)
    labeled = store.connection.execute(
        "SELECT count(*) FROM work_items WHERE list_contains(labels, 'status-needsdiagnosis')"
    ).fetchone()[0]
    assert labeled >= 3

    again = sync_source(store, Config(), settings, client_factory=client_factory)
    assert (again.new, again.changed, again.writes) == (0, 0, 0)
    (tmp_path / "again").mkdir()
    assert dump(store) == _file_import(github.export(), tmp_path / "again")
