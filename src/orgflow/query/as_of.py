"""The moment a workspace's flow data is as of, and the `now` flow figures default to.

A history that stopped (an export from 2019) is not a team that stopped: as of today it finished
nothing for years. So when no `now` is given, flow figures are computed as of the data's end rather
than the clock, and every output says which "as of" it used (`NOW_GIVEN`, `NOW_CLOCK`, `NOW_DATA`).
The delivery side does the same for its window (`DeliveryService.data_as_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

NOW_GIVEN, NOW_CLOCK, NOW_DATA = "given", "clock", "data as of"
"""What chose a service's `now`: given (`--now`), the clock, or the data's end (`now_basis` in params)."""
LATEST_EVENT, LAST_SYNC = "latest event", "last sync"
"""What the data's as-of is: its latest event, or a live source's last sync (later than any event)."""
STALE_DAYS = 30
"""A forecast whose data ends more than this many days before the clock says so."""

# One aggregate over the work items, their transitions and the work-item sync cursors (a resource
# named ``<source>:issues``, `orgflow.sources.connectors.sync`): a sync that found nothing new still
# says the history is current up to that moment.
_QUERY = """
SELECT greatest(
    (SELECT max(created_at) FROM work_items),
    (SELECT max(resolved_at) FROM work_items),
    (SELECT max(changed_at) FROM status_transitions)
), (SELECT max(updated_at) FROM sync_state WHERE source_name LIKE '%:issues')
"""


@dataclass(frozen=True)
class DataAsOf:
    """The moment the flow data is as of (an aware UTC instant) and what it is (`LATEST_EVENT`, `LAST_SYNC`)."""

    instant: datetime
    basis: str


def data_as_of(connection: duckdb.DuckDBPyConnection) -> DataAsOf | None:
    """The flow data's as-of: the latest creation, resolution or status change of a work item, or the
    last sync of a work-item source when that is later; None for a workspace without work items."""
    latest_event, last_sync = connection.execute(_QUERY).fetchone()  # type: ignore[misc]
    if latest_event is None:
        return None
    if last_sync is not None and last_sync > latest_event:
        return DataAsOf(last_sync.replace(tzinfo=UTC), LAST_SYNC)
    return DataAsOf(latest_event.replace(tzinfo=UTC), LATEST_EVENT)


def default_now(clock: datetime, as_of: DataAsOf | None) -> tuple[datetime, str]:
    """The `now` flow figures take when none is given, and its basis (`NOW_CLOCK` or `NOW_DATA`).

    The end of the data's last day (midnight UTC after it) when that is before `clock`, else `clock`.
    The end of the day rather than the last event itself: a default window ends at the start of
    `now`'s day (a running day is incomplete), and the data's last day is complete (nothing came
    after it), so it belongs in the window, as in the delivery window (`default_window_end`).
    """
    if as_of is None:
        return clock, NOW_CLOCK
    last_day = as_of.instant.astimezone(UTC).date()
    end_of_day = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    if end_of_day < clock:
        return end_of_day, NOW_DATA
    return clock, NOW_CLOCK


def end_of_data_day(instant: datetime) -> datetime:
    """Midnight UTC after `instant`'s UTC day: where a window over data ending at `instant` closes."""
    last_day = instant.astimezone(UTC).date()
    return datetime.combine(last_day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)


def cut_window_end(now: datetime, basis: str, cut_end: datetime | None) -> tuple[datetime, datetime | None]:
    """Where the default window of a cut closes, and the cut's data end when that is what closed it.

    The start of `now`'s UTC day (a running day is incomplete); but when `now` was not given (`basis`
    is not `NOW_GIVEN`) and the data behind the cut ends earlier (`cut_end`: its latest event, or its
    source's last sync), the end of that data's last day: a team whose export stopped in 2019 is read
    over its own last weeks, not over the years other sources go on after it.
    """
    day_start = datetime.combine(now.astimezone(UTC).date(), datetime.min.time(), tzinfo=UTC)
    if basis == NOW_GIVEN or cut_end is None:
        return day_start, None
    end = end_of_data_day(cut_end)
    if end < day_start:
        return end, cut_end.astimezone(UTC)
    return day_start, None


AS_OF_KEYS = ("now", "now_basis", "data_as_of", "data_as_of_basis")
"""The params `as_of_params` sets."""


def as_of_params(now: datetime, basis: str, as_of: DataAsOf | None) -> dict[str, Any]:
    """The params every flow output carries: the effective `now`, what chose it, the data's as-of."""
    return {
        "now": now.isoformat(),
        "now_basis": basis,
        "data_as_of": None if as_of is None else as_of.instant.isoformat(),
        "data_as_of_basis": None if as_of is None else as_of.basis,
    }


def as_of_caption(params: dict[str, Any]) -> str | None:
    """Which "as of" a result used, e.g. "as of 2019-12-29 (the latest event in the data; --now to
    choose)", with a line more when the default window ends with the cut's own data (`cut_data_as_of`)
    and one per row that has a window of its own (`row_windows`); None for params without `now_basis`."""
    basis = params.get("now_basis")
    if basis is None:
        return None
    now = datetime.fromisoformat(params["now"])
    if basis == NOW_DATA:
        day = params["data_as_of"][:10]
        what = "the last sync" if params.get("data_as_of_basis") == LAST_SYNC else "the latest event in the data"
        lines = [f"as of {day} ({what}; --now to choose)"]
    elif basis == NOW_GIVEN:
        lines = [f"as of {_instant_text(now)} (--now)"]
    else:
        lines = [f"as of {_instant_text(now)} (now; --now to choose)"]
    cut_end = params.get("cut_data_as_of")
    if cut_end:
        lines.append(f"the data of this cut ends on {cut_end[:10]}: the default window ends with it")
    for key, window in (params.get("row_windows") or {}).items():
        last_day = (datetime.fromisoformat(window["until"].replace("Z", "+00:00")) - timedelta(days=1)).date()
        lines.append(
            f"{key}: its data ends on {window['data_as_of'][:10]}, so its row covers "
            f"{window['since'][:10]} to {last_day}"
        )
    return "\n".join(lines)


def stale_note(params: dict[str, Any], *, clock: datetime | None = None) -> str | None:
    """For a forecast: a note when its data ends more than `STALE_DAYS` before `clock` (default: the
    current time) and no `now` was given, with the hint to pass one; else None."""
    as_of = params.get("data_as_of")
    if as_of is None or params.get("now_basis") == NOW_GIVEN:
        return None
    clock = clock or datetime.now(UTC)
    age_days = (clock - datetime.fromisoformat(as_of)).days
    if age_days <= STALE_DAYS:
        return None
    return (
        f"the data ends on {as_of[:10]}, {age_days} days ago: this forecast is as of that day, "
        "not today; pass --now to forecast as of another date"
    )


def _instant_text(instant: datetime) -> str:
    """A date alone at midnight UTC, else the date and minute (UTC)."""
    instant = instant.astimezone(UTC)
    if instant.time() == datetime.min.time():
        return instant.date().isoformat()
    return instant.strftime("%Y-%m-%d %H:%M UTC")
