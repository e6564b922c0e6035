"""The `build` fixture: a hand-built workspace (see `workspaces.py`) in the test's folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.insights.workspaces import Build, Item, build_workspace

from orgflow.workspace import Workspace


@pytest.fixture
def build(tmp_path: Path) -> Iterator[Build]:
    """Builds the workspace of the given items in tmp_path, and closes it after the test."""
    opened: list[Workspace] = []

    def _build(items: list[Item]) -> Workspace:
        workspace = build_workspace(tmp_path, items)
        opened.append(workspace)
        return workspace

    yield _build
    for workspace in opened:
        workspace.close()
