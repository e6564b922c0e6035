"""The flow history a calibration reads: items and their stage intervals, as numpy arrays in days.

Read once from the workspace's flow facts (`FlowService.items_table` and `stage_spans`, the same
facts every flow metric uses), then calibration, fit and backtest work on plain arrays. Times are
days since the Unix epoch (UTC). Only mapped, started items count; the intervals are those between
an item's start and its finish (or `now` for an unfinished item).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from orgflow.flow.service import FlowService
    from orgflow.workspace import Workspace

_DAY_US = 86_400 * 1_000_000


@dataclass(frozen=True)
class History:
    """Items (index = item) and stage intervals (`span_item` indexes the items).

    Attributes:
        teams, groups, flow_types: per item; group is None when the team has no parent group.
        start, finish: days (finish nan while unfinished or cancelled).
        cancelled: whether the item ended cancelled.
        span_stage, span_category, span_order: per interval: stage name, category, stage order.
        span_enter, span_leave: days.
        stage_phase: stage name -> phase (from the workflow mapping).
        staffing: team -> its memberships as rows (first day, first day no longer valid, allocation),
            days since the epoch (inf: open), each cut to the days its group exists (the org model,
            `orgflow.org.structure`); empty without an org model.
        end: the end of the data (days).
        links: cross-team blocking links, one row per (blocker item, blocked item) (``blocks`` links,
            and ``blocked_by`` read the other way; both items started and mapped to different teams).
        no_active: the teams none of whose statuses in use maps to an active stage (and without reported
            time in status standing in): their items start at their first unmapped status, so their
            cycle times and active stages are unknown (`orgflow.flow.mapped_stages`).
    """

    teams: np.ndarray
    groups: list[str | None]
    flow_types: np.ndarray
    start: np.ndarray
    finish: np.ndarray
    cancelled: np.ndarray
    span_item: np.ndarray
    span_stage: np.ndarray
    span_category: np.ndarray
    span_order: np.ndarray
    span_enter: np.ndarray
    span_leave: np.ndarray
    stage_phase: dict[str, str]
    staffing: dict[str, np.ndarray]
    end: float
    links: np.ndarray = field(default_factory=lambda: np.empty((0, 2), dtype=np.int64))
    no_active: frozenset[str] = frozenset()


def _days(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """An Arrow timestamp column as days since the epoch (nan for null)."""
    micros = pc.cast(column.cast(pa.timestamp("us")), pa.int64())
    return np.asarray(micros.to_numpy(zero_copy_only=False), dtype=float) / _DAY_US


def day_number(day: date) -> float:
    """A UTC day's start as days since the epoch."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() / 86_400


def read_history(workspace: Workspace, service: FlowService) -> History:
    """The started items of the workspace and their intervals, as of the service's `now`."""
    columns = ("source", "item_id", "team_id", "group_id", "flow_type", "started_at", "finished_at", "outcome")
    items = service.fetch(service.items_table().select(*columns))
    items = items.filter(pc.and_(pc.is_valid(items["started_at"]), pc.is_valid(items["team_id"])))
    keys = [
        f"{source}\x00{item}"
        for source, item in zip(items["source"].to_pylist(), items["item_id"].to_pylist(), strict=True)
    ]
    index = {key: number for number, key in enumerate(keys)}
    spans = service.fetch(
        service.stage_spans().select("source", "item_id", "stage", "stage_order", "category", "entered_at", "left_at")
    )
    spans = spans.filter(pc.is_valid(spans["left_at"]))
    span_keys = [f"{s}\x00{i}" for s, i in zip(spans["source"].to_pylist(), spans["item_id"].to_pylist(), strict=True)]
    span_item = np.array([index.get(key, -1) for key in span_keys], dtype=np.int64)
    kept = span_item >= 0
    outcome = np.array(items["outcome"].to_pylist(), dtype=object)
    finish = _days(items["finished_at"])
    finish[outcome != "done"] = np.nan
    teams = np.array(items["team_id"].to_pylist(), dtype=object)
    groups = items["group_id"].to_pylist()
    phases: dict[str, str] = {}
    for workflow in workspace.config.all_workflows():
        for stage in workflow.stages:
            phases.setdefault(stage.name, stage.phase)
    order = np.asarray(spans["stage_order"].fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return History(
        teams=teams,
        groups=[group if group != team else None for group, team in zip(groups, teams.tolist(), strict=True)],
        flow_types=np.array([value or "other" for value in items["flow_type"].to_pylist()], dtype=object),
        start=_days(items["started_at"]),
        finish=finish,
        cancelled=outcome == "cancelled",
        span_item=span_item[kept],
        span_stage=np.array(spans["stage"].to_pylist(), dtype=object)[kept],
        span_category=np.array(spans["category"].to_pylist(), dtype=object)[kept],
        span_order=order[kept],
        span_enter=_days(spans["entered_at"])[kept],
        span_leave=_days(spans["left_at"])[kept],
        stage_phase=phases,
        staffing=_staffing(workspace),
        end=service.now.timestamp() / 86_400,
        links=_links(workspace, index, teams),
        no_active=frozenset(str(team) for team in service.stage_reach(by="team").no_active if team is not None),
    )


def _links(workspace: Workspace, index: dict[str, int], teams: np.ndarray) -> np.ndarray:
    """(blocker, blocked) item indexes of the cross-team blocking links among `index`'s items."""
    rows = workspace.store.connection.execute(
        "SELECT DISTINCT source, blocker, blocked FROM ("
        "SELECT source, item_id AS blocker, target_id AS blocked FROM item_links WHERE kind = 'blocks' UNION ALL "
        "SELECT source, target_id, item_id FROM item_links WHERE kind = 'blocked_by') ORDER BY 1, 2, 3"
    ).fetchall()
    pairs = []
    for source, blocker, blocked in rows:
        first, second = index.get(f"{source}\x00{blocker}"), index.get(f"{source}\x00{blocked}")
        if first is not None and second is not None and teams[first] != teams[second]:
            pairs.append((first, second))
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def _staffing(workspace: Workspace) -> dict[str, np.ndarray]:
    """Each team's memberships in the org model (see `History.staffing`); empty without one."""
    from orgflow.org.structure import OrgModel

    model = OrgModel.from_store(workspace.store.connection)
    rows: dict[str, list[tuple[float, float, float]]] = {}
    for membership in model.memberships:
        group = model.groups.get(membership.group_id)
        if group is None:
            continue
        starts = [day for day in (membership.valid_from, group.valid_from) if day is not None]
        ends = [day for day in (membership.valid_to, group.valid_to) if day is not None]
        first = max(day_number(day) for day in starts) if starts else -np.inf
        last = min(day_number(day) for day in ends) if ends else np.inf
        allocation = 1.0 if membership.allocation is None else float(membership.allocation)
        if first < last and allocation > 0:
            rows.setdefault(group.source_id, []).append((first, last, allocation))
    return {team: np.array(sorted(spans), dtype=float).reshape(-1, 3) for team, spans in rows.items()}
