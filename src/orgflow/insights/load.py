"""Rule ``load.wip-growing``: a team whose WIP grows while its throughput does not.

Over the last `insight_weeks` weeks (7 whole days each, ending yesterday, UTC) a team fires when all
of these hold:

1. its daily WIP (end of each day, docs/metrics.md) has a positive least-squares slope;
2. the mean WIP of the window's first half is at least `min_baseline_items` (1), and the second
   half's is at least `growth_share` (20 %) above it (a growth from nothing has no share);
3. arrivals (items started) exceed departures (items finished, done) beyond noise: the exact
   conditional test of two Poisson rates over the same days gives a one-sided p-value
   P(X >= arrivals), X ~ Binomial(arrivals + departures, 1/2), at most `significance` (0.01);
4. throughput did not grow: departures in the second half do not exceed those of the first half
   significantly (the same test, p-value above `significance`).

Arrivals, departures and their halves count the days the data covers: a day before its first event or
after its last is unknown (null throughput), left out rather than counted as a day of 0, as the WIP's
days before the data are.

Severity is ``high`` when the mean WIP grew by 40 % or more (for a linear trend: WIP doubled from the
window's first day to its last), else ``medium``. The evidence carries the
net flow and the Little's law check over the window (`FlowService.littles_law`), whose stability
conditions fail when WIP piles up. The impact is the extra WIP items × days: the sum over the
window's days of the WIP above its level at the end of the day before the window.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from ibis import _

from orgflow.flow.history import instant
from orgflow.insights.finding import Check, Finding, RuleRun, Scope
from orgflow.insights.ranking import excess_item_days
from orgflow.insights.statistics import growth, half_means, rate_higher_p_value, rounded, significant, slope
from orgflow.query.window import Cut, day_start

RULE = "load.wip-growing"
HIGH_GROWTH = 0.4
"""Second-half mean WIP up by this share (40 %) or more makes the finding high severity: for a linear
trend that is WIP doubling from the window's first day to its last (growth_share 0.2 is +44 %)."""


Daily = dict[str, list[int | None]]
"""A count per team and day, in day order; None on a day the data does not cover (unknown)."""


def daily_by_team(scope: Scope, *, since: date) -> tuple[Daily, Daily, str | None]:
    """(started per day, finished per day) of each team from `since` to yesterday, zeros included, None
    on the days before the data's first event or after its last (every count of those days is unknown:
    `orgflow.flow.after_data`), and why teams are left out: a team none of whose statuses maps to a done
    stage has unknown throughput (`orgflow.flow.mapped_stages`: its `finished` is null on days whose
    `started` is known), so it is in neither series and the reason (else None) says so."""
    result = scope.service.throughput(cut=scope.cut, since=since, period="day", by="team")
    started: Daily = defaultdict(list)
    finished: Daily = defaultdict(list)
    unknown = set()
    for row in sorted(result.rows(), key=lambda row: (row["team"], row["period_start"])):
        if row["started"] is not None and row["finished"] is None:
            unknown.add(row["team"])
        started[row["team"]].append(row["started"])
        finished[row["team"]].append(row["finished"])
    for team in unknown:
        del started[team], finished[team]
    return dict(started), dict(finished), result.params.get("no_done_stage") if unknown else None


def known(values: list[int | None]) -> list[int]:
    """The counts of the days the data covers (`daily_by_team`'s unknown days left out), in day order."""
    return [value for value in values if value is not None]


def wip_by_team(scope: Scope, *, since: date) -> dict[str, list[int]]:
    """Daily WIP of each team (end of each day) from `since` to yesterday, without the days before the
    data's first event (unknown: `orgflow.flow.after_data.said_days_before_data`)."""
    result = scope.service.wip(cut=scope.cut, since=since, by="team")
    series: dict[str, list[int]] = defaultdict(list)
    for row in sorted(result.rows(), key=lambda row: (row["team"], row["date"])):
        if row["wip"] is not None:
            series[row["team"]].append(row["wip"])
    return dict(series)


def piled_up(scope: Scope, team: str, *, since: date) -> list[str]:
    """Ids of the team's items started in the window and still unfinished at its end (oldest first)."""
    end = instant(day_start(scope.end_day).replace(tzinfo=None))
    begin = instant(day_start(since).replace(tzinfo=None))
    items = scope.service.items_table(Cut(team=team))
    open_at_end = items.filter(
        _.started_at >= begin, _.started_at < end, _.finished_at.isnull() | (_.finished_at >= end)
    ).order_by("started_at", "item_id")
    return scope.service.fetch(open_at_end.select("item_id")).column("item_id").to_pylist()


