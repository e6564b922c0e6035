"""The items page: the items behind a figure, as a sortable, paged table, and one item's timeline.

`show` names which figure the items are behind, so a click on a chart lands on exactly its items:

| show | items | from |
|---|---|---|
| all | created, started or finished in the window (optionally `state` open/finished, `stage`) | `items` |
| finished | finished (done) in the window: throughput, cycle time, velocity | `cycle_time` |
| started | started in the window: arrivals | `items` |
| open | in progress at the end of day `on` (default: the window's last day): WIP | `items` |
| aging | in progress now, with age and SLE | `age` |
| blocked | blocked while in progress in the window | `blocked` |

`stage` keeps items whose current stage it is, for every `show` (finished and blocked items by the
stage they are in now, as the `items` figure gives it); a stage no workflow has is refused, as the
API refuses it (`orgflow.query.known_names.check_stage`). `phase` keeps items whose current stage is
in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from orgflow import charts
from orgflow.errors import InputError
from orgflow.flow.browse import ItemDetail, item_detail
from orgflow.flow.figures import STATES
from orgflow.flow.service import MetricResult
from orgflow.query.known_names import check_stage
from orgflow.views.context import Chart, Context
from orgflow.views.filters import parse_date
from orgflow.views.notes import page_notes, result_notes

SHOWS = ("all", "finished", "started", "open", "aging", "blocked")
PAGE_SIZE = 100

COLUMNS = {
    "item_id": "item",
    "title": "title",
    "team_id": "team",
    "item_type": "type",
    "current_stage": "stage",
    "created_at": "created",
    "started_at": "started",
    "finished_at": "finished",
    "lead_time_days": "lead time (d)",
    "cycle_time_days": "cycle time (d)",
    "age_days": "age (d)",
    "stage_age_days": "in stage (d)",
    "sle_days": "SLE (d)",
    "blocked_days": "blocked (d)",
}
"""Table columns (in order) and their headers; a view shows those its rows have."""

_DEFAULT_SORT = {
    "all": ("created_at", True),
    "finished": ("finished_at", True),
    "started": ("started_at", True),
    "open": ("started_at", False),
    "aging": ("age_days", True),
    "blocked": ("blocked_days", True),
}


@dataclass(frozen=True)
class ItemsQuery:
    """The items page's own parameters (besides the shared filters)."""

    show: str = "all"
    on: date | None = None
    stage: str | None = None
    state: str | None = None
    item: str | None = None
    sort: str | None = None
    descending: bool = True
    page: int = 1

    @classmethod
    def parse(
        cls,
        *,
        show: str | None,
        on: str | None,
        stage: str | None,
        state: str | None,
        item: str | None,
        sort: str | None,
        order: str | None,
        page: str | None,
    ) -> ItemsQuery:
        """Parameters from the URL.

        Raises:
            InputError: an unknown show, state, sort column or order, a bad day or page.
        """
        chosen = show or "all"
        if chosen not in SHOWS:
            raise InputError(f"unknown show {chosen!r}", field="show", hint=f"use {', '.join(SHOWS)}")
        if state and state not in STATES:
            raise InputError(f"unknown state {state!r}", field="state", hint=f"use {', '.join(STATES)}")
        if sort and sort not in COLUMNS:
            raise InputError(f"cannot sort by {sort!r}", field="sort", hint=f"use {', '.join(COLUMNS)}")
        if order and order not in ("asc", "desc"):
            raise InputError(f"unknown order {order!r}", field="order", hint="use asc or desc")
        try:
            number = int(page) if page else 1
        except ValueError:
            raise InputError(f"not a page number ({page!r})", field="page") from None
        if number < 1:
            raise InputError(f"not a page number ({page!r})", field="page")
        default_sort, default_descending = _DEFAULT_SORT[chosen]
        return cls(
            show=chosen,
            on=parse_date(on, field="on") if on else None,
            stage=stage or None,
            state=state or None,
            item=item or None,
            sort=sort or default_sort,
            descending=(order == "desc") if order else (default_descending if not sort else True),
            page=number,
        )

    def params(self) -> dict[str, str]:
        """URL parameters (defaults left out)."""
        values = {
            "show": None if self.show == "all" else self.show,
            "on": self.on.isoformat() if self.on else None,
            "stage": self.stage,
            "state": self.state,
            "item": self.item,
        }
        return {key: value for key, value in values.items() if value}


@dataclass
class ItemsView:
    """The table (one page of it), what it holds, and the chosen item's timeline."""

    query: ItemsQuery
    result: MetricResult
    columns: dict[str, str]
    rows: list[dict[str, Any]]
    total: int
    pages: int
    description: str
    detail: ItemDetail | None
    timeline: Chart | None
    now: datetime
    notes: list[str] = field(default_factory=list)
    """The notes of the figure the items are behind (`orgflow.views.notes`): why some of their figures
    are unknown, where they come from."""


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0))


def _keep(result: MetricResult, mask: pa.ChunkedArray | pa.Array) -> MetricResult:
    table = result.table.filter(pc.fill_null(mask, False))
    return replace(result, table=table, params={**result.params, "rows": table.num_rows})


