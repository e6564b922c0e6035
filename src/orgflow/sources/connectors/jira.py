"""Jira Cloud and Data Center over REST v2: JQL search with changelogs, normalized by `sources.jira`.

Requests:
- ``GET /rest/api/2/field`` once: field ids by name ("Time in Status", "Epic Link"), so the search
  asks only for the fields the parser reads.
- ``GET /rest/api/2/myself`` once: the user's time zone, since JQL dates are read in it.
- ``GET /rest/api/2/search`` with ``(<query>) AND updated >= "<cursor - overlap>" ORDER BY updated
  ASC, key ASC``, ``expand=changelog``, walked as `connectors.paging` describes: ``startAt``
  advances by the issues received, and the walk ends when the response says it is the last page
  (``isLast``, else ``startAt + issues >= total``) or holds no issue, never on a short page.
- When an issue's inline changelog is cut (``total`` above the histories returned): Cloud pages
  ``/rest/api/2/issue/{key}/changelog``; Data Center reads ``/rest/api/2/issue/{key}?expand=changelog``,
  which returns the whole changelog.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orgflow.errors import InputError
from orgflow.sources import jira as jira_format
from orgflow.sources.connectors.base import SKIP_UNCHANGED, ConnectorContext, SyncPage, floor_minute
from orgflow.sources.connectors.paging import Item, Listing, walk_updated
from orgflow.sources.files import parse_instant
from orgflow.sources.http import SyncError
from orgflow.sources.jira_fields import ISSUE_FIELDS

RESOURCE = "issues"
BASE_FIELDS = ISSUE_FIELDS
"""The issue fields read (`orgflow.sources.jira_fields`)."""

_ORDER_BY = re.compile(r"\border\s+by\b", re.IGNORECASE)


class JiraConnector:
    """Pages of normalized Jira issues for one source."""

    def __init__(self, context: ConnectorContext) -> None:
        self.context = context
        settings = context.settings
        if _ORDER_BY.search(settings.query):
            raise InputError(
                "the JQL query must not have ORDER BY",
                record=f"source {settings.name}",
                field="query",
                hint="the sync orders by updated time itself",
            )
        deployment = settings.deployment
        if deployment == "auto":
            deployment = "cloud" if ".atlassian.net" in settings.url else "datacenter"
        self.cloud = deployment == "cloud"

    def pages(self) -> Iterator[SyncPage]:
        """Pages of issues updated since the cursor (minus the overlap), oldest update first."""
        context = self.context
        field_ids = self._field_ids()
        time_in_status_field = field_ids.get("time in status", jira_format.TIME_IN_STATUS_FIELD)
        epic_field = field_ids.get("epic link")
        fields = ",".join([*BASE_FIELDS, time_in_status_field, *([epic_field] if epic_field else [])])
        zone = self._user_zone()
        size = context.settings.page_size
        query = context.settings.query

        def fetch(lower: datetime, offset: int) -> Listing:
            since = lower.astimezone(zone).strftime("%Y/%m/%d %H:%M")
            jql = f'({query}) AND updated >= "{since}" ORDER BY updated ASC, key ASC'
            params = {"jql": jql, "startAt": offset, "maxResults": size, "expand": "changelog", "fields": fields}
            return _listing(context.client.get_json("rest/api/2/search", params).data, offset)

        walk = walk_updated(
            fetch,
            start=context.start(RESOURCE),
            bucket=floor_minute,
            updated_of=_updated,
            key_of=lambda issue: str(issue.get("key")),
            page_size=size,
        )
        for listed in walk:
            skipped: Counter[str] = Counter()
            unchanged = context.unchanged("work_items", {str(i.get("key")): _updated(i) for i in listed.items})
            groups = []
            for issue in listed.items:
                key = str(issue.get("key"))
                if key in unchanged:
                    skipped[SKIP_UNCHANGED] += 1
                    continue
                self._complete_changelog(issue)
                groups.append(
                    jira_format.parse_issue(
                        issue,
                        config=context.config,
                        source=context.settings.name,
                        file=context.client.url("rest/api/2/search"),
                        record=f"issue {key}",
                        epic_field=epic_field,
                        time_in_status_field=time_in_status_field,
                    )
                )
            yield SyncPage(
                RESOURCE,
                groups,
                fetched=len(listed.items),
                skipped=skipped,
                cursor=context.advanced(RESOURCE, listed.last_updated),
                total=listed.total,
            )

    def _field_ids(self) -> dict[str, str]:
        """Lower-cased field name -> field id."""
        data = self.context.client.get_json("rest/api/2/field").data
        if not isinstance(data, list):
            return {}
        return {
            str(entry["name"]).casefold(): str(entry["id"])
            for entry in data
            if isinstance(entry, dict) and entry.get("name") and entry.get("id")
        }

    def _user_zone(self) -> ZoneInfo:
        """The time zone JQL dates are read in (the user's profile zone; UTC when unknown)."""
        try:
            data = self.context.client.get_json("rest/api/2/myself").data
        except SyncError:
            return ZoneInfo("UTC")
        try:
            return ZoneInfo(str(data.get("timeZone") or "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def _complete_changelog(self, issue: Item) -> None:
        """Replace a cut inline changelog with the whole one."""
        changelog = issue.get("changelog")
        if not isinstance(changelog, dict):
            return
        histories = changelog.get("histories") or []
        total = changelog.get("total")
        if not isinstance(total, int) or total <= len(histories):
            return
        key = str(issue.get("key"))
        client = self.context.client
        if self.cloud:
            collected: list[Any] = []
            while len(collected) < total:
                params = {"startAt": len(collected), "maxResults": 100}
                page = client.get_json(f"rest/api/2/issue/{key}/changelog", params).data
                values = page.get("values") or []
                collected.extend(values)
                if not values or page.get("isLast") is True:
                    break
        else:
            whole = client.get_json(f"rest/api/2/issue/{key}", {"expand": "changelog", "fields": "updated"}).data
            collected = (whole.get("changelog") or {}).get("histories") or []
        issue["changelog"] = {
            "startAt": 0,
            "maxResults": len(collected),
            "total": len(collected),
            "histories": collected,
        }


def _listing(data: Any, offset: int) -> Listing:
    """A search page, and whether more follow in the server's own words.

    Jira may answer fewer issues than ``maxResults`` asked (Cloud when many fields are asked, Data
    Center capped by ``jira.search.views.default.max``), so the page length says nothing: ``isLast``
    decides where given, else ``startAt + issues < total``; a page without either goes on until an
    empty page.
    """
    issues = data.get("issues") if isinstance(data, dict) else None
    if not isinstance(issues, list):
        raise SyncError("a search response without an issues list", hint="is the url a Jira site?")
    total = data.get("total")
    total = total if isinstance(total, int) and not isinstance(total, bool) else None
    start = data.get("startAt")
    start = start if isinstance(start, int) and not isinstance(start, bool) else offset
    is_last = data.get("isLast")
    if isinstance(is_last, bool):
        more = not is_last
    elif total is not None:
        more = start + len(issues) < total
    else:
        more = bool(issues)
    return Listing(issues, more and bool(issues), total)


def _updated(issue: Item) -> datetime:
    fields = issue.get("fields") or {}
    instant = parse_instant(fields.get("updated"), file="search", record=f"issue {issue.get('key')}", field="updated")
    assert instant is not None  # required: parse_instant raises instead
    return instant
