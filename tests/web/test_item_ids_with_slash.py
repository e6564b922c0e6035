"""`/api/items/{id}` answers an item whose id holds "/" and "#": a GitHub issue's "owner/name#number",
sent percent-encoded (``webcompat%2Fweb-bugs%2370965``) or with its "/" as is; `/api/items/` stays the
items list; the items page links to such an item with its id encoded, and the link opens it.

Over ../shared/data/github/webcompat-issues-with-events.json (100 issues of webcompat/web-bugs).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import orgflow
from orgflow.web.app import create_app

NOW = datetime(2021, 4, 22, tzinfo=UTC)
ID = "webcompat/web-bugs#70965"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("github-ids") / "ws"
    workspace = orgflow.init(folder)
    try:
        workspace.import_files("github", [shared_data / "github" / "webcompat-issues-with-events.json"])
    finally:
        workspace.close()
    application = create_app(folder, now=NOW, live=False)
    yield TestClient(application)
    application.state.hub.close()


@pytest.mark.parametrize(
    "path",
    ["/api/items/webcompat%2Fweb-bugs%2370965", "/api/items/webcompat/web-bugs%2370965"],
    ids=["encoded", "slash as is"],
)
def test_a_github_item_is_found(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    item = answer.json()["item"]
    assert (item["item_id"], item["project"], item["url"]) == (
        ID,
        "webcompat/web-bugs",
        "https://github.com/webcompat/web-bugs/issues/70965",
    )
    assert item["title"] == 'www.thesneakerdealer.nl - Missing "Open app" bar'


def test_an_unknown_github_item_is_a_404_naming_it(client: TestClient) -> None:
    answer = client.get("/api/items/webcompat%2Fweb-bugs%2399999")
    assert answer.status_code == 404
    assert answer.json() == {
        "ok": False,
        "error": "unknown item 'webcompat/web-bugs#99999'",
        "where": {"field": "item"},
        "hint": "see the items table for item ids",
    }


def test_the_repository_alone_is_no_item(client: TestClient) -> None:
    answer = client.get("/api/items/webcompat/web-bugs")
    assert answer.status_code == 404
    assert answer.json()["error"] == "unknown item 'webcompat/web-bugs'"


@pytest.mark.parametrize("query", [{}, {"window": "all", "state": "open"}])
def test_the_trailing_slash_is_still_the_items_list(client: TestClient, query: dict[str, str]) -> None:
    listed = client.get("/api/items", params=query).json()
    assert client.get("/api/items/", params=query).json() == listed
    assert listed["metric"] == "items"


def test_the_items_page_links_to_a_github_item_with_its_id_encoded(client: TestClient) -> None:
    page = client.get("/items", params={"window": "all"}).text
    link = re.search(r'<a href="(/items\?[^"]*item=webcompat%2Fweb-bugs%2370965[^"]*)">([^<]*)</a>', page)
    assert link is not None and html.unescape(link.group(2)) == ID
    opened = client.get(html.unescape(link.group(1))).text
    assert f'id="item-detail" data-item="{ID}"' in opened
