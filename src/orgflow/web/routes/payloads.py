"""JSON bodies of the API: a metric result as the CLI prints it, cards, groups and items."""

from __future__ import annotations

import dataclasses
from typing import Any

from orgflow.charts import plain
from orgflow.flow.browse import Group, ItemDetail
from orgflow.flow.service import MetricResult
from orgflow.views.cards import Card


def result_body(result: MetricResult) -> dict[str, Any]:
    """{"ok", "metric", "definition", "params", "rows", "notes"}: the CLI's JSON output, plus "ok"."""
    return {
        "ok": True,
        "metric": result.metric,
        "definition": result.definition,
        "params": {key: plain(value) for key, value in result.params.items()},
        "rows": result.json_rows(),
        "notes": list(result.notes),
    }


def card_body(card: Card) -> dict[str, Any]:
    """A card: its group, figures (value, previous, trend, flag, items link) and flags."""
    body = dataclasses.asdict(card)
    body["flags"] = card.flags
    return body


def group_body(group: Group) -> dict[str, Any]:
    return {key: plain(value) for key, value in dataclasses.asdict(group).items()}


def item_body(detail: ItemDetail) -> dict[str, Any]:
    body = {key: plain(value) for key, value in dataclasses.asdict(detail).items() if key != "steps"}
    body["steps"] = [{key: plain(value) for key, value in dataclasses.asdict(step).items()} for step in detail.steps]
    return body
