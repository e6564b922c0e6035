"""GitHub deployments (with statuses), releases and pull requests (with reviews and commits)."""

from __future__ import annotations

import copy
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model.code import PullRequest
from orgflow.model.delivery import Deployment
from orgflow.sources import github_delivery
from orgflow.sources.github_delivery import deployment_from_json, release_from_json
from orgflow.sources.github_pulls import pull_request_from_json
from orgflow.store import ImportBatch
from orgflow.workspace import init_workspace

API = "https://api.github.com/repos/acme/payments"
SHA_A = "a" * 40
SHA_B = "b" * 40
SHA_C = "c" * 40
MERGE_42 = "4242424242424242424242424242424242424242"


def _user(login: str, kind: str = "User") -> dict[str, Any]:
    return {
        "login": login,
        "id": sum(map(ord, login)),
        "node_id": f"U_{login}",
        "url": f"https://api.github.com/users/{login}",
        "html_url": f"https://github.com/{login}",
        "type": kind,
        "site_admin": False,
    }


def _status(status_id: int, deployment_id: int, state: str, created_at: str) -> dict[str, Any]:
    return {
        "url": f"{API}/deployments/{deployment_id}/statuses/{status_id}",
        "id": status_id,
        "node_id": f"DES_{status_id}",
        "state": state,
        "creator": _user("deploy-bot", "Bot"),
        "description": "",
        "environment": "production",
        "target_url": "",
        "log_url": "",
        "created_at": created_at,
        "updated_at": created_at,
        "deployment_url": f"{API}/deployments/{deployment_id}",
        "repository_url": API,
    }


def _deployment(deployment_id: int, sha: str, environment: str, created_at: str, statuses: list | None) -> dict:
    obj: dict[str, Any] = {
        "url": f"{API}/deployments/{deployment_id}",
        "id": deployment_id,
        "node_id": f"DE_{deployment_id}",
        "sha": sha,
        "ref": "main",
        "task": "deploy",
        "payload": {},
        "original_environment": environment,
        "environment": environment,
        "description": None,
        "creator": _user("deploy-bot", "Bot"),
        "created_at": created_at,
        "updated_at": created_at,
        "statuses_url": f"{API}/deployments/{deployment_id}/statuses",
        "repository_url": API,
        "transient_environment": False,
        "production_environment": environment == "production",
    }
    if statuses is not None:
        obj["statuses"] = statuses
    return obj


# As /deployments/{id}/statuses lists them: newest first.
DEPLOYMENTS = [
    _deployment(
        1001,
        SHA_A,
        "production",
        "2024-05-01T10:00:00Z",
        [
            _status(9003, 1001, "inactive", "2024-05-02T09:20:00Z"),
            _status(9002, 1001, "success", "2024-05-01T10:12:30Z"),
            _status(9001, 1001, "in_progress", "2024-05-01T10:01:00Z"),
        ],
    ),
    _deployment(
        1002,
        SHA_B,
        "production",
        "2024-05-02T09:00:00Z",
        [
            _status(9005, 1002, "failure", "2024-05-02T09:20:00Z"),
            _status(9004, 1002, "in_progress", "2024-05-02T09:05:00Z"),
        ],
    ),
    _deployment(
        1003, SHA_C, "production", "2024-05-02T11:00:00Z", [_status(9006, 1003, "queued", "2024-05-02T11:00:05Z")]
    ),
    _deployment(
        1004, SHA_C, "staging", "2024-05-02T10:00:00+02:00", [_status(9007, 1004, "error", "2024-05-02T10:03:00+02:00")]
    ),
]


def _release(release_id: int, tag: str, target: str, published_at: str | None, **flags: bool) -> dict[str, Any]:
    return {
        "url": f"{API}/releases/{release_id}",
        "html_url": f"https://github.com/acme/payments/releases/tag/{tag}",
        "assets_url": f"{API}/releases/{release_id}/assets",
        "id": release_id,
        "node_id": f"RE_{release_id}",
        "tag_name": tag,
        "target_commitish": target,
        "name": tag,
        "body": "",
        "draft": flags.get("draft", False),
        "prerelease": flags.get("prerelease", False),
        "created_at": "2024-05-03T14:00:00Z",
        "published_at": published_at,
        "author": _user("alice"),
        "assets": [],
    }


