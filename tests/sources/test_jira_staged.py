"""The Jira import built in the store's own connection (`orgflow.sources.jira_staged`) against the
row-by-row reader (`orgflow.sources.jira.load`), its definition: every input writes the same rows into
the store, table by table and in the same order, with the same counts, or fails with the same error and
leaves the store as it was (no row, no import logged, no temporary table left).

Inputs: the real Apache export (whole), generated exports (hypothesis, derandomized: one value of an
issue replaced by an odd one, issues listed twice, odd lines, a changelog), and hand-made issues around
each rule the staged reading follows (timestamps with offsets, unicode, keys listed twice, null and empty
changelogs, Time in Status, links, epics, releases) under each option and config setting the importer
honours (teams, workflows, strict_statuses, source, epic_field, time_in_status_field). Where the staged
reading is meant to read an export itself, the tests also check that it did (it did not decline).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.sources.test_columnwise_readers import DERANDOMIZED, JIRA_REAL, _inferred_issue, _jira_lines

from orgflow.config import AppliesTo, Config, Stage, Workflow
from orgflow.errors import InputError
from orgflow.sources import importers, inflate, jira, staged_importers
from orgflow.store import ImportBatch, Store
from orgflow.store.batch import StagingDeclined

_TABLES = ("work_items", "status_transitions", "blocked_intervals", "item_links", "reported_status_times", "releases")
TEAMS = Config(teams={"PAY": "payments"})


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    opened = Store.open(None)
    yield opened
    opened.close()


def _written(store: Store, load: Any, paths: list[Path], config: Config, options: dict[str, Any]) -> Any:
    """The rows one importer writes into the empty `store` (every Jira table, in stored order) and the
    counts, or the error's text; the store is emptied again, after checking that a failed import left
    it empty and no temporary table behind."""
    try:
        batch: ImportBatch = load(paths, config=config, options=dict(options))
        counts = store.write(batch)
    except InputError as error:
        assert all(count == 0 for count in store.table_counts().values())
        (imports,) = store.connection.execute("SELECT count(*) FROM imports").fetchone()  # type: ignore[misc]
        assert imports == 0
        return f"InputError: {error}"
    finally:
        left = store.connection.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
        views = store.connection.execute(
            "SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal"
        ).fetchall()
        assert left == [] and views == []
    rows = tuple(store.connection.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall() for table in _TABLES)
    for table in (*_TABLES, "imports"):
        store.connection.execute(f"DELETE FROM {table}")
    return (counts.by_table, *rows)


def _same(store: Store, paths: list[Path], config: Config = TEAMS, **options: Any) -> Any:
    """The outcome of the staged import, after asserting the row-by-row reader's is the same."""
    staged = _written(store, staged_importers()["jira"], paths, config, options)
    slow = _written(store, importers()["jira"], paths, config, options)
    assert staged == slow
    return staged


def _reads_itself(store: Store, paths: list[Path], config: Config = TEAMS, **options: Any) -> bool:
    """Whether the staged reading vouches for the export (builds its records, not declining)."""
    batch = jira.stage(paths, config=config, options=options)
    assert batch.staged is not None
    try:
        batch.staged.build(store.connection)
    except StagingDeclined:
        return False
    finally:
        views = {
            name
            for (name,) in store.connection.execute(
                "SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal"
            ).fetchall()
        }
        for name in batch.staged.temporary:
            store.connection.execute(f"DROP {'VIEW' if name in views else 'TABLE'} IF EXISTS temp.{name}")
    return True


def _lines(path: Path, issues: list[Any]) -> Path:
    path.write_text("".join(json.dumps(issue, ensure_ascii=False) + "\n" for issue in issues), encoding="utf-8")
    return path


@pytest.mark.skipif(not JIRA_REAL.is_file(), reason="the shared data pack is not beside the project")
def test_real_export_writes_what_the_row_by_row_reader_writes(store: Store) -> None:
    assert _reads_itself(store, [JIRA_REAL], Config())
    counts, items, transitions, blocked, *_ = _same(store, [JIRA_REAL], Config())
    assert counts == {
        "work_items": (6476, 0, 0),
        "status_transitions": (11933, 0, 0),
        "item_links": (1742, 0, 0),
        "reported_status_times": (12503, 0, 0),
        "releases": (92, 0, 0),
    }
    # 6,476 issues: 5,457 resolved into a done status (two transitions each: 5,457 * 2 + 1,019 = 11,933).
    assert len(items) == 6476 and len(transitions) == 11933 and blocked == []


