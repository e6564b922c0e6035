"""Socio-technical analysis from git: the change table every analysis reads, and files mapped to components.

The change table has one row per (commit, file): ``repo, revision, author, authored_at, committed_at, path,
added, deleted`` (lines; null for binary files) and ``status`` (git's letter, null from a numstat export). Merge
commits are left out (their rows repeat, against the first parent, what their branch changed). A window selects
commits by ``committed_at``, the time the change landed.

Files map to an *entity* for component- and team-level analyses. A `FileMapper` tries its strategies in a
configurable order and the first that matches wins:

- ``catalog``: the path globs of a catalog component (`components.path_globs`); its owner is the component's
  owner (the `component_ownerships` row valid on the date, else `components.owner_id`);
- ``globs``: globs given in the configuration, glob → component name (no declared owner);
- ``codeowners``: the repository's CODEOWNERS rule that matches last; the component is the rule's pattern and
  its owners are the rule's owners.

A path no strategy matches maps to no component (left out of component- and team-level figures, counted in the
result notes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import ibis
import ibis.expr.types as ir
from ibis import _

from orgflow.query.lookups import sql_literal
from orgflow.sources.codeowners import pattern_regex

MAPPING_STRATEGIES = ("catalog", "globs", "codeowners")
"""The file → component strategies, in the default order."""


def changes_sql(*, repo: str | None = None, since: datetime | None = None, until: datetime | None = None) -> str:
    """SQL of the change table over the store's `commits` and `changed_files` (naive UTC bounds, half-open)."""
    conditions = ["NOT c.is_merge"]
    if repo is not None:
        conditions.append(f"c.repo = {sql_literal(repo)}")
    if since is not None:
        conditions.append(f"c.committed_at >= TIMESTAMP {sql_literal(since.replace(tzinfo=None))}")
    if until is not None:
        conditions.append(f"c.committed_at < TIMESTAMP {sql_literal(until.replace(tzinfo=None))}")
    return (
        "SELECT c.repo, c.source_id AS revision, c.author, c.authored_at, c.committed_at, "
        "f.path, f.added, f.deleted, f.status "
        "FROM commits c JOIN changed_files f ON f.source = c.source AND f.commit_id = c.source_id "
        f"WHERE {' AND '.join(conditions)}"
    )


def with_entity(changes: ir.Table, entities: ir.Table, *, column: str = "entity") -> ir.Table:
    """The change rows whose (repo, path) maps to an entity, `entity` set to `entities[column]`.

    `entities` has columns repo, path and `column`; a path listed under several entities (a file with two
    CODEOWNERS owners at team level) yields one change row per entity.
    """
    chosen = entities.select(m_repo=_.repo, m_path=_.path, entity=entities[column]).filter(_.entity.notnull())
    joined = changes.join(chosen, [changes.repo == chosen.m_repo, changes.path == chosen.m_path])
    return joined.drop("m_repo", "m_path")


def as_files(changes: ir.Table) -> ir.Table:
    """The change rows with `entity` = the file path (file level)."""
    return changes.mutate(entity=_.path)


# -- file → component mapping ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogComponent:
    """A component with the globs of its source files and its owner on the analysis date."""

    component_id: str
    path_globs: tuple[str, ...]
    owner: str | None = None


@dataclass(frozen=True)
class CodeownersRule:
    """One CODEOWNERS line: later lines win."""

    repo: str
    line: int
    pattern: str
    owners: tuple[str, ...]


@dataclass(frozen=True)
class FileMapping:
    """Where one file belongs: its component, the strategy that matched and the declared owners."""

    component: str | None
    strategy: str | None
    owners: tuple[str, ...] = ()


