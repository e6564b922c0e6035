"""GitHub REST v3 replayed from ``github/webcompat-issues-with-events.json`` (webcompat/web-bugs).

Each saved issue embeds its issue events; the replay serves the issue without them on
``/repos/{repo}/issues`` and the events on ``/repos/{repo}/issues/{number}/events``, both paged
with Link headers as GitHub does.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

GITHUB_FILE = "github/webcompat-issues-with-events.json"
REPO = "webcompat/web-bugs"


def load_issues(shared_data: Path) -> list[dict[str, Any]]:
    """The saved issues (JSON Lines), events embedded."""
    lines = (shared_data / GITHUB_FILE).read_text(encoding="utf-8").split("\n")
    return [json.loads(line) for line in lines if line.strip()]


def copies(issues: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """`count` issues: the saved ones, then copies of them numbered from 100001, 200001, ... and
    updated one day later per copy, so that the list is longer than one capped page."""
    made = []
    for index in range(count):
        round_, issue = divmod(index, len(issues))
        copied = copy.deepcopy(issues[issue])
        if round_:
            copied["number"] = round_ * 100_000 + copied["number"]
            updated = _instant(copied["updated_at"]) + timedelta(days=round_)
            copied["updated_at"] = _z(updated)
        made.append(copied)
    return made


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _z(instant: datetime) -> str:
    return instant.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


class GithubReplay:
    """``/repos/{repo}/issues`` (since, sort=updated, direction=asc, page) and issue events."""

    def __init__(
        self, issues: list[dict[str, Any]], *, base_url: str, repo: str = REPO, per_page_cap: int = 100
    ) -> None:
        """`per_page_cap`: the most items a page holds whatever ``per_page`` asks (GitHub's is 100)."""
        self.issues = {issue["number"]: issue for issue in copy.deepcopy(issues)}
        self.base_url = base_url
        self.per_page_cap = per_page_cap
        self.repo = repo
        self.clock = max(_instant(issue["updated_at"]) for issue in issues).replace(microsecond=0) + timedelta(days=1)
        self.last_page: list[int] = []
        self.mutated: list[int] = []

    def export(self) -> list[dict[str, Any]]:
        """The issues as they are now, events embedded (what a file export would hold)."""
        return [copy.deepcopy(self.issues[number]) for number in sorted(self.issues)]

    def mutate(self) -> None:
        """Label the first issue (not labeled before) of the page served last, as a labeled event would."""
        candidates = [key for key in self.last_page if key not in self.mutated]
        if not candidates:
            return
        issue = self.issues[candidates[0]]
        self.clock += timedelta(seconds=61)
        label = {"id": 1, "name": "status-needsdiagnosis", "color": "ededed"}
        issue["events"].append(
            {
                "id": 9_000_000 + len(self.mutated),
                "event": "labeled",
                "created_at": _z(self.clock),
                "actor": {"login": "sync-bot"},
                "label": {"name": label["name"], "color": label["color"]},
            }
        )
        issue["labels"] = [*issue.get("labels", []), label]
        issue["updated_at"] = _z(self.clock)
        self.mutated.append(issue["number"])

    def route(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, str], Any] | None:
        prefix = f"/repos/{self.repo}/issues"
        if path == prefix:
            return self._list(path, params)
        if path.startswith(prefix + "/") and path.endswith("/events"):
            number = int(path[len(prefix) + 1 : -len("/events")])
            issue = self.issues.get(number)
            if issue is None:
                return 404, {}, {"message": "Not Found"}
            return self._paged(path, params, issue["events"], record=False)
        return None

    def _list(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        found = list(self.issues.values())
        if params.get("since"):
            lower = _instant(params["since"])
            found = [issue for issue in found if _instant(issue["updated_at"]) >= lower]
        found.sort(key=lambda issue: (_instant(issue["updated_at"]), issue["number"]))
        served = [{key: value for key, value in issue.items() if key != "events"} for issue in found]
        return self._paged(path, params, served, record=True)

    def _paged(
        self, path: str, params: dict[str, str], rows: list[Any], *, record: bool
    ) -> tuple[int, dict[str, str], Any]:
        size = min(int(params.get("per_page", 30)), self.per_page_cap)
        number = int(params.get("page", 1))
        page = copy.deepcopy(rows[(number - 1) * size : number * size])
        if record:
            self.last_page = [issue["number"] for issue in page]
        headers = {}
        if number * size < len(rows):
            following = urlencode({**params, "page": number + 1})
            last = urlencode({**params, "page": (len(rows) + size - 1) // size})
            headers["Link"] = (
                f'<{self.base_url}{path}?{following}>; rel="next", <{self.base_url}{path}?{last}>; rel="last"'
            )
        return 200, headers, page
