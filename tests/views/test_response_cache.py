"""The response cache keeps a body once and gzips it only when a client that accepts gzip asks."""

from __future__ import annotations

import gzip
import random

from orgflow.views.response_cache import ResponseCache


def test_a_body_is_gzipped_when_first_asked_for_and_kept_with_it() -> None:
    cache = ResponseCache()
    body = b"<html>" + b"flow " * 1000 + b"</html>"

    entry = cache.put("team page", body, "text/html")

    # Kept as it is: a client that does not accept gzip gets the body; nothing was compressed for it.
    assert entry == (body, None, "text/html")
    assert cache.get("team page") == (body, None, "text/html")
    packed = cache.gzipped("team page", entry)
    assert gzip.decompress(packed) == body and len(packed) < len(body)
    kept = cache.get("team page")
    assert kept == (body, packed, "text/html")
    assert cache.gzipped("team page", kept) is packed  # compressed once


def test_the_bound_counts_the_gzip_form_once_made() -> None:
    body = random.Random(7).randbytes(1024)  # gzip does not shrink random bytes
    cache = ResponseCache(max_bytes=2 * len(body) + 500)
    first = cache.put("first", body, "application/json")
    cache.put("second", body, "application/json")
    assert cache.get("second") is not None and cache.get("first") is not None  # "first" used last

    # The first one's gzip form takes it past the bound: the least recently used ("second") goes.
    cache.gzipped("first", first)
    assert cache.get("second") is None
    assert cache.get("first") is not None
