"""An `/api/` request with a query parameter its route does not read is a 400 naming it and the accepted
ones (`orgflow.web.query_names`), so a misspelt filter never answers as if no filter were given. Pages
(HTML) keep ignoring such parameters: their links carry the filter bar's from page to page.

Over the three items of tests/cli/three_items.py (teams alpha and beta), as of 2024-03-09.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from tests.cli.three_items import TRANSITIONS
from typer.testing import CliRunner

from orgflow.cli import app as cli_app
from orgflow.web.app import create_app

NOW = datetime(2024, 3, 9, tzinfo=UTC)
FLOW_FILTERS = "by, group, now, project, since, team, type, until, value_stream, window"
PAGE_FILTERS = "group, now, phase, project, since, team, type, until, value_stream, window"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("unknown-query")
    (folder / "transitions.csv").write_text(TRANSITIONS, encoding="utf-8")
    workspace = folder / "ws"
    for args in (["init"], ["import", "transitions", str(folder / "transitions.csv")]):
        done = CliRunner().invoke(cli_app, ["-w", str(workspace), *args])
        assert done.exit_code == 0, done.output
    application = create_app(workspace, now=NOW, live=False)
    yield TestClient(application)
    application.state.hub.close()


def test_a_misspelt_filter_is_a_400_naming_it(client: TestClient) -> None:
    answer = client.get("/api/summary", params={"tema": "alpha"})
    assert answer.status_code == 400
    assert answer.json() == {
        "ok": False,
        "error": "unknown query parameter 'tema' for /api/summary",
        "where": {"field": "tema"},
        "hint": f"accepted: {FLOW_FILTERS}",
    }


def test_the_right_spelling_filters(client: TestClient) -> None:
    everyone = client.get("/api/summary", params={"window": "all"}).json()["rows"]
    alpha = client.get("/api/summary", params={"window": "all", "team": "alpha"}).json()["rows"]
    assert (everyone[0]["finished"], alpha[0]["finished"]) == (2, 1)


@pytest.mark.parametrize(
    ("url", "error", "hint"),
    [
        (
            "/api/organization?window=all&windw=30",
            "unknown query parameter 'windw' for /api/organization",
            f"accepted: {PAGE_FILTERS}",
        ),
        (
            "/api/teams/alpha?since=2024-03-01&untill=2024-03-08",
            "unknown query parameter 'untill' for /api/teams/{team_id:path}",
            f"accepted: {PAGE_FILTERS}",
        ),
        (
            "/api/groups?team=alpha",
            "unknown query parameter 'team' for /api/groups",
            "/api/groups takes no query parameters",
        ),
        (
            "/api/insights?teams=alpha",
            "unknown query parameter 'teams' for /api/insights",
            "accepted: group, now, team",
        ),
        (
            "/api/delivery?window=30&service=x",
            "unknown query parameter 'service' for /api/delivery",
            "accepted: now, since, until, window",
        ),
        (
            "/api/cycle-time?team=alpha&by=team",
            "unknown query parameter 'by' for /api/cycle-time",
            "accepted: group, include_cancelled, now, project, since, team, type, until, value_stream, window",
        ),
    ],
)
def test_every_api_route_refuses_what_it_does_not_read(client: TestClient, url: str, error: str, hint: str) -> None:
    answer = client.get(url)
    assert answer.status_code == 400
    assert answer.json() == {"ok": False, "error": error, "where": {"field": error.split("'")[1]}, "hint": hint}


def test_pages_and_their_fragments_ignore_extra_parameters(client: TestClient) -> None:
    for url in ("/?tema=alpha", "/teams/alpha?window=all&utm_source=mail", "/insights/panel?team=alpha&window=90"):
        assert client.get(url).status_code == 200, url


def test_the_pages_json_links_are_accepted(client: TestClient) -> None:
    """The "as JSON" links the pages print carry only parameters their routes read."""
    links: set[str] = set()
    for page in ("/", "/teams/alpha", "/org", "/dependencies", "/forecasts?team=alpha", "/forecasts/plan"):
        html = client.get(page).text
        links.update(link.replace("&amp;", "&") for link in re.findall(r'href="(/api/[^"]+)"', html))
    assert links, "no JSON link found on the pages"
    for link in sorted(links):
        answer = client.get(link)
        assert "unknown query parameter" not in answer.text, (link, answer.text)
