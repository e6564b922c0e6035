"""The organization page (`/`) and its JSON twin (`/api/organization`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from orgflow.web.dependencies import PageContext
from orgflow.web.layout import page
from orgflow.web.routes.payloads import card_body, result_body
from orgflow.web.views import organization_view

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def organization_page(request: Request, context: PageContext) -> HTMLResponse:
    """Clusters and teams as cards, and the value-stream stage map."""
    view = context.view("organization", None, lambda: organization_view(context))
    return page(request, "organization.html", context, view=view)


@router.get("/api/organization", tags=["pages"])
def organization_data(context: PageContext) -> dict[str, Any]:
    """The organization page's figures: the org's, each cluster's and each team's card (figures,
    trend against the previous window, flags) and the summary they come from. Takes the page's
    parameters (window, since, until, type, phase, now)."""
    view = context.view("organization", None, lambda: organization_view(context))
    return {
        "ok": True,
        "window": context.filters.describe_window(),
        "org": card_body(view.org),
        "clusters": [
            {"card": card_body(block.card), "teams": [card_body(card) for card in block.teams]}
            for block in view.clusters
        ],
        "summary": result_body(view.summary),
    }