@settings(DERANDOMIZED, max_examples=50)
@given(text=_jira_lines(), epic=st.booleans(), strict=st.booleans())
def test_generated_exports_write_what_the_row_by_row_reader_writes(
    store: Store, tmp_path_factory: pytest.TempPathFactory, text: str, epic: bool, strict: bool
) -> None:
    path = tmp_path_factory.mktemp("jira") / "issues.jsonl"
    path.write_text(text, encoding="utf-8")
    options: dict[str, Any] = {"strict_statuses": strict}
    if epic:
        options["epic_field"] = "customfield_1"
    _same(store, [path], **options)


def _issue(number: int, **fields: Any) -> dict[str, Any]:
    issue = _inferred_issue(number)
    issue["fields"].update(fields)
    return issue


_READ_ITSELF = {
    "offsets": [
        _issue(1, created="2024-03-01T09:00:00+05:30", updated="2024-03-02T23:30:00.123456-0800"),
        _issue(2, created="2024-03-01T09:00:00Z", resolutiondate="2024-03-09T09:00:00.5+01:00"),
        _issue(3, created="2024-03-01", updated=" 2024-03-02T09:00:00+00:00 ", resolutiondate=""),
    ],
    "unicode": [
        _issue(1, summary="Zahlung 💳 \u2028 ünïcødé", labels=["größe", "日本"], assignee={"displayName": "Zoë"}),
        {**_issue(2), "key": "PAŸ-2"},
    ],
    "listed twice": [_issue(1), _issue(2), _issue(1, summary="again", resolutiondate=None, labels=[])],
    "null and empty changelogs": [{**_issue(1), "changelog": None}, {**_issue(2), "changelog": {"histories": []}}],
    "keys listed twice in an object": [],
    "users": [
        _issue(1, assignee={"displayName": "", "name": "ann"}, reporter={"name": "bo"}),
        _issue(2, assignee=None, reporter={"displayName": None, "name": None}),
    ],
    "links": [
        _issue(
            1,
            issuelinks=[
                {
                    "type": {"name": "Blocks", "outward": "blocks", "inward": "is blocked by"},
                    "inwardIssue": {"key": "X-1"},
                },
                {
                    "type": {"name": "Duplicate", "outward": "duplicates", "inward": "is duplicated by"},
                    "inwardIssue": {"key": "X-2"},
                },
                {"type": {"name": "Relates", "outward": "relates   to"}, "outwardIssue": {"key": "X-3"}},
                {"type": {"name": "", "outward": None}, "outwardIssue": {"key": "X-4"}},
                {"type": {"name": "Blocker", "outward": "x"}, "outwardIssue": {"key": "X-5"}},
                {"type": {"name": "Relates", "outward": "relates   to"}, "outwardIssue": {"key": "X-3"}},
            ],
        )
    ],
    "time in status": [
        _issue(1, customfield_12310222="1_*:*_2_*:*_60000_*|*_6_*:*_1_*:*_5_*|*_1_*:*_3_*:*_7"),
        _issue(2, customfield_12310222="", status={"id": "1", "name": "Open"}),
        _issue(3, customfield_12310222="10002_*:*_1_*:*_9999999999999", status={"id": 10002, "name": "Patch"}),
    ],
    "epics and releases": [
        _issue(1, parent={"key": "PAY-50", "fields": {"issuetype": {"name": " EPIC "}}}),
        _issue(2, parent={"key": "PAY-51", "fields": {"issuetype": {"name": "Story"}}}, fixVersions=[]),
        _issue(
            3,
            parent={"key": "PAY-52"},
            fixVersions=[
                {"name": "1.0", "released": None, "releaseDate": "2024-05-01"},
                {"name": "2.0", "releaseDate": ""},
                {"name": "3.0", "released": False, "releaseDate": "2024-06-01T00:00:00+02:00"},
            ],
        ),
    ],
}


