"""`PullRequestFlow`: the pull-request stages of a workspace, with the deploy stage from the commit graph.

Binds `orgflow.delivery.pr_flow` (coding, pickup, review, deploy per pull request) to the store, the
window convention of the other services, and the delivery analysis that knows which production
deployment first contained each merge commit. A pull request's team is the owner of its repository's component
(the same rule DORA's roll-up uses).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import ibis

from orgflow.delivery import pr_flow
from orgflow.delivery.ownership import UNOWNED, service_of
from orgflow.delivery.scope import default_window_end
from orgflow.errors import InputError
from orgflow.flow.service import MetricResult
from orgflow.query.fetch import fetch_arrow
from orgflow.query.window import Window, make_window
from orgflow.registry import Computes, definition

if TYPE_CHECKING:
    from orgflow.delivery.service import DeliveryService
    from orgflow.query.context import AnalysisContext

BY = ("repo", "team", "author")

STAGES_DEFINITION = definition("pr-stages", "delivery")
SUMMARY_DEFINITION = definition("pr-summary", "delivery")


class PullRequestFlow(Computes):
    """Pull-request flow of one workspace as of the delivery service's `now`.

    Args:
        context: the store, config and query engine to read from.
        delivery: the delivery service of the same context (its commit walk gives the deploy stage).

    ``compute(name, **options)`` computes ``pr-stages`` or ``pr-summary`` by name (`orgflow.delivery.figures`).
    """

    domain = "delivery"

    def __init__(self, context: AnalysisContext, delivery: DeliveryService) -> None:
        self.context = context
        self._delivery = delivery
        self.now = delivery.now

    def window(self, *, since: date | None = None, until: date | None = None) -> Window:
        """[since, until + 1 day) in UTC; defaults: the first pull request's day, and the end of the data's
        last day (see `window_end`)."""
        row = self.context.connection.execute("SELECT min(created_at) FROM pull_requests").fetchone()
        earliest = row[0].replace(tzinfo=UTC) if row and row[0] is not None else None
        last_day, _basis = self.window_end(since=since, until=until)
        return make_window(since=since, until=last_day, now=self.now, earliest=earliest)

    def data_as_of(self) -> datetime | None:
        """The delivery data's end (UTC): the latest pull request opened, merged or closed, or the end
        DORA's figures read (`DeliveryService.data_as_of`: the latest deployment, commit or incident),
        whichever is later; None with no delivery data. So without pull requests, or with ones that
        stopped earlier, the pull-request figures end where the other delivery figures do."""
        (latest,) = self.context.connection.execute(
            "SELECT greatest(max(created_at), max(merged_at), max(closed_at)) FROM pull_requests"
        ).fetchone()
        ends = [latest.replace(tzinfo=UTC)] if latest is not None else []
        delivery_end = self._delivery.data_as_of()
        ends += [delivery_end] if delivery_end is not None else []
        return max(ends) if ends else None

    def window_end(self, *, since: date | None = None, until: date | None = None) -> tuple[date | None, str]:
        """The window's last day and what chose it, as `DeliveryService.window_end` does: an explicit
        `until` or `now` as given, else the pull requests' last day when it is before today."""
        as_of = None if self._delivery.now_given else self.data_as_of()
        return default_window_end(since=since, until=until, now=self.now, as_of=as_of)

    def deployed_at(self) -> dict[str, datetime]:
        """Commit sha → finish (UTC) of the first production deployment that brought it to production."""
        facts = self._delivery.facts()
        shas = facts.graph.shas
        first: dict[str, datetime] = {}
        for outcome in facts.outcomes.values():
            finished = outcome.deployment.finished_at
            for index in outcome.new_commits:
                sha = shas[index]
                if sha not in first or finished < first[sha]:
                    first[sha] = finished
        return first

    def _stages(self, window: Window, repo: str | None, team: str | None) -> ibis.Table:
        stages = pr_flow.pr_stages(
            self.context.ibis, since=window.since, until=window.until, repo=repo, deployed_at=self.deployed_at()
        )
        repos = [value for (value,) in self.context.connection.execute(
            "SELECT DISTINCT repo FROM pull_requests"
        ).fetchall()]  # fmt: skip
        # A repository whose service no team owns has no team (None), not a team called "unowned".
        owned = {name: self._delivery.owner(service_of(name)) for name in repos}
        owners = {name: None if owner == UNOWNED else owner for name, owner in owned.items()}
        if team is not None and team not in owners.values():
            raise InputError(
                f"no pull requests of team {team!r}", field="team", hint="see `orgflow prs summary --by team`"
            )
        columns = {"repo": list(owners), "team": list(owners.values())}
        mapping = ibis.memtable(columns, schema={"repo": "string", "team": "string"}) if owners else None
        if mapping is None:
            return stages.mutate(team=ibis.literal(None, type="string"))
        joined = stages.left_join(mapping, "repo").drop("repo_right")
        return joined.filter(joined.team == team) if team is not None else joined

    def stages(
        self, *, since: date | None = None, until: date | None = None, repo: str | None = None, team: str | None = None
    ) -> MetricResult:
        """One row per pull request finished in the window, with its four stages in hours."""
        window = self.window(since=since, until=until)
        table = fetch_arrow(self.context.ibis, self._stages(window, repo, team))
        params = self._params(window, since, until, repo=repo, team=team, rows=table.num_rows)
        return MetricResult("pr-stages", STAGES_DEFINITION, params, table)

    def summary(
        self,
        *,
        by: str | None = "repo",
        since: date | None = None,
        until: date | None = None,
        repo: str | None = None,
        team: str | None = None,
    ) -> MetricResult:
        """Each stage's distribution per repository, owner team or author (or over all, `by=None`)."""
        if by is not None and by not in BY:
            raise InputError(f"cannot group pull requests by {by!r} (use {', '.join(BY)})", field="by")
        window = self.window(since=since, until=until)
        stages = self._stages(window, repo, team)
        small = self.context.config.thresholds.small_sample
        summary = pr_flow.pr_summary(stages, by=(by,) if by else (), small_sample=small)
        table = fetch_arrow(self.context.ibis, summary)
        params = self._params(window, since, until, repo=repo, team=team, by=by, rows=table.num_rows)
        return MetricResult("pr-summary", SUMMARY_DEFINITION, params, table)

    def _params(self, window: Window, since: date | None, until: date | None, **params: Any) -> dict[str, Any]:
        kept = {key: value for key, value in params.items() if value is not None}
        as_of = self.data_as_of()
        return {
            **kept,
            "since": window.since.isoformat() + "Z",
            "until": window.until.isoformat() + "Z",
            "window_end": self.window_end(since=since, until=until)[1],
            "data_as_of": None if as_of is None else as_of.isoformat(),
            "now": self.now.isoformat(),
        }
