"""Forecasting a plan of initiatives across teams: when each finishes, and the chance of meeting its target.

Inside each Monte Carlo trial every team replays the SAME historical days (one shared draw of day
indices, and with parameter uncertainty one shared bootstrap of the window), which keeps whatever
correlation the teams' throughputs have (holidays, incidents, a shared release train).

The rules, per trial:
- Initiatives are taken in priority order, adjusted so that an initiative always comes after the
  ones it depends on (a topological order, ties broken by priority, then file order).
- Each team works its share of the initiatives one after the other in that order; an initiative's
  work on a team starts when the team finished its previous one and when every initiative it
  depends on has finished (on all teams). Items finished beyond a team's need on its last day
  carry over to its next initiative; a team waiting for a dependency finishes nothing for the plan.
- An initiative finishes on the day its slowest team finishes (decided inside the trial, never by
  combining per-team percentiles).
"""

from __future__ import annotations

import dataclasses
import graphlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from orgflow.errors import InputError
from orgflow.flow.service import MetricResult
from orgflow.forecast.calibrate import series_calibration
from orgflow.forecast.calibration import Calibration, Question
from orgflow.forecast.history import DEFAULT_WINDOW_DAYS, ThroughputSeries, assess, known_teams, series_from
from orgflow.forecast.montecarlo import DaySampler, seed_sequence
from orgflow.forecast.plan_file import Initiative, Plan
from orgflow.forecast.result import CONFIDENCES, DEFAULT_TRIALS, MAX_DAYS, check_confidences, day_for
from orgflow.query.as_of import AS_OF_KEYS, stale_note
from orgflow.query.window import Cut

if TYPE_CHECKING:
    from orgflow.flow.service import FlowService

_BLOCK_ELEMENTS = 6_000_000
"""Teams x days x trials held at once (cumulative counts: 12 MB in int16, 24 MB when int32 is needed)."""

DEFINITION = (
    "Finish date of each initiative of a plan: per trial, teams replay the same historical days, work their "
    "initiatives in priority order after their dependencies, and an initiative finishes with its slowest team; "
    "a confidence column is the first date by which that share of trials has finished (read upward)."
)


def plan_order(plan: Plan) -> list[Initiative]:
    """The initiatives in the order teams work them: dependencies first, then priority, then file order.

    Raises:
        InputError: a duplicate name, a dependency on an unknown initiative, or a dependency cycle.
    """
    by_name: dict[str, Initiative] = {}
    for initiative in plan.initiatives:
        if initiative.name in by_name:
            raise plan.error(f"initiative {initiative.name!r} is defined twice", initiative, "name")
        if initiative.items < 1:
            raise plan.error(f"initiative {initiative.name!r} has no items", initiative, "teams")
        by_name[initiative.name] = initiative
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for initiative in plan.initiatives:
        for dependency in initiative.depends_on:
            if dependency not in by_name:
                raise plan.error(f"depends on unknown initiative {dependency!r}", initiative, "depends_on")
        sorter.add(initiative.name, *initiative.depends_on)
    try:
        sorter.prepare()
    except graphlib.CycleError as error:
        cycle = list(reversed(error.args[1]))
        raise plan.error(f"dependency cycle: {' -> '.join(cycle)}", by_name[cycle[0]], "depends_on") from None
    rank = {initiative.name: (initiative.priority, position) for position, initiative in enumerate(plan.initiatives)}
    order: list[Initiative] = []
    ready = sorted(sorter.get_ready(), key=rank.__getitem__)
    while ready:
        name = ready.pop(0)
        order.append(by_name[name])
        sorter.done(name)
        ready = sorted([*ready, *sorter.get_ready()], key=rank.__getitem__)
    return order


def check_teams(plan: Plan, teams: set[str] | dict[str, Any]) -> None:
    """Raises InputError (file, line, field) for the first team of the plan not in `teams`."""
    for initiative in plan.initiatives:
        for team, line in ((team, initiative.team_lines.get(team)) for team in initiative.items_by_team):
            if team not in teams:
                known = ", ".join(sorted(teams)[:8])
                raise plan.error(
                    f"unknown team {team!r} (known: {known}{', …' if len(teams) > 8 else ''})",
                    initiative,
                    f"{initiative.name}.teams.{team}",
                    line=line,
                )


def plan_series(
    service: FlowService, plan: Plan, *, window_days: int | None = DEFAULT_WINDOW_DAYS
) -> dict[str, ThroughputSeries]:
    """The daily throughput history of every team in the plan, from one flow service.

    Raises:
        InputError: a team of the plan owns no item in the workspace.
    """
    check_teams(plan, known_teams(service))
    return {team: series_from(service, Cut(team=team), window_days=window_days) for team in plan.teams()}


