"""`reject_unknown_query`: an API request with a query parameter its route does not read is a 400.

A misspelt filter (``/api/summary?tema=x``) must not answer as if no filter were given. The names a
route reads are its declared query parameters (its own and its dependencies', by their URL names) and,
for a dependency that reads the query string itself, the names `READS_QUERY` gives it.

Only `/api/` is checked. The pages (HTML) are not: their links and forms carry the filter bar's
parameters from page to page (a forecast page's link keeps ``window``, an htmx panel gets the page's
query), and a person following an old bookmark should see the page rather than an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute

from orgflow.errors import InputError
from orgflow.web.dependencies import PAGE_PARAMETERS, get_page_context

READS_QUERY: dict[Callable[..., Any], tuple[str, ...]] = {get_page_context: PAGE_PARAMETERS}
"""Dependencies that read the query string themselves, and the names they read."""


def reject_unknown_query(request: Request) -> None:
    """Refuses an `/api/` request with a query parameter its route does not read.

    Raises:
        InputError: the first unknown parameter (400), naming the ones the route accepts.
    """
    route = request.scope.get("route")
    if not request.url.path.startswith("/api/") or not isinstance(route, APIRoute):
        return
    accepted = accepted_names(route)
    unknown = next((name for name in request.query_params if name not in accepted), None)
    if unknown is None:
        return
    hint = f"accepted: {', '.join(sorted(accepted))}" if accepted else f"{route.path} takes no query parameters"
    raise InputError(f"unknown query parameter {unknown!r} for {route.path}", field=unknown, hint=hint)


def accepted_names(route: APIRoute) -> frozenset[str]:
    """The query parameters `route` reads: declared ones by their URL names, and those of `READS_QUERY`
    (a walk over a few dependencies: microseconds, so it is not kept)."""
    names: set[str] = set()
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        names.update(field.alias for field in dependant.query_params)
        names.update(READS_QUERY.get(dependant.call, ()) if dependant.call is not None else ())
        pending.extend(dependant.dependencies)
    return frozenset(names)
