"""The jira-agile-metrics peer: its 20,000-item synthetic set and workflow, its outputs, and orgflow's
CFD compared with the peer's cell by cell.

The peer's CFD (jam_cfd.csv) has one row per day from its first to its last date and one column per
stage: items that reached the stage or a later one by the end of that day, by wall-clock date in each
timestamp's own offset. orgflow's CFD is the same quantity by UTC date, as of its `now`.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from benchmarks import SHARED_DATA

if TYPE_CHECKING:
    from orgflow.flow.service import MetricResult

PEER_DIR = SHARED_DATA.parent / "peers" / "jam"
"""The peer harness (``../shared/peers/jam``): its generator, converter and runner."""
PEER_ITEMS = 20_000
PEER_WORKFLOW_YAML = """\
# The jira-agile-metrics peer's workflow (peers/jam/jam_run.py DEFAULT_WORKFLOW); "Parked" stays unmapped.
workflows:
  - name: jam
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Backlog, To Do]}
      - {name: Committed, phase: Create, category: wait, statuses: [Selected]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
      - {name: Review, phase: Create, category: active, statuses: [Code Review, QA]}
      - {name: Done, phase: Operate, category: done, statuses: [Done, Closed]}
"""
"""The workspace's orgflow.yaml wherever orgflow is timed or compared on the peer's items."""
PEER_STAGES = ("Backlog", "Committed", "In Progress", "Review", "Done")
PEER_STATUSES = {
    "Backlog": ("Backlog", "To Do"),
    "Committed": ("Selected",),
    "In Progress": ("In Progress",),
    "Review": ("Code Review", "QA"),
    "Done": ("Done", "Closed"),
}
SHOWN_DIFFERENCES = 8

Cell = tuple[date, str]


def load_peer_script(name: str) -> ModuleType:
    """A script of the peer harness, loaded as a module (its generator is plain Python)."""
    spec = importlib.util.spec_from_file_location(f"_peer_{name}", PEER_DIR / f"{name}.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {PEER_DIR / name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_synthetic_set(folder: Path, items: int = PEER_ITEMS, seed: int = 1) -> tuple[Path, Path]:
    """The peer's synthetic set as its JSON and as orgflow's transitions CSV (by the peer's own
    converter), in `folder`: synthetic.json and synthetic.transitions.csv, made once, then reused."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path, csv_path = folder / "synthetic.json", folder / "synthetic.transitions.csv"
    if not json_path.exists():
        data = load_peer_script("jam_run").generate(items, seed)
        json_path.write_text(json.dumps(data), encoding="utf-8")
    if not csv_path.exists():
        subprocess.run(
            [sys.executable, str(PEER_DIR / "to_transitions_csv.py"), str(json_path), str(csv_path)], check=True
        )
    return json_path, csv_path


@dataclass(frozen=True)
class PeerRun:
    """What the peer harness left in one output folder."""

    folder: Path
    transitions_csv: Path
    cfd: dict[Cell, int]
    days: list[date]
    timings: dict[str, Any]
    now: date | None
    wall_seconds: float | None

    @property
    def calculators_seconds(self) -> float:
        """Seconds of every calculator's run() (the analysis proper, without inputs and writing)."""
        return sum(value for key, value in self.timings.items() if key.startswith("run_"))


@dataclass
class CfdComparison:
    """Cells of the peer's CFD compared with orgflow's, and the ones that differ."""

    label: str
    now: datetime
    cells: int = 0
    differing: list[tuple[date, str, int, int | None]] = field(default_factory=list)

    @property
    def missing(self) -> int:
        """Differing cells orgflow has no value for (days after its `now`)."""
        return sum(1 for *_, ours in self.differing if ours is None)

    @property
    def on_now_day(self) -> int:
        """Differing cells on the day `now` falls in: orgflow counts that day only up to `now`."""
        return sum(1 for day, *_, ours in self.differing if ours is not None and day == self.now.date())

    def as_details(self, limit: int = 50) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "cells": self.cells,
            "differing": len(self.differing),
            "missing_in_orgflow": self.missing,
            "on_now_day": self.on_now_day,
            "first_differing": [
                {"day": day.isoformat(), "stage": stage, "peer": peer, "orgflow": ours}
                for day, stage, peer, ours in self.differing[:limit]
            ],
        }


