"""Fixtures of the connector tests: a sentinel token, the replay server, store dumps."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from replay_server import ReplayServer

from orgflow.model import TABLES
from orgflow.sources.connectors.settings import SourceSettings
from orgflow.sources.connectors.sync import make_client
from orgflow.sources.http import HttpClient
from orgflow.store import Store

TOKEN = "sentinel-tok-7f3a9c1e5b2d4f60"
TOKEN_ENV = "ORGFLOW_TEST_TOKEN"


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    """The sentinel token, exported in $ORGFLOW_TEST_TOKEN."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return TOKEN


@pytest.fixture
def server(token: str) -> Iterator[ReplayServer]:
    """A started replay server expecting the sentinel token."""
    replay = ReplayServer(token=token, timeout_delay=3.3).start()
    yield replay
    replay.stop()


@pytest.fixture
def sleeps() -> list[float]:
    """The waits the client asked for (recorded instead of slept)."""
    return []


@pytest.fixture
def client_factory(sleeps: list[float]) -> Callable[[SourceSettings], HttpClient]:
    """Clients that record their waits, time out after 3 s (room for a 1,000-issue page) and retry 4 times."""
    return partial(make_client, sleep=sleeps.append, timeout_seconds=3.0, max_retries=4, jitter=random.Random(7))


def open_store(path: Path) -> Store:
    return Store.open(path, create=True)


def dump(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Every canonical table's rows, sorted."""
    return {
        cls.spec.table: store.connection.execute(f"SELECT * FROM {cls.spec.table} ORDER BY ALL").fetchall()
        for cls in TABLES
    }


def jira_settings(url: str, *, page_size: int = 20, deployment: str = "auto") -> SourceSettings:
    """The Apache Jira source (AMQ and ZOOKEEPER) at the replay server's `url`."""
    return SourceSettings(
        name="apache",
        kind="jira",
        url=url,
        query="project in (AMQ, ZOOKEEPER)",
        token_env=TOKEN_ENV,
        page_size=page_size,
        deployment=deployment,
    )
