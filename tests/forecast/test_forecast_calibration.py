"""Self-calibration and the block resampling: a conformal level computed by hand, runs of consecutive
days that continue across draws, and no look-ahead (a changed future leaves the forecast unchanged)."""

from __future__ import annotations

import numpy as np

from orgflow.forecast.calibration import (
    MIN_SCORES,
    RECORD_SCORES,
    PastForecast,
    Question,
    adjust,
    cumulative_counts,
    read_row,
)
from orgflow.forecast.montecarlo import DaySampler, stationary_runs
from orgflow.forecast.record import calibrate_at, regime_change
from orgflow.forecast.replay import ReplayedTrials, seeded_forecasts


def _record(scores: list[float], ratios: list[float] | None = None, trials: int = 1000) -> list[PastForecast]:
    ratios = ratios or [1.0] * len(scores)
    return [PastForecast(7 * i, r, True, x, trials) for i, (r, x) in enumerate(zip(scores, ratios, strict=True))]


def test_conformal_level_by_hand() -> None:
    """20 scores 0.01, 0.02, …, 0.20 and then 0.90: n = 21; at 85 %, k = ceil(22 x 0.85) = ceil(18.7) = 19,
    the 19th smallest score is 0.19, so the level is 0.19 + 1e-6 (the forecasts were cautious: rows get
    narrower). At 95 %, k = ceil(20.9) = 21: the 21st is 0.90, the level 0.900001. 85 % held in 20 of 21.
    Neither level is in the tail (0.90 < 1 - 5/1000), so no scale is set."""
    record = _record([round(0.01 * i, 2) for i in range(1, 21)] + [0.90])
    at85 = adjust(record, 0.85, "when")
    assert (at85.level, at85.scale, at85.held) == (0.19 + 1e-6, None, 20)
    assert adjust(record, 0.95, "when").level == 0.90 + 1e-6
    # Too short a record gives no row (null, a reason).
    short = adjust(record[: MIN_SCORES - 1], 0.85, "when")
    assert not short.given and short.reason == "19 past forecasts, 20 needed"


def test_a_full_record_holds_each_confidence_exactly_for_exchangeable_forecasts() -> None:
    """Exchangeability by enumeration: 40 past forecasts with distinct scores; each in turn is the new
    forecast and the other 39 its record (a full record). Its q-row holds when its score is below the
    level the 39 give. Every score is equally likely to be the new one, so the share that holds is the
    coverage: exactly 20, 28, 34 and 38 of 40 at 50, 70, 85 and 95 % (k = (39 + 1) q, a whole number).
    With 53 forecasts and records of 52, the same count gives ceil(53 q): 27, 38, 46 and 51 of 53, that
    is 0.509, 0.717, 0.868 and 0.962, above every confidence (the rank rounded up)."""
    assert RECORD_SCORES == 39

    def held(size: int, confidence: float) -> int:
        scores = [0.9 * i / size + 0.05 for i in range(size)]  # distinct, spread over (0, 1)
        count = 0
        for i, new in enumerate(scores):
            level = adjust(_record(scores[:i] + scores[i + 1 :]), confidence, "how-many").level
            assert level is not None
            count += new < level
        return count

    assert [held(40, q) for q in (0.5, 0.7, 0.85, 0.95)] == [20, 28, 34, 38]
    assert [held(53, q) for q in (0.5, 0.7, 0.85, 0.95)] == [27, 38, 46, 51]


def test_tail_rows_held_to_the_records_scale_by_hand() -> None:
    """19 past forecasts scored 0.5 (outcome 0.9 x their median) and three slow ones scored 0.996, 0.997,
    0.999 (2.5, 3.0 and 4.0 x their median): n = 22, at 85 % k = ceil(23 x 0.85) = 20, the 20th score
    is 0.996: it leaves 4 of 1,000 trials beyond it (fewer than 5), so the row is also held to the
    20th smallest ratio, 2.5. A "when" forecast whose plain row at 99.6 % is day 30 and median day 10
    gives max(30, floor(10 x 2.5)) = 30; with median 20, max(30, 50) = 50. With 500 trials a record
    needs r(k) >= 0.99 for the tail: 0.996 is in it too; with 0.98 as the 20th it is not."""
    ratios = [0.9] * 19 + [2.5, 3.0, 4.0]
    record = _record([0.5] * 19 + [0.996, 0.997, 0.999], ratios)
    adjustment = adjust(record, 0.85, "when")
    assert (adjustment.level, adjustment.scale) == (0.996 + 1e-6, 2.5)
    assert read_row("when", [adjustment], lambda level: 30, 10) == 30
    assert read_row("when", [adjustment], lambda level: 30, 20) == 50
    assert adjust(_record([0.5] * 19 + [0.98, 0.997, 0.999], ratios, 500), 0.85, "when").scale is None
    # "How many": the rows are "at least x items"; the scale is the (n + 1 - k)-th = 3rd smallest ratio
    # (0.9) and caps the row at ceil(median x 0.9): median 12 -> 11, below a plain row of 15.
    many = adjust(record, 0.85, "how-many")
    assert many.scale == 0.9
    assert read_row("how-many", [many], lambda level: 15, 12) == 11
    # Past outcomes beyond every trial: the 20th score is 1.0. No level can be read, and the row is the
    # scale row alone (ratios sorted: 17 x 1.0, then 4, 5, 6, 7, 8: the 20th is 6.0), not a null row.
    beyond = adjust(_record([1.0] * 5 + [0.5] * 17, [4.0, 5.0, 6.0, 7.0, 8.0] + [1.0] * 17), 0.85, "when")
    assert (beyond.level, beyond.scale, beyond.given) == (None, 6.0, True)
    assert read_row("when", [beyond], lambda level: None, 9) == 54


