"""A `--type` (or `?type=`) that names neither an item type of the workspace (any case) nor a flow type
is refused with the type meant (`orgflow.query.cuts.check_item_type`), on every surface: the CLI exits 1,
the API answers 400 with the JSON error shape, a page its error page. A flow type no item has is known:
its figures are true zeros.

Over the three items of tests/cli/three_items.py: A-1 and B-1 are Stories (flow type feature), both
finished (lead times 4 and 7 days); A-2 is a Bug (defect), in progress.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from fastapi.testclient import TestClient
from tests.cli.in_process import run_main
from tests.cli.three_items import three_items_workspace

from orgflow.errors import NotFoundError
from orgflow.query.cuts import check_item_type
from orgflow.web.app import create_app

NOW = datetime(2024, 3, 9, tzinfo=UTC)
LISTED = "item types: Bug, Story; flow types: feature, defect, risk, debt, other"


@pytest.fixture(scope="module")
def items() -> Iterator[duckdb.DuckDBPyConnection]:
    """An items table as the facts hold it: a Bug (defect) and a Story (feature)."""
    connection = duckdb.connect()
    connection.execute("CREATE TABLE items (item_type VARCHAR, flow_type VARCHAR)")
    connection.execute("INSERT INTO items VALUES ('Bug', 'defect'), ('Story', 'feature'), (NULL, 'other')")
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return three_items_workspace(tmp_path_factory.mktemp("unknown-type"))


@pytest.mark.parametrize(
    "given", ["Bug", "bug", "BUG", "story", "defect", "Defect", "feature", "risk", "debt", "other"]
)
def test_known_types_pass(items: duckdb.DuckDBPyConnection, given: str) -> None:
    check_item_type(items, given, items_table="items")


@pytest.mark.parametrize(
    ("given", "hint"),
    [
        ("Bugs", "did you mean 'Bug'?"),
        ("stories", "did you mean 'Story'?"),  # difflib: 2 x 4 / 12 = 0.67 on "stor"
        ("defects", "did you mean 'defect'?"),
        ("Risks", "did you mean 'risk'?"),
        ("Epic", LISTED),  # nothing close: the known names
        ("zzz", LISTED),
    ],
)
def test_unknown_types_are_refused_with_the_one_meant(items: duckdb.DuckDBPyConnection, given: str, hint: str) -> None:
    with pytest.raises(NotFoundError) as raised:
        check_item_type(items, given, items_table="items")
    assert str(raised.value) == f"type: unknown type {given!r}; {hint}"
    assert raised.value.where() == {"field": "type"}


@pytest.mark.parametrize("command", ["summary", "cfd", "items", "throughput", "wip", "lead-time"])
def test_the_cli_exits_1_naming_the_type_meant(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], workspace: Path, command: str
) -> None:
    code, out, err = run_main(monkeypatch, capsys, "-w", str(workspace), "flow", command, "--type", "Bugs")
    assert (code, out, err) == (1, "", "error: type: unknown type 'Bugs'; did you mean 'Bug'?\n")


def test_the_cli_lists_the_known_types_when_none_is_close(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], workspace: Path
) -> None:
    code, out, err = run_main(monkeypatch, capsys, "-w", str(workspace), "flow", "summary", "--type", "Epic")
    assert (code, out, err) == (1, "", f"error: type: unknown type 'Epic'; {LISTED}\n")


@pytest.mark.parametrize(
    ("given", "finished", "wip"),
    [
        ("bug", 0, 1),  # A-2, any case
        ("Story", 2, 0),  # A-1 and B-1
        ("feature", 2, 0),  # their flow type
        ("risk", 0, 0),  # a flow type no item has: true zeros, not refused
    ],
)
def test_known_types_answer(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    workspace: Path,
    given: str,
    finished: int,
    wip: int,
) -> None:
    code, out, err = run_main(
        monkeypatch, capsys, "-w", str(workspace), "flow", "summary", "--type", given, "--format", "json"
    )
    assert (code, err) == (0, "")
    row = json.loads(out)["rows"][0]
    assert (row["finished"], row["wip"]) == (finished, wip)


@pytest.fixture(scope="module")
def client(workspace: Path) -> Iterator[TestClient]:
    application = create_app(workspace, now=NOW, live=False)
    yield TestClient(application)
    application.state.hub.close()


@pytest.mark.parametrize("url", ["/api/summary", "/api/cfd", "/api/items", "/api/throughput"])
def test_the_api_answers_400_with_the_error_shape(client: TestClient, url: str) -> None:
    answer = client.get(url, params={"type": "Bugs"})
    assert answer.status_code == 400
    assert answer.json() == {
        "ok": False,
        "error": "unknown type 'Bugs'",
        "where": {"field": "type"},
        "hint": "did you mean 'Bug'?",
    }


def test_the_api_answers_a_flow_type_no_item_has(client: TestClient) -> None:
    answer = client.get("/api/summary", params={"type": "risk", "window": "all"})
    assert answer.status_code == 200
    row = answer.json()["rows"][0]
    assert (row["finished"], row["wip"]) == (0, 0)


@pytest.mark.parametrize("url", ["/teams/alpha", "/"])
def test_a_page_answers_its_error_page(client: TestClient, url: str) -> None:
    answer = client.get(url, params={"type": "Bugs"})
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert '<p class="error-message" data-status="400">unknown type &#39;Bugs&#39;' in answer.text
    assert '<p class="hint">did you mean &#39;Bug&#39;?</p>' in answer.text
