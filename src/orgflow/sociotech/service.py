"""`SocioTechService`: the socio-technical metrics bound to one workspace's store, org and `now`.

It materializes the change table of a repository and window once (a temporary table), maps its files to
components and owners (`FileMapper`), calls the metric functions and wraps each table as a `MetricResult`.
Surfaces call only this; it never prints or formats.

Knowledge figures (ownership, fragmentation, degree of authorship, truck factor, knowledge islands) read the
*live* change table: only the files that exist at the analysis instant, each change under the path its file
has then (`live_changes`). Coupling, communication, congruence and drift read the whole history.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis import _

from orgflow.errors import InputError
from orgflow.flow.service import MetricResult
from orgflow.org.structure import OrgModel, attribute
from orgflow.query.fetch import fetch_arrow
from orgflow.sociotech import authorship, congruence, coupling, dependencies, file_tree
from orgflow.sociotech import changes as change_table
from orgflow.sociotech.changes import CatalogComponent, CodeownersRule, FileMapper
from orgflow.sociotech.coupling import CouplingThresholds

if TYPE_CHECKING:
    from orgflow.workspace import Workspace

LEVELS = ("file", "component", "team")
TRUCK_FACTOR_BY = ("repo", "component", "team")
_SERIALS = itertools.count(1)

DEFINITIONS: dict[str, str] = {
    "coupling": "Change coupling (code-maat): degree = 100 x shared revisions / mean revisions of the pair, "
    "truncated; change sets over the size limit dropped; pairs under min revs, min shared, min degree left out.",
    "sum-of-coupling": "Sum of coupling (code-maat): per entity, the other entities changed in the same "
    "revisions, summed over its revisions.",
    "ownership": "Main developer (most revisions) and ownership share = their revisions / all revisions; the same "
    "by added lines; fragmentation = 1 - sum of squared revision shares; files that exist at the analysis date, "
    "renames followed.",
    "fragmentation": "Fragmentation (code-maat fractal value) = 1 - sum over authors of (revisions_i / revisions)^2; "
    "files that exist at the analysis date, renames followed.",
    "communication": "Communication strength (code-maat) = 100 x shared entities / mean entities of the pair "
    "(rounded up), truncated; authors, or their teams on the change date.",
    "truck-factor": "Truck factor (Avelino et al. 2016): authors (DOA/max >= 0.75, DOA >= 3.293) of most files "
    "removed greedily until under 50 % of the files keep an author; over the files that exist at the analysis "
    "date (HEAD's first-parent history replayed, renames followed).",
    "knowledge-islands": "Entities known by one author only, or whose knowing authors all left the organization; "
    "files that exist at the analysis date, renames followed.",
    "congruence": "Socio-technical congruence (Cataldo et al.): ordered pairs with coordination requirements "
    "(T_A T_D T_A^T > 0) that also coordinate (same team), over pairs that need to; Conway alignment = "
    "intra-team share of coordination-requirement weight.",
    "drift": "Ownership drift: the declared owner of each component against the team (of the author on the change "
    "date) that made most of its revisions.",
    "dependencies": "Cross-team dependency edges (source depends on target): declared component dependencies, "
    "change coupling across owners, blocking links with the flow time the blocked items lost.",
    "dependency-nodes": "Teams on the dependency graph with their degree and the flow time lost to and by them.",
}


class SocioTechService:
    """Socio-technical metrics of one workspace as of `now` (org queries use its UTC date).

    Args:
        workspace: the open workspace.
        now: the instant the org is read at (default: the current time).
        mapping_order: file → component strategies in order (see `orgflow.sociotech.changes`).
        globs: configured glob → component name rules.
        thresholds: change-coupling filters.
    """

    def __init__(
        self,
        workspace: Workspace,
        *,
        now: datetime | None = None,
        mapping_order: tuple[str, ...] = change_table.MAPPING_STRATEGIES,
        globs: dict[str, str] | None = None,
        thresholds: CouplingThresholds | None = None,
    ) -> None:
        self._workspace = workspace
        self.now = (now or datetime.now(UTC)).astimezone(UTC)
        self.thresholds = thresholds or CouplingThresholds()
        self._mapping_order = mapping_order
        self._globs = dict(globs or {})
        self._serial = next(_SERIALS)
        self._tables: dict[tuple[Any, ...], ir.Table] = {}
        self._org: OrgModel | None = None
        self._mapper: FileMapper | None = None
        self._component_owners: dict[str, tuple[str, ...]] = {}
        self._trees: dict[str, tuple[file_tree.FileTree | None, list[str]]] = {}
        self._live_notes: dict[tuple[Any, ...], list[str]] = {}

    # -- plumbing --------------------------------------------------------------------------------
    @property
    def backend(self) -> ibis.BaseBackend:
        return self._workspace.ibis

    @property
    def day(self) -> date:
        return self.now.date()

    @property
    def org(self) -> OrgModel:
        if self._org is None:
            self._org = OrgModel.from_store(self._workspace.store.connection)
        return self._org

    def _materialize(self, key: tuple[Any, ...], sql: str) -> ir.Table:
        if key not in self._tables:
            name = f"st_{key[0]}_{self._serial}_{len(self._tables)}"
            self._workspace.store.connection.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
            self._tables[key] = self.backend.table(name)
        return self._tables[key]

    def _register(self, key: tuple[Any, ...], table: pa.Table) -> ir.Table:
        if key not in self._tables:
            name = f"st_{key[0]}_{self._serial}_{len(self._tables)}"
            connection = self._workspace.store.connection
            connection.register(f"{name}_arrow", table)
            connection.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
            connection.unregister(f"{name}_arrow")
            self._tables[key] = self.backend.table(name)
        return self._tables[key]

    def _arrow(self, expression: ir.Table) -> pa.Table:
        """The rows of an expression, run as plain SQL on the store's connection (`orgflow.query.fetch`)."""
        return fetch_arrow(self.backend, expression)

    def changes(self, *, repo: str | None = None, since: date | None = None, until: date | None = None) -> ir.Table:
        """The change table of `repo` (all repositories when None) over [since, until] (UTC days, inclusive)."""
        if repo is not None:
            known = self._workspace.store.connection.execute(
                "SELECT count(*) FROM commits WHERE repo = ?", [repo]
            ).fetchone()
            if not known or not known[0]:
                raise InputError(
                    f"unknown repository {repo!r}", field="repo", hint="import it with `orgflow import git`"
                )
        start = datetime.combine(since, time()) if since else None
        end = datetime.combine(until, time()) + timedelta(days=1) if until else None
        return self._materialize(
            ("changes", repo, since, until), change_table.changes_sql(repo=repo, since=start, until=end)
        )

    def analysis_instant(self, until: date | None = None) -> datetime:
        """The instant the files are taken at: `now`, or the end of the `until` day when that is earlier."""
        if until is None:
            return self.now
        return min(
            self.now, datetime.combine(until, time(), tzinfo=UTC) + timedelta(days=1) - timedelta(microseconds=1)
        )

    def file_tree(self, repo: str) -> tuple[file_tree.FileTree | None, list[str]]:
        """The replayed mainline of `repo` (`orgflow.sociotech.file_tree`), or None and why it cannot be replayed."""
        if repo in self._trees:
            return self._trees[repo]
        connection = self._workspace.store.connection
        head = connection.execute(
            "SELECT commit_id FROM repo_heads WHERE repo = ? ORDER BY source LIMIT 1", [repo]
        ).fetchone()
        fallback = "files with positive net lines counted, renames not followed"
        if head is None:
            self._trees[repo] = (None, [f"{repo}: no HEAD imported (a saved numstat export?): {fallback}"])
            return self._trees[repo]
        commits = connection.execute(
            "SELECT source_id, parents, committed_at FROM commits WHERE repo = ?", [repo]
        ).fetchall()
        parents = {sha: tuple(first or ()) for sha, first, _at in commits}
        times = {sha: at for sha, _first, at in commits}  # naive UTC, as the change table's
        chain, missing = file_tree.mainline(head[0], parents)
        if not chain:
            self._trees[repo] = (None, [f"{repo}: HEAD {head[0][:12]} is not an imported commit: {fallback}"])
            return self._trees[repo]
        on_chain = set(chain)
        changes: dict[str, list[file_tree.TreeChange]] = defaultdict(list)
        unknown = 0
        for sha, path, status, old_path in connection.execute(
            "SELECT f.commit_id, f.path, f.status, f.old_path FROM changed_files f "
            "JOIN commits c ON f.source = c.source AND f.commit_id = c.source_id WHERE c.repo = ?",
            [repo],
        ).fetchall():
            if sha in on_chain:
                changes[sha].append(file_tree.TreeChange(status, path, old_path))
                unknown += status is None
        if unknown:
            note = f"{repo}: {unknown} changes imported without their git status (import again): {fallback}"
            self._trees[repo] = (None, [note])
            return self._trees[repo]
        notes = []
        if missing is not None:
            notes.append(
                f"{repo}: HEAD's first-parent history stops at {missing[:12]}, a commit not imported: "
                "files unchanged since then are not counted"
            )
        self._trees[repo] = (file_tree.FileTree([(sha, times[sha]) for sha in chain], changes), notes)
        return self._trees[repo]

    def live_changes(
        self, *, repo: str | None = None, since: date | None = None, until: date | None = None
    ) -> ir.Table:
        """The change table over the files that exist at the analysis instant, each change under their path then.

        Per repository: with an imported HEAD, its first-parent history is replayed (`orgflow.sociotech.file_tree`):
        deleted files are gone, renames are followed, and a commit that only renames a file (no line added or
        deleted) is left out, since moving a file teaches nothing of its content. Without one (a saved numstat
        export, which has no git statuses), the files whose net lines (added - deleted) are positive and that
        never had a binary change, under their own paths. Changes committed after the instant are left out.
        """
        key = ("live", repo, since, until)
        if key in self._tables:
            return self._tables[key]
        changes = self.changes(repo=repo, since=since, until=until)
        instant = self.analysis_instant(until)
        cut = instant.replace(tzinfo=None)  # the store's TIMESTAMPs are naive UTC
        kept = changes.filter(_.committed_at <= cut)
        names = sorted(self._arrow(kept.select("repo").distinct())["repo"].to_pylist())
        notes: list[str] = []
        trees: dict[str, file_tree.FileTree] = {}
        for name in names:
            tree, tree_notes = self.file_tree(name)
            notes.extend(tree_notes)
            if tree is not None:
                trees[name] = tree
                sha = tree.sha_at(tree.position_at(cut))
                notes.append(
                    f"{name}: the files in the tree of {sha[:12] if sha else 'no commit'} "
                    f"(HEAD's first-parent history on {instant:%Y-%m-%d %H:%M} UTC); renames followed"
                )
        self._live_notes[key] = notes
        columns = ("repo", "revision", "author", "authored_at", "committed_at", "path", "added", "deleted", "status")
        parts = []
        fallback = [name for name in names if name not in trees]
        if fallback:
            parts.append(_positive_net_changes(kept.filter(_.repo.isin(fallback))).select(*columns))
        if trees:
            mapping = self._register(("livepaths", repo, since, until), self._tree_paths(kept, trees, cut))
            joined = kept.join(
                mapping, [kept.repo == mapping.m_repo, kept.revision == mapping.m_revision, kept.path == mapping.m_path]
            )
            parts.append(joined.mutate(path=_.live_path).select(*columns))
        live = parts[0] if parts else kept.filter(ibis.literal(False)).select(*columns)
        for part in parts[1:]:
            live = live.union(part, distinct=False)
        return self._materialize(key, self.backend.compile(live))

    def _tree_paths(self, kept: ir.Table, trees: dict[str, file_tree.FileTree], cut: datetime) -> pa.Table:
        """m_repo, m_revision, m_path, live_path: where each change of a replayed repository lives at `cut`."""
        columns = ("repo", "revision", "path", "committed_at", "added", "deleted", "status")
        table = self._arrow(kept.filter(_.repo.isin(sorted(trees))).select(*columns))
        mapped: dict[str, list[str]] = {"m_repo": [], "m_revision": [], "m_path": [], "live_path": []}
        positions = {name: tree.position_at(cut) for name, tree in trees.items()}
        for name, revision, path, committed_at, added, deleted, status in zip(
            *(table[column].to_pylist() for column in columns), strict=True
        ):
            if status == "R" and added == 0 and deleted == 0:
                continue  # only moved: no delivery
            live_path = trees[name].current_path(
                path, revision=revision, committed_at=committed_at, position=positions[name]
            )
            if live_path is not None:
                mapped["m_repo"].append(name)
                mapped["m_revision"].append(revision)
                mapped["m_path"].append(path)
                mapped["live_path"].append(live_path)
        return pa.table({name: pa.array(values, pa.string()) for name, values in mapped.items()})

    def live_notes(self, *, repo: str | None, since: date | None, until: date | None) -> list[str]:
        """What `live_changes` said about the files it kept (computed with it)."""
        self.live_changes(repo=repo, since=since, until=until)
        return list(self._live_notes[("live", repo, since, until)])

    def mapper(self) -> FileMapper:
        """The file → component mapper from the catalog (owners on the date), the globs and CODEOWNERS rules."""
        if self._mapper is None:
            org = self.org
            catalog = [
                CatalogComponent(component_id, component.path_globs, org.owner_on(component_id, self.day))
                for component_id, component in sorted(org.components.items())
                if component.path_globs
            ]
            rules = [
                CodeownersRule(repo, line, pattern, tuple(owners))
                for repo, line, pattern, owners in self._workspace.store.connection.execute(
                    "SELECT repo, line, pattern, owners FROM ownership_rules ORDER BY repo, line"
                ).fetchall()
            ]
            self._mapper = FileMapper(catalog=catalog, globs=self._globs, codeowners=rules, order=self._mapping_order)
        return self._mapper

    def file_map(self, changes: ir.Table, key: tuple[Any, ...]) -> ir.Table:
        """repo, path, component, strategy, owner for every file of `changes` (one row per owner)."""
        if ("files", *key) in self._tables:
            return self._tables[("files", *key)]
        paths = self._arrow(changes.select("repo", "path").distinct())
        rows = self.mapper().map_paths(zip(paths["repo"].to_pylist(), paths["path"].to_pylist(), strict=True))
        for row in rows:
            if row["component"] is not None and row["owner"] is not None:
                owners = self._component_owners.setdefault(str(row["component"]), ())
                if row["owner"] not in owners:
                    self._component_owners[str(row["component"])] = (*owners, str(row["owner"]))
        schema = pa.schema([(name, pa.string()) for name in ("repo", "path", "component", "strategy", "owner")])
        return self._register(("files", *key), pa.Table.from_pylist(rows, schema=schema))

    def at_level(
        self, level: str, *, repo: str | None, since: date | None, until: date | None, live: bool = False
    ) -> ir.Table:
        """The change table with `entity` at `level`: file path, component, or owning team.

        With `live`, only the files that exist at the analysis instant, under their current paths (`live_changes`).
        """
        if level not in LEVELS:
            raise InputError(f"unknown level {level!r} (use {', '.join(LEVELS)})", field="level")
        if live:
            changes = self.live_changes(repo=repo, since=since, until=until)
        else:
            changes = self.changes(repo=repo, since=since, until=until)
        if level == "file":
            return change_table.as_files(changes)
        files = self.file_map(changes, (repo, since, until, live))
        if level == "component":
            files = files.select("repo", "path", "component").distinct()
            return change_table.with_entity(changes, files, column="component")
        return change_table.with_entity(changes, files, column="owner")

    def owner_of(self, component: str) -> str | None:
        """A component's owner: the catalog's owner on the date, else the first CODEOWNERS owner of its rule."""
        if component in self.org.components or any(row.component_id == component for row in self.org.ownerships):
            return self.org.owner_on(component, self.day)
        owners = self._component_owners.get(component, ())
        return owners[0] if owners else None

    def team_changes(self, changes: ir.Table, key: tuple[Any, ...]) -> ir.Table:
        """`changes` with `team`: the author's team on the change's UTC day (org_model.attribute), or null."""
        if ("teams", *key) in self._tables:
            mapped = self._tables[("teams", *key)]
            return changes.left_join(mapped, changes.revision == mapped.t_revision).drop("t_revision")
        commits = self._arrow(changes.select("revision", "author", "authored_at").distinct()).to_pylist()
        teams = attribute(
            self._workspace.store.connection,
            [(row["author"], row["authored_at"].replace(tzinfo=UTC)) for row in commits],
        )
        table = pa.table(
            {
                "t_revision": pa.array([row["revision"] for row in commits], pa.string()),
                "team": pa.array(teams, pa.string()),
            }
        )
        mapped = self._register(("teams", *key), table)
        return changes.left_join(mapped, changes.revision == mapped.t_revision).drop("t_revision")

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
        teams = attribute(self._workspace.store.connection, [(name, self.now) for name in names])
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
        if not team_of:
            row["congruence"] = None
        notes = [] if team_of else ["no author is a team member on the date: congruence needs the org (memberships)"]
        params = {"repo": repo, "level": level, "since": since, "until": until, **self.thresholds.as_params()}
        return self._result("congruence", pa.Table.from_pylist([row]), params, notes)

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
        notes = [] if table.num_rows else ["no change is attributed to a team: drift needs memberships"]
        return self._result("drift", table, {"repo": repo, "since": since, "until": until}, notes)

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
        connection = self._workspace.store.connection
        if "coupling" in chosen and connection.execute("SELECT count(*) FROM commits").fetchone()[0]:
            changes = self.at_level("component", repo=repo, since=since, until=until)
            rows = self._arrow(coupling.change_coupling(changes, thresholds=self.thresholds)).to_pylist()
            edges += dependencies.coupling_edges(rows, self.owner_of)
        if "blocking" in chosen and connection.execute("SELECT count(*) FROM item_links").fetchone()[0]:
            flow = self._workspace.metrics_at(self.now)
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


def _positive_net_changes(changes: ir.Table) -> ir.Table:
    """The changes of the files whose net lines (added - deleted over `changes`) are positive and that never had a
    binary change: what a numstat log without statuses tells of the files that still exist."""
    net = changes.group_by(["repo", "path"]).aggregate(
        net_lines=(_.added - _.deleted).sum(), binary=_.added.isnull().any()
    )
    live = net.filter(~_.binary, _.net_lines > 0).select(n_repo=_.repo, n_path=_.path)
    return changes.join(live, [changes.repo == live.n_repo, changes.path == live.n_path]).drop("n_repo", "n_path")
