"""Pull-request flow: exact stage durations per pull request and their distributions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest

from orgflow.delivery.pr_flow import STAGES, pr_stages, pr_summary
from orgflow.model.code import PullRequest
from orgflow.store import ImportBatch, Store

SINCE = datetime(2024, 5, 1, tzinfo=UTC)
UNTIL = datetime(2024, 6, 1, tzinfo=UTC)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def _pr(number: int, repo: str = "acme/payments", **times: datetime | str | None) -> PullRequest:
    return PullRequest(
        source="github",
        source_id=f"{repo}#{number}",
        repo=repo,
        number=number,
        title=f"Change {number}",
        author="alice",
        created_at=times.pop("created_at"),  # type: ignore[arg-type]
        **times,  # type: ignore[arg-type]
    )


PULLS = [
    # coding 2 h, pickup 3.5 h, review 20 h, deploy 2.5 h
    _pr(
        1,
        first_commit_at=_utc(2024, 5, 1, 8),
        created_at=_utc(2024, 5, 1, 10),
        first_review_at=_utc(2024, 5, 1, 13, 30),
        merged_at=_utc(2024, 5, 2, 9, 30),
        closed_at=_utc(2024, 5, 2, 9, 30),
        merge_commit="m1",
    ),
    # first commit authored after opening: coding 0; pickup 0.75 h; review 1.5 h; "deployed" before
    # its merge, which cannot contain it: no deploy stage
    _pr(
        2,
        first_commit_at=_utc(2024, 5, 3, 9),
        created_at=_utc(2024, 5, 3, 8),
        first_review_at=_utc(2024, 5, 3, 8, 45),
        merged_at=_utc(2024, 5, 3, 10, 15),
        closed_at=_utc(2024, 5, 3, 10, 15),
        merge_commit="m2",
    ),
    # never merged: coding 12 h, pickup 6 h, no review or deploy stage
    _pr(
        3,
        first_commit_at=_utc(2024, 5, 3, 12),
        created_at=_utc(2024, 5, 4),
        first_review_at=_utc(2024, 5, 4, 6),
        closed_at=_utc(2024, 5, 5),
    ),
    # no commits known; reviewed only after the merge: merged unreviewed; deploy 48 h
    _pr(
        4,
        created_at=_utc(2024, 5, 6, 10),
        first_review_at=_utc(2024, 5, 6, 12),
        merged_at=_utc(2024, 5, 6, 11),
        closed_at=_utc(2024, 5, 6, 11),
        merge_commit="m4",
    ),
    # still open: not finished, left out
    _pr(5, created_at=_utc(2024, 5, 7), first_review_at=_utc(2024, 5, 7, 1)),
    # merged a second before the window
    _pr(6, created_at=_utc(2024, 4, 30), merged_at=_utc(2024, 4, 30, 23, 59, 59), merge_commit="m6"),
    # another repository: coding 24 h, pickup 1 h, review 4 h, deploy 1 h
    _pr(
        7,
        repo="acme/search",
        first_commit_at=_utc(2024, 5, 9),
        created_at=_utc(2024, 5, 10),
        first_review_at=_utc(2024, 5, 10, 1),
        merged_at=_utc(2024, 5, 10, 5),
        closed_at=_utc(2024, 5, 10, 5),
        merge_commit="m7",
    ),
]

DEPLOYED_AT = {
    "m1": _utc(2024, 5, 2, 12),
    "m2": _utc(2024, 5, 3, 10),
    "m4": _utc(2024, 5, 8, 11),
    "m6": _utc(2024, 5, 1),
    "m7": datetime(2024, 5, 10, 8, tzinfo=timezone(timedelta(hours=2))),  # 06:00 UTC
}

EXPECTED_HOURS = {
    # pr: (outcome, reviewed, coding, pickup, review, deploy)
    "acme/payments#1": ("merged", True, 2.0, 3.5, 20.0, 2.5),
    "acme/payments#2": ("merged", True, 0.0, 0.75, 1.5, None),
    "acme/payments#3": ("closed", True, 12.0, 6.0, None, None),
    "acme/payments#4": ("merged", False, None, None, None, 48.0),
    "acme/search#7": ("merged", True, 24.0, 1.0, 4.0, 1.0),
}


@pytest.fixture
def store() -> Iterator[Store]:
    store = Store.open(None)
    batch = ImportBatch(source="github", kind="test", origin="test")
    batch.extend(PULLS)
    store.write(batch)
    yield store
    store.close()


def _rows(store: Store, **options: object) -> list[dict]:
    return pr_stages(store.connection, since=SINCE, until=UNTIL, **options).to_pyarrow().to_pylist()  # type: ignore[arg-type]


def test_stage_hours_per_pull_request(store: Store) -> None:
    rows = _rows(store, deployed_at=DEPLOYED_AT)
    assert {
        row["pr_id"]: (
            row["outcome"],
            row["reviewed"],
            row["coding_hours"],
            row["pickup_hours"],
            row["review_hours"],
            row["deploy_hours"],
        )
        for row in rows
    } == EXPECTED_HOURS
    assert [row["pr_id"] for row in rows] == list(EXPECTED_HOURS)  # ordered by finish
    by_id = {row["pr_id"]: row for row in rows}
    assert by_id["acme/search#7"]["deployed_at"] == datetime(2024, 5, 10, 6)
    assert by_id["acme/payments#2"]["deployed_at"] is None
    assert by_id["acme/payments#3"]["finished_at"] == datetime(2024, 5, 5)


def test_without_deployments_and_with_a_repo(store: Store) -> None:
    rows = _rows(store, repo="acme/search")
    assert [(row["pr_id"], row["coding_hours"], row["deploy_hours"]) for row in rows] == [("acme/search#7", 24.0, None)]
    assert all(row["deploy_hours"] is None for row in _rows(store))


def test_window_is_half_open_on_the_finish(store: Store) -> None:
    rows = pr_stages(store.connection, since=datetime(2024, 4, 30, 23, 59, 59), until=datetime(2024, 5, 5)).to_pyarrow()
    # #6 merged exactly at since (naive means UTC): in; #3 closed exactly at until: out.
    assert rows.column("pr_id").to_pylist() == ["acme/payments#6", "acme/payments#1", "acme/payments#2"]


def _percentile(values: list[float], q: float) -> float:
    """Linear interpolation between order statistics, written out (numpy's default, checked below)."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def test_summary_per_repository_matches_hand_values(store: Store) -> None:
    stages = pr_stages(store.connection, since=SINCE, until=UNTIL, deployed_at=DEPLOYED_AT)
    rows = pr_summary(stages, by=["repo"]).to_pyarrow().to_pylist()
    assert [(row["repo"], row["stage"], row["prs"], row["count"]) for row in rows] == [
        ("acme/payments", "coding", 4, 3),
        ("acme/payments", "pickup", 4, 3),
        ("acme/payments", "review", 4, 2),
        ("acme/payments", "deploy", 4, 2),
        ("acme/search", "coding", 1, 1),
        ("acme/search", "pickup", 1, 1),
        ("acme/search", "review", 1, 1),
        ("acme/search", "deploy", 1, 1),
    ]
    payments = {row["stage"]: row for row in rows if row["repo"] == "acme/payments"}
    # By hand: coding [0, 2, 12]: p50 2, p85 2 + 0.7·10 = 9, p95 2 + 0.9·10 = 11, mean 14/3.
    hand = {
        "coding": (2.0, 9.0, 11.0, 14 / 3),
        "pickup": (3.5, 5.25, 5.75, 10.25 / 3),
        "review": (10.75, 17.225, 19.075, 10.75),
        "deploy": (25.25, 41.175, 45.725, 25.25),
    }
    for stage, (p50, p85, p95, mean) in hand.items():
        row = payments[stage]
        assert (row["p50_hours"], row["p85_hours"], row["p95_hours"], row["mean_hours"]) == pytest.approx(
            (p50, p85, p95, mean), rel=1e-12
        )
        assert row["small_sample"] is True
    search = [row for row in rows if row["repo"] == "acme/search"]
    assert [(row["p50_hours"], row["p95_hours"]) for row in search] == [
        (24.0, 24.0),
        (1.0, 1.0),
        (4.0, 4.0),
        (1.0, 1.0),
    ]


def test_summary_of_everything_agrees_with_a_loop(store: Store) -> None:
    stages = pr_stages(store.connection, since=SINCE, until=UNTIL, deployed_at=DEPLOYED_AT)
    rows = pr_summary(stages, by=(), small_sample=3).to_pyarrow().to_pylist()
    assert [row["stage"] for row in rows] == list(STAGES)
    for position in range(len(STAGES)):
        values = [hours[2 + position] for hours in EXPECTED_HOURS.values() if hours[2 + position] is not None]
        row = rows[position]
        assert (row["prs"], row["count"], row["small_sample"]) == (5, len(values), len(values) < 3)
        for q in (50, 85, 95):
            assert row[f"p{q}_hours"] == pytest.approx(_percentile(values, q / 100), rel=1e-12)
            assert row[f"p{q}_hours"] == pytest.approx(float(np.percentile(values, q)), rel=1e-12)
        assert row["mean_hours"] == pytest.approx(sum(values) / len(values), rel=1e-12)


def test_empty_window_gives_zero_counts(store: Store) -> None:
    stages = pr_stages(store.connection, since=_utc(2023, 1, 1), until=_utc(2023, 2, 1), deployed_at={})
    assert stages.to_pyarrow().num_rows == 0
    rows = pr_summary(stages, by=()).to_pyarrow().to_pylist()
    assert [(row["stage"], row["prs"], row["count"], row["p50_hours"]) for row in rows] == [
        (stage, 0, 0, None) for stage in STAGES
    ]
