"""A plain-Python reference for the flow metrics, written from METRICS.md §1-2 (not from the Ibis code).

Loops over records, no Ibis or DuckDB: the property tests compare every figure of `FlowService` with
this. Instants are aware UTC datetimes; durations are `timedelta`s turned into days (86,400 s) at the
end. Percentiles are numpy's linear interpolation (Hyndman-Fan type 7), as METRICS.md asks.

Definitions used here, in the order METRICS.md gives them:
- Each transition maps to its item's workflow stage (status compared case-insensitively, inner spaces
  folded); a status no stage lists goes to the stage ``unmapped`` (category ``unmapped``: not backlog,
  not active).
- Start = the first transition into a category other than backlog. Finish = the first transition of
  the item's final run of done/cancelled transitions (the last move into done that nothing moves out
  of). Outcome = cancelled when the last stage is a cancelled one or the resolution is one of the
  workflow's cancelled resolutions, else done. skipped_start = the start went straight to done or
  cancelled.
- Every transition opens an interval that ends at the next transition, at the finish, or at now,
  whichever is first (time after the finish counts nowhere).
- Active time = time in active, non-blocked stages minus the part of it covered by blocked flags.
- WIP at the end of a UTC day: started before midnight and not finished before midnight.
- CFD: moves into unmapped or cancelled stages are left out (docs/metrics.md: cancelled stages have no
  line); an entry into a stage is forgotten when a later transition goes to an earlier stage; then a
  cancelled item's entries into done stages are dropped (it is on no done line); the count of stage s
  on day D is the number of items whose earliest kept entry into s or any later stage happened on or
  before D.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy

from orgflow.config import Config, Workflow
from orgflow.model import BlockedInterval, ItemLink, StatusTransition, WorkItem

DAY = timedelta(days=1)
TERMINAL = ("done", "cancelled")


def days_of(duration: timedelta) -> float:
    """A duration in days of 86,400 s."""
    return duration / DAY


def midnight(day: date) -> datetime:
    """00:00 UTC at the start of `day`."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def monday_of(day: date) -> date:
    """The Monday that starts the ISO week holding `day`."""
    return day - timedelta(days=day.weekday())


def percentile(values: Iterable[float], p: float) -> float | None:
    """numpy's linear-interpolation percentile, None for no values."""
    values = list(values)
    if not values:
        return None
    return float(numpy.percentile(values, p, method="linear"))


def normalized(text: str) -> str:
    """How statuses and resolutions are matched: words joined by one space, case folded."""
    return " ".join(text.split()).casefold()


def union_length(spans: Iterable[tuple[datetime, datetime]]) -> timedelta:
    """The total length covered by a set of [start, end) spans (overlaps counted once)."""
    total = timedelta(0)
    reach: datetime | None = None
    for start, end in sorted(span for span in spans if span[1] > span[0]):
        if reach is None or start > reach:
            total += end - start
            reach = end
        elif end > reach:
            total += end - reach
            reach = end
    return total


