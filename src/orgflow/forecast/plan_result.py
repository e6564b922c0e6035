"""A plan forecast's answer: each initiative's finish day in every trial, read as rows, odds and a board.

Without calibration the columns are plain percentiles of the trials. With it (`calibrate_plan`), each
team has the record of its own weekly past "when will its plan items be done" forecasts
(`orgflow.forecast.calibration`), and every reading of the plan goes through it:

- an initiative's column is read at the highest adjusted level of its teams and held to the widest
  scale of its teams (`read_row`); null, with the team's reason, when a team's calibration cannot hold;
- its chance of meeting the target is the lowest calibrated chance of its teams (null likewise);
- a board lane (one team's part of one initiative) is read by that team's own calibration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow as pa

from orgflow.flow.service import MetricResult
from orgflow.forecast.calibration import Adjustment, Calibration, read_row
from orgflow.forecast.plan_engine import Lanes
from orgflow.forecast.plan_file import Initiative, Plan
from orgflow.forecast.result import day_for
from orgflow.query.as_of import stale_note
from orgflow.registry import definition

DEFINITION = definition("forecast-plan", "forecast")


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
    lanes: Lanes
    horizon_days: int
    params: dict[str, Any] = field(default_factory=dict)
    calibrations: dict[str, Calibration] | None = None
    """Per team, the calibration of its "when" forecasts (`calibrate_plan`); None: plain Monte Carlo."""

    def _initiative(self, name: str) -> Initiative:
        return next(item for item in self.order if item.name == name)

    def _adjustments(self, teams: list[str], confidence: float) -> list[Adjustment] | None:
        """The teams' adjustments for `confidence` (None: not calibrated)."""
        if self.calibrations is None:
            return None
        return [self.calibrations[team].adjustment(confidence) for team in teams]

    def _read(self, samples: np.ndarray, teams: list[str], confidence: float) -> int | None:
        """The finish day of `samples` at `confidence`, read by the teams' calibrations (if any)."""
        adjustments = self._adjustments(teams, confidence)
        if adjustments is None:
            return self.percentile_day(samples, confidence)
        median = self.percentile_day(samples, 0.5)
        return read_row("when", adjustments, lambda level: self.percentile_day(samples, level), median)

    def null_reason(self, teams: list[str], confidence: float) -> str | None:
        """Why a reading for `teams` at `confidence` is null: the first team whose calibration cannot hold."""
        for adjustment in self._adjustments(teams, confidence) or []:
            if not adjustment.given:
                return adjustment.reason
        return None

    def column_day(self, name: str, confidence: float) -> int | None:
        """Initiative `name`'s finish day at `confidence` (None: beyond the horizon, or null, see
        `null_reason`)."""
        return self._read(self.finish_days[name], list(self._initiative(name).items_by_team), confidence)

    def lane_day(self, name: str, team: str, confidence: float) -> int | None:
        """The day `team` finishes its part of initiative `name` at `confidence`, read by the team's
        own calibration (None: beyond the horizon, or null)."""
        return self._read(self.lanes[(name, team)][1], [team], confidence)

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
        chances = [self.calibrations[team].probability(raw) for team in self._initiative(name).items_by_team]
        return None if any(chance is None for chance in chances) else min(chances)  # type: ignore[type-var]

    def probability_reason(self, name: str) -> str | None:
        """Why initiative `name`'s chance of meeting a date is null (`probability`): the verdict of the
        first of its teams whose calibration has one (too little history, a regime change; a calibration
        without a verdict has a record to read the chance by). None: not calibrated, or a chance is given."""
        if self.calibrations is None:
            return None
        verdicts = (self.calibrations[team].verdict for team in self._initiative(name).items_by_team)
        return next((verdict for verdict in verdicts if verdict is not None), None)

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
                row[f"p{round(confidence * 100):g}"] = self.date_of(self.column_day(item.name, confidence))
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
        stale = stale_note(params)
        if stale is not None:
            params["as_of_note"] = stale
        if self.calibrations is not None:
            params["calibration"] = {team: value.summary() for team, value in self.calibrations.items()}
        return MetricResult("forecast-plan", DEFINITION, params, table, self._notes(stale))

    def notes(self) -> list[str]:
        """What every surface of the plan says beside its rows (the CLI's notes, its JSON and CSV, the
        API, the plan page), each once, in this order: the teams' histories cut short by the data's end
        (`after_data`: `orgflow.forecast.plan.plan_after_data_note`), a forecast as of a data end long
        before today (`stale_note`), and each team's calibration line."""
        return self._notes(stale_note(self.params))

    def _notes(self, stale: str | None) -> list[str]:
        said = [self.params.get("after_data"), stale]
        if self.calibrations is not None:
            said += [f"{team}: {value.line()}" for team, value in self.calibrations.items()]
        return [note for note in said if note]

    def board(self, *, confidence: float = 0.85) -> dict[str, Any]:
        """The "big room planning" picture as JSON-ready data: teams x time, one bar per team and
        initiative (from the median day of its first finished item to its median and `confidence`
        finish, both read by the team's calibration; null with `null_reason` where it cannot hold),
        dependency arrows (from the initiative waited for to the one waiting), and each initiative's
        finish dates and probability of meeting its target, read as its rows are."""
        bars = []
        for name, team in self.lanes:
            starts = self.lanes[(name, team)][0]
            bars.append(
                {
                    "team": team,
                    "initiative": name,
                    "start": _iso(self.date_of(self.percentile_day(starts, 0.5))),
                    "finish_p50": _iso(self.date_of(self.lane_day(name, team, 0.5))),
                    "finish_confident": _iso(self.date_of(self.lane_day(name, team, confidence))),
                    "null_reason": self.null_reason([team], 0.5) or self.null_reason([team], confidence),
                }
            )
        probabilities = self.probability_by_initiative
        initiatives = []
        for item in self.order:
            teams = list(item.items_by_team)
            initiatives.append(
                {
                    "name": item.name,
                    "priority": item.priority,
                    "teams": teams,
                    "depends_on": list(item.depends_on),
                    "target": _iso(item.target),
                    "probability": probabilities[item.name],
                    "finish_p50": _iso(self.date_of(self.column_day(item.name, 0.5))),
                    "finish_confident": _iso(self.date_of(self.column_day(item.name, confidence))),
                    "null_reason": self.null_reason(teams, 0.5) or self.null_reason(teams, confidence),
                }
            )
        arrows = [{"from": dependency, "to": item.name} for item in self.order for dependency in item.depends_on]
        return {
            "start": self.start.isoformat(),
            "confidence": confidence,
            "teams": self.plan.teams(),
            "initiatives": initiatives,
            "bars": bars,
            "arrows": arrows,
        }


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
