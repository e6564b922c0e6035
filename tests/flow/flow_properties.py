"""Property tests: random histories through `FlowService` agree with the plain-Python reference (the
strategy and the checks; `test_flow_properties_time.py` and `test_flow_properties_load.py` run them, one
half of the rarer checks each, as two files the test runner's workers take side by side).

Each example is a fresh in-memory store with up to 15 items of a small workflow, each with up to 8
transitions among its statuses (some spelled oddly, one unmapped) at second-resolution instants over
about 30 days shown in three UTC offsets, some blocked flags and blocking links. `now` falls anywhere
from day 2 to day 50 (mostly after day 35), so it is often earlier than part of the history; the window
is whole days, sometimes opening before the first item. Figures are compared
with `reference.ReferenceFlow` exactly (floats to 1e-9): item facts, age, cycle and lead time, WIP,
throughput, CFD and the team summary in every example; flow efficiency, SLE and time per stage in one
half of them, flow distribution, blocked time and Little's law in the other (each metric call costs tens
of milliseconds, and each file is meant to run in under a minute).

Windows end before now's day (the current partial day has its own test in test_flow_exact.py). Flags of
one item never overlap, as the sources emit them (active time assumes so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st
from reference import DAY, ReferenceFlow, Window, percentile

from orgflow.config import validate_config
from orgflow.flow.service import FlowService
from orgflow.model import BlockedInterval, ItemLink, StatusTransition, WorkItem
from orgflow.store import ImportBatch, Store
from orgflow.workspace import Workspace

CONFIG = validate_config(
    yaml.safe_load(
        """
        thresholds: {sle_items: 2, sle_percentile: 85}
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
    )
)
SOURCE = "t"
T0 = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday
ZONES = (UTC, timezone(timedelta(hours=9)), timezone(timedelta(hours=-5)))
STATUSES = (
    "Backlog",
    "To Do",
    "Selected",
    "In Progress",
    "In Progress",
    "  in   progress ",
    "Blocked",
    "Code Review",
    "Done",
    "CLOSED",
    "Won't Do",
    "Limbo",  # in no stage: the unmapped stage
)
# Weighted towards alpha stories, so that SLE groups often hold more than its last N (2) items.
TEAMS = ("alpha", "alpha", "alpha", "beta", None)  # None: the team is the project key
ITEM_TYPES = ("Story", "Story", "Story", "Story", "Bug", "Chore", "Spike")
ENDINGS = (None, "Done", "Done", "CLOSED", "Won't Do")  # most items end finished
RESOLUTIONS = (None, None, "Fixed", "Duplicate")
TOLERANCE = 1e-9
SUMMARY_NUMBERS = (
    "finished",
    "cancelled",
    *(f"{kind}_time_p{p}" for kind in ("lead", "cycle") for p in (50, 70, 85, 95)),
    "throughput_per_week",
    "wip",
    "flow_efficiency",
    "skipped_start",
)
"""The summary's figures, all unknown over a window before the data's first event."""


@dataclass(frozen=True)
class History:
    """Records to import, `now`, and the report window (whole days, before now's day)."""

    items: list[WorkItem]
    transitions: list[StatusTransition]
    flags: list[BlockedInterval]
    links: list[ItemLink]
    now: datetime
    first_day: date
    last_day: date
    include_cancelled: bool
    level: str
    per_item: bool
    time_per_item: bool
    half: str


