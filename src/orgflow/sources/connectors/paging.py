"""Walking a list sorted by last update, without gaps or duplicates while the remote list changes.

APIs list items ``updated >= T`` sorted by update time and page them by offset (Jira ``startAt``,
GitHub and GitLab ``page``). Plain offset paging over a live list loses items: when an item on an
earlier page is updated it moves to the end and every later item shifts one place forward, so the
item at the next offset was never seen. Two rules make the walk safe:

1. Keyset restart: after each page the lower bound moves up to the update time (rounded down to the
   API's filter granularity, the *bucket*: a minute for JQL, a second for GitHub and GitLab) of the
   page's last item, and the offset restarts at 0. An item that moves to the end only shifts items
   after it; those are read again from the new lower bound. Items of the bucket read twice are
   dropped by key and update time.
2. Inside one bucket larger than a page, offsets are unavoidable. Each such request starts one item
   early; if that item is not one already seen, the list shifted, and the walk steps back a page
   before going on (seen items are dropped again).

An item updated during the walk has a new update time, so it is returned again and read anew.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Item = dict[str, Any]


@dataclass(frozen=True)
class ListedPage:
    """One page of the walk.

    Attributes:
        items: the items not returned before (new keys, or known keys with a new update time).
        listed: how many items the request returned (duplicates included).
        last_updated: the update time of the last item returned; everything sorted before it has
            been seen, so a resumed walk may start from its bucket.
        total: the remote's count of matching items when it gives one.
    """

    items: list[Item]
    listed: int
    last_updated: datetime
    total: int | None = None


Fetch = Callable[[datetime, int], tuple[list[Item], int | None]]
"""fetch(lower bound, offset) -> (items sorted by update time, total or None)."""


def walk_updated(
    fetch: Fetch,
    *,
    start: datetime,
    bucket: Callable[[datetime], datetime],
    updated_of: Callable[[Item], datetime],
    key_of: Callable[[Item], str],
    page_size: int,
) -> Iterator[ListedPage]:
    """Pages of items updated at or after `start`, each item once per update time.

    Args:
        fetch: requests one page; must return at most `page_size` items sorted by update time.
        start: the lower bound of the walk (rounded down to its bucket).
        bucket: rounds an update time down to the API's filter granularity.
        updated_of, key_of: an item's update time and its identity.
        page_size: items per request; a shorter page ends the walk.
    """
    lower = bucket(start)
    offset = 0
    seen: dict[str, datetime] = {}
    while True:
        ask = offset - 1 if offset > 0 else 0
        page, total = fetch(lower, ask)
        if offset > 0 and (not page or key_of(page[0]) not in seen):
            # The item before our offset is gone from its place: the list shifted; step back a page.
            ask = max(0, offset - page_size)
            page, total = fetch(lower, ask)
        if not page:
            return
        fresh: list[Item] = []
        for item in page:
            key, updated = key_of(item), updated_of(item)
            if seen.get(key) != updated:
                seen[key] = updated
                fresh.append(item)
        last_updated = updated_of(page[-1])
        yield ListedPage(fresh, len(page), last_updated, total)
        if len(page) < page_size:
            return
        last_bucket = bucket(last_updated)
        if last_bucket > lower:
            lower = last_bucket
            offset = 0
            seen = {key: updated for key, updated in seen.items() if bucket(updated) >= lower}
        else:
            offset = ask + len(page)


def by_page_number(list_page: Callable[[datetime, int], list[Item]], page_size: int) -> Fetch:
    """A `Fetch` (lower bound, offset) over an API paged by page number (1-based ``page``).

    An offset inside a page reads that page and the next one, and keeps `page_size` items from it.
    """

    def fetch(lower: datetime, offset: int) -> tuple[list[Item], int | None]:
        number, skip = divmod(offset, page_size)
        items = list_page(lower, number + 1)
        if skip and len(items) == page_size:
            items = items[skip:] + list_page(lower, number + 2)[:skip]
        elif skip:
            items = items[skip:]
        return items, None

    return fetch
