"""The phase of a cut (`Cut.phase`, `orgflow.flow.phases`): it keeps a figure's rows of the phase's stages,
by stage or by an item's current stage; a figure without rows by stage refuses it; it never shapes a query.

The board: Backlog (Ideate) → Ready, In Progress (Create) → Deploy (Release) → Done (Operate); items of team
alpha seen from Monday 2024-06-03 12:00 UTC:

- F-1: In Progress 05-10 09:00 for 2 days, Deploy 1 day, Done 05-13 09:00 (created 05-09 09:00 in Backlog);
- O-1: In Progress since 05-20 09:00; O-2: Ready since 05-28 09:00 (both open, in Create);
- O-3: In Progress 05-15 09:00 for 3 days, then Deploy since 05-18 09:00 (open, in Release);
- B-1: in Backlog since 05-25 (never started).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.insights.workspaces import NOW, Item, at, build_workspace, flowing

from orgflow import cli
from orgflow.errors import InputError
from orgflow.flow.service import FlowService
from orgflow.query.cuts import cut_shape, cut_values
from orgflow.query.window import Cut
from orgflow.views.filters import Filters
from orgflow.workspace import open_workspace

BOARD = """
workflows:
  - name: board
    applies_to: {source: t, projects: ["*"]}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Backlog]}
      - {name: Ready, phase: Create, category: wait, statuses: [Ready]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
      - {name: Deploy, phase: Release, category: active, statuses: [Deploy]}
      - {name: Done, phase: Operate, category: done, statuses: [Done]}
"""
SINCE, UNTIL = date(2024, 5, 1), date(2024, 6, 2)
ITEMS = [
    flowing("F-1", "alpha", at(date(2024, 5, 10)), ("In Progress", 2), ("Deploy", 1), ("Done", 0)),
    flowing("O-1", "alpha", at(date(2024, 5, 20)), ("In Progress", 999)),
    flowing("O-2", "alpha", at(date(2024, 5, 28)), ("Ready", 999)),
    flowing("O-3", "alpha", at(date(2024, 5, 15)), ("In Progress", 3), ("Deploy", 999)),
    Item("B-1", "alpha", ((at(date(2024, 5, 25)), "Backlog"),)),
]


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The board's workspace folder."""
    folder = tmp_path_factory.mktemp("phases")
    build_workspace(folder, ITEMS).close()
    (folder / "orgflow.yaml").write_text(BOARD, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def service(directory: Path) -> Iterator[FlowService]:
    workspace = open_workspace(directory, read_only=True)
    yield workspace.flow_at(NOW)
    workspace.close()


def _ids(rows: list[dict]) -> list[str]:
    return [row["item_id"] for row in rows]


def test_age_keeps_the_items_now_in_the_phase(service: FlowService) -> None:
    assert _ids(service.age().rows()) == ["O-3", "O-1", "O-2"]  # oldest first: started 05-15, 05-20, 05-28
    assert _ids(service.age(cut=Cut(phase="Create")).rows()) == ["O-1", "O-2"]
    assert _ids(service.age(cut=Cut(team="alpha", phase="Release")).rows()) == ["O-3"]
    assert service.age(cut=Cut(phase="Ideate")).rows() == []  # B-1 never started: no age
    assert service.age(cut=Cut(phase="Create")).params["phase"] == "Create"


def test_items_keep_those_whose_current_stage_is_in_the_phase(service: FlowService) -> None:
    every = service.items(since=SINCE, until=UNTIL).rows()
    assert _ids(every) == ["F-1", "O-3", "O-1", "B-1", "O-2"]  # by creation
    assert _ids(service.items(cut=Cut(phase="Create"), since=SINCE, until=UNTIL).rows()) == ["O-1", "O-2"]
    assert _ids(service.items(cut=Cut(phase="Ideate"), since=SINCE, until=UNTIL).rows()) == ["B-1"]
    assert _ids(service.items(cut=Cut(phase="Operate"), since=SINCE, until=UNTIL).rows()) == ["F-1"]


def test_stages_keep_the_phases_stages(service: FlowService) -> None:
    # F-1, the one item finished in the window: Backlog 1 day, In Progress 2, Deploy 1, Done 0.
    every = {row["stage"]: row["total_days"] for row in service.stages(since=SINCE, until=UNTIL).rows()}
    assert every == {"Backlog": 1.0, "In Progress": 2.0, "Deploy": 1.0, "Done": 0.0}
    create = service.stages(cut=Cut(phase="Create"), since=SINCE, until=UNTIL)
    assert [(row["stage"], row["total_days"]) for row in create.rows()] == [("In Progress", 2.0)]
    assert create.params["rows"] == 1
    release = service.stages(cut=Cut(phase="Release"), since=SINCE, until=UNTIL).rows()
    assert [(row["stage"], row["total_days"]) for row in release] == [("Deploy", 1.0)]
    by_phase = service.stages(cut=Cut(phase="Create"), since=SINCE, until=UNTIL, level="phase").rows()
    assert [(row["phase"], row["total_days"]) for row in by_phase] == [("Create", 2.0)]


def test_cfd_keeps_the_phases_bands(service: FlowService) -> None:
    every = service.cfd(since=SINCE, until=UNTIL).rows()
    release = service.cfd(cut=Cut(phase="Release"), since=SINCE, until=UNTIL).rows()
    assert release == [row for row in every if row["stage"] == "Deploy"]
    assert release


@pytest.mark.parametrize("figure", ["summary", "throughput", "wip", "cycle_time", "blocked"])
def test_a_figure_without_rows_by_stage_refuses_a_phase(service: FlowService, figure: str) -> None:
    with pytest.raises(InputError) as raised:
        getattr(service, figure)(cut=Cut(phase="Create"), since=SINCE, until=UNTIL)
    assert raised.value.field == "phase"


def test_an_unknown_phase_is_bad_input(service: FlowService) -> None:
    with pytest.raises(InputError) as raised:
        service.age(cut=Cut(phase="Nope"))
    assert (raised.value.field, raised.value.message) == ("phase", "unknown phase 'Nope'")


def test_the_phase_does_not_shape_or_enter_a_query() -> None:
    assert cut_shape(Cut(team="a", phase="Create")) == cut_shape(Cut(team="a")) == ("team",)
    assert cut_values(Cut(team="a", phase="Create")) == {"cut_team": "a"}


def test_the_pages_filters_carry_the_phase_in_their_cut() -> None:
    filters = Filters(team="a", phase="Create")
    assert filters.cut() == Cut(team="a", phase="Create")
    assert filters.cut(phase=False) == Cut(team="a")


# -- the phase on the command line and in the API: the same rows as the service's -------------------------
WINDOW_ARGS = ("--since", SINCE.isoformat(), "--until", UNTIL.isoformat())
WINDOW_QUERY = {"since": SINCE.isoformat(), "until": UNTIL.isoformat()}


def _command(directory: Path, *args: str) -> tuple[int, str, str]:
    """`orgflow -w DIRECTORY ARGS... --now NOW` through the console entry point, in this process:
    (exit code, stdout, stderr)."""
    argv = ["orgflow", "-w", str(directory), *args, "--now", NOW.isoformat()]
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("ORGFLOW_WORKSPACE", raising=False)
        patch.setattr(sys, "argv", argv)
        out, err = io.StringIO(), io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli.main()
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else 1
    return code, out.getvalue(), err.getvalue()


def _json_rows(directory: Path, *args: str) -> list[dict]:
    code, out, err = _command(directory, *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)["rows"]


@pytest.fixture(scope="module")
def client(directory: Path) -> Iterator[TestClient]:
    from orgflow.web.app import create_app

    application = create_app(directory, now=NOW)
    yield TestClient(application)
    application.state.hub.close()


def _api_rows(client: TestClient, figure: str, **query: str) -> list[dict]:
    response = client.get(f"/api/{figure}", params={**query, "now": NOW.isoformat()})
    assert response.status_code == 200, response.text
    return response.json()["rows"]


def test_the_command_line_narrows_a_figure_to_a_phase(directory: Path) -> None:
    assert _ids(_json_rows(directory, "flow", "age", "--phase", "Create")) == ["O-1", "O-2"]
    assert _ids(_json_rows(directory, "flow", "age", "--team", "alpha", "--phase", "Release")) == ["O-3"]
    assert _ids(_json_rows(directory, "flow", "items", *WINDOW_ARGS, "--phase", "Ideate")) == ["B-1"]
    stages = _json_rows(directory, "flow", "stages", *WINDOW_ARGS, "--phase", "Create")
    assert [(row["stage"], row["total_days"]) for row in stages] == [("In Progress", 2.0)]
    by_phase = _json_rows(directory, "flow", "stages", *WINDOW_ARGS, "--phase", "Create", "--level", "phase")
    assert [(row["phase"], row["total_days"]) for row in by_phase] == [("Create", 2.0)]
    cfd = _json_rows(directory, "flow", "cfd", *WINDOW_ARGS, "--phase", "Release")
    assert {row["stage"] for row in cfd} == {"Deploy"}
    assert len(cfd) == len({row["date"] for row in _json_rows(directory, "flow", "cfd", *WINDOW_ARGS)})


def test_the_command_line_refuses_an_unknown_phase_and_a_phase_where_none_applies(directory: Path) -> None:
    code, out, err = _command(directory, "flow", "age", "--phase", "Nope")
    assert (code, out, err.splitlines()) == (
        1,
        "",
        ["error: phase: unknown phase 'Nope'; use Ideate, Create, Release, Operate"],
    )
    code, _out, err = _command(directory, "flow", "summary", "--phase", "Create")
    assert code == 2
    assert err.splitlines()[0].startswith("error: no such option '--phase' for 'orgflow flow summary'")


def test_the_api_narrows_a_figure_to_a_phase(client: TestClient) -> None:
    assert _ids(_api_rows(client, "age", phase="Create")) == ["O-1", "O-2"]
    assert _ids(_api_rows(client, "items", phase="Operate", **WINDOW_QUERY)) == ["F-1"]
    stages = _api_rows(client, "stages", phase="Release", **WINDOW_QUERY)
    assert [(row["stage"], row["total_days"]) for row in stages] == [("Deploy", 1.0)]
    assert {row["stage"] for row in _api_rows(client, "cfd", phase="Release", **WINDOW_QUERY)} == {"Deploy"}


def test_the_api_refuses_an_unknown_phase_naming_the_field(client: TestClient) -> None:
    response = client.get("/api/age", params={"phase": "Nope", "now": NOW.isoformat()})
    assert response.status_code == 400
    body = response.json()
    assert (body["ok"], body["error"], body["where"]) == (False, "unknown phase 'Nope'", {"field": "phase"})
