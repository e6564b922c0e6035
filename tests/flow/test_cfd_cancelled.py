"""The CFD's Done line leaves cancelled items out, so it rises by the done throughput.

A cancelled item (by its status or by its resolution) has no line of its own and stays in the last
forward stage it reached (docs/metrics.md, cfd). Every test runs on both paths: the facts the import
stores and the facts a query builds for its `now`.

The board (stage order in brackets): Backlog [0] (Backlog) → In Progress [1] (In Progress) → Review [2]
(Code Review) → Done [3] (Done, Closed) → Cancelled [4] (Won't Do); Duplicate is a cancelled
resolution; "Limbo" is in no stage. 2024-03-04 is a Monday; all instants are UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import orgflow
from orgflow.flow.service import FlowService
from orgflow.model import StatusTransition, WorkItem
from orgflow.query.window import Cut
from orgflow.store import ImportBatch
from orgflow.workspace import Workspace

BOARD = """
workflows:
  - name: board
    applies_to: {source: t, projects: ["P"]}
    cancelled_resolutions: [Duplicate]
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Backlog]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
      - {name: Review, phase: Release, category: active, statuses: [Code Review]}
      - {name: Done, phase: Operate, category: done, statuses: [Done, Closed]}
      - {name: Cancelled, phase: Operate, category: cancelled, statuses: ["Won't Do"]}
"""
STAGES = ("Backlog", "In Progress", "Review", "Done")
Moves = tuple[tuple[str, str], ...]
Services = Callable[[list[tuple[str, Moves, str | None]], datetime], list[FlowService]]


def at(text: str) -> datetime:
    """'03-04 09:00' is 2024-03-04 09:00 UTC."""
    return datetime.fromisoformat(f"2024-{text}").replace(tzinfo=UTC)


def day(text: str) -> date:
    return date.fromisoformat(f"2024-{text}")


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    """Builds a workspace with the board and the given (key, moves, resolution) items, and returns
    two services as of `now`: one on the stored facts, one on facts built for `now`."""
    opened: list[Workspace] = []

    def _services(items: list[tuple[str, Moves, str | None]], now: datetime) -> list[FlowService]:
        orgflow.init(tmp_path).close()
        (tmp_path / "orgflow.yaml").write_text(BOARD, encoding="utf-8")
        workspace = orgflow.open(tmp_path)
        opened.append(workspace)
        batch = ImportBatch("t", "test", "hand-built")
        for key, moves, resolution in items:
            batch.add(
                WorkItem(
                    source="t",
                    source_id=key,
                    project="P",
                    team_id="alpha",
                    title=key,
                    item_type="Story",
                    created_at=at(moves[0][0]),
                    status=moves[-1][1],
                    resolution=resolution,
                )
            )
            for seq, (when, status) in enumerate(moves):
                batch.add(StatusTransition("t", key, seq, at(when), None, status))
        workspace.write(batch)
        stored = workspace.flow_at(now)
        built = FlowService(workspace, now=now, stored_facts=False)
        assert (stored.uses_stored_facts, built.uses_stored_facts) == (True, False)
        return [stored, built]

    yield _services
    for workspace in opened:
        workspace.close()


def lines(service: FlowService, since: date, until: date) -> dict[str, tuple[int, ...]]:
    """The CFD's counts per day ('03-04': one count per stage, in stage order)."""
    per_day: dict[str, list[int]] = {}
    for row in service.cfd(since=since, until=until).rows():
        assert row["stage_order"] == STAGES.index(row["stage"])
        per_day.setdefault(row["date"].isoformat()[5:], []).append(row["count"])
    return {key: tuple(counts) for key, counts in per_day.items()}


def test_an_item_cancelled_by_its_resolution_stays_off_the_done_line(services: Services) -> None:
    items = [
        # D-1: done (resolution Fixed) on 03-07; its Done entry back-fills Review.
        ("D-1", (("03-04 09:00", "Backlog"), ("03-05 09:00", "In Progress"), ("03-07 09:00", "Done")), "Fixed"),
        # Done on 03-08 with resolution Duplicate, so cancelled: that entry is left out and the
        # item stays in Review, the last forward stage it reached.
        (
            "X-2",
            (
                ("03-04 10:00", "Backlog"),
                ("03-06 09:00", "In Progress"),
                ("03-07 10:00", "Code Review"),
                ("03-08 09:00", "Done"),
            ),
            "Duplicate",
        ),
        # O-3: open, in progress since 03-08.
        ("O-3", (("03-05 09:00", "Backlog"), ("03-08 12:00", "In Progress")), None),
    ]
    for service in services(items, at("03-12 00:00")):
        # Counts at the end of each day: items that reached the stage or a later one.
        assert lines(service, day("03-04"), day("03-09")) == {
            #        Backlog InProgress Review Done
            "03-04": (2, 0, 0, 0),
            "03-05": (3, 1, 0, 0),
            "03-06": (3, 2, 0, 0),
            "03-07": (3, 2, 2, 1),
            "03-08": (3, 3, 2, 1),  # before cancelled items were kept off it, Done read 2 here
            "03-09": (3, 3, 2, 1),
        }
        # The bands (a line less the next one) at the end of 03-09: O-3 in In Progress, X-2 still in
        # Review, D-1 in Done.
        last = lines(service, day("03-09"), day("03-09"))["03-09"]
        bands = tuple(count - below for count, below in zip(last, (*last[1:], 0), strict=True))
        assert bands == (0, 1, 1, 1)
        # Throughput and the items list agree on which item is done.
        window = {"since": day("03-04"), "until": day("03-09")}
        finished = [row["finished"] for row in service.throughput(period="day", **window).rows()]
        assert sum(count for count in finished if count is not None) == 1
        outcomes = {row["item_id"]: row["outcome"] for row in service.items().rows()}
        assert outcomes == {"D-1": "done", "X-2": "cancelled", "O-3": None}


