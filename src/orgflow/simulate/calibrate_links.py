"""Dependencies from the blocking links between items (`History.links`).

For each ordered pair of calibrated teams (A, B) where A's items were blocked by B's items, a
``depends_on`` step in A's route with `visit` = share of A's items finished in the window that have
a blocking link to an item of B (a blocked item counts once however many of B's items blocked it).
The request is placed after the stage A's item was in when B's item started (links carry no date;
B's start is when the request reached B), the most frequent such stage over the pair's links; when
B's items all started before A's (the request's moment unknown), after A's first active stage. The
delay it adds is the requests' way through B's route under B's load (the engine's dependency
semantics); the delay measured in the history (B's finish minus the request's moment, p50) is kept
in the notes beside it.

**Cycles**: pairs are kept strongest first (visit, then links, then names); a pair that would close
a cycle of teams (A needs B needs ... needs A) is dropped and listed in the notes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np

from orgflow.simulate.history import History
from orgflow.simulate.network import Station, Step, Team


def dependency_pairs(
    history: History, finished: np.ndarray, calibrated: set[str]
) -> tuple[dict[tuple[str, str], tuple[np.ndarray, np.ndarray]], list[dict[str, object]]]:
    """(team, needs) -> (blocker items, blocked items), one entry per link whose blocked item finished
    in the window, for pairs of calibrated teams, strongest first; and the pairs dropped as closing a
    cycle (see the module docstring)."""
    blockers, blocked = history.links[:, 0], history.links[:, 1]
    keep = finished[blocked]
    keep &= np.isin(history.teams[blocked], list(calibrated)) & np.isin(history.teams[blockers], list(calibrated))
    blockers, blocked = blockers[keep], blocked[keep]
    pairs: dict[tuple[str, str], list[int]] = {}
    for row, (source, target) in enumerate(zip(history.teams[blocked], history.teams[blockers], strict=True)):
        pairs.setdefault((str(source), str(target)), []).append(row)
    done = Counter(history.teams[finished].tolist())

    def strength(pair: tuple[str, str]) -> tuple[float, int, str, str]:
        rows = pairs[pair]
        return (-len(set(blocked[rows].tolist())) / done[pair[0]], -len(rows), *pair)

    kept: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    dropped: list[dict[str, object]] = []
    for pair in sorted(pairs, key=strength):
        team, needs = pair
        if _reaches(set(kept), needs, team):
            dropped.append({"team": team, "needs": needs, "links": len(pairs[pair]), "reason": "closes a cycle"})
            continue
        rows = pairs[pair]
        kept[pair] = (blockers[rows], blocked[rows])
    return kept, dropped


def _reaches(edges: set[tuple[str, str]], start: str, goal: str) -> bool:
    """Whether `goal` can be reached from `start` along `edges` (team -> team it depends on)."""
    seen, todo = {start}, [start]
    while todo:
        here = todo.pop()
        if here == goal:
            return True
        for source, target in edges:
            if source == here and target not in seen:
                seen.add(target)
                todo.append(target)
    return False


def add_dependencies(
    history: History,
    stations: dict[str, Station],
    teams: dict[str, Team],
    edges: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]],
    finished: np.ndarray,
) -> list[dict[str, object]]:
    """Insert a dependency step per pair of `edges` into the routes of `teams`; the notes of each."""
    by_item = np.argsort(history.span_item, kind="stable")
    first_span = np.searchsorted(history.span_item[by_item], np.arange(history.teams.size + 1))
    inserts: dict[str, list[tuple[int, Step]]] = {}
    notes: list[dict[str, object]] = []
    for (name, needs), (blockers, blocked) in edges.items():
        route = teams[name].route
        position_of = {}
        for index, step in enumerate(route):
            position_of[step.stage] = index + 1
            if step.queue_stage:
                position_of.setdefault(step.queue_stage, index + 1)
        moments = history.start[blockers]
        known = moments > history.start[blocked]
        positions: Counter = Counter()
        for item, moment in zip(blocked[known].tolist(), moments[known].tolist(), strict=True):
            rows = by_item[first_span[item] : first_span[item + 1]]
            inside = rows[(history.span_enter[rows] <= moment) & (history.span_leave[rows] > moment)]
            for stage in history.span_stage[inside].tolist():
                if stage in position_of:
                    positions[position_of[stage]] += 1
                    break
        if positions:
            position = min(positions, key=lambda p: (-positions[p], p))
            placed = "the stage the item was in when the blocker started"
        else:
            active = [i for i, s in enumerate(route) if s.station and stations[s.station].kind == "servers"]
            position = (active[0] if active else 0) + 1
            placed = "the first active stage (when the request was made is unknown)"
        request_at = np.maximum(moments, history.start[blocked])
        waits = history.finish[blockers] - request_at
        waits = waits[np.isfinite(waits)]
        items = len(set(blocked.tolist()))
        done = int((finished & (history.teams == name)).sum())
        visit = round(items / done, 4)
        step = Step(stage=f"waiting for {needs}", station=None, depends_on=needs, visit=visit)
        inserts.setdefault(name, []).append((position, step))
        notes.append(
            {
                "team": name,
                "needs": needs,
                "links": int(blocked.size),
                "items": items,
                "items_finished": done,
                "visit": visit,
                "after": route[position - 1].stage,
                "placed_after": placed,
                "measured_wait_days_p50": round(float(np.median(np.maximum(waits, 0.0))), 2) if waits.size else None,
            }
        )
    for name, added in inserts.items():
        route = list(teams[name].route)
        for position, step in sorted(added, key=lambda pair: (pair[0], pair[1].stage), reverse=True):
            route.insert(position, step)
        teams[name] = replace(teams[name], route=tuple(route))
    return notes