RELEASES = [
    _release(501, "v1.2.0", "main", "2024-05-03T15:00:00Z"),
    _release(502, "v1.3.0-rc.1", "main", "2024-05-04T15:00:00Z", prerelease=True),
    _release(503, "v1.3.0", "main", None, draft=True),
    _release(504, "v1.2.1", SHA_B.upper(), "2024-05-05T08:30:00-04:00"),
]


def _review(review_id: int, login: str, state: str, submitted_at: str | None, kind: str = "User") -> dict[str, Any]:
    review: dict[str, Any] = {
        "id": review_id,
        "node_id": f"PRR_{review_id}",
        "user": _user(login, kind),
        "body": "",
        "state": state,
        "html_url": f"https://github.com/acme/payments/pull/42#pullrequestreview-{review_id}",
        "pull_request_url": f"{API}/pulls/42",
        "author_association": "MEMBER",
        "commit_id": SHA_A,
    }
    if submitted_at is not None:  # the API omits submitted_at on a pending review
        review["submitted_at"] = submitted_at
    return review


def _commit(sha: str, authored: str, committed: str) -> dict[str, Any]:
    return {
        "url": f"{API}/commits/{sha}",
        "sha": sha,
        "node_id": f"C_{sha[:8]}",
        "html_url": f"https://github.com/acme/payments/commit/{sha}",
        "commit": {
            "url": f"{API}/git/commits/{sha}",
            "author": {"name": "Alice", "email": "alice@example.com", "date": authored},
            "committer": {"name": "Alice", "email": "alice@example.com", "date": committed},
            "message": "work",
            "tree": {"url": f"{API}/git/trees/{sha}", "sha": sha},
            "comment_count": 0,
        },
        "author": _user("alice"),
        "committer": _user("alice"),
        "parents": [],
    }


def _pull(number: int, state: str, created: str, closed: str | None, merged: str | None, merge_sha: str) -> dict:
    return {
        "url": f"{API}/pulls/{number}",
        "id": 7000 + number,
        "node_id": f"PR_{number}",
        "html_url": f"https://github.com/acme/payments/pull/{number}",
        "number": number,
        "state": state,
        "locked": False,
        "title": f"Change {number}",
        "user": _user("alice"),
        "body": "",
        "created_at": created,
        "updated_at": closed or created,
        "closed_at": closed,
        "merged_at": merged,
        "merge_commit_sha": merge_sha,
        "draft": False,
        "head": {"label": "acme:feature", "ref": "feature", "sha": SHA_A, "repo": {"full_name": "acme/payments"}},
        "base": {"label": "acme:main", "ref": "main", "sha": SHA_C, "repo": {"full_name": "acme/payments"}},
        "author_association": "MEMBER",
    }


PULL_42 = _pull(42, "closed", "2024-05-01T09:00:00Z", "2024-05-02T15:30:00Z", "2024-05-02T15:30:00Z", MERGE_42)
PULL_42["reviews"] = [
    _review(1, "alice", "COMMENTED", "2024-05-01T09:30:00Z"),  # by the author: ignored
    _review(2, "dave", "PENDING", None),  # not submitted: ignored
    _review(3, "review-helper[bot]", "COMMENTED", "2024-05-01T09:05:00Z", kind="Bot"),  # a bot: ignored
    _review(4, "bob", "APPROVED", "2024-05-02T10:00:00Z"),
    _review(5, "carol", "CHANGES_REQUESTED", "2024-05-01T13:15:00+02:00"),  # 11:15Z: the first
]
PULL_42["commits"] = [
    _commit("c1" * 20, "2024-04-30T16:00:00+02:00", "2024-05-01T08:55:00Z"),  # 14:00Z
    _commit("c2" * 20, "2024-04-30T13:30:00Z", "2024-05-01T08:55:00Z"),  # earliest author date, listed second
]
# Closed without a merge: GitHub still fills merge_commit_sha with a test merge.
PULL_43 = _pull(43, "closed", "2024-05-03T08:00:00Z", "2024-05-04T08:00:00Z", None, "d" * 40)
PULL_43["reviews"] = []
PULL_44 = _pull(44, "open", "2024-05-05T08:00:00Z", None, None, "e" * 40)


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def _load(paths: list[Path], **options: Any) -> ImportBatch:
    return github_delivery.load(paths, config=Config(), options=options)


