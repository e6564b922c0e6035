"""Jira importer: hand-built issues with exact expected rows, the real Apache sample, and bad input."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model.work import Release, ReportedStatusTime, StatusTransition, WorkItem
from orgflow.sources import jira
from orgflow.workspace import Workspace, init_workspace

REAL_FILE = Path(__file__).resolve().parents[3] / "shared" / "data" / "jira" / "apache-amq-zookeeper.jsonl.gz"


def _issue(key: str, *, status: str = "Open", created: str = "2024-03-01T09:00:00.000+0000", **fields: Any):
    """A minimal REST v2 issue; keyword arguments add or replace fields (changelog goes top-level)."""
    changelog = fields.pop("changelog", None)
    issue: dict[str, Any] = {
        "id": "1" + key.split("-")[1],
        "self": f"https://jira.example.com/rest/api/2/issue/{key}",
        "key": key,
        "fields": {
            "project": {"key": key.split("-")[0]},
            "summary": f"Summary of {key}",
            "issuetype": {"name": "Story"},
            "status": {"id": "1", "name": status},
            "created": created,
            "resolutiondate": None,
            **fields,
        },
    }
    if changelog is not None:
        issue["changelog"] = {"startAt": 0, "histories": changelog}
    return issue


def _history(history_id: str, created: str, *items: tuple[str, str | None, str | None], author: str = "Ann"):
    return {
        "id": history_id,
        "author": {"name": author.lower(), "displayName": author},
        "created": created,
        "items": [{"field": field, "fromString": old, "toString": new} for field, old, new in items],
    }


def _write_jsonl(path: Path, issues: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(issue) + "\n" for issue in issues), encoding="utf-8")
    return path


def _rows(ws: Workspace, sql: str) -> list[tuple[Any, ...]]:
    return ws.store.connection.execute(sql).fetchall()


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = init_workspace(tmp_path / "ws")
    yield workspace
    workspace.close()


def test_changelog_backward_move_and_reopen_give_transitions_in_time_order(ws: Workspace, tmp_path: Path):
    histories = [
        _history("107", "2024-03-06T12:30:00.000+0000", ("status", "Reopened", "Closed")),
        _history("101", "2024-03-02T09:00:00.000+0000", ("status", "Open", "In Progress"), author="Bob"),
        _history("102", "2024-03-03T09:00:00.000+0000", ("status", "In Progress", "Open")),
        _history("103", "2024-03-04T09:00:00.000+0000", ("status", "Open", "In Progress"), ("assignee", None, "x")),
        # Same instant: the id decides (105 before 106), not the order in the list.
        _history("106", "2024-03-05T09:00:00.000+0000", ("status", "Resolved", "Reopened")),
        _history(
            "105", "2024-03-05T09:00:00.000+0000", ("resolution", None, "Fixed"), ("status", "In Progress", "Resolved")
        ),
    ]
    issue = _issue(
        "PAY-1",
        status="Closed",
        created="2024-03-01T10:00:00.000+0200",
        resolutiondate="2024-03-06T12:30:00.000+0000",
        changelog=histories,
    )
    ws.import_files("jira", [_write_jsonl(tmp_path / "one.jsonl", [issue])])

    assert _rows(ws, "SELECT seq, changed_at, from_status, to_status, author FROM status_transitions ORDER BY seq") == [
        (0, datetime(2024, 3, 1, 8, 0), None, "Open", None),
        (1, datetime(2024, 3, 2, 9, 0), "Open", "In Progress", "Bob"),
        (2, datetime(2024, 3, 3, 9, 0), "In Progress", "Open", "Ann"),
        (3, datetime(2024, 3, 4, 9, 0), "Open", "In Progress", "Ann"),
        (4, datetime(2024, 3, 5, 9, 0), "In Progress", "Resolved", "Ann"),
        (5, datetime(2024, 3, 5, 9, 0), "Resolved", "Reopened", "Ann"),
        (6, datetime(2024, 3, 6, 12, 30), "Reopened", "Closed", "Ann"),
    ]
    assert _rows(ws, "SELECT source_id, created_at, resolved_at, status, history FROM work_items") == [
        ("PAY-1", datetime(2024, 3, 1, 8, 0), datetime(2024, 3, 6, 12, 30), "Closed", "changelog"),
    ]


def test_offset_timestamp_is_converted_to_utc_exactly():
    issue = _issue("PAY-2", created="2024-03-01T00:30:15.250+0200", updated="2024-02-29T23:59:59.999-0130")
    item = jira.parse_issue(issue, config=Config())[0]
    assert item.created_at == datetime(2024, 2, 29, 22, 30, 15, 250000, tzinfo=UTC)
    assert item.updated_at == datetime(2024, 3, 1, 1, 29, 59, 999000, tzinfo=UTC)


def test_flagged_on_off_on_gives_one_closed_and_one_open_interval(ws: Workspace, tmp_path: Path):
    histories = [
        _history("1", "2024-03-02T10:00:00.000+0000", ("Flagged", "", "Impediment")),
        _history("2", "2024-03-03T10:00:00.000+0000", ("Flagged", "Impediment", "")),
        _history("3", "2024-03-04T10:00:00.000+0000", ("status", "Open", "In Progress")),
        _history("4", "2024-03-05T10:00:00.000+0000", ("Flagged", None, "Impediment")),
    ]
    # The current Flagged value alone has no time: it is ignored, without failing.
    issue = _issue("PAY-3", changelog=histories, customfield_10021=[{"value": "Impediment", "id": "10019"}])
    ws.import_files("jira", [_write_jsonl(tmp_path / "flagged.jsonl", [issue])])

    assert _rows(ws, "SELECT item_id, seq, started_at, ended_at, reason FROM blocked_intervals ORDER BY seq") == [
        ("PAY-3", 0, datetime(2024, 3, 2, 10), datetime(2024, 3, 3, 10), "flagged"),
        ("PAY-3", 1, datetime(2024, 3, 5, 10), None, "flagged"),
    ]


def test_issue_links_normalize_blocking_and_keep_other_phrases(ws: Workspace, tmp_path: Path):
    blocker = {"name": "Blocker", "inward": "is blocked by", "outward": "blocks"}
    links = [
        {"type": blocker, "outwardIssue": {"key": "PAY-20"}},
        {"type": blocker, "inwardIssue": {"key": "OPS-7"}},
        {
            "type": {"name": "Duplicate", "inward": "is duplicated by", "outward": "duplicates"},
            "inwardIssue": {"key": "PAY-9"},
        },
        {
            "type": {"name": "Reference", "inward": "is related to", "outward": "relates to"},
            "outwardIssue": {"key": "PAY-8"},
        },
        {
            "type": {"name": "Dependency", "inward": "is blocked by", "outward": "Blocks"},
            "inwardIssue": {"key": "PAY-6"},
        },
    ]
    ws.import_files("jira", [_write_jsonl(tmp_path / "links.jsonl", [_issue("PAY-4", issuelinks=links)])])

    assert sorted(_rows(ws, "SELECT item_id, kind, target_id, name FROM item_links")) == [
        ("PAY-4", "blocked_by", "OPS-7", "Blocker"),
        ("PAY-4", "blocked_by", "PAY-6", "Dependency"),
        ("PAY-4", "blocks", "PAY-20", "Blocker"),
        ("PAY-4", "is_duplicated_by", "PAY-9", "Duplicate"),
        ("PAY-4", "relates_to", "PAY-8", "Reference"),
    ]


def test_without_changelog_history_is_inferred_from_created_and_resolved():
    resolved = _issue("PAY-5", status="Resolved", resolutiondate="2024-03-08T09:00:00.000+0000")
    patch = _issue("PAY-6", status="Patch Available")
    # Resolved date but a status that is not done (reopened later): no second row is invented.
    reopened = _issue("PAY-7", status="Reopened", resolutiondate="2024-03-08T09:00:00.000+0000")
    config = Config()
    rows = [
        (record.item_id, record.seq, record.changed_at, record.from_status, record.to_status)
        for issue in (resolved, patch, reopened)
        for record in jira.parse_issue(issue, config=config)
        if isinstance(record, StatusTransition)
    ]
    created = datetime(2024, 3, 1, 9, tzinfo=UTC)
    assert rows == [
        ("PAY-5", 0, created, None, "Open"),
        ("PAY-5", 1, datetime(2024, 3, 8, 9, tzinfo=UTC), "Open", "Resolved"),
        ("PAY-6", 0, created, None, "Patch Available"),
        ("PAY-7", 0, created, None, "Reopened"),
    ]
    assert {jira.parse_issue(issue, config=config)[0].history for issue in (resolved, patch)} == {"inferred"}


def test_work_item_fields_epic_team_and_releases():
    issue = _issue(
        "PAY-10",
        status="In Progress",
        summary="Pay by card",
        issuetype={"name": "Bug"},
        resolution={"name": "Fixed"},
        priority={"name": "Major"},
        assignee={"name": "ann", "displayName": "Ann Lee"},
        reporter={"name": "bob"},
        components=[{"name": "api"}, {"name": "web"}],
        labels=["checkout", "q1"],
        fixVersions=[
            {"name": "1.0", "released": True, "releaseDate": "2024-04-02"},
            {"name": "2.0", "released": False},
        ],
        parent={"key": "PAY-1", "fields": {"issuetype": {"name": "Epic"}}},
        updated="2024-03-09T09:00:00.000+0000",
    )
    records = jira.parse_issue(issue, config=Config(teams={"PAY": "payments"}), source="jira-cloud")
    assert records[0] == WorkItem(
        source="jira-cloud",
        source_id="PAY-10",
        project="PAY",
        team_id="payments",
        title="Pay by card",
        item_type="Bug",
        created_at=datetime(2024, 3, 1, 9, tzinfo=UTC),
        status="In Progress",
        resolution="Fixed",
        priority="Major",
        parent_id="PAY-1",
        epic_id="PAY-1",
        assignee="Ann Lee",
        reporter="bob",
        components=("api", "web"),
        labels=("checkout", "q1"),
        fix_versions=("1.0", "2.0"),
        updated_at=datetime(2024, 3, 9, 9, tzinfo=UTC),
        url="https://jira.example.com/rest/api/2/issue/PAY-10",
        history="inferred",
    )
    assert [record for record in records if isinstance(record, Release)] == [
        Release("jira-cloud", "PAY:1.0", "PAY", "1.0", True, datetime(2024, 4, 2, tzinfo=UTC))
    ]
    sub_task = _issue("PAY-11", parent={"key": "PAY-10", "fields": {"issuetype": {"name": "Story"}}})
    assert jira.parse_issue(sub_task, config=Config())[0].epic_id is None
    linked = _issue("PAY-12", customfield_10008="PAY-99")
    assert jira.parse_issue(linked, config=Config(), epic_field="customfield_10008")[0].epic_id == "PAY-99"


def test_time_in_status_is_decoded_with_known_and_unknown_status_ids():
    value = "1_*:*_1_*:*_3165039000_*|*_10005_*:*_2_*:*_0_*|*_10011_*:*_1_*:*_1500"
    issue = _issue("PAY-13", status="Verified", customfield_12310222=value)
    issue["fields"]["status"]["id"] = "10005"  # the issue's own status names its id
    records = jira.parse_issue(issue, config=Config())
    assert [record for record in records if isinstance(record, ReportedStatusTime)] == [
        ReportedStatusTime("jira", "PAY-13", "1", "Open", 1, 3165039.0),
        ReportedStatusTime("jira", "PAY-13", "10005", "Verified", 2, 0.0),
        ReportedStatusTime("jira", "PAY-13", "10011", None, 1, 1.5),
    ]
    # Status ids in the changelog name statuses too; the field id can be overridden.
    history = _history("1", "2024-03-02T09:00:00.000+0000", ("status", "Open", "Code Review"))
    history["items"][0].update({"from": "1", "to": "10300"})
    moved = _issue("PAY-14", changelog=[history], customfield_500="3_*:*_4_*:*_2000_*|*_10300_*:*_1_*:*_0")
    times = jira.parse_issue(moved, config=Config(), time_in_status_field="customfield_500")
    assert [record for record in times if isinstance(record, ReportedStatusTime)] == [
        ReportedStatusTime("jira", "PAY-14", "3", "In Progress", 4, 2.0),
        ReportedStatusTime("jira", "PAY-14", "10300", "Code Review", 1, 0.0),
    ]


def test_search_response_gzip_and_folder_are_all_read(ws: Workspace, tmp_path: Path):
    search = tmp_path / "search.json"
    search.write_text(json.dumps({"startAt": 0, "total": 2, "issues": [_issue("A-1"), _issue("A-2")]}))
    zipped = tmp_path / "export.jsonl.gz"
    with gzip.open(zipped, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(_issue("B-1")) + "\n\n" + json.dumps(_issue("B-2")) + "\n")
    folder = tmp_path / "dump" / "nested"
    folder.mkdir(parents=True)
    (folder / "one.json").write_text(json.dumps(_issue("C-1", summary="line\u2028separator")), encoding="utf-8")
    _write_jsonl(folder / "more.jsonl", [_issue("C-2")])
    (folder / "notes.txt").write_text("not an export")

    calls: list[tuple[int, int | None, str]] = []
    counts = ws.import_files("jira", [search, zipped, tmp_path / "dump"], on_progress=lambda *args: calls.append(args))
    assert counts.by_table["work_items"] == (6, 0, 0)
    assert _rows(ws, "SELECT source_id, project, team_id FROM work_items ORDER BY source_id") == [
        ("A-1", "A", "A"),
        ("A-2", "A", "A"),
        ("B-1", "B", "B"),
        ("B-2", "B", "B"),
        ("C-1", "C", "C"),
        ("C-2", "C", "C"),
    ]
    assert _rows(ws, "SELECT title FROM work_items WHERE source_id = 'C-1'") == [("line\u2028separator",)]
    assert calls == [(6, 6, "issues")]


def test_progress_is_reported_every_500_issues(tmp_path: Path):
    path = _write_jsonl(tmp_path / "many.jsonl", [_issue(f"P-{number}") for number in range(1, 1002)])
    calls: list[tuple[int, int | None, str]] = []
    batch = jira.load([path], config=Config(), options={}, on_progress=lambda *args: calls.append(args))
    assert calls == [(500, None, "issues"), (1000, None, "issues"), (1001, 1001, "issues")]
    assert batch.count(WorkItem) == 1001
    assert (batch.source, batch.kind, batch.origin) == ("jira", "jira", str(path))


def test_reimport_changes_nothing(ws: Workspace, tmp_path: Path):
    issue = _issue(
        "PAY-15",
        changelog=[_history("1", "2024-03-02T09:00:00.000+0000", ("status", "Open", "In Progress"))],
        issuelinks=[{"type": {"name": "Blocker", "outward": "blocks"}, "outwardIssue": {"key": "PAY-16"}}],
        fixVersions=[{"name": "1.0", "released": True, "releaseDate": "2024-04-02"}],
    )
    path = _write_jsonl(tmp_path / "again.jsonl", [issue])
    first = ws.import_files("jira", [path])
    second = ws.import_files("jira", [path])
    assert (first.new, first.changed) == (5, 0)
    assert (second.new, second.changed, second.unchanged) == (0, 0, 5)


def test_truncated_line_names_file_and_line(tmp_path: Path):
    path = tmp_path / "cut.jsonl"
    path.write_text(json.dumps(_issue("PAY-1")) + "\n" + json.dumps(_issue("PAY-2"))[:80] + "\n")
    with pytest.raises(InputError) as caught:
        jira.load([path], config=Config(), options={})
    assert (caught.value.file, caught.value.record) == (str(path), "line 2")
    assert "truncated" in caught.value.message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"created": 12345}, "fields.created"),
        ({"created": "yesterday"}, "fields.created"),
        ({"created": None}, "fields.created"),
        ({"status": "Open"}, "fields.status"),
        ({"status": {"name": 3}}, "fields.status.name"),
        ({"issuetype": None}, "fields.issuetype"),
        ({"labels": [1]}, "fields.labels[0]"),
        ({"components": {"name": "api"}}, "fields.components"),
        ({"issuelinks": [{"type": {"name": "Blocker"}}]}, "fields.issuelinks[0]"),
        ({"fixVersions": [{"name": "1.0", "releaseDate": "soon"}]}, "fields.fixVersions[0].releaseDate"),
        ({"customfield_12310222": "1_*:*_1"}, "fields.customfield_12310222"),
        ({"customfield_12310222": 7}, "fields.customfield_12310222"),
    ],
)
def test_unreadable_field_raises_input_error_naming_it(change: dict[str, Any], field: str):
    issue = _issue("PAY-1")
    issue["fields"].update(change)
    with pytest.raises(InputError) as caught:
        jira.parse_issue(issue, config=Config(), file="x.jsonl", record="line 4")
    assert (caught.value.file, caught.value.record, caught.value.field) == ("x.jsonl", "issue PAY-1", field)


def test_unreadable_issue_shape_raises_input_error():
    with pytest.raises(InputError) as caught:
        jira.parse_issue({"fields": {}}, config=Config(), file="x.jsonl", record="line 4")
    assert (caught.value.record, caught.value.field) == ("line 4", "key")
    with pytest.raises(InputError) as caught:
        jira.parse_issue({"key": "PAY-1", "fields": ["x"]}, config=Config(), record="line 4")
    assert (caught.value.record, caught.value.field) == ("issue PAY-1", "fields")
    bad_history = _issue("PAY-1", changelog=[{"id": "1", "created": "2024-03-02", "items": "status"}])
    with pytest.raises(InputError) as caught:
        jira.parse_issue(bad_history, config=Config())
    assert caught.value.field == "changelog.histories[0].items"


def test_strict_statuses_rejects_unknown_current_and_changelog_statuses():
    current = _issue("PAY-1", status="Parked")
    assert jira.parse_issue(current, config=Config())[0].status == "Parked"
    with pytest.raises(InputError) as caught:
        jira.parse_issue(current, config=Config(), strict_statuses=True)
    assert (caught.value.message, caught.value.field) == ("unknown status 'Parked'", "fields.status.name")
    assert caught.value.hint == "add it to a workflow in orgflow.yaml"

    moved = _issue(
        "PAY-2",
        changelog=[
            _history("1", "2024-03-02T09:00:00.000+0000", ("status", "Open", "In Progress")),
            _history("2", "2024-03-03T09:00:00.000+0000", ("labels", "", "x"), ("status", "In Progress", "Limbo")),
        ],
    )
    with pytest.raises(InputError) as caught:
        jira.parse_issue(moved, config=Config(), strict_statuses=True)
    assert (caught.value.message, caught.value.field) == (
        "unknown status 'Limbo'",
        "changelog.histories[1].items[1].toString",
    )


def test_failed_import_leaves_the_store_unchanged(ws: Workspace, tmp_path: Path):
    good = _write_jsonl(tmp_path / "good.jsonl", [_issue("PAY-1", status="In Progress"), _issue("PAY-2")])
    ws.import_files("jira", [good])
    before = ws.store.table_counts()
    bad_status = _write_jsonl(
        tmp_path / "strict.jsonl", [_issue("PAY-1", status="Done"), _issue("PAY-3", status="Parked")]
    )
    with pytest.raises(InputError):
        ws.import_files("jira", [bad_status], options={"strict_statuses": True})
    cut = tmp_path / "cut.jsonl"
    cut.write_text(json.dumps(_issue("PAY-4")) + "\n" + '{"key": "PAY-5", "fields": {')
    with pytest.raises(InputError):
        ws.import_files("jira", [good, cut])
    with pytest.raises(InputError):
        ws.import_files("jira", [tmp_path / "missing.jsonl"])
    assert ws.store.table_counts() == before
    assert _rows(ws, "SELECT source_id, status FROM work_items ORDER BY source_id") == [
        ("PAY-1", "In Progress"),
        ("PAY-2", "Open"),
    ]


def test_unknown_option_is_rejected(tmp_path: Path):
    with pytest.raises(InputError) as caught:
        jira.load([], config=Config(), options={"strict_status": True})
    assert caught.value.field == "strict_status"


@pytest.fixture(scope="module")
def real_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    if not REAL_FILE.exists():
        pytest.skip(f"real data not found at {REAL_FILE}")
    workspace = init_workspace(tmp_path_factory.mktemp("real"))
    workspace.import_files("jira", [REAL_FILE])
    yield workspace
    workspace.close()


@pytest.fixture(scope="module")
def real_issues() -> list[dict[str, Any]]:
    if not REAL_FILE.exists():
        pytest.skip(f"real data not found at {REAL_FILE}")
    with gzip.open(REAL_FILE, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def test_real_sample_counts(real_workspace: Workspace, real_issues: list[dict[str, Any]]):
    ws = real_workspace
    assert _rows(ws, "SELECT project, count(*), count(resolved_at) FROM work_items GROUP BY 1 ORDER BY 1") == [
        ("AMQ", 4649, 4220),
        ("ZOOKEEPER", 1827, 1237),
    ]
    raw_links = {
        (
            issue["key"],
            link["type"]["name"],
            "outwardIssue" in link,
            (link.get("outwardIssue") or link.get("inwardIssue"))["key"],
        )
        for issue in real_issues
        for link in issue["fields"]["issuelinks"]
    }
    raw_blocks = sum(1 for _, name, outward, _ in raw_links if name == "Blocker" and outward)
    raw_blocked_by = sum(1 for _, name, outward, _ in raw_links if name == "Blocker" and not outward)
    assert (len(raw_links), raw_blocks, raw_blocked_by) == (1742, 31, 17)
    assert _rows(ws, "SELECT count(*) FROM item_links") == [(len(raw_links),)]
    assert _rows(
        ws, "SELECT kind, count(*) FROM item_links WHERE kind IN ('blocks', 'blocked_by') GROUP BY 1 ORDER BY 1"
    ) == [
        ("blocked_by", raw_blocked_by),
        ("blocks", raw_blocks),
    ]
    two_rows = sum(
        1
        for issue in real_issues
        if issue["fields"]["resolutiondate"] and issue["fields"]["status"]["name"] in ("Resolved", "Closed")
    )
    assert _rows(ws, "SELECT count(*), count(DISTINCT item_id) FROM status_transitions") == [(6476 + two_rows, 6476)]
    releases = {
        (issue["fields"]["project"]["key"], version["name"])
        for issue in real_issues
        for version in issue["fields"]["fixVersions"]
        if "releaseDate" in version
    }
    assert _rows(ws, "SELECT count(*) FROM releases") == [(len(releases),)]
    assert _rows(ws, "SELECT DISTINCT history FROM work_items") == [("inferred",)]


def test_real_time_in_status_sums_match_resolution(real_workspace: Workspace, real_issues: list[dict[str, Any]]):
    with_field = matching = 0
    for issue in real_issues:
        value = issue["fields"].get("customfield_12310222")
        if value is None:
            continue
        with_field += 1
        millis = sum(int(entry.split("_*:*_")[2]) for entry in value.split("_*|*_"))
        created = datetime.strptime(issue["fields"]["created"], "%Y-%m-%dT%H:%M:%S.%f%z")
        resolved = datetime.strptime(issue["fields"]["resolutiondate"], "%Y-%m-%dT%H:%M:%S.%f%z")
        matching += abs(millis / 1000 - (resolved - created).total_seconds()) <= 60
    assert (with_field, matching) == (5457, 5320)
    assert round(100 * matching / with_field, 1) == 97.5  # the README's "97.5 %" (97.49 %)
    stored = _rows(
        real_workspace,
        """SELECT count(*), count(*) FILTER (WHERE abs(reported - epoch(w.resolved_at - w.created_at)) <= 60)
           FROM (SELECT item_id, sum(duration_seconds) AS reported FROM reported_status_times GROUP BY 1) AS t
           JOIN work_items AS w ON w.source_id = t.item_id""",
    )
    assert stored == [(with_field, matching)]


def test_real_reimport_changes_nothing(real_workspace: Workspace):
    counts = real_workspace.import_files("jira", [REAL_FILE])
    assert (counts.new, counts.changed) == (0, 0)
    assert counts.unchanged == sum(real_workspace.store.table_counts().values())
