"""Rule ``throughput.drop``: a team whose throughput dropped below its own baseline, beyond noise.

Weeks here are blocks of 7 whole days ending yesterday (UTC), so the current partial week never
counts. The recent `throughput_recent_weeks` (4) are compared with the `throughput_baseline_weeks`
(12) just before them. A team fires when all of these hold:

1. the baseline has items finished (a rate to drop from);
2. the weekly rate dropped by at least `throughput_drop` (30 %): 1 − recent rate / baseline rate;
3. the drop is not Poisson noise: with x recent and y baseline items, the exact conditional test
   gives the one-sided p-value P(X <= x), X ~ Binomial(x + y, R / (R + B)) for R recent and B
   baseline weeks, at most `significance` (0.01);
4. the drop is not batch noise either: the recent total is below the 10th percentile of the totals
   of every R-week stretch of the baseline (stretches start on each baseline day). Teams that ship
   in batches (release trains) have lumpier weeks than Poisson; their own history says how lumpy.

Only the days the data covers count: a day before its first event or after its last has unknown
throughput (null, `orgflow.flow.after_data`), never a day of 0 (a drop into days nothing recorded is no
drop). The rates, the test's exposures and the stretches are over the known days (in weeks of 7 of them),
the configured weeks when the data covers them all. A team is not judged when the data covers fewer than
`MIN_RECENT_DAYS` (7) of its recent days, or fewer of its baseline days than of its recent ones.

Severity is ``high`` when the rate fell by half or more, else ``medium``. The impact is the items ×
days of work the old pace would have finished: the sum over the recent days of max(0, baseline
items a day × days so far − recent items finished so far).
"""

from __future__ import annotations

import numpy as np
from ibis import _

from orgflow.errors import InputError
from orgflow.flow.history import instant
from orgflow.insights.finding import Check, Finding, RuleRun, Scope
from orgflow.insights.load import daily_by_team, known
from orgflow.insights.ranking import shortfall_item_days
from orgflow.insights.statistics import rate_lower_p_value, rounded, significant
from orgflow.query.window import Cut, day_start

RULE = "throughput.drop"
HIGH_DROP = 0.5
BASELINE_PERCENTILE = 10
MIN_RECENT_DAYS = 7
"""Fewer recent days the data covers than this (a week) and a team is not judged: no rate to have dropped."""


def finished_recently(scope: Scope, team: str, *, days: int) -> list[str]:
    """Ids of the team's items finished (done) in the last `days` whole days, in finish order."""
    end = day_start(scope.end_day).replace(tzinfo=None)
    begin = day_start(scope.days_back(days)).replace(tzinfo=None)
    items = scope.service.items_table(Cut(team=team))
    done = items.filter(_.outcome == "done", _.finished_at >= instant(begin), _.finished_at < instant(end))
    ordered = done.order_by("finished_at", "item_id").select("item_id")
    return scope.service.fetch(ordered).column("item_id").to_pylist()


