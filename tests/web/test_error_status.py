"""The HTTP status of each kind of error, mapped once by the app (`orgflow.web.app.HTTP_STATUS`).

Routes that raise each kind are added to an app of their own (the shared one stays as it is); real
routes show the rule for names: one in the path that names nothing is a 404, one in a query parameter
a 400 (the page exists, its filter names nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from orgflow.demo import DEFAULT_END
from orgflow.errors import ConflictError, InputError, NotFoundError
from orgflow.web.app import create_app

KINDS: dict[str, type[InputError]] = {"bad": InputError, "missing": NotFoundError, "conflict": ConflictError}


@pytest.fixture(scope="module")
def kinds_client(demo_dir: Path) -> Iterator[TestClient]:
    """An app with `/api/raise/{kind}` and `/raise/{kind}`, which raise that kind about the field `thing`
    (the query parameters `thing` and `other` are theirs)."""
    app = create_app(demo_dir, now=DEFAULT_END)

    def raise_kind(kind: str, thing: str | None = None, other: str | None = None) -> None:
        raise KINDS[kind](f"a {kind} thing", field="thing", hint="fix it")

    app.add_api_route("/api/raise/{kind}", raise_kind, methods=["GET"])
    app.add_api_route("/raise/{kind}", raise_kind, methods=["GET"])
    yield TestClient(app)
    app.state.hub.close()


@pytest.mark.parametrize(("kind", "status"), [("bad", 400), ("missing", 404), ("conflict", 409)])
def test_each_kind_has_its_status_in_the_api_and_on_pages(kinds_client: TestClient, kind: str, status: int) -> None:
    api = kinds_client.get(f"/api/raise/{kind}")
    assert api.status_code == status
    assert api.json() == {"ok": False, "error": f"a {kind} thing", "where": {"field": "thing"}, "hint": "fix it"}
    page = kinds_client.get(f"/raise/{kind}")
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html") and f"a {kind} thing" in page.text


def test_a_not_found_about_a_query_parameter_is_a_400(kinds_client: TestClient) -> None:
    assert kinds_client.get("/api/raise/missing", params={"thing": "x"}).status_code == 400
    assert kinds_client.get("/api/raise/missing", params={"other": "x"}).status_code == 404
    assert kinds_client.get("/api/raise/conflict", params={"thing": "x"}).status_code == 409


@pytest.mark.parametrize(
    ("url", "status", "where"),
    [
        ("/api/teams/nobody", 404, {"field": "team"}),
        ("/api/summary?team=nobody", 400, {"field": "team"}),
        ("/api/delivery/services/no-such-service", 404, {"field": "service"}),
        ("/api/delivery/teams/no-such-team", 404, {"field": "team"}),
        ("/api/insights?group=nowhere", 400, {"field": "group"}),
    ],
)
def test_real_lookups_answer_by_where_the_name_is(client: TestClient, url: str, status: int, where: dict) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.json()["where"] == where
