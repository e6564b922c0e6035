"""Unknown is not zero per item, on the real-data pack with no orgflow.yaml (a newcomer's first run).

- The webcompat GitHub export maps no status to an active stage, so `flow sle` gives its team no SLE;
  `flow age` then judges none of its open items (over_sle null, `flow sle`'s reason) and insights raise
  no `aging.past-sle` finding, where the lead-time p85 (3.93 days) used to flag 26 items.
- In the Apache Jira export most done items went from Open straight to Resolved: their cycle time is
  null with the reason in every item row, and the count of such rows is the summary's `skipped_start`,
  computed by another query.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import orgflow
from orgflow.insights import find_insights
from orgflow.workspace import Workspace

NOW = datetime(2021, 4, 22, tzinfo=UTC)
"""The end of the data's last day, as a newcomer's default `now` is."""
WINDOW = {"since": date(2018, 1, 12), "until": date(2019, 1, 11)}
TEAM = "webcompat/web-bugs"
SKIPPED = "cycle_time: skipped every active stage (skipped_start); cycle time is not measured for it"


def _imported(folder: Path, source: str, path: Path) -> Workspace:
    """A workspace in `folder` with no orgflow.yaml mapping and the export at `path` imported, opened."""
    orgflow.init(folder).close()
    workspace = orgflow.open(folder)
    workspace.import_files(source, [path])
    return workspace


@pytest.fixture(scope="module")
def github(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[Workspace]:
    # Alone: in a workspace shared with the Jira export, whose items put the same default workflow's
    # In Progress in use, the mapping would reach an active stage (the summary's rule is per workflow).
    path = shared_data / "github" / "webcompat-issues-with-events.json"
    workspace = _imported(tmp_path_factory.mktemp("webcompat"), "github", path)
    yield workspace
    workspace.close()


@pytest.fixture(scope="module")
def jira(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[Workspace]:
    path = shared_data / "jira" / "apache-amq-zookeeper.jsonl.gz"
    workspace = _imported(tmp_path_factory.mktemp("apache"), "jira", path)
    yield workspace
    workspace.close()


def test_age_judges_no_item_against_an_unknown_sle(github: Workspace) -> None:
    service = github.flow_at(NOW)
    sle = {(row["team_id"], row["item_type"]): row for row in service.sle().rows()}
    age = service.age()
    webcompat = [row for row in age.rows() if row["team_id"] == TEAM]
    assert len(webcompat) == 40
    reason = sle[(TEAM, "Issue")]["unknown_reasons"]
    assert sle[(TEAM, "Issue")]["sle_days"] is None and "no status maps to an active stage" in reason
    for row in age.rows():
        expected = sle[(row["team_id"], row["item_type"])]
        assert row["sle_days"] == expected["sle_days"]
        said = expected["unknown_reasons"]
        assert row["unknown_reasons"] == (None if said is None else said.replace("sle_days:", "sle_days, over_sle:"))
        if row["sle_days"] is None:
            assert row["over_sle"] is None
    assert all(row["over_sle"] is None for row in webcompat)
    assert [finding for finding in find_insights(github, now=NOW) if finding.rule == "aging.past-sle"] == []


def test_skipped_items_have_no_cycle_time(jira: Workspace) -> None:
    service = jira.flow_at(NOW)
    cycle = service.cycle_time(**WINDOW)
    unknown = Counter(row["team_id"] for row in cycle.rows() if row["cycle_time_days"] is None)
    assert all(row["unknown_reasons"] == SKIPPED for row in cycle.rows() if row["skipped_start"])
    assert all(row["cycle_time_days"] is not None for row in cycle.rows() if not row["skipped_start"])
    summary = {row["team"]: row for row in service.summary(by="team", **WINDOW).rows()}
    assert unknown == {team: row["skipped_start"] for team, row in summary.items() if row["skipped_start"]}
    assert dict(unknown) == {"AMQ": 50, "ZOOKEEPER": 52}
    assert cycle.notes[0] == (
        "cycle_time: 102 of 112 finished items skipped every active stage (skipped_start); cycle time is not "
        "measured for them (null, not 0; their lead time stands)"
    )
    # The items list gives every done item the same cycle time, and keeps the lead time of each.
    items = {row["item_id"]: row for row in service.items(state="done", **WINDOW).rows()}
    assert {row["item_id"]: row["cycle_time_days"] for row in cycle.rows()} == {
        key: row["cycle_time_days"] for key, row in items.items()
    }
    assert all(row["lead_time_days"] is not None for row in items.values())
