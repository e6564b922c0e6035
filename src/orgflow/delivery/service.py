"""`DeliveryService`: DORA's five metrics bound to one workspace's deployments, incidents and commits.

It cuts windows, filters and roll-ups from the analysed history (`orgflow.delivery.scope`). Every
figure comes back as a `MetricResult` with its definition, parameters and sample sizes. Rolling up:
a service's owner is the group of the component named like it (`orgflow.delivery.ownership`), else
"unowned"; ``by="group"`` counts a service in its owner and in every ancestor group.

Unknown is not zero: a figure the loaded data cannot support is None, never 0, and the summary's
``unknown_reasons`` column says why (`orgflow.delivery.rollup`). Without ``until`` or an explicit
``now``, the window ends at the data's end (the latest deployment, commit or incident loaded), not
today, so a history that stopped does not gain empty weeks.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

import pyarrow as pa

from orgflow.delivery import dora, listings
from orgflow.delivery.columns import (
    BAND_COLUMNS,
    BEFORE_FIRST_COLUMNS,
    DEFINITIONS,
    DEPLOYMENT_COLUMNS,
    INCIDENT_COLUMNS,
    LEAD_TIME_COLUMNS,
    QUALITY_COLUMNS,
    SUMMARY_FIGURES,
    result_schema,
)
from orgflow.delivery.ownership import UNOWNED
from orgflow.delivery.presentation import NO_OWNER_TEXT
from orgflow.delivery.rollup import NO_INCIDENTS, NO_KINDS, add_bands, reason_text, row_figures, unknown_notes
from orgflow.delivery.scope import WINDOW_END_DATA, DeliveryScope, day_of, default_window_end
from orgflow.errors import InputError
from orgflow.flow.service import MetricResult
from orgflow.query.window import Window
from orgflow.registry import Computes

__all__ = ["BY", "COMMIT_TIMES", "NO_INCIDENTS", "NO_KINDS", "UNOWNED", "DeliveryService", "default_window_end"]

COMMIT_TIMES = ("committed", "authored")
NO_OWNER = f"shown as {NO_OWNER_TEXT}"
"""How tables and pages show the row (or deployment) of a service no team owns; its team is None."""
BY = ("service", "team", "group")


class DeliveryService(DeliveryScope, Computes):
    """DORA metrics of one workspace as of the context's `now` (default: the current UTC time).

    ``compute(name, **options)`` computes a delivery figure by its declared name
    (`orgflow.delivery.figures`): the commands and routes call it; the methods below are the figures.

    The default window ends at the start of `now`'s day when `now` is given, else at the end of the
    data's last day (`data_as_of`), if that is earlier than today.
    """

    domain = "delivery"

    # -- results ---------------------------------------------------------------------------------
    def summary(
        self,
        *,
        by: str = "service",
        since: date | None = None,
        until: date | None = None,
        service: str | None = None,
        team: str | None = None,
        group: str | None = None,
        commit_time: str = "committed",
        bands: bool = False,
    ) -> MetricResult:
        """One row per service, owner team or group with DORA's five metrics and their sample sizes."""
        if by not in BY:
            raise InputError(f"cannot group by {by!r} (use {', '.join(BY)})", field="by")
        _check_commit_time(commit_time)
        self._check_cut(service, team, group)
        window = self.window(since=since, until=until)
        cut = {"service": service, "team": team, "group": group}
        owners = self.owners
        outcomes_by_key: dict[str, list[dora.Outcome]] = {}
        first_by_key: dict[str, datetime] = {}
        for outcome in self.facts().outcomes.values():
            on = outcome.deployment.finished_at.date()
            if owners.selected(outcome.deployment.service, only=service, team=team, group=group, on=on):
                for key in owners.keys(outcome.deployment.service, by, on):
                    outcomes_by_key.setdefault(key, [])
                    finished = outcome.deployment.finished_at
                    first_by_key[key] = min(first_by_key.get(key, finished), finished)
        for outcome in self._in_window(window, **cut):
            for key in owners.keys(outcome.deployment.service, by, outcome.deployment.finished_at.date()):
                outcomes_by_key[key].append(outcome)
        incidents_by_key: dict[str, list[dora.Attribution]] = {}
        for attribution in self._incidents_in(window, **cut):
            owner_service = self._service_of(attribution)
            if owner_service is not None:
                for key in owners.keys(owner_service, by, day_of(attribution.incident.started_at)):
                    incidents_by_key.setdefault(key, []).append(attribution)
        before_first: Counter[str] = Counter()
        for name, commits in self.facts().walk.before_first.items():
            if owners.selected(name, only=service, team=team, group=group):
                for key in owners.keys(name, by):
                    before_first[key] += len(commits)
        small = self.context.config.thresholds.small_sample
        evidence = self.evidence()
        after = self.outside_data(window, None)
        unevidenced: set[str] = set()
        rows = []
        # Deployments no team owns are one row, last, whose team (or group) is None: not a team's id.
        for key in sorted(set(outcomes_by_key) | set(incidents_by_key), key=lambda key: (key == UNOWNED, key)):
            row: dict[str, Any] = {by: key}
            if by != "service":
                row.update({by: None, "name": None} if key == UNOWNED else {"name": owners.name(key)})
            # The services the row's deployments in the window are of: each needs failure evidence.
            deployed = {outcome.deployment.service for outcome in outcomes_by_key.get(key, [])}
            without = evidence.without_failure_evidence(deployed)
            figures, reasons = row_figures(
                outcomes_by_key.get(key, []),
                incidents_by_key.get(key, []),
                window,
                lead_hours=lambda outcome: self._lead_hours(outcome, commit_time),
                evidence=evidence,
                covered=key in outcomes_by_key,
                unevidenced=without,
                outside=after or self.outside_data(window, first_by_key.get(key)),
                outside_incidents=after is not None,
            )
            if figures["deployments"]:
                unevidenced.update(without)
            row.update(figures)
            covered = row["deployments"] is not None
            row["commits_before_first_deployment"] = before_first[key] if covered else None
            row["small_sample"] = row["deployments"] < small if row["deployments"] is not None else None
            if bands:
                add_bands(row, reasons, small=small)
            row["unknown_reasons"] = reason_text(reasons)
            rows.append(row)
        before = [row[by] or NO_OWNER_TEXT for row in rows if _before_data(row["unknown_reasons"])]
        notes = (
            []
            if after
            else unknown_notes(rows, evidence=evidence, bands=bands, small=small, unevidenced=sorted(unevidenced))
        )
        notes.extend(self._window_notes(since=since, until=until, outside=after))
        if before:
            notes.append(
                f"the window lies before the first recorded deployment of {', '.join(before)}: "
                "their figures are unknown, not 0"
            )
        if by != "service":
            notes.extend(self._no_owner_note(window, cut))
        unlinked_without_service = sum(
            1 for a in self._incidents_in(window, **cut) if a.link == dora.LINK_UNLINKED and self._service_of(a) is None
        )
        if unlinked_without_service:
            notes.append(
                f"{unlinked_without_service} incident(s) in the window have no service and no link: "
                "they are in no row (see `incidents`)"
            )
        params = {
            **_cut_params(cut),
            "by": by,
            "commit_time": commit_time,
            "bands": bands,
            **self._window_params(since=since, until=until),
        }
        if after is not None:
            params["outside_data"] = after
        notes.extend(self._unstarted_note(params, cut))
        columns = [
            by,
            *(["name"] if by != "service" else []),
            *SUMMARY_FIGURES,
            *(BAND_COLUMNS if bands else []),
            "unknown_reasons",
        ]
        return self._result("dora-summary", rows, params, window, notes=notes, columns=columns)

    def outside_data(self, window: Window, first: datetime | None) -> str | None:
        """Why `window` says nothing, when it lies wholly after the data's last event (it starts after
        the day of `data_as_of`) or wholly before its first: it ends at or before `first`, the first
        recorded deployment of the services it is about (None: not checked), before which no deployment
        source recorded anything. The reasons are `orgflow.flow.after_data`'s; None when the window
        overlaps the data (or nothing is loaded)."""
        from orgflow.flow.after_data import after_data_reason, before_data_reason

        as_of = self.data_as_of()
        if as_of is not None and window.since.date() > as_of.date():
            return after_data_reason(as_of.isoformat())
        if first is not None and window.until <= first:
            return before_data_reason(first.isoformat())
        return None

    def first_deployment(self, **cut: str | None) -> datetime | None:
        """The first counted deployment of the cut's services (naive UTC); None when there is none."""
        everything = Window(since=datetime.min, until=datetime.max)
        finished = [outcome.deployment.finished_at for outcome in self._in_window(everything, **cut)]
        return min(finished, default=None)

    def _no_owner_note(self, window: Window, cut: dict[str, str | None]) -> list[str]:
        """How many deployments in the window no team owns (their row's team is None)."""
        services = [
            outcome.deployment.service
            for outcome in self._in_window(window, **cut)
            if self.owner(outcome.deployment.service, outcome.deployment.finished_at.date()) == UNOWNED
        ]
        if not services:
            return []
        count, named = len(services), sorted(set(services))
        return [
            f"{count} deployment{'' if count == 1 else 's'} of {', '.join(named)} "
            f"{'has' if count == 1 else 'have'} no owning team (no component names the service with an owner): "
            f"their row's team is empty, {NO_OWNER}"
        ]

    def deployments(
        self,
        *,
        since: date | None = None,
        until: date | None = None,
        service: str | None = None,
        team: str | None = None,
        group: str | None = None,
    ) -> MetricResult:
        """One row per counted deployment in the window: new commits, failure, link kind, recovery."""
        self._check_cut(service, team, group)
        window = self.window(since=since, until=until)
        cut = {"service": service, "team": team, "group": group}
        rows = listings.deployment_rows(self._in_window(window, **cut), self.facts().walk, owner=self._owning_team)
        params = {**_cut_params(cut), **self._window_params(since=since, until=until)}
        notes = self._outside_notes(window, params)
        return self._result("deployments", rows, params, window, notes=notes, columns=DEPLOYMENT_COLUMNS)

    def lead_time(
        self,
        *,
        since: date | None = None,
        until: date | None = None,
        service: str | None = None,
        team: str | None = None,
        group: str | None = None,
        commit_time: str = "committed",
    ) -> MetricResult:
        """One row per commit first brought to production by a deployment in the window."""
        _check_commit_time(commit_time)
        self._check_cut(service, team, group)
        window = self.window(since=since, until=until)
        cut = {"service": service, "team": team, "group": group}
        rows = listings.lead_time_rows(
            self._in_window(window, **cut),
            self.facts().graph,
            commit_time=commit_time,
            lead_hours=lambda outcome: self._lead_hours(outcome, commit_time),
        )
        params = {**_cut_params(cut), "commit_time": commit_time, **self._window_params(since=since, until=until)}
        notes = self._outside_notes(window, params)
        return self._result("change-lead-time", rows, params, window, notes=notes, columns=LEAD_TIME_COLUMNS)

    def incidents(
        self,
        *,
        since: date | None = None,
        until: date | None = None,
        service: str | None = None,
        team: str | None = None,
        group: str | None = None,
    ) -> MetricResult:
        """One row per incident in the window with its attribution: explicit, inferred or unlinked."""
        self._check_cut(service, team, group)
        window = self.window(since=since, until=until)
        cut = {"service": service, "team": team, "group": group}
        rows = listings.incident_rows(self._incidents_in(window, **cut))
        params = {**_cut_params(cut), **self._window_params(since=since, until=until)}
        # Incidents are recorded before any deployment too: only a window after the data is outside it.
        notes = [*self._outside_notes(window, params, before=False), *self._unstarted_note(params, cut)]
        return self._result("incidents", rows, params, window, notes=notes, columns=INCIDENT_COLUMNS)

    def before_first_deployment(self, *, service: str | None = None) -> MetricResult:
        """Commits in production by each service's first recorded deployment (their arrival is unknown)."""
        self._check_cut(service, None, None)
        rows = listings.before_first_rows(self.facts(), service=service)
        params = _cut_params({"service": service})
        return self._result("before-first-deployment", rows, params, None, columns=BEFORE_FIRST_COLUMNS)

    def quality(self) -> MetricResult:
        """Delivery data-quality warnings (columns: warning, count, example); empty when all is well."""
        from orgflow.query.values_table import values_table

        rows = listings.quality_rows(self.facts())
        # Through DuckDB: pyarrow would load pandas (about 0.3 s) to convert the Python values.
        table = values_table(self.context.connection, rows, result_schema(QUALITY_COLUMNS))
        return self._result("delivery-quality", table, {}, None, columns=QUALITY_COLUMNS)

    # -- helpers ---------------------------------------------------------------------------------
    def _unstarted_note(self, params: dict[str, Any], cut: dict[str, str | None]) -> list[str]:
        """The note on the cut's incidents with no start time, which no window holds (so no count and no
        recovery time), also set in `params` (``incidents_without_start`` and its reason) for JSON; []
        when every incident has a start time."""
        count = self._unstarted(**cut)
        if not count:
            return []
        one = count == 1
        note = (
            f"{count} incident{'' if one else 's'} {'has' if one else 'have'} no start time: "
            f"{'it' if one else 'they'} started in no known window, so no window's counts include "
            f"{'it' if one else 'them'}"
        )
        params["incidents_without_start"] = count
        params["incidents_without_start_reason"] = note
        return [note]

    def _owning_team(self, service: str, on: date) -> str | None:
        """The group owning `service` on day `on`; None when no team owns it."""
        owner = self.owner(service, on)
        return None if owner == UNOWNED else owner

    def _outside_notes(self, window: Window, params: dict[str, Any], *, before: bool = True) -> list[str]:
        """The note on a window wholly outside the data (`outside_data`; before the cut's first deployment
        only when `before`), also set in `params` (``outside_data``) for JSON; [] when the window overlaps
        the data."""
        cut = {key: params.get(key) for key in ("service", "team", "group")}
        outside = self.outside_data(window, self.first_deployment(**cut) if before else None)
        if outside is None:
            return []
        params["outside_data"] = outside
        return [outside]

    def _window_params(self, *, since: date | None, until: date | None) -> dict[str, Any]:
        """What ended the window (see `window_end`), and the data's end."""
        _last_day, basis = self.window_end(since=since, until=until)
        as_of = self.data_as_of()
        return {"window_end": basis, "data_as_of": None if as_of is None else as_of.isoformat()}

    def _window_notes(self, *, since: date | None, until: date | None, outside: str | None = None) -> list[str]:
        if outside is not None:
            return [f"every figure is unknown: {outside}"]
        last_day, basis = self.window_end(since=since, until=until)
        if basis != WINDOW_END_DATA:
            return []
        return [f"the window ends with the data's last day, {last_day} (latest deployment, commit or incident); "
                "--until or --now sets another end"]  # fmt: skip

    def _result(
        self,
        metric: str,
        rows: list[dict[str, Any]] | pa.Table,
        params: dict[str, Any],
        window: Window | None,
        *,
        notes: list[str] | None = None,
        columns: list[str],
    ) -> MetricResult:
        """The result of `metric` from its `rows` (Python values in `columns`, or a table built already)."""
        if isinstance(rows, pa.Table):
            table = rows
        else:
            schema = result_schema(columns)
            # No rows, no conversion: pyarrow loads pandas (about 0.3 s) to convert any Python value.
            table = pa.Table.from_pylist(rows, schema=schema) if rows else schema.empty_table()
        full = dict(params)
        if window is not None:
            full["since"] = window.since.isoformat() + "Z"
            full["until"] = window.until.isoformat() + "Z"
        full["now"] = self.now.isoformat()
        full["rows"] = table.num_rows
        return MetricResult(metric, DEFINITIONS[metric], full, table, notes or [])


def _before_data(reasons: str | None) -> bool:
    """Whether a row's reasons say its window lies before its first recorded deployment."""
    return reasons is not None and "before the data's first event" in reasons


def _check_commit_time(commit_time: str) -> None:
    if commit_time not in COMMIT_TIMES:
        raise InputError(f"unknown commit time {commit_time!r} (use committed or authored)", field="commit_time")


def _cut_params(cut: dict[str, str | None]) -> dict[str, str]:
    return {key: value for key, value in cut.items() if value is not None}
