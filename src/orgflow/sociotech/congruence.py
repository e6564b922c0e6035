"""Who needs to talk to whom: communication strength (code-maat) and socio-technical congruence (Cataldo et al.).

- **Communication strength** between two authors (code-maat's ``communication``): shared = the entities both
  changed; average = the mean of their entity counts, rounded up; strength = 100 · shared / average,
  truncated to an integer. Both directions of a pair are listed. Team communication strength is the same on
  changes whose author is replaced by their team.
- **Coordination requirements** (Cataldo et al. 2006, 2008): with task assignment T_A (people × tasks) and task
  dependencies T_D (tasks × tasks, a task depending on itself), C_R = T_A · T_D · T_Aᵀ.
- **Congruence** = |{(i, j): i ≠ j, C_R[i, j] > 0 and C_A[i, j] > 0}| / |{(i, j): i ≠ j, C_R[i, j] > 0}|,
  counted over ordered pairs, C_A being the coordination that actually happened.
- **Team coordination**: with membership M (people × teams, allocation as weight) and C_R's diagonal set to 0
  (nobody coordinates with themselves), C_T = Mᵀ · C_R · M. **Conway alignment** = trace(C_T) / Σ C_T, the
  share of coordination-requirement weight that stays inside a team.
"""

from __future__ import annotations

from collections.abc import Iterable

import ibis
import ibis.expr.types as ir
import numpy as np
from ibis import _

# -- communication strength -------------------------------------------------------------------------------


