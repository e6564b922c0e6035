"""`orgflow insights`: the early-warning findings of the workspace, ranked (most severe, then most at stake)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from orgflow.cli.context import open_from, require_workspace
from orgflow.cli.generated import print_notes
from orgflow.cli.option_blocks import FORMAT, now_block, with_options
from orgflow.cli.render import Format, render
from orgflow.values import json_value

if TYPE_CHECKING:
    from orgflow.flow.service import MetricResult
    from orgflow.insights import Finding


def _evidence_text(evidence: dict[str, Any]) -> str:
    """The evidence on one line: its figures, then how many items."""
    parts = [
        f"{key}={json.dumps(value, default=str)}"
        for key, value in evidence.items()
        if key not in ("items", "per_item", "littles_law")
    ]
    items = evidence.get("items") or []
    if items:
        shown = ", ".join(items[:5]) + (f" … ({len(items)} items)" if len(items) > 5 else "")
        parts.append(f"items: {shown}")
    return "; ".join(parts)


def _result(
    findings: list[Finding], params: dict[str, Any], *, columns: tuple[str, ...], notes: list[str] | None = None
) -> MetricResult:
    import pyarrow as pa

    from orgflow.flow.service import MetricResult
    from orgflow.insights.finding import DEFINITION

    rows = [finding.as_row() for finding in findings]
    for row in rows:
        row["evidence"] = _evidence_text(row["evidence"])
        impact = row["impact_item_days"]
        # As text in the table and csv: Rich squeezes a numeric column beside long titles to nothing.
        row["impact_item_days"] = "" if impact is None else f"{impact:.1f}"
    table = pa.table({name: pa.array([row[name] for row in rows], type=pa.string()) for name in columns})
    return MetricResult("insights", DEFINITION, {**params, "rows": len(rows)}, table, list(notes or []))


NOW = now_block("Look from this date or instant (ISO 8601, UTC if no offset).")


@with_options(NOW, FORMAT)
def insights(
    ctx: typer.Context,
    team: Annotated[str | None, typer.Option("--team", "-t", help="Only this team's items and figures.")] = None,
    group: Annotated[
        str | None, typer.Option("--group", "-g", help="Only the teams of this group (any level).")
    ] = None,
    *,
    now: datetime | None,
    fmt: Format,
) -> None:
    """Early warnings with evidence and a suggested action, ranked. Example: orgflow insights --team payments

    One finding per team and rule, its items listed; ranked by severity, then item-days at stake.
    """
    require_workspace(ctx)  # said before the rules and their libraries load
    from orgflow.insights.finding import DEFINITION

    with open_from(ctx, read_only=True) as workspace:
        review = workspace.insights_at(now).review(team=team, group=group)
    findings, notes = review.findings, review.notes()
    params = {key: value for key, value in (("team", team), ("group", group)) if value is not None}
    # The instant the findings are as of: --now, or the flow figures' default (the end of the data's
    # last day when the data stops before the clock), with what chose it.
    params.update(review.as_of)
    params["checks"] = {check.rule: check.text for check in review.checks}
    if fmt is Format.json:
        payload = {
            "metric": "insights",
            "definition": DEFINITION,
            "params": {**params, "rows": len(findings)},
            "rows": [_json_row(finding) for finding in findings],
            "notes": notes,
        }
        sys.stdout.write(json.dumps(payload, indent=1) + "\n")
    elif fmt is Format.csv:
        columns = ("rule", "severity", "subject", "team", "impact_item_days", "title", "evidence", "suggested_action")
        render(_result(findings, params, columns=columns, notes=notes), fmt)  # the notes on stderr
    else:
        columns = ("severity", "impact_item_days", "rule", "subject", "title")
        render(_result(findings, params, columns=columns), fmt, limit=None)
        print_notes(notes)


def _json_row(finding: Finding) -> dict[str, Any]:
    """A finding as JSON: evidence nested, its instants and dates as ISO text."""
    row = finding.as_row()
    row["evidence"] = _json_ready(row["evidence"])
    return row


def _json_ready(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json_ready(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(inner) for inner in value]
    return json_value(value)
