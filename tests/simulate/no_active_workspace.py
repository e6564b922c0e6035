"""A hand-made workspace with one team whose workflow has a done stage and no active stage, beside one
whose workflow has both, for the simulation's tests.

From a transitions CSV, item i (i = 0..29) of each team created on 2024-01-01 + i at 09:00:

- ``nact`` (keys N-1..N-30): moved a day later to ``Doing`` (a status no stage names) and to ``Done``
  (i mod 4) + 1 days after that. Its workflow (`NO_ACTIVE_WORKFLOW`, for project ``nact``) maps ``To Do``
  to a backlog stage and ``Done`` to a done stage, nothing to an active one: its items start at
  ``Doing`` (their first unmapped status), its route is the ``unmapped`` stage alone, a delay.
- ``alpha`` (keys A-1..A-30), when `with_alpha`: moved a day later to ``In Progress`` and to ``Done``
  (i mod 3) + 1 days after that, under the built-in workflow (``In Progress`` an active stage).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

NO_ACTIVE_WORKFLOW = """
workflows:
  - name: no-active
    applies_to: {source: csv, projects: [nact]}
    stages:
      - {name: To Do, phase: Ideate, category: backlog, statuses: [To Do]}
      - {name: Done, phase: Operate, category: done, statuses: [Done]}
"""


def transitions(*, with_alpha: bool = True) -> str:
    """The CSV of the module docstring."""
    lines = ["item_id,timestamp,from_status,to_status,team,type,created"]
    teams = [("N", "nact", "Doing", 4), *([("A", "alpha", "In Progress", 3)] if with_alpha else [])]
    for prefix, team, working, cycle in teams:
        for i in range(30):
            created = datetime(2024, 1, 1, 9) + timedelta(days=i)

            def stamp(days: int, created: datetime = created) -> str:
                return (created + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

            key, first = f"{prefix}-{i + 1}", stamp(0)
            lines.append(f"{key},{first},,To Do,{team},Story,{first}")
            lines.append(f"{key},{stamp(1)},To Do,{working},{team},Story,{first}")
            lines.append(f"{key},{stamp(1 + i % cycle + 1)},{working},Done,{team},Story,{first}")
    return "\n".join(lines) + "\n"


def build(root: Path, *, with_alpha: bool = True) -> Path:
    """The workspace in `root`/ws (its CSV in `root`/changes.csv), imported and closed."""
    import orgflow

    changes = root / "changes.csv"
    changes.write_text(transitions(with_alpha=with_alpha), encoding="utf-8")
    orgflow.init(root / "ws").close()
    config = root / "ws" / "orgflow.yaml"
    config.write_text(config.read_text(encoding="utf-8") + NO_ACTIVE_WORKFLOW, encoding="utf-8")
    with orgflow.open(root / "ws") as workspace:
        workspace.import_files("transitions", [changes])
    return root / "ws"
