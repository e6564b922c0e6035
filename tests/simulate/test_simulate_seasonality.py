"""Weekly seasonality of arrivals: found in a history with a known weekday pattern (the profile
exactly), not found in one without, and the engines arrive by the profile on the model's calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from tests.simulate.networks import WORKFLOW_YAML

from orgflow.simulate.calibrate_arrivals import chi_square_6_p, weekday_days
from orgflow.simulate.distributions import exponential
from orgflow.simulate.engine import run_event_loop
from orgflow.simulate.network import Arrivals, Network, Station, Step, Team
from orgflow.simulate.record import arrival_times
from orgflow.simulate.stationwise import run_by_station
from orgflow.workspace import init_workspace, open_workspace

MONDAY = date(2024, 1, 1)
WEEKS = 28
# Monday two items, Tuesday to Friday one, none at the weekend: 6 a week.
PATTERN = (2, 1, 1, 1, 1, 0, 0)
PROFILE = (7 / 3, 7 / 6, 7 / 6, 7 / 6, 7 / 6, 0.0, 0.0)  # (items that day ÷ 1 day) ÷ (6 items ÷ 7 days)


def _history_csv() -> str:
    """Team `s` starts items by `PATTERN`, team `f` one every day; each is in Build for 6 hours."""
    lines = ["item_id,timestamp,to_status,team,created,type"]
    number = 0

    def item(team: str, at: datetime) -> None:
        nonlocal number
        number += 1
        stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        created = (at - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        done = (at + timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
        key = f"K-{number}"
        lines.extend(
            [
                f"{key},{created},To Do,{team},{created},Story",
                f"{key},{stamp},Build,{team},{created},Story",
                f"{key},{done},Done,{team},{created},Story",
            ]
        )

    for day in range(WEEKS * 7):
        noon = datetime(2024, 1, 1, 12, tzinfo=UTC) + timedelta(days=day)
        for extra in range(PATTERN[day % 7]):
            item("s", noon + timedelta(hours=extra))
        item("f", noon)
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Network:
    directory = tmp_path_factory.mktemp("weekly") / "workspace"
    init_workspace(directory).close()
    (directory / "orgflow.yaml").write_text(WORKFLOW_YAML, encoding="utf-8")
    workspace = open_workspace(directory)
    path: Path = directory / "history.csv"
    path.write_text(_history_csv(), encoding="utf-8")
    workspace.import_files("transitions", [path], options={"source": "sim"})
    until = MONDAY + timedelta(days=WEEKS * 7)
    calibration = workspace.simulate.calibrate(since=MONDAY, until=until, with_fit=False)
    workspace.close()
    return calibration.network


def test_a_known_weekday_pattern_is_found_with_its_exact_profile(network: Network) -> None:
    seasonal = network.teams["s"]
    assert seasonal.weekdays == pytest.approx(PROFILE, abs=1e-12)
    assert seasonal.arrivals["feature"].per_day == round(6 / 7, 6)
    notes = network.notes["weekly_seasonality"]["s"]
    assert notes["arrivals_mon_to_sun"] == [56, 28, 28, 28, 28, 0, 0]
    # Expected 24 a weekday: X² = (32² + 4 × 4² + 2 × 24²) / 24 = 2240 / 24.
    assert notes["chi_square"] == round(2240 / 24, 2)
    assert notes["present"] is True
    assert network.start == MONDAY


def test_uniform_arrivals_show_no_seasonality(network: Network) -> None:
    flat = network.teams["f"]
    assert flat.weekdays is None
    assert flat.arrivals["feature"].per_day == 1.0
    assert network.notes["weekly_seasonality"]["f"] == {
        "arrivals_mon_to_sun": [28] * 7,
        "chi_square": 0.0,
        "p_value": 1.0,
        "present": False,
    }


def test_chi_square_p_value_matches_the_published_table() -> None:
    # Critical values of chi-square with 6 degrees of freedom (any statistics table).
    assert chi_square_6_p(12.592) == pytest.approx(0.05, abs=1e-4)
    assert chi_square_6_p(16.812) == pytest.approx(0.01, abs=1e-4)
    assert chi_square_6_p(22.458) == pytest.approx(0.001, abs=1e-5)
    assert chi_square_6_p(0.0) == 1.0


def test_weekdays_of_a_window_count_parts_of_days() -> None:
    monday = (MONDAY - date(1970, 1, 1)).days
    assert weekday_days(monday, monday + 14).tolist() == [2.0] * 7
    # From Monday noon to Wednesday 06:00: half a Monday, a Tuesday, a quarter of a Wednesday.
    assert weekday_days(monday + 0.5, monday + 2.25).tolist() == [0.5, 1.0, 0.25, 0.0, 0.0, 0.0, 0.0]


def _team(weekdays: tuple[float, ...] | None, rate: float = 6 / 7) -> Team:
    return Team("s", {"Story": Arrivals(per_day=rate)}, (Step("Build", "build", exponential(0.2)),), weekdays=weekdays)


def test_arrivals_follow_the_profile() -> None:
    weeks = 1_000
    times = arrival_times(_team(PROFILE), "Story", 5, 0, weeks * 7.0)
    counts = np.bincount(np.floor(times).astype(np.int64) % 7, minlength=7)
    assert counts[5] == counts[6] == 0  # weight 0: nothing arrives on Saturday or Sunday
    expected = np.array(PATTERN) * weeks
    busy = expected > 0
    assert np.all(np.abs(counts[busy] - expected[busy]) < 4 * np.sqrt(expected[busy]))  # Poisson counts


def test_a_flat_profile_gives_the_arrivals_of_no_profile() -> None:
    plain = arrival_times(_team(None, 1.3), "Story", 5, 0, 500.0)
    flat = arrival_times(_team((1.0,) * 7, 1.3), "Story", 5, 0, 500.0)
    assert plain.size == flat.size
    assert np.allclose(plain, flat, rtol=0, atol=1e-9)


@pytest.mark.parametrize("engine", [run_by_station, run_event_loop])
def test_both_engines_read_weekdays_on_the_models_calendar(engine) -> None:
    wednesday = date(2024, 1, 3)
    network = Network({"build": Station("build", "servers", capacity=3)}, {"s": _team(PROFILE)}, start=wednesday)
    record = engine(network, seed=2, replication=0, horizon=700.0)
    weekday = (np.floor(record.item_start).astype(np.int64) + wednesday.weekday()) % 7
    counts = np.bincount(weekday, minlength=7)
    assert counts[5] == counts[6] == 0 and counts[0] > 1.5 * counts[1] > 0
