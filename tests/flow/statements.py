"""Counting the statements a flow service runs: each query run alone (`orgflow.flow.runner.run_kept`) and
each run for many value sets at once (`orgflow.flow.many_values.run_for_each`), for tests that check how
many statements a figure takes."""

from __future__ import annotations

from typing import Any

import pytest

from orgflow.flow import many_values, runner


def counted_statements(monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], list[int]]:
    """From now on (for the test), every query run alone appends its ``cut_team`` value to the first list,
    and every statement run for many value sets appends how many sets to the second; both still run."""
    single: list[Any] = []
    batched: list[int] = []
    run_kept, run_for_each = runner.run_kept, many_values.run_for_each

    def counted_single(connection: Any, query: Any, values: Any) -> Any:
        single.append(values.get("cut_team"))
        return run_kept(connection, query, values)

    def counted_batch(connection: Any, query: Any, value_sets: Any) -> Any:
        batched.append(len(value_sets))
        return run_for_each(connection, query, value_sets)

    monkeypatch.setattr(runner, "run_kept", counted_single)
    monkeypatch.setattr(many_values, "run_for_each", counted_batch)
    return single, batched
