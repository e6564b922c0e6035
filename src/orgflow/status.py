"""`WorkspaceStatus`: what a workspace holds and how good it is, as `orgflow status` shows it (`ws.status`).

The sections, in the order they are shown (each a table; the last four only when they apply):

- ``sources``: work items per source and project, with their date ranges (`orgflow.flow.quality`).
- ``tables``: rows per canonical table.
- ``unmapped statuses``: raw statuses no stage of their workflow lists.
- ``warnings``: data-quality warnings of the work items.
- ``flow facts``: whether the stored flow facts are current (`orgflow.flow.stored_facts`).
- ``delivery warnings``: delivery data-quality warnings (with deployments or incidents loaded).
- ``work no team of the org owns``: attributed units no team group names (`orgflow.flow.browse`).
- ``unattributed``: records other than work items that no team can be tied to (with an org loaded).
- ``work items attributed by rule``: how many items each attribution rule placed (with a rule order
  other than the default).

A workspace without work items has no flow figures: `WorkspaceStatus.without_items` says so instead of the
lines about statuses and flow facts (nothing imported yet: how to import; else what the loaded parts support).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from orgflow.values import json_value

if TYPE_CHECKING:
    from orgflow.query.context import AnalysisContext


UNOWNED_SCHEMA = pa.schema(
    [("team_id", pa.string()), ("rule", pa.string()), ("items", pa.int64()), ("example", pa.string())]
)
"""The columns of ``work no team of the org owns``: the unit, the rule that named it, its items, one of them."""

WORK_ITEM_IMPORTS = (
    "`orgflow import jira FILE`, `orgflow import github FILE --repo OWNER/NAME`, `orgflow import gitlab FILE` "
    "or `orgflow import transitions FILE.csv`"
)
"""The importers that load work items (their status histories are what the flow figures read)."""

OTHER_IMPORTS = (
    "`orgflow import git REPO` (commits), `orgflow import deployments FILE.csv`, `orgflow import incidents FILE`, "
    "`orgflow import org FILE.yaml` or `orgflow import backstage CATALOG.yaml` (the org)"
)
"""The importers of the other parts: code, delivery and the organization."""

PARTS: tuple[tuple[str, str, str], ...] = (
    ("commits", "commits", "ownership, coupling and truck factor (`orgflow deps`)"),
    ("deployments", "deployments", "DORA's deployment figures (`orgflow dora`)"),
    ("incidents", "incidents", "DORA's failure and recovery figures (`orgflow dora incidents`)"),
    ("pull_requests", "pull requests", "pull-request flow (`orgflow prs`)"),
    ("groups", "groups", "the org's groups, members and design checks (`orgflow org`)"),
    ("components", "components", "owned components and their dependencies (`orgflow org team`, `orgflow deps`)"),
    ("ownership_rules", "ownership rules", "declared code owners (`orgflow deps`)"),
)
"""The loaded parts a workspace without work items is described by: table, its words, what it supports."""


@dataclass(frozen=True)
class WorkspaceStatus:
    """The status of one workspace: its sections by name, in display order, and the org's notes."""

    sections: dict[str, pa.Table]
    has_org: bool
    """Whether groups are loaded (else the teams are those attribution names)."""
    ownership_note: str | None
    """How to map work no team of the org owns, when there is such work."""
    attribution: tuple[str, ...]
    """The attribution rules in order (``org.attribution``)."""
    without_items: tuple[str, ...] = ()
    """With no work item loaded, the lines that say so (`without_items_lines`); empty otherwise."""

    def as_json(self) -> dict[str, Any]:
        """Every section as a list of rows (JSON values), and the ownership note when there is one."""
        payload: dict[str, Any] = {
            name: [{key: json_value(value) for key, value in row.items()} for row in table.to_pylist()]
            for name, table in self.sections.items()
        }
        if self.ownership_note:
            payload["ownership note"] = self.ownership_note
        if self.without_items:
            payload["without work items"] = list(self.without_items)
        return payload


def without_items_lines(counts: dict[str, int]) -> tuple[str, ...]:
    """What to say of a workspace whose ``work_items`` table is empty, from its rows per table (`counts`):
    nothing at all loaded gives how to import; otherwise no flow figures, and what each loaded part
    (`PARTS`) supports. Empty when work items are loaded."""
    if counts.get("work_items"):
        return ()
    if not any(counts.values()):
        return (
            f"nothing is imported yet: load work items with {WORK_ITEM_IMPORTS}; "
            f"code, delivery and the org with {OTHER_IMPORTS}",
        )
    lines = [
        "no work items are loaded, so there are no flow figures (lead and cycle time, throughput, WIP, "
        f"forecasts): load them with {WORK_ITEM_IMPORTS}",
    ]
    lines.extend(
        f"{counts[table]:,} {words} loaded: {supports}" for table, words, supports in PARTS if counts.get(table)
    )
    return tuple(lines)


def workspace_status(context: AnalysisContext) -> WorkspaceStatus:
    """The status of the workspace behind `context` (read-only)."""
    from orgflow.delivery.service import DeliveryService
    from orgflow.flow import quality, stored_facts
    from orgflow.flow.browse import org_tree
    from orgflow.org.attribution import DEFAULT_ORDER, attribution_counts
    from orgflow.query.values_table import values_table

    connection, config, lookups = context.connection, context.config, context.lookups
    sections = {
        "sources": quality.loaded_sources(connection),
        "tables": quality.table_rows(connection),
        "unmapped statuses": quality.unmapped_statuses(connection, config, lookups),
        "warnings": quality.data_warnings(connection),
        "flow facts": stored_facts.facts_state(connection, config, lookups),
    }
    counts = context.store.table_counts()
    if counts.get("deployments") or counts.get("incidents"):
        sections["delivery warnings"] = DeliveryService(context).quality().table
    tree = org_tree(context)  # type: ignore[arg-type]
    if tree.unowned:
        rows = [
            {"team_id": unit.team_id, "rule": unit.rule, "items": unit.items, "example": unit.example}
            for unit in tree.unowned
        ]
        sections["work no team of the org owns"] = values_table(connection, rows, UNOWNED_SCHEMA)
    if counts.get("groups"):
        from orgflow.org.structure import unattributed

        # Work items are listed by unit above, with how to map them.
        sections["unattributed"] = unattributed(connection, work_items=False)
    order = tuple(config.org.attribution)
    if order != DEFAULT_ORDER:
        sections["work items attributed by rule"] = attribution_counts(connection, order)
    return WorkspaceStatus(sections, tree.has_org, tree.ownership_note(), order, without_items_lines(counts))