def _aligned(plan: Plan, series_by_team: dict[str, ThroughputSeries], teams: list[str]) -> tuple[np.ndarray, date]:
    """The teams' histories over the days they all cover, as a (teams, days) array, and its end."""
    first = max(series_by_team[team].first_day for team in teams)
    end = min(series_by_team[team].end_day for team in teams)
    # A team short of history on its own is named before the cut to the common days blames another.
    for common in (False, True):
        for team in teams:
            part = series_by_team[team].between(first, end) if common else series_by_team[team]
            verdict = assess(part)
            if not verdict.ok:
                initiative = next(item for item in plan.initiatives if team in item.items_by_team)
                span = f" over the days all teams cover ({first} to {end - timedelta(days=1)})" if common else ""
                raise plan.error(
                    f"team {team!r}: {verdict.verdict()}{span}",
                    initiative,
                    f"{initiative.name}.teams.{team}",
                    line=initiative.team_lines.get(team),
                )
    return np.vstack([series_by_team[team].between(first, end).counts for team in teams]), end


def _first_reaching(flat: np.ndarray, width: int, stride: int, cells: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per query, the first day d (0 ... width - 1) whose cumulative count reaches its target; `width`
    when none does.

    Day d of a query's column is `flat[cells + d * stride]`, nondecreasing in d, so the answer is the
    number of days below the target. A binary search for all queries at once, every probe inside
    the column: with m the largest power of two <= width, day m - 1 decides whether the answer lies
    in [0, m - 1] or in [width - m, width]; steps of m/2, m/4, ..., 1 then move to the last day below
    the target, and a last probe adds that day itself when it is below too.
    """
    if flat.dtype == np.int16:  # compare in the table's own type (a target above every count stays so)
        targets = np.minimum(targets, np.iinfo(np.int16).max).astype(np.int16)
    m = 1 << (width.bit_length() - 1)
    values = np.take(flat, cells + (m - 1) * stride)
    below = values < targets
    address = cells + np.where(below, (width - m) * stride, 0)
    probe = np.empty_like(address)
    step = m >> 1
    while step:
        np.add(address, (step - 1) * stride, out=probe)
        np.take(flat, probe, out=values)
        np.less(values, targets, out=below)
        np.add(address, step * stride, out=address, where=below)
        step >>= 1
    np.take(flat, address, out=values)
    np.less(values, targets, out=below)
    return (address - cells) // stride + below


@dataclass(frozen=True)
class PlanResult:
    """The forecast of a plan: the finish day of each initiative in every trial (day 1 = `start`).

    `finish_days[name]` holds one finish day per trial (`horizon_days + 1` when later than the
    horizon); `lanes[(name, team)]` the days each team's part finishes its first and its last item,
    per trial.
    """

    plan: Plan
    order: list[Initiative]
    start: date
    confidences: tuple[float, ...]
    finish_days: dict[str, np.ndarray]
    lanes: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]
    horizon_days: int
    params: dict[str, Any] = field(default_factory=dict)
    calibrations: dict[str, Calibration] | None = None
    """Per team, the calibration of its "when" forecasts (`calibrate_plan`); None: plain Monte Carlo."""

    def level(self, name: str, confidence: float) -> float | None:
        """The level an initiative's column for `confidence` is read at: the highest adjusted level of
        its teams (None: one of them has no calibration that can hold)."""
        if self.calibrations is None:
            return confidence
        item = next(item for item in self.order if item.name == name)
        levels = [self.calibrations[team].level(confidence) for team in item.items_by_team]
        return None if any(level is None for level in levels) else max(levels)  # type: ignore[type-var]

    def _confident(self, name: str, confidence: float) -> date | None:
        """The initiative's finish date at `confidence`, read at its (calibrated) level."""
        level = self.level(name, confidence)
        return None if level is None else self.date_of(self.percentile_day(self.finish_days[name], level))

    def date_of(self, days: int | None) -> date | None:
        """The date of forecast day `days` (None stays None)."""
        return None if days is None else self.start + timedelta(days=days - 1)

    def percentile_day(self, samples: np.ndarray, confidence: float) -> int | None:
        """The first day by which `confidence` of the trials are done (None: beyond the horizon)."""
        counts = np.bincount(samples, minlength=self.horizon_days + 2)[: self.horizon_days + 1]
        return day_for(np.cumsum(counts) / samples.size, confidence)

    def probability(self, name: str, day: date) -> float | None:
        """The probability that initiative `name` is finished on or before `day`: the share of trials or,
        when calibrated, the lowest share of its teams' past forecasts that held at that level (None:
        a team has no calibration that can hold)."""
        raw = float(np.mean(self.finish_days[name] <= (day - self.start).days + 1))
        if self.calibrations is None:
            return raw
        item = next(item for item in self.order if item.name == name)
        chances = [self.calibrations[team].probability(raw) for team in item.items_by_team]
        return None if any(chance is None for chance in chances) else min(chances)  # type: ignore[type-var]

    @property
    def probability_by_initiative(self) -> dict[str, float | None]:
        """Each initiative's probability of meeting its target date (None when it has no target)."""
        return {
            item.name: None if item.target is None else self.probability(item.name, item.target) for item in self.order
        }

    def rows(self) -> list[dict[str, Any]]:
        """One row per initiative, in working order: finish dates at each confidence and the target's odds."""
        rows = []
        for item in self.order:
            samples = self.finish_days[item.name]
            row: dict[str, Any] = {
                "initiative": item.name,
                "priority": item.priority,
                "teams": ", ".join(item.items_by_team),
                "items": item.items,
                "depends_on": ", ".join(item.depends_on),
            }
            for confidence in self.confidences:
                level = self.level(item.name, confidence)
                row[f"p{round(confidence * 100):g}"] = (
                    None if level is None else self.date_of(self.percentile_day(samples, level))
                )
            row["target"] = item.target
            chance = None if item.target is None else self.probability(item.name, item.target)
            row["probability"] = None if chance is None else round(chance, 4)
            row["beyond_horizon"] = round(float(np.mean(samples > self.horizon_days)), 4)
            rows.append(row)
        return rows

    def metric_result(self) -> MetricResult:
        """The plan's rows as a `MetricResult` for the shared renderers."""
        rows = self.rows()
        columns = [("initiative", pa.string()), ("priority", pa.float64()), ("teams", pa.string())]
        columns += [("items", pa.int64()), ("depends_on", pa.string())]
        columns += [(f"p{round(confidence * 100):g}", pa.date32()) for confidence in self.confidences]
        columns += [("target", pa.date32()), ("probability", pa.float64()), ("beyond_horizon", pa.float64())]
        table = pa.Table.from_pylist(rows, schema=pa.schema(columns))
        params = {**self.params, "start": self.start.isoformat(), "rows": table.num_rows}
        note = stale_note(params)
        if note is not None:
            params["as_of_note"] = note
        notes = [note] if note else []
        if self.calibrations is not None:
            params["calibration"] = {team: value.summary() for team, value in self.calibrations.items()}
            notes += [f"{team}: {value.line()}" for team, value in self.calibrations.items()]
        return MetricResult("forecast-plan", DEFINITION, params, table, notes)

    def board(self, *, confidence: float = 0.85) -> dict[str, Any]:
        """The "big room planning" picture as JSON-ready data: teams x time, one bar per team and
        initiative (from the median day of its first finished item to its median and `confidence`
        finish), dependency arrows (from the initiative waited for to the one waiting), and each
        initiative's finish dates and probability of meeting its target."""
        bars = []
        for (name, team), (starts, finishes) in self.lanes.items():
            bars.append(
                {
                    "team": team,
                    "initiative": name,
                    "start": _iso(self.date_of(self.percentile_day(starts, 0.5))),
                    "finish_p50": _iso(self.date_of(self.percentile_day(finishes, 0.5))),
                    "finish_confident": _iso(self.date_of(self.percentile_day(finishes, confidence))),
                }
            )
        probabilities = self.probability_by_initiative
        initiatives = [
            {
                "name": item.name,
                "priority": item.priority,
                "teams": list(item.items_by_team),
                "depends_on": list(item.depends_on),
                "target": _iso(item.target),
                "probability": probabilities[item.name],
                "finish_p50": _iso(self.date_of(self.percentile_day(self.finish_days[item.name], 0.5))),
                "finish_confident": _iso(self._confident(item.name, confidence)),
            }
            for item in self.order
        ]
        arrows = [{"from": dependency, "to": item.name} for item in self.order for dependency in item.depends_on]
        return {
            "start": self.start.isoformat(),
            "confidence": confidence,
            "teams": self.plan.teams(),
            "initiatives": initiatives,
            "bars": bars,
            "arrows": arrows,
        }


def calibrate_plan(result: PlanResult, series_by_team: dict[str, ThroughputSeries]) -> PlanResult:
    """`result` read with each team's calibration: the team's record of weekly past "when will its plan
    items be done" forecasts (`orgflow.forecast.calibration`), from its own history before the plan.

    An initiative's columns are read at the highest adjusted level of its teams and its probability
    of meeting the target is the lowest calibrated chance of its teams; null where a team's
    calibration cannot hold (too little history, a regime change).
    """
    calibrations = {}
    window_days = min(series_by_team[team].days for team in result.plan.teams())
    for team in result.plan.teams():
        items = sum(item.items_by_team.get(team, 0) for item in result.order)
        question = Question("when", window_days, items=max(1, items), uncertainty=bool(result.params["uncertainty"]))
        calibrations[team] = series_calibration(series_by_team[team], question, result.confidences)
    return dataclasses.replace(result, calibrations=calibrations)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def forecast_plan(
    plan: Plan,
    series_by_team: dict[str, ThroughputSeries],
    *,
    trials: int = DEFAULT_TRIALS,
    seed: int | None = None,
    uncertainty: bool = True,
    confidences: tuple[float, ...] = CONFIDENCES,
    start: date | None = None,
) -> PlanResult:
    """Forecast every initiative of `plan` from the teams' daily throughput histories.

    The histories are cut to the days all teams cover (so a trial's day is the same calendar day for
    every team). Trials start with 1.3 times the plan's length at mean throughput (plus 30 days) and
    are extended, up to ten years, until every trial finishes every initiative.

    Raises:
        InputError: unknown team, unknown dependency, dependency cycle, empty initiative, or a team
            with too little history (file, line and field named).
    """
    if trials < 1:
        raise InputError(f"trials must be at least 1 (got {trials})", field="trials")
    check_confidences(confidences)
    order = plan_order(plan)
    check_teams(plan, series_by_team)
    teams = plan.teams()
    counts, end = _aligned(plan, series_by_team, teams)
    start = start or plan.start or end
    horizon = min(MAX_DAYS, int(1.3 * _expected_days(order, teams, counts.mean(axis=1))) + 30)
    entropy = seed_sequence(seed).entropy
    finish_days, lanes, horizon = _simulate(order, teams, counts, horizon, trials, entropy, uncertainty)
    params = {
        "trials": trials,
        "seed": entropy,
        "uncertainty": uncertainty,
        "teams": len(teams),
        "history_since": (end - timedelta(days=counts.shape[1])).isoformat(),
        "history_until": (end - timedelta(days=1)).isoformat(),
        "horizon_days": horizon,
        "plan": plan.file,
        # Every team's history comes from one flow service, so they share its "as of".
        **{key: value for key, value in series_by_team[teams[0]].params.items() if key in AS_OF_KEYS},
    }
    return PlanResult(plan, order, start, confidences, finish_days, lanes, horizon, params)


def _expected_days(order: list[Initiative], teams: list[str], means: np.ndarray) -> float:
    """The plan's length in days if every team finished its mean throughput every day (largest growth
    and split), under the same rules as the trials: a first guess of the horizon."""
    rates = dict(zip(teams, np.maximum(means, 1e-9), strict=True))
    free = dict.fromkeys(teams, 0.0)
    finished: dict[str, float] = {}
    for item in order:
        ready = max((finished[name] for name in item.depends_on), default=0.0)
        factor = (1 + item.scope_growth[1]) * item.split_rate[1]
        finish = ready
        for team, items in item.items_by_team.items():
            free[team] = max(free[team], ready) + items * factor / rates[team]
            finish = max(finish, free[team])
        finished[item.name] = finish
    return max(finished.values(), default=0.0)


def _simulate(
    order: list[Initiative],
    teams: list[str],
    counts: np.ndarray,
    horizon: int,
    trials: int,
    entropy: int,
    uncertainty: bool,
) -> tuple[dict[str, np.ndarray], dict[tuple[str, str], tuple[np.ndarray, np.ndarray]], int]:
    """Run the trials in blocks; returns per-trial finish days, team lanes (see `PlanResult`) and the
    longest horizon simulated.

    A block whose trials are not all finished within its days gets more days appended (doubling, up
    to `MAX_DAYS`) and is evaluated again: the days already drawn are kept, so slow trials are
    extended, never redrawn (which would bias the forecast toward fast outcomes).
    """
    days_seeds, scope_seeds = np.random.SeedSequence(entropy).spawn(2)
    sampler = DaySampler(counts.shape[1], trials, seeds=days_seeds, uncertainty=uncertainty)
    scope = np.random.default_rng(scope_seeds)
    factors = {
        item.name: (1 + scope.uniform(*item.scope_growth, trials)) * scope.uniform(*item.split_rate, trials)
        for item in order
    }
    finish_days = {item.name: np.empty(trials, dtype=np.int64) for item in order}
    lanes = {
        (item.name, team): (np.empty(trials, dtype=np.int64), np.empty(trials, dtype=np.int64))
        for item in order
        for team in item.items_by_team
    }
    counts = counts.astype(np.int32)
    block = max(1, min(trials, _BLOCK_ELEMENTS // ((horizon + 1) * len(teams))))
    longest = horizon
    scratch = _Scratch()
    for low in range(0, trials, block):
        rows = np.arange(low, min(trials, low + block))
        indices = sampler.draw(horizon, rows)
        while True:
            factors_of_rows = {name: values[rows] for name, values in factors.items()}
            finished, block_lanes = _run_block(order, teams, counts, indices, factors_of_rows, scratch)
            days = indices.shape[1]
            if days >= MAX_DAYS or all(np.all(values <= days) for values in finished.values()):
                break
            indices = np.concatenate([indices, sampler.draw(min(MAX_DAYS, 2 * days) - days, rows)], axis=1)
        longest = max(longest, days)
        for name, values in finished.items():
            finish_days[name][rows] = values
        for key, (first, last) in block_lanes.items():
            lanes[key][0][rows], lanes[key][1][rows] = first, last
    return finish_days, lanes, longest


class _Scratch:
    """Memory reused by the blocks of a plan forecast: fresh pages for every block's table cost more
    than filling them (page faults)."""

    def __init__(self) -> None:
        self._memory = np.empty(0, dtype=np.int64)

    def array(self, shape: tuple[int, ...], dtype: type[np.integer]) -> np.ndarray:
        """An uninitialized array of `shape` and `dtype` over the reused memory (grown when too small)."""
        size = int(np.prod(shape)) * np.dtype(dtype).itemsize
        if self._memory.nbytes < size:
            self._memory = np.empty(-(-size // 8), dtype=np.int64)
        return self._memory.view(np.uint8)[:size].view(dtype).reshape(shape)


def _run_block(
    order: list[Initiative],
    teams: list[str],
    counts: np.ndarray,
    indices: np.ndarray,
    factors: dict[str, np.ndarray],
    scratch: _Scratch,
) -> tuple[dict[str, np.ndarray], dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]]:
    """One block of trials replaying the historical days `indices` (trials x days) of `counts` (teams x
    history days): each initiative's finish day (days + 1 when not within the days) and each lane's
    first- and last-item days. The cumulative table lives in `scratch`, reused from block to block."""
    trials, horizon = indices.shape
    width = horizon + 1
    # cumulative[k, d, b]: items team k finished on days 1..d of trial b. Summed day by day (numpy's
    # cumsum across rows is many times slower); a team's days lie in one slab, so the searches below
    # read nearby memory.
    small = int(counts.max(initial=0)) * horizon < np.iinfo(np.int16).max
    cumulative = scratch.array((len(teams), width, trials), np.int16 if small else np.int32)
    cumulative[:, 0] = 0
    np.take(counts.astype(cumulative.dtype, copy=False), indices.T, axis=1, out=cumulative[:, 1:])
    for day in range(1, width):
        np.add(cumulative[:, day], cumulative[:, day - 1], out=cumulative[:, day])
    flat = cumulative.ravel()
    position = {team: k for k, team in enumerate(teams)}
    trial_cells = np.arange(trials, dtype=np.int64)
    level = np.zeros((len(teams), trials), dtype=np.int64)
    done: dict[str, np.ndarray] = {}
    lanes: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    for item in order:
        ready = np.zeros(trials, dtype=np.int64)
        for dependency in item.depends_on:
            ready = np.maximum(ready, done[dependency])
        names = list(item.items_by_team)
        ks = np.array([position[team] for team in names])
        cells = (ks * (width * trials))[:, None] + trial_cells[None, :]  # day 0 of each (team, trial)
        waited = np.take(flat, np.minimum(ready, horizon) * trials + cells)
        base = np.maximum(level[ks], waited)
        items = np.array([item.items_by_team[team] for team in names], dtype=np.float64)
        need = np.ceil(items[:, None] * factors[item.name][None, :] - 1e-9).astype(np.int64)
        # The day the last item is finished, and the day the first one is (a lane starts with it).
        found = _first_reaching(
            flat,
            width,
            trials,
            np.concatenate([cells, cells]),
            np.concatenate([base + need, base + np.minimum(need, 1)]),
        )
        found[:, ready > horizon] = width
        day, first = found[: len(names)], found[len(names) :]
        for row, team in enumerate(names):
            lanes[(item.name, team)] = (first[row], day[row])
        level[ks] = base + need
        done[item.name] = np.maximum(ready, day.max(axis=0))
    return done, lanes
