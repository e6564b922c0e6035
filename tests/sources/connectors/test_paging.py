"""`walk_updated` against a brute-force list: capped pages, one-item pages, items moving while paged."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from orgflow.sources.connectors.paging import Item, Listing, by_page_number, walk_updated
from orgflow.sources.http import SyncError

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _bucket(instant: datetime) -> datetime:
    """Ten-second buckets, so that many items share one (as a JQL minute does)."""
    return instant - timedelta(seconds=instant.second % 10, microseconds=instant.microsecond)


class _Remote:
    """A list sorted by (updated, key), served from an offset with at most `cap` items a page.

    Before each of the first 40 requests, `moves_per_request` random items are updated: they get the
    latest update time and move to the end. (A list that keeps changing faster than it is read has
    no end to reach.)
    """

    def __init__(self, rng: random.Random, *, size: int, cap: int, moves_per_request: int) -> None:
        self.rng = rng
        self.cap = cap
        self.moves_per_request = moves_per_request
        self.updated = {f"K{number:04d}": T0 + timedelta(seconds=rng.randrange(40)) for number in range(size)}
        self.clock = T0 + timedelta(seconds=100)
        self.requests = 0

    def fetch(self, lower: datetime, offset: int) -> Listing:
        self.requests += 1
        moves = self.moves_per_request if self.requests <= 40 else 0
        for key in self.rng.sample(sorted(self.updated), min(moves, len(self.updated))):
            self.clock += timedelta(seconds=self.rng.randrange(3))
            self.updated[key] = self.clock
        rows = sorted((updated, key) for key, updated in self.updated.items() if updated >= lower)
        page = rows[offset : offset + self.cap]
        items = [{"key": key, "updated": updated} for updated, key in page]
        return Listing(items, more=offset + len(page) < len(rows), total=len(rows))


def _walk(remote: _Remote, fetch, page_size: int) -> list[Item]:
    read = []
    for page in walk_updated(
        fetch,
        start=T0,
        bucket=_bucket,
        updated_of=lambda item: item["updated"],
        key_of=lambda item: item["key"],
        page_size=page_size,
    ):
        read.extend(page.items)
    return read


@pytest.mark.parametrize("cap", [1, 2, 7, 25])
def test_every_item_in_its_final_version_whatever_the_cap_and_moves(cap):
    for seed in range(60):
        rng = random.Random(seed * 31 + cap)
        remote = _Remote(rng, size=rng.randrange(1, 120), cap=cap, moves_per_request=rng.choice((0, 0, 1, 3, 9)))
        read = _walk(remote, remote.fetch, page_size=25)
        versions = {(item["key"], item["updated"]) for item in read}
        assert len(versions) == len(read), "an item was returned twice at one update time"
        assert set(remote.updated.items()) <= versions, f"seed {seed}: an item's last version was never read"


def test_pages_by_number_follow_the_servers_page_size():
    # Asked 25 a page, the server answers 10: page 2 starts at item 10, not 25.
    rng = random.Random(5)
    remote = _Remote(rng, size=57, cap=10, moves_per_request=0)

    def list_page(lower: datetime, number: int) -> Listing:
        return remote.fetch(lower, (number - 1) * remote.cap)

    read = _walk(remote, by_page_number(list_page, 25), page_size=25)
    assert sorted(item["key"] for item in read) == sorted(remote.updated)


def test_a_server_ignoring_the_offset_stops_the_walk_with_an_error():
    items = [{"key": f"K{number}", "updated": T0} for number in range(5)]

    def same_page(lower: datetime, offset: int) -> Listing:
        return Listing(items, more=True)

    with pytest.raises(SyncError, match="announced more items"):
        _walk(_Remote(random.Random(1), size=1, cap=1, moves_per_request=0), same_page, page_size=5)
