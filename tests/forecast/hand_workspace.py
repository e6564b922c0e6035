"""Workspaces built by hand for forecast tests: each team's items, all created and started at one instant
of the team's, each finished at an instant of its own, on a three-stage board (Backlog, In Progress, Done)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orgflow
from orgflow.model import StatusTransition, WorkItem
from orgflow.store import ImportBatch

CONFIG = """
workflows:
  - name: board
    applies_to: {source: t}
    stages:
      - {name: Backlog, phase: Ideate, category: backlog, statuses: [Backlog]}
      - {name: In Progress, phase: Create, category: active, statuses: [In Progress]}
      - {name: Done, phase: Operate, category: done, statuses: [Done]}
"""


@dataclass(frozen=True)
class Team:
    """One team's items: created at `created`, started at `started`, one item finished at each of `finishes`."""

    created: datetime
    started: datetime
    finishes: Sequence[datetime]


def build_workspace(root: Path, teams: dict[str, Team], files: dict[str, str]) -> Path:
    """A closed workspace at `root` holding `teams` (item keys `<TEAM>-<n>`, type Story, source "t"), with
    `files` (name -> text) written in its folder beside its config."""
    orgflow.init(root).close()
    (root / "orgflow.yaml").write_text(CONFIG, encoding="utf-8")
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    batch = ImportBatch("t", "test", "hand-built")
    for team, spec in teams.items():
        for number, finished in enumerate(spec.finishes):
            key = f"{team.upper()}-{number}"
            batch.add(WorkItem("t", key, "P", team, key, "Story", spec.created, "Done"))
            batch.add(StatusTransition("t", key, 0, spec.created, None, "Backlog"))
            batch.add(StatusTransition("t", key, 1, spec.started, "Backlog", "In Progress"))
            batch.add(StatusTransition("t", key, 2, finished, "In Progress", "Done"))
    with orgflow.open(root) as opened:
        opened.store.write(batch)
    return root
