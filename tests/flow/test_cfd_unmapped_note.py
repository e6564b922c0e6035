"""The CFD says when items entered a status their workflow does not map (`orgflow.flow.unmapped_entries`).

Such a status has no band: the item stays in the band of the last mapped stage it reached. The board
(stage order in brackets): Backlog [0] (Backlog) → In Progress [1] (In Progress) → Done [2] (Done);
"Parked" and "On Hold" are in no stage. 2024-03-04 is a Monday; all instants are UTC. Every test runs on
both paths: the facts the import stores and the facts a query builds for its `now`.

The items:
- P-1: Backlog 03-04, In Progress 03-05, Parked 03-07 10:00 (still parked).
- H-2: Backlog 03-04, In Progress 03-06, On Hold 03-09 10:00, back In Progress 03-10.
- M-3: Backlog 03-04, In Progress 03-05, Done 03-08 (never unmapped).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from tests.cli.entry_point import ORGFLOW, Run, run_orgflow
from tests.flow.histories import at, history_batch

import orgflow
from orgflow.flow.service import FlowService
from orgflow.workspace import Workspace

BOARD = """
workflows:
  - name: board
    applies_to: {source: csv, projects: ["P"]}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Backlog]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
      - {name: Done, phase: Operate, category: done, statuses: [Done]}
"""
Moves = tuple[tuple[str, str], ...]
ITEMS: dict[str, Moves] = {
    "P-1": (("03-04 09:00", "Backlog"), ("03-05 09:00", "In Progress"), ("03-07 10:00", "Parked")),
    "H-2": (
        ("03-04 09:00", "Backlog"),
        ("03-06 09:00", "In Progress"),
        ("03-09 10:00", "On Hold"),
        ("03-10 09:00", "In Progress"),
    ),
    "M-3": (("03-04 09:00", "Backlog"), ("03-05 09:00", "In Progress"), ("03-08 09:00", "Done")),
}
NOW = "03-12 00:00"
BOTH_NOTE = (
    "2 items entered statuses their workflow does not map (On Hold, Parked) on or before 2024-03-10: the CFD "
    "has no band for them, so while in them an item counts in the band of the last mapped stage it reached, "
    "if any; map them in orgflow.yaml"
)
PARKED_NOTE = (
    "1 item entered a status its workflow does not map (Parked) on or before 2024-03-08: the CFD has no band "
    "for it, so while in it the item counts in the band of the last mapped stage it reached, if any; map it "
    "in orgflow.yaml"
)
# The CFD's counts per day (Backlog, In Progress, Done), by hand from the moves above: every item is in
# Backlog from 03-04; In Progress holds P-1 and M-3 from 03-05 and H-2 from 03-06 (parking and holding
# climb nothing, and H-2's return to In Progress is no new entry); M-3 reaches Done on 03-08.
LINES = {
    "03-04": (3, 0, 0),
    "03-05": (3, 2, 0),
    "03-06": (3, 3, 0),
    "03-07": (3, 3, 0),
    "03-08": (3, 3, 1),
    "03-09": (3, 3, 1),
    "03-10": (3, 3, 1),
}
Services = Callable[[dict[str, Moves], str], list[FlowService]]


def day(text: str) -> date:
    return date.fromisoformat(f"2024-{text}")


def write_items(tmp_path: Path, items: dict[str, Moves]) -> Workspace:
    """A workspace under `tmp_path` with the board and `items` (key: moves, the first its creation), open."""
    orgflow.init(tmp_path).close()
    (tmp_path / "orgflow.yaml").write_text(BOARD, encoding="utf-8")
    workspace = orgflow.open(tmp_path)
    workspace.write(history_batch({(key, "alpha", "Story"): moves for key, moves in items.items()}))
    return workspace


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    """Builds the workspace of the given items and returns two services as of `now`: one on the stored
    facts, one on facts built for `now`."""
    opened: list[Workspace] = []

    def _services(items: dict[str, Moves], now: str) -> list[FlowService]:
        workspace = write_items(tmp_path, items)
        opened.append(workspace)
        stored = workspace.flow_at(at(now))
        built = FlowService(workspace, now=at(now), stored_facts=False)
        assert (stored.uses_stored_facts, built.uses_stored_facts) == (True, False)
        return [stored, built]

    yield _services
    for workspace in opened:
        workspace.close()


@pytest.fixture
def orgflow_script() -> Run:
    """The real `orgflow` console script in a subprocess (`tests.cli.entry_point`), or a skip without it."""
    if not ORGFLOW.exists():
        pytest.skip(f"no console script at {ORGFLOW} (install the project with pip install -e .)")
    return run_orgflow


def lines(service: FlowService, since: date, until: date) -> dict[str, tuple[int, ...]]:
    """The CFD's counts per day ('03-04': one count per stage, in stage order)."""
    per_day: dict[str, list[int]] = {}
    for row in service.cfd(since=since, until=until).rows():
        per_day.setdefault(row["date"].isoformat()[5:], []).append(row["count"])
    return {key: tuple(counts) for key, counts in per_day.items()}


def test_a_window_holding_both_entries_names_both_statuses_and_counts_two_items(services: Services) -> None:
    for service in services(ITEMS, NOW):
        assert service.cfd(since=day("03-04"), until=day("03-10")).notes == [BOTH_NOTE]