def test_regime_change_refuses_a_burst_but_not_a_drop() -> None:
    """One item a day for 200 days: every 28 days finish 28. A last four weeks of 40 items is more than
    any four weeks of the span: refused. A last four weeks of 10 is fewer than ever: not refused (the
    window holds the quiet days; on the real histories such forecasts held as often as promised)."""
    burst, drop = np.ones(200, dtype=np.int64), np.ones(200, dtype=np.int64)
    burst[-28:-16] = 2  # 12 more items: 40 in the last 28 days
    drop[-28:-10] = 0  # 18 fewer: 10 in the last 28 days
    assert regime_change(burst, 200, 0) == (
        "regime change: 40 items finished in the last 28 days, more than in any 28 days of the record's span "
        "(at most 28)"
    )
    assert regime_change(drop, 200, 0) is None
    assert regime_change(np.ones(200, dtype=np.int64), 200, 0) is None


def test_runs_of_consecutive_days_never_split_across_draws() -> None:
    """With an infinite mean run every trial replays consecutive days (wrapping at the window's end),
    and the second draw continues exactly where the first stopped."""
    sampler = DaySampler(10, 50, seeds=np.random.SeedSequence(3), uncertainty=False, block_days=1e12)
    first, second = sampler.draw(7), sampler.draw(6)
    path = np.concatenate([first, second], axis=1)
    assert np.all((path[:, 1:] - path[:, :-1]) % 10 == 1)
    # Runs of mean 7 days: a new run starts with probability 1/7 on each day (a start can also land on
    # the next day by chance, 1 in 1000 here), including the first day of the next draw.
    rng = np.random.default_rng(5)
    previous = np.full(40_000, -1, dtype=np.int64)
    positions = stationary_runs(rng, 1000, (40_000, 20), 7.0, previous)
    jumps = (np.diff(positions, axis=1) % 1000) != 1
    assert abs(jumps.mean() - (1 / 7) * (999 / 1000)) < 0.003
    later = stationary_runs(rng, 1000, (40_000, 1), 7.0, positions[:, -1].astype(np.int64))
    assert abs(np.mean((later[:, 0] - positions[:, -1]) % 1000 != 1) - 1 / 7) < 0.01


def _history() -> np.ndarray:
    return np.random.default_rng(11).poisson(1.2, 700)


def test_no_look_ahead_a_changed_future_changes_nothing() -> None:
    """The calibration of a forecast made on day 600 uses only days before 600: replacing every later
    day (the future) by a burst gives the same record and the same levels."""
    counts = _history()
    changed = counts.copy()
    changed[600:] = 50
    confidences = (0.5, 0.85, 0.95)
    results = []
    for history in (counts, changed):
        for question in (Question("how-many", 60, horizon_days=30), Question("when", 60, items=20)):
            forecast_at = seeded_forecasts(history, question, 300, 1)
            results.append(calibrate_at(history, 600, question, confidences, forecast_at))
    assert results[0] == results[2] and results[1] == results[3]
    assert len(results[0].record) == RECORD_SCORES == 39 and results[0].verdict is None
    assert all(level is not None for level in (results[0].level(q) for q in confidences))


def test_when_forecasts_enter_once_settled_and_pending_ones_with_a_lower_bound() -> None:
    """ "When will 20 be done" at 1.2 a day takes about 17 days. The team stops finishing on day 570;
    on day 600 the forecasts of the last weeks are neither done nor past their own 95 % day: they are
    left out whatever their outcome. The most recent one past its 95 % day (the 285th of 300 sorted
    trial days) enters, still pending, with the score P(day <= days elapsed)."""
    counts = _history()
    counts[570:] = 0
    question = Question("when", 60, items=20)
    forecast_at = seeded_forecasts(counts, question, 300, 1)
    record = calibrate_at(counts, 600, question, (0.85,), forecast_at).record
    settled = [o for o in range(593, 59, -7) if 600 - o >= forecast_at(o)[284]]  # type: ignore[index]
    last = record[-1]
    assert (last.origin, last.known) == (settled[0], False) and settled[0] < 593
    samples = forecast_at(last.origin)
    assert samples is not None
    assert last.score == np.mean(samples <= 600 - last.origin)
    assert Question("when", 60, items=20).actual(cumulative_counts(counts), last.origin, 600) is None
    assert [past.origin for past in record] == sorted(settled[:RECORD_SCORES])


