"""Jira JSON Lines decoded partially (`orgflow.sources.jira_lines`) against every issue read whole by
`parse_issue` (the importer as it was): lines whose odd part lies in a field no import reads."""

from __future__ import annotations

import json
from pathlib import Path

from tests.sources.test_columnwise_readers import _assert_same, _both, _columnwise, _inferred_issue

from orgflow.model.work import WorkItem
from orgflow.sources import jira
from orgflow.sources.jira_lines import PARTIAL_FIELDS, IssueLines


def _line(number: int, **unread: object) -> bytes:
    """An issue the column-wise reader reads itself, with `unread` added to its fields."""
    issue = _inferred_issue(number)
    issue["fields"].update(unread)
    return json.dumps(issue).encode()


def test_bad_text_in_a_field_no_import_reads_gets_the_error_of_the_whole_line(tmp_path: Path) -> None:
    for odd, what in (
        (b'"\xff\xfe"', "not UTF-8 (msgspec does not check the text it skips)"),
        (b'"a\\u0000b"', "a NUL (the whole record is walked)"),
        (b'"\\ud800"', "a lone surrogate"),
    ):
        path = tmp_path / "issues.jsonl"
        path.write_bytes(_line(1) + b"\n" + _line(2, description="@odd@").replace(b'"@odd@"', odd) + b"\n")
        fast, slow = _both(jira.load, path)
        assert isinstance(slow, str) and slow.startswith(f"InputError: {path}: line 2"), what
        assert fast == slow, what


def test_a_search_response_on_a_line_gives_its_issues(tmp_path: Path) -> None:
    path = tmp_path / "issues.jsonl"
    search = json.dumps({"startAt": 0, "issues": [_inferred_issue(2), _inferred_issue(3)]}).encode()
    path.write_bytes(_line(1) + b"\n" + search + b"\n")
    fast, slow = _both(jira.load, path)
    _assert_same(fast, slow)
    assert [item.source_id for item in slow.records[WorkItem]] == ["PAY-1", "PAY-2", "PAY-3"]  # type: ignore[union-attr]


def test_a_number_beyond_a_double_in_a_field_no_import_reads_is_no_error(tmp_path: Path) -> None:
    # The one difference from reading each line whole: orjson refuses 1e400 anywhere in a line.
    odd, plain = tmp_path / "odd.jsonl", tmp_path / "plain.jsonl"
    # (Not on the first line: that one decides whether the file is JSON Lines, read by orjson.)
    odd.write_bytes(_line(1) + b"\n" + _line(2, votes="@odd@").replace(b'"@odd@"', b"1e400") + b"\n")
    plain.write_bytes(_line(1) + b"\n" + _line(2) + b"\n")
    fast, slow = _both(jira.load, odd)
    assert isinstance(slow, str) and "line 2: invalid or truncated JSON (number is infinity" in slow
    _assert_same(fast, _both(jira.load, plain)[1])


def test_partial_decoding_stops_on_a_file_of_issues_it_cannot_take(tmp_path: Path) -> None:
    # 100 issues with a changelog (parse_issue reads them): 64 decoded partially and declined, then
    # one in eight is over the limit, so the other 36 are read whole at once.
    from tests.sources.importer_samples import _JIRA_ISSUE

    path = tmp_path / "changelogs.jsonl"
    lines = []
    for number in range(1, 101):
        issue = json.loads(json.dumps(_JIRA_ISSUE))
        issue["key"] = f"PAY-{number}"
        lines.append(json.dumps(issue))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    reader = IssueLines(path, (*PARTIAL_FIELDS, jira.TIME_IN_STATUS_FIELD))
    partial = 0
    for issue in reader:
        if issue.partial is not None:
            partial += 1
            reader.declined()
    assert (partial, reader.lines) == (64, 100)
    fast, slow = _both(jira.load, path)
    _assert_same(fast, slow)
    assert len(slow.records[WorkItem]) == 100  # type: ignore[union-attr]


def test_inferred_issues_are_read_partially_and_column_wise(tmp_path: Path) -> None:
    path = tmp_path / "issues.jsonl"
    path.write_bytes(b"\n".join(_line(number, description="a" * 1000, comment={"x": [1, 2]}) for number in (1, 2, 3)))
    reader = IssueLines(path, (*PARTIAL_FIELDS, jira.TIME_IN_STATUS_FIELD))
    partials = [issue.partial for issue in reader]
    assert all(partial is not None and set(partial) == {"key", "fields", "changelog", "self"} for partial in partials)
    assert "description" not in partials[0]["fields"]  # type: ignore[index]
    fast, slow = _both(jira.load, path)
    assert _columnwise(fast)
    _assert_same(fast, slow)
