"""DORA figures for people: a summary row of `DeliveryService` as a row of formatted figures with their sample,
DORA band and small-sample flag, and links to the team's and service's delivery pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from orgflow.delivery.presentation import NO_OWNER_TEXT
from orgflow.flow.service import MetricResult
from orgflow.views.context import Context


@dataclass(frozen=True)
class Figure:
    """One DORA figure of a row: its value, text, sample size, DORA band (a label) and small-sample flag."""

    key: str
    label: str
    value: float | None
    text: str
    sample: str
    band: str | None = None
    small_sample: bool = False


@dataclass(frozen=True)
class DoraRow:
    """A service, team or group with its DORA figures (`row`: the summary row as the service gave it).
    The row of deployments no team owns has key None (as the summary's team) and no page."""

    key: str | None
    name: str
    href: str | None
    row: dict[str, Any]
    figures: list[Figure]

    @property
    def small_sample(self) -> bool:
        return bool(self.row.get("small_sample"))


def hours_text(hours: float | None) -> str:
    """Hours for people: "5.2 h" under two days, "4.1 d" from two days on; "–" when unknown."""
    if hours is None:
        return "–"
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} d"


def days_text(hours: float | None) -> str:
    """Hours as days, the one unit of every duration column: "0.04 d", "1.7 d", "12.0 d"; "–" when unknown."""
    if hours is None:
        return "–"
    days = hours / 24
    return f"{days:.2f} d" if days < 1 else f"{days:.1f} d"


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def _number(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def dora_figures(row: dict[str, Any], *, small: int, graded: bool = True) -> list[Figure]:
    """The five metrics of a summary row (`small`: the small-sample threshold). A figure gets its DORA
    band only when `graded` (not a retired team) and its sample is not empty."""
    deployments, changes, failed = row["deployments"], row["changes"], row["failed_deployments"]
    if deployments is None:  # no deployment source covers the row, or the window is outside the data
        return _uncovered_figures(row)
    few_deployments, few_changes = deployments < small, changes < small
    if failed is None:  # no failure evidence for the row's services: how many failed is unknown
        failures = f"– of {deployments}: no failure evidence"
    else:
        failures = (
            f"{failed} of {deployments}: {row['failures_explicit']} explicit, {row['failures_inferred']} inferred"
        )
    recovered = row["recovered"]
    recoveries = "–" if recovered is None else f"{recovered} recovered, {row['unrecovered']} not yet"
    kinds = (
        "kinds not recorded"
        if row["hotfixes"] is None
        else (f"{row['hotfixes']} hotfixes ({row['rollbacks']} rollbacks apart)")
    )
    incidents = _incident_links(row)
    # key, label, text, sample, band column, small sample
    table: list[tuple[str, str, str, str, str | None, bool]] = [
        ("deploys_per_week", "Deploys / week", _number(row["deploys_per_week"]), f"{deployments} deployments",
         "deploy_frequency_band", few_deployments),
        ("deploy_days_per_week_median", "Deploy days / week", _number(row["deploy_days_per_week_median"], 1),
         "median of whole weeks", None, False),
        ("lead_time_p50_hours", "Lead time p50", days_text(row["lead_time_p50_hours"]), f"{changes} changes",
         "lead_time_band", few_changes),
        ("lead_time_p85_hours", "Lead time p85", days_text(row["lead_time_p85_hours"]), f"{changes} changes",
         None, few_changes),
        ("change_fail_rate", "Change fail rate", _rate(row["change_fail_rate"]), failures,
         "change_fail_band", few_deployments),
        ("recovery_p50_hours", "Recovery p50", days_text(row["recovery_p50_hours"]),
         recoveries, "recovery_band", recovered is not None and recovered < small),
        ("rework_rate", "Rework rate", _rate(row["rework_rate"]), kinds, None, few_deployments),
        ("incidents", "Incidents", _count(row["incidents"]), incidents, None, False),
    ]  # fmt: skip
    samples = {
        "deploy_frequency_band": deployments,
        "lead_time_band": changes,
        "change_fail_band": deployments,
        "recovery_band": row["recovered"],
    }
    return [
        Figure(
            key,
            label,
            row[key],
            text,
            sample,
            row.get(band) if band and graded and row[key] is not None and samples.get(band) else None,
            few,
        )
        for key, label, text, sample, band, few in table
    ]


def team_href(context: Context, team: str) -> str:
    """A team's delivery page with the page's window."""
    return context.filters.href(f"/delivery/teams/{quote(team, safe='')}", team=None, group=None)


def service_href(context: Context, service: str) -> str:
    """A service's delivery page with the page's window."""
    return context.filters.href(f"/delivery/services/{quote(service, safe='')}", team=None, group=None)


def _retired(context: Context, team: str) -> bool:
    """Whether the team had ended by the window's end: its figures stand, but it gets no grade."""
    group = context.tree.groups.get(team)
    if group is None or group.valid_to is None:
        return False
    return context.filters.until is None or group.valid_to <= context.filters.until


def dora_rows(context: Context, result: MetricResult, *, key: str) -> list[DoraRow]:
    """Rows of a summary for people (teams and services link to their pages)."""
    small = context.hub.workspace.config.thresholds.small_sample
    rows = []
    for row in result.rows():
        if row[key] is None:  # the deployments no team owns: no team's page
            rows.append(DoraRow(None, NO_OWNER_TEXT, None, row, dora_figures(row, small=small)))
            continue
        name = row.get("name") or row[key]
        href = {"team": team_href, "service": service_href}.get(key)
        figures = dora_figures(row, small=small, graded=not (key == "team" and _retired(context, row[key])))
        rows.append(DoraRow(row[key], name, href(context, row[key]) if href else None, row, figures))
    return rows


def _uncovered_figures(row: dict[str, Any]) -> list[Figure]:
    """The figures of a row no deployment source covers: every deployment figure unknown, ungraded."""
    outside = "the window lies" in (row["unknown_reasons"] or "")
    missing = "the window is outside the data" if outside else "no deployments loaded"
    incidents = _incident_links(row)
    labels = {
        "deploys_per_week": "Deploys / week",
        "deploy_days_per_week_median": "Deploy days / week",
        "lead_time_p50_hours": "Lead time p50",
        "lead_time_p85_hours": "Lead time p85",
        "change_fail_rate": "Change fail rate",
        "recovery_p50_hours": "Recovery p50",
        "rework_rate": "Rework rate",
    }
    unknown = [Figure(key, label, None, "–", missing, None, False) for key, label in labels.items()]
    return [
        *unknown,
        Figure("incidents", "Incidents", row["incidents"], _count(row["incidents"]), incidents, None, False),
    ]


def _count(value: int | None) -> str:
    return "–" if value is None else str(value)


def _incident_links(row: dict[str, Any]) -> str:
    """The incidents' links ("1 explicit · 0 inferred · 2 unlinked"); "–" when the count is unknown."""
    if row["incidents"] is None:
        return "–"
    return (
        f"{row['incidents_explicit']} explicit · {row['incidents_inferred']} inferred · "
        f"{row['incidents_unlinked']} unlinked"
    )
