"""Published golden vectors of the socio-technical metrics, worked out by hand in the comments.

Sources of the examples: code-maat's own tests (change coupling of {A,B,C} and {A,B}; communication of three
authors on two entities), Avelino et al. 2016 (degree of authorship), Cataldo et al. 2006 (congruence).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pytest

from orgflow.sociotech.authorship import (
    degree_of_authorship,
    degree_of_authorship_value,
    main_developer,
    truck_factor,
)
from orgflow.sociotech.congruence import (
    communication,
    congruence,
    congruence_of_pairs,
    conway_alignment,
    coordination_pairs,
    coordination_requirements,
    team_coordination,
)
from orgflow.sociotech.coupling import CouplingThresholds, change_coupling, sum_of_coupling

LOW = CouplingThresholds(min_revs=1, min_shared_revs=1, min_degree=1, max_changeset_size=30)
T0 = datetime(2024, 1, 1)


@pytest.fixture(scope="module")
def backend() -> ibis.BaseBackend:
    return ibis.duckdb.connect()


def changes(backend: ibis.BaseBackend, rows: list[tuple[Any, ...]]) -> ir.Table:
    """(revision, author, entity[, added, deleted]) rows; revision n was authored n hours after T0."""
    full = [
        {
            "revision": str(row[0]),
            "author": row[1],
            "entity": row[2],
            "authored_at": T0 + timedelta(hours=int(row[0])),
            "added": row[3] if len(row) > 3 else 1,
            "deleted": row[4] if len(row) > 4 else 0,
        }
        for row in rows
    ]
    return backend.create_table(f"changes_{abs(hash(str(rows)))}", ibis.memtable(full), overwrite=True)


def rows(table: ir.Table, *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(row[c] for c in columns) for row in table.to_pyarrow().to_pylist()]


def test_change_coupling_of_abc_and_ab(backend: ibis.BaseBackend) -> None:
    # Revisions {A,B,C} and {A,B}: revs A 2, B 2, C 1. A–B: 2 shared / ((2+2)/2) = 100 %.
    # A–C: 1 / ((2+1)/2) = 66.67 %, truncated to 66 as code-maat does (int); average 1.5 shown rounded up: 2.
    history = changes(backend, [(1, "x", "A"), (1, "x", "B"), (1, "x", "C"), (2, "x", "A"), (2, "x", "B")])
    coupling = change_coupling(history, thresholds=LOW)
    assert rows(coupling, "entity", "coupled", "degree", "average_revs", "shared_revs") == [
        ("A", "B", 100, 2, 2),
        ("A", "C", 66, 2, 1),
        ("B", "C", 66, 2, 1),
    ]
    exact = dict(((a, b), d) for a, b, d in rows(coupling, "entity", "coupled", "degree_exact"))
    assert exact[("A", "C")] == pytest.approx(200 / 3)
    # Sum of coupling: A is changed with 2 others in rev 1 and 1 other in rev 2: 3; B 3; C 2.
    assert rows(sum_of_coupling(history), "entity", "soc", "revs") == [("A", 3, 2), ("B", 3, 2), ("C", 2, 1)]


def test_coupling_thresholds_and_changeset_size(backend: ibis.BaseBackend) -> None:
    history = changes(backend, [(1, "x", "A"), (1, "x", "B"), (1, "x", "C"), (2, "x", "A"), (2, "x", "B")])
    # Exact degree 66.67 passes a 66 threshold and fails a 67 one (the threshold compares the exact value).
    passed = change_coupling(history, thresholds=CouplingThresholds(1, 1, 66, 30))
    assert len(rows(passed, "entity")) == 3
    failed = change_coupling(history, thresholds=CouplingThresholds(1, 1, 67, 30))
    assert rows(failed, "entity", "coupled") == [("A", "B")]
    # Min revs compares the average: A–C averages 1.5 < 2; A–B averages 2.
    assert rows(change_coupling(history, thresholds=CouplingThresholds(2, 1, 1, 30)), "entity") == [("A",)]
    # Max change set 2 drops revision 1 entirely: only {A,B} is left, A–B 100 % with 1 revision each.
    small = change_coupling(history, thresholds=CouplingThresholds(1, 1, 1, 2))
    assert rows(small, "entity", "coupled", "degree", "revs_entity") == [("A", "B", 100, 1)]


def test_communication_classic_example(backend: ibis.BaseBackend) -> None:
    # code-maat's example: A changed by at, jt, ap; B by at, jt. Entities: at 2, jt 2, ap 1.
    # at–jt share 2, average ceil((2+2)/2) = 2: 100. at–ap share 1, average ceil((2+1)/2) = 2: 50.
    history = changes(backend, [(1, "at", "A"), (2, "jt", "A"), (3, "ap", "A"), (4, "at", "B"), (5, "jt", "B")])
    assert rows(communication(history), "author", "peer", "shared", "average", "strength") == [
        ("jt", "at", 2, 2, 100),
        ("at", "jt", 2, 2, 100),
        ("jt", "ap", 1, 2, 50),
        ("at", "ap", 1, 2, 50),
        ("ap", "jt", 1, 2, 50),
        ("ap", "at", 1, 2, 50),
    ]


def test_degree_of_authorship_values() -> None:
    # Creator with 3 later changes: 3.293 + 1.098 + 0.164·3 − 0.321·ln(1 + 1) = 4.6605 (the other made 1).
    # The other: 3.293 + 0.164·1 − 0.321·ln(1 + 3) = 3.0120. Ratio 3.0120 / 4.6605 = 0.646 < 0.75.
    assert degree_of_authorship_value(1, 3, 1) == pytest.approx(4.883 - 0.321 * math.log(2))
    assert round(degree_of_authorship_value(1, 3, 1), 4) == 4.6605
    assert round(degree_of_authorship_value(0, 1, 3), 4) == 3.0120
    assert round(degree_of_authorship_value(0, 1, 3) / degree_of_authorship_value(1, 3, 1), 3) == 0.646


def test_degree_of_authorship_from_history(backend: ibis.BaseBackend) -> None:
    # ana creates f (rev 1) and changes it 3 more times; bo changes it once: DL ana 3, AC ana 1; bo DL 1, AC 3.
    history = changes(backend, [(1, "ana", "f"), (2, "ana", "f"), (3, "bo", "f"), (4, "ana", "f"), (5, "ana", "f")])
    got = rows(degree_of_authorship(history), "author", "first_authorship", "deliveries", "acceptances", "is_author")
    assert got == [("ana", 1, 3, 1, True), ("bo", 0, 1, 3, False)]
    doa = {row["author"]: row for row in degree_of_authorship(history).to_pyarrow().to_pylist()}
    assert round(doa["ana"]["doa"], 4) == 4.6605
    assert round(doa["bo"]["doa"], 4) == 3.0120
    assert round(doa["bo"]["doa_relative"], 3) == 0.646


def test_truck_factor_greedy() -> None:
    # 4 files: ana authors f1 f2 f3, bo f3 f4, cy f4. Coverage 4/4; remove ana (3 files): f3 f4 remain, 2/4 = 50 %,
    # not under 50 %; remove bo (2 files): f4 remains, 1/4 < 50 %: truck factor 2.
    pairs = [("f1", "ana"), ("f2", "ana"), ("f3", "ana"), ("f3", "bo"), ("f4", "bo"), ("f4", "cy")]
    assert truck_factor(pairs, ["f1", "f2", "f3", "f4"]) == (2, ["ana", "bo"], 0.25)
    # A fifth file without author: after ana, 2/5 < 50 %: truck factor 1.
    assert truck_factor(pairs, ["f1", "f2", "f3", "f4", "f5"]) == (1, ["ana"], 0.4)
    assert truck_factor([], []) == (0, [], 0.0)


def test_main_developer_and_fragmentation(backend: ibis.BaseBackend) -> None:
    # f: ana 3 revisions (1 line each), bo 1 revision with 10 lines. Ownership 3/4; by lines bo 10/13.
    # Fragmentation 1 − (3/4)² − (1/4)² = 1 − 10/16 = 0.375.
    history = changes(backend, [(1, "ana", "f"), (2, "ana", "f"), (3, "ana", "f"), (4, "bo", "f", 10, 2)])
    (row,) = main_developer(history).to_pyarrow().to_pylist()
    assert (row["main_dev"], row["main_dev_revs"], row["ownership"]) == ("ana", 3, 0.75)
    assert (row["main_dev_by_lines"], row["main_dev_added"]) == ("bo", 10)
    assert row["ownership_by_lines"] == pytest.approx(10 / 13)
    assert row["fragmentation"] == pytest.approx(0.375)


CATALDO_TA = [[0, 1, 0], [0, 1, 1], [1, 1, 0]]
CATALDO_TD = [[1, 1, 0], [1, 1, 1], [0, 1, 1]]


def test_cataldo_congruence() -> None:
    # T_A·T_D = [[1,1,1],[1,2,2],[2,2,1]]; times T_Aᵀ gives C_R = [[1,2,2],[2,4,3],[2,3,4]].
    # Every off-diagonal cell is positive (6 ordered pairs); only A–B (both ways)
    # actually coordinated: congruence 2/6.
    required = coordination_requirements(np.array(CATALDO_TA), np.array(CATALDO_TD))
    assert required.tolist() == [[1, 2, 2], [2, 4, 3], [2, 3, 4]]
    actual = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]])
    assert congruence(required, actual) == (2, 6, pytest.approx(2 / 6))


def test_cataldo_congruence_on_tables(backend: ibis.BaseBackend) -> None:
    # The same example through the sparse table path gives the same C_R off the diagonal.
    people, tasks = "ABC", "xyz"
    assignment = [
        {"person": people[i], "task": tasks[j], "weight": 1.0} for i in range(3) for j in range(3) if CATALDO_TA[i][j]
    ]
    dependencies = [
        {"task": tasks[i], "depends_on": tasks[j], "weight": 1.0}
        for i in range(3)
        for j in range(3)
        if CATALDO_TD[i][j]
    ]
    pairs = coordination_pairs(ibis.memtable(assignment), ibis.memtable(dependencies))
    got = {(row["person"], row["peer"]): row["weight"] for row in backend.to_pyarrow(pairs).to_pylist()}
    expected = coordination_requirements(np.array(CATALDO_TA), np.array(CATALDO_TD))
    assert got == {(people[i], people[j]): expected[i][j] for i in range(3) for j in range(3) if i != j}
    assert congruence_of_pairs(got, [("A", "B"), ("B", "A")]) == (2, 6, pytest.approx(1 / 3))


def test_team_lift_and_conway_alignment() -> None:
    # Teams: {A, B} and {C}. With C_R's diagonal zeroed: intra-team weight C_R[A,B] + C_R[B,A] = 4;
    # between teams 2+3 (A,B→C) and 2+3 (C→A,B); alignment 4 / 14 = 2/7.
    required = coordination_requirements(np.array(CATALDO_TA), np.array(CATALDO_TD))
    membership = np.array([[1, 0], [1, 0], [0, 1]])
    lifted = team_coordination(required, membership)
    assert lifted.tolist() == [[4, 5], [5, 0]]
    assert conway_alignment(lifted) == pytest.approx(2 / 7)
