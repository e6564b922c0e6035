"""What the delivery pages share: their filters and view context (with a 365-day preset), and the delivery
services called under the hub's lock (`MetricsHub.query`), keyed by the request's "now", so each result
is computed once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import pyarrow as pa

from orgflow.delivery.ownership import service_of
from orgflow.delivery.pr_service import PullRequestFlow
from orgflow.delivery.service import DeliveryService
from orgflow.errors import InputError
from orgflow.flow.service import MetricResult
from orgflow.views.context import Context
from orgflow.views.filters import Filters, parse_now
from orgflow.views.hub import MetricsHub
from orgflow.web.dependencies import WebPaths, parse_filters

T = TypeVar("T")

WINDOW_CHOICES = (("30", "last 30 days"), ("90", "last 90 days"), ("180", "last 180 days"), ("365", "last 365 days"))
"""The delivery pages' preset windows (plus "all" and a custom since/until)."""
YEAR_DAYS = 365


# -- filters ------------------------------------------------------------------------------------
def delivery_filters(hub: MetricsHub, params: Mapping[str, str]) -> Filters:
    """The page's filters; `window=365` (the last 365 whole days) becomes a custom since/until, so the
    links to the flow pages keep the same window. The preset windows end with the delivery data's last
    day when it is before the request's day (`delivery_today`), as ``orgflow dora`` does.

    Raises:
        InputError: a bad window, date or now.
    """
    window = params.get("window") or None
    if window is not None and window not in {*(key for key, _label in WINDOW_CHOICES), "all", "custom"}:
        raise InputError(
            f"unknown window {window!r}",
            field="window",
            hint="use 30, 90, 180, 365 or all, or give since and until (YYYY-MM-DD)",
        )
    now_text = params.get("now") or None
    today = delivery_today(hub, parse_now(now_text))
    if window == str(YEAR_DAYS) and not (params.get("since") or params.get("until")):
        dates = {
            "since": (today - timedelta(days=YEAR_DAYS)).isoformat(),
            "until": (today - timedelta(days=1)).isoformat(),
        }
        params = {**{key: value for key, value in params.items() if key != "window"}, **dates}
    return parse_filters(hub, params, flow=False, today=today)


def delivery_today(hub: MetricsHub, now: datetime | None) -> date:
    """The day the delivery pages' preset windows end before: the request's day (`hub.now`), or the day
    after the delivery data's last day (`DeliveryService.data_as_of`: the latest deployment, commit or
    incident) when that is earlier and no "now" is given, so a history that stopped is read where it
    stops rather than as empty weeks after it."""
    today = hub.now(now).date()
    if (now or hub.fixed_now) is not None:
        return today
    key = ("delivery", hub.service_key(now))
    delivery = hub.query((*key, "service", ()), lambda workspace: workspace.delivery_at(None))
    as_of = hub.query((*key, "data-as-of", ()), lambda _workspace: delivery.data_as_of())
    if as_of is None or as_of.date() >= today:
        return today
    return as_of.date() + timedelta(days=1)


def delivery_context(hub: MetricsHub, params: Mapping[str, str]) -> Context:
    """The view context of a delivery page request."""
    filters = delivery_filters(hub, params)
    return Context(hub=hub, filters=filters, paths=WebPaths(filters))


def window_key(filters: Filters, today: date) -> str:
    """The window menu's choice: a preset, "365" for the last 365 days (ending the day before `today`,
    or with the delivery data's last day: any custom window of 365 days ending on either), "all" or
    "custom"."""
    last_year = (today - timedelta(days=YEAR_DAYS), today - timedelta(days=1))
    if filters.window == "custom" and (
        (filters.since, filters.until) == last_year or (filters.window_days() == YEAR_DAYS and filters.until < today)
    ):
        return str(YEAR_DAYS)
    return filters.window


def describe_window(filters: Filters, today: date) -> str:
    """The window for people, naming the 365-day preset (`today`: the day the presets end before,
    `delivery_today`)."""
    if window_key(filters, today) == str(YEAR_DAYS):
        return f"last {YEAR_DAYS} days ({filters.since} to {filters.until})"
    return filters.describe_window()


# -- the services, under the hub's lock ---------------------------------------------------------
def data_end_note(context: Context) -> list[str]:
    """The note that the presets end with the delivery data's last day, not today, when they do."""
    today = delivery_today(context.hub, context.now)
    last = today - timedelta(days=1)
    if today == now_of(context).date() or context.filters.until != last:
        return []
    return [f"The window ends with the delivery data's last day, {last} (latest deployment, commit or incident), "
            "not today: nothing was recorded after it; give since and until for another window."]  # fmt: skip


def now_of(context: Context) -> datetime:
    """The request's "now" (the hub's when the URL gives none)."""
    return context.hub.now(context.now)


def call(context: Context, name: str, run: Callable[[], T], **params: Any) -> T:
    """`run()` under the hub's lock, kept under the request's "now", `name` and `params`."""
    key = ("delivery", context.hub.service_key(context.now), name, tuple(sorted(params.items())))
    return context.hub.query(key, lambda _workspace: run())


def delivery_service(context: Context) -> DeliveryService:
    """The delivery service as of the request's "now" (its history is analysed once per "now").

    With no `now` in the URL nor given to the server, delivery keeps its own default: the end of the
    delivery data (deployments, commits, incidents), which may differ from the flow data's.
    """
    now = context.now or context.hub.fixed_now
    return call(context, "service", lambda: context.hub.workspace.delivery_at(now))


def pull_request_flow(context: Context) -> PullRequestFlow:
    """Pull-request flow over the same delivery service (so the commit walk is not repeated)."""
    delivery = delivery_service(context)
    return call(context, "pull-requests", lambda: PullRequestFlow(delivery.context, delivery))


def _window(context: Context) -> dict[str, date | None]:
    return {"since": context.filters.since, "until": context.filters.until}


def summary(context: Context, *, by: str, **cut: str) -> MetricResult:
    """`DeliveryService.summary(by=..., bands=True)` over the page's window (and `cut`)."""
    window = _window(context)
    return call(
        context,
        "summary",
        lambda: delivery_service(context).summary(by=by, bands=True, **window, **cut),
        by=by,
        **window,
        **cut,
    )


def listing(context: Context, method: str, **cut: str) -> MetricResult:
    """`DeliveryService.<method>` (deployments, incidents, lead_time) over the page's window and `cut`."""
    window = _window(context)
    return call(context, method, lambda: getattr(delivery_service(context), method)(**window, **cut), **window, **cut)


def pr_summary(context: Context, *, by: str) -> MetricResult:
    """`PullRequestFlow.summary(by=...)` over the page's window, every group."""
    window = _window(context)
    return call(context, "pr-summary", lambda: pull_request_flow(context).summary(by=by, **window), by=by, **window)


def rows_where(result: MetricResult, column: str, accept: Callable[[str], bool], **params: Any) -> MetricResult:
    """The result with only the rows whose `column` passes `accept`."""
    values = result.table[column].to_pylist()
    mask = pa.array([value is not None and accept(value) for value in values], type=pa.bool_())
    table = result.table.filter(mask) if len(values) else result.table
    return replace(result, table=table, params={**result.params, **params, "rows": table.num_rows})


def repository_of(service: str) -> Callable[[str], bool]:
    """Whether a repository is the service's (`orgflow.delivery.ownership.service_of`)."""
    return lambda repo: service_of(repo) == service