@pytest.mark.parametrize("case", sorted(_READ_ITSELF))
def test_odd_but_valid_issues_are_read_in_sql_as_the_row_by_row_reader_reads_them(
    store: Store, tmp_path: Path, case: str
) -> None:
    if case == "keys listed twice in an object":
        line = json.dumps(_issue(1)).replace('"name": "Done"', '"name": "Open", "name": "Done"', 1)
        path = tmp_path / "issues.jsonl"
        path.write_text(line + "\n" + json.dumps({**_issue(2), "key": "PAY-1"}) + "\n", encoding="utf-8")
    else:
        path = _lines(tmp_path / "issues.jsonl", _READ_ITSELF[case])
    assert _reads_itself(store, [path])
    outcome = _same(store, [path])
    assert not isinstance(outcome, str)


def test_listed_twice_keeps_the_last_listing_and_releases_their_first_place(store: Store, tmp_path: Path) -> None:
    path = _lines(
        tmp_path / "issues.jsonl",
        [
            _issue(1, fixVersions=[{"name": "1.0", "released": False, "releaseDate": "2024-04-01"}]),
            _issue(2, fixVersions=[{"name": "2.0", "released": True, "releaseDate": "2024-05-01"}]),
            _issue(1, summary="again", fixVersions=[{"name": "1.0", "released": True, "releaseDate": "2024-04-02"}]),
        ],
    )
    counts, items, transitions, _, _, _, releases = _same(store, [path])
    assert [(item[1], item[4]) for item in items] == [("PAY-2", "Pay by card"), ("PAY-1", "again")]
    assert [(release[1], release[4], str(release[5])) for release in releases] == [
        ("PAY:1.0", True, "2024-04-02 00:00:00"),
        ("PAY:2.0", True, "2024-05-01 00:00:00"),
    ]
    assert counts["work_items"] == (2, 0, 0)
    assert [(row[1], row[2], row[5]) for row in transitions] == [
        ("PAY-2", 0, "In Progress"),
        ("PAY-1", 0, "Open"),
        ("PAY-1", 1, "Done"),
    ]


_DECLINED = {
    "a changelog": {
        **_issue(1),
        "changelog": {"histories": [{"id": "1", "created": "2024-03-02T00:00:00Z", "items": []}]},
    },
    "a search response": {"issues": [_issue(1)]},
    "a missing key": {**_issue(1), "key": None},
    "a blank key": {**_issue(1), "key": " \u3000"},
    "missing fields": {"key": "PAY-1"},
    "no status": _issue(1, status=None),
    "a nameless status": _issue(1, status={"id": "1"}),
    "no created": _issue(1, created=""),
    "a bad timestamp": _issue(1, updated="2024-02-30T00:00:00Z"),
    "a naive timestamp": _issue(1, resolutiondate="2024-03-01T09:00:00"),
    "out of range in UTC": _issue(1, updated="9999-12-31T23:00:00-05:00"),
    "no issue type": _issue(1, issuetype={"id": "1"}),
    "a number for a text": _issue(1, summary=5),
    "a nameless component": _issue(1, components=[{"id": "1"}]),
    "a nameless fix version": _issue(1, fixVersions=[{"id": "1"}]),
    "a link without a target": _issue(1, issuelinks=[{"type": {"name": "Blocks"}}]),
    "a link without a type": _issue(1, issuelinks=[{"outwardIssue": {"key": "X-1"}}]),
    "a Time in Status entry out of shape": _issue(1, customfield_12310222="1_*:*_x_*:*_3"),
    "Time in Status with other digits": _issue(1, customfield_12310222="1_*:*_\u0661_*:*_3"),
    "released not a boolean": _issue(1, fixVersions=[{"name": "1.0", "released": "yes", "releaseDate": "2024-01-01"}]),
    "a NUL character": _issue(1, summary="a\x00b"),
}


