"""Who knows the code: main developer, ownership share, fragmentation, degree of authorship, truck factor.

Input: a change table (revision, author, authored_at, entity, added, deleted; see `orgflow.sociotech.changes`).
An author's *revisions* of an entity are the distinct commits of theirs that touch it.

- **Main developer** (code-maat): the author with most revisions of the entity; **ownership share** = their
  revisions / the entity's revisions. The same by **added lines** (code-maat's main-dev by lines).
- **Fragmentation** (code-maat's fractal value) = 1 − Σ_i (revs_i / revs)²: 0 for a single author, near 1 for
  many authors with small shares.
- **Degree of authorship** (Avelino et al. 2016): DOA = 3.293 + 1.098·FA + 0.164·DL − 0.321·ln(1 + AC), with
  FA = 1 for the author of the file's first commit, DL = the author's deliveries (their commits to the file,
  the creating commit not counted, as in the authors' tool), AC = the deliveries of everybody else. An
  *author* of the file has DOA / max DOA of the file ≥ 0.75 and DOA ≥ 3.293.
- **Truck factor** (Avelino et al. 2016): remove the author of most files, again and again, until fewer than
  50 % of the files keep an author; the number removed is the truck factor.

Which files: the service hands these functions the *live* change table (`SocioTechService.live_changes`):
the files that exist at the analysis date, found by replaying the first-parent history of the imported HEAD
(`orgflow.sociotech.file_tree`), each change filed under the path its file has at that date. Renames are
followed as Avelino et al. do: the creator of a.txt is the first author of b.txt after `git mv a.txt b.txt`,
and a commit that only renames (no line added or deleted) is no delivery. A saved numstat export has no git
statuses: there, the files with positive net lines (Σ added − Σ deleted) and no binary change count, under
their own paths.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping

import ibis
import ibis.expr.types as ir
from ibis import _

DOA_BASE = 3.293
DOA_FIRST_AUTHORSHIP = 1.098
DOA_DELIVERIES = 0.164
DOA_ACCEPTANCES = 0.321
AUTHOR_RELATIVE = 0.75
AUTHOR_ABSOLUTE = 3.293
TRUCK_COVERAGE = 0.5


def degree_of_authorship_value(first_authorship: int, deliveries: int, acceptances: int) -> float:
    """DOA = 3.293 + 1.098·FA + 0.164·DL − 0.321·ln(1 + AC) (Avelino et al. 2016)."""
    return (
        DOA_BASE
        + DOA_FIRST_AUTHORSHIP * first_authorship
        + DOA_DELIVERIES * deliveries
        - DOA_ACCEPTANCES * math.log(1 + acceptances)
    )


def author_revisions(changes: ir.Table) -> ir.Table:
    """Revisions and lines per (entity, author): entity, author, revs, added, deleted."""
    per_revision = changes.group_by(["entity", "author", "revision"]).aggregate(
        added=_.added.sum(), deleted=_.deleted.sum()
    )
    return per_revision.group_by(["entity", "author"]).aggregate(
        revs=_.count(), added=_.added.sum().fill_null(0), deleted=_.deleted.sum().fill_null(0)
    )


def main_developer(changes: ir.Table) -> ir.Table:
    """Main developer and ownership share per entity, by revisions and by added lines, with fragmentation.

    Returns:
        entity, revs, authors, main_dev, main_dev_revs, ownership (share of revisions), main_dev_by_lines,
        main_dev_added, ownership_by_lines (share of added lines; null when no lines were added),
        fragmentation. Ties go to the author name first in alphabetical order.
    """
    per_author = author_revisions(changes)
    totals = per_author.group_by("entity").aggregate(
        revs=_.revs.sum(),
        authors=_.count(),
        added_total=_.added.sum(),
        squares=(_.revs * _.revs).sum(),
    )
    by_revs = per_author.mutate(
        rank=ibis.row_number().over(group_by="entity", order_by=[ibis.desc("revs"), "author"])
    ).filter(_.rank == 0)
    by_lines = per_author.mutate(
        rank=ibis.row_number().over(group_by="entity", order_by=[ibis.desc("added"), "author"])
    ).filter(_.rank == 0)
    joined = totals.join(by_revs.select("entity", main_dev=_.author, main_dev_revs=_.revs), "entity").join(
        by_lines.select("entity", main_dev_by_lines=_.author, main_dev_added=_.added), "entity"
    )
    return joined.select(
        "entity",
        "revs",
        "authors",
        "main_dev",
        "main_dev_revs",
        ownership=_.main_dev_revs / _.revs,
        main_dev_by_lines=_.main_dev_by_lines,
        main_dev_added=_.main_dev_added,
        ownership_by_lines=ibis.ifelse(_.added_total > 0, _.main_dev_added / _.added_total, None),
        fragmentation=1.0 - _.squares / (_.revs * _.revs),
    ).order_by([ibis.desc("revs"), "entity"])


def degree_of_authorship(changes: ir.Table) -> ir.Table:
    """DOA of every author of every file (entity), and whether they count as its author.

    Returns:
        entity, author, first_authorship (0/1), deliveries, acceptances, doa, doa_relative (doa / the file's
        max), is_author (relative ≥ 0.75 and doa ≥ 3.293). The file's first commit is the earliest by author
        time (ties: lowest revision id).
    """
    commits = changes.select("entity", "author", "revision", "authored_at").distinct()
    first = commits.mutate(rank=ibis.row_number().over(group_by="entity", order_by=["authored_at", "revision"])).filter(
        _.rank == 0
    )
    first = first.select(f_entity=_.entity, f_author=_.author)
    per_author = commits.group_by(["entity", "author"]).aggregate(commits=_.count())
    marked = per_author.left_join(
        first, [per_author.entity == first.f_entity, per_author.author == first.f_author]
    ).select("entity", "author", "commits", first_authorship=first.f_author.notnull().cast("int64"))
    marked = marked.mutate(deliveries=_.commits - _.first_authorship)
    whole = ibis.window(group_by="entity")
    marked = marked.mutate(acceptances=_.deliveries.sum().over(whole) - _.deliveries)
    scored = marked.mutate(
        doa=DOA_BASE
        + DOA_FIRST_AUTHORSHIP * _.first_authorship
        + DOA_DELIVERIES * _.deliveries
        - DOA_ACCEPTANCES * (1 + _.acceptances).cast("float64").ln()
    )
    scored = scored.mutate(doa_relative=_.doa / _.doa.max().over(whole))
    return scored.select(
        "entity",
        "author",
        "first_authorship",
        "deliveries",
        "acceptances",
        "doa",
        "doa_relative",
        is_author=(_.doa_relative >= AUTHOR_RELATIVE) & (_.doa >= AUTHOR_ABSOLUTE),
    ).order_by(["entity", ibis.desc("doa"), "author"])


def truck_factor(
    file_authors: Iterable[tuple[str, str]], files: Iterable[str], *, coverage: float = TRUCK_COVERAGE
) -> tuple[int, list[str], float]:
    """Greedy truck factor of one set of files (Avelino et al. 2016).

    Args:
        file_authors: (file, author) pairs of DOA authors.
        files: every file of the set (files without an author count in the denominator).
        coverage: the share of files that must keep an author (0.5).

    Returns:
        (truck factor, the authors removed in order, the coverage left after removing them). The author of
        most files goes first; ties go to the name first in alphabetical order. An empty set has truck
        factor 0.
    """
    universe = set(files)
    if not universe:
        return 0, [], 0.0
    by_author: dict[str, set[str]] = defaultdict(set)
    for file, author in file_authors:
        if file in universe:
            by_author[author].add(file)
    removed: list[str] = []
    while True:
        covered = set().union(*by_author.values()) if by_author else set()
        share = len(covered) / len(universe)
        if share < coverage or not by_author:
            return len(removed), removed, share
        top = min(by_author, key=lambda author: (-len(by_author[author]), author))
        removed.append(top)
        del by_author[top]


def truck_factors(
    file_authors: Iterable[tuple[str, str]], groups: Mapping[str, Iterable[str]], *, coverage: float = TRUCK_COVERAGE
) -> list[dict[str, object]]:
    """Truck factor of each group of files (a repository, a component, a team's files).

    Returns:
        One row per group: group, files, authored_files (files with at least one author), truck_factor,
        truck_authors (list, in removal order), coverage_left.
    """
    pairs = list(file_authors)
    authored = {file for file, _author in pairs}
    rows: list[dict[str, object]] = []
    for group, members in sorted(groups.items()):
        universe = set(members)
        factor, removed, left = truck_factor(pairs, universe, coverage=coverage)
        rows.append(
            {
                "group": group,
                "files": len(universe),
                "authored_files": len(universe & authored),
                "truck_factor": factor,
                "truck_authors": removed,
                "coverage_left": left,
            }
        )
    return rows


def knowledge_islands(
    changes: ir.Table, *, authors: ir.Table | None = None, active_authors: ir.Table | None = None
) -> ir.Table:
    """Entities whose knowledge sits with one person, or with nobody left in the organization.

    Args:
        changes: the change table at the chosen level.
        authors: (entity, author) pairs that count as knowing the entity (e.g. DOA authors); by default
            everybody who changed it.
        active_authors: a table with column `author` of people still in the organization; when given, an
            entity all of whose knowing authors are gone is an island too.

    Returns:
        entity, revs, authors (count of knowing authors), sole_author (when one), gone_authors (how many of
        them left; null when membership is unknown), reason (``single author`` or ``authors left``).
    """
    revs = changes.select("entity", "revision").distinct().group_by("entity").aggregate(revs=_.count())
    knowing = authors if authors is not None else changes.select("entity", "author").distinct()
    if active_authors is not None:
        active = active_authors.select(a_author=_.author).distinct().mutate(active=ibis.literal(True))
        knowing = knowing.left_join(active, knowing.author == active.a_author).select(
            "entity", "author", gone=active.active.isnull()
        )
    else:
        knowing = knowing.mutate(gone=ibis.null("boolean"))
    summary = knowing.group_by("entity").aggregate(
        authors=_.count(),
        sole_author=_.author.max(),
        gone_authors=_.gone.cast("int64").sum(),
    )
    summary = summary.join(revs, "entity")
    reason = ibis.cases(
        (_.authors == 1, "single author"),
        (_.gone_authors.notnull() & (_.gone_authors == _.authors), "authors left"),
        else_=ibis.null("string"),
    )
    marked = summary.mutate(reason=reason).filter(_.reason.notnull())
    return marked.select(
        "entity",
        "revs",
        "authors",
        sole_author=ibis.ifelse(_.authors == 1, _.sole_author, None),
        gone_authors=_.gone_authors,
        reason=_.reason,
    ).order_by([ibis.desc("revs"), "entity"])
