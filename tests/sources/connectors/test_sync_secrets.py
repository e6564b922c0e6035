"""The token never shows: not in logs, errors, reprs, the workspace file, nor `orgflow status`."""

from __future__ import annotations

import logging

import pytest
from replay_github import REPO, GithubReplay, load_issues
from tests.sources.connectors.conftest import TOKEN_ENV
from typer.testing import CliRunner

from orgflow.cli import app
from orgflow.sources.connectors.settings import SourceSettings
from orgflow.sources.connectors.sync import make_client, sync_source
from orgflow.sources.http import HttpClient, Secret, SyncError
from orgflow.workspace import init_workspace


def test_token_appears_nowhere(shared_data, server, client_factory, token, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    github = GithubReplay(load_issues(shared_data)[:12], base_url=server.url)
    server.apis = [github]
    server.faults = {2: "500", 3: "429", 5: "timeout"}
    settings = SourceSettings(name="web-bugs", kind="github", url=server.url, query=REPO, token_env=TOKEN_ENV)
    workspace = init_workspace(tmp_path / "ws")
    summary = sync_source(workspace.store, workspace.config, settings, client_factory=client_factory)
    assert summary.new == 12 and summary.retries == 3

    # A request that fails for good: the error names the URL, never the token.
    server.faults = {number: "500" for number in range(server.requests + 1, server.requests + 10)}
    with pytest.raises(SyncError) as failure:
        sync_source(workspace.store, workspace.config, settings, client_factory=client_factory, full=True)
    message = str(failure.value)
    assert "gave up after 5 attempts (HTTP 500)" in message and f"/repos/{REPO}/issues" in message
    workspace.close()

    client = make_client(settings)
    texts = [message, repr(failure.value), repr(client), repr(client._client.auth), repr(Secret(token)), caplog.text]
    client.close()
    result = CliRunner().invoke(app, ["--workspace", str(tmp_path / "ws"), "status"])
    assert result.exit_code == 0, result.output
    texts.append(result.output)
    assert "web-bugs" in result.output
    for text in texts:
        assert token not in text
    assert "retry" in caplog.text  # retries were logged, without the token
    for path in (tmp_path / "ws").rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path


def test_wrong_token_is_refused_with_a_clear_error(server, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, "not-the-token")
    settings = SourceSettings(name="x", kind="github", url=server.url, query=REPO, token_env=TOKEN_ENV)
    server.apis = [GithubReplay([{"number": 1, "updated_at": "2021-04-17T00:00:00Z"}], base_url=server.url)]
    with HttpClient(server.url, sleep=lambda seconds: None) as client, pytest.raises(SyncError) as failure:
        client.get_json(f"repos/{REPO}/issues")
    assert str(failure.value) == (
        f"{server.url}/repos/{REPO}/issues: authentication failed (HTTP 401); check the token environment variable"
    )
    assert settings.token() is not None and "not-the-token" not in repr(settings.token())
