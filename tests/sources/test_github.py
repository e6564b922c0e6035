"""GitHub issues with events: status replay, blocked labels, files, errors and the webcompat sample."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orgflow.config import Config, GithubMapping
from orgflow.errors import InputError
from orgflow.model.work import BlockedInterval, StatusTransition, WorkItem
from orgflow.sources import github
from orgflow.store import ImportBatch
from orgflow.workspace import init_workspace

WEBCOMPAT = Path(__file__).resolve().parents[3] / "shared" / "data" / "github" / "webcompat-issues-with-events.json"
REPO_URL = "https://api.github.com/repos/acme/shop"


def _event(kind: str, at: str, actor: str = "dev", **fields: Any) -> dict[str, Any]:
    return {"event": kind, "created_at": at, "actor": {"login": actor}, **fields}


def _issue(number: int, events: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    issue: dict[str, Any] = {
        "repository_url": REPO_URL,
        "html_url": f"https://github.com/acme/shop/issues/{number}",
        "number": number,
        "title": f"issue {number}",
        "user": {"login": "reporter"},
        "labels": [],
        "state": "open",
        "assignee": None,
        "milestone": None,
        "created_at": "2024-01-01T09:00:00Z",
        "updated_at": "2024-01-09T09:00:00Z",
        "closed_at": None,
        "events": events,
    }
    issue.update(fields)
    return issue


def _write_lines(path: Path, issues: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(issue) + "\n" for issue in issues), encoding="utf-8")
    return path


def _load(tmp_path: Path, issues: list[dict[str, Any]], **options: Any) -> ImportBatch:
    path = _write_lines(tmp_path / "issues.json", issues)
    return github.load([path], config=Config(), options=options)


def _steps(batch: ImportBatch, item_id: str) -> list[tuple[int, str, str | None, str]]:
    return [
        (record.seq, record.changed_at.isoformat(), record.from_status, record.to_status)
        for record in batch.records[StatusTransition]
        if record.item_id == item_id
    ]


def _item(batch: ImportBatch, item_id: str) -> WorkItem:
    (item,) = (record for record in batch.records[WorkItem] if record.source_id == item_id)
    return item


def test_milestone_flow_swaps_in_one_step_and_close_wins(tmp_path: Path) -> None:
    events = [
        _event("milestoned", "2024-01-01T09:00:05Z", "bot", milestone={"title": "needstriage"}),
        _event("renamed", "2024-01-02T10:00:00Z", rename={"from": "a", "to": "b"}),
        _event("demilestoned", "2024-01-02T10:00:00Z", milestone={"title": "needstriage"}),
        _event("milestoned", "2024-01-02T10:00:00Z", milestone={"title": "needsdiagnosis"}),
        _event("closed", "2024-01-04T12:00:00Z", "lead"),
        _event("demilestoned", "2024-01-04T12:00:30Z", milestone={"title": "needsdiagnosis"}),
        _event("milestoned", "2024-01-04T12:00:30Z", milestone={"title": "fixed"}),
    ]
    issue = _issue(
        7,
        events,
        state="closed",
        closed_at="2024-01-04T12:00:00Z",
        state_reason="completed",
        assignee={"login": "alice"},
        labels=[{"name": "priority-high"}, {"name": "Bug"}],
    )
    batch = _load(tmp_path, [issue])

    assert _steps(batch, "acme/shop#7") == [
        (0, "2024-01-01T09:00:00+00:00", None, "Open"),
        (1, "2024-01-01T09:00:05+00:00", "Open", "needstriage"),
        (2, "2024-01-02T10:00:00+00:00", "needstriage", "needsdiagnosis"),
        (3, "2024-01-04T12:00:00+00:00", "needsdiagnosis", "Closed"),
    ]
    authors = [record.author for record in batch.records[StatusTransition]]
    assert authors == ["reporter", "bot", "dev", "lead"]
    assert _item(batch, "acme/shop#7") == WorkItem(
        source="github",
        source_id="acme/shop#7",
        project="acme/shop",
        team_id="acme/shop",
        title="issue 7",
        item_type="Bug",
        created_at=datetime(2024, 1, 1, 9, tzinfo=UTC),
        status="Closed",
        resolved_at=datetime(2024, 1, 4, 12, tzinfo=UTC),
        resolution="completed",
        assignee="alice",
        reporter="reporter",
        labels=("priority-high", "Bug"),
        updated_at=datetime(2024, 1, 9, 9, tzinfo=UTC),
        url="https://github.com/acme/shop/issues/7",
        history="events",
    )
    assert batch.count(BlockedInterval) == 0
    assert (batch.source, batch.kind) == ("github", "github")


def test_status_labels_first_current_label_wins_and_milestone_outranks_by_default(tmp_path: Path) -> None:
    events = [
        _event("labeled", "2024-01-01T09:00:00Z", label={"name": "enhancement"}),
        _event("labeled", "2024-01-02T09:00:00Z", label={"name": "In Progress"}),
        _event("labeled", "2024-01-03T09:00:00Z", label={"name": "in review"}),
        _event("unlabeled", "2024-01-04T09:00:00Z", label={"name": "In Progress"}),
        _event("milestoned", "2024-01-05T09:00:00Z", milestone={"title": "Sprint 3"}),
        _event("unlabeled", "2024-01-06T09:00:00Z", label={"name": "in review"}),
    ]
    issue = _issue(8, events, labels=[{"name": "enhancement"}], milestone={"title": "Sprint 3"})
    batch = _load(tmp_path, [issue])

    assert _steps(batch, "acme/shop#8") == [
        (0, "2024-01-01T09:00:00+00:00", None, "Open"),
        (1, "2024-01-02T09:00:00+00:00", "Open", "In Progress"),
        (2, "2024-01-04T09:00:00+00:00", "In Progress", "in review"),
        (3, "2024-01-05T09:00:00+00:00", "in review", "Sprint 3"),
    ]
    assert _item(batch, "acme/shop#8").item_type == "enhancement"

    labels_first = Config(github=GithubMapping(status_from=("label", "milestone")))
    records = github.parse_issue(issue, config=labels_first, repo="acme/shop")
    steps = [(r.seq, r.to_status) for r in records if isinstance(r, StatusTransition)]
    assert steps == [(0, "Open"), (1, "In Progress"), (2, "in review"), (3, "Sprint 3")]
    issue_without_review_removal = _issue(9, events[:5])
    records = github.parse_issue(issue_without_review_removal, config=labels_first, repo="acme/shop")
    assert [r.to_status for r in records if isinstance(r, StatusTransition)] == ["Open", "In Progress", "in review"]


def test_reopen_returns_to_the_milestone(tmp_path: Path) -> None:
    events = [
        _event("milestoned", "2024-01-02T09:00:00Z", milestone={"title": "Sprint 1"}),
        _event("closed", "2024-01-03T09:00:00Z"),
        _event("reopened", "2024-01-05T09:00:00Z", "qa"),
        _event("closed", "2024-01-06T09:00:00Z"),
    ]
    issue = _issue(10, events, state="closed", closed_at="2024-01-06T09:00:00Z", milestone={"title": "Sprint 1"})
    batch = _load(tmp_path, [issue])

    assert _steps(batch, "acme/shop#10") == [
        (0, "2024-01-01T09:00:00+00:00", None, "Open"),
        (1, "2024-01-02T09:00:00+00:00", "Open", "Sprint 1"),
        (2, "2024-01-03T09:00:00+00:00", "Sprint 1", "Closed"),
        (3, "2024-01-05T09:00:00+00:00", "Closed", "Sprint 1"),
        (4, "2024-01-06T09:00:00+00:00", "Sprint 1", "Closed"),
    ]
    assert batch.records[StatusTransition][3].author == "qa"
    item = _item(batch, "acme/shop#10")
    # No state_reason: the resolution is the milestone the closed issue carries.
    assert (item.status, item.resolved_at, item.resolution) == (
        "Closed",
        datetime(2024, 1, 6, 9, tzinfo=UTC),
        "Sprint 1",
    )


def test_closed_not_planned_applies_to_the_final_close_or_an_event_that_says_so(tmp_path: Path) -> None:
    events = [
        _event("closed", "2024-01-02T09:00:00Z"),
        _event("reopened", "2024-01-03T09:00:00Z"),
        _event("closed", "2024-01-04T09:00:00Z"),
    ]
    final = _issue(11, events, state="closed", closed_at="2024-01-04T09:00:00Z", state_reason="not_planned")
    # The timeline form: state_reason on the close event itself, entries without created_at.
    timeline = [
        {"event": "committed", "sha": "abc", "author": {"date": "2024-01-01T10:00:00Z"}},
        _event("commented", "2024-01-01T11:00:00Z"),
        _event("closed", "2024-01-02T09:00:00Z", state_reason="not_planned"),
        _event("reopened", "2024-01-03T09:00:00Z"),
        _event("closed", "2024-01-04T09:00:00Z", state_reason="completed"),
    ]
    from_timeline = _issue(12, [], state="closed", closed_at="2024-01-04T09:00:00Z", state_reason="completed")
    del from_timeline["events"]
    from_timeline["timeline"] = timeline
    batch = _load(tmp_path, [final, from_timeline])

    assert _steps(batch, "acme/shop#11") == [
        (0, "2024-01-01T09:00:00+00:00", None, "Open"),
        (1, "2024-01-02T09:00:00+00:00", "Open", "Closed"),
        (2, "2024-01-03T09:00:00+00:00", "Closed", "Open"),
        (3, "2024-01-04T09:00:00+00:00", "Open", "Closed (not planned)"),
    ]
    assert _item(batch, "acme/shop#11").resolution == "not_planned"
    assert _steps(batch, "acme/shop#12") == [
        (0, "2024-01-01T09:00:00+00:00", None, "Open"),
        (1, "2024-01-02T09:00:00+00:00", "Open", "Closed (not planned)"),
        (2, "2024-01-03T09:00:00+00:00", "Closed (not planned)", "Open"),
        (3, "2024-01-04T09:00:00+00:00", "Open", "Closed"),
    ]


def test_closed_issue_with_truncated_events_is_closed_at_closed_at(tmp_path: Path) -> None:
    issue = _issue(13, [], state="closed", closed_at="2024-01-03T09:00:00Z", state_reason="not_planned")
    batch = _load(tmp_path, [issue])
    assert _steps(batch, "acme/shop#13") == [
        (0, "2024-01-01T09:00:00+00:00", None, "Open"),
        (1, "2024-01-03T09:00:00+00:00", "Open", "Closed (not planned)"),
    ]


def test_project_columns_outrank_milestones_and_leave_on_removal(tmp_path: Path) -> None:
    def card(column: str | None, project_id: int = 1) -> dict[str, Any]:
        return {"id": 5, "project_id": project_id, "column_name": column}

    events = [
        _event("milestoned", "2024-01-01T12:00:00Z", milestone={"title": "v2"}),
        _event("added_to_project", "2024-01-02T09:00:00Z", project_card=card("To Do")),
        _event("moved_columns_in_project", "2024-01-03T09:00:00Z", project_card=card("In Progress")),
        # No project card (the API's preview was off): the column is unknown, so nothing changes.
        _event("moved_columns_in_project", "2024-01-03T12:00:00Z"),
        _event("added_to_project", "2024-01-04T09:00:00Z", project_card=card("Triage", project_id=2)),
        _event("removed_from_project", "2024-01-05T09:00:00Z", project_card=card(None, project_id=2)),
        _event("removed_from_project", "2024-01-06T09:00:00Z", project_card=card(None)),
    ]
    batch = _load(tmp_path, [_issue(14, events)])
    assert _steps(batch, "acme/shop#14") == [
        (0, "2024-01-01T09:00:00+00:00", None, "Open"),
        (1, "2024-01-01T12:00:00+00:00", "Open", "v2"),
        (2, "2024-01-02T09:00:00+00:00", "v2", "To Do"),
        (3, "2024-01-03T09:00:00+00:00", "To Do", "In Progress"),
        (4, "2024-01-04T09:00:00+00:00", "In Progress", "Triage"),
        (5, "2024-01-05T09:00:00+00:00", "Triage", "In Progress"),
        (6, "2024-01-06T09:00:00+00:00", "In Progress", "v2"),
    ]


def test_blocked_label_gives_blocked_intervals(tmp_path: Path) -> None:
    events = [
        _event("labeled", "2024-01-02T09:00:00Z", label={"name": "Blocked"}),
        _event("unlabeled", "2024-01-03T09:00:00Z", label={"name": "blocked"}),
        # Added and removed at one instant: no interval of zero length.
        _event("labeled", "2024-01-04T09:00:00Z", label={"name": "blocked"}),
        _event("unlabeled", "2024-01-04T09:00:00Z", label={"name": "blocked"}),
        _event("labeled", "2024-01-05T09:00:00Z", label={"name": "BLOCKED"}),
    ]
    batch = _load(tmp_path, [_issue(15, events, labels=[{"name": "BLOCKED"}])])
    assert batch.records[BlockedInterval] == [
        BlockedInterval(
            "github",
            "acme/shop#15",
            0,
            datetime(2024, 1, 2, 9, tzinfo=UTC),
            datetime(2024, 1, 3, 9, tzinfo=UTC),
            "label",
        ),
        BlockedInterval("github", "acme/shop#15", 1, datetime(2024, 1, 5, 9, tzinfo=UTC), None, "label"),
    ]
    # "blocked" is also a default status label.
    assert _steps(batch, "acme/shop#15") == [
        (0, "2024-01-01T09:00:00+00:00", None, "Open"),
        (1, "2024-01-02T09:00:00+00:00", "Open", "Blocked"),
        (2, "2024-01-03T09:00:00+00:00", "Blocked", "Open"),
        (3, "2024-01-05T09:00:00+00:00", "Open", "BLOCKED"),
    ]


def test_blocked_from_creation(tmp_path: Path) -> None:
    events = [_event("labeled", "2024-01-01T09:00:00Z", label={"name": "blocked"})]
    batch = _load(tmp_path, [_issue(16, events)])
    assert [(r.started_at, r.ended_at) for r in batch.records[BlockedInterval]] == [
        (datetime(2024, 1, 1, 9, tzinfo=UTC), None)
    ]
    assert _steps(batch, "acme/shop#16") == [(0, "2024-01-01T09:00:00+00:00", None, "blocked")]


def test_pull_requests_are_skipped_and_a_json_list_is_read(tmp_path: Path) -> None:
    pull = _issue(20, [], pull_request={"url": "https://api.github.com/repos/acme/shop/pulls/20"})
    path = tmp_path / "export.json"
    path.write_text(json.dumps([_issue(21, []), pull]), encoding="utf-8")
    batch = github.load([path], config=Config(), options={})
    assert [item.source_id for item in batch.records[WorkItem]] == ["acme/shop#21"]
    assert github.parse_issue(pull, config=Config(), repo="acme/shop") == []


def test_repo_from_html_url_option_or_file_name(tmp_path: Path) -> None:
    web_only = _issue(30, [])
    del web_only["repository_url"]
    bare = _issue(31, [])
    del bare["repository_url"], bare["html_url"]
    path = _write_lines(tmp_path / "legacy-issues.jsonl", [web_only, bare])

    batch = github.load([path], config=Config(), options={"source": "gh"})
    assert [(i.source, i.source_id, i.project) for i in batch.records[WorkItem]] == [
        ("gh", "acme/shop#30", "acme/shop"),
        ("gh", "legacy-issues#31", "legacy-issues"),
    ]
    assert {t.source for t in batch.records[StatusTransition]} == {"gh"}
    batch = github.load([path], config=Config(teams={"corp/app": "payments"}), options={"repo": "corp/app"})
    assert [(i.source_id, i.team_id) for i in batch.records[WorkItem]] == [
        ("corp/app#30", "payments"),
        ("corp/app#31", "payments"),
    ]


def test_an_issue_listed_twice_is_taken_from_its_last_listing(tmp_path: Path) -> None:
    older = _issue(40, [_event("milestoned", "2024-01-02T09:00:00Z", milestone={"title": "A"})])
    newer = _issue(40, [])
    batch = _load(tmp_path, [older, newer])
    assert _steps(batch, "acme/shop#40") == [(0, "2024-01-01T09:00:00+00:00", None, "Open")]


def test_strict_statuses_rejects_a_status_no_stage_lists(tmp_path: Path) -> None:
    events = [_event("milestoned", "2024-01-02T09:00:00Z", milestone={"title": "needstriage"})]
    fine = _issue(50, [_event("labeled", "2024-01-02T09:00:00Z", label={"name": "in progress"})])
    assert len(_load(tmp_path, [fine], strict_statuses=True).records[WorkItem]) == 1
    with pytest.raises(InputError) as caught:
        _load(tmp_path, [fine, _issue(51, events)], strict_statuses=True)
    assert caught.value.where() == {
        "file": str(tmp_path / "issues.json"),
        "record": "line 2 (issue acme/shop#51)",
        "field": "status",
    }
    assert "needstriage" in caught.value.message


def test_truncated_line_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "issues.json"
    path.write_text(json.dumps(_issue(60, [])) + "\n" + json.dumps(_issue(61, []))[:80] + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        github.load([path], config=Config(), options={})
    assert (caught.value.file, caught.value.record) == (str(path), "line 2")


def test_bad_event_timestamp_names_the_event(tmp_path: Path) -> None:
    events = [
        _event("labeled", "2024-01-02T09:00:00Z", label={"name": "x"}),
        _event("closed", "yesterday"),
    ]
    with pytest.raises(InputError) as caught:
        _load(tmp_path, [_issue(69, []), _issue(70, events)])
    assert caught.value.where() == {
        "file": str(tmp_path / "issues.json"),
        "record": "line 2 (issue #70)",
        "field": "events[1].created_at",
    }
    with pytest.raises(InputError) as caught:
        _load(tmp_path, [_issue(71, [], created_at="2024-01-01T09:00:00")])
    assert caught.value.field == "created_at"
    with pytest.raises(InputError) as caught:
        _load(tmp_path, [_issue(72, [{"event": "labeled", "created_at": "2024-01-02T09:00:00Z"}])])
    assert caught.value.field == "events[0].label"


def test_progress_is_reported_per_file(tmp_path: Path) -> None:
    first = _write_lines(tmp_path / "a.json", [_issue(80, [])])
    second = _write_lines(tmp_path / "b.json", [_issue(81, [])])
    calls: list[tuple[int, int | None, str]] = []
    github.load([first, second], config=Config(), options={}, on_progress=lambda *call: calls.append(call))
    assert calls == [(1, 2, "a.json"), (2, 2, "b.json")]


@pytest.mark.skipif(not WEBCOMPAT.exists(), reason="shared data pack not present")
def test_webcompat_golden(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    counts = ws.import_files("github", [WEBCOMPAT])
    sql = ws.store.connection.execute

    assert sql("SELECT count(*), count(resolved_at) FROM work_items").fetchall() == [(100, 60)]
    transitions = sql("SELECT count(*) FROM status_transitions").fetchone()[0]
    assert (counts.new, counts.changed) == (100 + transitions, 0)
    assert sql("SELECT count(*) FROM blocked_intervals").fetchone() == (0,)
    # Independently of the replay: an open issue's final status is its milestone, a closed one's "Closed".
    expected_status = {}
    for line in WEBCOMPAT.read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        expected = "Closed" if raw["state"] == "closed" else raw["milestone"]["title"]
        expected_status[f"webcompat/web-bugs#{raw['number']}"] = expected
    assert dict(sql("SELECT source_id, status FROM work_items").fetchall()) == expected_status
    assert sql("SELECT DISTINCT project, team_id, history FROM work_items").fetchall() == [
        ("webcompat/web-bugs", "webcompat/web-bugs", "events")
    ]

    def steps(number: int) -> list[tuple[int, str, str | None, str, str]]:
        rows = sql(
            "SELECT seq, changed_at, from_status, to_status, author FROM status_transitions "
            "WHERE item_id = ? ORDER BY seq",
            [f"webcompat/web-bugs#{number}"],
        ).fetchall()
        return [(seq, at.isoformat(), old, new, author) for seq, at, old, new, author in rows]

    # Derived by hand from the raw events (the store keeps naive UTC).
    # 71052: created 08:03:33, milestoned needstriage 08:03:34, needstriage -> needsdiagnosis swap at
    # 2021-04-20 07:58:03; label and rename events do not move the status.
    assert steps(71052) == [
        (0, "2021-04-18T08:03:33", None, "Open", "webcompat-bot"),
        (1, "2021-04-18T08:03:34", "Open", "needstriage", "webcompat-bot"),
        (2, "2021-04-20T07:58:03", "needstriage", "needsdiagnosis", "softvision-oana-arbuzov"),
    ]
    # 71056: milestoned at the creation second; closed 2021-04-19 14:35:40; the milestone swap to
    # non-compat 26 s later happens while closed and changes nothing.
    assert steps(71056) == [
        (0, "2021-04-18T08:56:10", None, "needstriage", "webcompat-bot"),
        (1, "2021-04-19T14:35:40", "needstriage", "Closed", "softvision-oana-arbuzov"),
    ]
    # 71050: needstriage one second after creation, swapped to invalid at 10:46:24, closed 10:46:30.
    assert steps(71050) == [
        (0, "2021-04-18T07:58:07", None, "Open", "webcompat-bot"),
        (1, "2021-04-18T07:58:08", "Open", "needstriage", "webcompat-bot"),
        (2, "2021-04-19T10:46:24", "needstriage", "invalid", "softvision-oana-arbuzov"),
        (3, "2021-04-19T10:46:30", "invalid", "Closed", "softvision-oana-arbuzov"),
    ]
    item = sql(
        "SELECT title, item_type, reporter, labels, resolved_at, url FROM work_items WHERE source_id = ?",
        ["webcompat/web-bugs#71056"],
    ).fetchone()
    assert item == (
        "online.revue-technique-auto.fr - site is not usable",
        "Issue",
        "webcompat-bot",
        ["browser-focus-geckoview", "engine-gecko"],
        datetime(2021, 4, 19, 14, 35, 40),
        "https://github.com/webcompat/web-bugs/issues/71056",
    )

    again = ws.import_files("github", [WEBCOMPAT])
    assert (again.new, again.changed) == (0, 0)
    ws.close()
