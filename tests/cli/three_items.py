"""A three-item transitions history shared by the CLI's start-up tests (default workflow: To Do, In Progress,
Done): alpha finishes A-1 (lead time 4 days, cycle time 3) and has A-2 in progress; beta finishes B-1
(lead time 7 days, cycle time 5)."""

from __future__ import annotations

from pathlib import Path

TRANSITIONS = """\
item_id,timestamp,from_status,to_status,team,type,created
A-1,2024-03-01T09:00:00Z,,To Do,alpha,Story,2024-03-01T09:00:00Z
A-1,2024-03-02T09:00:00Z,To Do,In Progress,alpha,Story,2024-03-01T09:00:00Z
A-1,2024-03-05T09:00:00Z,In Progress,Done,alpha,Story,2024-03-01T09:00:00Z
A-2,2024-03-02T09:00:00Z,,To Do,alpha,Bug,2024-03-02T09:00:00Z
A-2,2024-03-04T09:00:00Z,To Do,In Progress,alpha,Bug,2024-03-02T09:00:00Z
B-1,2024-03-01T12:00:00Z,,To Do,beta,Story,2024-03-01T12:00:00Z
B-1,2024-03-03T12:00:00Z,To Do,In Progress,beta,Story,2024-03-01T12:00:00Z
B-1,2024-03-08T12:00:00Z,In Progress,Done,beta,Story,2024-03-01T12:00:00Z
"""


def three_items_workspace(root: Path) -> Path:
    """A workspace of the three items under `root` (`root`/ws, from `root`/transitions.csv), closed."""
    import orgflow

    (root / "transitions.csv").write_text(TRANSITIONS, encoding="utf-8")
    workspace = orgflow.init(root / "ws")
    try:
        workspace.import_files("transitions", [root / "transitions.csv"])
    finally:
        workspace.close()
    return root / "ws"
