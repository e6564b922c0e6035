"""Walking a list sorted by last update, without gaps or duplicates while the remote list changes.

APIs list items ``updated >= T`` sorted by update time and page them by offset (Jira ``startAt``,
GitHub and GitLab ``page``). Two things decide when the walk goes on and where it reads next.

The server's word, not the page length. Servers cap the page size below the one asked (Jira Cloud
when many fields are asked, Jira Data Center at ``jira.search.views.default.max``, GitHub and GitLab
at 100 per page), so a page shorter than asked is not the last page. Each `Listing` says whether
the server announces more items (Jira ``isLast``/``total``, a ``Link: rel="next"``, GitLab's
``X-Next-Page``); the walk ends only when it does not, or on an empty page. Offsets advance by the
number of items received.

A list that moves. Plain offset paging over a live list loses items: when an item on an earlier
page is updated it moves to the end and every later item shifts one place forward, so the item at
the next offset was never seen. Two rules make the walk safe:

1. Keyset restart: after each page the lower bound moves up to the update time (rounded down to the
   API's filter granularity, the *bucket*: a minute for JQL, a second for GitHub and GitLab) of the
   page's last item, and the offset restarts at 0. An item that moves to the end only shifts items
   after it; those are read again from the new lower bound. Items of the bucket read twice are
   dropped by key and update time.
2. Inside one bucket larger than a page, offsets are unavoidable. Each such request starts one item
   early; unless that item is one already read (same key and update time), the list shifted, and
   the walk steps back a page at a time until a page starts on an item already read (or at the
   lower bound). A server that answers one item a page leaves no room for the early item: the item
   before is then checked by a second request, made after the next item is read.

Guarantee: every item that matches the query for the whole walk and is not updated during it is
returned once; an item updated during the walk is returned again with its new update time when the
walk reaches it, or, if it changes after the walk passed its new place, by the next walk (which
starts at the cursor minus the overlap). Reasoning: each page is a contiguous run of the list at the
moment it is served, and it starts either at the lower bound or on an item already read; items not
updated keep their relative order, so no such item can fall between two pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orgflow.sources.http import SyncError

Item = dict[str, Any]
_MAX_PAGES_WITHOUT_NEWS = 50
"""Pages in a row announcing more items but holding none not read before: a server ignoring the offset."""


@dataclass(frozen=True)
class Listing:
    """What one list request returned.

    Attributes:
        items: the items, sorted by update time.
        more: the server announces items after these (not the last page in its own words).
        total: the remote's count of matching items when it gives one.
    """

    items: list[Item]
    more: bool
    total: int | None = None


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


Fetch = Callable[[datetime, int], Listing]
"""fetch(lower bound, offset) -> the items from that offset of the list ``updated >= lower bound``."""


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

    The walk ends when a page says no more items follow (`Listing.more` false) or is empty; a page
    shorter than `page_size` does not end it. See the module docstring for what is guaranteed while
    the remote list changes.

    Args:
        fetch: requests one page of the list from an offset; the server may return fewer items
            than `page_size`.
        start: the lower bound of the walk (rounded down to its bucket).
        bucket: rounds an update time down to the API's filter granularity.
        updated_of, key_of: an item's update time and its identity.
        page_size: items per request asked; the step back when the list shifted.
    """
    lower = bucket(start)
    offset = 0
    seen: dict[str, datetime] = {}
    step = page_size
    pages_without_news = 0

    def starts_on_read(listing: Listing) -> bool:
        return bool(listing.items) and seen.get(key_of(listing.items[0])) == updated_of(listing.items[0])

    while True:
        contiguous = True
        if offset == 0:
            ask = 0
            listing = fetch(lower, 0)
        elif step > 1:
            ask = offset - 1
            listing = fetch(lower, ask)
            contiguous = starts_on_read(listing)
        else:
            # Pages of one item leave no room for the early item: read the next item, then check
            # that the one before it is still one read before (items only move towards the start,
            # so it was there when the next item was read).
            ask = offset
            listing = fetch(lower, ask)
            contiguous = starts_on_read(fetch(lower, ask - 1))
        if not contiguous:
            # The item before our offset is gone from its place: the list shifted. Step back until a
            # page starts on an item already read, so that the items that moved forward are read too.
            ask = offset - 1
            while True:
                ask = max(0, ask - step)
                listing = fetch(lower, ask)
                if ask == 0 or starts_on_read(listing):
                    break
        page = listing.items
        if not page:
            return
        fresh: list[Item] = []
        for item in page:
            key, updated = key_of(item), updated_of(item)
            if seen.get(key) != updated:
                seen[key] = updated
                fresh.append(item)
        last_updated = updated_of(page[-1])
        yield ListedPage(fresh, len(page), last_updated, listing.total)
        if not listing.more:
            return
        step = len(page)  # the server's own page size, which may be below the one asked
        pages_without_news = 0 if fresh else pages_without_news + 1
        if pages_without_news > _MAX_PAGES_WITHOUT_NEWS:
            raise SyncError(
                f"the server announced more items {pages_without_news} times but sent none not seen before",
                hint="the server may ignore the paging parameters; report the API version",
            )
        last_bucket = bucket(last_updated)
        if last_bucket > lower:
            lower = last_bucket
            offset = 0
            seen = {key: updated for key, updated in seen.items() if bucket(updated) >= lower}
        else:
            offset = ask + len(page)


def by_page_number(list_page: Callable[[datetime, int], Listing], page_size: int) -> Fetch:
    """A `Fetch` (lower bound, offset) over an API paged by page number (1-based ``page``).

    Page ``n`` holds the items from ``(n - 1) * per_page``, where ``per_page`` is the server's page
    size: `page_size` until a first page followed by more shows a smaller one (GitHub and GitLab
    answer at most 100 whatever is asked). Every walk starts with page 1, so the size is known before
    any other page is asked. An offset inside a page reads that page and the next one.
    """
    per_page = page_size

    def fetch(lower: datetime, offset: int) -> Listing:
        nonlocal per_page
        number, skip = divmod(offset, per_page)
        listing = list_page(lower, number + 1)
        if offset == 0 and listing.more and listing.items:
            per_page = len(listing.items)
        if not skip:
            return listing
        if not listing.more:
            return Listing(listing.items[skip:], False, listing.total)
        following = list_page(lower, number + 2)
        more = following.more or len(following.items) > skip
        return Listing(listing.items[skip:] + following.items[:skip], more, listing.total)

    return fetch
