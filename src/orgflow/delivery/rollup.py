"""One row of the DORA summary: its five metrics and their counts, bands, and why a figure is unknown.

Unknown is not zero: a figure the loaded data cannot support is None, never 0, with a reason (no
incidents imported, no deployment kinds recorded, no sample). A band is given only to a known figure
whose sample reaches ``thresholds.small_sample``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from orgflow.delivery import dora
from orgflow.delivery.columns import BAND_COLUMNS
from orgflow.query.window import Window

NO_INCIDENTS = "no incidents imported"
NO_FAILURE_EVIDENCE = "no failure evidence: no incident names or links to the service and no rollback or hotfix"
"""Why a service's change fail rate and recovery are unknown though incidents are loaded: none of them is
about it, so its deployments' failures were not recorded anywhere the summary can read."""
NO_KINDS = "no deployment kinds recorded (its deployment sources mark no hotfix or rollback)"
NO_DEPLOYMENTS = "no deployments in the window"
NO_CHANGES = "no deployed commit with a lead time in the window"
NO_RECOVERIES = "no recovered failed deployment in the window"
NOT_COVERED = "no deployments loaded for this service"
"""Why a row's deployment figures are unknown when no loaded deployment source covers it (it is known
only from incidents): its deployments are missing, not zero."""

DEPLOYMENT_FIGURES = (
    "deployments", "deploys_per_day", "deploys_per_week", "deploy_days_per_week_median", "changes",
    "lead_time_p50_hours", "lead_time_p85_hours", "negative_lead_times", "failed_deployments",
    "change_fail_rate", "failures_explicit", "failures_inferred", "recovered", "unrecovered",
    "recovery_p50_hours", "recovery_p85_hours", "hotfixes", "rollbacks", "rework_rate", "unknown_revisions",
    "first_recorded_deployments",
)  # fmt: skip
"""The summary figures read from a row's deployments: all unknown (None) for a row no source covers."""
_NOT_COVERED_NAMED = (
    "deployments", "deploys_per_week", "deploy_days_per_week_median", "changes", "lead_time_p50_hours",
    "lead_time_p85_hours", "change_fail_rate", "recovery_p50_hours", "recovery_p85_hours", "rework_rate",
)  # fmt: skip
"""The headline figures an uncovered row's reason names (the counts beside them are None as well)."""
FAILURE_FIGURES = (
    "failed_deployments", "change_fail_rate", "failures_explicit", "failures_inferred", "recovered",
    "unrecovered", "recovery_p50_hours", "recovery_p85_hours",
)  # fmt: skip
"""The figures read from failures: unknown (None) without failure evidence for every service of the row."""
_FAILURE_NAMED = ("change_fail_rate", "recovery_p50_hours", "recovery_p85_hours")
"""The failure figures a reason names (the counts beside them are None as well)."""
KIND_COUNTS = ("hotfixes", "rollbacks")
"""Counts of deployment kinds: unknown (None) with the rework rate when no source of the row marks kinds."""
INCIDENT_COUNTS = ("incidents", "incidents_explicit", "incidents_inferred", "incidents_unlinked")
OUTSIDE_DATA_FIGURES = (*DEPLOYMENT_FIGURES, *INCIDENT_COUNTS)
"""The figures of a window wholly after the data's last event: all unknown (before a row's first
deployment, its deployment figures are; its incidents were recorded)."""

# Each band, the figure it labels, and the summary count that is its sample.
BANDS = (
    ("deploy_frequency_band", "deploys_per_week", "deployments", dora.band_deploy_frequency),
    ("lead_time_band", "lead_time_p50_hours", "lead_times", dora.band_lead_time),
    ("change_fail_band", "change_fail_rate", "deployments", dora.band_change_fail),
    ("recovery_band", "recovery_p50_hours", "recovered", dora.band_recovery),
)
_SAMPLE_NOUNS = {"deployments": "deployments", "lead_times": "lead times", "recovered": "recovered failures"}


