"""The shared HTTP client: waits it asks for, links it follows, URLs it shows."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from replay_github import REPO, GithubReplay
from tests.sources.connectors.conftest import TOKEN_ENV

from orgflow.sources.connectors.settings import SourceSettings
from orgflow.sources.http import (
    HttpClient,
    JsonResponse,
    Secret,
    SyncError,
    TokenAuth,
    next_link,
    parse_retry_after,
    safe_url,
)


def test_retry_after_in_seconds_and_as_http_date():
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    assert 85 <= parse_retry_after(soon) <= 90


def test_next_link_and_safe_url():
    header = (
        '<https://api.github.com/repos/a/b/issues?page=3>; rel="next", <https://api.github.com/x?page=9>; rel="last"'
    )
    assert next_link(header) == "https://api.github.com/repos/a/b/issues?page=3"
    assert next_link('<https://x/y?page=9>; rel="last"') is None
    assert next_link(None) is None
    assert next_link('<https://x/y?labels=a,b&page=2>; rel="next", <https://x/y?page=9>; rel="last"') == (
        "https://x/y?labels=a,b&page=2"
    )
    assert next_link('<https://x/y?page=1>; rel="prev first", <https://x/y?page=3>; rel="next last"') == (
        "https://x/y?page=3"
    )
    assert next_link('<https://x/y?page=3>; title="next"; rel=last') is None
    relative = JsonResponse([], httpx.Headers({"Link": '</api/v4/items?page=2>; rel="next"'}), "https://h/api/v4/items")
    assert relative.next_link() == "https://h/api/v4/items?page=2"
    assert safe_url("https://me:pw@host/api?private_token=abc&page=2") == "https://host/api?private_token=***&page=2"


def test_backoff_is_exponential_with_jitter_and_bounded(server, token):
    server.apis = [GithubReplay([{"number": 1, "updated_at": "2021-04-17T00:00:00Z"}], base_url=server.url)]
    server.faults = {number: "500" for number in range(1, 20)}
    sleeps: list[float] = []
    client = HttpClient(
        server.url,
        auth=TokenAuth(Secret(token)),
        max_retries=4,
        backoff_base=0.5,
        backoff_max=2.0,
        sleep=sleeps.append,
        jitter=random.Random(3),
    )
    with client, pytest.raises(SyncError) as failure:
        client.get_json(f"repos/{REPO}/issues")
    expected_rng = random.Random(3)
    expected = [min(2.0, 0.5 * 2**attempt) * expected_rng.uniform(0.5, 1.0) for attempt in range(4)]
    assert sleeps == expected
    assert server.requests == 5
    assert str(failure.value).startswith(f"{server.url}/repos/{REPO}/issues: gave up after 5 attempts (HTTP 500)")


def test_missing_token_variable_is_an_input_error(monkeypatch):
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    settings = SourceSettings(name="x", kind="github", url="https://api.github.com", query=REPO, token_env=TOKEN_ENV)
    with pytest.raises(Exception, match=f"environment variable {TOKEN_ENV} is not set"):
        settings.token()
    with pytest.raises(Exception, match="credentials"):
        SourceSettings(name="x", kind="jira", url="https://me:pw@jira.example", query="project = X")
