"""Fixtures of the web tests: one small demo organization, one app and one server per session.

Everything is computed as of the demo's fixed end (`DEFAULT_END`), so windows and figures do not
depend on the day the tests run. The app's hub caches results, so pages that several tests open are
computed once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web.browser_tab import Tab

import orgflow
from orgflow.demo import DEFAULT_END, build_demo
from orgflow.flow.service import FlowService
from orgflow.views.hub import MetricsHub
from orgflow.web.app import create_app
from orgflow.workspace import Workspace

DEMO_ITEMS = 2_000
NOW_TEXT = DEFAULT_END.isoformat()


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small demo organization (3 clusters, 14 teams, 2,000 items)."""
    directory = tmp_path_factory.mktemp("web-demo")
    build_demo(directory, seed=7, items=DEMO_ITEMS)
    return directory


@pytest.fixture(scope="session")
def app(demo_dir: Path) -> Iterator[FastAPI]:
    """The app over the demo, as of the demo's end."""
    application = create_app(demo_dir, now=DEFAULT_END)
    yield application
    application.state.hub.close()


@pytest.fixture(scope="session")
def hub(app: FastAPI) -> MetricsHub:
    return app.state.hub


@pytest.fixture(scope="session")
def client(app: FastAPI) -> TestClient:
    return TestClient(app)


@pytest.fixture(scope="session")
def service(demo_dir: Path) -> Iterator[FlowService]:
    """A FlowService of its own (its own connection), as the CLI would build it: the reference."""
    workspace = orgflow.open(demo_dir, read_only=True)
    yield workspace.flow_at(DEFAULT_END)
    workspace.close()


@pytest.fixture(scope="module")
def workspace(demo_dir: Path) -> Iterator[Workspace]:
    """The demo opened apart from the app (a connection of its own), as the CLI would open it: the
    reference side of a module's comparisons."""
    opened = orgflow.open(demo_dir, read_only=True)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def base_url(app: FastAPI) -> Iterator[str]:
    """The app served on a free loopback port for the browser tests."""
    from orgflow.web.browser import serve_in_thread

    with serve_in_thread(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless (browser test modules skip themselves when it is absent)."""
    from orgflow.web.browser import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def tab(browser: Any, base_url: str) -> Iterator[Tab]:
    """A fresh 1440x900 tab, closed after the test."""
    opened = Tab(browser, base_url)
    yield opened
    opened.close()
