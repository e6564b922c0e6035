"""The organization page (`/`) and its JSON twin (`/api/organization`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from orgflow.views.organization import OrganizationPage, TeamSection, organization_page
from orgflow.web.dependencies import PageContext
from orgflow.web.layout import page
from orgflow.web.routes.payloads import card_body, result_body

router = APIRouter()


def _page(context: PageContext) -> OrganizationPage:
    return context.view("organization-page", None, lambda: organization_page(context))


def _section_body(section: TeamSection) -> dict[str, Any]:
    return {
        "teams": [card_body(card) for card in [*section.teams, *section.idle]],
        "idle_teams": [card.group_id for card in section.idle],
    }


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def organization_page_html(request: Request, context: PageContext) -> HTMLResponse:
    """Clusters and teams as cards (teams outside the org in a section of their own), and the stage map."""
    return page(request, "organization.html", context, view=_page(context))


@router.get("/api/organization", tags=["pages"])
def organization_data(context: PageContext) -> dict[str, Any]:
    """The organization page's figures: the org's, each cluster's and each team's card (figures,
    trend against the previous window, flags) and the summary they come from. Teams with no item in
    the window are listed in `idle_teams`; the units work is attributed to that no team of the org
    names are teams of `outside_org`, with a `note` saying how to map them; `notes` say why a figure
    the page shows is unknown or where it comes from, each once. Takes the page's parameters (window,
    since, until, type, phase, now)."""
    view = _page(context)
    return {
        "ok": True,
        "window": context.filters.describe_window(),
        "org": card_body(view.org),
        "clusters": [
            {"card": card_body(section.card), **_section_body(section)} for section in view.clusters if section.card
        ],
        "outside_org": {**_section_body(view.outside), "note": view.note} if view.outside else None,
        "summary": result_body(view.view.summary),
        "notes": list(view.view.notes),
    }
