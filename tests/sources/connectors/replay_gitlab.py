"""GitLab REST v4 replayed from a small hand-written project ``acme/shop`` in the API's shapes."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

PROJECT = "acme/shop"
ROOT = "/api/v4/projects/acme%2Fshop"


def _user(name: str) -> dict[str, Any]:
    return {"id": abs(hash(name)) % 1000, "username": name, "name": name.title(), "state": "active"}


def _label_event(event_id: int, at: str, action: str, name: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "user": _user("ana"),
        "created_at": at,
        "resource_type": "Issue",
        "resource_id": 1,
        "label": {"id": event_id * 10, "name": name, "color": "#428BCA", "description": None},
        "action": action,
    }


def _state_event(event_id: int, at: str, state: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "user": _user("ben"),
        "created_at": at,
        "resource_type": "Issue",
        "resource_id": 1,
        "state": state,
    }


def _issue(iid: int, created: str, updated: str, state: str, closed: str | None, labels: list[str]) -> dict[str, Any]:
    return {
        "id": 5000 + iid,
        "iid": iid,
        "project_id": 42,
        "title": f"Issue {iid}",
        "state": state,
        "created_at": created,
        "updated_at": updated,
        "closed_at": closed,
        "labels": labels,
        "author": _user("ana"),
        "assignee": _user("ben") if iid != 3 else None,
        "assignees": [],
        "issue_type": "issue",
        "web_url": f"https://gitlab.example/{PROJECT}/-/issues/{iid}",
        "references": {"short": f"#{iid}", "full": f"{PROJECT}#{iid}"},
    }


def project_data() -> dict[str, list[dict[str, Any]]]:
    """Three issues (with embedded resource events), two merge requests and three deployments."""
    one = _issue(
        1,
        "2024-03-01T09:00:00.000Z",
        "2024-03-05T17:00:00.000Z",
        "closed",
        "2024-03-05T17:00:00.000Z",
        ["bug", "workflow::Review"],
    )
    one["resource_label_events"] = [
        _label_event(1, "2024-03-01T09:00:00.000Z", "add", "bug"),
        _label_event(2, "2024-03-02T10:00:00.000Z", "add", "workflow::In dev"),
        _label_event(3, "2024-03-04T12:00:00.000Z", "add", "workflow::Review"),
        _label_event(4, "2024-03-04T12:00:00.000Z", "remove", "workflow::In dev"),
    ]
    one["resource_state_events"] = [_state_event(11, "2024-03-05T17:00:00.000Z", "closed")]
    two = _issue(2, "2024-03-03T08:00:00.000Z", "2024-03-07T08:00:00.000Z", "opened", None, ["blocked"])
    two["resource_label_events"] = [
        _label_event(5, "2024-03-04T08:00:00.000Z", "add", "blocked"),
        _label_event(6, "2024-03-06T08:00:00.000Z", "remove", "blocked"),
        _label_event(7, "2024-03-07T08:00:00.000Z", "add", "blocked"),
    ]
    two["resource_state_events"] = []
    three = _issue(3, "2024-03-02T08:00:00.000Z", "2024-03-08T10:00:00.000Z", "closed", "2024-03-08T10:00:00.000Z", [])
    three["resource_label_events"] = []
    three["resource_state_events"] = []
    merge_requests = [
        {
            "id": 700,
            "iid": 10,
            "project_id": 42,
            "title": "Fix checkout",
            "state": "merged",
            "created_at": "2024-03-02T11:00:00.000Z",
            "updated_at": "2024-03-04T15:00:00.000Z",
            "merged_at": "2024-03-04T15:00:00.000Z",
            "closed_at": None,
            "author": _user("ana"),
            "source_branch": "fix-checkout",
            "target_branch": "main",
            "merge_status": "can_be_merged",
            "merge_commit_sha": "a" * 40,
            "squash_commit_sha": None,
            "references": {"full": f"{PROJECT}!10"},
        },
        {
            "id": 701,
            "iid": 11,
            "project_id": 42,
            "title": "Draft: new cart",
            "state": "opened",
            "created_at": "2024-03-06T09:30:00.000Z",
            "updated_at": "2024-03-06T09:45:00.000Z",
            "merged_at": None,
            "closed_at": None,
            "author": _user("ben"),
            "source_branch": "cart",
            "target_branch": "main",
            "merge_status": "checking",
            "merge_commit_sha": None,
            "squash_commit_sha": None,
            "references": {"full": f"{PROJECT}!11"},
        },
    ]
    deployments = [
        {
            "id": 100,
            "iid": 1,
            "ref": "main",
            "sha": "a" * 40,
            "created_at": "2024-03-04T15:05:00.000Z",
            "updated_at": "2024-03-04T15:20:00.000Z",
            "status": "success",
            "user": _user("ana"),
            "environment": {"id": 9, "name": "production"},
            "deployable": {
                "id": 900,
                "status": "success",
                "started_at": "2024-03-04T15:06:00.000Z",
                "finished_at": "2024-03-04T15:19:30.000Z",
            },
        },
        {
            "id": 101,
            "iid": 2,
            "ref": "main",
            "sha": "b" * 40,
            "created_at": "2024-03-06T10:00:00.000Z",
            "updated_at": "2024-03-06T10:12:00.000Z",
            "status": "failed",
            "user": _user("ben"),
            "environment": {"id": 9, "name": "production"},
            "deployable": {
                "id": 901,
                "status": "failed",
                "started_at": "2024-03-06T10:01:00.000Z",
                "finished_at": "2024-03-06T10:11:00.000Z",
            },
        },
        {
            "id": 102,
            "iid": 3,
            "ref": "main",
            "sha": "c" * 40,
            "created_at": "2024-03-08T10:00:00.000Z",
            "updated_at": "2024-03-08T10:00:05.000Z",
            "status": "running",
            "user": _user("ben"),
            "environment": {"id": 9, "name": "production"},
            "deployable": {
                "id": 902,
                "status": "running",
                "started_at": "2024-03-08T10:00:04.000Z",
                "finished_at": None,
            },
        },
    ]
    return {"issues": [one, two, three], "merge_requests": merge_requests, "deployments": deployments}


def many_issues(count: int) -> list[dict[str, Any]]:
    """`count` open issues without events, iid 1..count; two by two they share an update time."""
    issues = []
    for iid in range(1, count + 1):
        minute = iid // 2
        updated = f"2024-04-{1 + minute // 1440:02d}T{minute // 60 % 24:02d}:{minute % 60:02d}:00.000Z"
        issue = _issue(iid, "2024-03-01T09:00:00.000Z", updated, "opened", None, [])
        issue["resource_label_events"] = []
        issue["resource_state_events"] = []
        issues.append(issue)
    return issues


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


class GitlabReplay:
    """Project lists (updated_after, order_by=updated_at, sort=asc, page) and issue resource events."""

    def __init__(
        self, data: dict[str, list[dict[str, Any]]], *, base_url: str, per_page_cap: int = 100, links: bool = True
    ) -> None:
        """`per_page_cap`: the most items a page holds whatever ``per_page`` asks (GitLab's is 100);
        `links`: whether pages carry a Link header besides the ``X-...`` paging headers."""
        self.data = copy.deepcopy(data)
        self.base_url = base_url
        self.per_page_cap = per_page_cap
        self.links = links

    def mutate(self) -> None:
        return

    def route(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, str], Any] | None:
        if not path.startswith(ROOT + "/"):
            return None
        rest = path[len(ROOT) + 1 :].split("/")
        if len(rest) == 1 and rest[0] in self.data:
            rows = self.data[rest[0]]
            if params.get("updated_after"):
                lower = _instant(params["updated_after"])
                rows = [row for row in rows if _instant(row["updated_at"]) >= lower]
            rows = sorted(rows, key=lambda row: (_instant(row["updated_at"]), row["id"]))
            listed = [{k: v for k, v in row.items() if not k.startswith("resource_")} for row in rows]
            return self._paged(path, params, listed)
        if len(rest) == 3 and rest[0] == "issues" and rest[2].startswith("resource_"):
            issue = next((row for row in self.data["issues"] if str(row["iid"]) == rest[1]), None)
            if issue is None:
                return 404, {}, {"message": "404 Not found"}
            return self._paged(path, params, issue[rest[2]])
        return None

    def _paged(self, path: str, params: dict[str, str], rows: list[Any]) -> tuple[int, dict[str, str], Any]:
        size = min(int(params.get("per_page", 20)), self.per_page_cap)
        number = int(params.get("page", 1))
        pages = max(1, (len(rows) + size - 1) // size)
        headers = {"X-Page": str(number), "X-Per-Page": str(size), "X-Total": str(len(rows))}
        headers.update({"X-Total-Pages": str(pages), "X-Next-Page": ""})
        if number * size < len(rows):
            headers["X-Next-Page"] = str(number + 1)
        if number * size < len(rows) and self.links:
            headers["Link"] = f'<{self.base_url}{path}?{urlencode({**params, "page": number + 1})}>; rel="next"'
        return 200, headers, copy.deepcopy(rows[(number - 1) * size : number * size])
