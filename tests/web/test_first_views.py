"""First views of windows nobody asked for yet: pages are built outside the store's lock, so requests
overlap, and what concurrent requests get is what one request at a time gets."""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from orgflow.demo import DEFAULT_END
from orgflow.views.hub import MetricsHub
from orgflow.web.app import create_app
from orgflow.web.dependencies import page_context


def test_a_page_view_is_built_outside_the_store_lock_and_kept(hub: MetricsHub) -> None:
    context = page_context(hub, {"since": "2025-09-01", "until": "2025-09-20"})
    builds: list[bool] = []

    def build() -> str:
        # Another thread reaches the store while the view is being built: it would wait for the
        # lock (and time out here) if the view were built under it.
        other = threading.Thread(target=hub.query, args=(None, lambda workspace: workspace.directory))
        other.start()
        other.join(timeout=10)
        builds.append(not other.is_alive())
        return "view"

    assert context.view("lock-probe", None, build) == "view"
    assert context.view("lock-probe", None, build) == "view"
    assert builds == [True]  # built once, with the store free meanwhile


def _close(left: Any, right: Any) -> bool:
    """Equal JSON values, floats equal to 12 significant digits (a sum's last bit depends on the order
    DuckDB adds in)."""
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-12, abs_tol=1e-300)
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_close(left[key], right[key]) for key in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_close(a, b) for a, b in zip(left, right, strict=True))
    return left == right


def test_concurrent_first_views_of_new_windows_equal_those_computed_one_at_a_time(demo_dir: Path) -> None:
    urls = [
        "/api/organization?since=2025-10-02&until=2025-11-11",
        "/api/teams/checkout?since=2025-10-03&until=2025-11-12",
        "/api/teams/billing?since=2025-10-04&until=2025-11-13",
        "/api/groups/payments?since=2025-10-05&until=2025-11-14",
        "/api/teams/checkout?since=2025-10-06&until=2025-11-15&type=defect",
        "/api/summary?by=team&since=2025-10-07&until=2025-11-16",
    ]
    together_app = create_app(demo_dir, now=DEFAULT_END)
    alone_app = create_app(demo_dir, now=DEFAULT_END)
    try:
        together_client = TestClient(together_app)
        with ThreadPoolExecutor(max_workers=len(urls)) as pool:
            together = list(pool.map(lambda url: together_client.get(url), urls))
        alone_client = TestClient(alone_app)
        alone = [alone_client.get(url) for url in urls]
    finally:
        together_app.state.hub.close()
        alone_app.state.hub.close()
    for url, concurrent, single in zip(urls, together, alone, strict=True):
        assert concurrent.status_code == single.status_code == 200, url
        assert _close(concurrent.json(), single.json()), url
