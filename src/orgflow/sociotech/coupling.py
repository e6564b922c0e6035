"""Change coupling and sum of coupling (code-maat's definitions), at any entity level.

Input: a change table with at least `revision` and `entity` (a file path, a component or a team; see
`orgflow.sociotech.changes`). A revision's *change set* is the distinct entities it touches.

- Change sets larger than `max_changeset_size` entities are dropped first (bulk moves and reformatting would
  couple everything); an entity's revisions are counted over the change sets that remain, single-entity ones
  included.
- **Degree** of a pair = 100 · shared / ((revs_a + revs_b) / 2), truncated to an integer as code-maat does
  (``int``: 66.67 → 66). It is computed in integers, ``(200 · shared) // (revs_a + revs_b)``, so no rounding
  error can move a value across an integer.
- **average_revs** is shown rounded up, as code-maat does ((2 + 1) / 2 → 2); the thresholds compare the exact
  average: kept pairs have average ≥ `min_revs`, shared ≥ `min_shared_revs` and exact degree ≥ `min_degree`.
- **Sum of coupling** of an entity = Σ over its (kept) revisions of the other entities changed in the same
  revision; with the {A,B,C}, {A,B} history: A 3, B 3, C 2.

Defaults follow code-maat's command line: min revs 5, min shared revs 5, min coupling 30 %, max change set 30.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
from ibis import _


@dataclass(frozen=True)
class CouplingThresholds:
    """Filters of change coupling (code-maat's command-line defaults)."""

    min_revs: int = 5
    min_shared_revs: int = 5
    min_degree: int = 30
    max_changeset_size: int = 30

    def as_params(self) -> dict[str, int]:
        return dict(self.__dict__)


def change_sets(changes: ir.Table, *, max_changeset_size: int) -> ir.Table:
    """Distinct (revision, entity) of revisions touching at most `max_changeset_size` entities, with `size`."""
    pairs = changes.select("revision", "entity").distinct()
    sizes = pairs.group_by("revision").aggregate(size=_.count())
    kept = sizes.filter(_.size <= max_changeset_size)
    return pairs.join(kept, "revision").select("revision", "entity", "size")


def entity_revisions(changes: ir.Table, *, max_changeset_size: int) -> ir.Table:
    """Revisions per entity over the kept change sets: entity, revs."""
    return change_sets(changes, max_changeset_size=max_changeset_size).group_by("entity").aggregate(revs=_.count())


def change_coupling(changes: ir.Table, *, thresholds: CouplingThresholds | None = None) -> ir.Table:
    """Change coupling of every pair of entities changed together, once per pair (entity < coupled).

    Returns:
        entity, coupled, shared_revs, revs_entity, revs_coupled, average_revs (rounded up), degree (integer
        percent, truncated), degree_exact (float percent); pairs under a threshold are left out; sorted by
        degree then average revisions, descending.
    """
    limits = thresholds or CouplingThresholds()
    sets = change_sets(changes, max_changeset_size=limits.max_changeset_size)
    revs = sets.group_by("entity").aggregate(revs=_.count())
    left = sets.select(l_revision=_.revision, l_entity=_.entity)
    right = sets.select(r_revision=_.revision, r_entity=_.entity)
    pairs = left.join(right, [left.l_revision == right.r_revision, left.l_entity < right.r_entity])
    shared = pairs.group_by(entity=_.l_entity, coupled=_.r_entity).aggregate(shared_revs=_.count())
    revs_a = revs.select(a_entity=_.entity, revs_entity=_.revs)
    revs_b = revs.select(b_entity=_.entity, revs_coupled=_.revs)
    joined = shared.join(revs_a, shared.entity == revs_a.a_entity).join(revs_b, _.coupled == revs_b.b_entity)
    total = joined.revs_entity + joined.revs_coupled
    measured = joined.select(
        "entity",
        "coupled",
        "shared_revs",
        "revs_entity",
        "revs_coupled",
        average_revs=(total + 1) // 2,
        degree=(200 * joined.shared_revs) // total,
        degree_exact=200.0 * joined.shared_revs / total,
        revs_total=total,
    )
    kept = measured.filter(
        _.revs_total >= 2 * limits.min_revs,
        _.shared_revs >= limits.min_shared_revs,
        200 * _.shared_revs >= limits.min_degree * _.revs_total,
    )
    return kept.drop("revs_total").order_by([ibis.desc("degree"), ibis.desc("average_revs"), "entity", "coupled"])


def sum_of_coupling(changes: ir.Table, *, max_changeset_size: int = 30) -> ir.Table:
    """Sum of coupling per entity: Σ over its kept revisions of (change-set size − 1).

    Returns:
        entity, soc, revs; sorted by soc descending. Entities only ever changed alone have soc 0.
    """
    sets = change_sets(changes, max_changeset_size=max_changeset_size)
    summed = sets.group_by("entity").aggregate(soc=(_.size - 1).sum(), revs=_.count())
    return summed.order_by([ibis.desc("soc"), "entity"])


def coupled_entities(coupling: ir.Table) -> ir.Table:
    """Both directions of each coupled pair (entity, coupled, degree, shared_revs): a dependency matrix T_D."""
    forward = coupling.select("entity", "coupled", "degree", "shared_revs")
    backward = coupling.select(entity=_.coupled, coupled=_.entity, degree=_.degree, shared_revs=_.shared_revs)
    return forward.union(backward)