def read_peer_run(folder: Path, csv_name: str) -> PeerRun | None:
    """The peer's CFD, timings, `--now` and wall time from `folder`, or None when a file is missing."""
    transitions_csv = folder / csv_name
    needed = (transitions_csv, folder / "jam_cfd.csv", folder / "jam_timings.json")
    if not all(path.is_file() for path in needed):
        return None
    cfd: dict[Cell, int] = {}
    days: list[date] = []
    with (folder / "jam_cfd.csv").open(newline="", encoding="utf-8") as file:
        reader = csv.reader(file)
        header = next(reader)
        for row in reader:
            day = date.fromisoformat(row[0][:10])
            days.append(day)
            for stage, value in zip(header[1:], row[1:], strict=True):
                cfd[(day, stage)] = round(float(value))
    timings = json.loads((folder / "jam_timings.json").read_text(encoding="utf-8"))
    now, wall_seconds = _peer_command_record(folder.parent / f"{folder.name}.stderr")
    return PeerRun(folder, transitions_csv, cfd, days, timings, now, wall_seconds)


def _peer_command_record(path: Path) -> tuple[date | None, float | None]:
    """`--now` and the wall-clock seconds from the peer run's ``/usr/bin/time -v`` record, if kept."""
    if not path.is_file():
        return None, None
    text = path.read_text(encoding="utf-8", errors="replace")
    now_match = re.search(r"--now (\d{4}-\d{2}-\d{2})", text)
    wall_match = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):(\d+(?:\.\d+)?)", text)
    now = date.fromisoformat(now_match.group(1)) if now_match else None
    wall = None
    if wall_match:
        hours, minutes, seconds = wall_match.groups()
        wall = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    return now, wall


def orgflow_cfd_cells(result: MetricResult) -> dict[Cell, int]:
    """orgflow's CFD rows as {(day, stage): count} (the day column is ``day`` or ``date``)."""
    table = result.table
    day_column = "day" if "day" in table.column_names else "date"
    days = table.column(day_column).to_pylist()
    stages = table.column("stage").to_pylist()
    counts = table.column("count").to_pylist()
    return {(day, stage): count for day, stage, count in zip(days, stages, counts, strict=True)}


def compare_cfd(label: str, now: datetime, peer: dict[Cell, int], ours: dict[Cell, int]) -> CfdComparison:
    """Every cell of the peer's CFD against orgflow's value (None where orgflow has none)."""
    comparison = CfdComparison(label, now, cells=len(peer))
    order = {stage: index for index, stage in enumerate(PEER_STAGES)}
    for day, stage in sorted(peer, key=lambda cell: (cell[0], order.get(cell[1], len(order)))):
        theirs, mine = peer[(day, stage)], ours.get((day, stage))
        if mine != theirs:
            comparison.differing.append((day, stage, theirs, mine))
    return comparison


@dataclass(frozen=True)
class ShiftedChange:
    """A change whose wall-clock date (the peer's) differs from its UTC date (orgflow's)."""

    item_id: str
    timestamp: str
    to_status: str
    stage: str | None
    wall_date: date
    utc_date: date

    def explains(self, day: date, stage: str) -> bool:
        """Whether this shift can move the cell: a day between the two dates, a stage up to the change's."""
        if self.stage is None or stage not in PEER_STAGES:
            return False
        first, last = sorted((self.wall_date, self.utc_date))
        return first <= day < last and PEER_STAGES.index(stage) <= PEER_STAGES.index(self.stage)


def shifted_changes(transitions_csv: Path) -> list[ShiftedChange]:
    """Changes of the CSV whose offset puts their wall-clock date on another day than UTC."""
    stage_of = {status.casefold(): stage for stage, statuses in PEER_STATUSES.items() for status in statuses}
    shifted = []
    with transitions_csv.open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            instant = datetime.fromisoformat(row["timestamp"])
            wall_date, utc_date = instant.date(), instant.astimezone(UTC).date()
            if wall_date != utc_date:
                status = row["to_status"]
                shifted.append(
                    ShiftedChange(
                        row["item_id"], row["timestamp"], status, stage_of.get(status.casefold()), wall_date, utc_date
                    )
                )
    return shifted


def render_differences(comparison: CfdComparison, shifted: list[ShiftedChange] | None = None) -> list[str]:
    if not comparison.differing:
        return []
    lines = [f"   first differing cells, {comparison.label} (day, stage: peer vs orgflow):"]
    for day, stage, theirs, mine in comparison.differing[:SHOWN_DIFFERENCES]:
        reason = ""
        if shifted is not None:
            causes = [change for change in shifted if change.explains(day, stage)]
            reason = "  <- " + "; ".join(
                f"{change.item_id} {change.to_status} at {change.timestamp} (peer {change.wall_date}, UTC "
                f"{change.utc_date})"
                for change in causes
            )
            reason = reason if causes else "  <- not explained by a time-zone shift"
        lines.append(f"     {day} {stage:<11} {theirs:>6} vs {mine if mine is not None else '-':>6}{reason}")
    if len(comparison.differing) > SHOWN_DIFFERENCES:
        lines.append(f"     ... {len(comparison.differing) - SHOWN_DIFFERENCES:,} more in the JSON details")
    return lines
