"""The hint of a GitHub status that no stage lists names the import option as it is typed
(`--strict-statuses`), as the transitions CSV importer's does."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.sources.test_github import _event, _issue, _load

from orgflow.errors import InputError


def test_the_hint_names_the_option_as_typed(tmp_path: Path) -> None:
    events = [_event("milestoned", "2024-01-02T09:00:00Z", milestone={"title": "needstriage"})]
    with pytest.raises(InputError) as caught:
        _load(tmp_path, [_issue(51, events)], strict_statuses=True)
    assert caught.value.hint == (
        "add it to a stage of that workflow in orgflow.yaml, or import without --strict-statuses"
    )