def _select(context: Context, query: ItemsQuery) -> tuple[MetricResult, str]:
    """The items `query.show` names, with a sentence saying what they are."""
    filters = context.filters
    # The phase keeps the items now in it (`orgflow.flow.phases`); finished and blocked items are listed
    # whatever their current stage.
    cut, whole, window = filters.cut(), filters.cut(phase=False), context.window()
    span = filters.describe_window()
    if query.show == "finished":
        return context.compute("cycle_time", cut=whole, **window), f"finished (done) {span}"
    if query.show == "aging":
        return context.compute("age", cut=cut), "in progress now, oldest first"
    if query.show == "blocked":
        return context.compute("blocked", cut=whole, **window), f"blocked while in progress, {span}"
    if query.show == "started":
        result = context.compute("items", cut=cut, **window)
        since = _day_start(filters.since) if filters.since else None
        until = _day_start(filters.until + timedelta(days=1)) if filters.until else None
        mask = pc.is_valid(result.table["started_at"])
        if since is not None:
            mask = pc.and_kleene(
                mask, pc.greater_equal(result.table["started_at"], pa.scalar(since, pa.timestamp("us")))
            )
        if until is not None:
            mask = pc.and_kleene(mask, pc.less(result.table["started_at"], pa.scalar(until, pa.timestamp("us"))))
        return _keep(result, mask), f"started {span}"
    if query.show == "open":
        day = query.on or filters.until or (context.hub.now(context.now).date() - timedelta(days=1))
        result = context.compute("items", cut=cut, since=day, until=day)
        end = pa.scalar(_day_start(day + timedelta(days=1)), pa.timestamp("us"))
        started = pc.and_kleene(pc.is_valid(result.table["started_at"]), pc.less(result.table["started_at"], end))
        unfinished = pc.or_kleene(
            pc.is_null(result.table["finished_at"]), pc.greater_equal(result.table["finished_at"], end)
        )
        return _keep(result, pc.and_kleene(started, unfinished)), f"in progress at the end of {day}"
    result = context.compute("items", cut=cut, stage=query.stage, state=query.state, **window)
    what = {
        "open": "open items",
        "finished": "finished items (done or cancelled)",
        "done": "done items",
        "cancelled": "cancelled items",
    }.get(query.state or "", "items")
    return result, f"{what} created, started or finished {span}"


def _now_in_stage(context: Context, result: MetricResult, stage: str) -> pa.ChunkedArray | pa.Array:
    """Which of `result`'s items are now in `stage`: by their `current_stage` when the result has one,
    else (finished, blocked items) by the `items` figure over the same window, which holds every item
    in progress or finished in it."""
    table = result.table
    if "current_stage" in table.column_names:
        return pc.equal(table["current_stage"], stage)
    in_stage = context.compute("items", cut=context.filters.cut(phase=False), stage=stage, **context.window()).table
    keys = pc.binary_join_element_wise(in_stage["source"], in_stage["item_id"], "\x1f")
    return pc.is_in(pc.binary_join_element_wise(table["source"], table["item_id"], "\x1f"), value_set=keys)


def items_view(context: Context, query: ItemsQuery) -> ItemsView:
    """The items behind a figure, sorted and paged, and the chosen item with its timeline.

    Raises:
        InputError: bad filters, a stage no workflow has, or an unknown item.
    """
    if query.stage:
        check_stage(query.stage, context.hub.workspace.config)
    result, description = _select(context, query)
    if query.show != "all" and query.stage:
        result = _keep(result, _now_in_stage(context, result, query.stage))
        description += f", now in {query.stage}"
    if context.filters.phase and query.show not in ("finished", "blocked"):
        description += f", now in the {context.filters.phase} phase"
    table = result.table
    sort = query.sort if query.sort in table.column_names else _DEFAULT_SORT[query.show][0]
    if sort in table.column_names:
        table = table.sort_by([(sort, "descending" if query.descending else "ascending"), ("item_id", "ascending")])
    total = table.num_rows
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(query.page, pages)
    rows = table.slice((page - 1) * PAGE_SIZE, PAGE_SIZE).to_pylist()
    columns = {name: label for name, label in COLUMNS.items() if name in table.column_names}
    now = context.hub.now(context.now)
    detail = None
    timeline = None
    if query.item:
        naive_now = now.replace(tzinfo=None)
        detail = context.hub.query(
            ("item", query.item, naive_now), lambda workspace: item_detail(workspace, query.item or "", until=naive_now)
        )
        steps = [step.__dict__ for step in detail.steps]
        order = [stage.stage for stage in context.stages]
        timeline = Chart("timeline", charts.item_timeline_chart(steps, stage_order=order, now=now), "")
    return ItemsView(
        query=replace(query, page=page, sort=sort),
        result=result,
        columns=columns,
        rows=rows,
        total=total,
        pages=pages,
        description=description,
        detail=detail,
        timeline=timeline,
        now=now,
        notes=page_notes(result_notes(result)),
    )
