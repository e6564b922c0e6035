"""GitHub issues over REST v3, with their issue events, normalized by `sources.github`.

Requests:
- ``GET /repos/{owner}/{name}/issues?state=all&sort=updated&direction=asc&since=<cursor - overlap>``,
  walked as `connectors.paging` describes (``page``/``per_page``; GitHub caps ``per_page`` at 100,
  so a page ends the walk only when the Link header has no ``next``).
- ``GET /repos/{owner}/{name}/issues/{number}/events`` for each issue that changed, following the
  Link header's ``next`` (only on the configured host). An issue whose stored update time equals
  the listed one costs no request.

Pull requests appear in the issues list; they are not work items and are skipped with a reason
(pull requests, reviews and deployments are read by the delivery importer from saved exports).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from orgflow.errors import InputError
from orgflow.sources import github as github_format
from orgflow.sources.connectors.base import SKIP_UNCHANGED, ConnectorContext, SyncPage, floor_second, iso_z
from orgflow.sources.connectors.paging import Item, Listing, by_page_number, walk_updated
from orgflow.sources.files import parse_instant

RESOURCE = "issues"
SKIP_PULL_REQUEST = "pull request (not a work item)"
EVENTS_PAGE_SIZE = 100


class GithubConnector:
    """Pages of normalized GitHub issues of one repository."""

    def __init__(self, context: ConnectorContext) -> None:
        self.context = context
        repo = context.settings.query.strip().strip("/")
        if repo.count("/") != 1 or not all(repo.split("/")):
            raise InputError(
                f"not a repository ({repo!r})",
                record=f"source {context.settings.name}",
                field="query",
                hint="write owner/name, e.g. webcompat/web-bugs",
            )
        self.repo = repo

    def pages(self) -> Iterator[SyncPage]:
        """Pages of issues updated since the cursor (minus the overlap), oldest update first."""
        context = self.context
        size = context.settings.page_size
        path = f"repos/{self.repo}/issues"

        def list_page(lower: datetime, number: int) -> Listing:
            params = {
                "state": "all",
                "sort": "updated",
                "direction": "asc",
                "since": iso_z(lower),
                "per_page": size,
                "page": number,
            }
            response = context.client.get_json(path, params)
            if not isinstance(response.data, list):
                raise InputError("expected a list of issues", file=context.client.url(path), hint="check the query")
            # GitHub answers at most 100 a page whatever is asked: only the Link header says more follow.
            return Listing(response.data, more=context.client.next_link(response) is not None)

        walk = walk_updated(
            by_page_number(list_page, size),
            start=context.start(RESOURCE),
            bucket=floor_second,
            updated_of=_updated,
            key_of=lambda issue: str(issue.get("number")),
            page_size=size,
        )
        for listed in walk:
            skipped: Counter[str] = Counter()
            issues = []
            for issue in listed.items:
                if "pull_request" in issue:
                    skipped[SKIP_PULL_REQUEST] += 1
                else:
                    issues.append(issue)
            unchanged = context.unchanged("work_items", {self._item_id(i): _updated(i) for i in issues})
            groups = []
            for issue in issues:
                if self._item_id(issue) in unchanged:
                    skipped[SKIP_UNCHANGED] += 1
                    continue
                raw = {**issue, "events": self._events(issue)}
                groups.append(
                    github_format.parse_issue(
                        raw,
                        config=context.config,
                        repo=self.repo,
                        source=context.settings.name,
                        file=context.client.url(path),
                        record=f"issue #{issue.get('number')}",
                    )
                )
            yield SyncPage(
                RESOURCE,
                groups,
                fetched=len(listed.items),
                skipped=skipped,
                cursor=context.advanced(RESOURCE, listed.last_updated),
            )

    def _item_id(self, issue: Item) -> str:
        return f"{self.repo}#{issue.get('number')}"

    def _events(self, issue: Item) -> list[Any]:
        """Every issue event of `issue`, following the Link header's next page."""
        client = self.context.client
        url: str | None = client.url(
            f"repos/{self.repo}/issues/{issue.get('number')}/events", {"per_page": EVENTS_PAGE_SIZE}
        )
        events: list[Any] = []
        while url is not None:
            response = client.get_json(url)
            if not isinstance(response.data, list):
                raise InputError("expected a list of events", file=response.url)
            events.extend(response.data)
            url = client.next_link(response)
        return events


def _updated(issue: Item) -> datetime:
    instant = parse_instant(
        issue.get("updated_at"), file="issues", record=f"issue #{issue.get('number')}", field="updated_at"
    )
    assert instant is not None  # required: parse_instant raises instead
    return instant