def littles_law_evidence(scope: Scope, team: str, *, since: date) -> dict[str, Any]:
    """The Little's law check of one team over the window, rounded for the evidence."""
    row = scope.service.littles_law(cut=Cut(team=team), since=since).rows()[0]
    keys = ("mean_wip", "throughput_per_day", "mean_cycle_time_days", "predicted_wip", "ratio")
    check: dict[str, Any] = {key: rounded(row[key]) for key in keys}
    check["arrivals_match_departures"] = bool(row["arrivals_match_departures"])
    check["wip_stable"] = bool(row["wip_stable"])
    return check


def find(scope: Scope) -> RuleRun:
    """Rule ``load.wip-growing`` (see the module docstring)."""
    settings = scope.settings
    weeks = settings.insight_weeks
    since = scope.days_back(7 * weeks)
    started, finished, unmapped = daily_by_team(scope, since=since)
    # One sample more than the window's days: the WIP at the end of the day before it starts.
    wip = wip_by_team(scope, since=since - timedelta(days=1))
    findings = []
    checked = 0
    for team in sorted(started):
        series = wip.get(team)
        # Arrivals and departures of the days the data covers: an unknown day is no day of 0.
        arrived, departed = known(started[team]), known(finished[team])
        if not series or len(series) < 2 or not departed:
            continue
        checked += 1
        before, after = half_means(series[1:])
        grown = growth(before, after)
        arrivals, departures = sum(arrived), sum(departed)
        half = len(departed) // 2
        first_half, second_half = sum(departed[:half]), sum(departed[len(departed) - half :])
        net_p = rate_higher_p_value(arrivals, 1, departures, 1)
        throughput_p = rate_higher_p_value(second_half, 1, first_half, 1)
        wip_slope = slope(series)
        if (
            wip_slope <= 0
            or before < settings.min_baseline_items
            or grown is None
            or grown < settings.growth_share
            or net_p > settings.significance
            or throughput_p <= settings.significance
        ):
            continue
        severity = "high" if grown >= HIGH_GROWTH else "medium"
        evidence: dict[str, Any] = {
            "weeks": weeks,
            "since": since.isoformat(),
            "wip_start": series[0],
            "wip_end": series[-1],
            "wip_mean_first_half": rounded(before),
            "wip_mean_second_half": rounded(after),
            "wip_growth_share": rounded(grown),
            "wip_slope_per_week": rounded(wip_slope * 7),
            "arrivals": arrivals,
            "departures": departures,
            "net_flow": arrivals - departures,
            "net_flow_p_value": significant(net_p),
            "throughput_first_half": first_half,
            "throughput_second_half": second_half,
            "throughput_growth_p_value": significant(throughput_p),
            "littles_law": littles_law_evidence(scope, team, since=since),
            "items": piled_up(scope, team, since=since),
        }
        findings.append(
            Finding(
                rule=RULE,
                severity=severity,
                subject=f"team:{team}",
                title=(
                    f"{team}: WIP grew {grown:.0%} in {weeks} weeks ({series[0]} → {series[-1]}) while throughput "
                    f"stayed flat ({arrivals} started, {departures} finished)"
                ),
                evidence=evidence,
                suggested_action=(
                    f"Stop starting and start finishing in {team}: cap its WIP near today's throughput × target "
                    "cycle time and pull new work only as items finish."
                ),
                team=team,
                impact_item_days=rounded(excess_item_days(series)),
            )
        )
    return RuleRun(findings, _check(checked, len(findings), scope, since=since, unmapped=unmapped))


def _check(teams: int, found: int, scope: Scope, *, since: date, unmapped: str | None = None) -> Check:
    """What the rule checked: the daily WIP of `teams` teams over the window from `since`; `unmapped`:
    why some teams' throughput is unknown (`daily_by_team`)."""
    settings = scope.settings
    window = f"the {settings.insight_weeks} weeks from {since.isoformat()}"
    if teams == 0:
        if unmapped:
            text = f"no team has a daily WIP and a known throughput over {window}; left out: {unmapped}"
            return Check(RULE, text, supported=False)
        return Check(RULE, f"no team has a daily WIP over {window}", supported=False)
    outcome = (
        f"{found} growing"
        if found
        else f"none grew {settings.growth_share:.0%} or more with more started than finished "
        f"(p <= {settings.significance:g}) and flat throughput"
    )
    left_out = f"; left out: {unmapped}" if unmapped else ""
    return Check(RULE, f"the daily WIP of {teams} team{'s' if teams != 1 else ''} over {window}; {outcome}{left_out}")
