"""The sweep of odd values over every GET route, share 1 of `route_sweep.PARTS` (`tests/web/route_sweep.py`):
a file of its own, so that the test runner's workers sweep the shares side by side."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web.route_sweep import assert_share_clean, real_ids, sweep_client

__all__ = ["real_ids", "sweep_client"]


def test_odd_values_on_every_route_share1(app: FastAPI, sweep_client: TestClient, real_ids: dict[str, str]) -> None:
    assert_share_clean(app, sweep_client, real_ids, 1)
