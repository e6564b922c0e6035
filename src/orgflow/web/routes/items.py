"""The items page (the items behind any figure, with one item's timeline) and an item's JSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from orgflow.errors import InputError
from orgflow.flow.browse import item_detail
from orgflow.web.dependencies import HubDep, PageContext, not_found
from orgflow.web.items import ItemsQuery, items_view
from orgflow.web.layout import page
from orgflow.web.routes.payloads import item_body

router = APIRouter()


def _query(request: Request) -> ItemsQuery:
    params = request.query_params
    return ItemsQuery.parse(
        show=params.get("show"),
        on=params.get("on"),
        stage=params.get("stage"),
        state=params.get("state"),
        item=params.get("item"),
        sort=params.get("sort"),
        order=params.get("order"),
        page=params.get("page"),
    )


@router.get("/items", response_class=HTMLResponse, include_in_schema=False)
def items_page(request: Request, context: PageContext) -> HTMLResponse:
    """The items table with the shared filters plus show, on, stage, state, sort, order, page, item."""
    view = items_view(context, _query(request))
    return page(request, "items.html", context, view=view, query=view.query)


@router.get("/api/items/{item_id}", tags=["items"])
def item(item_id: str, hub: HubDep, now: str | None = None) -> dict[str, Any]:
    """One item and its status history (each status mapped to stage, phase and category)."""
    from orgflow.views.filters import parse_now

    until = hub.now(parse_now(now)).replace(tzinfo=None)
    try:
        detail = hub.query(("item", item_id, until), lambda workspace: item_detail(workspace, item_id, until=until))
    except InputError as error:
        raise not_found(error) from None
    return {"ok": True, "item": item_body(detail)}