def overlap(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> timedelta:
    """The length of the intersection of two spans."""
    return max(min(a[1], b[1]) - max(a[0], b[0]), timedelta(0))


@dataclass(frozen=True)
class Window:
    """[since, until) as aware UTC instants."""

    since: datetime
    until: datetime

    @classmethod
    def of_days(cls, first: date, last: date) -> Window:
        """From the start of `first` to the end of `last` (what `since=first, until=last` means)."""
        return cls(midnight(first), midnight(last) + DAY)

    def holds(self, instant: datetime | None) -> bool:
        return instant is not None and self.since <= instant < self.until

    def days(self) -> list[date]:
        """The UTC days lying wholly inside the window."""
        day = self.since.date() if self.since == midnight(self.since.date()) else self.since.date() + DAY
        result = []
        while midnight(day) + DAY <= self.until:
            result.append(day)
            day += DAY
        return result

    @property
    def length_days(self) -> float:
        return days_of(self.until - self.since)


@dataclass(frozen=True)
class StageInfo:
    """A stage of a workflow (or the unmapped stage, which has no order)."""

    name: str
    order: int | None
    phase: str
    phase_order: int | None
    category: str
    blocked: bool


UNMAPPED = StageInfo("unmapped", None, "unmapped", None, "unmapped", False)


@dataclass(frozen=True)
class Step:
    """One transition with its stage."""

    at: datetime
    seq: int
    stage: StageInfo


@dataclass(frozen=True)
class Interval:
    """Time an item spent after one transition, cut at the item's end."""

    stage: StageInfo
    start: datetime
    end: datetime

    @property
    def length(self) -> timedelta:
        return max(self.end - self.start, timedelta(0))


@dataclass(frozen=True)
class Facts:
    """What the definitions say about one item, as of `now`."""

    key: tuple[str, str]
    item: WorkItem
    team_id: str
    flow_type: str
    workflow: Workflow
    steps: tuple[Step, ...]
    started_at: datetime | None
    finished_at: datetime | None
    outcome: str | None
    skipped_start: bool
    current_stage: str | None
    current_stage_since: datetime | None
    end_at: datetime

    @property
    def item_id(self) -> str:
        return self.item.source_id

    @property
    def done(self) -> bool:
        return self.outcome == "done"

    def open_at(self, instant: datetime) -> bool:
        """Started before `instant` and not finished before it."""
        return (
            self.started_at is not None
            and self.started_at < instant
            and (self.finished_at is None or self.finished_at >= instant)
        )

    def intervals(self) -> list[Interval]:
        result = []
        for index, step in enumerate(self.steps):
            end = self.steps[index + 1].at if index + 1 < len(self.steps) else self.end_at
            result.append(Interval(step.stage, step.at, min(end, self.end_at)))
        return result


class ReferenceFlow:
    """Flow metrics of a set of records as of `now`, by plain loops."""

    def __init__(
        self,
        config: Config,
        *,
        items: Iterable[WorkItem],
        transitions: Iterable[StatusTransition],
        flags: Iterable[BlockedInterval] = (),
        links: Iterable[ItemLink] = (),
        now: datetime,
    ) -> None:
        self.config = config
        self.now = now.astimezone(UTC)
        self.flags: dict[tuple[str, str], list[tuple[datetime, datetime]]] = defaultdict(list)
        for flag in flags:
            ended = flag.ended_at.astimezone(UTC) if flag.ended_at is not None else self.now
            self.flags[(flag.source, flag.item_id)].append((flag.started_at.astimezone(UTC), ended))
        self.links = list(links)
        items, transitions = list(items), list(transitions)
        # The data's first event, whatever `now`: the earliest creation or status change of any item.
        self.first_event: datetime | None = min(
            [item.created_at.astimezone(UTC) for item in items] + [t.changed_at.astimezone(UTC) for t in transitions],
            default=None,
        )
        history: dict[tuple[str, str], list[StatusTransition]] = defaultdict(list)
        for transition in transitions:
            if transition.changed_at.astimezone(UTC) <= self.now:
                history[(transition.source, transition.item_id)].append(transition)
        flow_types = config.flow_type_of()
        self.facts: dict[tuple[str, str], Facts] = {}
        for item in items:
            if item.created_at.astimezone(UTC) > self.now:
                continue
            key = (item.source, item.source_id)
            workflow = config.workflow_for(item.source, item.project)
            steps = tuple(self._step(workflow, t) for t in sorted(history[key], key=_chronological))
            self.facts[key] = self._facts(key, item, workflow, steps, flow_types.get(normalized(item.item_type)))

    # -- item facts ----------------------------------------------------------------------------
    def _step(self, workflow: Workflow, transition: StatusTransition) -> Step:
        stage = UNMAPPED
        phases = list(self.config.phases)
        for order, candidate in enumerate(workflow.stages):
            if normalized(transition.to_status) in {normalized(status) for status in candidate.statuses}:
                phase_order = phases.index(candidate.phase) if candidate.phase in phases else len(phases)
                stage = StageInfo(
                    candidate.name, order, candidate.phase, phase_order, candidate.category, candidate.blocked
                )
                break
        return Step(transition.changed_at.astimezone(UTC), transition.seq, stage)

    def _facts(
        self,
        key: tuple[str, str],
        item: WorkItem,
        workflow: Workflow,
        steps: tuple[Step, ...],
        flow_type: str | None,
    ) -> Facts:
        started_at = None
        skipped_start = False
        for step in steps:
            if step.stage.category != "backlog":
                started_at = step.at
                skipped_start = step.stage.category in TERMINAL
                break
        finished_at = None
        outcome = None
        if steps and steps[-1].stage.category in TERMINAL:
            first_of_run = len(steps) - 1
            while first_of_run > 0 and steps[first_of_run - 1].stage.category in TERMINAL:
                first_of_run -= 1
            finished_at = steps[first_of_run].at
            cancelled_resolutions = {normalized(r) for r in workflow.cancelled_resolutions}
            resolution = normalized(item.resolution or "")
            cancelled = steps[-1].stage.category == "cancelled" or resolution in cancelled_resolutions
            outcome = "cancelled" if cancelled else "done"
        current_stage = steps[-1].stage.name if steps else None
        current_since = None
        if steps:
            index = len(steps) - 1
            while index > 0 and steps[index - 1].stage.name == current_stage:
                index -= 1
            current_since = steps[index].at
        return Facts(
            key=key,
            item=item,
            team_id=item.team_id if item.team_id is not None else item.project,
            flow_type=flow_type or "other",
            workflow=workflow,
            steps=steps,
            started_at=started_at,
            finished_at=finished_at,
            outcome=outcome,
            skipped_start=skipped_start,
            current_stage=current_stage,
            current_stage_since=current_since,
            end_at=finished_at if finished_at is not None else self.now,
        )

    def finished(self, window: Window, *, include_cancelled: bool = False) -> list[Facts]:
        """Items finished in the window (done only, unless `include_cancelled`)."""
        return [
            facts
            for facts in self.facts.values()
            if window.holds(facts.finished_at) and (facts.done or (include_cancelled and facts.outcome == "cancelled"))
        ]

    # -- flow time -----------------------------------------------------------------------------
    @staticmethod
    def cycle_time_days(facts: Facts) -> float:
        assert facts.started_at is not None and facts.finished_at is not None
        return days_of(facts.finished_at - facts.started_at)

    @staticmethod
    def lead_time_days(facts: Facts) -> float:
        assert facts.finished_at is not None
        return days_of(facts.finished_at - facts.item.created_at.astimezone(UTC))

    def time_in(self, facts: Facts, *, level: str = "stage") -> dict[str, float]:
        """Days per stage (or phase) name, over every visit."""
        totals: dict[str, timedelta] = defaultdict(timedelta)
        for interval in facts.intervals():
            name = interval.stage.name if level == "stage" else interval.stage.phase
            totals[name] += interval.length
        return {name: days_of(total) for name, total in totals.items()}

    def active_days(self, facts: Facts) -> float:
        """Time in active stages minus the flagged part of it."""
        total = timedelta(0)
        flags = self.flags.get(facts.key, [])
        for interval in facts.intervals():
            if interval.stage.category != "active" or interval.stage.blocked or interval.length <= timedelta(0):
                continue
            span = (interval.start, interval.end)
            clipped = [(max(a, span[0]), min(b, span[1])) for a, b in flags]
            total += interval.length - union_length(clipped)
        return days_of(total)

    def ages(self) -> dict[str, tuple[float, float]]:
        """item_id -> (age days, days in the current stage), for started, unfinished items."""
        return {
            facts.item_id: (
                days_of(self.now - facts.started_at),
                days_of(self.now - facts.current_stage_since),
            )
            for facts in self.facts.values()
            if facts.started_at is not None and facts.finished_at is None and facts.current_stage_since is not None
        }

    def efficiency_per_item(self, window: Window) -> dict[str, tuple[float, float, float | None]]:
        """item_id -> (active days, cycle days, efficiency or None when the cycle time is 0)."""
        result = {}
        for facts in self.finished(window):
            active = self.active_days(facts)
            cycle = self.cycle_time_days(facts)
            result[facts.item_id] = (active, cycle, active / cycle if cycle > 0 else None)
        return result

    def efficiency(self, window: Window) -> tuple[float | None, float | None]:
        """(Σ active / Σ cycle, median of the per-item efficiencies)."""
        per_item = self.efficiency_per_item(window).values()
        cycle = sum(c for _, c, _ in per_item)
        active = sum(a for a, _, _ in per_item)
        if not self.cycle_time_measured(self.finished(window)):
            return None, None
        weighted = active / cycle if cycle > 0 else None
        return weighted, percentile([e for _, _, e in per_item if e is not None], 50)

    def workflows_reaching(self, category: str) -> set[str]:
        """The workflows some item of which moved into a stage of `category` (a status mapped to it)."""
        return {
            f.workflow.name for f in self.facts.values() if any(step.stage.category == category for step in f.steps)
        }

    def cycle_time_measured(self, done: list[Facts]) -> bool:
        """Whether cycle time is known over the finished items `done`: some spent time between start
        and finish, and at most half skipped their start (more than half: unknown, not 0)."""
        skipped = sum(1 for f in done if f.skipped_start)
        return any(self.cycle_time_days(f) > 0 for f in done) and skipped * 2 <= len(done)

    def sle(self, *, percent: float, last_items: int) -> dict[tuple[str, str], tuple[int, float | None]]:
        """(team, item type) -> (sample size, percentile of cycle time of its last N done items)."""
        groups: dict[tuple[str, str], list[Facts]] = defaultdict(list)
        for facts in self.facts.values():
            if facts.done and facts.finished_at is not None and facts.finished_at < self.now:
                groups[(facts.team_id, facts.item.item_type)].append(facts)
        result = {}
        for key, members in groups.items():
            # Most recent first; equal finishes keep item id order (the tie rule is arbitrary).
            members.sort(key=lambda f: f.item_id)
            members.sort(key=lambda f: f.finished_at, reverse=True)
            chosen = members[:last_items]
            cycle = [self.cycle_time_days(f) for f in chosen]
            # A sample whose items all (or mostly) skipped from backlog to done supports no SLE: null, not 0.
            result[key] = (len(chosen), percentile(cycle, percent) if self.cycle_time_measured(chosen) else None)
        return result

    # -- flow load -----------------------------------------------------------------------------
    def wip(self, days: Iterable[date], *, team: str | None = None) -> dict[date, int]:
        """WIP at the end of each day."""
        return {
            day: sum(
                1
                for facts in self.facts.values()
                if facts.open_at(midnight(day) + DAY) and (team is None or facts.team_id == team)
            )
            for day in days
        }

    def before_data(self, day: date) -> bool:
        """Whether `day` is before the day of the data's first event: nothing was recorded by its end, so
        its WIP and CFD counts are unknown (null), not 0."""
        return self.first_event is not None and day < self.first_event.date()

    def throughput(self, window: Window) -> dict[date, tuple[int, int]]:
        """Monday -> (finished done, started) for every week touching the window's days."""
        weeks = {monday_of(day): [0, 0] for day in window.days()}
        for facts in self.finished(window):
            weeks[monday_of(facts.finished_at.date())][0] += 1
        for facts in self.facts.values():
            if window.holds(facts.started_at):
                weeks[monday_of(facts.started_at.date())][1] += 1
        return {week: (counts[0], counts[1]) for week, counts in sorted(weeks.items())}

    @staticmethod
    def cfd_stages(workflow: Workflow) -> list[tuple[str, int]]:
        """The CFD lines of a workflow: (stage, order) of every stage but the cancelled ones."""
        return [(stage.name, order) for order, stage in enumerate(workflow.stages) if stage.category != "cancelled"]

    def cfd_reach(self, facts: Facts) -> dict[tuple[str, int], datetime]:
        """(stage, order) -> when the item first reached that stage or a later one, by kept entries.

        Only moves into CFD stages count (unmapped and cancelled ones are left out, docs/metrics.md), and
        a cancelled item's moves into done stages are left out too.
        """
        mapped = [step for step in facts.steps if step.stage.order is not None and step.stage.category != "cancelled"]
        kept = [
            step
            for index, step in enumerate(mapped)
            if all(later.stage.order >= step.stage.order for later in mapped[index + 1 :])
            and (step.stage.category != "done" or facts.outcome != "cancelled")
        ]
        reach = {}
        for name, order in self.cfd_stages(facts.workflow):
            entries = [step.at for step in kept if step.stage.order >= order]
            if entries:
                reach[(name, order)] = min(entries)
        return reach

    def cfd(self, days: Iterable[date]) -> dict[tuple[date, str, int], int]:
        """(day, stage, order) -> items that reached the stage (or a later one) by the end of the day."""
        reaches = [self.cfd_reach(facts) for facts in self.facts.values()]
        stages = sorted({stage for facts in self.facts.values() for stage in self.cfd_stages(facts.workflow)})
        counts = {}
        for day in days:
            for stage in stages:
                counts[(day, *stage)] = sum(1 for reach in reaches if stage in reach and reach[stage].date() <= day)
        return counts

    def distribution(self, window: Window) -> dict[str, tuple[int, int]]:
        """flow type -> (finished in the window, WIP at its end), for types with either."""
        end = min(window.until, self.now)
        result: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for facts in self.finished(window):
            result[facts.flow_type][0] += 1
        for facts in self.facts.values():
            if facts.open_at(end):
                result[facts.flow_type][1] += 1
        return {flow_type: (counts[0], counts[1]) for flow_type, counts in result.items()}

    # -- where time goes -----------------------------------------------------------------------
    def blocked(self, window: Window) -> dict[str, dict[str, float]]:
        """item_id -> days blocked by reason (flagged, status, link) and in all (union), for started
        items open at some point of the window that were blocked at all."""
        result = {}
        for facts in self.facts.values():
            if facts.started_at is None or facts.started_at >= window.until:
                continue
            if facts.finished_at is not None and facts.finished_at < window.since:
                continue
            bounds = (facts.started_at, facts.end_at)
            spans: dict[str, list[tuple[datetime, datetime]]] = {
                "flagged": list(self.flags.get(facts.key, [])),
                "status": [(interval.start, interval.end) for interval in facts.intervals() if interval.stage.blocked],
                "link": [(facts.started_at, blocker.end_at) for blocker in self._blockers(facts)],
            }
            clipped = {
                reason: [(max(a, bounds[0]), min(b, bounds[1])) for a, b in reason_spans]
                for reason, reason_spans in spans.items()
            }
            everything = [span for reason_spans in clipped.values() for span in reason_spans]
            total = union_length(everything)
            if total > timedelta(0):
                row = {
                    f"{reason}_days": days_of(union_length(reason_spans)) for reason, reason_spans in clipped.items()
                }
                row["blocked_days"] = days_of(total)
                result[facts.item_id] = row
        return result

    def _blockers(self, facts: Facts) -> list[Facts]:
        """Items of other teams with an unresolved-until-they-finish "blocks" link to this one."""
        keys = set()
        for link in self.links:
            if link.kind == "blocks" and link.target_id == facts.item_id and link.source == facts.key[0]:
                keys.add((link.source, link.item_id))
            if link.kind == "blocked_by" and link.item_id == facts.item_id and link.source == facts.key[0]:
                keys.add((link.source, link.target_id))
        return [
            self.facts[key] for key in sorted(keys) if key in self.facts and self.facts[key].team_id != facts.team_id
        ]

    def littles_law(self, window: Window) -> dict[str, object]:
        """The Little's law check: mean WIP against throughput per day × mean cycle time."""
        daily = self.wip(window.days())
        done = self.finished(window)
        cycle = [self.cycle_time_days(f) for f in done]
        mean_cycle = sum(cycle) / len(cycle) if self.cycle_time_measured(done) else None
        per_day = len(done) / window.length_days
        predicted = per_day * mean_cycle if mean_cycle is not None else None
        mean_wip = sum(daily.values()) / len(daily) if daily else None
        arrivals = sum(1 for f in self.facts.values() if window.holds(f.started_at))
        ordered = [daily[day] for day in sorted(daily)]
        wip_start, wip_end = (ordered[0], ordered[-1]) if ordered else (None, None)
        return {
            "days": len(daily),
            "mean_wip": mean_wip,
            "departures": len(done),
            "arrivals": arrivals,
            "throughput_per_day": per_day,
            "mean_cycle_time_days": mean_cycle,
            "predicted_wip": predicted,
            "ratio": mean_wip / predicted if predicted and mean_wip is not None else None,
            "wip_start": wip_start,
            "wip_end": wip_end,
            "arrivals_match_departures": abs(arrivals - len(done)) <= 0.1 * max(len(done), 1),
            "wip_stable": None if wip_start is None else abs(wip_end - wip_start) <= 0.1 * max(wip_start, 1),
        }


def _chronological(transition: StatusTransition) -> tuple[datetime, int]:
    return (transition.changed_at.astimezone(UTC), transition.seq)
