"""`create_app`: the FastAPI app over one read-only workspace: pages, JSON API, static assets.

Errors are translated here, once: an `InputError` becomes a 4xx by its kind (`http_status`: bad input
400, not found 404, conflict 409) with one JSON shape on `/api/` (`{"ok": false, "error": ..., "where":
{...}}`) and an error page elsewhere; so do unknown paths (404) and parameters of the wrong type or range
(422). Every route refuses a NUL byte in its parameters (`reject_nul_bytes`) before it reads them, and
every `/api/` route a query parameter it does not read (`reject_unknown_query`, 400).
Anything else is a bug and raises.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from orgflow.errors import ErrorKind, InputError
from orgflow.views.hub import MetricsHub
from orgflow.web import assets
from orgflow.web.caching import ResponseCaching
from orgflow.web.dependencies import reject_nul_bytes
from orgflow.web.query_names import reject_unknown_query
from orgflow.web.rendering import templates

log = logging.getLogger("orgflow.web")

STATIC_DIR = Path(__file__).parent / "static"

HTTP_STATUS: dict[ErrorKind, int] = {ErrorKind.BAD_INPUT: 400, ErrorKind.NOT_FOUND: 404, ErrorKind.CONFLICT: 409}
"""The HTTP status of each kind of `InputError` (the one place the web maps kinds)."""


def create_app(
    directory: Path | str,
    *,
    now: datetime | None = None,
    warm: bool = False,
    live: bool = True,
    lanes: int | None = None,
) -> FastAPI:
    """The dashboard and API over the workspace in `directory` (opened read-only).

    Args:
        directory: the workspace folder.
        now: a fixed "now" for every request that gives none (tests, screenshots, demos of the past).
        warm: compute the default views of every page in a background thread at start-up, so the
            first visitors do not wait for them.
        live: serve the workspace's snapshot and follow what imports publish, so the server never
            locks the workspace (`orgflow.store.snapshot`); False reads the file itself.
        lanes: connections that answer flow figures at once (`orgflow.views.lanes`); None: one per
            core for a live app, at most `MAX_LANES`.
    """
    from orgflow.web.routes import (
        delivery,
        forecasts,
        groups,
        items,
        metrics,
        organization,
        organization_design,
        simulate,
    )

    hub = MetricsHub(directory, now=now, live=live, lanes=lanes)
    app = FastAPI(
        title="orgflow",
        summary="Flow metrics of an engineering organization: the figures the dashboard shows, as JSON.",
        version=_version(),
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI and ReDoc load from a CDN: the dashboard must work offline.
        redoc_url=None,
        dependencies=[Depends(reject_nul_bytes), Depends(reject_unknown_query)],
    )
    app.state.hub = hub
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(organization.router)
    app.include_router(groups.router)
    app.include_router(items.router)
    app.include_router(metrics.router)
    app.include_router(delivery.router)
    app.include_router(organization_design.router)
    app.include_router(forecasts.router)
    app.include_router(simulate.router)
    app.add_api_route("/vendor/{name}", _vendor, methods=["GET"], include_in_schema=False)
    app.add_exception_handler(InputError, _input_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_middleware(ResponseCaching, hub=hub)
    if warm:
        threading.Thread(target=_warm, args=(app,), name="orgflow-warm", daemon=True).start()
    return app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("orgflow")
    except PackageNotFoundError:
        return "0"


async def _vendor(name: str) -> Response:
    """A browser library from node_modules (vega, vega-lite, vega-embed, htmx), served by the app."""
    from fastapi.responses import FileResponse

    path = assets.vendor_file(name)
    if path is None:
        raise StarletteHTTPException(404, f"no browser asset {name!r} (run `npm ci` in the project, or `make install`)")
    return FileResponse(path, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def _error_body(message: str, where: dict[str, Any], hint: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error": message, "where": where}
    if hint:
        body["hint"] = hint
    return body


def _error_response(request: Request, status: int, message: str, where: dict[str, Any], hint: str | None) -> Response:
    if _is_api(request):
        return JSONResponse(_error_body(message, where, hint), status_code=status)
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "message": message, "where": where, "hint": hint},
        status_code=status,
    )


def http_status(error: InputError, query: Collection[str] = ()) -> int:
    """The status answering `error`: `HTTP_STATUS` of its kind.

    One refinement: a not-found whose field is a query parameter of the request (``/api/summary?team=x``
    for a team with no items) is a 400: the page exists, its filter names nothing. A name in the path
    that names nothing (``/api/teams/x``) is a 404.
    """
    if error.kind is ErrorKind.NOT_FOUND and error.field is not None and error.field in query:
        return HTTP_STATUS[ErrorKind.BAD_INPUT]
    return HTTP_STATUS[error.kind]


async def _input_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, InputError)
    status = http_status(error, request.query_params.keys())
    return _error_response(request, status, error.message, error.where(), error.hint)


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = error.errors()
    first = problems[0] if problems else {}
    location = [str(part) for part in first.get("loc", ()) if part not in ("query", "path", "body")]
    message = first.get("msg", "invalid request")
    where = {"field": ".".join(location)} if location else {}
    return _error_response(request, 422, f"{'.'.join(location) + ': ' if location else ''}{message}", where, None)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    message = error.detail if isinstance(error.detail, str) else "request failed"
    if error.status_code == 404 and message == "Not Found":
        message = f"no page at {request.url.path}"
    return _error_response(request, error.status_code, message, {"path": request.url.path}, None)


def _warm(app: FastAPI) -> None:
    """Compute the default organization, cluster and team views (errors are logged, not raised)."""
    from orgflow.views.flow import group_view, team_view
    from orgflow.views.organization import organization_view
    from orgflow.web.dependencies import page_context
    from orgflow.web.insight_views import find_cached

    hub: MetricsHub = app.state.hub
    try:
        context = page_context(hub, {})
        context.view("organization", None, lambda: organization_view(context))
        for cluster in context.tree.clusters():
            context.view("group", cluster.group_id, lambda group=cluster.group_id: group_view(context, group))
        for team in context.tree.teams():
            context.view("team", team.group_id, lambda team=team.group_id: team_view(context, team))
        find_cached(hub, team=None, group=None, now_text=None)  # the organization page's insights panel
        log.info("orgflow: default views ready")
    except Exception:  # a warm-up failure must not stop the server; the request will show it
        log.exception("orgflow: warming the default views failed")
