"""Jira REST v2 replayed from the Apache issues of ``jira/apache-amq-zookeeper.jsonl.gz``.

The saved issues have no changelog (see the data README), so each issue gets one built from what it
records itself, in Jira's changelog shape: one history per attachment (its ``created``, ``author``,
id and file name, field ``Attachment``), and for a resolved issue one history at ``resolutiondate``
setting the resolution and the status (from Open to its current status). Issues with many
attachments have changelogs longer than the inline limit, so clients must page them.
"""

from __future__ import annotations

import copy
import functools
import gzip
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import orjson

JIRA_FILE = "jira/apache-amq-zookeeper.jsonl.gz"
JIRA_TIME = "%Y-%m-%dT%H:%M:%S.000+0000"
_UPDATED = re.compile(r'updated >= "(\d{4}/\d\d/\d\d \d\d:\d\d)"')
_PROJECTS = re.compile(r"project\s+in\s+\(([^)]*)\)|project\s*=\s*(\w+)", re.IGNORECASE)
FIELDS = [
    {"id": "summary", "name": "Summary", "custom": False},
    {"id": "status", "name": "Status", "custom": False},
    {"id": "updated", "name": "Updated", "custom": False},
    {"id": "customfield_12310222", "name": "Time in Status", "custom": True},
    {"id": "customfield_12311120", "name": "Epic Link", "custom": True},
]


def load_issues(shared_data: Path, *, select: Any = None) -> list[dict[str, Any]]:
    """The Apache issues (those `select(index, issue)` keeps), each with a changelog built as above."""
    return [
        copy.deepcopy(issue)
        for index, issue in enumerate(_all_issues(str(shared_data)))
        if select is None or select(index, issue)
    ]


@functools.cache
def _all_issues(shared_data: str) -> tuple[dict[str, Any], ...]:
    issues = []
    for line in gzip.decompress((Path(shared_data) / JIRA_FILE).read_bytes()).split(b"\n"):
        if line.strip():
            issue = orjson.loads(line)
            issue["changelog"] = {"histories": _histories(issue)}
            issues.append(issue)
    return tuple(issues)


def _histories(issue: dict[str, Any]) -> list[dict[str, Any]]:
    fields = issue["fields"]
    histories = [
        {
            "id": str(attachment["id"]),
            "author": attachment.get("author"),
            "created": attachment["created"],
            "items": [
                {
                    "field": "Attachment",
                    "fieldtype": "jira",
                    "from": None,
                    "fromString": None,
                    "to": str(attachment["id"]),
                    "toString": attachment.get("filename"),
                }
            ],
        }
        for attachment in fields.get("attachment") or []
    ]
    status = fields["status"]
    if fields.get("resolutiondate") and status["name"] in ("Resolved", "Closed"):
        resolution = fields.get("resolution") or {}
        histories.append(
            {
                "id": str(900_000_000 + int(issue["id"])),
                "author": fields.get("assignee") or fields.get("reporter"),
                "created": fields["resolutiondate"],
                "items": [
                    {
                        "field": "resolution",
                        "fieldtype": "jira",
                        "from": None,
                        "fromString": None,
                        "to": resolution.get("id"),
                        "toString": resolution.get("name"),
                    },
                    {
                        "field": "status",
                        "fieldtype": "jira",
                        "from": "1",
                        "fromString": "Open",
                        "to": status["id"],
                        "toString": status["name"],
                    },
                ],
            }
        )
    histories.sort(key=lambda history: (history["created"], int(history["id"])))
    return histories


def _instant(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)


def _order(issue: dict[str, Any]) -> tuple[datetime, str, int]:
    project, _, number = issue["key"].partition("-")
    return _instant(issue["fields"]["updated"]), project, int(number)


