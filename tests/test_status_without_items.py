"""`orgflow status` of a workspace without work items: nothing imported says how to import; other data alone
says there are no flow figures and what each loaded part supports, never "every status is mapped" nor
"stored flow facts are missing / current: 0 items"."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import orgflow
from orgflow import cli
from orgflow.model import Deployment, Group
from orgflow.status import without_items_lines
from orgflow.store import ImportBatch, Store

WORK_ITEM_IMPORTS = (
    "`orgflow import jira FILE`, `orgflow import github FILE --repo OWNER/NAME`, `orgflow import gitlab FILE` "
    "or `orgflow import transitions FILE.csv`"
)
NOTHING = (
    f"nothing is imported yet: load work items with {WORK_ITEM_IMPORTS}; code, delivery and the org with "
    "`orgflow import git REPO` (commits), `orgflow import deployments FILE.csv`, `orgflow import incidents FILE`, "
    "`orgflow import org FILE.yaml` or `orgflow import backstage CATALOG.yaml` (the org)"
)
NO_ITEMS = (
    "no work items are loaded, so there are no flow figures (lead and cycle time, throughput, WIP, forecasts): "
    f"load them with {WORK_ITEM_IMPORTS}"
)


def _main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["orgflow", *args])
    capsys.readouterr()
    try:
        cli.main()
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    return code, capsys.readouterr().out


def _words(text: str) -> str:
    """`text` with every run of whitespace as one space: the console wraps long lines at its width."""
    return " ".join(text.split())


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    orgflow.init(tmp_path).close()
    return tmp_path


@pytest.fixture
def delivery_and_org(tmp_path: Path) -> Path:
    """Two deployments and a catalog of three groups: no work items."""
    orgflow.init(tmp_path).close()
    store = Store.open(tmp_path / "orgflow.duckdb")
    batch = ImportBatch(source="test", kind="deployments", origin="test")
    for number in (1, 2):
        batch.add(
            Deployment(
                "deploys", f"D{number}", "shop", "production", str(number) * 40, datetime(2024, 1, number, tzinfo=UTC)
            )
        )
    store.write(batch)
    org = ImportBatch(source="catalog", kind="org", origin="test")
    org.add(Group("catalog", "acme", "Acme", "org"))
    org.add(Group("catalog", "shop", "Shop", "cluster", parent_id="acme"))
    org.add(Group("catalog", "checkout", "Checkout", "team", parent_id="shop"))
    store.write(org)
    store.close()
    return tmp_path


def test_nothing_imported_says_how_to_import(
    empty: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = orgflow.open(empty)
    try:
        assert workspace.status.without_items == (NOTHING,)
    finally:
        workspace.close()
    code, out = _main(monkeypatch, capsys, "-w", str(empty), "status")
    # No empty tables, no "every status is mapped", no "flow facts are missing": the workspace, then how to import.
    assert code == 0 and _words(out) == _words(f"workspace {empty.resolve()} {NOTHING}")
    code, out = _main(monkeypatch, capsys, "-w", str(empty), "status", "--format", "json")
    assert code == 0 and json.loads(out)["without work items"] == [NOTHING]


def test_other_data_alone_says_no_flow_figures_and_what_it_supports(
    delivery_and_org: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = (
        NO_ITEMS,
        "2 deployments loaded: DORA's deployment figures (`orgflow dora`)",
        "3 groups loaded: the org's groups, members and design checks (`orgflow org`)",
    )
    workspace = orgflow.open(delivery_and_org)
    try:
        assert workspace.status.without_items == expected
    finally:
        workspace.close()
    code, out = _main(monkeypatch, capsys, "-w", str(delivery_and_org), "status")
    assert code == 0
    assert "every status is mapped" not in out and "flow facts" not in out and "work items by source" not in out
    assert _words(" ".join(expected)) in _words(out)


def test_loaded_work_items_keep_the_flow_lines() -> None:
    assert without_items_lines({"work_items": 1, "commits": 5}) == ()
    assert without_items_lines({"work_items": 0, "commits": 1_234, "incidents": 0}) == (
        NO_ITEMS,
        "1,234 commits loaded: ownership, coupling and truck factor (`orgflow deps`)",
    )
