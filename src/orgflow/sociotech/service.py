"""`SocioTechService`: the socio-technical metrics bound to one workspace's store, org and `now`.

It computes each figure on the change tables of `SocioTechTables` (a repository and window
materialized once, its files mapped to components and owners) and wraps each table as a
`MetricResult`. Surfaces call only this; it never prints or formats.

Knowledge figures (ownership, fragmentation, degree of authorship, truck factor, knowledge islands) read the
*live* change table: only the files that exist at the analysis instant, each change under the path its file
has then (`live_changes`). Coupling, communication, congruence and drift read the whole history.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis import _

from orgflow.errors import InputError
from orgflow.flow.service import MetricResult
from orgflow.org.structure import attribute
from orgflow.registry import Computes, definitions
from orgflow.sociotech import authorship, congruence, coupling, dependencies
from orgflow.sociotech import changes as change_table
from orgflow.sociotech.coupling import CouplingThresholds
from orgflow.sociotech.tables import LEVELS, SocioTechTables

if TYPE_CHECKING:
    from orgflow.query.context import AnalysisContext

__all__ = ["DEFINITIONS", "LEVELS", "TRUCK_FACTOR_BY", "SocioTechService"]

TRUCK_FACTOR_BY = ("repo", "component", "team")

DEFINITIONS: dict[str, str] = definitions("sociotech")
"""Each socio-technical figure's definition by name (`orgflow.sociotech.figures`)."""