@dataclass(frozen=True)
class Evidence:
    """What the loaded data can support: whether any incident is loaded, the deployment sources that
    mark hotfixes or rollbacks (a source that never marks a deployment's kind, such as release tags,
    cannot tell a hotfix from a planned release: its deployments support no rework rate), and the
    services with failure evidence.

    A service has failure evidence when some loaded incident names it (or links to one of its
    deployments or commits), or when one of its deployments is a rollback or a hotfix (which marks the
    deployment before it failed). Only then are its change fail rate, failed deployments and recovery
    known: without it, a deployment that broke production looks like one that did not, whatever other
    services' incidents say."""

    incidents_loaded: bool
    kind_sources: frozenset[str]
    failure_services: frozenset[str] = frozenset()

    @classmethod
    def of(cls, facts: dora.DeliveryFacts) -> Evidence:
        remediations = [
            outcome.deployment
            for outcome in facts.outcomes.values()
            if outcome.deployment.kind in dora.REMEDIATION_KINDS
        ]
        named = {a.incident.service for a in facts.attributions if a.incident.service}
        linked = {facts.outcomes[a.deployment_id].deployment.service for a in facts.attributions if a.deployment_id}
        failing = frozenset({*named, *linked, *(deployment.service for deployment in remediations)})
        return cls(bool(facts.attributions), frozenset(d.source for d in remediations), failing)

    def without_failure_evidence(self, services: set[str]) -> list[str]:
        """The services of `services` with no failure evidence, sorted."""
        return sorted(service for service in services if service not in self.failure_services)