@pytest.mark.parametrize("case", sorted(_DECLINED))
def test_issues_it_does_not_vouch_for_get_the_row_by_row_outcome(store: Store, tmp_path: Path, case: str) -> None:
    path = _lines(tmp_path / "issues.jsonl", [_issue(2), _DECLINED[case]])
    assert not _reads_itself(store, [path])
    _same(store, [path])


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('{"key": "PAY-1", "fields": {}, "odd": NaN}\n', "line 2: invalid or truncated JSON"),
        ('{"key": "PAY-1", "fields": {}, "x": [1,]}\n', "line 2: invalid or truncated JSON"),
        ("\x0b{}\n", "line 2: invalid or truncated JSON"),
        ("null\n", "line 2: expected a JSON object, found NoneType"),
        ('{"key": "PAY-3", "fields": {}}\n', "issue PAY-3: fields.status: missing"),
        (
            '{"key": "PAY-3", "fields": {"status": {"name": "Open"}, "created": "x"}}\n',
            "fields.created: not a timestamp",
        ),
    ],
)
def test_bad_input_gives_the_same_error_and_leaves_the_store_unchanged(
    store: Store, tmp_path: Path, text: str, error: str
) -> None:
    path = tmp_path / "issues.jsonl"
    path.write_text(json.dumps(_issue(1)) + "\n" + text, encoding="utf-8")
    outcome = _same(store, [path])
    assert isinstance(outcome, str) and f"{path}: " in outcome and error in outcome


