"""A name `orgflow org team|members|history|checks` does not find among the groups: a team the work items are
attributed to is said to be one, with how to load the org (no org loaded) or map it (an org without it); with
no org at all any name says no org data is loaded. The web's 404 carries the same message and hint.

The workspace: three items of the transitions CSV in `tests/cli/three_items.py` (alpha: A-1, A-2; beta: B-1,
by their team column, which the default attribution rule `project` keeps)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.cli.three_items import TRANSITIONS

import orgflow
from orgflow import cli
from orgflow.errors import NotFoundError
from orgflow.model import Group
from orgflow.org.service import OrgService
from orgflow.store import ImportBatch, Store
from orgflow.web.app import create_app

LOAD_ORG = "load the org with `orgflow import org FILE.yaml` or `orgflow import backstage CATALOG.yaml`"


@pytest.fixture(scope="module")
def items_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("items-only")
    csv = directory / "transitions.csv"
    csv.write_text(TRANSITIONS, encoding="utf-8")
    workspace = orgflow.init(directory)
    try:
        workspace.import_files("transitions", [csv])
    finally:
        workspace.close()
    return directory


def _error(directory: Path, call: str, *args: str) -> NotFoundError:
    workspace = orgflow.open(directory, read_only=True)
    try:
        with pytest.raises(NotFoundError) as raised:
            getattr(OrgService(workspace.context(None)), call)(*args)
    finally:
        workspace.close()
    return raised.value


@pytest.mark.parametrize(("call", "args"), [("team_api", ("alpha",)), ("members", ("alpha",)), ("history", ("alpha",))])
def test_a_team_of_the_work_items_with_no_org_loaded(items_only: Path, call: str, args: tuple[str, ...]) -> None:
    error = _error(items_only, call, *args)
    assert (error.message, error.field, error.hint) == (
        "'alpha' is a team of the work items (2 work items, by the rule project) and no org data is loaded: "
        "it has no members, components or design checks",
        "group",
        f"{LOAD_ORG}; its flow figures: `orgflow flow summary --team alpha`",
    )


def test_any_other_name_with_no_org_loaded(items_only: Path) -> None:
    error = _error(items_only, "team_api", "gamma")
    assert (str(error), error.hint) == (
        f"group: unknown group 'gamma': no org data is loaded; {LOAD_ORG.replace('the org', 'it')}",
        LOAD_ORG.replace("the org", "it"),
    )


def test_the_cli_and_the_web_say_it_alike(
    items_only: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["orgflow", "-w", str(items_only), "org", "team", "beta"])
    with pytest.raises(SystemExit) as done:
        cli.main()
    message = (
        "'beta' is a team of the work items (1 work item, by the rule project) and no org data is loaded: "
        "it has no members, components or design checks"
    )
    hint = f"{LOAD_ORG}; its flow figures: `orgflow flow summary --team beta`"
    assert done.value.code == 1
    assert " ".join(capsys.readouterr().err.split()) == f"error: group: {message}; {hint}"
    with TestClient(create_app(items_only)) as client:  # closed after: no server files left behind
        answer = client.get("/api/org/teams/beta")
    assert answer.status_code == 404
    assert answer.json() == {"ok": False, "error": message, "where": {"field": "group"}, "hint": hint}


def test_with_an_org_that_lacks_the_team(items_only: Path, tmp_path: Path) -> None:
    """An org of one team, gamma: alpha is outside it (how to map it); delta is unknown (see the groups)."""
    import shutil

    directory = tmp_path / "ws"
    # The workspace, not what a server reading it keeps beside it (its snapshot copies come and go).
    shutil.copytree(items_only, directory, ignore=shutil.ignore_patterns(".orgflow-serve"))
    store = Store.open(directory / "orgflow.duckdb")
    batch = ImportBatch(source="org", kind="org", origin="test")
    batch.add(Group("org", "gamma", "Gamma", "team"))
    store.write(batch)
    store.close()
    error = _error(directory, "checks", None, "alpha")
    assert (error.message, error.hint) == (
        "'alpha' is a team of the work items (2 work items, by the rule project) that no group of the loaded org "
        "has as its id",
        "to give its items to a team of the org, add one line under `teams:` in orgflow.yaml, e.g. "
        "`alpha: my-team`, and import that source again; `orgflow org summary` lists the groups",
    )
    error = _error(directory, "team_api", "delta")
    assert (error.message, error.hint) == ("unknown group 'delta'", "see `orgflow org summary`")
