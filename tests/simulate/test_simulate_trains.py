"""Release trains with yearly freezes and batch limits: departures by hand, both engines alike, the
mean wait against the departure calendar, freezes found in a history, and bad or saturating limits."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from tests.simulate.networks import train
from tests.simulate.test_simulate_engines import assert_same_record, mixed_network

from orgflow.errors import InputError
from orgflow.simulate.calibrate_waits import find_freezes
from orgflow.simulate.engine import run_event_loop
from orgflow.simulate.model_file import dump_network, read_network
from orgflow.simulate.network import Network, Station, Step
from orgflow.simulate.replicate import RunSettings, replicate
from orgflow.simulate.scenario import read_scenario
from orgflow.simulate.stationwise import run_by_station, runs_by_station
from orgflow.simulate.trains import Departures

START = date(2001, 1, 1)  # a Monday: simulated day d is 1 January 2001 + d


def weekly(**limits: object) -> Departures:
    return Departures(Station("r", "train", every_days=7, offset_days=0.25, **limits), START)  # type: ignore[arg-type]


def test_a_freeze_cancels_the_departures_inside_it() -> None:
    # Frozen 3 to 11 January: simulated days [2, 11); the departure of day 7.25 is cancelled.
    frozen = weekly(freezes=(("01-03", "01-12"),))
    assert frozen.after(0.1) == 0.25
    assert frozen.after(1.0) == 14.25
    assert frozen.after(364.0) == 364.25 and frozen.after(367.0) == 378.25  # 2002: [367, 376) frozen
    # Over the new year: 30 December to 2 January; day 0 (1 January) is frozen.
    wrapped = weekly(freezes=(("12-30", "01-02"),))
    assert wrapped.after(0.0) == 7.25
    assert wrapped.after(357.5) == 357.25 + 14  # 364.25 is 31 December 2001: frozen


def test_a_batch_limit_sends_the_rest_with_the_next_train() -> None:
    limited = weekly(batch_limit=2)
    seats = [limited.board(ready) for ready in (0.0, 0.0, 0.0, 0.1, 8.0, 0.2)]
    assert seats == [0.25, 0.25, 7.25, 7.25, 14.25, 14.25]


def limited_network() -> Network:
    """The engines' mixed network with a frozen, limited release train and a second train inside
    a loop of stations (b: Y, then the train Z, then X; a: X then Y)."""
    network = mixed_network()
    stations = {
        **network.stations,
        "release": Station(
            "release", "train", every_days=5, offset_days=0.5, batch_limit=6, freezes=(("03-01", "03-20"),)
        ),
        "z": Station("z", "train", every_days=2, offset_days=0.1, batch_limit=2, freezes=(("02-10", "02-15"),)),
    }
    route = list(network.teams["b"].route)
    route.insert(5, Step("Z", "z", None))
    teams = {**network.teams, "b": dataclasses.replace(network.teams["b"], route=tuple(route))}
    return Network(stations, teams, start=date(2023, 2, 1))


@pytest.mark.parametrize("replication", [0, 1])
def test_both_engines_give_the_same_record_with_freezes_and_batch_limits(replication: int) -> None:
    network = limited_network()
    assert runs_by_station(network)
    fast = run_by_station(network, seed=4, replication=replication, horizon=400)
    assert_same_record(fast, run_event_loop(network, seed=4, replication=replication, horizon=400))
    # The limits bind: no more than 6 leave with one release train, and nothing leaves in March.
    release = (fast.item_team[fast.visit_item] == 0) & (fast.visit_step == 3)
    leaving = fast.visit_leave[release]
    assert np.unique(leaving, return_counts=True)[1].max() == 6
    march = (leaving % 365 >= 28) & (leaving % 365 < 47)  # day 0 is 1 February 2023
    assert not march.any()


def _open_departures(every: float, offset: float, until: float, frozen: tuple[int, int, int, int]) -> list[float]:
    """Departures of a train from the calendar, by walking the days (independent of the engine)."""
    (m1, d1, m2, d2), found, day = frozen, [], offset
    while day < until:
        when = START + timedelta(days=int(day))
        if not ((when.month, when.day) >= (m1, d1) and (when.month, when.day) < (m2, d2)):
            found.append(day)
        day += every
    return found


def test_mean_wait_at_a_frozen_train_is_the_departure_calendars() -> None:
    # Poisson arrivals wait for the next departure: over a window the mean wait is the sum over the
    # gaps g between departures of g^2 / 2 (the last one: L^2 / 2 + L x the days to the next
    # departure after the window), divided by the window's length.
    # 2002 (simulated days 365 to 730), trains on Mondays 06:00, frozen 1 July to 14 August: from
    # 1 January to 7 January 06:00, 6.25 days; 24 weeks to 24 June; 56 days to 19 August (7 Mondays
    # cancelled); 19 weeks to 30 December; 1.75 days to the year's end, the next train 5.25 days on.
    by_hand = (6.25**2 / 2 + 24 * 24.5 + 56**2 / 2 + 19 * 24.5 + 1.75**2 / 2 + 1.75 * 5.25) / 365
    warmup, horizon = 365.0, 365.0
    departures = np.array(_open_departures(7.0, 0.25, warmup + horizon + 30, (7, 1, 8, 15)))
    inside = departures[(departures > warmup) & (departures < warmup + horizon)]
    gaps = np.diff(np.r_[warmup, inside, warmup + horizon])
    after = departures[departures >= warmup + horizon][0] - (warmup + horizon)
    assert ((gaps**2 / 2).sum() + gaps[-1] * after) / horizon == pytest.approx(by_hand)
    assert by_hand == pytest.approx(7.265, abs=1e-3)  # a weekly train without the freeze: 3.5
    network = train(1.0, 7.0)
    station = dataclasses.replace(network.stations["release"], freezes=(("07-01", "08-15"),))
    network = dataclasses.replace(network, stations={"release": station}, start=START)
    run = replicate(network, RunSettings(replications=10, horizon_days=horizon, warmup_days=warmup, seed=6))
    mean, half = run.estimate(("stage", "a", "Ready for Release", "days"))
    standard_error = half / 2.262  # Student t, 9 degrees of freedom
    assert abs(mean - by_hand) < 3 * standard_error


def test_freezes_are_found_where_a_train_missed_departures_with_items_waiting() -> None:
    # Mondays 10:00 in late 2025, nothing on 22 and 29 December; two items leave with each train.
    first = (date(2025, 11, 3) - date(1970, 1, 1)).days + 10 / 24
    departures = [first + 7 * week for week in range(12) if week not in (7, 8)]
    leave = np.repeat(departures, 2)
    enter = leave - 2.0
    # Items that waited through the gap: entered 17 and 19 December, left 5 January.
    enter = np.r_[enter, first + 44, first + 46]
    leave = np.r_[leave, first + 63, first + 63]
    # Halfway from 15 December 10:00 to the first missed departure: 18 December 22:00, the 19th;
    # halfway from the last missed one (29 December) to 5 January: 1 January 22:00, the 2nd.
    assert find_freezes(7.0, enter, leave) == [("12-19", "01-02")]
    # Nobody waiting at the missed departures: a quiet spell, not a freeze.
    assert find_freezes(7.0, enter[:-2], leave[:-2]) == []


def test_the_model_file_keeps_freezes_limits_weekdays_and_start(tmp_path: Path) -> None:
    base = train(1.0, 7.0)
    station = dataclasses.replace(base.stations["release"], batch_limit=20, freezes=(("12-18", "01-07"),))
    team = dataclasses.replace(base.teams["a"], weekdays=(1.5, 1.0, 1.0, 1.0, 1.0, 0.25, 0.25))
    network = Network({"release": station}, {"a": team}, start=date(2025, 11, 17))
    path = tmp_path / "model.yaml"
    path.write_text(dump_network(network), encoding="utf-8")
    again = read_network(path)
    assert (again.start, again.stations, again.teams) == (network.start, network.stations, network.teams)
    text = path.read_text(encoding="utf-8")
    assert "    freezes:\n    - {from: 12-18, to: 01-07}\n    batch_limit: 20\n" in text
    assert "weekdays: {Mon: 1.5, Tue: 1.0, Wed: 1.0, Thu: 1.0, Fri: 1.0, Sat: 0.25, Sun: 0.25}" in text


BASE = dataclasses.replace(train(1.0, 7.0), start=START)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ("release: {station: release, freezes: [{from: 13-01, to: 01-05}]}", "changes.0.release.freezes.0", "13-01"),
        ("release: {station: release, freezes: [{from: 02-29, to: 03-05}]}", "changes.0.release.freezes.0", "02-29"),
        ("release: {station: release, batch_limit: 0}", "changes.0.release.batch_limit", "at least 1"),
        ("release: {station: release, batch_limit: 7}", "changes.0", "saturated: 7.0 items offered per departure"),
        ("release: {station: release, freezes: [{from: 01-02, to: 12-30}]}", "changes.0", "would never leave"),
    ],
)
def test_bad_or_saturating_train_limits_name_the_line_and_field(
    tmp_path: Path, change: str, field: str, message: str
) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(f"name: limits\nchanges:\n  - {change}\n", encoding="utf-8")
    with pytest.raises(InputError) as raised:
        read_scenario(path, BASE, RunSettings())
    assert raised.value.file == str(path)
    assert raised.value.record == "line 3"
    assert raised.value.field == field
    assert message in raised.value.message


def test_a_limit_with_room_for_everyone_changes_nothing() -> None:
    # A weekly train with at most 50 seats for about 7 items a week: the same departures.
    roomy = dataclasses.replace(
        BASE, stations={"release": dataclasses.replace(BASE.stations["release"], batch_limit=50)}
    )
    plain = run_by_station(BASE, seed=1, replication=0, horizon=300)
    limited = run_by_station(roomy, seed=1, replication=0, horizon=300)
    assert np.array_equal(plain.visit_leave, limited.visit_leave)
