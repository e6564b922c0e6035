"""Paging on the server's word: servers that cap the page size below the one asked, and lists that move."""

from __future__ import annotations

import pytest
from replay_github import REPO, GithubReplay, copies
from replay_github import load_issues as load_github_issues
from replay_gitlab import PROJECT, GitlabReplay, many_issues
from replay_jira import JiraReplay, load_issues
from tests.sources.connectors.conftest import TOKEN_ENV, jira_settings, open_store

from orgflow.config import Config
from orgflow.sources.connectors.settings import SourceSettings
from orgflow.sources.connectors.sync import sync_source

BIG_MINUTE = "2011-11-23T19:22"  # 128 Apache issues share this update minute


def _jira(url: str, page_size: int) -> SourceSettings:
    return jira_settings(url, page_size=page_size, deployment="datacenter")


def _stored(store, source: str) -> list[str]:
    rows = store.connection.execute("SELECT source_id FROM work_items WHERE source = ? ORDER BY 1", [source])
    return [source_id for (source_id,) in rows.fetchall()]


@pytest.mark.parametrize("paging_words", [("total",), ("isLast",), ("total", "isLast")])
def test_jira_capped_at_50_when_100_are_asked(shared_data, server, client_factory, tmp_path, paging_words):
    issues = load_issues(shared_data, select=lambda index, issue: index % 27 == 0 and index < 27 * 237)
    assert len(issues) == 237
    jira = JiraReplay(issues, inline_limit=1000, max_results_cap=50, paging_words=paging_words)
    server.apis = [jira]
    store = open_store(tmp_path / "sync.duckdb")

    summary = sync_source(store, Config(), _jira(server.url, 100), client_factory=client_factory)

    assert _stored(store, "apache") == sorted(issue["key"] for issue in issues)
    assert summary.new == 237
    assert jira.searches == 5  # ceil(237 / 50): the keyset restarts cost no extra page here


def test_jira_capped_at_1000_with_2500_matching(shared_data, server, client_factory, tmp_path):
    issues = load_issues(shared_data, select=lambda index, issue: index < 2500)
    jira = JiraReplay(issues, inline_limit=1000, max_results_cap=1000)
    server.apis = [jira]
    store = open_store(tmp_path / "sync.duckdb")

    summary = sync_source(store, Config(), _jira(server.url, 1000), client_factory=client_factory)

    assert _stored(store, "apache") == sorted(issue["key"] for issue in issues)
    assert summary.new == 2500
    assert jira.searches <= 4  # 3 pages, and at most one more for issues re-read after keyset restarts


def test_jira_list_shifting_more_than_a_page_inside_one_minute(shared_data, server, client_factory, tmp_path):
    # All 128 issues share one update minute, so the walk pages them by offset. Before the fifth
    # search (offset 57), the 30 issues read last are updated and move to the end: every issue after
    # them shifts 30 places forward, more than a page of 20.
    issues = load_issues(shared_data, select=lambda index, issue: issue["fields"]["updated"].startswith(BIG_MINUTE))
    assert len(issues) == 128
    jira = JiraReplay(issues, inline_limit=1000)

    def shift(replay: JiraReplay) -> None:
        if replay.searches == 5:
            for key in list(dict.fromkeys(reversed(replay.served)))[:30]:
                replay.touch(key)

    jira.before_search = shift
    server.apis = [jira]
    store = open_store(tmp_path / "sync.duckdb")

    summary = sync_source(store, Config(), _jira(server.url, 20), client_factory=client_factory)

    assert len(jira.mutated) == 30
    assert _stored(store, "apache") == sorted(issue["key"] for issue in issues)
    triaged = store.connection.execute(
        "SELECT source_id FROM work_items WHERE list_contains(labels, 'triaged') ORDER BY 1"
    ).fetchall()
    assert [key for (key,) in triaged] == sorted(jira.mutated)
    assert (summary.fetched, summary.new) == (128 + 30, 128)


def test_github_capped_at_100_when_1000_are_asked(shared_data, server, client_factory, tmp_path):
    issues = copies(load_github_issues(shared_data), 237)
    github = GithubReplay(issues, base_url=server.url, per_page_cap=100)
    server.apis = [github]
    settings = SourceSettings(
        name="web-bugs", kind="github", url=server.url, query=REPO, token_env=TOKEN_ENV, page_size=1000
    )
    store = open_store(tmp_path / "sync.duckdb")

    summary = sync_source(store, Config(), settings, client_factory=client_factory)

    pulls = sum("pull_request" in issue for issue in issues)
    expected = sorted(f"{REPO}#{issue['number']}" for issue in issues if "pull_request" not in issue)
    assert _stored(store, "web-bugs") == expected
    assert summary.new == 237 - pulls


@pytest.mark.parametrize("links", [True, False], ids=["link", "x-next-page"])
def test_gitlab_capped_at_100_when_1000_are_asked(server, client_factory, tmp_path, links):
    data = {"issues": many_issues(237), "merge_requests": [], "deployments": []}
    gitlab = GitlabReplay(data, base_url=server.url, per_page_cap=100, links=links)
    server.apis = [gitlab]
    settings = SourceSettings(
        name="shop", kind="gitlab", url=server.url, query=PROJECT, token_env=TOKEN_ENV, page_size=1000
    )
    store = open_store(tmp_path / "sync.duckdb")

    summary = sync_source(store, Config(), settings, client_factory=client_factory)

    assert _stored(store, "shop") == sorted(f"{PROJECT}#{iid}" for iid in range(1, 238))
    assert summary.new == 237
