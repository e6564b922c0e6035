"""GitLab REST v4: issues with resource state and label events, merge requests, deployments.

Requests (``<id>`` is the URL-encoded project path of ``query``), each list walked by update time as
`connectors.paging` describes, with its own cursor (GitLab caps ``per_page`` at 100; a page ends the
walk only when neither the Link header nor ``X-Next-Page`` names a next page):
- ``GET /projects/<id>/issues?scope=all&order_by=updated_at&sort=asc&updated_after=...``, then for
  each changed issue ``/issues/<iid>/resource_state_events`` and ``/resource_label_events``
  (following Link ``next``);
- ``GET /projects/<id>/merge_requests?state=all&scope=all&order_by=updated_at&sort=asc&updated_after=...``;
- ``GET /projects/<id>/deployments?order_by=updated_at&sort=asc&updated_after=...``.
Normalized by `orgflow.sources.gitlab`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

from orgflow.errors import InputError
from orgflow.model.record import Record
from orgflow.sources import gitlab as gitlab_format
from orgflow.sources.connectors.base import SKIP_UNCHANGED, ConnectorContext, SyncPage, floor_second, iso_z
from orgflow.sources.connectors.paging import Item, Listing, by_page_number, walk_updated
from orgflow.sources.files import parse_instant
from orgflow.sources.http import JsonResponse

SKIP_UNFINISHED = "deployment without a final status"
EVENTS_PAGE_SIZE = 100


class GitlabConnector:
    """Pages of normalized GitLab issues, merge requests and deployments of one project."""

    def __init__(self, context: ConnectorContext) -> None:
        self.context = context
        self.project = context.settings.query.strip().strip("/")
        if not self.project:
            raise InputError("empty project", record=f"source {context.settings.name}", field="query")
        self.root = f"projects/{quote(self.project, safe='')}"

    def pages(self) -> Iterator[SyncPage]:
        """Issues, then the resources of ``include``, each from its own cursor."""
        yield from self._walk("issues", {"scope": "all"}, self._issue_groups)
        if "merge_requests" in self.context.settings.include:
            yield from self._walk("merge_requests", {"scope": "all", "state": "all"}, self._merge_request_groups)
        if "deployments" in self.context.settings.include:
            yield from self._walk("deployments", {}, self._deployment_groups)

    def _walk(
        self,
        resource: str,
        extra: dict[str, str],
        normalize: Callable[[list[Item], Counter[str]], list[list[Record]]],
    ) -> Iterator[SyncPage]:
        context = self.context
        size = context.settings.page_size
        path = f"{self.root}/{resource}"

        def list_page(lower: datetime, number: int) -> Listing:
            params = {**extra, "order_by": "updated_at", "sort": "asc", "updated_after": iso_z(lower)}
            response = context.client.get_json(path, {**params, "per_page": size, "page": number})
            if not isinstance(response.data, list):
                raise InputError(f"expected a list of {resource}", file=context.client.url(path))
            return _listing(response, context.client.next_link(response))

        walk = walk_updated(
            by_page_number(list_page, size),
            start=context.start(resource),
            bucket=floor_second,
            updated_of=_updated,
            key_of=lambda item: str(item.get("iid", item.get("id"))),
            page_size=size,
        )
        for listed in walk:
            skipped: Counter[str] = Counter()
            groups = normalize(listed.items, skipped)
            yield SyncPage(
                resource,
                groups,
                fetched=len(listed.items),
                skipped=skipped,
                cursor=context.advanced(resource, listed.last_updated),
            )

    def _issue_groups(self, items: list[Item], skipped: Counter[str]) -> list[list[Record]]:
        context = self.context
        ids = {f"{self.project}#{item.get('iid')}": _updated(item) for item in items}
        unchanged = context.unchanged("work_items", ids)
        groups = []
        for item in items:
            if f"{self.project}#{item.get('iid')}" in unchanged:
                skipped[SKIP_UNCHANGED] += 1
                continue
            base = f"{self.root}/issues/{item.get('iid')}"
            raw = {
                **item,
                "resource_state_events": self._all(f"{base}/resource_state_events"),
                "resource_label_events": self._all(f"{base}/resource_label_events"),
            }
            groups.append(
                gitlab_format.parse_issue(
                    raw, config=context.config, project=self.project, source=context.settings.name, file=base
                )
            )
        return groups

    def _merge_request_groups(self, items: list[Item], skipped: Counter[str]) -> list[list[Record]]:
        source = self.context.settings.name
        records: list[Record] = [
            gitlab_format.parse_merge_request(item, project=self.project, source=source) for item in items
        ]
        return self._changed(records, skipped)

    def _deployment_groups(self, items: list[Item], skipped: Counter[str]) -> list[list[Record]]:
        source = self.context.settings.name
        records: list[Record] = []
        for item in items:
            deployment = gitlab_format.parse_deployment(item, project=self.project, source=source)
            if deployment is None:
                skipped[SKIP_UNFINISHED] += 1
            else:
                records.append(deployment)
        return self._changed(records, skipped)

    def _changed(self, records: list[Record], skipped: Counter[str]) -> list[list[Record]]:
        """Single-row records (no update time column): skip those stored identically already."""
        same = self.context.identical(records)
        skipped[SKIP_UNCHANGED] += sum(record.source_id in same for record in records)  # type: ignore[attr-defined]
        if not skipped[SKIP_UNCHANGED]:
            del skipped[SKIP_UNCHANGED]
        return [[record] for record in records if record.source_id not in same]  # type: ignore[attr-defined]

    def _all(self, path: str) -> list[Any]:
        client = self.context.client
        url: str | None = client.url(path, {"per_page": EVENTS_PAGE_SIZE})
        collected: list[Any] = []
        while url is not None:
            response = client.get_json(url)
            if not isinstance(response.data, list):
                raise InputError("expected a list of events", file=response.url)
            collected.extend(response.data)
            url = client.next_link(response)
        return collected


def _listing(response: JsonResponse, link: str | None) -> Listing:
    """A list page, and whether more follow in GitLab's words.

    GitLab caps ``per_page`` at 100, so the page length says nothing: more follow when the Link
    header has ``next``, ``X-Next-Page`` names a page, or ``X-Page`` is below ``X-Total-Pages``.
    """
    headers = response.headers
    page, pages = headers.get("x-page", ""), headers.get("x-total-pages", "")
    more = (
        link is not None
        or bool(headers.get("x-next-page", "").strip())
        or (page.isdigit() and pages.isdigit() and int(page) < int(pages))
    )
    total = headers.get("x-total", "")
    return Listing(response.data, more=more, total=int(total) if total.isdigit() else None)


def _updated(item: Item) -> datetime:
    instant = parse_instant(item.get("updated_at"), file="gitlab", record=f"id {item.get('id')}", field="updated_at")
    assert instant is not None  # required: parse_instant raises instead
    return instant
