"""The demo's delivery history: a consistent commit graph, deployments of it, and the stories it tells."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from orgflow.demo import DemoSummary, build_demo
from orgflow.workspace import open_workspace


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    return build_demo(tmp_path_factory.mktemp("delivery") / "workspace", items=500)


def _query(directory: Path, sql: str) -> list[tuple[Any, ...]]:
    with open_workspace(directory, read_only=True) as workspace:
        return workspace.store.connection.execute(sql).fetchall()


def test_every_parent_and_revision_is_a_commit_of_the_same_repository(demo: DemoSummary) -> None:
    commits = {
        (repo, sha): parents
        for repo, sha, parents in _query(demo.directory, "SELECT repo, source_id, parents FROM commits")
    }
    missing_parents = [
        (repo, parent) for (repo, _), parents in commits.items() for parent in parents if (repo, parent) not in commits
    ]
    assert missing_parents == []
    revisions = _query(demo.directory, "SELECT service, revision FROM deployments")
    assert all((service, revision) in commits for service, revision in revisions)


def test_a_merged_pull_request_is_a_merge_of_its_last_commit(demo: DemoSummary) -> None:
    rows = _query(
        demo.directory,
        "SELECT p.commits, c.parents, p.merged_at = c.committed_at FROM pull_requests p "
        "JOIN commits c ON c.source_id = p.merge_commit WHERE p.merged_at IS NOT NULL",
    )
    assert len(rows) > 1000
    assert all(parents[-1] == commits[-1] and same_time for commits, parents, same_time in rows)


def test_payments_deploys_only_through_the_tuesday_train(demo: DemoSummary) -> None:
    """The approval cluster's normal deployments are Tuesdays 14:00 UTC; hotfixes and rollbacks are not."""
    rows = _query(
        demo.directory,
        "SELECT DISTINCT dayofweek(finished_at), hour(finished_at) FROM deployments "
        "WHERE service IN ('payments-api', 'billing-service', 'checkout-web') AND kind = 'normal'",
    )
    assert rows == [(2, 14)]


def test_the_bus_factor_component_has_one_author(demo: DemoSummary) -> None:
    authors = _query(
        demo.directory, "SELECT DISTINCT author FROM commits WHERE repo = 'fraud-scoring' AND subject <> 'Hotfix'"
    )
    assert len(authors) == 1


def test_ownership_of_the_split_team_components_changes_at_the_reorganization(demo: DemoSummary) -> None:
    rows = _query(
        demo.directory,
        "SELECT group_id, valid_from, valid_to FROM component_ownerships "
        "WHERE component_id = 'shipping-api' ORDER BY valid_from NULLS FIRST",
    )
    assert rows == [("shipping", None, demo.reorg_date), ("shipping-domestic", demo.reorg_date, None)]
    assert isinstance(demo.reorg_date, date)


def test_explicit_incident_links_name_a_deployment_of_the_same_service(demo: DemoSummary) -> None:
    rows = _query(
        demo.directory,
        "SELECT i.service = d.service, i.started_at > d.finished_at FROM incidents i "
        "JOIN deployments d ON d.source_id = i.deployment_id",
    )
    linked = _query(demo.directory, "SELECT count(*) FROM incidents WHERE deployment_id IS NOT NULL")[0][0]
    assert len(rows) == linked > 0
    assert all(same and after for same, after in rows)


def test_the_makefile_shows_the_demo_as_of_its_own_end() -> None:
    """`make demo` passes the demo's "now" to the commands; it must be the generator's DEFAULT_END."""
    import re
    from datetime import datetime

    from orgflow.demo import DEFAULT_END

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text(encoding="utf-8")
    now = re.search(r"^DEMO_NOW := (\S+)$", makefile, flags=re.MULTILINE)
    day = re.search(r"^DEMO_DAY := (\S+)$", makefile, flags=re.MULTILINE)
    assert now and day
    assert datetime.fromisoformat(now.group(1)) == DEFAULT_END
    assert day.group(1) == DEFAULT_END.date().isoformat()
