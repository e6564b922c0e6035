"""The items page refuses a stage no workflow has for every `show`, as the API does
(`orgflow.query.known_names.check_stage`), instead of listing nothing; and a known stage keeps the items
now in it for every `show`, finished and blocked items included."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from orgflow.web.items import SHOWS

KNOWN = (
    "known stages: Backlog, Refinement, Ready, In Progress, Review, Awaiting Approval, Ready for Release, Releasing, "
    "Verifying, Done, Cancelled, Analysis, Blocked, Awaiting Review, unmapped"
)


def _error(page: str) -> tuple[str, str]:
    message = re.search(r'<p class="error-message" data-status="400">(.*?) <span class="where">', page, re.S)
    hint = re.search(r'<p class="hint">(.*?)</p>', page, re.S)
    assert message and hint, page
    return message.group(1), hint.group(1)


def test_the_api_refuses_it_with_these_words(client: TestClient) -> None:
    answer = client.get("/api/items?stage=Nonsense")
    assert answer.status_code == 400
    assert answer.json() == {
        "ok": False,
        "error": "unknown stage 'Nonsense'",
        "where": {"field": "stage"},
        "hint": KNOWN,
    }


@pytest.mark.parametrize("show", SHOWS)
def test_every_show_refuses_an_unknown_stage_as_the_api_does(client: TestClient, show: str) -> None:
    page = client.get(f"/items?show={show}&stage=Nonsense")
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert _error(page.text) == (escape("unknown stage 'Nonsense'"), KNOWN)
    assert "(field: stage)" in page.text


@pytest.mark.parametrize("show", SHOWS)
def test_a_stage_spelt_in_other_case_is_refused_with_the_stage_meant(client: TestClient, show: str) -> None:
    page = client.get(f"/items?show={show}&stage=in+progress")
    assert page.status_code == 400
    assert _error(page.text) == (
        escape("unknown stage 'in progress'"),
        escape(f"did you mean 'In Progress'? ({KNOWN})"),
    )


def _ids(client: TestClient, path: str) -> set[str]:
    answer = client.get(path).json()
    return {row["item_id"] for row in answer["rows"]}


def _total(client: TestClient, path: str) -> int:
    page = client.get(path)
    assert page.status_code == 200
    found = re.search(r'data-total="(\d+)"', page.text)
    assert found
    return int(found.group(1))


@pytest.mark.parametrize(("show", "metric"), [("finished", "cycle-time"), ("blocked", "blocked")])
@pytest.mark.parametrize("stage", ["Done", "In Progress"])
def test_finished_and_blocked_items_are_kept_by_their_stage_now(
    client: TestClient, show: str, metric: str, stage: str
) -> None:
    """The reference is the API: the figure's items that the items figure says are now in the stage."""
    behind = _ids(client, f"/api/{metric}")
    now_in = _ids(client, f"/api/items?stage={stage.replace(' ', '+')}")
    expected = len(behind & now_in)
    assert _total(client, f"/items?show={show}&stage={stage.replace(' ', '+')}") == expected
    assert _total(client, f"/items?show={show}") == len(behind)
