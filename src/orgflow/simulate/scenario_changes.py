"""The changes a scenario makes to a network, one method per kind (`orgflow.simulate.scenario`).

Each change keeps the random numbers of the items it does not touch (common random numbers), and
records in `Editor.touched` the stations and teams it changed, so that a problem the finished
network shows (a saturated station) can be laid at the change that caused it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from orgflow.errors import InputError
from orgflow.simulate.calibrate_capacity import servers_for
from orgflow.simulate.model_fields import number
from orgflow.simulate.network import Arrivals, Network, Station, Step, Team
from orgflow.simulate.replicate import RunSettings
from orgflow.simulate.trains import check_freeze
from orgflow.simulate.yaml_source import YamlSource

MERGE_OVERHEAD = 0.10
RAMP_UP_DAYS = 60.0
KNOWLEDGE_LOSS = 0.10
CHANGES = {
    "speed": {"teams", "stage", "factor"},
    "wip_limit": {"team", "station", "limit"},
    "release": {"station", "every_days", "offset_days", "batch_limit", "freezes"},
    "remove_stage": {"teams", "stage"},
    "capacity": {"station", "capacity"},
    "merge": {"teams", "into", "overhead"},
    "move_people": {"from", "to", "people", "stage", "ramp_up_days", "knowledge_loss"},
    "demand": {"teams", "factor"},
    "add_dependency": {"team", "needs", "after", "probability"},
    "remove_dependency": {"team", "needs"},
    "scale_pilot": {"pilot", "teams"},
}
"""Each change and the fields it takes."""


class Editor:
    """One change applied to a network; `touched` names the stations and teams it changed."""

    def __init__(
        self, source: YamlSource, path: tuple[Any, ...], body: dict, network: Network, settings: RunSettings
    ) -> None:
        self.source, self.path, self.body, self.network, self.settings = source, path, body, network, settings
        self.touched: set[str] = set()

    def _error(self, message: str, field: str, hint: str | None = None) -> InputError:
        return self.source.error(message, (*self.path, field), hint=hint)

    def _require(self, field: str) -> Any:
        if field not in self.body:
            raise self.source.error(f"missing field {field!r}", self.path)
        return self.body[field]

    def _team(self, field: str, value: Any = None) -> Team:
        name = self._require(field) if value is None else value
        if name not in self.network.teams:
            raise self._error(f"unknown team {name!r}", field, hint=f"teams: {', '.join(sorted(self.network.teams))}")
        self.touched.add(str(name))
        return self.network.teams[name]

    def _teams(self, *, default_all: bool = False) -> list[Team]:
        names = self.body.get("teams")
        if names is None and default_all:
            return list(self.network.teams.values())
        if not isinstance(names, list) or not names:
            raise self._error("expected a list of teams", "teams")
        return [self._team("teams", name) for name in names]

    def _station(self) -> Station:
        name = self._require("station")
        if name not in self.network.stations:
            raise self._error(
                f"unknown station {name!r}", "station", hint=f"stations: {', '.join(sorted(self.network.stations))}"
            )
        self.touched.add(str(name))
        return self.network.stations[name]

    def _factor(self, field: str = "factor") -> float:
        value = number(self.source, self._require(field), (*self.path, field), minimum=None)
        if value <= 0:
            raise self._error(f"a factor must be above 0 (got {value:g})", field)
        return value

    def _stage_of(self, team: Team, field: str = "stage") -> str:
        stage = self._require(field)
        if stage not in [step.stage for step in team.route]:
            raise self._error(
                f"team {team.name!r} has no stage {stage!r}",
                field,
                hint=f"its stages: {', '.join(s.stage for s in team.route)}",
            )
        return str(stage)

    def _with_teams(self, teams: list[Team]) -> Network:
        updated = dict(self.network.teams)
        for team in teams:
            updated[team.name] = team
        return replace(self.network, teams=updated)

    def _with_stations(self, stations: list[Station]) -> Network:
        updated = dict(self.network.stations)
        for station in stations:
            updated[station.name] = station
            self.touched.add(station.name)
        return replace(self.network, stations=updated)

    def speed(self) -> Network:
        factor = self._factor()
        changed = []
        for team in self._teams():
            stage = self._stage_of(team)
            route = tuple(
                replace(step, times=step.times.scaled(1 / factor)) if step.stage == stage and step.times else step
                for step in team.route
            )
            changed.append(replace(team, route=route))
            self.touched.update(step.station for step in team.route if step.stage == stage and step.station)
        return self._with_teams(changed)

    def wip_limit(self) -> Network:
        limit = int(number(self.source, self._require("limit"), (*self.path, "limit"), minimum=1))
        if "station" in self.body:
            return self._with_stations([replace(self._station(), wip_limit=limit)])
        return self._with_teams([replace(self._team("team"), wip_limit=limit)])

    def release(self) -> Network:
        station = self._station()
        if station.kind != "train":
            raise self._error(f"station {station.name!r} is not a release train (kind {station.kind})", "station")
        every = number(
            self.source, self.body.get("every_days", station.every_days), (*self.path, "every_days"), minimum=None
        )
        if every <= 0:
            raise self._error(f"every_days must be above 0 (got {every:g})", "every_days")
        offset = number(self.source, self.body.get("offset_days", station.offset_days), (*self.path, "offset_days"))
        changed = replace(station, every_days=every, offset_days=offset)
        if "batch_limit" in self.body:
            limit = self.body["batch_limit"]
            value = None if limit is None else number(self.source, limit, (*self.path, "batch_limit"), minimum=1)
            changed = replace(changed, batch_limit=None if value is None else int(value))
        if "freezes" in self.body:
            changed = replace(changed, freezes=self._freezes())
        return self._with_stations([changed])

    def _freezes(self) -> tuple[tuple[str, str], ...]:
        """The change's `freezes`: a list of {from: MM-DD, to: MM-DD} (an empty list: no freeze)."""
        value = self.body["freezes"] or []
        if not isinstance(value, list):
            raise self._error("expected a list of {from: MM-DD, to: MM-DD}", "freezes")
        found = []
        for index, freeze in enumerate(value):
            where = (*self.path, "freezes", index)
            if not isinstance(freeze, dict) or set(map(str, freeze)) != {"from", "to"}:
                raise self.source.error("expected {from: MM-DD, to: MM-DD}", where)
            try:
                check_freeze((freeze["from"], freeze["to"]))
            except ValueError as problem:
                raise self.source.error(str(problem), where) from None
            found.append((str(freeze["from"]), str(freeze["to"])))
        return tuple(found)

    def remove_stage(self) -> Network:
        changed = []
        for team in self._teams():
            stage = self._stage_of(team)
            route = tuple(step for step in team.route if step.stage != stage)
            if not route:
                raise self._error(f"team {team.name!r} would have no stage left", "stage")
            route = tuple(replace(s, rework=0.0, rework_to=None) if s.rework_to == stage else s for s in route)
            changed.append(replace(team, route=route))
        return self._with_teams(changed)

    def capacity(self) -> Network:
        station = self._station()
        value = int(number(self.source, self._require("capacity"), (*self.path, "capacity"), minimum=1))
        return self._with_stations([replace(station, capacity=value)])

    def merge(self) -> Network:
        teams = self._teams()
        if len(teams) < 2:
            raise self._error("name at least two teams to merge", "teams")
        into = str(self._require("into"))
        overhead = number(self.source, self.body.get("overhead", MERGE_OVERHEAD), (*self.path, "overhead"))
        stations = dict(self.network.stations)
        common = set.intersection(*({s.stage for s in team.route} for team in teams))
        pooled: dict[str, str] = {}
        for stage in sorted(common):
            names = {step.station for team in teams for step in team.route if step.stage == stage and step.station}
            servers = [stations[name] for name in names if stations[name].kind == "servers"]
            if len(servers) != len(names) or len(names) < 2:
                continue
            people = None if any(s.people is None for s in servers) else sum(s.people or 0.0 for s in servers)
            capacity = sum(s.capacity for s in servers)
            sources = {s.capacity_from for s in servers}
            merged = Station(
                name=f"{into}/{stage}",
                kind="servers",
                capacity=capacity,
                people=people,
                per_person=capacity / people if people else None,
                capacity_from=sources.pop() if len(sources) == 1 else None,
            )
            stations[merged.name] = merged
            self.touched.add(merged.name)
            for name in names:
                pooled[name] = merged.name
        changed = []
        for team in teams:
            route = tuple(
                replace(
                    step, station=pooled[step.station], times=step.times.scaled(1 + overhead) if step.times else None
                )
                if step.station in pooled
                else step
                for step in team.route
            )
            changed.append(replace(team, route=route, group=into))
        network = replace(self._with_teams(changed), stations=stations)
        used = {step.station for team in network.teams.values() for step in team.route}
        return replace(network, stations={name: s for name, s in stations.items() if name in used})

    def move_people(self) -> Network:
        giver, taker = self._team("from"), self._team("to")
        people = number(self.source, self._require("people"), (*self.path, "people"))
        if people <= 0:
            raise self._error(f"people must be above 0 (got {people:g})", "people")
        stage_name = self._stage_of(giver)
        self._stage_of(taker)
        ramp = number(self.source, self.body.get("ramp_up_days", RAMP_UP_DAYS), (*self.path, "ramp_up_days"))
        loss = number(self.source, self.body.get("knowledge_loss", KNOWLEDGE_LOSS), (*self.path, "knowledge_loss"))
        horizon = self.settings.horizon_days
        ramping = min(ramp, horizon) / horizon  # the share of the horizon spent ramping up
        updated = []
        for team, moved in ((giver, -people), (taker, people * (1 - 0.5 * ramping))):
            name = next(step.station for step in team.route if step.stage == stage_name)
            station = self.network.stations[name or ""]
            if station.kind != "servers":
                raise self._error(
                    f"stage {stage_name!r} of {team.name!r} has no servers (kind {station.kind})", "stage"
                )
            per_person = station.per_person or (station.capacity / station.people if station.people else 1.0)
            before = station.people if station.people else station.capacity / per_person
            after = before + moved
            if after <= 0:
                raise self._error(
                    f"team {team.name!r} has {before:g} people at {stage_name!r}: it cannot give {people:g}", "people"
                )
            new_people = None if station.people is None else station.people + (moved if moved < 0 else people)
            updated.append(replace(station, capacity=servers_for(per_person, after), people=new_people))
        network = self._with_stations(updated)
        if loss > 0:
            slower = 1 + loss * ramping
            route = tuple(
                replace(step, times=step.times.scaled(slower)) if step.stage == stage_name and step.times else step
                for step in giver.route
            )
            network = replace(network, teams={**network.teams, giver.name: replace(giver, route=route)})
        return network

    def demand(self) -> Network:
        factor = self._factor()
        changed = []
        for team in self._teams(default_all=True):
            arrivals = {
                flow_type: Arrivals(
                    per_day=a.per_day * factor,
                    interarrival=a.interarrival.scaled(1 / factor) if a.interarrival else None,
                )
                for flow_type, a in team.arrivals.items()
            }
            changed.append(replace(team, arrivals=arrivals))
            self.touched.add(team.name)
        return self._with_teams(changed)

    def add_dependency(self) -> Network:
        team, other = self._team("team"), self._team("needs")
        if team.name == other.name:
            raise self._error("a team cannot depend on itself", "needs")
        after = self._stage_of(team, "after")
        probability = number(self.source, self._require("probability"), (*self.path, "probability"))
        if not 0 < probability <= 1:
            raise self._error(f"probability must be above 0 and at most 1 (got {probability:g})", "probability")
        position = [step.stage for step in team.route].index(after) + 1
        step = Step(stage=f"waiting for {other.name}", station=None, depends_on=other.name, visit=probability)
        route = (*team.route[:position], step, *team.route[position:])
        return self._with_teams([replace(team, route=route)])

    def remove_dependency(self) -> Network:
        team, other = self._team("team"), self._team("needs")
        route = tuple(step for step in team.route if step.depends_on != other.name)
        if len(route) == len(team.route):
            raise self._error(f"team {team.name!r} has no dependency on {other.name!r}", "needs")
        return self._with_teams([replace(team, route=route)])

    def scale_pilot(self) -> Network:
        pilot = self._team("pilot")
        times = {step.stage: step.times for step in pilot.route if step.times is not None}
        changed = []
        for team in self._teams():
            route = tuple(replace(s, times=times[s.stage]) if s.stage in times and s.times else s for s in team.route)
            changed.append(replace(team, route=route))
            self.touched.update(s.station for s in team.route if s.station)
        return self._with_teams(changed)