def test_deployments_take_their_final_status(tmp_path: Path) -> None:
    path = tmp_path / "deployments.json"
    path.write_text(json.dumps(DEPLOYMENTS))
    records = _load([path]).records[Deployment]
    assert [
        (r.source_id, r.service, r.environment, r.revision, r.started_at, r.finished_at, r.status, r.kind)
        for r in records
    ] == [
        (
            "acme/payments/deployments/1001",
            "payments",
            "production",
            SHA_A,
            _utc(2024, 5, 1, 10),
            _utc(2024, 5, 1, 10, 12, 30),
            "success",
            "normal",
        ),
        # statuses end in failure
        (
            "acme/payments/deployments/1002",
            "payments",
            "production",
            SHA_B,
            _utc(2024, 5, 2, 9),
            _utc(2024, 5, 2, 9, 20),
            "failure",
            "normal",
        ),
        # 1003 is only queued: left out. "error" counts as a failure.
        (
            "acme/payments/deployments/1004",
            "payments",
            "staging",
            SHA_C,
            _utc(2024, 5, 2, 8),
            _utc(2024, 5, 2, 8, 3),
            "failure",
            "normal",
        ),
    ]
    assert {(r.source, r.time_basis) for r in records} == {("github", github_delivery.BASIS_STATUS)}


def test_a_later_success_after_a_failure_wins() -> None:
    obj = _deployment(
        1,
        SHA_A,
        "production",
        "2024-05-01T10:00:00Z",
        [_status(2, 1, "failure", "2024-05-01T10:05:00Z"), _status(3, 1, "success", "2024-05-01T10:30:00Z")],
    )
    record = deployment_from_json(obj, repo="acme/payments", service="pay")
    assert record is not None
    assert (record.service, record.finished_at, record.status) == ("pay", _utc(2024, 5, 1, 10, 30), "success")


def test_a_deployment_without_statuses_needs_assume_success(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(_deployment(7, SHA_A, "production", "2024-05-01T10:00:00Z", None)) + "\n")
    with pytest.raises(InputError) as raised:
        _load([path])
    assert (raised.value.file, raised.value.record, raised.value.field) == (
        str(path),
        "line 1 (deployment 7)",
        "statuses",
    )
    (record,) = _load([path], assume_success=True).records[Deployment]
    assert (record.finished_at, record.status, record.time_basis) == (
        _utc(2024, 5, 1, 10),
        "success",
        github_delivery.BASIS_NO_STATUSES,
    )


def test_releases_are_production_deployments(tmp_path: Path) -> None:
    path = tmp_path / "releases.json.gz"
    path.write_bytes(gzip.compress(json.dumps(RELEASES).encode()))
    records = _load([path], service="payments-api").records[Deployment]
    assert [
        (r.source_id, r.service, r.environment, r.revision, r.finished_at, r.status, r.time_basis) for r in records
    ] == [
        (
            "acme/payments/releases/501",
            "payments-api",
            "production",
            "v1.2.0",  # target_commitish names a branch: the tag is the revision
            _utc(2024, 5, 3, 15),
            "success",
            github_delivery.BASIS_RELEASE_TAG,
        ),
        (
            "acme/payments/releases/504",
            "payments-api",
            "production",
            SHA_B,  # a full sha (lower-cased)
            _utc(2024, 5, 5, 12, 30),
            "success",
            github_delivery.BASIS_RELEASE_COMMIT,
        ),
    ]
    with_pre = _load([path], include_prereleases=True, environment="prod").records[Deployment]
    assert [(r.revision, r.environment) for r in with_pre] == [
        ("v1.2.0", "prod"),
        ("v1.3.0-rc.1", "prod"),
        (SHA_B, "prod"),
    ]
    assert release_from_json(RELEASES[2], repo="acme/payments", service="p") is None  # draft


def test_pull_requests_exact_flow_times(tmp_path: Path) -> None:
    path = tmp_path / "pulls.jsonl"
    path.write_text("\n".join(json.dumps(pull) for pull in (PULL_42, PULL_43, PULL_44)) + "\n")
    records = _load([path]).records[PullRequest]
    assert records == [
        PullRequest(
            source="github",
            source_id="acme/payments#42",
            repo="acme/payments",
            number=42,
            title="Change 42",
            author="alice",
            created_at=_utc(2024, 5, 1, 9),
            first_commit_at=_utc(2024, 4, 30, 13, 30),
            first_review_at=_utc(2024, 5, 1, 11, 15),
            merged_at=_utc(2024, 5, 2, 15, 30),
            closed_at=_utc(2024, 5, 2, 15, 30),
            merge_commit=MERGE_42,
            commits=("c1" * 20, "c2" * 20),
        ),
        PullRequest(
            source="github",
            source_id="acme/payments#43",
            repo="acme/payments",
            number=43,
            title="Change 43",
            author="alice",
            created_at=_utc(2024, 5, 3, 8),
            closed_at=_utc(2024, 5, 4, 8),
        ),
        PullRequest(
            source="github",
            source_id="acme/payments#44",
            repo="acme/payments",
            number=44,
            title="Change 44",
            author="alice",
            created_at=_utc(2024, 5, 5, 8),
        ),
    ]


