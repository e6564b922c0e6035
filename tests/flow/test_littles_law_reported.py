"""Little's law takes its departures' cycle times as the summary does: from the source's reported time in
status for done items without status history (Jira without changelog), so the two never disagree on
whether, or how many, items skipped their start.

Three issues of ../shared/data/jira/apache-amq-zookeeper.jsonl.gz (the hand computation of each
reported cycle time is in test_reported_times.py): AMQ-280 5,988,000 ms, ZOOKEEPER-541 609,138,646 ms,
ZOOKEEPER-1653 3,166,631,764 ms. Their status history alone has every one go from backlog straight to done.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import orgflow
from orgflow.workspace import Workspace

DAY_MS = 86_400_000
REAL_ISSUES = ("AMQ-280", "ZOOKEEPER-541", "ZOOKEEPER-1653")


@pytest.fixture
def real_issues(tmp_path: Path, shared_data: Path) -> Iterator[Workspace]:
    chosen = tmp_path / "chosen.jsonl"
    with gzip.open(shared_data / "jira" / "apache-amq-zookeeper.jsonl.gz", "rt", encoding="utf-8") as lines:
        kept = [line for line in lines if json.loads(line)["key"] in REAL_ISSUES]
    chosen.write_text("".join(kept), encoding="utf-8")
    workspace = orgflow.init(tmp_path / "ws")
    workspace.import_files("jira", [chosen])
    yield workspace
    workspace.close()


def test_the_mean_cycle_time_is_the_reported_one(real_issues: Workspace) -> None:
    service = real_issues.flow_at(datetime(2020, 1, 1, tzinfo=UTC))
    result = service.littles_law(since=date(2005, 1, 1))
    (row,) = result.rows()

    mean = (5_988_000 + 609_138_646 + 3_166_631_764) / 3 / DAY_MS
    assert row["departures"] == 3 and row["unknown_reasons"] is None
    assert row["mean_cycle_time_days"] == pytest.approx(mean, rel=1e-12)
    assert result.notes == [
        "mean cycle time: from the source's reported time in status for 3 of 3 finished items (they have no "
        "status history; docs/metrics.md, 'Reported time in status')"
    ]
    # The summary counts the same items as timed: none skipped its start.
    (summary,) = service.summary(since=date(2005, 1, 1)).rows()
    assert (summary["finished"], summary["skipped_start"]) == (3, 0)