def row_figures(
    outcomes: list[dora.Outcome],
    incidents: list[dora.Attribution],
    window: Window,
    *,
    lead_hours: Callable[[dora.Outcome], list[tuple[int, float]]],
    evidence: Evidence,
    covered: bool = True,
    unevidenced: list[str] | None = None,
    outside: str | None = None,
    outside_incidents: bool = True,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The five metrics and their counts over one row's deployments and incidents, and a reason for
    each figure left unknown (None): a figure the data cannot support is never 0. `lead_hours` gives
    each deployment's (commit, lead time in hours). `covered`: some loaded deployment source records
    the row's service(s), at any time; when not (a service known only from incidents), every figure
    read from deployments (`DEPLOYMENT_FIGURES`) is None with `NOT_COVERED`, while a covered row
    without a deployment in the window counts 0 deployments. `unevidenced`: the row's services with no
    failure evidence (`Evidence`); when any, the failure figures (`FAILURE_FIGURES`) are None. `outside`:
    the reason the window lies wholly before the data's first event or after its last, when it does;
    then every figure read from deployments (and from incidents, when `outside_incidents`:
    `OUTSIDE_DATA_FIGURES`) is None with it."""
    figures: dict[str, Any] = dict(
        dora.frequency([o.deployment.finished_at for o in outcomes], since=window.since, until=window.until)
    )
    figures.pop("weeks")
    leads = [lead for outcome in outcomes for _commit, lead in lead_hours(outcome)]
    valid = [lead for lead in leads if lead >= 0]
    failed = [o for o in outcomes if o.failed]
    recoveries = [o.recovery_hours for o in failed if o.recovery_hours is not None]
    count = len(outcomes)
    links = Counter(a.link for a in incidents)
    hotfixes = sum(1 for o in outcomes if o.deployment.kind == "hotfix")
    figures.update(
        changes=len(leads),
        lead_time_p50_hours=dora.percentile(valid, 50),
        lead_time_p85_hours=dora.percentile(valid, 85),
        negative_lead_times=len(leads) - len(valid),
        failed_deployments=len(failed),
        change_fail_rate=len(failed) / count if count else None,
        failures_explicit=sum(1 for o in failed if o.failure_link == dora.LINK_EXPLICIT),
        failures_inferred=sum(1 for o in failed if o.failure_link == dora.LINK_INFERRED),
        recovered=len(recoveries),
        unrecovered=len(failed) - len(recoveries),
        recovery_p50_hours=dora.percentile(recoveries, 50),
        recovery_p85_hours=dora.percentile(recoveries, 85),
        hotfixes=hotfixes,
        rollbacks=sum(1 for o in outcomes if o.deployment.kind == "rollback"),
        rework_rate=hotfixes / count if count else None,
        incidents=len(incidents),
        incidents_explicit=links[dora.LINK_EXPLICIT],
        incidents_inferred=links[dora.LINK_INFERRED],
        incidents_unlinked=links[dora.LINK_UNLINKED],
        unknown_revisions=sum(1 for o in outcomes if not o.revision_known),
        first_recorded_deployments=sum(1 for o in outcomes if o.first_recorded),
    )
    reasons: dict[str, str] = {}
    if not valid:
        reasons |= dict.fromkeys(("lead_time_p50_hours", "lead_time_p85_hours"), NO_CHANGES)
    if not count:
        reasons |= dict.fromkeys(("change_fail_rate", "rework_rate"), NO_DEPLOYMENTS)
    recovery = ("recovery_p50_hours", "recovery_p85_hours")
    if not evidence.incidents_loaded:
        # Without incidents a deployment that broke production looks like one that did not, and a count
        # of the row's incidents would be a count of what was never loaded.
        figures.update(dict.fromkeys(FAILURE_FIGURES) if count else dict.fromkeys(_FAILURE_NAMED))
        figures.update(dict.fromkeys(INCIDENT_COUNTS))
        reasons |= dict.fromkeys(("change_fail_rate", *recovery, "incidents"), NO_INCIDENTS)
    elif unevidenced and count:
        figures.update(dict.fromkeys(FAILURE_FIGURES))
        reasons |= dict.fromkeys(_FAILURE_NAMED, _unevidenced_reason(unevidenced))
    elif not recoveries:
        reasons |= dict.fromkeys(recovery, NO_RECOVERIES)
    if count and not any(o.deployment.source in evidence.kind_sources for o in outcomes):
        # A count of hotfixes from sources that never mark one is not a measurement either.
        figures.update(dict.fromkeys(KIND_COUNTS, None), rework_rate=None)
        reasons["rework_rate"] = NO_KINDS
    if not covered:
        figures.update(dict.fromkeys(DEPLOYMENT_FIGURES))
        reasons = dict.fromkeys(_NOT_COVERED_NAMED, NOT_COVERED) | _without(reasons, _NOT_COVERED_NAMED)
    if outside is not None:
        figures.update(dict.fromkeys(OUTSIDE_DATA_FIGURES if outside_incidents else DEPLOYMENT_FIGURES))
        reasons = dict.fromkeys((*_NOT_COVERED_NAMED, *(["incidents"] if outside_incidents else [])), outside)
    return figures, reasons


def _without(reasons: dict[str, str], names: tuple[str, ...]) -> dict[str, str]:
    return {name: reason for name, reason in reasons.items() if name not in names}


def _unevidenced_reason(services: list[str]) -> str:
    """Why a row's failure figures are unknown: the services of the row (all or some) that no loaded
    incident is about and that had no rollback or hotfix."""
    return f"{NO_FAILURE_EVIDENCE} ({', '.join(services)})"


def add_bands(row: dict[str, Any], reasons: dict[str, str], *, small: int) -> None:
    """Label `row`'s figures with DORA's bands, in place; a band is None (with its reason in
    `reasons`) when its figure is unknown or its sample is under `small`."""
    changes, negative = row["changes"], row["negative_lead_times"]
    samples = {**row, "lead_times": None if changes is None else changes - negative}
    for band, figure, sample, label in BANDS:
        row[band] = None
        if row[figure] is None:
            reasons[band] = f"{figure} unknown"
        elif samples[sample] < small:
            noun = _SAMPLE_NOUNS[sample]
            reasons[band] = f"{samples[sample]} {noun}, under the minimum sample of {small}"
        else:
            row[band] = label(row[figure])


def reason_text(reasons: dict[str, str]) -> str | None:
    """Unknown figures grouped by reason: "a, b: reason; c: other reason" (None when all are known)."""
    if not reasons:
        return None
    grouped: dict[str, list[str]] = {}
    for figure, reason in reasons.items():
        grouped.setdefault(reason, []).append(figure)
    return "; ".join(f"{', '.join(figures)}: {reason}" for reason, figures in grouped.items())


def unknown_notes(
    rows: list[dict[str, Any]],
    *,
    evidence: Evidence,
    bands: bool,
    small: int,
    unevidenced: Sequence[str] = (),
) -> list[str]:
    """Notes on the summary's unknown figures that say how to fill them in (each row's own reasons are
    in its `unknown_reasons`); `unevidenced`: the deployed services of the rows without failure evidence."""
    notes = []
    if rows and not evidence.incidents_loaded:
        notes.append(
            "change_fail_rate and recovery are unknown (–), not 0: no incidents imported (`orgflow import incidents`)"
        )
    elif unevidenced:
        one = len(unevidenced) == 1
        notes.append(
            f"change_fail_rate, failed deployments and recovery are unknown (–), not 0, for "
            f"{', '.join(unevidenced)}: no loaded incident names or links to {'it' if one else 'them'} and "
            f"{'it has' if one else 'they have'} no rollback or hotfix (import {'its' if one else 'their'} incidents)"
        )
    if bands and any(row[band] is None for row in rows for band in BAND_COLUMNS):
        notes.append(f"a band needs a known figure and a sample of at least {small} (thresholds.small_sample)")
    return notes