def test_pending_is_ignored_by_state_and_self_review_by_login() -> None:
    pull = copy.deepcopy(PULL_42)
    pull["reviews"] = [
        _review(1, "dave", "PENDING", "2024-05-01T09:10:00Z"),
        _review(2, "alice", "APPROVED", "2024-05-01T09:20:00Z"),
        _review(3, "erin", "COMMENTED", "2024-05-01T09:40:00Z"),
        _review(4, "frank", "DISMISSED", "2024-05-01T09:35:00Z"),
    ]
    assert pull_request_from_json(pull, repo="acme/payments").first_review_at == _utc(2024, 5, 1, 9, 35)
    pull["reviews"] = pull["reviews"][:2]
    assert pull_request_from_json(pull, repo="acme/payments").first_review_at is None


def test_mixed_folder_with_repo_from_urls_and_options(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps([DEPLOYMENTS[0], RELEASES[0], PULL_42]))
    other = copy.deepcopy(PULL_43)
    other["url"] = "https://api.github.com/repos/acme/search/pulls/43"
    other["base"]["repo"]["full_name"] = "acme/search"
    (tmp_path / "b.jsonl").write_text(json.dumps(other) + "\n")
    batch = _load([tmp_path], source="ghe")
    assert [(r.source, r.source_id, r.service) for r in batch.records[Deployment]] == [
        ("ghe", "acme/payments/deployments/1001", "payments"),
        ("ghe", "acme/payments/releases/501", "payments"),
    ]
    assert [(r.source, r.source_id, r.repo) for r in batch.records[PullRequest]] == [
        ("ghe", "acme/payments#42", "acme/payments"),
        ("ghe", "acme/search#43", "acme/search"),
    ]
    forced = _load([tmp_path / "b.jsonl"], repo="acme/checkout")
    assert [r.source_id for r in forced.records[PullRequest]] == ["acme/checkout#43"]


@pytest.mark.parametrize(
    ("obj", "record", "field", "fragment"),
    [
        ({"id": 1, "name": "something else"}, "record 1", None, "not a GitHub deployment"),
        ({**PULL_42, "created_at": "last tuesday"}, "record 1 (pull request #42)", "created_at", "not a timestamp"),
        (
            {**PULL_42, "commits": [{"sha": "x", "commit": {"author": {"name": "a"}}}]},
            "record 1 (pull request #42)",
            "commits[0].commit.author.date",
            "missing timestamp",
        ),
        (
            {**DEPLOYMENTS[0], "statuses": [_status(1, 1001, "success", "soon")]},
            "record 1 (deployment 1001)",
            "statuses[0].created_at",
            "not a timestamp",
        ),
        ({**RELEASES[0], "published_at": None}, "record 1 (release 501)", "published_at", "missing timestamp"),
    ],
)
def test_bad_objects_name_file_record_and_field(
    tmp_path: Path, obj: dict, record: str, field: str | None, fragment: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([obj]))
    with pytest.raises(InputError) as raised:
        _load([path])
    assert (raised.value.file, raised.value.record, raised.value.field) == (str(path), record, field)
    assert fragment in raised.value.message


def test_store_round_trip_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "all.json"
    path.write_text(json.dumps([*DEPLOYMENTS, *RELEASES, PULL_42, PULL_43, PULL_44]))
    ws = init_workspace(tmp_path / "ws")
    first = ws.store.write(_load([path]))
    assert first.by_table == {"deployments": (5, 0, 0), "pull_requests": (3, 0, 0)}
    row = ws.store.connection.execute(
        "SELECT first_commit_at, first_review_at, merged_at, commits FROM pull_requests WHERE number = 42"
    ).fetchone()
    assert row == (
        datetime(2024, 4, 30, 13, 30),
        datetime(2024, 5, 1, 11, 15),
        datetime(2024, 5, 2, 15, 30),
        ["c1" * 20, "c2" * 20],
    )
    again = ws.store.write(_load([path]))
    assert (again.new, again.changed, again.unchanged) == (0, 0, 8)
    ws.close()
