"""`SocioTechTables`: the tables socio-technical figures are computed from, for one workspace and `now`.

The change table of a repository and window is materialized once (a temporary table of the store's
connection, private to this object), and so is its *live* form: only the files that exist at the
analysis instant, each change under the path its file has then (`live_changes`). Files map to
components and owners (`FileMapper`: the catalog's path globs, configured globs, CODEOWNERS), which
gives the change table at component and team level (`at_level`). `SocioTechService` computes its
figures on these.
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

from orgflow.errors import InputError, NotFoundError
from orgflow.org.structure import OrgModel, attribute
from orgflow.query.fetch import fetch_arrow
from orgflow.sociotech import changes as change_table
from orgflow.sociotech import file_tree
from orgflow.sociotech.changes import CatalogComponent, CodeownersRule, FileMapper

if TYPE_CHECKING:
    from orgflow.query.context import AnalysisContext

LEVELS = ("file", "component", "team")
_SERIALS = itertools.count(1)


class SocioTechTables:
    """The change tables of one workspace as of the context's `now` (org queries use its UTC date).

    Args:
        context: the store, config and query engine; its `now` is the analysis instant (default:
            the current time).
        mapping_order: file → component strategies in order (see `orgflow.sociotech.changes`).
        globs: configured glob → component name rules.
    """

    def __init__(
        self,
        context: AnalysisContext,
        *,
        mapping_order: tuple[str, ...] = change_table.MAPPING_STRATEGIES,
        globs: dict[str, str] | None = None,
    ) -> None:
        self.context = context
        self.now = (context.now or datetime.now(UTC)).astimezone(UTC)
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
        return self.context.ibis

    @property
    def day(self) -> date:
        return self.now.date()

    @property
    def org(self) -> OrgModel:
        if self._org is None:
            self._org = OrgModel.from_store(self.context.connection)
        return self._org

    def _materialize(self, key: tuple[Any, ...], sql: str) -> ir.Table:
        if key not in self._tables:
            name = f"st_{key[0]}_{self._serial}_{len(self._tables)}"
            self.context.connection.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
            self._tables[key] = self.backend.table(name)
        return self._tables[key]

    def _register(self, key: tuple[Any, ...], table: pa.Table) -> ir.Table:
        if key not in self._tables:
            name = f"st_{key[0]}_{self._serial}_{len(self._tables)}"
            connection = self.context.connection
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
            known = self.context.connection.execute("SELECT count(*) FROM commits WHERE repo = ?", [repo]).fetchone()
            if not known or not known[0]:
                raise NotFoundError(
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
        connection = self.context.connection
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
                for repo, line, pattern, owners in self.context.connection.execute(
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
            self.context.connection,
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


def _positive_net_changes(changes: ir.Table) -> ir.Table:
    """The changes of the files whose net lines (added - deleted over `changes`) are positive and that never had a
    binary change: what a numstat log without statuses tells of the files that still exist."""
    net = changes.group_by(["repo", "path"]).aggregate(
        net_lines=(_.added - _.deleted).sum(), binary=_.added.isnull().any()
    )
    live = net.filter(~_.binary, _.net_lines > 0).select(n_repo=_.repo, n_path=_.path)
    return changes.join(live, [changes.repo == live.n_repo, changes.path == live.n_path]).drop("n_repo", "n_path")