def test_invalid_utf8_gives_the_same_error(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "issues.jsonl"
    path.write_bytes(json.dumps(_issue(1)).encode() + b"\n" + json.dumps(_issue(2)).encode().replace(b"Pay", b"P\xffy"))
    outcome = _same(store, [path])
    assert isinstance(outcome, str) and "line 2" in outcome


def test_a_literal_backslash_u0000_is_text_not_nul(store: Store, tmp_path: Path) -> None:
    path = _lines(tmp_path / "issues.jsonl", [_issue(1, summary="c > '\\u0000'"), _issue(2)])
    assert _reads_itself(store, [path])
    items = _same(store, [path])[1]
    assert items[0][4] == "c > '\\u0000'"


def test_gzipped_files_and_folders_are_read_in_file_order(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "a.jsonl.gz").write_bytes(gzip.compress(b"\n" + json.dumps(_issue(1)).encode() + b"\n\n"))
    _lines(folder / "b.jsonl", [_issue(2), _issue(1, summary="from b")])
    (folder / "c.json").write_text(json.dumps([_issue(3)]), encoding="utf-8")  # one document: read row by row
    assert _reads_itself(store, [folder / "a.jsonl.gz", folder / "b.jsonl"])
    assert not _reads_itself(store, [folder])
    items = _same(store, [folder])[1]
    assert [(item[1], item[4]) for item in items] == [
        ("PAY-2", "Pay by card"),
        ("PAY-1", "from b"),
        ("PAY-3", "Pay by card"),
    ]
    assert _same(store, [folder / "a.jsonl.gz", folder / "b.jsonl"])[1] == items[:2]


_WORKFLOW = Workflow(
    name="pay",
    applies_to=AppliesTo(source="jira", projects=("PAY*",)),
    stages=(
        Stage(name="Todo", phase="Create", category="backlog", statuses=("Open", "To Do")),
        Stage(name="Doing", phase="Create", category="active", statuses=("In Progress", "Done")),
    ),
)


@pytest.mark.parametrize(
    ("config", "options"),
    [
        (Config(teams={"PAY": "payments", "OPS": "ops"}), {}),
        (Config(workflows=[_WORKFLOW]), {}),
        (Config(workflows=[_WORKFLOW]), {"strict_statuses": True}),
        (Config(), {"strict_statuses": "yes"}),
        (Config(), {"source": "apache"}),
        (Config(), {"epic_field": "customfield_1"}),
        (Config(), {"epic_field": "summary"}),
        (Config(), {"time_in_status_field": "customfield_9"}),
        (Config(), {"time_in_status_field": "odd-name"}),
        (Config(), {"strict": True}),
        (Config(), {"source": ""}),
    ],
)
def test_config_and_options_are_honoured_alike(
    store: Store, tmp_path: Path, config: Config, options: dict[str, Any]
) -> None:
    issues = [
        _issue(1, customfield_1="PAY-77", customfield_9="1_*:*_4_*:*_1000"),
        _issue(2, project={"key": "OPS"}, status={"id": "1", "name": "To Do"}, customfield_1=""),
        _issue(3, status={"id": "5", "name": "Resolved"}, resolutiondate="2024-03-03T00:00:00Z"),
    ]
    path = _lines(tmp_path / "issues.jsonl", issues)
    _same(store, [path], config, **options)


def test_strict_statuses_reject_an_unknown_status_alike(store: Store, tmp_path: Path) -> None:
    path = _lines(tmp_path / "issues.jsonl", [_issue(1), _issue(2, status={"name": "Limbo"})])
    outcome = _same(store, [path], Config(workflows=[_WORKFLOW]), strict_statuses=True)
    assert isinstance(outcome, str) and "issue PAY-2: fields.status.name: unknown status 'Limbo'" in outcome


def test_the_workflow_decides_the_inferred_history(store: Store, tmp_path: Path) -> None:
    # Done is an active status of the pay workflow: a resolved issue in it was not finished, so its
    # history is one transition; under the default workflow it is two (Open, then Done when resolved).
    path = _lines(tmp_path / "issues.jsonl", [_issue(1)])
    assert _reads_itself(store, [path], Config(workflows=[_WORKFLOW]))
    mapped = _same(store, [path], Config(workflows=[_WORKFLOW]))[2]
    default = _same(store, [path], Config())[2]
    assert [(row[2], row[5]) for row in mapped] == [(0, "Done")]
    assert [(row[2], row[4], row[5]) for row in default] == [(0, None, "Open"), (1, "Open", "Done")]


def test_text_inflated_in_small_blocks_reads_the_same(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blocks of 7 compressed bytes: lines, multi-byte characters and \u0000 escapes split between blocks.
    monkeypatch.setattr(inflate, "BLOCK", 7)
    issues = [_issue(1, summary="c > '\\u0000' 💳 ünï"), _issue(2, labels=["\\u0000", "日本"]), _issue(3)]
    text = "".join(json.dumps(issue, ensure_ascii=False) + "\n" for issue in issues).encode()
    path = tmp_path / "issues.jsonl.gz"
    path.write_bytes(gzip.compress(text))
    assert len(list(inflate.inflated_blocks(path))) > 10
    assert _reads_itself(store, [path])
    items = _same(store, [path])[1]
    assert [item[4] for item in items] == ["c > '\\u0000' 💳 ünï", "Pay by card", "Pay by card"]


@pytest.mark.parametrize("how", ["two members", "truncated", "not gzip", "empty", "blank lines only"])
def test_gzip_files_it_does_not_read_as_one_member_get_the_row_by_row_outcome(
    store: Store, tmp_path: Path, how: str
) -> None:
    first, second = (json.dumps(_issue(number)).encode() + b"\n" for number in (1, 2))
    data = {
        "two members": gzip.compress(first) + gzip.compress(second),
        "truncated": gzip.compress(first + second)[:-12],
        "not gzip": first,
        "empty": b"",
        "blank lines only": gzip.compress(b"\n  \n"),
    }[how]
    path = tmp_path / "issues.jsonl.gz"
    path.write_bytes(data)
    assert not _reads_itself(store, [path])
    outcome = _same(store, [path])
    assert isinstance(outcome, str) == (how != "two members")


def test_a_deep_value_no_import_reads_is_read_as_the_row_by_row_reader_reads_it(store: Store, tmp_path: Path) -> None:
    # Both decode the issue's read fields with msgspec and only check the rest as JSON.
    line = json.dumps(_issue(2))[:-1] + ', "deep": ' + "[" * 1100 + "]" * 1100 + "}"
    path = tmp_path / "issues.jsonl"
    path.write_text(json.dumps(_issue(1)) + "\n" + line + "\n", encoding="utf-8")
    outcome = _same(store, [path])
    assert _reads_itself(store, [path]) == (not isinstance(outcome, str))


@pytest.mark.parametrize("block", [3, 7, 50, 301])
def test_a_nul_split_between_inflated_blocks_gets_the_row_by_row_error(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setattr(inflate, "BLOCK", block)
    issues = [_issue(1, summary="c > '\\u0000'"), _issue(2, summary="a\x00b"), _issue(3)]
    path = tmp_path / "issues.jsonl.gz"
    path.write_bytes(gzip.compress("".join(json.dumps(issue) + "\n" for issue in issues).encode()))
    assert not _reads_itself(store, [path])
    outcome = _same(store, [path])
    assert isinstance(outcome, str) and "line 2" in outcome and "NUL" in outcome
