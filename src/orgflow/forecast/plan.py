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

The trials run in `orgflow.forecast.plan_engine`; their answer is a `PlanResult`
(`orgflow.forecast.plan_result`), read through each team's calibration after `calibrate_plan`.
"""

from __future__ import annotations

import dataclasses
import graphlib
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from orgflow.errors import InputError
from orgflow.forecast.calibrate import series_calibration
from orgflow.forecast.calibration import Question
from orgflow.forecast.history import DEFAULT_WINDOW_DAYS, ThroughputSeries, assess, known_teams, series_from
from orgflow.forecast.montecarlo import seed_sequence
from orgflow.forecast.plan_engine import simulate_plan
from orgflow.forecast.plan_file import Initiative, Plan
from orgflow.forecast.plan_result import PlanResult
from orgflow.forecast.result import CONFIDENCES, DEFAULT_TRIALS, MAX_DAYS, check_confidences
from orgflow.query.as_of import AS_OF_KEYS
from orgflow.query.window import Cut

if TYPE_CHECKING:
    from orgflow.flow.service import FlowService

__all__ = [
    "PlanResult",
    "calibrate_plan",
    "check_teams",
    "forecast_plan",
    "plan_after_data_note",
    "plan_order",
    "plan_series",
]


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
    after_data = plan_after_data_note(series_by_team, teams, end, start)
    horizon = min(MAX_DAYS, int(1.3 * _expected_days(order, teams, counts.mean(axis=1))) + 30)
    entropy = seed_sequence(seed).entropy
    finish_days, lanes, horizon = simulate_plan(order, teams, counts, horizon, trials, entropy, uncertainty)
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
    if after_data is not None:
        params["after_data"] = after_data
    return PlanResult(plan, order, start, confidences, finish_days, lanes, horizon, params)


FORECAST_STARTS = "and the forecast starts the day after"
"""The last words of `orgflow.forecast.history.after_data_note`: true of a plan that starts where its history ends."""


def plan_after_data_note(
    series_by_team: dict[str, ThroughputSeries], teams: list[str], end: date, start: date
) -> str | None:
    """The note of the teams' histories cut short by the data's end (`after_data` in their params,
    `orgflow.forecast.history.after_data_note`), said once: the teams' histories come from one flow
    service, so they share the data's end and `now`, and the plan's history (`_aligned`) ends where
    theirs do (`end`: the day after the data's last day). When the plan starts on `end` (the default)
    the note is word for word a single forecast's; a plan given another start (`--start`, the plan's
    `start`) names that day instead of "the forecast starts the day after". None: no team's history
    was cut short.
    """
    notes: dict[str, None] = {}
    for team in teams:
        series = series_by_team[team]
        note = series.params.get("after_data")
        if note is None or series.end_day != end:
            continue
        if start != end and note.endswith(FORECAST_STARTS):
            note = note.removesuffix(FORECAST_STARTS) + f"and the plan starts on {start.isoformat()}, its given start"
        notes[note] = None
    return "; ".join(notes) or None


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


def calibrate_plan(result: PlanResult, series_by_team: dict[str, ThroughputSeries]) -> PlanResult:
    """`result` read with each team's calibration: the team's record of weekly past "when will its plan
    items be done" forecasts (`orgflow.forecast.calibration`), from its own history before the plan.

    An initiative's columns are read at the highest adjusted level of its teams (held to the widest
    scale of its teams in the tail), its probability of meeting the target is the lowest calibrated
    chance of its teams, and each board lane is read by its own team's calibration; null where a
    team's calibration cannot hold (too little history, a regime change). See `PlanResult`.
    """
    calibrations = {}
    window_days = min(series_by_team[team].days for team in result.plan.teams())
    for team in result.plan.teams():
        items = sum(item.items_by_team.get(team, 0) for item in result.order)
        question = Question("when", window_days, items=max(1, items), uncertainty=bool(result.params["uncertainty"]))
        calibrations[team] = series_calibration(series_by_team[team], question, result.confidences)
    return dataclasses.replace(result, calibrations=calibrations)
