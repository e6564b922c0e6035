"""The parameters of the forecast and plan pages and of their JSON twins, declared once.

A page and its twin take the same parameters through one FastAPI dependency (`forecast_query`,
`plan_query`): FastAPI checks the numbers against their limits (a 422 naming the field), the rest is
checked here (a 400 naming it). Web defaults: the first team (by name) when neither a team nor a group
is given (`group=<org id>` forecasts the whole organization), 50 items, a 90-day window, 10,000
trials, parameter uncertainty on, and seed 1, so that a page is the same on every load (and can be
cached).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query

from orgflow.errors import InputError
from orgflow.flow.browse import org_tree
from orgflow.forecast.defaults import (
    API_SEED,
    DEFAULT_TRIALS,
    DEFAULT_WINDOW_DAYS,
    MAX_ITEMS,
    MAX_SEED,
    MAX_TRIALS,
    MAX_WINDOW_DAYS,
)
from orgflow.forecast.service import Sampling
from orgflow.query.window import Cut
from orgflow.views.filters import parse_date, parse_now
from orgflow.views.hub import MetricsHub
from orgflow.web.dependencies import HubDep

DEFAULT_ITEMS = 50
DEFAULT_SEED = API_SEED
MAX_PLAN_TRIALS = 20_000
"""A plan's trials run every team over the whole plan: fewer keep a page under a minute on a laptop."""

Team = Annotated[str | None, Query(description="Only this team's items (default: the first team by name).")]
Group = Annotated[str | None, Query(description="Only items of teams in this group, at any level.")]
ItemType = Annotated[str | None, Query(alias="type", description="Only this item type or flow type.")]
Items = Annotated[int, Query(ge=1, le=MAX_ITEMS, description="Items still to finish.")]
By = Annotated[
    str | None,
    Query(description="A date (YYYY-MM-DD): the chance of finishing by it, and how many by then (default: 90 days)."),
]
Window = Annotated[
    int, Query(ge=1, le=MAX_WINDOW_DAYS, description="Days of throughput history to sample, before today.")
]
Trials = Annotated[int, Query(ge=1, le=MAX_TRIALS, description="Monte Carlo trials.")]
PlanTrials = Annotated[int, Query(ge=1, le=MAX_PLAN_TRIALS, description="Monte Carlo trials.")]
Seed = Annotated[int, Query(ge=0, le=MAX_SEED, description="Seed of the random streams (same seed, same answer).")]
Uncertainty = Annotated[str, Query(description="Parameter uncertainty: on or off.")]
Now = Annotated[str | None, Query(description="Forecast as of this date or instant (ISO 8601, UTC).")]
PlanFile = Annotated[str | None, Query(description="A plan file relative to the workspace folder, or examples/<file>.")]


def parse_switch(text: str, name: str) -> bool:
    """An on/off parameter.

    Raises:
        InputError: neither on nor off.
    """
    value = text.strip().casefold()
    if value in ("on", "true", "1", "yes"):
        return True
    if value in ("off", "false", "0", "no"):
        return False
    raise InputError(f"{name} is on or off (got {value!r})", field=name)


def sampling_params(sampling: Sampling) -> dict[str, str]:
    """The sampling as URL parameters."""
    return {
        "window": str(sampling.window_days),
        "trials": str(sampling.trials),
        "seed": str(sampling.seed),
        "uncertainty": "on" if sampling.uncertainty else "off",
    }


@dataclass(frozen=True)
class ForecastQuery:
    """The forecast page's parameters: the cut, the items to finish, an optional date, the sampling."""

    team: str | None
    group: str | None
    item_type: str | None
    items: int
    by: date | None
    sampling: Sampling
    now_text: str | None = None
    team_defaulted: bool = False
    """The team is the default one (the URL named neither a team nor a group): the form leaves it unset."""

    @property
    def cut(self) -> Cut:
        return Cut(team=self.team, group=self.group, item_type=self.item_type)

    @property
    def now(self) -> datetime | None:
        return parse_now(self.now_text)

    def params(self) -> dict[str, str]:
        """Every parameter, defaults included (the page echoes them)."""
        values = {
            "team": self.team,
            "group": self.group,
            "type": self.item_type,
            "items": str(self.items),
            "by": self.by.isoformat() if self.by else None,
            **sampling_params(self.sampling),
            "now": self.now_text,
        }
        return {key: value for key, value in values.items() if value}

    def href(self, path: str = "/forecasts", *, keep: tuple[str, ...] | None = None, **changes: Any) -> str:
        """`path` with these parameters (only `keep` ones when given) and `changes` (None removes)."""
        values = {key: value for key, value in self.params().items() if keep is None or key in keep}
        values.update({key: str(value) for key, value in changes.items() if value is not None})
        for key in [key for key, value in changes.items() if value is None]:
            values.pop(key, None)
        return path + ("?" + urlencode(values) if values else "")


def default_team(hub: MetricsHub) -> str | None:
    """The team a forecast page opens on: the first team by name."""
    teams = hub.query("org_tree", org_tree).teams()
    return teams[0].group_id if teams else None


def forecast_query(
    hub: HubDep,
    team: Team = None,
    group: Group = None,
    item_type: ItemType = None,
    items: Items = DEFAULT_ITEMS,
    by: By = None,
    window: Window = DEFAULT_WINDOW_DAYS,
    trials: Trials = DEFAULT_TRIALS,
    seed: Seed = DEFAULT_SEED,
    uncertainty: Uncertainty = "on",
    now: Now = None,
) -> ForecastQuery:
    """The forecast page's query from its URL; no team and no group: the first team by name.

    Raises:
        InputError: a bad date or switch.
    """
    team, group = team or None, group or None
    by_text = (by or "").strip()
    return ForecastQuery(
        team=team if team or group else default_team(hub),
        group=group,
        item_type=item_type or None,
        items=items,
        by=parse_date(by_text, field="by") if by_text else None,
        sampling=_sampling(window, trials, seed, uncertainty),
        now_text=now or None,
        team_defaulted=not (team or group),
    )


ForecastQueryDep = Annotated[ForecastQuery, Depends(forecast_query)]


@dataclass(frozen=True)
class PlanQuery:
    """The plan page's parameters: which plan, the sampling, and `now`."""

    plan: str | None
    sampling: Sampling
    now_text: str | None = None

    @property
    def now(self) -> datetime | None:
        return parse_now(self.now_text)

    def params(self) -> dict[str, str]:
        values = {"plan": self.plan, **sampling_params(self.sampling), "now": self.now_text}
        return {key: value for key, value in values.items() if value}


def plan_query(
    plan: PlanFile = None,
    window: Window = DEFAULT_WINDOW_DAYS,
    trials: PlanTrials = DEFAULT_TRIALS,
    seed: Seed = DEFAULT_SEED,
    uncertainty: Uncertainty = "on",
    now: Now = None,
) -> PlanQuery:
    """The plan page's query from its URL.

    Raises:
        InputError: a bad switch.
    """
    return PlanQuery(
        plan=(plan or "").strip() or None,
        sampling=_sampling(window, trials, seed, uncertainty),
        now_text=now or None,
    )


PlanQueryDep = Annotated[PlanQuery, Depends(plan_query)]


def _sampling(window: int, trials: int, seed: int, uncertainty: str) -> Sampling:
    switch = parse_switch(uncertainty, "uncertainty") if uncertainty.strip() else True
    return Sampling(window_days=window, trials=trials, seed=seed, uncertainty=switch)
