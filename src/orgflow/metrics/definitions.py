"""Each registered metric's one-line definition, shown beside every figure (CLI JSON, API, UI).

`docs/metrics.md` defines each of these names in full; a test keeps the two in step.
"""

DEFINITIONS: dict[str, str] = {
    "summary": "Headline flow figures over items finished in the window: lead and cycle time percentiles "
    "(days, linear interpolation), throughput per week, WIP at the window's end, time-weighted flow efficiency.",
    "lead-time": "finish - created, per item finished (done) in the window, in days.",
    "cycle-time": "finish - start (first move out of backlog), waits included, per item finished (done) in "
    "the window, in days; backlog-to-done items count with 0 and are flagged skipped_start.",
    "throughput": "Items finished (done) per period (weeks start Monday, labelled by their first day); "
    "started = arrivals; net_flow = started - finished; empty periods shown as 0.",
    "wip": "Items started and not finished at the end of each UTC day.",
    "cfd": "Per day and stage: items whose first entry into the stage or a later one happened on or before "
    "that day; entries undone by a backward move are forgotten; unmapped statuses and cancelled stages left "
    "out; cancelled items never reach a done stage.",
    "age": "Work Item Age: now - start per started, unfinished item, in days, with time in its current stage.",
    "efficiency": "Flow efficiency: sum of active time / sum of cycle time over items finished in the window "
    "(time-weighted); flagged time inside active stages counts as waiting.",
    "distribution": "Share of each flow type among items finished in the window and among WIP at its end.",
    "stages": "Time per stage (or phase) summed over every visit, for items finished in the window, in days, "
    "with each stage's share of their total time.",
    "time-in-stage": "Time per item in each stage (or phase): the sum of every visit, the last open one "
    "ending at the finish or now, in days.",
    "items": "The items behind the figures, with start, finish, outcome, cycle and lead time.",
    "sle": "Service level expectation: a percentile (default p85) of cycle time over each team's and item "
    "type's last N (default 50) finished items, in days.",
    "blocked": "Time each started item spent blocked (flag, blocked stage, or an unresolved blocking link "
    "from another team's item), in days; overlaps counted once.",
    "littles-law": "Mean WIP against throughput per day x mean cycle time over the window, with stability "
    "conditions (arrivals match departures, WIP at start and end within 10 %).",
}