def find(scope: Scope) -> RuleRun:
    """Rule ``throughput.drop`` (see the module docstring)."""
    settings = scope.settings
    recent_weeks, baseline_weeks = settings.throughput_recent_weeks, settings.throughput_baseline_weeks
    if recent_weeks < 1 or baseline_weeks < recent_weeks:
        raise InputError(
            f"throughput_baseline_weeks ({baseline_weeks}) must be at least throughput_recent_weeks "
            f"({recent_weeks}), which must be at least 1",
            field="thresholds",
        )
    recent_days, baseline_days = 7 * recent_weeks, 7 * baseline_weeks
    _, finished, unmapped = daily_by_team(scope, since=scope.days_back(recent_days + baseline_days))
    findings = []
    checked = 0
    outside = 0
    for team in sorted(finished):
        # The days the data covers: an unknown day (before its first event, after its last) is no day of 0.
        baseline = np.asarray(known(finished[team][:baseline_days]), dtype=np.int64)
        recent = np.asarray(known(finished[team][baseline_days:]), dtype=np.int64)
        if recent.size < MIN_RECENT_DAYS or baseline.size < recent.size:
            outside += 1
            continue
        baseline_total, recent_total = int(baseline.sum()), int(recent.sum())
        if baseline_total == 0:
            continue
        checked += 1
        # Exposures in weeks of known days: the configured weeks when the data covers them all.
        recent_exposure = recent_weeks if recent.size == recent_days else recent.size / 7
        baseline_exposure = baseline_weeks if baseline.size == baseline_days else baseline.size / 7
        baseline_rate, recent_rate = baseline_total / baseline_exposure, recent_total / recent_exposure
        drop = 1 - recent_rate / baseline_rate
        p_value = rate_lower_p_value(recent_total, recent_exposure, baseline_total, baseline_exposure)
        stretches = np.convolve(baseline, np.ones(recent.size, dtype=np.int64), mode="valid")
        low = float(np.percentile(stretches, BASELINE_PERCENTILE))
        if drop < settings.throughput_drop or p_value > settings.significance or recent_total >= low:
            continue
        severity = "high" if drop >= HIGH_DROP else "medium"
        shortfall = shortfall_item_days(recent.tolist(), baseline_per_day=baseline_total / baseline.size)
        covered = " days the data covers"
        recent_known = "" if recent.size == recent_days else f" over the {recent.size}{covered}"
        over = f"the {baseline_weeks}" if baseline.size == baseline_days else f"the {baseline.size}{covered}"
        findings.append(
            Finding(
                rule=RULE,
                severity=severity,
                subject=f"team:{team}",
                title=(
                    f"{team}: throughput fell {drop:.0%} in the last {recent_weeks} weeks "
                    f"({recent_rate:.1f} a week{recent_known} against {baseline_rate:.1f} over {over} before)"
                ),
                evidence={
                    "recent_weeks": recent_weeks,
                    "baseline_weeks": baseline_weeks,
                    "recent_since": scope.days_back(recent_days).isoformat(),
                    "baseline_since": scope.days_back(recent_days + baseline.size).isoformat(),
                    "recent_days_known": int(recent.size),
                    "baseline_days_known": int(baseline.size),
                    "recent_finished": recent_total,
                    "baseline_finished": baseline_total,
                    "recent_per_week": rounded(recent_rate),
                    "baseline_per_week": rounded(baseline_rate),
                    "drop_share": rounded(drop),
                    "p_value": significant(p_value),
                    "baseline_p10_finished": rounded(low),
                    "items": finished_recently(scope, team, days=recent_days),
                },
                suggested_action=(
                    f"Ask {team} what changed {recent_weeks} weeks ago (people away, a blocker, unplanned work, "
                    "bigger items) and fix the cause before re-planning on the old rate."
                ),
                team=team,
                impact_item_days=rounded(shortfall),
            )
        )
    return RuleRun(findings, _check(checked, len(findings), scope, unmapped=unmapped, outside=outside))


def _check(teams: int, found: int, scope: Scope, *, unmapped: str | None = None, outside: int = 0) -> Check:
    """What the rule checked: the recent weeks of `teams` teams that finished items in their baseline;
    `unmapped`: why some teams' throughput is unknown (`orgflow.insights.load.daily_by_team`); `outside`:
    the teams not judged because their window reaches outside the data (unknown days)."""
    settings = scope.settings
    recent, baseline = settings.throughput_recent_weeks, settings.throughput_baseline_weeks
    since = scope.days_back(7 * (recent + baseline)).isoformat()
    left_out = f"; left out: {unmapped}" if unmapped else ""
    if outside:
        left_out += (
            f"; not judged: {outside} team{'s' if outside != 1 else ''} whose recent weeks the data covers for "
            f"fewer than {MIN_RECENT_DAYS} days, or whose baseline it covers for fewer days than them"
        )
    if teams == 0:
        return Check(
            RULE,
            f"no team finished an item in the {baseline} baseline weeks from {since}: no rate to drop from{left_out}",
            supported=False,
        )
    outcome = (
        f"{found} dropped"
        if found
        else f"none fell {settings.throughput_drop:.0%} or more beyond noise (p <= {settings.significance:g})"
    )
    return Check(
        RULE,
        f"the last {recent} weeks of {teams} team{'s' if teams != 1 else ''} against the {baseline} weeks before "
        f"(from {since}); {outcome}{left_out}",
    )
