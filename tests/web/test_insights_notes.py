"""The insights page and panel say why nothing was found, in the words `orgflow insights` prints
(`orgflow.insights.Review.notes`), instead of claiming that nothing drifts.

The workspace is the hand-built one of `tests.flow.test_unmapped_figures`: team r has no status mapped to
a done stage, so its throughput is unknown and the rules that read throughput leave it out, saying so.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from tests.flow.histories import hand_built
from tests.flow.test_unmapped_figures import BOARDS, HISTORIES

import orgflow
from orgflow.web.app import create_app

NOW = datetime(2024, 3, 20, tzinfo=UTC)
NO_DONE = "no status maps to a done stage: map them in orgflow.yaml, see `orgflow status`"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("insights-notes")
    hand_built(folder, BOARDS, HISTORIES)
    workspace = orgflow.open(folder)
    workspace.close()
    return folder


@pytest.fixture(scope="module")
def client(folder: Path) -> Iterator[TestClient]:
    app = create_app(folder, now=NOW)
    yield TestClient(app)
    app.state.hub.close()


def _notes(folder: Path, team: str | None = None) -> list[str]:
    """What `orgflow insights` prints under its empty table (the same `Review.notes`)."""
    with orgflow.open(folder, read_only=True) as workspace:
        return workspace.insights_at(NOW).review(team=team).notes()


@pytest.mark.parametrize("team", [None, "r"])
def test_the_page_shows_why_nothing_was_found(client: TestClient, folder: Path, team: str | None) -> None:
    notes = _notes(folder, team)
    page = client.get("/insights" + (f"?team={team}" if team else "")).text
    assert 'data-findings="0"' in page
    for note in notes:
        assert escape(note) in page, note
    assert "No findings: no item past its SLE" not in page  # the old claim, false here


def test_the_team_page_names_the_mapping(client: TestClient, folder: Path) -> None:
    notes = _notes(folder, "r")
    assert notes[0] == (
        "no finding: the data cannot support aging.past-sle, load.wip-growing, stages.queue-growing, throughput.drop"
    )
    assert notes[4] == (
        "throughput.drop: no team finished an item in the 12 baseline weeks from 2023-11-29: no rate to drop "
        f"from; left out: r: finished, net_flow: {NO_DONE}"
    )
    page = client.get("/insights?team=r").text
    assert f'<p class="insights-why" data-insights-note="headline">{escape(notes[0])}</p>' in page
    assert page.count('data-insights-note="check"') == len(notes) - 1 == 5


def test_the_panel_shows_the_headline_and_the_checks(client: TestClient, folder: Path) -> None:
    notes = _notes(folder, "r")
    panel = client.get("/insights/panel?team=r").text
    assert f'<p class="none" data-insights-note="headline">{escape(notes[0])}</p>' in panel
    for note in notes[1:]:
        assert escape(note) in panel, note
    assert "Nothing drifting" not in panel
