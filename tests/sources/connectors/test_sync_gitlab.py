"""GitLab sync of a small project: exact records by hand, equal to the file import, then nothing to write."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

from replay_gitlab import PROJECT, GitlabReplay, project_data
from tests.sources.connectors.conftest import TOKEN_ENV, dump, open_store

from orgflow.config import Config
from orgflow.sources import gitlab as gitlab_format
from orgflow.sources.connectors.base import SKIP_UNCHANGED
from orgflow.sources.connectors.gitlab import SKIP_UNFINISHED
from orgflow.sources.connectors.settings import SourceSettings
from orgflow.sources.connectors.sync import sync_source


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=None)


def test_gitlab_sync(server, client_factory, tmp_path):
    data = project_data()
    server.apis = [GitlabReplay(data, base_url=server.url)]
    server.faults = {2: "429", 6: "cut", 9: "500"}
    settings = SourceSettings(
        name="shop", kind="gitlab", url=server.url, query=PROJECT, token_env=TOKEN_ENV, page_size=2
    )
    store = open_store(tmp_path / "sync.duckdb")

    summary = sync_source(store, Config(), settings, client_factory=client_factory)

    query = store.connection.execute
    assert query(
        "SELECT item_id, seq, changed_at, from_status, to_status FROM status_transitions ORDER BY ALL"
    ).fetchall() == [
        ("acme/shop#1", 0, _t("2024-03-01 09:00"), None, "Open"),
        ("acme/shop#1", 1, _t("2024-03-02 10:00"), "Open", "In dev"),
        ("acme/shop#1", 2, _t("2024-03-04 12:00"), "In dev", "Review"),
        ("acme/shop#1", 3, _t("2024-03-05 17:00"), "Review", "Closed"),
        ("acme/shop#2", 0, _t("2024-03-03 08:00"), None, "Open"),
        ("acme/shop#2", 1, _t("2024-03-04 08:00"), "Open", "blocked"),
        ("acme/shop#2", 2, _t("2024-03-06 08:00"), "blocked", "Open"),
        ("acme/shop#2", 3, _t("2024-03-07 08:00"), "Open", "blocked"),
        ("acme/shop#3", 0, _t("2024-03-02 08:00"), None, "Open"),
        ("acme/shop#3", 1, _t("2024-03-08 10:00"), "Open", "Closed"),
    ]
    assert query("SELECT item_id, seq, started_at, ended_at FROM blocked_intervals ORDER BY ALL").fetchall() == [
        ("acme/shop#2", 0, _t("2024-03-04 08:00"), _t("2024-03-06 08:00")),
        ("acme/shop#2", 1, _t("2024-03-07 08:00"), None),
    ]
    assert query("SELECT source_id, item_type, status, resolved_at FROM work_items ORDER BY 1").fetchall() == [
        ("acme/shop#1", "bug", "Closed", _t("2024-03-05 17:00")),
        ("acme/shop#2", "Issue", "blocked", None),
        ("acme/shop#3", "Issue", "Closed", _t("2024-03-08 10:00")),
    ]
    assert query("SELECT source_id, number, merged_at, merge_commit FROM pull_requests ORDER BY 1").fetchall() == [
        ("acme/shop!10", 10, _t("2024-03-04 15:00"), "a" * 40),
        ("acme/shop!11", 11, None, None),
    ]
    assert query(
        "SELECT source_id, environment, status, started_at, finished_at FROM deployments ORDER BY 1"
    ).fetchall() == [
        ("acme/shop/100", "production", "success", _t("2024-03-04 15:06"), _t("2024-03-04 15:19:30")),
        ("acme/shop/101", "production", "failure", _t("2024-03-06 10:01"), _t("2024-03-06 10:11")),
    ]
    assert (summary.fetched, summary.new, summary.changed) == (8, 7, 0)
    assert summary.skipped == Counter({SKIP_UNFINISHED: 1})
    assert summary.retries == 3

    path = tmp_path / "export.jsonl"
    rows = data["issues"] + data["merge_requests"] + data["deployments"]
    path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    imported = open_store(tmp_path / "file.duckdb")
    imported.write(gitlab_format.load([path], config=Config(), options={"source": "shop", "project": PROJECT}))
    assert dump(store) == dump(imported)

    again = sync_source(store, Config(), settings, client_factory=client_factory)
    assert (again.new, again.changed, again.writes) == (0, 0, 0)
    # Re-read within the 10-minute overlap of each cursor: issue 3, merge request !11, deployment 102.
    assert again.skipped == Counter({SKIP_UNCHANGED: 2, SKIP_UNFINISHED: 1})
