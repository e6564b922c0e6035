"""Flow metrics on hand-built histories, each expected value worked out by hand in the comments.

The board used throughout (stage order in brackets; phases Ideate, Create, Release, Operate):
Backlog [0] (backlog: Backlog, To Do) → Ready [1] (wait: Selected) → In Progress [2] (active) →
Blocked [3] (wait, blocked) → Review [4] (active: Code Review) → Done [5] (done: Done, Closed) →
Cancelled [6] (cancelled: Won't Do). "Limbo" is in no stage (unmapped). It applies to project P of
source t; any other project falls to the built-in default workflow.

All instants are UTC unless written with an offset; 2024-03-04 is a Monday.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

import orgflow
from orgflow.errors import InputError, NotFoundError
from orgflow.flow.service import FlowService, MetricResult
from orgflow.flow.summary import NO_FINISHED
from orgflow.model import BlockedInterval, Group, ItemLink, StatusTransition, WorkItem
from orgflow.query.window import Cut
from orgflow.store import ImportBatch
from orgflow.workspace import Workspace

BOARD = """
thresholds: {sle_items: 4, sle_percentile: 85}
workflows:
  - name: board
    applies_to: {source: t, projects: ["P"]}
    cancelled_resolutions: [Duplicate]
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Backlog, To Do]}
      - {name: Ready, phase: Create, category: wait, statuses: [Selected]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
      - {name: Blocked, phase: Create, category: wait, blocked: true, statuses: [Blocked]}
      - {name: Review, phase: Release, category: active, statuses: [Code Review]}
      - {name: Done, phase: Operate, category: done, statuses: [Done, Closed]}
      - {name: Cancelled, phase: Operate, category: cancelled, statuses: ["Won't Do"]}
"""
SOURCE = "t"


def at(text: str) -> datetime:
    """'03-04 09:00' is 2024-03-04 09:00 UTC; a full ISO text ('2024-03-05T08:00+09:00') keeps its offset."""
    if "T" in text:
        return datetime.fromisoformat(text)
    return datetime.strptime(f"2024-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def utc(text: str) -> datetime:
    """The aware UTC instant a result's rows carry for `at(text)` (`MetricResult.rows`)."""
    return at(text).astimezone(UTC)


def day(text: str) -> date:
    """'03-04' is 2024-03-04."""
    return date.fromisoformat(f"2024-{text}")


def days(value: float) -> Any:
    return pytest.approx(value, abs=1e-9)


@dataclass(frozen=True)
class Item:
    """An item of the test: its key, (when, status) moves (the first is its creation) and fields."""

    key: str
    moves: tuple[tuple[str, str], ...]
    team: str | None = "alpha"
    project: str = "P"
    item_type: str = "Story"
    resolution: str | None = None


def item(key: str, *moves: tuple[str, str], **fields: Any) -> Item:
    return Item(key, moves, **fields)


Build = Callable[..., Workspace]


def compile_every_query(workspace: Workspace) -> None:
    """Run every flow metric as of a later `now` (so over another window), each with its default
    options and by team, so the workspace keeps their compiled queries for the test's own calls."""
    service = workspace.flow_at(at("06-01 00:00"))
    for name in ("summary", "throughput", "wip", "efficiency", "stages"):
        getattr(service, name)()
        getattr(service, name)(by="team")
    for name in ("lead_time", "cycle_time", "cfd", "age", "distribution", "time_in_stage", "blocked", "sle"):
        getattr(service, name)()
    service.littles_law()
    service.items()
    service.stages(level="phase")
    service.efficiency(per_item=True)
    service.summary(cut=Cut(team="alpha"))
    assert workspace.compiled_queries.misses > 0


@pytest.fixture(params=["facts built for now", "stored facts", "queries compiled before"])
def build(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Build]:
    """A workspace with the board config (or `config`) and the given items, flags, links and groups.

    Every test runs three times: on facts each query builds for its `now`; with the stored facts an
    import keeps (used wherever `now` is at or after the last change; `orgflow.flow.stored_facts`);
    and with the stored facts after every metric ran once for another `now` and window, so the test's
    own calls run queries compiled then (`Workspace.compiled_queries`) with their own values bound.
    """
    opened: list[Workspace] = []

    def _build(
        items: list[Item],
        *,
        flags: tuple[tuple[str, str, str | None], ...] = (),
        links: tuple[tuple[str, str, str], ...] = (),
        groups: tuple[Group, ...] = (),
        config: str = BOARD,
    ) -> Workspace:
        orgflow.init(tmp_path).close()
        (tmp_path / "orgflow.yaml").write_text(config, encoding="utf-8")
        workspace = orgflow.open(tmp_path)
        opened.append(workspace)
        batch = ImportBatch(SOURCE, "test", "hand-built")
        for entry in items:
            batch.add(
                WorkItem(
                    source=SOURCE,
                    source_id=entry.key,
                    project=entry.project,
                    team_id=entry.team,
                    title=entry.key,
                    item_type=entry.item_type,
                    created_at=at(entry.moves[0][0]),
                    status=entry.moves[-1][1],
                    resolution=entry.resolution,
                )
            )
            for seq, (when, status) in enumerate(entry.moves):
                batch.add(StatusTransition(SOURCE, entry.key, seq, at(when), None, status))
        for seq, (key, start, end) in enumerate(flags):
            batch.add(BlockedInterval(SOURCE, key, seq, at(start), at(end) if end else None))
        for key, kind, target in links:
            batch.add(ItemLink(SOURCE, key, kind, target))
        batch.extend(groups)
        if request.param == "facts built for now":
            workspace.store.write(batch)
        else:
            workspace.write(batch)
        if request.param == "queries compiled before":
            compile_every_query(workspace)
        return workspace

    yield _build
    for workspace in opened:
        workspace.close()


def rows_by(result: MetricResult, key: str, *columns: str) -> dict[Any, tuple[Any, ...]]:
    return {row[key]: tuple(row[column] for column in columns) for row in result.rows()}


def column(result: MetricResult, name: str) -> list[Any]:
    return [row[name] for row in result.rows()]


def time_in_stage_per_item(service: FlowService, *, level: str = "stage") -> list[dict[str, Any]]:
    """Time in stage (or phase) per item, for every item of the workspace."""
    return service.time_in_stage(level=level).rows()


# -- shared histories -------------------------------------------------------------------------------

# a backward move from Review to In Progress, and 6 h flagged inside In Progress.
#   Backlog 03-04 09:00 → 03-05 09:00            1.0 d
#   Ready   03-05 09:00 → 03-06 09:00 (start)    1.0 d
#   In Progress 03-06 09:00 → 03-07 09:00        1.0 d  (flag 12:00-18:00: 0.25 d)
#   Review  03-07 09:00 → 03-07 21:00            0.5 d
#   In Progress 03-07 21:00 → 03-08 09:00        0.5 d
#   Review  03-08 09:00 → 03-09 09:00            1.0 d
#   Done    03-09 09:00 (finish)
# cycle 4.0, lead 5.0; In Progress 1.5, Review 1.5; active 3.0 - 0.25 = 2.75.
A1 = item(
    "A-1",
    ("03-04 09:00", "Backlog"),
    ("03-05 09:00", "Selected"),
    ("03-06 09:00", "In Progress"),
    ("03-07 09:00", "Code Review"),
    ("03-07 21:00", "In Progress"),
    ("03-08 09:00", "Code Review"),
    ("03-09 09:00", "Done"),
)
A1_FLAG = ("A-1", "03-06 12:00", "03-06 18:00")
# backlog straight to done: start = finish = 03-06 10:00, cycle 0, skipped_start; lead 2.0.
A2 = item("A-2", ("03-04 10:00", "To Do"), ("03-06 10:00", "Done"))
# done, reopened, done again. Start 03-05 12:00, finish 03-11 12:00: cycle 6.0, lead 7.0.
#   Backlog 1.0 + 1.0, In Progress 1.0 + 3.0, Done 1.0 (the undone spell), final Done 0.
A3 = item(
    "A-3",
    ("03-04 12:00", "Backlog"),
    ("03-05 12:00", "In Progress"),
    ("03-06 12:00", "Done"),
    ("03-07 12:00", "To Do"),
    ("03-08 12:00", "In Progress"),
    ("03-11 12:00", "Done"),
)
# 18 h flagged from 03-05 00:00, of which the 6 h after 12:00 fall in In Progress: active 4.0 - 0.25.
A3_FLAG = ("A-3", "03-05 00:00", "03-05 18:00")
# open; starts by entering the unmapped status Limbo; a spell in the blocked stage.
A4 = item(
    "A-4",
    ("03-05 08:00", "Backlog"),
    ("03-06 08:00", "Limbo"),
    ("03-07 08:00", "In Progress"),
    ("03-08 08:00", "Blocked"),
    ("03-10 20:00", "In Progress"),
)
# cancelled by its status.
A5 = item("A-5", ("03-04 08:00", "Backlog"), ("03-05 08:00", "In Progress"), ("03-07 08:00", "Won't Do"))


# -- lead time, cycle time ----------------------------------------------------------------------------


def test_cycle_and_lead_time_keep_the_rework_of_a_backward_move(build: Build) -> None:
    service = build([A1, A2], flags=(A1_FLAG,)).flow_at(at("03-15 12:00"))

    cycle = service.cycle_time(since=day("03-04"), until=day("03-10"))

    # Ordered by finish: A-2 (03-06 10:00), then A-1 (03-09 09:00).
    assert rows_by(cycle, "item_id", "started_at", "finished_at", "skipped_start", "outcome") == {
        "A-2": (utc("03-06 10:00"), utc("03-06 10:00"), True, "done"),
        "A-1": (utc("03-05 09:00"), utc("03-09 09:00"), False, "done"),
    }
    assert column(cycle, "item_id") == ["A-2", "A-1"]
    # A-2 skipped its start: no cycle time was measured (null, with the reason), its lead time stands.
    assert column(cycle, "cycle_time_days") == [None, days(4.0)]
    assert column(cycle, "unknown_reasons") == [
        "cycle_time: skipped every active stage (skipped_start); cycle time is not measured for it",
        None,
    ]
    lead = service.lead_time(since=day("03-04"), until=day("03-10"))
    assert rows_by(lead, "item_id", "lead_time_days") == {"A-2": (days(2.0),), "A-1": (days(5.0),)}
    assert cycle.params["since"] == "2024-03-04T00:00:00Z"
    assert cycle.params["until"] == "2024-03-11T00:00:00Z"


def test_skipped_start_counts_in_throughput_and_summary(build: Build) -> None:
    service = build([A2]).flow_at(at("03-15 12:00"))

    (week,) = service.throughput(since=day("03-04"), until=day("03-10")).rows()
    (summary,) = service.summary(since=day("03-04"), until=day("03-10")).rows()

    assert week == {"period_start": day("03-04"), "finished": 1, "started": 1, "net_flow": 0}
    assert summary["finished"] == 1
    assert summary["skipped_start"] == 1
    # Its only finished item never spent time started: no cycle time can be measured (null, not 0).
    assert summary["cycle_time_p50"] is None
    assert summary["flow_efficiency"] is None
    assert summary["unknown_reasons"].startswith("cycle_time, flow_efficiency: no status history")


def test_reopened_item_finishes_at_its_last_done(build: Build) -> None:
    workspace = build([A3])

    later = workspace.flow_at(at("03-15 12:00"))
    (row,) = later.cycle_time(since=day("03-04"), until=day("03-14")).rows()
    assert (row["started_at"], row["finished_at"], row["cycle_time_days"]) == (
        utc("03-05 12:00"),
        utc("03-11 12:00"),
        days(6.0),
    )
    assert later.lead_time(since=day("03-04"), until=day("03-14")).rows()[0]["lead_time_days"] == days(7.0)
    # Counted once, at the final finish (week of Monday 03-11), and in WIP throughout the done spell.
    weeks = later.throughput(since=day("03-04"), until=day("03-14")).rows()
    assert [(w["period_start"], w["finished"], w["started"]) for w in weeks] == [
        (day("03-04"), 0, 1),
        (day("03-11"), 1, 0),
    ]
    wip = later.wip(since=day("03-04"), until=day("03-11"))
    assert column(wip, "wip") == [0, 1, 1, 1, 1, 1, 1, 0]

    # As of 03-07 00:00 the reopening (03-07 12:00) has not happened: finished at the first done.
    earlier = workspace.flow_at(at("03-07 00:00"))
    (row,) = earlier.cycle_time(since=day("03-04"), until=day("03-06")).rows()
    assert (row["finished_at"], row["cycle_time_days"]) == (utc("03-06 12:00"), days(1.0))


# -- time in stage and phase --------------------------------------------------------------------------


def test_time_in_stage_and_phase_add_up_every_visit(build: Build) -> None:
    service = build([A1, A2]).flow_at(at("03-15 12:00"))

    by_stage = service.stages(since=day("03-04"), until=day("03-10"))

    # Backlog 1.0, Ready 1.0, In Progress 1.0 + 0.5, Review 0.5 + 1.0, Done 0 (5.0 in all).
    # Backlog 2.0, Done 0 (2.0 in all). Shares are of 7.0. Backlog p85 of [1, 2] = 1 + 0.85.
    assert rows_by(by_stage, "stage", "stage_order", "items", "total_days", "mean_days", "p50_days", "p85_days") == {
        "Backlog": (0, 2, days(3.0), days(1.5), days(1.5), days(1.85)),
        "Ready": (1, 1, days(1.0), days(1.0), days(1.0), days(1.0)),
        "In Progress": (2, 1, days(1.5), days(1.5), days(1.5), days(1.5)),
        "Review": (4, 1, days(1.5), days(1.5), days(1.5), days(1.5)),
        "Done": (5, 2, days(0.0), days(0.0), days(0.0), days(0.0)),
    }
    assert column(by_stage, "stage") == ["Backlog", "Ready", "In Progress", "Review", "Done"]
    assert column(by_stage, "share") == [days(3 / 7), days(1 / 7), days(1.5 / 7), days(1.5 / 7), days(0.0)]

    by_phase = service.stages(since=day("03-04"), until=day("03-10"), level="phase")

    # Ideate = Backlog; Create = Ready + In Progress (2.5 for A-1); Release = Review; Operate = Done.
    assert rows_by(by_phase, "phase", "phase_order", "items", "total_days", "p50_days", "share") == {
        "Ideate": (0, 2, days(3.0), days(1.5), days(3 / 7)),
        "Create": (1, 1, days(2.5), days(2.5), days(2.5 / 7)),
        "Release": (2, 1, days(1.5), days(1.5), days(1.5 / 7)),
        "Operate": (3, 2, days(0.0), days(0.0), days(0.0)),
    }


def test_time_of_an_open_item_runs_to_now_and_unmapped_time_is_kept(build: Build) -> None:
    service = build([A4]).flow_at(at("03-12 08:00"))

    per_stage = time_in_stage_per_item(service)
    per_phase = time_in_stage_per_item(service, level="phase")

    # Backlog 03-05 08:00 → 03-06 08:00; Limbo (unmapped) → 03-07 08:00; In Progress → 03-08 08:00;
    # Blocked → 03-10 20:00 (2.5); In Progress again until now 03-12 08:00 (1.5): 1.0 + 1.5.
    assert {r["stage"]: (r["stage_order"], r["category"], r["days"], r["entries"]) for r in per_stage} == {
        "Backlog": (0, "backlog", days(1.0), 1),
        "unmapped": (None, "unmapped", days(1.0), 1),
        "In Progress": (2, "active", days(2.5), 2),
        "Blocked": (3, "wait", days(2.5), 1),
    }
    assert {r["phase"]: r["days"] for r in per_phase} == {
        "Ideate": days(1.0),
        "unmapped": days(1.0),
        "Create": days(5.0),
    }


# -- work item age ------------------------------------------------------------------------------------


def test_work_item_age_and_age_in_the_current_stage(build: Build) -> None:
    a6 = item("A-6", ("03-10 00:00", "Backlog"), ("03-11 00:00", "Limbo"))
    # Two statuses of one stage in a row are one stay: stage age from 03-10 00:00.
    a7 = item("A-7", ("03-09 00:00", "Selected"), ("03-10 00:00", "In Progress"), ("03-11 00:00", "IN  progress"))
    never_started = item("A-8", ("03-05 00:00", "Backlog"))
    service = build([A4, a6, a7, never_started, A2]).flow_at(at("03-12 08:00"))

    ages = service.age()

    # now 03-12 08:00: A-4 started 03-06 08:00 (6.0), in In Progress since 03-10 20:00 (1.5);
    # A-7 started 03-09 00:00 (3 1/3), stage since 03-10 00:00 (2 1/3); A-6 in Limbo since 03-11 00:00.
    assert column(ages, "item_id") == ["A-4", "A-7", "A-6"]
    assert rows_by(ages, "item_id", "current_stage", "age_days", "stage_age_days") == {
        "A-4": ("In Progress", days(6.0), days(1.5)),
        "A-7": ("In Progress", days(3 + 8 / 24), days(2 + 8 / 24)),
        "A-6": ("unmapped", days(1 + 8 / 24), days(1 + 8 / 24)),
    }


# -- WIP, throughput, arrivals ------------------------------------------------------------------------

# W-1 starts at 2024-03-05T08:00+09:00 = 03-04 23:00 UTC (a 03-04 start, though the 5th in Tokyo) and
# finishes at 2024-03-06T20:00-05:00 = 03-07 01:00 UTC (a 03-07 finish, though the 6th in New York).
W_ITEMS = [
    item(
        "W-1",
        ("2024-03-04T10:00+09:00", "To Do"),
        ("2024-03-05T08:00+09:00", "In Progress"),
        ("2024-03-06T20:00-05:00", "Done"),
    ),
    # Cancelled 03-06 12:00: leaves WIP that day.
    item("W-2", ("03-04 12:00", "Backlog"), ("03-05 12:00", "In Progress"), ("03-06 12:00", "Won't Do")),
    # Started and finished on 03-05: never in WIP at a day's end.
    item("W-3", ("03-05 00:00", "Backlog"), ("03-05 06:00", "In Progress"), ("03-05 18:00", "Done")),
    # Started (a wait stage counts) 03-06 and still open.
    item("W-4", ("03-04 00:00", "Backlog"), ("03-06 09:00", "Selected")),
    # Never started.
    item("W-5", ("03-04 08:00", "Backlog")),
]


def test_wip_samples_the_end_of_each_utc_day(build: Build) -> None:
    service = build(W_ITEMS).flow_at(at("03-10 12:00"))

    wip = service.wip(since=day("03-04"), until=day("03-08"))

    # End of 03-04: W-1. 03-05: W-1, W-2. 03-06: W-1, W-4 (W-2 cancelled). 03-07 and 03-08: W-4.
    assert [(row["date"], row["wip"]) for row in wip.rows()] == [
        (day("03-04"), 1),
        (day("03-05"), 2),
        (day("03-06"), 2),
        (day("03-07"), 1),
        (day("03-08"), 1),
    ]
    started = rows_by(service.items(), "item_id", "started_at", "finished_at")
    assert started["W-1"] == (utc("03-04 23:00"), utc("03-07 01:00"))
    # A window starting later opens with the items already in progress.
    assert column(service.wip(since=day("03-06"), until=day("03-07")), "wip") == [2, 1]


def test_daily_throughput_arrivals_and_net_flow(build: Build) -> None:
    service = build(W_ITEMS).flow_at(at("03-10 12:00"))

    daily = service.throughput(since=day("03-04"), until=day("03-08"), period="day")

    # Finished (done only): W-3 on 03-05, W-1 on 03-07. Started: W-1 03-04, W-2 and W-3 03-05, W-4 03-06.
    # W-1's finish (03-07 01:00 UTC) is the data's last event: 03-08 lies after it, unknown (not 0).
    assert [(r["period_start"], r["finished"], r["started"], r["net_flow"]) for r in daily.rows()] == [
        (day("03-04"), 0, 1, 1),
        (day("03-05"), 1, 2, 1),
        (day("03-06"), 0, 1, 1),
        (day("03-07"), 1, 0, -1),
        (day("03-08"), None, None, None),
    ]


def test_weekly_throughput_starts_on_monday_and_shows_empty_weeks(build: Build) -> None:
    items = [
        # Finished Sunday 03-10 23:30: week of 03-04.
        item("T-1", ("03-04 09:00", "Backlog"), ("03-04 10:00", "In Progress"), ("03-10 23:30", "Done")),
        # Started 2024-03-05T07:00+09:00 = 03-04 22:00 (week of 03-04); finished 2024-03-17T20:00-05:00 =
        # Monday 03-18 01:00 UTC (week of 03-18, though Sunday in New York).
        item(
            "T-2",
            ("03-04 09:00", "Backlog"),
            ("2024-03-05T07:00+09:00", "Selected"),
            ("2024-03-17T20:00-05:00", "Done"),
        ),
        # Started 2024-03-18T08:00+09:00 = Sunday 03-17 23:00 UTC (week of 03-11); finished 03-19.
        item("T-3", ("03-04 09:00", "Backlog"), ("2024-03-18T08:00+09:00", "In Progress"), ("03-19 10:00", "Done")),
        # Cancelled: an arrival of the week of 03-04, never a departure.
        item("T-4", ("03-05 09:00", "Backlog"), ("03-05 10:00", "In Progress"), ("03-06 10:00", "Won't Do")),
        # Skipped start on Wednesday 03-20: started and finished in the week of 03-18.
        item("T-5", ("03-12 09:00", "To Do"), ("03-20 09:00", "Done")),
    ]
    service = build(items).flow_at(at("04-03 12:00"))

    weeks = service.throughput(since=day("03-04"), until=day("03-31"))

    # The week of 03-11 is empty inside the data (0); the week of 03-25 starts after its last event
    # (T-5's finish on 03-20): unknown (null), not 0.
    assert [(r["period_start"], r["finished"], r["started"], r["net_flow"]) for r in weeks.rows()] == [
        (day("03-04"), 1, 3, 2),
        (day("03-11"), 0, 1, 1),
        (day("03-18"), 3, 1, -2),
        (day("03-25"), None, None, None),
    ]


# -- flow efficiency, distribution ---------------------------------------------------------------------


def test_flow_efficiency_time_weighted_and_per_item(build: Build) -> None:
    service = build([A1, A2, A3], flags=(A1_FLAG, A3_FLAG)).flow_at(at("03-15 12:00"))

    per_item = service.efficiency(since=day("03-04"), until=day("03-11"), per_item=True)
    (overall,) = service.efficiency(since=day("03-04"), until=day("03-11")).rows()

    # 2.75 / 4.0; A-3: (4.0 - 0.25) / 6.0 = 0.625; A-2 skipped its start: no cycle time, no ratio.
    assert column(per_item, "item_id") == ["A-2", "A-1", "A-3"]
    assert rows_by(per_item, "item_id", "active_days", "cycle_time_days", "flow_efficiency") == {
        "A-2": (days(0.0), None, None),
        "A-1": (days(2.75), days(4.0), days(0.6875)),
        "A-3": (days(3.75), days(6.0), days(0.625)),
    }
    # Σ active / Σ cycle = 6.5 / 10; the per-item median is (0.6875 + 0.625) / 2.
    assert overall == {
        "finished": 3,
        "active_days": days(6.5),
        "cycle_days": days(10.0),
        "item_efficiency_p50": days(0.65625),
        "flow_efficiency": days(0.65),
        "unknown_reasons": None,
    }


def test_flow_distribution_of_finished_items_and_of_wip(build: Build) -> None:
    items = [
        item("D-1", ("03-04 00:00", "In Progress"), ("03-05 00:00", "Done")),
        item("D-2", ("03-04 00:00", "In Progress"), ("03-06 00:00", "Done")),
        item("D-3", ("03-04 00:00", "In Progress"), ("03-07 00:00", "Done"), item_type="Bug"),
        item("D-4", ("03-04 00:00", "Backlog"), ("03-08 00:00", "In Progress"), item_type="Bug"),
        # Finished after the window: still WIP at its end.
        item(
            "D-5",
            ("03-04 00:00", "Backlog"),
            ("03-09 00:00", "In Progress"),
            ("03-12 00:00", "Done"),
            item_type="Chore",
        ),
        # Cancelled: neither finished (done) nor WIP.
        item(
            "D-6",
            ("03-04 00:00", "Backlog"),
            ("03-05 00:00", "In Progress"),
            ("03-06 00:00", "Won't Do"),
            item_type="Spike",
        ),
        # Started after the window.
        item("D-7", ("03-04 00:00", "Backlog"), ("03-12 00:00", "In Progress")),
    ]
    service = build(items).flow_at(at("03-15 12:00"))

    result = service.distribution(since=day("03-04"), until=day("03-10"))

    # Finished: feature D-1, D-2; defect D-3. WIP at 03-11 00:00: defect D-4, debt D-5.
    assert [tuple(row.values()) for row in result.rows()] == [
        ("debt", 0, days(0.0), 1, days(0.5)),
        ("defect", 1, days(1 / 3), 1, days(0.5)),
        ("feature", 2, days(2 / 3), 0, days(0.0)),
    ]


# -- CFD -----------------------------------------------------------------------------------------------


def test_cfd_forgets_undone_entries_and_back_fills_skipped_stages(build: Build) -> None:
    service = build([A1, A2, A3, A4, A5]).flow_at(at("03-12 12:00"))

    cfd = service.cfd(since=day("03-04"), until=day("03-11"))

    # First kept entry into each stage or a later one, per item:
    #   Backlog 03-04, Ready 03-05, In Progress 03-06; its Review entry of 03-07 is undone by the move
    #        back, so Blocked and Review are first reached 03-08, Done 03-09.
    #   Backlog 03-04; Ready to Done all back-filled from its Done on 03-06.
    #   Backlog 03-04; its In Progress (03-05) and Done (03-06) are undone by the reopening, so
    #        Ready and In Progress count from 03-08 and Blocked to Done from 03-11: it is not in the
    #        Done line on 03-06 although it was done that day.
    #   Backlog 03-05; Limbo left out; Ready and In Progress 03-07; Blocked undone by the move back.
    #   Backlog 03-04; Ready and In Progress 03-05; its Won't Do left out (no Cancelled line).
    expected = {
        #         Backlog Ready InProgress Blocked Review Done
        "03-04": (4, 0, 0, 0, 0, 0),
        "03-05": (5, 2, 1, 0, 0, 0),
        "03-06": (5, 3, 3, 1, 1, 1),
        "03-07": (5, 4, 4, 1, 1, 1),
        "03-08": (5, 5, 5, 2, 2, 1),
        "03-09": (5, 5, 5, 2, 2, 2),
        "03-10": (5, 5, 5, 2, 2, 2),
        "03-11": (5, 5, 5, 3, 3, 3),
    }
    stages = ("Backlog", "Ready", "In Progress", "Blocked", "Review", "Done")
    actual: dict[str, list[int]] = {}
    for row in cfd.rows():
        actual.setdefault(row["date"].isoformat()[5:], []).append(row["count"])
        assert row["stage_order"] == stages.index(row["stage"])
    assert actual == {key: list(counts) for key, counts in expected.items()}
    assert [row["stage"] for row in cfd.rows()[:6]] == list(stages)


# -- SLE ------------------------------------------------------------------------------------------------


def test_sle_is_the_p85_of_the_last_n_finished_items(build: Build) -> None:
    def done(key: str, start: str, finish: str, **fields: Any) -> Item:
        return item(key, ("02-28 00:00", "Backlog"), (start, "In Progress"), (finish, "Done"), **fields)

    items = [
        done("S-1", "03-01 00:00", "03-02 00:00"),  # 1 day, the oldest finish: not among the last 4
        done("S-2", "03-01 00:00", "03-07 00:00"),  # 6
        done("S-3", "03-04 00:00", "03-06 00:00"),  # 2
        done("S-4", "03-05 00:00", "03-10 00:00"),  # 5
        done("S-5", "03-08 00:00", "03-11 00:00"),  # 3
        done("S-6", "03-11 00:00", "03-16 00:00"),  # finishes after now: open
        item("S-7", ("02-28 00:00", "Backlog"), ("03-12 00:00", "In Progress"), ("03-13 00:00", "Won't Do")),
        done("B-1", "03-05 00:00", "03-05 12:00", item_type="Bug"),
        done("S-8", "03-01 00:00", "03-02 00:00", team="beta"),  # 1
        done("S-9", "03-01 00:00", "03-04 00:00", team="beta"),  # 3
        item("S-10", ("02-28 00:00", "Backlog"), ("03-08 00:00", "In Progress")),
    ]
    service = build(items).flow_at(at("03-14 12:00"))

    sle = service.sle()

    # alpha Story, last 4 by finish: S-5 3, S-4 5, S-2 6, S-3 2 → [2, 3, 5, 6]; p85 at h = 0.85·3 =
    # 2.55 → 5 + 0.55·(6 − 5) = 5.55. beta Story [1, 3] → 1 + 0.85·2 = 2.7. alpha Bug [0.5].
    assert [tuple(row.values()) for row in sle.rows()] == [
        ("alpha", "Bug", 1, days(0.5), None),
        ("alpha", "Story", 4, days(5.55), None),
        ("beta", "Story", 2, days(2.7), None),
    ]
    # Open alpha stories against the SLE: S-10 is 6.5 days old (over), S-6 3.5 (under).
    assert rows_by(service.age(), "item_id", "age_days", "sle_days", "over_sle") == {
        "S-10": (days(6.5), days(5.55), True),
        "S-6": (days(3.5), days(5.55), False),
    }


# -- blocked time ---------------------------------------------------------------------------------------

X1 = item(
    "X-1",
    ("03-05 08:00", "Backlog"),
    ("03-06 08:00", "In Progress"),
    ("03-08 08:00", "Blocked"),
    ("03-10 20:00", "In Progress"),
)
Y1 = item("Y-1", ("03-04 00:00", "Backlog"), ("03-05 00:00", "In Progress"), ("03-09 12:00", "Done"), team="beta")
Z1 = item("Z-1", ("03-04 00:00", "Backlog"), ("03-05 00:00", "In Progress"))
X1_FLAGS = (("X-1", "03-05 00:00", "03-05 12:00"), ("X-1", "03-09 00:00", "03-11 00:00"))
X1_LINKS = (("Y-1", "blocks", "X-1"), ("X-1", "blocked_by", "Z-1"))


def test_blocked_time_by_flag_status_and_cross_team_link(build: Build) -> None:
    service = build([X1, Y1, Z1], flags=X1_FLAGS, links=X1_LINKS).flow_at(at("03-12 08:00"))

    blocked = service.blocked(since=day("03-04"), until=day("03-11"))

    # X-1 started 03-06 08:00. Flagged 03-09 00:00 → 03-11 00:00 (2.0; the flag before the start is
    # clipped away). Blocked stage 03-08 08:00 → 03-10 20:00 (2.5). Y-1 (beta) blocks it from its start
    # until Y-1 finishes 03-09 12:00 (3 d 4 h); Z-1 is of the same team, so it does not count.
    # Union: 03-06 08:00 → 03-11 00:00 = 4 d 16 h.
    assert [
        (r["item_id"], r["flagged_days"], r["status_days"], r["link_days"], r["blocked_days"]) for r in blocked.rows()
    ] == [("X-1", days(2.0), days(2.5), days(3 + 4 / 24), days(4 + 16 / 24))]


# -- Little's law ----------------------------------------------------------------------------------------


def test_littles_law_fields(build: Build) -> None:
    service = build(W_ITEMS).flow_at(at("03-10 12:00"))

    (law,) = service.littles_law(since=day("03-04"), until=day("03-08")).rows()

    # Daily WIP 1, 2, 2, 1, 1: mean 1.4. Departures (done, in the window): W-3 (0.5 d) and W-1
    # (03-04 23:00 → 03-07 01:00 = 50 h); mean cycle time 31 h = 31/24 d. Throughput 2 / 5 days.
    # Predicted WIP 0.4 · 31/24; ratio 1.4 / that. Arrivals W-1..W-4 = 4 vs 2 departures: unbalanced.
    predicted = 0.4 * 31 / 24
    assert law == {
        "days": 5,
        "mean_wip": days(1.4),
        "wip_start": 1,
        "wip_end": 1,
        "departures": 2,
        "mean_cycle_time_days": days(31 / 24),
        "arrivals": 4,
        "throughput_per_day": days(0.4),
        "predicted_wip": days(predicted),
        "ratio": days(1.4 / predicted),
        "arrivals_match_departures": False,
        "wip_stable": True,
        "unknown_reasons": None,
    }


# -- summary ---------------------------------------------------------------------------------------------


def test_summary_per_team_with_linear_percentiles(build: Build) -> None:
    def story(key: str, *moves: tuple[str, str], team: str = "alpha") -> Item:
        return item(key, ("03-01 00:00", "Backlog"), *moves, team=team)

    items = [
        # alpha: cycle times 1, 2, 3, 4, 10 and lead times 3, 4, 5, 5, 11 (all created 03-01).
        story("M-1", ("03-03 00:00", "In Progress"), ("03-04 00:00", "Done")),
        story("M-2", ("03-03 00:00", "In Progress"), ("03-05 00:00", "Done")),
        story("M-3", ("03-03 00:00", "In Progress"), ("03-06 00:00", "Done")),
        story("M-4", ("03-02 00:00", "In Progress"), ("03-06 00:00", "Done")),
        # 5 days waiting in Ready, 5 active.
        story("M-5", ("03-02 00:00", "Selected"), ("03-07 00:00", "In Progress"), ("03-12 00:00", "Done")),
        story("M-6", ("03-03 00:00", "In Progress"), ("03-08 00:00", "Won't Do")),  # cancelled
        story("M-7", ("03-10 00:00", "In Progress")),  # WIP at the end
        story("M-8", ("03-15 00:00", "In Progress"), ("03-19 00:00", "Done")),  # finishes after: WIP
        # beta: a skipped start (cycle 0, lead 7) and cycle 1.5 (lead 9.5).
        story("N-1", ("03-08 00:00", "Done"), team="beta"),
        story("N-2", ("03-09 00:00", "In Progress"), ("03-10 12:00", "Done"), team="beta"),
        story("G-1", team="gamma"),  # never started
    ]
    service = build(items).flow_at(at("03-20 12:00"))

    summary = {row["team"]: row for row in service.summary(since=day("03-04"), until=day("03-17"), by="team").rows()}

    # Percentile p at h = (n − 1)·p over sorted values, interpolated:
    #   alpha cycle [1, 2, 3, 4, 10]: p50 3; p70 h=2.8 → 3.8; p85 h=3.4 → 4 + 0.4·6 = 6.4; p95 h=3.8 → 8.8.
    #   alpha lead [3, 4, 5, 5, 11]: p50 5; p70 5; p85 5 + 0.4·6 = 7.4; p95 5 + 0.8·6 = 9.8.
    #   beta cycle [0, 1.5]: 0.75, 1.05, 1.275, 1.425; lead [7, 9.5]: 8.25, 8.75, 9.125, 9.375.
    # Throughput per week: finished / 2 weeks. Efficiency alpha (1 + 2 + 3 + 4 + 5) / 20.
    expected = {
        "alpha": (5, 1, (5, 5, 7.4, 9.8), (3, 3.8, 6.4, 8.8), 2.5, 2, 0.75, 0),
        "beta": (2, 0, (8.25, 8.75, 9.125, 9.375), (0.75, 1.05, 1.275, 1.425), 1.0, 0, 1.0, 1),
    }
    assert summary.keys() == {"alpha", "beta", "gamma"}
    for team, (finished, cancelled, lead, cycle, per_week, wip, efficiency, skipped) in expected.items():
        row = summary[team]
        assert (row["finished"], row["cancelled"], row["wip"], row["skipped_start"]) == (
            finished,
            cancelled,
            wip,
            skipped,
        )
        assert [row[f"lead_time_p{p}"] for p in (50, 70, 85, 95)] == [days(v) for v in lead]
        assert [row[f"cycle_time_p{p}"] for p in (50, 70, 85, 95)] == [days(v) for v in cycle]
        assert row["throughput_per_week"] == days(per_week)
        assert row["flow_efficiency"] == days(efficiency)
    gamma = summary["gamma"]
    assert (gamma["finished"], gamma["wip"], gamma["cycle_time_p50"], gamma["flow_efficiency"]) == (0, 0, None, None)


# -- cancelled, now, cuts ----------------------------------------------------------------------------------


def test_cancelled_by_status_and_by_resolution(build: Build) -> None:
    items = [
        item("C-1", ("03-04 00:00", "Backlog"), ("03-05 00:00", "In Progress"), ("03-06 00:00", "Won't Do")),
        # Done, but resolved as Duplicate, one of the board's cancelled resolutions.
        item(
            "C-2",
            ("03-04 00:00", "Backlog"),
            ("03-05 00:00", "In Progress"),
            ("03-07 00:00", "Done"),
            resolution="Duplicate",
        ),
        # Project Q falls to the default workflow, whose cancelled resolutions hold Won't Fix.
        item(
            "C-3",
            ("03-04 00:00", "Open"),
            ("03-05 00:00", "In Progress"),
            ("03-08 00:00", "Done"),
            project="Q",
            resolution="Won't Fix",
        ),
        item(
            "C-4",
            ("03-04 00:00", "Open"),
            ("03-05 00:00", "In Progress"),
            ("03-09 00:00", "Done"),
            project="Q",
            resolution="Fixed",
        ),
        # Won't Fix is not a cancelled resolution of the board: done.
        item(
            "C-5",
            ("03-04 00:00", "Backlog"),
            ("03-05 00:00", "In Progress"),
            ("03-07 12:00", "Done"),
            resolution="Won't Fix",
        ),
    ]
    service = build(items).flow_at(at("03-15 12:00"))
    window = {"since": day("03-04"), "until": day("03-10")}

    done = service.cycle_time(**window)
    everything = service.cycle_time(**window, include_cancelled=True)

    assert rows_by(done, "item_id", "outcome", "cycle_time_days") == {
        "C-5": ("done", days(2.5)),
        "C-4": ("done", days(4.0)),
    }
    assert rows_by(everything, "item_id", "outcome", "cycle_time_days") == {
        "C-1": ("cancelled", days(1.0)),
        "C-2": ("cancelled", days(2.0)),
        "C-5": ("done", days(2.5)),
        "C-3": ("cancelled", days(3.0)),
        "C-4": ("done", days(4.0)),
    }
    (summary,) = service.summary(**window).rows()
    assert (summary["finished"], summary["cancelled"]) == (2, 3)
    (week,) = service.throughput(**window).rows()
    assert (week["finished"], week["started"]) == (2, 5)
    # Cancelled items are finished: they leave WIP on the day they are cancelled.
    assert column(service.wip(**window), "wip") == [0, 5, 4, 2, 1, 0, 0]


def test_now_earlier_than_transitions_ignores_them(build: Build) -> None:
    items = [
        item("E-1", ("03-04 00:00", "Backlog"), ("03-05 00:00", "In Progress"), ("03-09 00:00", "Done")),
        item("E-2", ("03-10 00:00", "Backlog"), ("03-10 01:00", "In Progress")),  # created after now
    ]
    # 2024-03-07T21:30+09:00 is 03-07 12:30 UTC.
    service = build(items, flags=(("E-1", "03-08 00:00", "03-09 00:00"),)).flow_at(at("2024-03-07T21:30+09:00"))

    assert service.now == at("03-07 12:30")
    assert rows_by(service.items(), "item_id", "finished_at", "outcome", "current_stage", "age_days") == {
        "E-1": (None, None, "In Progress", days(2 + 12.5 / 24)),
    }
    assert service.cycle_time(since=day("03-04"), until=day("03-10")).rows() == []
    assert rows_by(service.age(), "item_id", "age_days") == {"E-1": (days(2 + 12.5 / 24),)}
    assert service.blocked(since=day("03-04"), until=day("03-07")).rows() == []
    assert column(service.wip(since=day("03-04"), until=day("03-06")), "wip") == [0, 1, 1]


GROUPS = (
    Group("org", "org", "Org", "org"),
    Group("org", "c1", "Cluster one", "cluster", parent_id="org"),
    Group("org", "c2", "Cluster two", "cluster", parent_id="org"),
    Group("org", "alpha", "Alpha", "team", parent_id="c1"),
    Group("org", "beta", "Beta", "team", parent_id="c1"),
    Group("org", "gamma", "Gamma", "team", parent_id="c2"),
)


def _one_done_item_per_team(build: Build) -> FlowService:
    items = [
        item(
            f"G-{team}", ("03-04 00:00", "Backlog"), ("03-05 00:00", "In Progress"), ("03-06 00:00", "Done"), team=team
        )
        for team in ("alpha", "beta", "gamma")
    ]
    return build(items, groups=GROUPS).flow_at(at("03-15 12:00"))


def test_group_cut_covers_every_team_below_the_group(build: Build) -> None:
    service = _one_done_item_per_team(build)
    window = {"since": day("03-04"), "until": day("03-10")}

    def items_of(cut: Cut) -> set[str]:
        return {row["item_id"] for row in service.cycle_time(cut=cut, **window).rows()}

    assert items_of(Cut(group="c1")) == {"G-alpha", "G-beta"}
    assert items_of(Cut(group="c2")) == {"G-gamma"}
    assert items_of(Cut(group="org")) == {"G-alpha", "G-beta", "G-gamma"}
    assert items_of(Cut(team="beta")) == {"G-beta"}
    # --by group groups by the team's direct parent.
    by_group = service.summary(**window, by="group")
    assert rows_by(by_group, "group", "finished") == {"c1": (2,), "c2": (1,)}
    assert column(service.cycle_time(**window), "group_id") == ["c1", "c1", "c2"]


def test_unknown_team_or_group_is_an_input_error(build: Build) -> None:
    service = _one_done_item_per_team(build)

    with pytest.raises(InputError, match="unknown team 'delta'"):
        service.cycle_time(cut=Cut(team="delta"))
    with pytest.raises(InputError, match="unknown group 'c9'"):
        service.wip(cut=Cut(group="c9"))


def test_a_team_of_the_org_without_items_is_known_and_its_figures_empty(build: Build) -> None:
    """Team delta is in the org (groups) but owns no item: its cut is accepted, its summary has nothing
    finished and null times with the usual reason; a name known nowhere stays an error."""
    items = [item("G-alpha", ("03-04 00:00", "Backlog"), ("03-05 00:00", "In Progress"), ("03-06 00:00", "Done"))]
    groups = (*GROUPS, Group("org", "delta", "Delta", "team", parent_id="c2"))
    service = build(items, groups=groups).flow_at(at("03-15 12:00"))
    window = {"since": day("03-04"), "until": day("03-10")}

    summary = service.summary(cut=Cut(team="delta"), **window)
    (row,) = summary.rows()
    assert (row["finished"], row["lead_time_p50"], row["cycle_time_p50"]) == (0, None, None)
    assert row["unknown_reasons"] == NO_FINISHED
    assert service.cycle_time(cut=Cut(team="delta"), **window).rows() == []
    assert service.age(cut=Cut(team="delta")).rows() == []
    with pytest.raises(NotFoundError, match="unknown team 'epsilon'") as raised:
        service.summary(cut=Cut(team="epsilon"), **window)
    assert raised.value.field == "team"


# -- regressions: each of these failed on the code of commit 01e69db ----------------------------------------


def test_throughput_without_until_leaves_the_current_day_out(build: Build) -> None:
    """Once: today's finishes counted whenever today was not the first day of a period (docs: left out)."""
    items = [
        item("H-1", ("03-11 00:00", "Backlog"), ("03-11 01:00", "In Progress"), ("03-11 10:00", "Done")),
        item("H-2", ("03-11 00:00", "Backlog"), ("03-11 02:00", "In Progress"), ("03-12 09:00", "Done")),
    ]
    # Tuesday noon: Monday 03-11 is a complete day, Tuesday 03-12 is not.
    service = build(items).flow_at(at("03-12 12:00"))

    weeks = service.throughput(period="week").rows()

    assert weeks == [{"period_start": day("03-11"), "finished": 1, "started": 2, "net_flow": 1}]


def test_periods_before_the_first_item_are_listed(build: Build) -> None:
    """Once: the day table began at the first item's creation, so earlier periods were missing. They are
    listed: throughput's periods and WIP's days before the data's first event (A-1's creation, 03-04 09:00)
    unknown (null), named in a note."""
    service = build([A1]).flow_at(at("03-15 12:00"))

    weeks = service.throughput(since=day("02-19"), until=day("03-10")).rows()
    wip = service.wip(since=day("03-01"), until=day("03-05")).rows()

    assert [(w["period_start"], w["finished"]) for w in weeks] == [
        (day("02-19"), None),
        (day("02-26"), None),
        (day("03-04"), 1),
    ]
    assert [(w["date"], w["wip"]) for w in wip] == [
        (day("03-01"), None),
        (day("03-02"), None),
        (day("03-03"), None),
        (day("03-04"), 0),
        (day("03-05"), 1),
    ]


def test_blocked_time_of_a_team_keeps_its_cross_team_links(build: Build) -> None:
    """Once: blockers were looked up among the cut items only, so a team cut lost every cross-team link."""
    service = build([X1, Y1, Z1], flags=X1_FLAGS, links=X1_LINKS).flow_at(at("03-12 08:00"))

    blocked = service.blocked(cut=Cut(team="alpha"), since=day("03-04"), until=day("03-11"))

    # The same figures as without the cut (test_blocked_time_by_flag_status_and_cross_team_link).
    assert [(r["item_id"], r["link_days"], r["blocked_days"]) for r in blocked.rows()] == [
        ("X-1", days(3 + 4 / 24), days(4 + 16 / 24))
    ]


def test_link_days_count_overlapping_blockers_once(build: Build) -> None:
    """Once: link_days summed the spans of all blockers, counting time blocked by two items twice."""
    y2 = item("Y-2", ("03-04 00:00", "Backlog"), ("03-05 00:00", "In Progress"), ("03-07 08:00", "Done"), team="beta")
    links = (("Y-1", "blocks", "X-1"), ("Y-2", "blocks", "X-1"))
    service = build([X1, Y1, y2], links=links).flow_at(at("03-12 08:00"))

    (row,) = service.blocked(since=day("03-04"), until=day("03-11")).rows()

    # Y-1 blocks 03-06 08:00 → 03-09 12:00, Y-2 03-06 08:00 → 03-07 08:00: 3 d 4 h of link time, not
    # 4 d 4 h. With the blocked stage (03-08 08:00 → 03-10 20:00) the union is 03-06 08:00 → 03-10 20:00.
    assert (row["link_days"], row["blocked_days"]) == (days(3 + 4 / 24), days(4.5))


def test_two_services_of_one_workspace_keep_their_own_now(build: Build) -> None:
    """Once: all services of a workspace shared temp tables, so the one prepared last won."""
    workspace = build([A1])
    later = workspace.flow_at(at("03-15 12:00"))
    assert len(later.cycle_time(since=day("03-04"), until=day("03-10")).rows()) == 1
    earlier = workspace.flow_at(at("03-07 00:00"))
    assert earlier.cycle_time(since=day("03-04"), until=day("03-06")).rows() == []

    # Back to the service as of 03-15: A-1 finished 03-09 with cycle time 4.
    assert column(later.cycle_time(since=day("03-04"), until=day("03-10")), "cycle_time_days") == [days(4.0)]


def test_cfd_lists_stages_nobody_reached_with_zeros(build: Build) -> None:
    """Once: the CFD had rows only for stages some item had reached."""
    service = build([A4]).flow_at(at("03-12 08:00"))

    cfd = service.cfd(since=day("03-07"), until=day("03-07"))

    # A-4 reached Backlog, then Ready and In Progress (back-filled) on 03-07; nothing later.
    assert [(row["stage"], row["count"]) for row in cfd.rows()] == [
        ("Backlog", 1),
        ("Ready", 1),
        ("In Progress", 1),
        ("Blocked", 0),
        ("Review", 0),
        ("Done", 0),
    ]


GERMAN_BOARD = """
workflows:
  - name: german
    applies_to: {source: t, projects: ["P"]}
    stages:
      - {name: Offen, phase: Ideate, category: backlog, statuses: [Offen]}
      - {name: In Arbeit, phase: Create, category: active, statuses: [In Arbeit]}
      - {name: Abnahme, phase: Release, category: wait, statuses: [Maßnahme prüfen]}
      - {name: Erledigt, phase: Operate, category: done, statuses: [Erledigt]}
"""


def test_statuses_match_as_config_status_key_matches_them(build: Build) -> None:
    """Once: SQL lower() and \\s were no twin of casefold() and str.split(): ß and no-break spaces failed."""
    german = item(
        "K-1",
        ("03-04 00:00", "Offen"),
        ("03-05 00:00", "In\u00a0Arbeit"),  # a no-break space, as pasted from a web page
        ("03-06 00:00", "Maßnahme prüfen"),  # spelled exactly as configured
        ("03-07 00:00", "Erledigt"),
    )
    service = build([german], config=GERMAN_BOARD).flow_at(at("03-15 12:00"))

    by_stage = service.stages(since=day("03-04"), until=day("03-10"))

    assert rows_by(by_stage, "stage", "total_days") == {
        "Offen": (days(1.0),),
        "In Arbeit": (days(1.0),),
        "Abnahme": (days(1.0),),
        "Erledigt": (days(0.0),),
    }
