"""What routes receive: the hub (`HubDep`), the page's filters and view context, and web paths."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request

from orgflow.errors import InputError, NotFoundError
from orgflow.query.window import Cut
from orgflow.views.context import Context
from orgflow.views.filters import DEFAULT_WINDOW, Filters, parse_now
from orgflow.views.hub import MetricsHub


def reject_nul_bytes(request: Request) -> None:
    """Refuses a request with a NUL byte in a query or path parameter, its name or its value: no id,
    date or choice holds one, and the store's text cannot take it.

    Raises:
        InputError: the first such parameter (400).
    """
    for name, value in (*request.path_params.items(), *request.query_params.multi_items()):
        if "\x00" in name or "\x00" in str(value):
            shown = name.replace("\x00", "\\0")
            raise InputError(f"a NUL byte (%00) in {shown}", field=shown, hint="remove it from the URL")


def get_hub(request: Request) -> MetricsHub:
    """The app's hub."""
    return request.app.state.hub


HubDep = Annotated[MetricsHub, Depends(get_hub)]


@dataclass(frozen=True)
class WebPaths:
    """Links of the web pages: they keep the window, type and phase of the page they are on."""

    filters: Filters
    linked: bool = True

    def team(self, team_id: str) -> str | None:
        return self.filters.href(f"/teams/{quote(team_id, safe='')}", team=None, group=None)

    def group(self, group_id: str) -> str | None:
        return self.filters.href(f"/groups/{quote(group_id, safe='')}", team=None, group=None)

    def items(self, filters: Filters, **changes: Any) -> str | None:
        return filters.href("/items", **changes)


def parse_filters(
    hub: MetricsHub,
    params: Mapping[str, str],
    *,
    default_window: str = DEFAULT_WINDOW,
    scope: Mapping[str, str] | None = None,
    flow: bool = True,
    today: date | None = None,
) -> Filters:
    """The shared filters from URL parameters.

    On flow pages (`flow`), the windows end with the data behind the page's cut (its filters and
    `scope`, the team or group of the page's path): the default window is the cut's
    (`FlowService.default_window`, docs/decisions/0007-default-window.md), the other presets end on
    its last day, and "all" runs to it. Otherwise "today" is the UTC day of the request's "now", or
    `today` when given (the delivery pages end theirs with the delivery data).

    Raises:
        InputError: a bad window, date, phase or now.
    """
    now_text = params.get("now") or None
    now = parse_now(now_text)
    today = hub.now(now).date() if today is None or flow else today
    default_range = all_until = None
    if flow:
        cut = Cut(
            team=(scope or {}).get("team") or params.get("team") or None,
            group=(scope or {}).get("group") or params.get("group") or None,
            item_type=params.get("type") or None,
            value_stream=params.get("value_stream") or None,
            project=params.get("project") or None,
        )
        window = hub.default_window(cut, now)
        last_day = (window.until - timedelta(days=1)).date()
        default_range, all_until, today = (window.since.date(), last_day), last_day, window.until.date()
    return Filters.parse(
        default_range=default_range,
        all_until=all_until,
        today=today,
        window=params.get("window"),
        since=params.get("since"),
        until=params.get("until"),
        team=params.get("team"),
        group=params.get("group"),
        item_type=params.get("type"),
        value_stream=params.get("value_stream"),
        project=params.get("project"),
        phase=params.get("phase"),
        phases=tuple(hub.workspace.config.phases),
        now_text=now_text,
        default_window=default_window,
    )


def page_context(hub: MetricsHub, params: Mapping[str, str], scope: Mapping[str, str] | None = None) -> Context:
    """The view context of a page request (`scope`: the team or group its path names)."""
    filters = parse_filters(hub, params, scope=scope)
    return Context(hub=hub, filters=filters, paths=WebPaths(filters))


PAGE_PARAMETERS = ("window", "since", "until", "team", "group", "type", "value_stream", "project", "phase", "now")
"""The query parameters `get_page_context` reads (`parse_filters`)."""


def get_page_context(request: Request) -> Context:
    path = request.path_params
    scope = {"team": path.get("team_id", ""), "group": path.get("group_id", "")}
    return page_context(get_hub(request), request.query_params, scope)


PageContext = Annotated[Context, Depends(get_page_context)]


def not_found(error: InputError) -> InputError:
    """The same error as a `NotFoundError` (answered 404): for a lookup of what the path names."""
    return error.as_kind(NotFoundError)
