"""Cluster (group) and team pages, their JSON twins, and the list of groups and teams."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from orgflow.errors import InputError
from orgflow.flow.browse import org_tree
from orgflow.views.context import Context
from orgflow.views.flow import FlowView, group_view, team_view
from orgflow.web.dependencies import HubDep, PageContext, not_found
from orgflow.web.layout import page
from orgflow.web.routes.payloads import card_body, group_body, result_body

router = APIRouter()


def _group(context: Context, group_id: str) -> FlowView:
    try:
        context.tree.require(group_id, kind="group")
    except InputError as error:
        raise not_found(error) from None
    return context.view("group", group_id, lambda: group_view(context, group_id))


def _team(context: Context, team_id: str) -> FlowView:
    try:
        context.tree.require(team_id, kind="team")
    except InputError as error:
        raise not_found(error) from None
    return context.view("team", team_id, lambda: team_view(context, team_id))


def _view_body(context: Context, view: FlowView) -> dict[str, Any]:
    return {
        "ok": True,
        "window": context.filters.describe_window(),
        "group": group_body(view.group),
        "card": card_body(view.card),
        "teams": [card_body(card) for card in view.teams],
        "summary": result_body(view.summary) if view.summary else None,
        "charts": {chart.key: chart.spec for chart in view.charts},
        "note": view.note,
        "notes": list(view.notes),
    }


@router.get("/groups/{group_id:path}", response_class=HTMLResponse, include_in_schema=False)
def group_page(request: Request, group_id: str, context: PageContext) -> HTMLResponse:
    """A cluster: its card, its teams' cards, and its flow charts."""
    return page(request, "flow.html", context, view=_group(context, group_id))


@router.get("/teams/{team_id:path}", response_class=HTMLResponse, include_in_schema=False)
def team_page(request: Request, team_id: str, context: PageContext) -> HTMLResponse:
    """A team: its card and its flow charts."""
    return page(request, "flow.html", context, view=_team(context, team_id))


@router.get("/api/groups", tags=["organization"])
def groups(hub: HubDep) -> dict[str, Any]:
    """Every group of the store (org, clusters, teams) with its kind, Team Topologies type and parent, and the
    units work is attributed to that no team of the org names, as teams with `origin` "attributed"."""
    tree = hub.query("org_tree", org_tree)
    return {"ok": True, "groups": [group_body(group) for group in tree.groups.values()]}


@router.get("/api/teams", tags=["organization"])
def teams(hub: HubDep) -> dict[str, Any]:
    """Every team with its Team Topologies type and parent group: the org's (`origin` "org") and the units work
    is attributed to that no team of the org names (`origin` "attributed": a project key, a repository...),
    with `note` saying how to map those."""
    tree = hub.query("org_tree", org_tree)
    return {"ok": True, "teams": [group_body(group) for group in tree.teams()], "note": tree.ownership_note()}


@router.get("/api/groups/{group_id:path}", tags=["pages"])
def group_data(group_id: str, context: PageContext) -> dict[str, Any]:
    """A cluster page's figures: its card, its teams' cards, its summary and its chart specs, with `notes`:
    why a figure the page shows is unknown or where it comes from, each once."""
    return _view_body(context, _group(context, group_id))


@router.get("/api/teams/{team_id:path}", tags=["pages"])
def team_data(team_id: str, context: PageContext) -> dict[str, Any]:
    """A team page's figures: its card, its summary and its chart specs (Vega-Lite), with `notes`: why a
    figure the page shows is unknown or where it comes from, each once."""
    return _view_body(context, _team(context, team_id))
