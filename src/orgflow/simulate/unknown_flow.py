"""Flow times a simulation cannot know: those of a team without an active stage, and of every group and
organization whose items include that team's.

A team none of whose statuses in use maps to an active stage starts its items at their first unmapped
status (`orgflow.flow.mapped_stages`): the calibration says so (``no_active_stage`` in the model's
notes), its route runs as delays, and its simulated time from start to finish would stand for a cycle
time the data does not have. So its flow times (`FLOW_TIMES`, days) are unknown, not the simulated
value, and so are those of its group and of the organization: they pool its items with the others'
(a percentile of a pool some of whose members are unknown is unknown; the same figure over the other
members alone would be another figure, of other items). Throughput, WIP, items, the days in each stage
(each stage's time is measured) and the station figures need no active stage: they stay.

The reason is the flow figures' own (`no_active_stage_reason`), naming the figures and whose they are.
"""

from __future__ import annotations

from typing import Any

from orgflow.flow.mapped_stages import no_active_stage_reason
from orgflow.simulate.network import Network

FLOW_TIMES = ("flow_time_mean", "flow_time_p50", "flow_time_p85", "flow_time_p95")
"""The simulated figures that need an active stage (a team's, a group's and the organization's)."""
RUN_FIGURES = ", ".join(FLOW_TIMES)
"""How a scenario run's reasons name the figures it nulls."""
Subject = tuple[str, str]
"""(scope, subject) of a simulated figure: ("team", name), ("group", id) or ("org", "org")."""


def no_active_teams(network: Network) -> list[str]:
    """The teams of `network` whose calibration found no active stage (``no_active_stage`` in its notes),
    in the network's order."""
    noted = network.notes.get("no_active_stage") or {}
    return [name for name in network.teams if isinstance(noted, dict) and name in noted]


def _among(names: list[str]) -> str:
    """What names `names` in a reason: "the items of team a among them" (teams a, b for several)."""
    return f"the items of {'team' if len(names) == 1 else 'teams'} {', '.join(names)} among them"


def scope_reason(figures: str, scope: str, subject: str, lacking: list[str]) -> str | None:
    """Why `figures` of (`scope`, `subject`) are unknown when the teams `lacking` (those of its items
    without an active stage) are not empty, else None: a team's are its own items' figures, a group's
    and the organization's (scope ``org``) pool those of `lacking` with others'."""
    if not lacking:
        return None
    if scope == "team":
        return no_active_stage_reason(f"{figures} of team {subject}")
    whose = "the organization" if scope == "org" else f"{scope} {subject}"
    return no_active_stage_reason(f"{figures} of {whose} ({_among(lacking)})")


def unknown_flow_times(network: Network, figures: str = RUN_FIGURES) -> dict[Subject, str]:
    """Each (scope, subject) of `network` whose flow times are unknown, with why (`figures` names them):
    the teams without an active stage, the groups holding one of them, and the organization."""
    lacking = no_active_teams(network)
    if not lacking:
        return {}
    unknown: dict[Subject, str] = {}
    groups: dict[str, list[str]] = {}
    for name in lacking:
        unknown[("team", name)] = str(scope_reason(figures, "team", name, [name]))
        group = network.teams[name].group
        if group:
            groups.setdefault(group, []).append(name)
    for group, names in groups.items():
        unknown[("group", group)] = str(scope_reason(figures, "group", group, names))
    unknown[("org", "org")] = str(scope_reason(figures, "org", "org", lacking))
    return unknown


def null_unknown_rows(rows: list[dict[str, Any]], baseline: Network, scenario: Network) -> list[dict[str, Any]]:
    """The rows of a scenario run (`orgflow.simulate.replicate.Difference.as_row`, with ``difference_low``
    and ``difference_high``) with the flow times unknown in the baseline or the scenario null: that run's
    value, and the difference and its interval; ``unknown_reasons`` says why (null for the rest)."""
    before, after = unknown_flow_times(baseline), unknown_flow_times(scenario)
    for row in rows:
        row["unknown_reasons"] = None
        if row["figure"] not in FLOW_TIMES:
            continue
        subject = (str(row["scope"]), str(row["subject"]))
        reasons = [why for why in (before.get(subject), after.get(subject)) if why]
        if not reasons:
            continue
        if subject in before:
            row["baseline"] = None
        if subject in after:
            row["scenario"] = None
        row["difference"] = row["difference_low"] = row["difference_high"] = None
        row["unknown_reasons"] = "; ".join(dict.fromkeys(reasons))
    return rows