@dataclass
class FileMapper:
    """Maps a repository path to a component and its declared owners, strategies tried in `order`."""

    catalog: Sequence[CatalogComponent] = ()
    globs: dict[str, str] = field(default_factory=dict)
    codeowners: Sequence[CodeownersRule] = ()
    order: tuple[str, ...] = MAPPING_STRATEGIES

    def __post_init__(self) -> None:
        unknown = [name for name in self.order if name not in MAPPING_STRATEGIES]
        if unknown:
            raise ValueError(f"unknown mapping strategies {unknown} (use {', '.join(MAPPING_STRATEGIES)})")
        self._catalog = [(component, [glob_regex(glob) for glob in component.path_globs]) for component in self.catalog]
        self._globs = [(glob_regex(glob), name) for glob, name in self.globs.items()]
        by_repo: dict[str, list[tuple[re.Pattern[str], CodeownersRule]]] = {}
        for rule in sorted(self.codeowners, key=lambda rule: (rule.repo, rule.line)):
            by_repo.setdefault(rule.repo, []).append((pattern_regex(rule.pattern), rule))
        self._codeowners = {repo: rules[::-1] for repo, rules in by_repo.items()}

    def map_path(self, repo: str, path: str) -> FileMapping:
        """The first strategy's answer for `path` of `repo` (FileMapping(None, None) when none matches)."""
        for strategy in self.order:
            if strategy == "catalog":
                for component, patterns in self._catalog:
                    if any(pattern.match(path) for pattern in patterns):
                        owners = (component.owner,) if component.owner else ()
                        return FileMapping(component.component_id, "catalog", owners)
            elif strategy == "globs":
                for pattern, name in self._globs:
                    if pattern.match(path):
                        return FileMapping(name, "globs")
            else:
                for pattern, rule in self._codeowners.get(repo, ()):
                    if pattern.fullmatch(path):
                        return FileMapping(rule.pattern, "codeowners", rule.owners)
        return FileMapping(None, None)

    def map_paths(self, pairs: Iterable[tuple[str, str]]) -> list[dict[str, object]]:
        """One row per (repo, path): repo, path, component, strategy, owners (list), owner (one row per owner).

        Returns rows ready for a table: a file with two owners gives two rows (same component).
        """
        rows: list[dict[str, object]] = []
        for repo, path in pairs:
            found = self.map_path(repo, path)
            for owner in found.owners or (None,):
                rows.append(
                    {
                        "repo": repo,
                        "path": path,
                        "component": found.component,
                        "strategy": found.strategy,
                        "owner": owner,
                    }
                )
        return rows


@lru_cache(maxsize=4096)
def glob_regex(glob: str) -> re.Pattern[str]:
    """A catalog or configuration glob as a regex on repository paths.

    ``**`` matches across directories, ``*`` and ``?`` within one; a glob ending in ``/`` (or naming a
    directory with ``/**``) matches everything below it. A leading ``/`` or ``./`` is ignored.
    """
    text = glob.strip()
    text = text[2:] if text.startswith("./") else text.lstrip("/")
    prefix = text.endswith("/")
    body = _translate(text.rstrip("/") if prefix else text)
    return re.compile(f"{body}(/.*)?$" if prefix else f"{body}$")


def _translate(glob: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(glob):
        char = glob[index]
        if glob.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if glob.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


# -- ownership drift --------------------------------------------------------------------------------------


def ownership_drift(team_changes: ir.Table, declared: ir.Table) -> ir.Table:
    """Declared owner of each entity against the team that actually changes it most.

    Args:
        team_changes: change rows with entity, revision and team (the author's team on the change date;
            rows without a team are left out).
        declared: entity, declared_owner (one row per declared owner; an entity may have several).

    Returns:
        One row per entity with attributed changes: entity, declared_owners (list), top_team, top_team_share
        (its share of the entity's attributed revisions), declared_share (share of the declared owners),
        revisions, drift (true when the top team is not a declared owner; null when nothing is declared).
        Ties go to the team name first in alphabetical order.
    """
    per_team = (
        team_changes.filter(_.team.notnull())
        .select("entity", "revision", "team")
        .distinct()
        .group_by(["entity", "team"])
        .aggregate(revisions=_.count())
    )
    totals = per_team.group_by("entity").aggregate(total=_.revisions.sum())
    ranked = per_team.mutate(rank=ibis.row_number().over(group_by="entity", order_by=[ibis.desc("revisions"), "team"]))
    top = ranked.filter(_.rank == 0).select(t_entity=_.entity, top_team=_.team, top_revisions=_.revisions)
    owners = declared.group_by(o_entity=_.entity).aggregate(
        declared_owners=_.declared_owner.collect(order_by=_.declared_owner)
    )
    hits = per_team.join(declared, [per_team.entity == declared.entity, per_team.team == declared.declared_owner])
    declared_hits = hits.group_by(h_entity=per_team.entity).aggregate(declared_revisions=per_team.revisions.sum())
    result = (
        totals.join(top, totals.entity == top.t_entity)
        .left_join(owners, totals.entity == owners.o_entity)
        .left_join(declared_hits, totals.entity == declared_hits.h_entity)
    )
    return result.select(
        totals.entity,
        result.declared_owners,
        result.top_team,
        top_team_share=result.top_revisions / result.total,
        declared_share=result.declared_revisions.fill_null(0) / result.total,
        revisions=result.total,
        drift=ibis.ifelse(
            result.declared_owners.isnull(), ibis.null("boolean"), ~result.declared_owners.contains(result.top_team)
        ),
    ).order_by([ibis.desc("drift"), "entity"])
