"""Does the model reproduce what happened? Its fit on a period, and backtests on later periods.

`compare_with_history` runs a network over [since, until) and sets its figures beside what the
history shows there, per team:

- ``cycle_time_p50``, ``cycle_time_p85``: of the items finished in the period (actual) and of the
  simulated items started in it (predicted; at steady state the two are the same distribution);
- ``throughput_per_week``: items finished in the period ÷ its weeks.

``relative_error`` = (predicted − actual) ÷ actual (null when the actual figure is unknown or 0).
A cycle time is null, with ``unknown_reasons``, when most of its items went from backlog straight to
done (`orgflow.simulate.calibrate.cycle_time_reason`): predicted from the calibration's items, actual
from the compared ones; or when no status the team uses maps to an active stage (its start is its first
unmapped status: `orgflow.flow.mapped_stages`): predicted when the calibration said so
(``no_active_stage`` in the model's notes), actual when the history's mapping says so.
`backtest` calibrates on the first `split` share of the history and compares on the rest; the fit
of a calibration compares on its own window. The run's calendar is moved so that its measured days
are the compared dates (`starting_on`): weekdays, freezes and train departures fall on the days they
fell on in the history.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np

from orgflow.flow.mapped_stages import no_active_stage_reason
from orgflow.simulate.calibrate import calendar_day, calibrate, cycle_time_reason
from orgflow.simulate.history import History
from orgflow.simulate.network import Network
from orgflow.simulate.replicate import Progress, RunSettings, replicate

FIGURES = ("cycle_time_p50", "cycle_time_p85", "throughput_per_week")
_CYCLE_FIGURES = ("cycle_time_p50", "cycle_time_p85")
BACKTEST_COLUMNS = ("team", "figure", "predicted", "actual", "relative_error", "unknown_reasons")
_SIMULATED = {
    "cycle_time_p50": "flow_time_p50",
    "cycle_time_p85": "flow_time_p85",
    "throughput_per_week": "throughput_per_week",
}


def actual_figures(history: History, team: str, since: float, until: float) -> dict[str, float | None]:
    """What happened to `team`'s items in [since, until) (see the module docstring)."""
    done = (history.teams == team) & np.isfinite(history.finish) & (history.finish >= since) & (history.finish < until)
    times = (history.finish - history.start)[done]
    weeks = (until - since) / 7
    p50, p85 = (float(value) for value in np.quantile(times, (0.5, 0.85))) if times.size else (None, None)
    return {"cycle_time_p50": p50, "cycle_time_p85": p85, "throughput_per_week": float(done.sum()) / weeks}


def warmup_for(history: History, network: Network, since: float, until: float) -> float:
    """Days of warm-up before a comparison: the p95 cycle time of the calibration's items, 90 to 1,100 days."""
    teams = np.isin(history.teams, list(network.teams))
    done = teams & np.isfinite(history.finish) & (history.finish >= since) & (history.finish < until)
    times = (history.finish - history.start)[done]
    longest = float(np.quantile(times, 0.95)) if times.size else 0.0
    return float(min(max(longest, 90.0), 1_100.0))


def compare_with_history(
    history: History,
    network: Network,
    *,
    since: float,
    until: float,
    settings: RunSettings,
    warmup: float,
    on_progress: Progress | None = None,
) -> list[dict[str, object]]:
    """Rows of `BACKTEST_COLUMNS`: simulated and actual figures of each team over [since, until)."""
    first = calendar_day(since) - timedelta(days=math.ceil(warmup))
    lead = since - (first - date(1970, 1, 1)).days  # the warm-up, to whole calendar days
    run = replicate(
        starting_on(network, first),
        replace(settings, horizon_days=until - since, warmup_days=lead),
        on_progress=on_progress,
    )
    rows = []
    for team in network.teams:
        actual = actual_figures(history, team, since, until)
        done = (history.teams == team) & np.isfinite(history.finish) & (history.finish >= since)
        unknown = _unknown_cycle_times(history, network, team, done & (history.finish < until))
        for figure in FIGURES:
            predicted = run.estimate(("team", team, "", _SIMULATED[figure]))[0]
            real = actual[figure]
            predicted_value = None if math.isnan(predicted) else predicted
            reasons = unknown.reasons if figure in _CYCLE_FIGURES else []
            if figure in _CYCLE_FIGURES:
                predicted_value = None if unknown.predicted else predicted_value
                real = None if unknown.actual else real
            error = None
            if predicted_value is not None and real:
                error = (predicted_value - real) / real
            rows.append(
                {
                    "team": team,
                    "figure": figure,
                    "predicted": predicted_value,
                    "actual": real,
                    "relative_error": error,
                    "unknown_reasons": "; ".join(reasons) or None,
                }
            )
    return rows


@dataclass(frozen=True)
class UnknownCycleTimes:
    """Whether a team's predicted and actual cycle times are unknown, and why (in order)."""

    predicted: bool
    actual: bool
    reasons: list[str]


def _unknown_cycle_times(history: History, network: Network, team: str, compared: np.ndarray) -> UnknownCycleTimes:
    """Unknown, not 0: the cycle times of a team without an active stage (predicted: the calibration's
    ``no_active_stage`` note; actual: the history's mapping), and of items most of which went from
    backlog straight to done (predicted: the calibration's ``cycle_time_unknown`` note; actual: the
    `compared` items)."""
    no_active = {
        "predicted": team in (network.notes.get("no_active_stage") or {}),  # type: ignore[operator]
        "actual": team in history.no_active,
    }
    which = [name for name, flag in no_active.items() if flag]
    reasons = [no_active_stage_reason(f"cycle_time_p50, cycle_time_p85 {' and '.join(which)}")] if which else []
    predicted = dict(network.notes.get("cycle_time_unknown", {}) or {}).get(team)  # type: ignore[call-overload]
    actual = cycle_time_reason(history, compared, "actual")
    reasons += [reason for reason in (predicted, actual) if reason]
    return UnknownCycleTimes(
        predicted=no_active["predicted"] or predicted is not None,
        actual=no_active["actual"] or actual is not None,
        reasons=reasons,
    )


def starting_on(network: Network, day: date) -> Network:
    """The same network with simulated day 0 on calendar `day`: train departures stay on their dates
    (each offset moved by the days between the two starts, modulo the period)."""
    shift = (network.calendar_start() - day).days
    stations = {
        name: replace(station, offset_days=round((station.offset_days + shift) % station.every_days, 6))
        if station.kind == "train" and station.every_days > 0
        else station
        for name, station in network.stations.items()
    }
    return replace(network, stations=stations, start=day)


def history_span(history: History) -> tuple[float, float]:
    """(first start, end of the data) in days."""
    return float(np.nanmin(history.start)), history.end


def backtest(
    history: History,
    *,
    split: float,
    settings: RunSettings,
    team: str | None = None,
    on_progress: Progress | None = None,
) -> tuple[Network, list[dict[str, object]], tuple[float, float, float]]:
    """Calibrate on the first `split` of the history, compare on the rest.

    Returns the network, the rows and (first day, split day, end) in days since the epoch.
    """
    first, end = history_span(history)
    cut = first + split * (end - first)
    network = calibrate(history, since=first, until=cut, team=team)
    warmup = warmup_for(history, network, first, cut)
    rows = compare_with_history(
        history, network, since=cut, until=end, settings=settings, warmup=warmup, on_progress=on_progress
    )
    return network, rows, (first, cut, end)
