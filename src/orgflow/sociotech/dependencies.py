"""The cross-team dependency graph: which team depends on which, why, and what it cost in flow time.

One edge row per (source team, target team, kind); "source depends on target":

- ``declared``: a component of the source team declares a dependency (`component_dependencies` valid on the
  date) on a component of the target team (owners on the date). Weight: the number of component pairs.
- ``coupling``: two components of different owners change together (component-level change coupling, see
  `orgflow.sociotech.coupling`). Undirected: source and target in alphabetical order. Weight: the shared
  revisions summed over the component pairs; `max_degree` the strongest pair's degree.
- ``blocking``: an item of the source team was blocked by an item of the target team (an ``blocks`` link, or
  ``blocked_by`` read the other way), with the definition of blocked time of `orgflow.flow.stages`: the
  blocked item is blocked from its start until the blocker finishes (or now), cut to the blocked item's own
  [start, finish or now); same-team links do not count. Weight: the number of such links; `items` the
  blocked items; `lost_days` = Σ over blocked items of the time blocked by that team's items (overlapping
  blockers of one team counted once; an item blocked by two teams at once counts in both edges).

Nodes: every team on an edge, with its name, kind, parent and in/out degree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis import _

from orgflow.flow.history import MICROSECONDS_PER_DAY, instant
from orgflow.query.window import Window

EDGE_KINDS = ("declared", "coupling", "blocking")

EDGE_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("target", pa.string()),
        ("kind", pa.string()),
        ("weight", pa.float64()),
        ("pairs", pa.int64()),
        ("max_degree", pa.int64()),
        ("items", pa.int64()),
        ("lost_days", pa.float64()),
        ("evidence", pa.list_(pa.string())),
    ]
)
"""Columns of the edge table (nulls where a kind has no such figure)."""


@dataclass(frozen=True)
class TeamNode:
    """A node of the graph: a team (or any group owning components) as of the analysis date."""

    team: str
    name: str | None = None
    kind: str | None = None
    parent: str | None = None


def declared_edges(
    dependencies: Iterable[tuple[str, str]], owner_of: Callable[[str], str | None]
) -> list[dict[str, object]]:
    """Edges from declared component dependencies (component, depends_on) between different owners."""
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for component, depends_on in dependencies:
        source, target = owner_of(component), owner_of(depends_on)
        if source is None or target is None or source == target:
            continue
        grouped[(source, target)].append(f"{component} -> {depends_on}")
    return [
        _edge(source, target, "declared", weight=len(evidence), pairs=len(evidence), evidence=sorted(set(evidence)))
        for (source, target), evidence in sorted(grouped.items())
    ]


def coupling_edges(
    coupling: Iterable[dict[str, object]], owner_of: Callable[[str], str | None]
) -> list[dict[str, object]]:
    """Edges from component-level change coupling rows (entity, coupled, shared_revs, degree) across owners."""
    grouped: dict[tuple[str, str], list[tuple[int, int, str]]] = defaultdict(list)
    for row in coupling:
        first, second = str(row["entity"]), str(row["coupled"])
        owner_a, owner_b = owner_of(first), owner_of(second)
        if owner_a is None or owner_b is None or owner_a == owner_b:
            continue
        (source, left), (target, right) = sorted([(owner_a, first), (owner_b, second)])
        grouped[(source, target)].append((int(row["shared_revs"]), int(row["degree"]), f"{left} ~ {right}"))
    return [
        _edge(
            source,
            target,
            "coupling",
            weight=sum(shared for shared, _degree, _text in pairs),
            pairs=len(pairs),
            max_degree=max(degree for _shared, degree, _text in pairs),
            evidence=sorted(text for _shared, _degree, text in pairs),
        )
        for (source, target), pairs in sorted(grouped.items())
    ]


def blocking_links(backend: ibis.BaseBackend, items: ir.Table, *, window: Window) -> ir.Table:
    """Cross-team blocking links with the time each blocked item lost: one row per (blocked item, blocker).

    Args:
        backend: where `item_links` lives.
        items: item facts (source, item_id, team_id, started_at, end_at, finished_at) of every item; blockers
            and blocked items are both looked up here.
        window: blocked items started before its end and not finished before its start count.

    Returns:
        source, blocked_item, blocked_team, blocker_item, blocker_team, block_from, block_to, blocked_days.
    """
    links = backend.table("item_links")
    pairs = (
        links.filter(_.kind == "blocks")
        .select(l_source=_.source, blocker=_.item_id, blocked=_.target_id)
        .union(links.filter(_.kind == "blocked_by").select(l_source=_.source, blocker=_.target_id, blocked=_.item_id))
        .distinct()
    )
    blockers = items.select(k_source=_.source, k_item=_.item_id, k_team=_.team_id, k_end=_.end_at)
    blocked = items.filter(
        _.started_at.notnull(),
        _.started_at < instant(window.until),
        _.finished_at.isnull() | (_.finished_at >= instant(window.since)),
    ).select(b_source=_.source, b_item=_.item_id, b_team=_.team_id, b_from=_.started_at, b_to=_.end_at)
    joined = pairs.join(blockers, [pairs.l_source == blockers.k_source, pairs.blocker == blockers.k_item]).join(
        blocked, [pairs.l_source == blocked.b_source, pairs.blocked == blocked.b_item]
    )
    spans = joined.filter(_.k_team != _.b_team).select(
        source=_.l_source,
        blocked_item=_.b_item,
        blocked_team=_.b_team,
        blocker_item=_.blocker,
        blocker_team=_.k_team,
        block_from=_.b_from,
        block_to=ibis.least(_.k_end, _.b_to),
    )
    # As in blocked_time, a blocker finished before the blocked item started blocked nothing.
    return spans.filter(_.block_to > _.block_from).mutate(
        blocked_days=_.block_to.delta(_.block_from, unit="microsecond") / MICROSECONDS_PER_DAY
    )


def blocking_edges(fetch: Callable[[ir.Table], pa.Table], links: ir.Table) -> list[dict[str, object]]:
    """Edges blocked team → blocker team from `blocking_links` rows.

    Every span of one blocked item starts at that item's start, so the union of the spans from one team's
    blockers is the longest of them: that is the time the item lost to the team.
    """
    per_item = links.group_by(["source", "blocked_item", "blocked_team", "blocker_team"]).aggregate(
        links=_.count(), lost_days=_.blocked_days.max(), blockers=_.blocker_item.collect()
    )
    per_edge = per_item.group_by(["blocked_team", "blocker_team"]).aggregate(
        links=_.links.sum(), items=_.count(), lost_days=_.lost_days.sum(), blocked=_.blocked_item.collect()
    )
    rows = fetch(per_edge.order_by(["blocked_team", "blocker_team"])).to_pylist()
    return [
        _edge(
            row["blocked_team"],
            row["blocker_team"],
            "blocking",
            weight=row["links"],
            pairs=row["links"],
            items=row["items"],
            lost_days=row["lost_days"],
            evidence=sorted(row["blocked"]),
        )
        for row in rows
    ]


def dependency_graph(
    edges: Iterable[dict[str, object]],
    nodes: dict[str, TeamNode],
    *,
    kinds: Iterable[str] | None = None,
    teams: set[str] | None = None,
) -> tuple[pa.Table, pa.Table]:
    """The (nodes, edges) tables of the graph, keeping only `kinds` and edges touching `teams` (if given).

    Returns:
        nodes: team, name, kind, parent, out_degree, in_degree, lost_days_in (flow time the team's items lost
        to others), lost_days_out (flow time others lost to it); edges: see `EDGE_SCHEMA`.
    """
    wanted = set(kinds) if kinds is not None else set(EDGE_KINDS)
    kept = [
        edge
        for edge in edges
        if edge["kind"] in wanted and (teams is None or edge["source"] in teams or edge["target"] in teams)
    ]
    kept.sort(key=lambda edge: (str(edge["source"]), str(edge["target"]), EDGE_KINDS.index(str(edge["kind"]))))
    names = sorted({str(edge["source"]) for edge in kept} | {str(edge["target"]) for edge in kept})
    out_degree = {name: len({e["target"] for e in kept if e["source"] == name}) for name in names}
    in_degree = {name: len({e["source"] for e in kept if e["target"] == name}) for name in names}
    lost_in = {name: sum(float(e["lost_days"] or 0) for e in kept if e["source"] == name) for name in names}
    lost_out = {name: sum(float(e["lost_days"] or 0) for e in kept if e["target"] == name) for name in names}
    node_rows = []
    for name in names:
        node = nodes.get(name, TeamNode(name))
        node_rows.append(
            {
                "team": name,
                "name": node.name or name,
                "kind": node.kind,
                "parent": node.parent,
                "out_degree": out_degree[name],
                "in_degree": in_degree[name],
                "lost_days_in": lost_in[name],
                "lost_days_out": lost_out[name],
            }
        )
    node_schema = pa.schema(
        [
            ("team", pa.string()),
            ("name", pa.string()),
            ("kind", pa.string()),
            ("parent", pa.string()),
            ("out_degree", pa.int64()),
            ("in_degree", pa.int64()),
            ("lost_days_in", pa.float64()),
            ("lost_days_out", pa.float64()),
        ]
    )
    return pa.Table.from_pylist(node_rows, schema=node_schema), pa.Table.from_pylist(kept, schema=EDGE_SCHEMA)


def _edge(source: str, target: str, kind: str, **figures: object) -> dict[str, object]:
    row: dict[str, object] = {name: None for name in EDGE_SCHEMA.names}
    row.update(source=source, target=target, kind=kind, **figures)
    row["weight"] = float(row["weight"]) if row["weight"] is not None else None
    return row
