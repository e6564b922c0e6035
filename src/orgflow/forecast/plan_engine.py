"""The trials of a plan forecast: every team replays the same drawn days, block by block of trials.

Per block, each team's items finished by each day of each trial form one cumulative table (teams x
days x trials, 16-bit when the counts allow), and the finish day of every team's part of every
initiative is found by a binary search over the days for all the trials at once (`first_reaching`).
The rules of the plan (order of work, dependencies, carry-over, slowest team) are those of
`orgflow.forecast.plan`.
"""

from __future__ import annotations

import numpy as np

from orgflow.forecast.montecarlo import DaySampler
from orgflow.forecast.plan_file import Initiative
from orgflow.forecast.result import MAX_DAYS

_BLOCK_ELEMENTS = 6_000_000
"""Teams x days x trials held at once (cumulative counts: 12 MB in int16, 24 MB when int32 is needed)."""

Lanes = dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]
"""Per (initiative, team), the day each trial finished the team's first and its last item of the initiative."""


def first_reaching(flat: np.ndarray, width: int, stride: int, cells: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per query, the first day d (0 ... width - 1) whose cumulative count reaches its target; `width`
    when none does.

    Day d of a query's column is `flat[cells + d * stride]`, nondecreasing in d, so the answer is the
    number of days below the target. A binary search for all queries at once, every probe inside
    the column: with m the largest power of two <= width, day m - 1 decides whether the answer lies
    in [0, m - 1] or in [width - m, width]; steps of m/2, m/4, ..., 1 then move to the last day below
    the target, and a last probe adds that day itself when it is below too.
    """
    if flat.dtype == np.int16:  # compare in the table's own type (a target above every count stays so)
        targets = np.minimum(targets, np.iinfo(np.int16).max).astype(np.int16)
    m = 1 << (width.bit_length() - 1)
    values = np.take(flat, cells + (m - 1) * stride)
    below = values < targets
    address = cells + np.where(below, (width - m) * stride, 0)
    probe = np.empty_like(address)
    step = m >> 1
    while step:
        np.add(address, (step - 1) * stride, out=probe)
        np.take(flat, probe, out=values)
        np.less(values, targets, out=below)
        np.add(address, step * stride, out=address, where=below)
        step >>= 1
    np.take(flat, address, out=values)
    np.less(values, targets, out=below)
    return (address - cells) // stride + below


def simulate_plan(
    order: list[Initiative],
    teams: list[str],
    counts: np.ndarray,
    horizon: int,
    trials: int,
    entropy: int,
    uncertainty: bool,
) -> tuple[dict[str, np.ndarray], Lanes, int]:
    """Run the trials in blocks; returns per-trial finish days, team lanes (`Lanes`) and the
    longest horizon simulated.

    A block whose trials are not all finished within its days gets more days appended (doubling, up
    to `MAX_DAYS`) and is evaluated again: the days already drawn are kept, so slow trials are
    extended, never redrawn (which would bias the forecast toward fast outcomes).
    """
    days_seeds, scope_seeds = np.random.SeedSequence(entropy).spawn(2)
    sampler = DaySampler(counts.shape[1], trials, seeds=days_seeds, uncertainty=uncertainty)
    scope = np.random.default_rng(scope_seeds)
    factors = {
        item.name: (1 + scope.uniform(*item.scope_growth, trials)) * scope.uniform(*item.split_rate, trials)
        for item in order
    }
    finish_days = {item.name: np.empty(trials, dtype=np.int64) for item in order}
    lanes = {
        (item.name, team): (np.empty(trials, dtype=np.int64), np.empty(trials, dtype=np.int64))
        for item in order
        for team in item.items_by_team
    }
    counts = counts.astype(np.int32)
    block = max(1, min(trials, _BLOCK_ELEMENTS // ((horizon + 1) * len(teams))))
    longest = horizon
    scratch = Scratch()
    for low in range(0, trials, block):
        rows = np.arange(low, min(trials, low + block))
        indices = sampler.draw(horizon, rows)
        while True:
            factors_of_rows = {name: values[rows] for name, values in factors.items()}
            finished, block_lanes = run_block(order, teams, counts, indices, factors_of_rows, scratch)
            days = indices.shape[1]
            if days >= MAX_DAYS or all(np.all(values <= days) for values in finished.values()):
                break
            indices = np.concatenate([indices, sampler.draw(min(MAX_DAYS, 2 * days) - days, rows)], axis=1)
        longest = max(longest, days)
        for name, values in finished.items():
            finish_days[name][rows] = values
        for key, (first, last) in block_lanes.items():
            lanes[key][0][rows], lanes[key][1][rows] = first, last
    return finish_days, lanes, longest


class Scratch:
    """Memory reused by the blocks of a plan forecast: fresh pages for every block's table cost more
    than filling them (page faults)."""

    def __init__(self) -> None:
        self._memory = np.empty(0, dtype=np.int64)

    def array(self, shape: tuple[int, ...], dtype: type[np.integer]) -> np.ndarray:
        """An uninitialized array of `shape` and `dtype` over the reused memory (grown when too small)."""
        size = int(np.prod(shape)) * np.dtype(dtype).itemsize
        if self._memory.nbytes < size:
            self._memory = np.empty(-(-size // 8), dtype=np.int64)
        return self._memory.view(np.uint8)[:size].view(dtype).reshape(shape)


def run_block(
    order: list[Initiative],
    teams: list[str],
    counts: np.ndarray,
    indices: np.ndarray,
    factors: dict[str, np.ndarray],
    scratch: Scratch,
) -> tuple[dict[str, np.ndarray], Lanes]:
    """One block of trials replaying the historical days `indices` (trials x days) of `counts` (teams x
    history days): each initiative's finish day (days + 1 when not within the days) and each lane's
    first- and last-item days. The cumulative table lives in `scratch`, reused from block to block."""
    trials, horizon = indices.shape
    width = horizon + 1
    # cumulative[k, d, b]: items team k finished on days 1..d of trial b. Summed day by day (numpy's
    # cumsum across rows is many times slower); a team's days lie in one slab, so the searches below
    # read nearby memory.
    small = int(counts.max(initial=0)) * horizon < np.iinfo(np.int16).max
    cumulative = scratch.array((len(teams), width, trials), np.int16 if small else np.int32)
    cumulative[:, 0] = 0
    np.take(counts.astype(cumulative.dtype, copy=False), indices.T, axis=1, out=cumulative[:, 1:])
    for day in range(1, width):
        np.add(cumulative[:, day], cumulative[:, day - 1], out=cumulative[:, day])
    flat = cumulative.ravel()
    position = {team: k for k, team in enumerate(teams)}
    trial_cells = np.arange(trials, dtype=np.int64)
    level = np.zeros((len(teams), trials), dtype=np.int64)
    done: dict[str, np.ndarray] = {}
    lanes: Lanes = {}
    for item in order:
        ready = np.zeros(trials, dtype=np.int64)
        for dependency in item.depends_on:
            ready = np.maximum(ready, done[dependency])
        names = list(item.items_by_team)
        ks = np.array([position[team] for team in names])
        cells = (ks * (width * trials))[:, None] + trial_cells[None, :]  # day 0 of each (team, trial)
        waited = np.take(flat, np.minimum(ready, horizon) * trials + cells)
        base = np.maximum(level[ks], waited)
        items = np.array([item.items_by_team[team] for team in names], dtype=np.float64)
        need = np.ceil(items[:, None] * factors[item.name][None, :] - 1e-9).astype(np.int64)
        # The day the last item is finished, and the day the first one is (a lane starts with it).
        found = first_reaching(
            flat,
            width,
            trials,
            np.concatenate([cells, cells]),
            np.concatenate([base + need, base + np.minimum(need, 1)]),
        )
        found[:, ready > horizon] = width
        day, first = found[: len(names)], found[len(names) :]
        for row, team in enumerate(names):
            lanes[(item.name, team)] = (first[row], day[row])
        level[ks] = base + need
        done[item.name] = np.maximum(ready, day.max(axis=0))
    return done, lanes
