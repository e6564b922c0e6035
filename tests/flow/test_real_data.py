"""Flow figures on the real-data pack, against independent computations written here in plain Python."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest

import orgflow
from orgflow.config import DEFAULT_WORKFLOW, status_key

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOW = datetime(2026, 11, 1, tzinfo=UTC)
FIRST_DAY = date(2000, 1, 1)
"""Before the first item of every export here: figures over the whole history (the default window is 90 days)."""


def _instant(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)


def test_apache_jira_counts_and_lead_times_per_project(tmp_path: Path, shared_data: Path) -> None:
    path = shared_data / "jira" / "apache-amq-zookeeper.jsonl.gz"
    workspace = orgflow.init(tmp_path)
    workspace.import_files("jira", [path])
    rows = {row["project"]: row for row in workspace.flow_at(NOW).summary(by="project", since=FIRST_DAY).rows()}

    # Independent: an issue is finished-and-done when it has a resolution date, its current status is
    # in the default workflow's done stage, and its resolution is not a cancelling one.
    done_statuses = {
        status_key(s) for stage in DEFAULT_WORKFLOW.stages if stage.category == "done" for s in stage.statuses
    }
    cancelling = {status_key(r) for r in DEFAULT_WORKFLOW.cancelled_resolutions}
    issues: dict[str, int] = defaultdict(int)
    resolved: dict[str, int] = defaultdict(int)
    leads: dict[str, list[float]] = defaultdict(list)
    cancelled: dict[str, int] = defaultdict(int)
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle.read().split("\n"):
            if not line:
                continue
            fields = json.loads(line)["fields"]
            project = fields["project"]["key"]
            issues[project] += 1
            if not fields.get("resolutiondate"):
                continue
            resolved[project] += 1
            if status_key(fields["status"]["name"]) not in done_statuses:
                continue
            resolution = status_key((fields.get("resolution") or {}).get("name") or "")
            if resolution in cancelling:
                cancelled[project] += 1
                continue
            created, finished = _instant(fields["created"]), _instant(fields["resolutiondate"])
            leads[project].append((finished - created).total_seconds() / 86_400)

    assert dict(issues) == {"AMQ": 4_649, "ZOOKEEPER": 1_827}
    assert dict(resolved) == {"AMQ": 4_220, "ZOOKEEPER": 1_237}
    items = workspace.store.connection.execute(
        "SELECT project, count(*), count(resolved_at) FROM work_items GROUP BY project ORDER BY project"
    ).fetchall()
    assert items == [("AMQ", 4_649, 4_220), ("ZOOKEEPER", 1_827, 1_237)]
    for project in ("AMQ", "ZOOKEEPER"):
        row = rows[project]
        assert row["finished"] == len(leads[project])
        assert row["cancelled"] == cancelled[project]
        for p in (50, 85, 95):
            expected = float(np.percentile(leads[project], p, method="linear"))
            assert row[f"lead_time_p{p}"] == pytest.approx(expected, rel=1e-12, abs=1e-9), (project, p)


def test_kep_per_sig_throughput_and_cycle_time(tmp_path: Path, shared_data: Path) -> None:
    path = shared_data / "kep" / "kubernetes-kep-transitions.csv"
    shutil.copy(EXAMPLES / "kep-orgflow.yaml", tmp_path / "orgflow.yaml")
    workspace = orgflow.init(tmp_path)
    options = {
        "source": "kep",
        "where": {"field": "status"},
        "map": {
            "kep_id": "item_id",
            "timestamp_iso": "timestamp",
            "from_value": "from_status",
            "to_value": "to_status",
            "owning_sig": "team",
        },
    }
    workspace.import_files("transitions", [path], options=options)
    summary = {row["team"]: row for row in workspace.flow_at(NOW).summary(by="team", since=FIRST_DAY).rows()}

    # Independent: replay each KEP's status rows in time order with the example workflow.
    category = {
        "provisional": "backlog",
        "draft": "backlog",
        "pending": "backlog",
        "accepted": "backlog",
        "implementable": "active",
        "deferred": "wait",
        "implemented": "done",
        "withdrawn": "cancelled",
        "rejected": "cancelled",
        "replaced": "cancelled",
        "superseded": "cancelled",
        "removed": "cancelled",
    }
    histories: dict[str, list[tuple[datetime, int, str]]] = defaultdict(list)
    team_of: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for order, row in enumerate(csv.DictReader(handle)):
            if row["field"] != "status":
                continue
            moment = datetime.fromisoformat(row["timestamp_iso"]).astimezone(UTC)
            histories[row["kep_id"]].append((moment, order, row["to_value"]))
            team_of[row["kep_id"]] = row["owning_sig"]
    cycle: dict[str, list[float]] = defaultdict(list)
    for kep, history in histories.items():
        history.sort()
        kinds = [category.get(status_key(status), "unmapped") for _, _, status in history]
        started = next((moment for (moment, _, _), kind in zip(history, kinds, strict=True) if kind != "backlog"), None)
        if kinds[-1] != "done":
            continue
        last_open = max((i for i, kind in enumerate(kinds) if kind not in ("done", "cancelled")), default=-1)
        finished = history[last_open + 1][0]
        cycle[team_of[kep]].append((finished - started).total_seconds() / 86_400)

    for sig in ("sig-node", "sig-storage", "sig-api-machinery"):
        assert summary[sig]["finished"] == len(cycle[sig]), sig
        for p in (50, 85):
            expected = float(np.percentile(cycle[sig], p, method="linear"))
            assert summary[sig][f"cycle_time_p{p}"] == pytest.approx(expected, rel=1e-12, abs=1e-9), (sig, p)
    assert sum(row["finished"] for row in summary.values()) == sum(len(v) for v in cycle.values())

    # The messy values are reported as unmapped statuses, with their counts.
    from orgflow.flow.quality import unmapped_statuses

    unmapped = {
        row["status"]: row["transitions"]
        for row in unmapped_statuses(workspace.store.connection, workspace.config).to_pylist()
    }
    messy = {
        "implementeable",
        "impementable",
        "imlpemented",
        "implemented (alpha)",
        "implemented (beta)",
        "provisional|implementable|implemented|deferred|rejected|withdrawn|replaced",
    }
    assert messy <= set(unmapped)
    assert all(count >= 1 for count in unmapped.values())
