"""Where the token may go: paging links only on the configured origin, plain http only to loopback."""

from __future__ import annotations

from typing import Any

import pytest
from replay_github import REPO, GithubReplay, load_issues
from replay_server import ReplayServer
from tests.sources.connectors.conftest import TOKEN_ENV, dump, open_store

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.sources.connectors.settings import SourceSettings
from orgflow.sources.connectors.sync import make_client, sync_source
from orgflow.sources.http import HttpClient, Secret, SyncError, TokenAuth


class _LinkElsewhere(GithubReplay):
    """GitHub whose first events page (or issues page) names a next page on another server."""

    def __init__(self, issues: list[dict[str, Any]], *, base_url: str, elsewhere: str, on: str) -> None:
        super().__init__(issues, base_url=base_url)
        self.elsewhere = elsewhere
        self.on = on

    def route(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, str], Any] | None:
        found = super().route(path, params)
        if found is not None and path.endswith(self.on):
            status, headers, body = found
            headers = {**headers, "Link": f'<{self.elsewhere}/steal{self.on}?page=2>; rel="next"'}
            return status, headers, body
        return found


@pytest.mark.parametrize("on", ["/events", "/issues"])
def test_a_next_link_to_another_port_is_refused(shared_data, server, token, client_factory, tmp_path, on):
    other = ReplayServer(token=token).start()
    try:
        server.apis = [_LinkElsewhere(load_issues(shared_data)[:5], base_url=server.url, elsewhere=other.url, on=on)]
        settings = SourceSettings(name="web-bugs", kind="github", url=server.url, query=REPO, token_env=TOKEN_ENV)
        store = open_store(tmp_path / "sync.duckdb")
        before = dump(store)

        with pytest.raises(SyncError) as failure:
            sync_source(store, Config(), settings, client_factory=client_factory)

        assert other.requests == 0
        assert dump(store) == before
        assert store.connection.execute("SELECT count(*) FROM sync_state").fetchone()[0] == 0
        message = str(failure.value)
        assert "source web-bugs" in message
        assert f"refused a link to another host ({other.url}/steal{on}?page=2)" in message
        assert f"requests go only to {server.url}" in message
        assert token not in message
    finally:
        other.stop()


def test_an_absolute_url_off_the_root_is_refused_before_any_request(server, token):
    other = ReplayServer(token=token).start()
    try:
        with HttpClient(server.url, auth=TokenAuth(Secret(token)), source="x") as client:
            with pytest.raises(SyncError, match="refused a link to another host"):
                client.get_json(f"{other.url}/repos/{REPO}/issues")
            with pytest.raises(SyncError, match="refused a link to another host"):
                client.get_json(server.url.replace("http://", "https://") + f"/repos/{REPO}/issues")
        assert other.requests == 0 and server.requests == 0
    finally:
        other.stop()


@pytest.mark.parametrize(
    "url", ["http://jira.example.com", "http://10.0.0.7:8080/jira", "http://127.0.0.1.example.com", "http://[::2]"]
)
def test_a_token_over_plain_http_to_another_machine_is_refused(token, url, tmp_path):
    settings = SourceSettings(name="apache", kind="jira", url=url, query="project = X", token_env=TOKEN_ENV)
    with pytest.raises(InputError) as failure:
        make_client(settings)
    assert failure.value.record == "source apache" and failure.value.field == "url"
    assert "plain http" in str(failure.value) and token not in str(failure.value)

    store = open_store(tmp_path / "sync.duckdb")
    before = dump(store)
    with pytest.raises(InputError, match="plain http"):
        sync_source(store, Config(), settings)
    assert dump(store) == before


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://127.8.9.10",
        "http://localhost:9000/jira",
        "http://LOCALHOST",
        "http://[::1]:8080",
        "https://jira.example.com",
    ],
)
def test_a_token_over_loopback_http_or_https_is_allowed(token, url):
    settings = SourceSettings(name="apache", kind="jira", url=url, query="project = X", token_env=TOKEN_ENV)
    make_client(settings).close()


def test_plain_http_without_a_token_is_allowed():
    settings = SourceSettings(name="apache", kind="jira", url="http://jira.example.com", query="project = X")
    make_client(settings).close()
