"""Serving lanes (`orgflow.views.lanes`): a hub answers flow figures on more than one connection at once,
and a figure a lane answers is the figure the hub's own connection answers."""

from __future__ import annotations

import math
import shutil
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import orgflow
from orgflow.demo import DEFAULT_END, build_demo
from orgflow.query.as_of import NOW_DATA
from orgflow.query.window import Cut
from orgflow.views import lanes as lanes_module
from orgflow.views.hub import MetricsHub
from orgflow.views.lanes import Lane, Lanes, serving_lanes


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("lanes-demo")
    build_demo(directory, seed=11, items=600)
    return directory


@pytest.fixture
def hub(demo_dir: Path) -> Iterator[MetricsHub]:
    """A hub with one extra lane, its service as of the demo's end prepared on both connections."""
    opened = MetricsHub(demo_dir, now=DEFAULT_END, lanes=2)
    opened.service()
    opened.lanes.settle(timeout=60)
    yield opened
    opened.close()


def _same(left: Any, right: Any) -> bool:
    """Equal values, floats to 12 significant digits (a sum's last bit depends on DuckDB's order of adding)."""
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-12)
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[key], right[key]) for key in left)
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    return left == right


def test_a_figure_runs_on_a_lane_while_the_hubs_own_connection_is_busy(hub: MetricsHub, demo_dir: Path) -> None:
    key = hub.service_key(None)
    assert len(hub.lanes.ready(key)) == 1
    params = {"cut": Cut(team="checkout"), "since": date(2025, 9, 1), "until": date(2025, 10, 15)}
    answered: list[Any] = []
    # The hub's own connection is held (a long query of another request): the figure does not wait for it.
    with hub._lock:
        worker = threading.Thread(target=lambda: answered.append(hub.compute("cycle_time", **params)))
        worker.start()
        worker.join(timeout=60)
        finished_while_held = not worker.is_alive()
    worker.join()
    assert finished_while_held
    # What the lane answered is what a service of its own (the CLI's) answers.
    with orgflow.open(demo_dir, read_only=True) as reference:
        expected = reference.flow_at(DEFAULT_END).cycle_time(**params)
        assert len(expected.rows()) > 0
        assert _same(answered[0].rows(), expected.rows())
        assert answered[0].notes == expected.notes
    # ... and it is kept: asked again, the same result comes back without a query.
    assert hub.compute("cycle_time", **params) is answered[0]


def test_a_prepared_service_is_found_while_the_hubs_own_connection_is_busy(hub: MetricsHub) -> None:
    # Every request asks its service (its `now`) before its figures: that must not wait for a figure
    # another request runs on the hub's own connection, or a lane could not answer meanwhile.
    service = hub.service()
    found: list[Any] = []
    with hub._lock:
        worker = threading.Thread(target=lambda: found.extend([hub.service(), hub.now()]))
        worker.start()
        worker.join(timeout=60)
        finished_while_held = not worker.is_alive()
    worker.join()
    assert finished_while_held
    assert found == [service, DEFAULT_END]


def test_every_flow_figure_a_lane_answers_equals_the_hubs_own(hub: MetricsHub, demo_dir: Path) -> None:
    (lane,) = hub.lanes.ready(hub.service_key(None))
    own = hub.service()
    twin = lane.services[hub.service_key(None)]
    window = {"since": date(2025, 8, 4), "until": date(2025, 11, 2)}
    asked = {
        "summary": {"by": "team", **window},
        "cfd": {"cut": Cut(team="billing"), **window},
        "throughput": {"cut": Cut(group="payments"), **window},
        "wip": {**window},
        "age": {"cut": Cut(team="checkout")},
        "stages": {**window},
        "efficiency": {**window},
        "distribution": {**window},
    }
    for name, params in asked.items():
        theirs, ours = getattr(twin, name)(**params), getattr(own, name)(**params)
        assert _same(theirs.rows(), ours.rows()), name
        assert (theirs.notes, theirs.params) == (ours.notes, ours.params), name