def test_vectorized_runs_equal_a_day_by_day_replay_of_the_same_draws() -> None:
    """`stationary_runs` builds every cell at once; a plain loop over the same draws (one uniform per
    cell, then one start per run, a row's first cell always opening a run) gives the same positions."""
    size, rows, days, block = 9, 40, 25, 4.0
    previous = np.random.default_rng(1).integers(-1, size, rows)
    vectorized = stationary_runs(np.random.default_rng(7), size, (rows, days), block, previous.copy())
    rng = np.random.default_rng(7)
    uniforms = rng.random(rows * days).reshape(rows, days)
    jumps = uniforms < 1 / block
    starts = iter(rng.integers(0, size, int(jumps.sum() + (~jumps[:, 0]).sum())))
    expected = np.empty((rows, days), dtype=np.int64)
    for row in range(rows):
        for day in range(days):
            if day == 0 and not jumps[row, 0]:
                start = next(starts)  # drawn for the row's first run, then replaced when it continues
                expected[row, 0] = (previous[row] + 1) % size if previous[row] >= 0 else start
            elif jumps[row, day]:
                expected[row, day] = next(starts)
            else:
                expected[row, day] = (expected[row, day - 1] + 1) % size
    assert np.array_equal(vectorized, expected)


def test_plan_search_equals_searchsorted_column_by_column() -> None:
    """The plan's batched binary search (`_first_reaching`) against numpy's searchsorted on each
    column alone, for int16 and int32 tables, targets of 0, inside, and above every count."""
    from orgflow.forecast.plan_engine import first_reaching

    rng = np.random.default_rng(3)
    for width, dtype in ((1, np.int16), (2, np.int32), (37, np.int16), (64, np.int32), (323, np.int16)):
        columns = 11
        steps = rng.poisson(0.7, (width, columns))
        steps[0] = rng.integers(0, 2, columns)
        table = np.cumsum(steps, axis=0).astype(dtype)  # nondecreasing down each column
        flat = table.ravel()
        cells = rng.integers(0, columns, (3, 50))
        targets = rng.integers(0, int(table.max()) + 3, cells.shape)
        targets[0, :5] = 0
        found = first_reaching(flat, width, columns, cells, targets)
        expected = [
            [np.searchsorted(table[:, c], t, side="left") for c, t in zip(r, q, strict=True)]
            for r, q in zip(cells, targets, strict=True)
        ]
        assert found.tolist() == expected


def test_replayed_trials_equal_a_trial_by_trial_walk() -> None:
    """The record's trials (drawn once, replayed on each window) against a plain walk over the same
    day indices: "when" is the first day the running total reaches the items, "how many" the sum.
    A sparse window makes slow trials need more days than the first draw: they are drawn later and
    the days drawn first do not change."""
    window = np.zeros(60, dtype=np.int64)
    window[[3, 17, 18, 40, 52]] = [1, 2, 1, 1, 3]
    replay = ReplayedTrials(Question("when", 60, items=6), 200, 4)
    finished = replay.outcomes(window)
    first_days = replay.days(10).copy()
    indices = replay.days(int(finished[finished <= 3650].max()))
    for trial in range(200):
        total, day = 0, 0
        while total < 6 and day < indices.shape[1]:
            total += window[indices[trial, day]]
            day += 1
        assert finished[trial] == (day if total >= 6 else 3651)
    assert np.array_equal(replay.days(10), first_days) and indices.shape[1] > 30
    many = ReplayedTrials(Question("how-many", 60, horizon_days=30), 200, 4)
    assert many.outcomes(window).tolist() == [int(window[many.days(30)[t]].sum()) for t in range(200)]


def test_the_terminal_line_names_the_record_not_a_team() -> None:
    # A whole organization's forecast is calibrated on its own record too: the line says whose by "the same
    # question", never "this team's". Two past forecasts; 50 % read at 48 %; 85 % with no level (the record's
    # outcomes beyond every trial), held to no earlier than 3.10 times the median.
    from orgflow.forecast.calibration import Adjustment, Calibration, PastForecast, Question

    record = (PastForecast(0, 0.3, True, 1.2, 1000), PastForecast(7, 0.9, True, 2.5, 1000))
    calibration = Calibration(
        Question("when", 84, items=10),
        record,
        (Adjustment(0.5, 0.48, held=1), Adjustment(0.85, None, held=1, scale=3.1)),
    )
    assert calibration.line() == (
        "calibration: 50 % read at 48.0 %, 85 % no earlier than 3.10 × the median (the record's outcomes lie "
        "beyond every trial); from the last 2 weekly forecasts of the same question (50 % held 1, 85 % held 1 of 2)"
    )