def _seconds(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


@st.composite
def histories(draw: st.DrawFn, half: str) -> History:
    """A random set of item histories (P-1 is created on the first day), `now` and a window; `half` names
    which half of the rarer checks the example runs ("time" or "load")."""
    count = draw(st.integers(1, 15))
    items: list[WorkItem] = []
    transitions: list[StatusTransition] = []
    flags: list[BlockedInterval] = []

    def shown(instant: datetime) -> datetime:
        return instant.astimezone(draw(st.sampled_from(ZONES)))

    for index in range(count):
        key = f"P-{index + 1}"
        created = T0 + timedelta(seconds=draw(_seconds(0, 86_399 if index == 0 else 30 * 86_400)))
        statuses = draw(st.lists(st.sampled_from(STATUSES), max_size=7))
        ending = draw(st.sampled_from(ENDINGS))
        statuses += [ending] if ending else []
        at = created
        for seq, status in enumerate(statuses):
            if seq:
                # Zero gaps make equal instants, ordered by seq.
                at += timedelta(seconds=draw(st.one_of(st.just(0), _seconds(1, 4 * 86_400))))
            transitions.append(StatusTransition(SOURCE, key, seq, shown(at), None, status))
        items.append(
            WorkItem(
                source=SOURCE,
                source_id=key,
                project="P",
                team_id=draw(st.sampled_from(TEAMS)),
                title=key,
                item_type=draw(st.sampled_from(ITEM_TYPES)),
                created_at=shown(created),
                status=statuses[-1] if statuses else "Backlog",
                resolution=draw(st.sampled_from(RESOLUTIONS)),
            )
        )
        cursor = created
        flag_count = draw(st.integers(0, 2))
        for seq in range(flag_count):
            start = cursor + timedelta(seconds=draw(_seconds(0, 4 * 86_400)))
            end = start + timedelta(seconds=draw(_seconds(1, 2 * 86_400)))
            still_open = seq == flag_count - 1 and draw(st.booleans())
            flags.append(BlockedInterval(SOURCE, key, seq, shown(start), None if still_open else shown(end)))
            cursor = end

    links: list[ItemLink] = []
    blocked_targets = draw(st.sets(st.integers(0, count - 1), max_size=count))
    for target in sorted(blocked_targets):
        for blocker in sorted(draw(st.sets(st.integers(0, count - 1), min_size=1, max_size=2)) - {target}):
            blocker_key, target_key = f"P-{blocker + 1}", f"P-{target + 1}"
            kind = draw(st.sampled_from(("blocks", "blocked_by", "both")))
            if kind in ("blocks", "both"):
                links.append(ItemLink(SOURCE, blocker_key, "blocks", target_key))
            if kind in ("blocked_by", "both"):
                links.append(ItemLink(SOURCE, target_key, "blocked_by", blocker_key))

    # Half a second past a whole second: never equal to a record's instant. Often late enough for most
    # histories to be over, often in the middle of them.
    late = draw(st.integers(0, 3)) > 0
    offset = draw(_seconds(35 * 86_400, 50 * 86_400) if late else _seconds(2 * 86_400, 50 * 86_400))
    now = T0 + timedelta(seconds=offset, microseconds=500_000)
    last_possible = now.date() - DAY
    first_day = min(T0.date() + timedelta(days=draw(st.sampled_from((-3, 0, 0, 1, 3, 10)))), last_possible)
    last_day = draw(
        st.one_of(
            st.just(last_possible),
            st.integers(0, (last_possible - first_day).days).map(lambda n: first_day + timedelta(days=n)),
        )
    )
    # Options of the calls are drawn rather than all tried: each metric call costs tens of milliseconds
    # of query compilation.
    options = draw(st.tuples(st.booleans(), st.sampled_from(("stage", "phase")), st.booleans(), st.booleans()))
    return History(items, transitions, flags, links, now, first_day, last_day, *options, half)


def _close(actual: Any, expected: Any) -> bool:
    if actual is None or expected is None:
        return actual is None and expected is None
    return abs(actual - expected) <= TOLERANCE


def _utc(value: datetime | None) -> datetime | None:
    """A naive UTC instant from the store, made aware."""
    return None if value is None else value.replace(tzinfo=UTC)


def _assert_close(actual: dict[Any, Any], expected: dict[Any, Any], what: str) -> None:
    assert actual.keys() == expected.keys(), what
    for key, value in expected.items():
        assert _close(actual[key], value), f"{what} {key}: {actual[key]} != {value}"


def _import(directory: Path, history: History) -> Workspace:
    workspace = Workspace(directory, CONFIG, Store.open(None))
    batch = ImportBatch(SOURCE, "test", "hypothesis")
    batch.extend(history.items)
    batch.extend(history.transitions)
    batch.extend(history.flags)
    batch.extend(history.links)
    # With the stored facts: used when `now` is after the last change (most late draws), else each
    # query builds its own, so both paths meet the reference.
    workspace.write(batch)
    return workspace


def check_every_flow_metric(directory: Path, history: History) -> None:
    """Import `history` into a fresh store in `directory` and compare every flow figure with the reference."""
    workspace = _import(directory, history)
    try:
        service = workspace.flow_at(history.now)
        reference = ReferenceFlow(
            CONFIG,
            items=history.items,
            transitions=history.transitions,
            flags=history.flags,
            links=history.links,
            now=history.now,
        )
        window = Window.of_days(history.first_day, history.last_day)
        span = {"since": history.first_day, "until": history.last_day}
        _check_item_facts(service, reference)
        _check_flow_time(service, reference, window, span, history)
        _check_flow_load(service, reference, window, span, history)
        _check_summary(service, reference, window, span, history)
        if history.half == "time":
            _check_efficiency_and_sle(service, reference, window, span, history)
            _check_time_in_stage(service, reference, window, span, history)
        else:
            _check_distribution(service, reference, window, span)
            _check_blocked_and_littles_law(service, reference, window, span)
    finally:
        workspace.close()


def time_in_stage_per_item(service: FlowService, *, level: str = "stage") -> list[dict[str, Any]]:
    """Time in stage (or phase) per item, for every item of the workspace."""
    return service.time_in_stage(level=level).rows()


def _check_item_facts(service: FlowService, reference: ReferenceFlow) -> None:
    # A window from the first day to the end of today holds every item created by now.
    everything = {"since": T0.date(), "until": reference.now.date()}
    rows = {row["item_id"]: row for row in service.items(**everything).rows()}
    assert rows.keys() == {facts.item_id for facts in reference.facts.values()}
    for facts in reference.facts.values():
        row = rows[facts.item_id]
        assert _utc(row["started_at"]) == facts.started_at, facts.item_id
        assert _utc(row["finished_at"]) == facts.finished_at, facts.item_id
        assert row["outcome"] == facts.outcome, facts.item_id
        assert row["skipped_start"] == facts.skipped_start, facts.item_id
        assert row["current_stage"] == facts.current_stage, facts.item_id
        assert row["team_id"] == facts.team_id
        assert row["flow_type"] == facts.flow_type
        lead = reference.lead_time_days(facts) if facts.finished_at else None
        # A skipped start measures no cycle time: null, not 0 (`orgflow.flow.skipped`).
        cycle = reference.cycle_time_days(facts) if facts.finished_at and not facts.skipped_start else None
        assert _close(row["lead_time_days"], lead), facts.item_id
        assert _close(row["cycle_time_days"], cycle), facts.item_id

    ages = {row["item_id"]: (row["age_days"], row["stage_age_days"]) for row in service.age().rows()}
    expected_ages = reference.ages()
    assert ages.keys() == expected_ages.keys()
    for item_id, (age, stage_age) in expected_ages.items():
        assert _close(ages[item_id][0], age) and _close(ages[item_id][1], stage_age), item_id


def _reaches(reference: ReferenceFlow, category: str, team: str | None = None) -> bool:
    """Whether some workflow of the items (of `team`) uses a status mapped to a `category` stage: without
    a done one nothing can finish, without an active one cycle time is unknown (`orgflow.flow.mapped_stages`)."""
    workflows = {f.workflow.name for f in reference.facts.values() if team is None or f.team_id == team}
    # No items: nothing to rule out (nothing is counted either way).
    return not workflows or bool(workflows & reference.workflows_reaching(category))


def _check_flow_time(
    service: FlowService, reference: ReferenceFlow, window: Window, span: dict[str, date], history: History
) -> None:
    include_cancelled = history.include_cancelled
    cycle = {
        row["item_id"]: (row["cycle_time_days"], row["skipped_start"], row["outcome"])
        for row in service.cycle_time(**span, include_cancelled=include_cancelled).rows()
    }
    # Cycle time is unknown without an active stage (it would be lead time) or without a done one (a cancelled
    # item's cycle time, with --include-cancelled, is not measured where nothing can finish).
    works = _reaches(reference, "active") and _reaches(reference, "done")
    expected = {
        f.item_id: (reference.cycle_time_days(f) if works and not f.skipped_start else None, f.skipped_start, f.outcome)
        for f in reference.finished(window, include_cancelled=include_cancelled)
    }
    assert cycle.keys() == expected.keys()
    for item_id, (days, skipped, outcome) in expected.items():
        assert _close(cycle[item_id][0], days) and cycle[item_id][1:] == (skipped, outcome), item_id

    lead = {row["item_id"]: row["lead_time_days"] for row in service.lead_time(**span).rows()}
    _assert_close(lead, {f.item_id: reference.lead_time_days(f) for f in reference.finished(window)}, "lead time")


def _check_efficiency_and_sle(
    service: FlowService, reference: ReferenceFlow, window: Window, span: dict[str, date], history: History
) -> None:
    expected_per_item = reference.efficiency_per_item(window)
    works = _reaches(reference, "active")  # else efficiency is unknown: the start is an unmapped status
    if history.per_item:
        if not works:
            expected_per_item = {key: (a, c, None) for key, (a, c, _) in expected_per_item.items()}
        # Per item, a skipped start measures no cycle time, so no efficiency either (`orgflow.flow.skipped`).
        skipped = {f.item_id for f in reference.facts.values() if f.skipped_start}
        expected_per_item = {
            key: (a, None, None) if key in skipped else (a, c, e) for key, (a, c, e) in expected_per_item.items()
        }
        per_item = {
            row["item_id"]: (row["active_days"], row["cycle_time_days"], row["flow_efficiency"])
            for row in service.efficiency(**span, per_item=True).rows()
        }
        assert per_item.keys() == expected_per_item.keys()
        for item_id, values in expected_per_item.items():
            assert all(_close(a, e) for a, e in zip(per_item[item_id], values, strict=True)), item_id
    else:
        (overall,) = service.efficiency(**span).rows()
        weighted, median = reference.efficiency(window) if works else (None, None)
        assert overall["finished"] == len(expected_per_item)
        if expected_per_item:  # over no items the SQL sums are null
            assert _close(overall["active_days"], sum(a for a, _, _ in expected_per_item.values()))
            assert _close(overall["cycle_days"], sum(c for _, c, _ in expected_per_item.values()))
        assert _close(overall["flow_efficiency"], weighted)
        assert _close(overall["item_efficiency_p50"], median)

    sle = {(row["team_id"], row["item_type"]): (row["sample"], row["sle_days"]) for row in service.sle().rows()}
    expected_sle = reference.sle(percent=85, last_items=2)
    assert sle.keys() == expected_sle.keys()
    for key, (sample, days) in expected_sle.items():
        days = days if _reaches(reference, "active", key[0]) else None
        assert sle[key][0] == sample and _close(sle[key][1], days), key


def _check_time_in_stage(
    service: FlowService, reference: ReferenceFlow, window: Window, span: dict[str, date], history: History
) -> None:
    level = history.level
    if history.time_per_item:
        # Every item with a history, open ones too (their last interval runs to now).
        actual: dict[str, dict[str, float]] = {}
        for row in time_in_stage_per_item(service, level=level):
            actual.setdefault(row["item_id"], {})[row[level]] = row["days"]
        expected = {f.item_id: reference.time_in(f, level=level) for f in reference.facts.values() if f.steps}
        assert actual.keys() == expected.keys()
        for item_id, times in expected.items():
            _assert_close(actual[item_id], times, f"time in {level} of {item_id}")

    per_stage: dict[str, list[float]] = {}
    for facts in reference.finished(window):
        for name, days in reference.time_in(facts, level=level).items():
            per_stage.setdefault(name, []).append(days)
    grand_total = sum(sum(values) for values in per_stage.values())
    rows = {row[level]: row for row in service.stages(**span, level=level).rows()}
    assert rows.keys() == per_stage.keys()
    for name, values in per_stage.items():
        row = rows[name]
        assert row["items"] == len(values), name
        assert _close(row["total_days"], sum(values)), name
        assert _close(row["mean_days"], sum(values) / len(values)), name
        assert _close(row["p50_days"], percentile(values, 50)), name
        assert _close(row["p85_days"], percentile(values, 85)), name
        assert _close(row["share"], sum(values) / max(grand_total, 1e-12)), name


def _last_day(history: History) -> date:
    """The day of the data's last event: a creation, resolution or status change (UTC)."""
    events = [i.created_at for i in history.items] + [i.resolved_at for i in history.items if i.resolved_at]
    return max([*events, *(t.changed_at for t in history.transitions)]).astimezone(UTC).date()


def _outside_data(reference: ReferenceFlow, window: Window, weeks: list[date], last_day: date) -> set[date]:
    """The weeks wholly before the data's first event (all of them when the window ends at or before it,
    else those before the week holding its day) or starting after the day of its last event."""
    first = reference.first_event
    if first is None:
        return set()
    if window.until <= first:
        return set(weeks)
    holding = max((week for week in weeks if week <= first.date()), default=None)
    return {week for week in weeks if (holding is not None and week < holding) or week > last_day}


def _check_flow_load(
    service: FlowService, reference: ReferenceFlow, window: Window, span: dict[str, date], history: History
) -> None:
    days = window.days()
    wip = {row["date"]: row["wip"] for row in service.wip(**span).rows()}
    # Before the day of the data's first event the WIP and the CFD are unknown (null), not 0.
    assert wip == {day: None if reference.before_data(day) else open_ for day, open_ in reference.wip(days).items()}

    throughput = {
        row["period_start"]: (row["finished"], row["started"], row["net_flow"])
        for row in service.throughput(**span, period="week").rows()
    }
    can_finish = _reaches(reference, "done")  # else nothing can finish: finished and net flow unknown
    weekly = reference.throughput(window)
    # A week wholly before the data's first event or after its last recorded nothing: every count unknown.
    outside = _outside_data(reference, window, list(weekly), _last_day(history))
    expected = {
        week: (None, None, None)
        if week in outside
        else (done, started, started - done)
        if can_finish
        else (None, started, None)
        for week, (done, started) in weekly.items()
    }
    assert throughput == expected

    cfd = {(row["date"], row["stage"], row["stage_order"]): row["count"] for row in service.cfd(**span).rows()}
    expected_cfd = {key: None if reference.before_data(key[0]) else n for key, n in reference.cfd(days).items()}
    # A stage nobody ever reached has no rows; every other (day, stage) must match.
    assert cfd.keys() <= expected_cfd.keys()
    assert cfd == {key: count for key, count in expected_cfd.items() if key in cfd}
    assert all(count in (0, None) for key, count in expected_cfd.items() if key not in cfd)


def _check_distribution(service: FlowService, reference: ReferenceFlow, window: Window, span: dict[str, date]) -> None:
    distribution = {
        row["flow_type"]: (row["finished"], row["finished_share"], row["wip"], row["wip_share"])
        for row in service.distribution(**span).rows()
    }
    expected_distribution = reference.distribution(window)
    assert distribution.keys() == expected_distribution.keys()
    finished_total = sum(done for done, _ in expected_distribution.values())
    wip_total = sum(open_ for _, open_ in expected_distribution.values())
    for flow_type, (done, open_) in expected_distribution.items():
        row = distribution[flow_type]
        assert (row[0], row[2]) == (done, open_), flow_type
        assert _close(row[1], done / max(finished_total, 1)) and _close(row[3], open_ / max(wip_total, 1))


def _check_summary(
    service: FlowService, reference: ReferenceFlow, window: Window, span: dict[str, date], history: History
) -> None:
    rows = {row["team"]: row for row in service.summary(**span, by="team").rows()}
    teams = {facts.team_id for facts in reference.facts.values()}
    assert rows.keys() == teams
    end = min(window.until, reference.now)
    # A window ending at or before the data's first event (creation or status change) recorded nothing:
    # every figure of the summary is unknown.
    first_event = min([*(i.created_at for i in history.items), *(t.changed_at for t in history.transitions)])
    for team in teams:
        row = rows[team]
        if window.until <= first_event:
            assert all(row[name] is None for name in SUMMARY_NUMBERS), team
            assert "before the data's first event" in row["unknown_reasons"], team
            continue
        done = [f for f in reference.finished(window) if f.team_id == team]
        cancelled = [
            f
            for f in reference.finished(window, include_cancelled=True)
            if f.team_id == team and f.outcome == "cancelled"
        ]
        lead = [reference.lead_time_days(f) for f in done]
        cycle = [reference.cycle_time_days(f) for f in done]
        # Unknown is not zero: no finished item with time between start and finish supports no cycle time,
        # and neither does a row where more than half of the finished items skipped their start.
        skipped = sum(1 for f in done if f.skipped_start)
        # A row whose items' workflows use no status mapped to a done stage has no throughput and no finished
        # count (nor a cancelled one without a cancelled stage); with none mapped to an active stage, no cycle
        # time (its start would be its first unmapped status).
        workflows = {f.workflow.name for f in reference.facts.values() if f.team_id == team}
        can_finish = bool(workflows & reference.workflows_reaching("done"))
        can_cancel = can_finish or bool(workflows & reference.workflows_reaching("cancelled"))
        works = bool(workflows & reference.workflows_reaching("active"))
        # A window after the data's last event (creation, resolution or status change) recorded nothing.
        after_data = history.first_day > _last_day(history)
        finished = len(done) if can_finish and not after_data else None
        assert row["finished"] == finished, team
        assert row["cancelled"] == (len(cancelled) if can_cancel and not after_data else None), team
        assert row["skipped_start"] == (skipped if finished is not None else None), team
        timed = any(days > 0 for days in cycle) and skipped * 2 <= len(done) and works
        for p in (50, 70, 85, 95):
            assert _close(row[f"lead_time_p{p}"], percentile(lead, p)), (team, p)
            assert _close(row[f"cycle_time_p{p}"], percentile(cycle, p) if timed else None), (team, p)
        # Per week of the days the data covers in the window: from the day of its first event to the end of the
        # day of its last (nothing was recorded outside them).
        first_day = first_event.astimezone(UTC).date()
        since = max(window.since, datetime.combine(first_day, datetime.min.time(), tzinfo=UTC))
        until = min(window.until, datetime.combine(_last_day(history) + DAY, datetime.min.time(), tzinfo=UTC))
        covered = (until - since).total_seconds() / 86_400
        throughput = len(done) / (covered / 7) if finished is not None else None
        assert _close(row["throughput_per_week"], throughput), team
        assert row["wip"] == sum(1 for f in reference.facts.values() if f.team_id == team and f.open_at(end))
        active = sum(reference.active_days(f) for f in done)
        # ... and no active time at all supports no efficiency (0 % would be made up).
        expected_efficiency = active / sum(cycle) if timed and sum(cycle) > 0 and active > 0 else None
        assert _close(row["flow_efficiency"], expected_efficiency), team


def _check_blocked_and_littles_law(
    service: FlowService, reference: ReferenceFlow, window: Window, span: dict[str, date]
) -> None:
    blocked = {
        row["item_id"]: {name: row[name] for name in ("flagged_days", "status_days", "link_days", "blocked_days")}
        for row in service.blocked(**span).rows()
    }
    expected = reference.blocked(window)
    # No flag stored and no item ever in a blocked stage: only links measure anything; the rest is unknown.
    recorded = bool(reference.flags) or any(
        interval.stage.blocked for facts in reference.facts.values() for interval in facts.intervals()
    )
    if not recorded:
        unknown = dict.fromkeys(("flagged_days", "status_days", "blocked_days"))
        expected = {item: {**values, **unknown} for item, values in expected.items() if values["link_days"] > 0}
    assert blocked.keys() == expected.keys()
    for item_id, values in expected.items():
        _assert_close(blocked[item_id], values, f"blocked {item_id}")

    (law,) = service.littles_law(**span).rows()
    expected_law = reference.littles_law(window)
    # Nothing can finish, or no stage is active: what is built on departures, or on cycle time, is unknown.
    if not _reaches(reference, "done"):
        unknown = ("departures", "throughput_per_day", "mean_cycle_time_days", "predicted_wip", "ratio")
        unknown += ("arrivals_match_departures",)
    else:
        unknown = () if _reaches(reference, "active") else ("mean_cycle_time_days", "predicted_wip", "ratio")
    expected_law.update(dict.fromkeys(unknown))
    for name, value in expected_law.items():
        if isinstance(value, bool) or name in ("days", "departures", "arrivals", "wip_start", "wip_end"):
            assert law[name] == value, name
        else:
            assert _close(law[name], value), name