def test_a_lanes_service_is_the_twin_of_the_hubs_own(demo_dir: Path) -> None:
    # No fixed now: the hub's service takes the clock, which is after the demo's data: the data's end.
    opened = MetricsHub(demo_dir, lanes=2)
    try:
        own = opened.service()
        opened.lanes.settle(timeout=60)
        (lane,) = opened.lanes.ready(opened.service_key(None))
        twin = lane.services[opened.service_key(None)]
        assert (twin.now, twin.now_basis) == (own.now, own.now_basis)
        assert own.now_basis == NOW_DATA
        assert twin is not own and lane.workspace.store.connection is not opened.workspace.store.connection
    finally:
        opened.close()


def test_a_lane_reads_with_the_hubs_config_even_after_the_file_changed(demo_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(demo_dir, folder)
    opened = MetricsHub(folder, now=DEFAULT_END, lanes=2)
    try:
        # Edited after the hub opened: the hub goes on reading with the config it opened with; so do its lanes.
        (folder / "orgflow.yaml").write_text("thresholds:\n  small_sample: 3\n", encoding="utf-8")
        opened.service()
        opened.lanes.settle(timeout=60)
        (lane,) = opened.lanes.ready(opened.service_key(None))
        assert lane.workspace.config is opened.workspace.config
        assert opened.workspace.config.thresholds.small_sample == 20
    finally:
        opened.close()


def test_one_lane_is_the_hubs_own_connection_alone(demo_dir: Path) -> None:
    opened = MetricsHub(demo_dir, now=DEFAULT_END, lanes=1)
    try:
        opened.service()
        opened.lanes.settle(timeout=60)
        assert opened.lanes.extra == 0
        assert opened.lanes.ready(opened.service_key(None)) == []
    finally:
        opened.close()


def test_renewing_retires_the_lanes_and_closes_them_at_the_next_renewal(hub: MetricsHub) -> None:
    key = hub.service_key(None)
    (lane,) = hub.lanes.ready(key)
    generation = hub.lanes.generation
    hub.lanes.renew()
    assert hub.lanes.generation == generation + 1
    assert hub.lanes.ready(key) == []
    assert lane.workspace.store.connection.execute("SELECT 1").fetchone() == (1,)  # retired, still open
    hub.lanes.renew()
    with pytest.raises(Exception, match="closed"):
        lane.workspace.store.connection.execute("SELECT 1")
    # With no lane ready, figures run on the hub's own connection.
    assert hub.compute("summary").rows()[0]["finished"] is not None


def test_a_connection_is_held_on_the_hubs_own_first_then_a_free_lane() -> None:
    key = ("at", DEFAULT_END)
    lanes = Lanes(3, lambda: None, max_services=3)
    ready, unready = Lane(None, 0), Lane(None, 0)  # type: ignore[arg-type]
    ready.services[key] = None  # type: ignore[assignment]
    lanes._lanes = [unready, ready]
    own = threading.RLock()
    with lanes.held(key, own) as chosen:
        assert chosen is None  # the hub's own connection, free
    holder = threading.Event()
    release = threading.Event()

    def hold_own() -> None:
        with own:
            holder.set()
            release.wait(30)

    other = threading.Thread(target=hold_own)
    other.start()
    holder.wait(30)
    try:
        with lanes.held(key, own) as chosen:
            assert chosen is ready  # the lane that has prepared `key`, never the one that has not
            assert ready.lock.locked()
        assert not ready.lock.locked()
    finally:
        release.set()
        other.join()


@pytest.mark.parametrize(("cores", "expected"), [(1, 1), (2, 2), (3, 3), (16, 4)])
def test_a_live_hub_serves_on_one_lane_per_core_at_most_four(
    monkeypatch: pytest.MonkeyPatch, cores: int, expected: int
) -> None:
    monkeypatch.setattr(lanes_module.os, "sched_getaffinity", lambda _pid: set(range(cores)))
    assert serving_lanes() == expected
