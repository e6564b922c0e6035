"""How findings rank: a severity order, then the item-days at stake, so the few that matter come first.

Each rule states its **impact** in item-days (`Finding.impact_item_days`), one figure per finding:

- ``aging.past-sle``: the sum over the team's items past their SLE of (age − SLE), in days. Ten items
  three days late weigh as much as one item thirty days late.
- ``load.wip-growing``: the extra WIP items × days: the sum over the window's days of the WIP at the
  end of the day above the WIP at the end of the day before the window (days below count 0).
- ``stages.queue-growing``: the items × days waiting in the extra queue, as for WIP: the sum over the
  window's days of the queue above its level the day before the window.
- ``throughput.drop``: the items × days of work the old pace would have finished: the sum over the
  recent days of how far the items finished so far (in the recent weeks) trail the baseline's daily
  rate × the days so far (days ahead of the pace count 0).
- ``plans.probability-fell``: none (a date is at stake, not a count of item-days).

Findings are ordered by severity (high first), then by impact (largest first; a finding without an
impact after those of its severity that have one), then by rule (`RULES`), then by subject.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from orgflow.insights.finding import SEVERITY_ORDER

if TYPE_CHECKING:
    from orgflow.insights.finding import Finding

TOP_FINDINGS = 5
"""How many findings a panel shows before its "and K more" link to the insights page."""


def excess_item_days(series: Sequence[float]) -> float:
    """Sum of each later value above the first (`series[0]`, the level before the window); never below 0."""
    if not series:
        return 0.0
    baseline = series[0]
    return float(sum(max(0.0, value - baseline) for value in series[1:]))


def shortfall_item_days(daily_finished: Iterable[int], *, baseline_per_day: float) -> float:
    """Sum over the days of max(0, baseline_per_day × days so far − items finished so far)."""
    total = gap = 0.0
    done = 0
    for day, finished in enumerate(daily_finished, start=1):
        done += finished
        gap = baseline_per_day * day - done
        total += max(0.0, gap)
    return total


def rank_key(finding: Finding, rules: Sequence[str]) -> tuple[int, int, float, int, str]:
    """The sort key of a finding: severity, has an impact, impact (largest first), rule, subject."""
    impact = finding.impact_item_days
    return (
        SEVERITY_ORDER[finding.severity],
        0 if impact is not None else 1,
        -(impact or 0.0),
        rules.index(finding.rule) if finding.rule in rules else len(rules),
        finding.subject,
    )


def ranked(findings: Iterable[Finding], rules: Sequence[str]) -> list[Finding]:
    """`findings` in rank order (see the module docstring)."""
    return sorted(findings, key=lambda finding: rank_key(finding, rules))
