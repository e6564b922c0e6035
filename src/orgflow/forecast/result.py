"""A forecast's answer: the probability of each outcome, read at confidence levels the way people ask.

"When" outcomes are days (day 1 = the first forecast day) and are read upward: the 85 % row is the
first day by which at least 85 % of outcomes are done. "How many" outcomes are item counts and are
read downward: the 85 % row is the largest count reached or passed in at least 85 % of outcomes.
Both are whole numbers read off the cumulative distribution (no interpolation between outcomes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from orgflow.errors import InputError
from orgflow.flow.service import MetricResult
from orgflow.forecast.defaults import DEFAULT_TRIALS as DEFAULT_TRIALS
from orgflow.query.as_of import stale_note
from orgflow.registry import definitions

if TYPE_CHECKING:
    from orgflow.forecast.calibration import Calibration

CONFIDENCES = (0.50, 0.70, 0.85, 0.95)
"""The confidence levels shown by default."""
MAX_DAYS = 3_650
"""The longest horizon simulated (ten years); outcomes later than that are 'beyond'."""
_TOLERANCE = 1e-9
"""Cumulative probabilities are sums of floats: 0.85 reached as 0.8499999999999 still counts."""

DEFINITIONS = definitions("forecast")
"""Each forecast figure's definition by name (`orgflow.forecast.figures`)."""


def forecast_stale_note(params: dict[str, Any]) -> str | None:
    """`stale_note` of a forecast's params: a history ended by its cut's own data (`series_from`, `own_end`)
    is as of that data's end (`cut_data_as_of`), else as of the workspace's (`data_as_of`)."""
    cut_as_of = params.get("cut_data_as_of")
    return stale_note(params if cut_as_of is None else {**params, "data_as_of": cut_as_of})


def history_notes(params: dict[str, Any]) -> list[str]:
    """The notes a forecast says of its history (params of its `ThroughputSeries` or its result), in the
    order its output prints them, before any calibration line: the window widened (`window_note`), the
    days after the data's end left out (`after_data`), a data end long before today
    (`forecast_stale_note`). `cut_note` is not among them: the terminal's as-of caption prints
    `cut_data_as_of`."""
    said = (params.get("window_note"), params.get("after_data"), forecast_stale_note(params))
    return [note for note in said if note]


def check_confidences(confidences: tuple[float, ...]) -> None:
    """Raises InputError unless every confidence is a fraction strictly between 0 and 1."""
    for value in confidences:
        if not 0 < value < 1:
            raise InputError(f"a confidence is a fraction between 0 and 1 (got {value})", field="confidence")


def day_for(cdf: np.ndarray, confidence: float) -> int | None:
    """The first outcome whose cumulative probability reaches `confidence` (None: never within the horizon)."""
    reached = np.flatnonzero(cdf >= confidence - _TOLERANCE)
    return int(reached[0]) if reached.size else None


def at_least_for(pmf: np.ndarray, confidence: float) -> int:
    """The largest count x with P(outcome >= x) >= `confidence`."""
    survival = np.cumsum(pmf[::-1])[::-1]
    reached = np.flatnonzero(survival >= confidence - _TOLERANCE)
    return int(reached[-1]) if reached.size else 0