class SocioTechService(SocioTechTables, Computes):
    """Socio-technical metrics of one workspace as of the context's `now` (org queries use its UTC date).

    ``compute(name, **options)`` computes a figure by its declared name (`orgflow.sociotech.figures`).

    Args:
        context: the store, config and query engine; its `now` is the analysis instant (default:
            the current time).
        mapping_order: file → component strategies in order (see `orgflow.sociotech.changes`).
        globs: configured glob → component name rules.
        thresholds: change-coupling filters.
    """

    domain = "sociotech"

    def __init__(
        self,
        context: AnalysisContext,
        *,
        mapping_order: tuple[str, ...] = change_table.MAPPING_STRATEGIES,
        globs: dict[str, str] | None = None,
        thresholds: CouplingThresholds | None = None,
    ) -> None:
        super().__init__(context, mapping_order=mapping_order, globs=globs)
        self.thresholds = thresholds or CouplingThresholds()

    def _result(
        self, metric: str, table: ir.Table | pa.Table, params: dict[str, Any], notes: list[str] | None = None
    ) -> MetricResult:
        arrow = table if isinstance(table, pa.Table) else self._arrow(table)
        full = {
            **{k: v for k, v in params.items() if v is not None},
            "now": self.now.isoformat(),
            "rows": arrow.num_rows,
        }
        for name in ("since", "until"):
            if isinstance(full.get(name), date):
                full[name] = full[name].isoformat()
        return MetricResult(metric, DEFINITIONS[metric], full, arrow, notes or [])

    # -- metrics -----------------------------------------------------------------------------
    def coupling(
        self, *, repo: str | None = None, level: str = "file", since: date | None = None, until: date | None = None
    ) -> MetricResult:
        """Change coupling of entity pairs at `level`."""
        changes = self.at_level(level, repo=repo, since=since, until=until)
        table = coupling.change_coupling(changes, thresholds=self.thresholds)
        params = {"repo": repo, "level": level, "since": since, "until": until, **self.thresholds.as_params()}
        return self._result("coupling", table, params)

    def sum_of_coupling(
        self, *, repo: str | None = None, level: str = "file", since: date | None = None, until: date | None = None
    ) -> MetricResult:
        """Sum of coupling per entity at `level`."""
        changes = self.at_level(level, repo=repo, since=since, until=until)
        size = self.thresholds.max_changeset_size
        table = coupling.sum_of_coupling(changes, max_changeset_size=size)
        return self._result("sum-of-coupling", table, {"repo": repo, "level": level, "max_changeset_size": size})

    def ownership(
        self, *, repo: str | None = None, level: str = "file", since: date | None = None, until: date | None = None
    ) -> MetricResult:
        """Main developer, ownership share and fragmentation per entity (files that exist at the analysis date)."""
        changes = self.at_level(level, repo=repo, since=since, until=until, live=True)
        table = authorship.main_developer(changes)
        params = {"repo": repo, "level": level, "since": since, "until": until}
        return self._result("ownership", table, params, self.live_notes(repo=repo, since=since, until=until))

    def fragmentation(
        self, *, repo: str | None = None, level: str = "file", since: date | None = None, until: date | None = None
    ) -> MetricResult:
        """Fragmentation per entity, most fragmented first (files that exist at the analysis date)."""
        changes = self.at_level(level, repo=repo, since=since, until=until, live=True)
        table = authorship.main_developer(changes).select("entity", "revs", "authors", "fragmentation")
        table = table.order_by([ibis.desc("fragmentation"), "entity"])
        params = {"repo": repo, "level": level, "since": since, "until": until}
        return self._result("fragmentation", table, params, self.live_notes(repo=repo, since=since, until=until))

    def communication(
        self, *, repo: str | None = None, by: str = "author", since: date | None = None, until: date | None = None
    ) -> MetricResult:
        """Communication strength between authors (by="author") or their teams (by="team"), over shared files."""
        if by not in ("author", "team"):
            raise InputError(f"cannot compute communication by {by!r} (use author or team)", field="by")
        changes = self.at_level("file", repo=repo, since=since, until=until)
        notes: list[str] = []
        if by == "team":
            changes = self.team_changes(changes, (repo, since, until))
            if self._arrow(changes.filter(_.team.notnull()).select("revision").limit(1)).num_rows == 0:
                notes.append("no commit author resolves to a team member on the commit day")
        table = congruence.communication(changes, who=by)
        return self._result("communication", table, {"repo": repo, "by": by, "since": since, "until": until}, notes)

    def doa_authors(self, *, repo: str | None, since: date | None, until: date | None) -> ir.Table:
        """DOA rows of every file that exists at the analysis date (`live_changes`), renames followed."""
        changes = self.at_level("file", repo=repo, since=since, until=until, live=True)
        doa = authorship.degree_of_authorship(changes)
        return self._materialize(("doa", repo, since, until), self.backend.compile(doa))

    def truck_factor(
        self, *, repo: str | None = None, by: str = "repo", since: date | None = None, until: date | None = None
    ) -> MetricResult:
        """Truck factor per repository, component or owning team (Avelino et al. 2016)."""
        if by not in TRUCK_FACTOR_BY:
            raise InputError(f"cannot compute truck factor by {by!r} (use {', '.join(TRUCK_FACTOR_BY)})", field="by")
        doa = self.doa_authors(repo=repo, since=since, until=until)
        authors = self._arrow(doa.filter(_.is_author).select("entity", "author"))
        pairs = list(zip(authors["entity"].to_pylist(), authors["author"].to_pylist(), strict=True))
        changes = self.live_changes(repo=repo, since=since, until=until)
        groups: dict[str, set[str]] = defaultdict(set)
        if by == "repo":
            for row in self._arrow(changes.select("repo", "path").distinct()).to_pylist():
                groups[row["repo"]].add(row["path"])
        else:
            column = "component" if by == "component" else "owner"
            for row in self._arrow(self.file_map(changes, (repo, since, until, True))).to_pylist():
                if row[column] is not None:
                    groups[row[column]].add(row["path"])
        rows = authorship.truck_factors(pairs, groups)
        table = pa.Table.from_pylist(
            [{by: row.pop("group"), **row} for row in rows],
            schema=pa.schema(
                [
                    (by, pa.string()),
                    ("files", pa.int64()),
                    ("authored_files", pa.int64()),
                    ("truck_factor", pa.int64()),
                    ("truck_authors", pa.list_(pa.string())),
                    ("coverage_left", pa.float64()),
                ]
            ),
        )
        notes = self.live_notes(repo=repo, since=since, until=until)
        return self._result("truck-factor", table, {"repo": repo, "by": by, "since": since, "until": until}, notes)

    def knowledge_islands(
        self, *, repo: str | None = None, level: str = "file", since: date | None = None, until: date | None = None
    ) -> MetricResult:
        """Entities known by one author, or by authors who all left (DOA authors at file level)."""
        changes = self.at_level(level, repo=repo, since=since, until=until, live=True)
        knowing = None
        if level == "file":
            doa = self.doa_authors(repo=repo, since=since, until=until)
            knowing = doa.filter(_.is_author).select("entity", "author")
        active = self._active_authors(changes)
        table = authorship.knowledge_islands(changes, authors=knowing, active_authors=active)
        notes = self.live_notes(repo=repo, since=since, until=until)
        if active is None:
            notes.append("no people in the store: departures are unknown")
        return self._result("knowledge-islands", table, {"repo": repo, "level": level}, notes)

    def _active_authors(self, changes: ir.Table) -> ir.Table | None:
        """Authors still active on the date (resolved to a person with a current membership); None without people."""
        org = self.org
        if not org.people:
            return None
        names = self._arrow(changes.select("author").distinct())["author"].to_pylist()
        active = []
        for name in names:
            person = org.resolve(name)
            if person is not None and org.active_on(person, self.day):
                active.append(name)
        return self._register(("active", len(self._tables)), pa.table({"author": pa.array(active, pa.string())}))

    def congruence(
        self, *, repo: str | None = None, level: str = "file", since: date | None = None, until: date | None = None
    ) -> MetricResult:
        """Congruence of coordination requirements with team membership, and Conway alignment."""
        changes = self.at_level(level, repo=repo, since=since, until=until)
        assignment = changes.select(person=_.author, task=_.entity).distinct().mutate(weight=ibis.literal(1.0))
        coupled = coupling.coupled_entities(coupling.change_coupling(changes, thresholds=self.thresholds))
        tasks = changes.select(task=_.entity).distinct()
        depends = coupled.select(task=_.entity, depends_on=_.coupled, weight=ibis.literal(1.0)).union(
            tasks.mutate(depends_on=_.task, weight=ibis.literal(1.0))
        )
        required = congruence.coordination_pairs(assignment, depends)
        required = self._materialize(("required", repo, level, since, until), self.backend.compile(required))
        names = self._arrow(changes.select("author").distinct())["author"].to_pylist()
        teams = attribute(self.context.connection, [(name, self.now) for name in names])
        team_of = {name: team for name, team in zip(names, teams, strict=True) if team is not None}
        membership = self._register(
            ("members", repo, level, since, until),
            pa.table(
                {
                    "person": pa.array(list(team_of), pa.string()),
                    "team": pa.array(list(team_of.values()), pa.string()),
                }
            ),
        )
        (row,) = self._arrow(congruence.team_congruence(required, membership)).to_pylist()
        row = {"people": len(names), "people_in_teams": len(team_of), **row}
        params = {"repo": repo, "level": level, "since": since, "until": until, **self.thresholds.as_params()}
        notes = []
        if not names:
            # No change to read: every figure is unknown, not 0.
            row = dict.fromkeys(row)
            notes = [self._no_changes("congruence needs who changed what", loaded=self._commits_loaded())]
            params["unknown_reason"] = notes[0]
        elif not team_of:
            row["congruence"] = None
            notes = ["no author is a team member on the date: congruence needs the org (memberships)"]
            params["unknown_reason"] = notes[0]
        return self._result("congruence", pa.Table.from_pylist([row]), params, notes)

    def _commits_loaded(self) -> bool:
        """Whether the store holds any commit."""
        return self.context.connection.execute("SELECT EXISTS (SELECT 1 FROM commits)").fetchone()[0]  # type: ignore[index]

    @staticmethod
    def _no_changes(need: str, *, loaded: bool) -> str:
        """Why a figure over the commits has nothing to read: no commit is loaded at all (`loaded` False),
        or none in the window (or repository) asked for; `need` says what the figure needs."""
        if not loaded:
            return f"no commits are loaded in this workspace: {need} (load them with `orgflow import git REPO`)"
        return f"no commit in the window or repository asked for: {need}"

    def drift(self, *, repo: str | None = None, since: date | None = None, until: date | None = None) -> MetricResult:
        """Declared owner of each component against the team that changes it most."""
        changes = self.at_level("component", repo=repo, since=since, until=until)
        with_teams = self.team_changes(changes, (repo, since, until, "component"))
        components = self._arrow(changes.select("entity").distinct())["entity"].to_pylist()
        declared_rows = []
        for component in components:
            if component in self.org.components:
                owner = self.org.owner_on(component, self.day)
                owners: tuple[str, ...] = (owner,) if owner else ()
            else:
                owners = self._component_owners.get(component, ())
            declared_rows.extend({"entity": component, "declared_owner": owner} for owner in owners)
        declared = ibis.memtable(
            pa.Table.from_pylist(
                declared_rows, schema=pa.schema([("entity", pa.string()), ("declared_owner", pa.string())])
            )
        )
        table = self.backend.to_pyarrow(change_table.ownership_drift(with_teams, declared))
        params: dict[str, Any] = {"repo": repo, "since": since, "until": until}
        notes = []
        if not components:
            loaded = self._commits_loaded()
            params["empty_reason"] = self._no_changes(
                "drift compares who changes a component with its owner", loaded=loaded
            )
            # With no commit loaded, the figure's `reads` note already says so under the table.
            notes = [params["empty_reason"]] if loaded else []
        elif not table.num_rows:
            notes = ["no change is attributed to a team: drift needs memberships"]
            params["empty_reason"] = notes[0]
        return self._result("drift", table, params, notes)

    # -- the cross-team dependency graph -----------------------------------------------------
    def dependency_edges(
        self,
        *,
        kinds: tuple[str, ...] | None = None,
        group: str | None = None,
        repo: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> MetricResult:
        """Edges of the cross-team dependency graph (one row per team pair and kind)."""
        _nodes, edges, params, notes = self._graph(kinds=kinds, group=group, repo=repo, since=since, until=until)
        return self._result("dependencies", edges, params, notes)

    def dependency_nodes(
        self,
        *,
        kinds: tuple[str, ...] | None = None,
        group: str | None = None,
        repo: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> MetricResult:
        """Teams on the cross-team dependency graph, with degrees and lost flow time."""
        nodes, _edges, params, notes = self._graph(kinds=kinds, group=group, repo=repo, since=since, until=until)
        return self._result("dependency-nodes", nodes, params, notes)

    def _graph(
        self,
        *,
        kinds: tuple[str, ...] | None,
        group: str | None,
        repo: str | None,
        since: date | None,
        until: date | None,
    ) -> tuple[pa.Table, pa.Table, dict[str, Any], list[str]]:
        chosen = tuple(kinds) if kinds else dependencies.EDGE_KINDS
        unknown = [kind for kind in chosen if kind not in dependencies.EDGE_KINDS]
        if unknown:
            raise InputError(f"unknown edge kinds {unknown} (use {', '.join(dependencies.EDGE_KINDS)})", field="kind")
        org, notes = self.org, []
        teams = None
        if group is not None:
            teams = {org.group(group).source_id, *org.descendants_on(group, self.day)}
        edges: list[dict[str, object]] = []
        if "declared" in chosen:
            declared = [(d.component_id, d.depends_on_id) for d in org.dependencies_on(self.day)]
            edges += dependencies.declared_edges(declared, lambda c: org.owner_on(c, self.day))
        connection = self.context.connection
        if "coupling" in chosen and connection.execute("SELECT count(*) FROM commits").fetchone()[0]:
            changes = self.at_level("component", repo=repo, since=since, until=until)
            rows = self._arrow(coupling.change_coupling(changes, thresholds=self.thresholds)).to_pylist()
            edges += dependencies.coupling_edges(rows, self.owner_of)
        if "blocking" in chosen and connection.execute("SELECT count(*) FROM item_links").fetchone()[0]:
            flow = self.context.at(self.now).flow_service()
            # Like coupling, blocking reads the whole history unless a window is given.
            window = flow.window(since=since, until=until) if since or until else flow.history_window()
            links = dependencies.blocking_links(self.backend, flow.items_table(), window=window)
            edges += dependencies.blocking_edges(self._arrow, links)
        nodes = {
            group_id: dependencies.TeamNode(group_id, g.name, g.kind, g.parent_id) for group_id, g in org.groups.items()
        }
        node_table, edge_table = dependencies.dependency_graph(edges, nodes, kinds=chosen, teams=teams)
        if not edge_table.num_rows:
            notes.append("no cross-team edge: declared dependencies, owned components or blocking links are missing")
        params = {"kinds": list(chosen), "group": group, "repo": repo, "since": since, "until": until}
        return node_table, edge_table, params, notes