def communication(changes: ir.Table, *, who: str = "author") -> ir.Table:
    """Communication strength of every pair of authors (or teams: pass `who="team"`) sharing an entity.

    Returns:
        author, peer, shared, average (rounded up), strength (integer percent, truncated); both directions;
        sorted by strength then author, descending as code-maat does.
    """
    touched = changes.select(person=changes[who], entity=_.entity).filter(_.person.notnull()).distinct()
    counts = touched.group_by("person").aggregate(entities=_.count())
    left = touched.select(l_person=_.person, l_entity=_.entity)
    right = touched.select(r_person=_.person, r_entity=_.entity)
    pairs = left.join(right, [left.l_entity == right.r_entity, left.l_person != right.r_person])
    shared = pairs.group_by(author=_.l_person, peer=_.r_person).aggregate(shared=_.count())
    mine = counts.select(m_person=_.person, mine=_.entities)
    theirs = counts.select(t_person=_.person, theirs=_.entities)
    joined = shared.join(mine, shared.author == mine.m_person).join(theirs, _.peer == theirs.t_person)
    average = (joined.mine + joined.theirs + 1) // 2
    result = joined.select("author", "peer", "shared", average=average, strength=(100 * joined.shared) // average)
    return result.order_by([ibis.desc("strength"), ibis.desc("author"), ibis.desc("peer")])


# -- congruence on matrices (small problems and the published examples) ------------------------------------


def coordination_requirements(task_assignment: np.ndarray, task_dependencies: np.ndarray) -> np.ndarray:
    """C_R = T_A · T_D · T_Aᵀ (people × people)."""
    assignment = np.asarray(task_assignment, dtype=float)
    return assignment @ np.asarray(task_dependencies, dtype=float) @ assignment.T


def congruence(required: np.ndarray, actual: np.ndarray) -> tuple[int, int, float | None]:
    """(matched, required, congruence) over ordered off-diagonal pairs; congruence None when nothing is required."""
    required = np.asarray(required, dtype=float)
    off = ~np.eye(required.shape[0], dtype=bool)
    needed = (required > 0) & off
    matched = needed & (np.asarray(actual, dtype=float) > 0)
    count = int(needed.sum())
    return int(matched.sum()), count, (int(matched.sum()) / count if count else None)


def team_coordination(required: np.ndarray, membership: np.ndarray) -> np.ndarray:
    """C_T = Mᵀ · C_R · M with C_R's diagonal zeroed (teams × teams)."""
    between = np.array(required, dtype=float)
    np.fill_diagonal(between, 0.0)
    members = np.asarray(membership, dtype=float)
    return members.T @ between @ members


def conway_alignment(team_matrix: np.ndarray) -> float | None:
    """trace(C_T) / Σ C_T: the intra-team share of coordination-requirement weight (None when Σ is 0)."""
    matrix = np.asarray(team_matrix, dtype=float)
    total = float(matrix.sum())
    return float(np.trace(matrix)) / total if total else None


# -- congruence on tables (a repository's history) ---------------------------------------------------------


def coordination_pairs(assignment: ir.Table, dependencies: ir.Table) -> ir.Table:
    """C_R as a sparse table: person, peer, weight (off the diagonal, weight > 0).

    Args:
        assignment: person, task, weight (T_A's non-zero cells).
        dependencies: task, depends_on, weight (T_D's non-zero cells, the diagonal included when a task
            depends on itself).
    """
    left = assignment.select(person=_.person, l_task=_.task, l_weight=_.weight)
    right = assignment.select(peer=_.person, r_task=_.task, r_weight=_.weight)
    step = left.join(dependencies, left.l_task == dependencies.task).select(
        "person", d_task=dependencies.depends_on, partial=left.l_weight * dependencies.weight
    )
    full = step.join(right, step.d_task == right.r_task).filter(_.person != _.peer)
    return full.group_by(["person", "peer"]).aggregate(weight=(_.partial * _.r_weight).sum()).filter(_.weight > 0)


def congruence_of_pairs(
    required: Iterable[tuple[str, str]], actual: Iterable[tuple[str, str]]
) -> tuple[int, int, float | None]:
    """(matched, required, congruence) from ordered pairs (person, peer) with C_R > 0 and with C_A > 0."""
    needed = {(person, peer) for person, peer in required if person != peer}
    done = set(actual)
    matched = len(needed & done)
    return matched, len(needed), (matched / len(needed) if needed else None)


def team_coordination_pairs(required: ir.Table, membership: ir.Table) -> ir.Table:
    """C_T as a sparse table: team, peer_team, weight, from C_R pairs and membership (person, team, weight)."""
    mine = membership.select(m_person=_.person, team=_.team, m_weight=_.weight)
    theirs = membership.select(t_person=_.person, peer_team=_.team, t_weight=_.weight)
    lifted = required.join(mine, required.person == mine.m_person).join(theirs, _.peer == theirs.t_person)
    return lifted.group_by(["team", "peer_team"]).aggregate(weight=(_.weight * _.m_weight * _.t_weight).sum())


def team_congruence(required: ir.Table, membership: ir.Table) -> ir.Table:
    """Congruence and Conway alignment when actual coordination means sharing a team.

    Args:
        required: C_R pairs (person, peer, weight), off the diagonal.
        membership: person, team (one team per person).

    Returns:
        One row: required_pairs, coordinated_pairs (required pairs in one team), congruence (null when
        nothing is required), intra_weight (the C_R weight of required pairs in one team), team_weight
        (the C_R weight between people who both have a team) and conway_alignment = intra_weight /
        team_weight (null when no weight). The weights are float64 in C_R's unit: with every T_A and
        T_D cell 1 (as `SocioTechService.congruence` builds them), a pair's weight counts the (entity
        one changed, entity the other changed) pairs that are the same entity or change-coupled, and a
        weight here sums it over ordered pairs.
    """
    mine = membership.select(m_person=_.person, m_team=_.team)
    theirs = membership.select(t_person=_.person, t_team=_.team)
    joined = required.left_join(mine, required.person == mine.m_person).left_join(
        theirs, required.peer == theirs.t_person
    )
    same = joined.m_team.notnull() & (joined.m_team == joined.t_team)
    both = joined.m_team.notnull() & joined.t_team.notnull()
    summary = joined.aggregate(
        required_pairs=joined.count(),
        coordinated_pairs=same.cast("int64").sum().fill_null(0).cast("int64"),
        intra_weight=ibis.ifelse(same, joined.weight, 0.0).sum().fill_null(0.0).cast("float64"),
        team_weight=ibis.ifelse(both, joined.weight, 0.0).sum().fill_null(0.0).cast("float64"),
    )
    return summary.mutate(
        congruence=ibis.ifelse(_.required_pairs > 0, _.coordinated_pairs / _.required_pairs, None),
        conway_alignment=ibis.ifelse(_.team_weight > 0, _.intra_weight / _.team_weight, None),
    )