@dataclass(frozen=True)
class ForecastResult:
    """A forecast: `pmf[k]` is the probability of outcome k (days for "when", items for "how-many").

    `beyond` is the probability of finishing after the horizon ("when" only). `samples` holds the
    outcome of each Monte Carlo trial (None for the exact method), for histograms and tests.
    """

    kind: str
    method: str
    pmf: np.ndarray
    beyond: float
    start: date | None
    confidences: tuple[float, ...]
    params: dict[str, Any] = field(default_factory=dict)
    target_date: date | None = None
    samples: np.ndarray | None = None
    calibration: Calibration | None = None
    """Set by `orgflow.forecast.calibrate.calibrate`: rows are read as it adjusts them, or null."""

    def value_at(self, confidence: float) -> int | None:
        """Days (when) or items (how-many) at `confidence`; None when beyond the horizon."""
        if self.kind == "when":
            return day_for(np.cumsum(self.pmf), confidence)
        return at_least_for(self.pmf, confidence)

    def values(self) -> tuple[int | None, ...]:
        """The row value for each of the result's confidences: `value_at` the confidence or, when
        calibrated, at its adjusted level (None where no calibration can hold)."""
        return tuple(self.calibrated_value(confidence) for confidence in self.confidences)

    def calibrated_value(self, confidence: float) -> int | None:
        """Days or items for `confidence`, read at the calibration's level for it and, in the tail,
        held to its scale (`orgflow.forecast.calibration`); plain without a calibration."""
        if self.calibration is None:
            return self.value_at(confidence)
        return self.calibration.row(confidence, self.value_at, self.value_at(0.5))

    def date_of(self, days: int | None) -> date | None:
        """The calendar date of forecast day `days` (day 1 = start)."""
        if days is None or self.start is None:
            return None
        return self.start + timedelta(days=days - 1)

    def probability_by(self, day: date) -> float | None:
        """("when") The probability that the items are all finished on or before `day`: the share of
        outcomes by then or, when calibrated, the share of the record's forecasts that held at that
        level (None: no calibration can hold)."""
        if self.kind != "when" or self.start is None:
            raise ValueError("probability_by needs a 'when' forecast with a start date")
        days = (day - self.start).days + 1
        if days < 1:
            return 0.0
        raw = float(min(1.0, np.sum(self.pmf[: days + 1])))
        if self.calibration is None:
            return raw
        return self.calibration.probability(raw)

    def probability_at_least(self, items: int) -> float:
        """("how-many") The probability of finishing at least `items` items."""
        if self.kind != "how-many":
            raise ValueError("probability_at_least needs a 'how-many' forecast")
        return float(min(1.0, np.sum(self.pmf[max(0, items) :])))

    @property
    def mean(self) -> float:
        """The mean outcome (days or items), outcomes beyond the horizon left out."""
        mass = float(np.sum(self.pmf))
        return float(np.dot(np.arange(self.pmf.size), self.pmf) / mass) if mass else float("nan")

    def rows(self) -> list[dict[str, Any]]:
        """One row per confidence: when → confidence (%), days, date; how-many → confidence (%), items."""
        rows: list[dict[str, Any]] = []
        for confidence, value in zip(self.confidences, self.values(), strict=True):
            percent = round(confidence * 100, 6)
            percent_value: int | float = int(percent) if float(percent).is_integer() else percent
            if self.kind == "when":
                row = {"confidence": percent_value, "days": value, "date": self.date_of(value)}
            else:
                row = {"confidence": percent_value, "items": value}
            if self.calibration is not None:
                row["null_reason"] = self.calibration.reason(confidence)
            rows.append(row)
        return rows

    def metric_result(self) -> MetricResult:
        """The forecast as a `MetricResult` (metric, definition, params, table) for the shared renderers."""
        metric = f"forecast-{self.kind}"
        params = dict(self.params)
        params.update(method=self.method, start=self.start.isoformat() if self.start else None)
        if self.kind == "when":
            params["beyond_horizon"] = round(self.beyond, 6)
            if self.target_date is not None:
                params["target_date"] = self.target_date.isoformat()
                probability = self.probability_by(self.target_date)
                params["probability"] = None if probability is None else round(probability, 6)
        rows = self.rows()
        whole = all(isinstance(row["confidence"], int) for row in rows)
        confidence = ("confidence", pa.int64() if whole else pa.float64())
        if self.kind == "when":
            schema = pa.schema([confidence, ("days", pa.int64()), ("date", pa.date32())])
        else:
            schema = pa.schema([confidence, ("items", pa.int64())])
        if self.calibration is not None:
            schema = schema.append(pa.field("null_reason", pa.string()))
            params["calibration"] = self.calibration.summary()
        table = pa.Table.from_pylist(rows, schema=schema)
        params["rows"] = table.num_rows
        stale = forecast_stale_note(params)
        if stale is not None:
            params["as_of_note"] = stale
        calibration_line = None if self.calibration is None else self.calibration.line()
        # The history's notes in `history_notes`' order, then the calibration line.
        said = (params.get("window_note"), params.get("after_data"), stale, calibration_line)
        notes = [note for note in said if note]
        return MetricResult(metric, DEFINITIONS[metric], params, table, notes)
