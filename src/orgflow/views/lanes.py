"""`Lanes`: more connections to a live hub's store, so the flow figures of concurrent requests run at once.

DuckDB runs one query at a time on a connection, on the thread that asks. A hub with one connection
(under one lock) answers one figure at a time, so a server on two cores left one idle while its clients
waited for new windows. A lane is the workspace opened again on the same snapshot: another connection
to the same DuckDB database, whose pages it shares; its temporary tables (a flow service's prepared facts,
the lookups) are its own, so each lane prepares its own services, about a second and a few hundred
megabytes for 100,000 items.

A lane answers for a "now" (a service key, `MetricsHub.service_key`) only once it has prepared that
now's service, which it does in a background thread after the hub's own connection prepared it: no
request waits for a lane's preparation. Only flow figures (`MetricsHub.compute`: a service's method
and nothing else) run on lanes; everything else runs on the hub's own connection.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orgflow.flow.service import FlowService
    from orgflow.workspace import Workspace

log = logging.getLogger("orgflow.web")

MAX_LANES = 4
"""At most this many connections serve figures (the hub's own included): each prepares its own services."""


def serving_lanes() -> int:
    """How many connections a live hub serves flow figures from: one per core it may run on, at most
    `MAX_LANES`."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_LANES, cores))


class Lane:
    """One extra connection: the workspace opened on the hub's snapshot, its lock (one thread at a time)
    and the services it has prepared, by service key."""

    def __init__(self, workspace: Workspace, generation: int) -> None:
        self.workspace = workspace
        self.generation = generation
        self.lock = threading.Lock()
        self.services: OrderedDict[Hashable, FlowService] = OrderedDict()

    def close(self) -> None:
        """Close the lane's connection once no request uses it."""
        with self.lock:
            self.services.clear()
            self.workspace.close()


class Lanes:
    """The hub's extra connections (`count - 1` of them: the hub's own is the first lane).

    Args:
        count: connections in all, the hub's own included (1: no extra lane).
        open_lane: opens the workspace on the hub's current snapshot, its queries on one thread (None:
            that snapshot is being replaced; no lane opens until the next preparation).
        max_services: how many prepared services a lane keeps (the oldest go first), as the hub does.
    """

    def __init__(self, count: int, open_lane: Callable[[], Workspace | None], *, max_services: int) -> None:
        self.extra = max(0, count - 1)
        self._open_lane = open_lane
        self._max_services = max_services
        self._guard = threading.Lock()
        self._lanes: list[Lane] = []
        self._retired: list[Lane] = []
        self._generation = 0
        self._turn = itertools.count()
        self._preparing: list[threading.Thread] = []
        self._one_at_a_time = threading.Lock()

    @property
    def generation(self) -> int:
        """Counts the snapshots the lanes were opened on (`renew`)."""
        return self._generation

    def ready(self, key: Hashable) -> list[Lane]:
        """The lanes of the current snapshot that have prepared the service of `key`."""
        with self._guard:
            return [lane for lane in self._lanes if key in lane.services]

    @contextmanager
    def held(self, key: Hashable, own: threading.RLock) -> Iterator[Lane | None]:
        """Hold a connection for one figure of `key`: the hub's own (`own`, yields None) or a ready lane,
        whichever is free first tried (the hub's own first); when all are busy, wait for one of them
        in turn."""
        ready = self.ready(key)
        if own.acquire(blocking=False):
            try:
                yield None
            finally:
                own.release()
            return
        for lane in ready:
            if lane.lock.acquire(blocking=False):
                try:
                    yield lane
                finally:
                    lane.lock.release()
                return
        choices: list[Lane | None] = [None, *ready]
        chosen = choices[next(self._turn) % len(choices)]
        lock = own if chosen is None else chosen.lock
        with lock:
            yield chosen

    def prepare(self, key: Hashable, build: Callable[[Workspace], FlowService]) -> None:
        """Prepare the service of `key` on every extra lane (`build` makes it over a lane's workspace: the
        hub's own service's twin), opening the lanes first where needed, in a background thread. A lane
        that fails to open or prepare is logged and left out; the hub's own connection still serves."""
        if self.extra == 0:
            return
        generation = self._generation
        thread = threading.Thread(
            target=self._prepare, args=(key, build, generation), name="orgflow-lanes", daemon=True
        )
        with self._guard:
            self._preparing = [*(alive for alive in self._preparing if alive.is_alive()), thread]
        thread.start()

    def settle(self, timeout: float | None = None) -> None:
        """Wait for the preparations started so far (at most `timeout` seconds each)."""
        with self._guard:
            started, self._preparing = self._preparing, []
        for thread in started:
            thread.join(timeout)

    def _prepare(self, key: Hashable, build: Callable[[Workspace], FlowService], generation: int) -> None:
        """`prepare`'s work, one preparation at a time (so two never open the same lane)."""
        with self._one_at_a_time:
            try:
                self._prepare_lanes(key, build, generation)
            except Exception:
                log.exception("a serving lane could not prepare; the hub's own connection serves its figures")

    def _prepare_lanes(self, key: Hashable, build: Callable[[Workspace], FlowService], generation: int) -> None:
        for number in range(self.extra):
            with self._guard:
                if generation != self._generation:
                    return
                lane = self._lanes[number] if number < len(self._lanes) else None
            if lane is None:
                opened = self._open_lane()
                if opened is None:
                    return
                lane = Lane(opened, generation)
                with self._guard:
                    if generation != self._generation:
                        lane.close()
                        return
                    self._lanes.append(lane)
            with lane.lock:
                if key in lane.services or generation != self._generation:
                    continue
                service = build(lane.workspace)
                service.window()  # prepares its temporary tables
                with self._guard:
                    lane.services[key] = service
                    while len(lane.services) > self._max_services:
                        lane.services.popitem(last=False)

    def renew(self) -> None:
        """The hub opened a new snapshot: retire the lanes of the old one (closed at the next renewal, as
        a request may still read them) and open new ones when a service is next prepared."""
        with self._guard:
            self._generation += 1
            previous, self._retired = self._retired, self._lanes
            self._lanes = []
        for lane in previous:
            lane.close()

    def close(self) -> None:
        """Close every lane."""
        with self._guard:
            self._generation += 1
            lanes, self._lanes, self._retired = [*self._lanes, *self._retired], [], []
        for lane in lanes:
            lane.close()
