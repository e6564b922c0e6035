"""The cross-team dependency graph page: teams as nodes, declared, coupling and blocking edges, after the
page's filters (kinds, a group, a minimum weight). Dates as in `orgflow.web.org_views`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from orgflow.errors import InputError
from orgflow.flow.service import MetricResult
from orgflow.views.hub import MetricsHub
from orgflow.web.org_views import AsOf, group_exists_on, group_href, org_service, org_summary, query_at, sociotech

EDGE_KINDS = ("declared", "coupling", "blocking")


@dataclass(frozen=True)
class GraphFilters:
    """The graph's filters, read from and written back to the URL: `kind` (repeated or comma separated;
    none: every kind), `group` (edges touching it or a group below it) and `min_weight` (edges of at least
    that weight)."""

    kinds: tuple[str, ...] = ()
    group: str | None = None
    min_weight: float = 0.0

    @classmethod
    def parse(cls, kinds: list[str], group: str | None, min_weight: str | None) -> GraphFilters:
        """Filters from URL parameters.

        Raises:
            InputError: an unknown kind, or a minimum weight that is not a number ≥ 0.
        """
        chosen: list[str] = []
        for value in kinds:
            for kind in value.split(","):
                kind = kind.strip()
                if kind and kind not in EDGE_KINDS:
                    raise InputError(f"unknown edge kind {kind!r}", field="kind", hint=f"use {', '.join(EDGE_KINDS)}")
                if kind and kind not in chosen:
                    chosen.append(kind)
        weight = 0.0
        if min_weight not in (None, ""):
            try:
                weight = float(min_weight)
            except ValueError:
                weight = -1.0
            if not weight >= 0 or weight == float("inf"):
                raise InputError(f"not a weight ({min_weight!r})", field="min_weight", hint="use a number ≥ 0")
        ordered = tuple(kind for kind in EDGE_KINDS if kind in chosen)
        return cls(() if ordered == EDGE_KINDS else ordered, group or None, weight)

    @property
    def shown_kinds(self) -> tuple[str, ...]:
        return self.kinds or EDGE_KINDS

    def params(self) -> dict[str, Any]:
        """URL parameters of these filters (defaults left out)."""
        return {
            "kind": list(self.kinds),
            "group": self.group,
            "min_weight": f"{self.min_weight:g}" if self.min_weight else None,
        }


@dataclass
class DependencyView:
    """The dependency graph on a date: nodes (teams) and edges after the filters, links and group choices."""

    moment: AsOf
    filters: GraphFilters
    nodes: MetricResult
    edges: MetricResult
    node_hrefs: dict[str, str]
    closed: set[str]
    group_choices: list[tuple[str, str, int]]

    def table(self) -> list[dict[str, Any]]:
        """The edges, most flow time lost first (edges without lost time last, heaviest first)."""
        rows = self.edges.rows()
        return sorted(rows, key=lambda row: (-(row["lost_days"] or 0.0), -(row["weight"] or 0.0), row["source"]))


def dependency_view(hub: MetricsHub, moment: AsOf, filters: GraphFilters) -> DependencyView:
    """`SocioTechService.dependency_nodes/dependency_edges` for the filters; with a minimum weight the lighter
    edges are dropped and the nodes (degrees, lost time) recomputed over the edges kept, by the same function
    the service uses (`orgflow.sociotech.dependencies.dependency_graph`).

    Raises:
        InputError: an unknown group.
    """
    from orgflow.sociotech import dependencies

    service = sociotech(hub, moment)
    kinds, group, until = filters.kinds or None, filters.group, moment.until
    key = (kinds, group, until)
    edges: MetricResult = query_at(
        hub,
        moment,
        ("dependency-edges", *key),
        lambda _ws: service.dependency_edges(kinds=kinds, group=group, until=until),
    )
    nodes: MetricResult = query_at(
        hub,
        moment,
        ("dependency-nodes", *key),
        lambda _ws: service.dependency_nodes(kinds=kinds, group=group, until=until),
    )
    if filters.min_weight:
        kept = [row for row in edges.rows() if (row["weight"] or 0.0) >= filters.min_weight]
        known = {
            row["team"]: dependencies.TeamNode(row["team"], row["name"], row["kind"], row["parent"])
            for row in nodes.rows()
        }
        node_table, edge_table = dependencies.dependency_graph(kept, known, kinds=filters.shown_kinds)
        extra = {"min_weight": filters.min_weight}
        edges = replace(edges, table=edge_table, params={**edges.params, **extra, "rows": edge_table.num_rows})
        nodes = replace(nodes, table=node_table, params={**nodes.params, **extra, "rows": node_table.num_rows})
    org = org_service(hub)
    hrefs, closed = {}, set()
    for team in nodes.table["team"].to_pylist():
        hrefs[team] = group_href(org, team, moment)
        if not group_exists_on(org, team, moment.day):
            closed.add(team)
    depth: dict[str, int] = {}
    choices = []
    for row in org_summary(hub, moment).rows():  # parents come before their children
        depth[row["group"]] = depth[row["parent"]] + 1 if row["parent"] in depth else 0
        choices.append((row["group"], row["name"], depth[row["group"]]))
    return DependencyView(moment, filters, nodes, edges, hrefs, closed, choices)
