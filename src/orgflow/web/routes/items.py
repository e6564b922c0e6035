"""The items page (the items behind any figure, with one item's timeline) and an item's JSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

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


def _items_list(request: Request) -> RedirectResponse:
    """``/api/items/`` is the items list at ``/api/items`` (its query kept), as the slash redirect made
    it before an item's id could hold "/": without this route it would be an item with an empty id."""
    return RedirectResponse(request.url.replace(path="/api/items"), status_code=307)


# A plain route, not an API one: the list's route checks the query once redirected.
router.add_route("/api/items/", _items_list, methods=["GET"], include_in_schema=False)


@router.get("/api/items/{item_id:path}", tags=["items"])
def item(item_id: str, hub: HubDep, now: str | None = None) -> dict[str, Any]:
    """One item and its status history (each status mapped to stage, phase and category).

    The id may hold "/" (a GitHub issue's "owner/name#number"): send it percent-encoded
    (``/api/items/webcompat%2Fweb-bugs%2370965``) or with its "/" as is, its "#" always as ``%23``.
    """
    from orgflow.views.filters import parse_now

    until = hub.now(parse_now(now)).replace(tzinfo=None)
    try:
        detail = hub.query(("item", item_id, until), lambda workspace: item_detail(workspace, item_id, until=until))
    except InputError as error:
        raise not_found(error) from None
    return {"ok": True, "item": item_body(detail)}