def test_cancelled_by_status_after_done_and_done_then_unmapped(services: Services) -> None:
    items = [
        # W-1: Done on 03-05, then Won't Do on 03-06: cancelled by its status, so its Done entry is
        # left out too and it stays in In Progress.
        (
            "W-1",
            (
                ("03-04 09:00", "Backlog"),
                ("03-05 09:00", "In Progress"),
                ("03-05 12:00", "Done"),
                ("03-06 09:00", "Won't Do"),
            ),
            None,
        ),
        # U-2: Done on 03-05, then into an unmapped status: unfinished, yet on the Done line from 03-05
        # (moves into unmapped statuses are left out, as jira-agile-metrics ignores them).
        ("U-2", (("03-04 09:00", "Backlog"), ("03-05 09:00", "Done"), ("03-06 09:00", "Limbo")), None),
        # K-3: Done on 03-07 as Duplicate but reopened to In Progress on 03-08: unfinished, not
        # cancelled; its Done entry was undone by the move back anyway.
        (
            "K-3",
            (("03-04 09:00", "Backlog"), ("03-07 09:00", "Done"), ("03-08 09:00", "In Progress")),
            "Duplicate",
        ),
    ]
    for service in services(items, at("03-12 00:00")):
        assert lines(service, day("03-04"), day("03-09")) == {
            #        Backlog InProgress Review Done
            "03-04": (3, 0, 0, 0),
            "03-05": (3, 2, 1, 1),
            "03-06": (3, 2, 1, 1),
            "03-07": (3, 2, 1, 1),
            "03-08": (3, 3, 1, 1),
            "03-09": (3, 3, 1, 1),
        }
        outcomes = {row["item_id"]: row["outcome"] for row in service.items().rows()}
        assert outcomes == {"W-1": "cancelled", "U-2": None, "K-3": None}
        # The one place the Done line and throughput part: U-2 is on the line but never finished.
        assert sum(row["finished"] for row in service.throughput(since=day("03-04"), until=day("03-09")).rows()) == 0


@pytest.mark.parametrize("stored", [True, False], ids=["stored facts", "facts built for now"])
def test_done_line_rises_by_done_throughput_on_apache_jira(tmp_path: Path, shared_data: Path, stored: bool) -> None:
    workspace = orgflow.init(tmp_path)
    try:
        workspace.import_files("jira", [shared_data / "jira" / "apache-amq-zookeeper.jsonl.gz"])
        now = datetime(2020, 1, 1, tzinfo=UTC)
        service = FlowService(workspace, now=now, stored_facts=stored)
        assert service.uses_stored_facts is stored
        # Whole history (the first issue is from 2004, the data end in January 2019), and the last
        # five years alone: the Done line's rise over a window is the done throughput of that window.
        windows = {
            "history": (date(2004, 1, 1), date(2019, 12, 31)),
            "2015-2019": (date(2015, 1, 1), date(2019, 12, 31)),
        }
        expected = {
            # team: (done items, cancelled items) over the whole history, from the items list.
            "AMQ": (2_966, 1_254),
            "ZOOKEEPER": (974, 263),
        }
        for team, (done, cancelled) in expected.items():
            cut = Cut(team=team)
            outcomes = [row["outcome"] for row in service.items(cut=cut, since=windows["history"][0]).rows()]
            assert (outcomes.count("done"), outcomes.count("cancelled")) == (done, cancelled)
            for since, until in windows.values():
                # The CFD from the day before the window, so its first row is the line as the window opens;
                # before the data's first event (2004-06-05) the line is unknown (null), and it opens at 0.
                done_line = [
                    row["count"]
                    for row in service.cfd(cut=cut, since=date.fromordinal(since.toordinal() - 1), until=until).rows()
                    if row["stage"] == "Done"
                ]
                opening = next(count for count in done_line if count is not None)
                before_data = since <= date(2004, 6, 5)
                assert (done_line[0] is None, opening == 0) == (before_data, before_data)
                throughput = service.throughput(cut=cut, since=since, until=until, period="month").rows()
                # The months wholly outside the data (before 2004-06 or after 2019-01) are unknown (null).
                finished = [row["finished"] for row in throughput if row["finished"] is not None]
                assert done_line[-1] - opening == sum(finished), (team, since)
            (history_done_line,) = {
                row["count"]
                for row in service.cfd(cut=cut, since=date(2019, 12, 31), until=date(2019, 12, 31)).rows()
                if row["stage"] == "Done"
            }
            assert history_done_line == done
    finally:
        workspace.close()
