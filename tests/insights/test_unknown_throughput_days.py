"""The throughput-drop rule reads only the days the data covers: a day before the data's first event or
after its last has unknown throughput (null: `orgflow.flow.after_data`), not a day of 0 finishes. So a
history that stops is no drop, and a baseline that starts late is a rate over its known days.

Windows (see workspaces.py): seen from Monday 2024-06-03 12:00, the 4 recent weeks are 2024-05-06 ..
2024-06-02 and the 12 baseline weeks 2024-02-12 .. 2024-05-05.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from fractions import Fraction

from tests.insights.workspaces import NOW, TODAY, Build, Item, at, flowing

from orgflow.insights import find_insights, throughput
from orgflow.insights.finding import InsightSettings, Scope
from orgflow.insights.statistics import significant
from orgflow.query.window import Cut


def _binomial_lower(successes: int, trials: int, probability: Fraction) -> float:
    """P(X <= successes), X ~ Binomial(trials, probability), summed exactly in fractions."""
    total = sum(math.comb(trials, k) * probability**k * (1 - probability) ** (trials - k) for k in range(successes + 1))
    return float(total)


def _pairs(first: date, days: int) -> list[Item]:
    """Two delta items finished on each of `days` days from `first` (started 08:00 and 09:00, 8 hours each,
    created the day before)."""
    return [
        flowing(
            f"D-{offset:03d}{half}",
            "delta",
            at(first + timedelta(days=offset), hour),
            ("In Progress", 1 / 3),
            ("Done", 0),
        )
        for offset in range(days)
        for half, hour in (("a", 8), ("b", 9))
    ]


def test_a_history_that_stops_is_no_drop(build: Build) -> None:
    # delta finishes two items a day through the baseline (02-12 .. 05-05, the last at 05-05 17:00, the
    # data's last event) and the data then stops: the recent weeks recorded nothing. Read as zeros they were
    # a 100 % drop (p = (3/4)^168, 0 under the baseline's 10th percentile of 56): a finding. They are unknown.
    workspace = build(_pairs(TODAY - timedelta(days=112), 84))

    assert [finding.rule for finding in find_insights(workspace, now=NOW)] == []
    run = throughput.find(Scope(workspace.flow_at(NOW), Cut(), InsightSettings()))
    assert run.findings == []
    assert run.check.supported is False
    assert run.check.text == (
        "no team finished an item in the 12 baseline weeks from 2024-02-12: no rate to drop from; not judged: "
        "1 team whose recent weeks the data covers for fewer than 7 days, or whose baseline it covers for fewer "
        "days than them"
    )


def test_a_baseline_that_starts_late_is_a_rate_over_its_known_days(build: Build) -> None:
    # delta's first item is created on 03-25 08:00 (the data's first event); two items finish each day from
    # 03-26 to 05-05: 82 items over the 42 known baseline days (03-25 .. 05-05, 6 weeks), 82/6 = 13.67 a
    # week. The recent weeks finish one item every other day (05-07, 05-09, ..., 06-02: 14 items, 3.5 a
    # week; the last, at 06-02 17:00, is the data's last event, so every recent day is known). Drop:
    # 1 - 3.5 / (82/6) = 61/82 (74 %, high). p = P(X <= 14 | n = 96, 4 / (4 + 6)). The 28-day stretches of
    # the known baseline hold 54 (the first, with 03-25's 0) or 56 items: the 10th percentile of the 15 is
    # 56, above 14. Read as zeros, the 43 unknown days made the baseline 82/12 = 6.8 a week and its
    # stretches as low as 0: no finding.
    baseline = _pairs(date(2024, 3, 26), 41)
    recent = [
        flowing(f"E-{day:02d}", "delta", at(TODAY - timedelta(days=28 - day)), ("In Progress", 1 / 3), ("Done", 0))
        for day in range(1, 28, 2)
    ]
    workspace = build([*baseline, *recent])

    found = [finding for finding in find_insights(workspace, now=NOW) if finding.rule == "throughput.drop"]
    assert [(finding.subject, finding.severity) for finding in found] == [("team:delta", "high")]
    assert found[0].title == (
        "delta: throughput fell 74% in the last 4 weeks (3.5 a week against 13.7 over the 42 days the data "
        "covers before)"
    )
    # Impact: 82/42 items a day expected; by recent day d, floor(d / 2) done.
    shortfall = sum(max(0.0, 82 / 42 * day - day // 2) for day in range(1, 29))
    assert found[0].impact_item_days == round(shortfall, 3)
    assert found[0].evidence == {
        "recent_weeks": 4,
        "baseline_weeks": 12,
        "recent_since": "2024-05-06",
        "baseline_since": "2024-03-25",
        "recent_days_known": 28,
        "baseline_days_known": 42,
        "recent_finished": 14,
        "baseline_finished": 82,
        "recent_per_week": 3.5,
        "baseline_per_week": round(82 / 6, 3),
        "drop_share": round(61 / 82, 3),
        "p_value": significant(_binomial_lower(14, 96, Fraction(2, 5))),
        "baseline_p10_finished": 56.0,
        "items": [f"E-{day:02d}" for day in range(1, 28, 2)],
    }