class JiraReplay:
    """``/rest/api/2/{field,myself,search,issue/KEY/changelog,issue/KEY}`` over a set of issues."""

    def __init__(
        self,
        issues: list[dict[str, Any]],
        *,
        inline_limit: int = 5,
        changelog_page_limit: int = 100,
        zone: str = "UTC",
        max_results_cap: int | None = None,
        paging_words: tuple[str, ...] = ("total",),
    ) -> None:
        """`max_results_cap`: the most issues a search page holds whatever is asked (Data Center's
        ``jira.search.views.default.max``); `paging_words`: which of ``total`` and ``isLast`` a
        search page carries."""
        self.issues = {issue["key"]: issue for issue in copy.deepcopy(issues)}
        self.max_results_cap = max_results_cap
        self.paging_words = paging_words
        self.served: list[str] = []
        self.before_search: Any = None
        self.inline_limit = inline_limit
        self.changelog_page_limit = changelog_page_limit
        self.changelog_pages = 0
        self.zone = ZoneInfo(zone)
        latest = max(_instant(issue["fields"]["updated"]) for issue in issues)
        self.clock = latest.replace(second=0) + timedelta(days=1)
        self.last_page: list[str] = []
        self.mutated: list[str] = []
        self.searches = 0

    def export(self) -> list[dict[str, Any]]:
        """The issues as they are now, with their whole changelogs (what a file export would hold)."""
        return [copy.deepcopy(self.issues[key]) for key in sorted(self.issues)]

    def mutate(self) -> None:
        """Label the first issue (not labeled before) of the page served last and bump its updated time."""
        candidates = [key for key in self.last_page if key not in self.mutated]
        if candidates:
            self.touch(candidates[0])

    def touch(self, key: str) -> None:
        """Label issue `key` "triaged" now, with its changelog history, as Jira would."""
        issue = self.issues[key]
        self.clock += timedelta(minutes=1, seconds=7)
        when = self.clock.strftime(JIRA_TIME)
        labels = list(issue["fields"].get("labels") or [])
        issue["fields"]["labels"] = [*labels, "triaged"]
        issue["fields"]["updated"] = when
        histories = issue["changelog"]["histories"]
        histories.append(
            {
                "id": str(800_000_000 + len(self.mutated)),
                "author": issue["fields"].get("reporter"),
                "created": when,
                "items": [
                    {
                        "field": "labels",
                        "fieldtype": "jira",
                        "from": None,
                        "fromString": " ".join(labels),
                        "to": None,
                        "toString": " ".join([*labels, "triaged"]),
                    }
                ],
            }
        )
        self.mutated.append(issue["key"])

    def route(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, str], Any] | None:
        if path == "/rest/api/2/field":
            return 200, {}, FIELDS
        if path == "/rest/api/2/myself":
            return 200, {}, {"name": "sync-bot", "timeZone": str(self.zone)}
        if path == "/rest/api/2/search":
            return 200, {}, self._search(params)
        match = re.fullmatch(r"/rest/api/2/issue/([A-Z]+-\d+)(/changelog)?", path)
        if match is None:
            return None
        issue = self.issues.get(match.group(1))
        if issue is None:
            return 404, {}, {"errorMessages": ["Issue does not exist"]}
        histories = issue["changelog"]["histories"]
        if match.group(2):
            self.changelog_pages += 1
            start = int(params.get("startAt", 0))
            size = min(int(params.get("maxResults", 100)), self.changelog_page_limit)
            values = histories[start : start + size]
            body = {
                "startAt": start,
                "maxResults": size,
                "total": len(histories),
                "isLast": start + size >= len(histories),
                "values": values,
            }
            return 200, {}, body
        whole = {key: issue[key] for key in ("id", "self", "key")}
        whole["fields"] = {"updated": issue["fields"]["updated"]}
        whole["changelog"] = {
            "startAt": 0,
            "maxResults": len(histories),
            "total": len(histories),
            "histories": histories,
        }
        return 200, {}, whole

    def _search(self, params: dict[str, str]) -> dict[str, Any]:
        self.searches += 1
        if self.before_search is not None:
            self.before_search(self)
        jql = params.get("jql", "")
        found = list(self.issues.values())
        projects = _PROJECTS.search(jql)
        if projects:
            names = {name.strip() for name in (projects.group(1) or projects.group(2)).split(",")}
            found = [issue for issue in found if issue["key"].partition("-")[0] in names]
        since = _UPDATED.search(jql)
        if since:
            lower = datetime.strptime(since.group(1), "%Y/%m/%d %H:%M").replace(tzinfo=self.zone).astimezone(UTC)
            found = [issue for issue in found if _instant(issue["fields"]["updated"]) >= lower]
        found.sort(key=_order)
        start, size = int(params.get("startAt", 0)), int(params.get("maxResults", 50))
        if self.max_results_cap is not None:
            size = min(size, self.max_results_cap)
        wanted = params.get("fields")
        page = []
        for issue in found[start : start + size]:
            served = {key: issue[key] for key in ("expand", "id", "self", "key")}
            fields = issue["fields"]
            served["fields"] = (
                {name: fields[name] for name in wanted.split(",") if name in fields} if wanted else dict(fields)
            )
            histories = issue["changelog"]["histories"]
            if "changelog" in params.get("expand", ""):
                served["changelog"] = {
                    "startAt": 0,
                    "maxResults": self.inline_limit,
                    "total": len(histories),
                    "histories": histories[: self.inline_limit],
                }
            page.append(copy.deepcopy(served))
        self.last_page = [issue["key"] for issue in page]
        self.served.extend(self.last_page)
        body: dict[str, Any] = {"expand": "names,schema", "startAt": start, "maxResults": size, "issues": page}
        if "total" in self.paging_words:
            body["total"] = len(found)
        if "isLast" in self.paging_words:
            body["isLast"] = start + len(page) >= len(found)
        return body