def test_a_window_ending_between_the_entries_counts_only_the_parked_item(services: Services) -> None:
    for service in services(ITEMS, NOW):
        # P-1 parked on 03-07; H-2 went on hold on 03-09, after the window's last day (03-08).
        assert service.cfd(since=day("03-04"), until=day("03-08")).notes == [PARKED_NOTE]


def test_an_entry_on_the_last_day_counts(services: Services) -> None:
    for service in services(ITEMS, NOW):
        note = service.cfd(since=day("03-04"), until=day("03-07")).notes
        assert note == [PARKED_NOTE.replace("2024-03-08", "2024-03-07")]


def test_a_window_ending_before_either_entry_has_no_note(services: Services) -> None:
    for service in services(ITEMS, NOW):
        assert service.cfd(since=day("03-04"), until=day("03-06")).notes == []


def test_a_window_starting_after_the_entries_still_says_so(services: Services) -> None:
    """The CFD is cumulative: a parked item sits in its band on every later day, whenever it parked."""
    for service in services(ITEMS, NOW):
        assert service.cfd(since=day("03-10"), until=day("03-10")).notes == [BOTH_NOTE]


def test_items_that_never_enter_an_unmapped_status_give_no_note(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    def not_built(*_args: object) -> None:
        raise AssertionError("the note's query was built")

    # No move into an unmapped status at all: the note's query is not even built, let alone run.
    monkeypatch.setattr("orgflow.flow.unmapped_entries.unmapped_entries_query", not_built)
    for service in services({"M-3": ITEMS["M-3"]}, NOW):
        # M-3's last move is on 03-08: a later day would carry a note on the days after the data.
        assert service.cfd(since=day("03-04"), until=day("03-08")).notes == []
        assert service.compute_many("cfd", [(None, day("03-04"), day("03-08"))] * 2)[0].notes == []
        assert service._facts.unmapped_moves == 0


def test_the_moves_into_unmapped_statuses_are_counted_once_per_service(services: Services) -> None:
    for service in services(ITEMS, NOW):
        service.window()
        # P-1 into Parked, H-2 into On Hold.
        assert service._facts.unmapped_moves == 2


def test_the_cfd_rows_are_unchanged_by_the_note(services: Services) -> None:
    for service in services(ITEMS, NOW):
        assert lines(service, day("03-04"), day("03-10")) == LINES


def test_many_windows_at_once_say_what_each_says_alone(services: Services) -> None:
    """`compute_many` runs the count for every window at once (`FlowService.prefetch`): the same notes."""
    asks = [(None, day("03-04"), until) for until in (day("03-06"), day("03-08"), day("03-10"), day("03-07"))]
    for service in services(ITEMS, NOW):
        assert [result.notes for result in service.compute_many("cfd", asks)] == [
            [],
            [PARKED_NOTE],
            [BOTH_NOTE],
            [PARKED_NOTE.replace("2024-03-08", "2024-03-07")],
        ]


def test_many_statuses_name_three_then_the_rest_counted(services: Services) -> None:
    """Five unmapped statuses, entered by 2, 1, 1, 1 and 1 items: the most entered first, then by name."""
    items = {
        "A-1": (("03-04 09:00", "Backlog"), ("03-05 09:00", "Zeta"), ("03-06 09:00", "Alpha")),
        "B-2": (("03-04 09:00", "Backlog"), ("03-05 09:00", "Zeta"), ("03-06 09:00", "Beta")),
        "C-3": (("03-04 09:00", "Gamma"), ("03-05 09:00", "Delta")),
    }
    for service in services(items, NOW):
        assert service.cfd(since=day("03-04"), until=day("03-06")).notes == [
            "3 items entered statuses their workflow does not map (Zeta, Alpha, Beta and 2 more) on or before "
            "2024-03-06: the CFD has no band for them, so while in them an item counts in the band of the last "
            "mapped stage it reached, if any; map them in orgflow.yaml"
        ]


def test_the_note_reaches_the_json_of_orgflow_flow_cfd(orgflow_script: Run, tmp_path: Path) -> None:
    write_items(tmp_path / "ws", ITEMS).close()
    args = ("-w", str(tmp_path / "ws"), "--since", "2024-03-04", "--until", "2024-03-10", "--format", "json")
    completed = orgflow_script("flow", "cfd", *args)
    assert completed.returncode == 0, completed.stderr
    answer = json.loads(completed.stdout)
    assert answer["notes"] == [BOTH_NOTE]
    counts: dict[str, list[int]] = {}
    for row in answer["rows"]:
        counts.setdefault(row["date"][5:10], []).append(row["count"])
    assert {key: tuple(values) for key, values in counts.items()} == LINES


def test_the_note_reaches_the_api_and_the_team_page(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from orgflow.web.app import create_app

    write_items(tmp_path / "ws", ITEMS).close()
    app = create_app(tmp_path / "ws", now=at(NOW), live=False)
    try:
        client = TestClient(app)
        answer = client.get("/api/cfd", params={"since": "2024-03-04", "until": "2024-03-10"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["notes"] == [BOTH_NOTE]
        # The page's default window ends with `now`'s day (03-12), so its last day is 03-11.
        page = client.get("/teams/alpha")
        assert page.status_code == 200, page.text
        assert BOTH_NOTE.replace("2024-03-10", "2024-03-11") in page.text
    finally:
        app.state.hub.close()
