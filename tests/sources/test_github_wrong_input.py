"""GitHub and GitLab readers given the wrong file or option say so in words; a closed GitHub issue's
resolution comes from its milestone when it has no state_reason (the webcompat example of docs/import.md)."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

import orgflow
from orgflow.config import DEFAULT_WORKFLOW, Config, status_key
from orgflow.errors import InputError
from orgflow.model.work import WorkItem
from orgflow.sources import github, gitlab

ROOT = Path(__file__).resolve().parents[2]
WEBCOMPAT = ("github", "webcompat-issues-with-events.json")


def _error(load: Any, path: Path, **options: Any) -> tuple[str, str | None, str | None, str | None]:
    with pytest.raises(InputError) as caught:
        load([path], config=Config(), options=options)
    error = caught.value
    return error.message, error.record, error.field, error.hint


def test_bugzilla_bugs_given_to_the_github_importer(shared_data: Path) -> None:
    assert _error(github.load, shared_data / "bugzilla" / "mozilla-bugs.json") == (
        "no issue number: this looks like a Bugzilla export, not GitHub issues",
        "line 1",
        "number",
        "orgflow has no Bugzilla importer: write the bugs' status changes as a transitions CSV "
        "(`orgflow import transitions`)",
    )


def test_jira_issues_given_to_the_github_importer(shared_data: Path) -> None:
    assert _error(github.load, shared_data / "jira" / "apache-amq-zookeeper.jsonl.gz") == (
        "no issue number: this looks like a Jira export, not GitHub issues",
        "line 1",
        "number",
        "import it with `orgflow import jira`",
    )


def test_github_issues_given_to_the_gitlab_importer(shared_data: Path) -> None:
    assert _error(gitlab.load, shared_data.joinpath(*WEBCOMPAT)) == (
        "no issue iid: this looks like GitHub issues, not GitLab issues, merge requests or deployments",
        "line 1",
        "iid",
        "import them with `orgflow import github`",
    )


def test_numbers_of_unknown_shape_or_wrong_type(tmp_path: Path) -> None:
    path = tmp_path / "issues.json"
    path.write_text(json.dumps([{"title": "x"}]))
    assert _error(github.load, path) == (
        "no issue number",
        "record 1",
        "number",
        "every record of GitHub issues has its number: is this the right file?",
    )
    path.write_text(json.dumps([{"number": "7", "title": "x"}]))
    assert _error(github.load, path) == (
        "the issue number must be a whole number, not text",
        "record 1",
        "number",
        None,
    )
    path.write_text(json.dumps([{"iid": [1], "title": "x"}]))
    assert _error(gitlab.load, path) == ("the issue iid must be a whole number, not a list", "record 1", "iid", None)


def test_repo_option_must_be_owner_slash_name(shared_data: Path) -> None:
    path = shared_data.joinpath(*WEBCOMPAT)
    assert _error(github.load, path, repo="webcompat") == (
        "not a repository of the form owner/name ('webcompat')",
        None,
        "repo",
        "name the repository with its owner, e.g. --repo webcompat/web-bugs",
    )
    batch = github.load([path], config=Config(), options={"repo": "webcompat/web-bugs"})
    assert {item.project for item in batch.records[WorkItem]} == {"webcompat/web-bugs"}  # type: ignore[attr-defined]


def _issue(number: int, **fields: Any) -> dict[str, Any]:
    return {"number": number, "title": "t", "created_at": "2024-01-01T09:00:00Z", "events": [], **fields}


def test_closed_issue_resolution_is_state_reason_else_milestone(tmp_path: Path) -> None:
    closed = {"state": "closed", "closed_at": "2024-01-02T09:00:00Z"}
    invalid = {"milestone": {"title": "invalid"}}
    path = tmp_path / "issues.json"
    issues = [
        _issue(1, **closed, **invalid),
        _issue(2, **closed, **invalid, state_reason="completed"),
        _issue(3, state="open", **invalid),
        _issue(4, **closed, milestone=None),
    ]
    path.write_text(json.dumps(issues))
    batch = github.load([path], config=Config(), options={"repo": "acme/app"})
    resolutions = {item.source_id: (item.status, item.resolution) for item in batch.records[WorkItem]}  # type: ignore[attr-defined]
    assert resolutions == {
        "acme/app#1": ("Closed", "invalid"),
        "acme/app#2": ("Closed", "completed"),
        "acme/app#3": ("Open", None),  # the status comes from events; this one has none
        "acme/app#4": ("Closed", None),
    }


def test_webcompat_resolutions_are_the_closing_milestones(shared_data: Path) -> None:
    path = shared_data.joinpath(*WEBCOMPAT)
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    expected = Counter(issue["milestone"]["title"] if issue["state"] == "closed" else None for issue in raw)
    assert expected == Counter(
        {None: 40, "invalid": 21, "non-compat": 13, "worksforme": 13, "incomplete": 9, "duplicate": 4}
    )
    batch = github.load([path], config=Config(), options={})
    assert Counter(item.resolution for item in batch.records[WorkItem]) == expected  # type: ignore[attr-defined]


def _documented_workflow() -> str:
    """The webcompat workflow block of docs/import.md, as written there."""
    text = (ROOT / "docs" / "import.md").read_text(encoding="utf-8")
    section = text.split("A workflow for the webcompat milestones", 1)[1]
    match = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert match is not None
    return match.group(1)


def test_webcompat_outcomes_with_the_documented_workflow(tmp_path: Path, shared_data: Path) -> None:
    workspace = orgflow.init(tmp_path)
    config = tmp_path / "orgflow.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\n" + _documented_workflow(), encoding="utf-8")
    workspace = orgflow.open(tmp_path)
    workspace.import_files("github", [shared_data.joinpath(*WEBCOMPAT)])
    (row,) = workspace.flow_at(datetime(2021, 4, 22, tzinfo=UTC)).summary(since=date(2021, 1, 1)).rows()
    # Every one of the 60 closed issues was closed into one of the five listed milestones.
    assert (row["finished"], row["cancelled"]) == (0, 60)


def test_webcompat_cancellations_under_the_default_workflow(shared_data: Path) -> None:
    batch = github.load([shared_data.joinpath(*WEBCOMPAT)], config=Config(), options={})
    cancelling = {status_key(resolution) for resolution in DEFAULT_WORKFLOW.cancelled_resolutions}
    closed = [item for item in batch.records[WorkItem] if item.resolved_at is not None]  # type: ignore[attr-defined]
    cancelled = [item for item in closed if status_key(item.resolution or "") in cancelling]  # type: ignore[attr-defined]
    # invalid 21 + incomplete 9 + duplicate 4; worksforme and non-compat (26) stay done.
    assert (len(closed), len(cancelled)) == (60, 34)
