"""The organization figures, declared once: groups, members, design checks, history and Team APIs.

`orgflow.org.service.OrgService` computes them (``ws.org.compute(name, **options)``) and takes their
definitions from here. From the declarations come the commands ``orgflow org summary``, ``members``,
``checks`` and ``history`` (`orgflow.cli.generated`) and the routes ``/api/org/summary``... (`orgflow.web.
routes.generated`); their shared options are the day (``--date``) and the output. The Team API
(``orgflow org team``) is several results in one answer: its command is written out in `orgflow.cli.org`.
"""

from __future__ import annotations

from dataclasses import dataclass

from orgflow.registry import Figure, calls, option

ON_A_DAY = {"group": "org", "blocks": ("date", "output")}
"""The command of a figure of the org on a day: ``orgflow org ...`` with --date and the output."""
_GROUP = "Group id (team, cluster, area or org)."


@dataclass(frozen=True, kw_only=True)
class MembersOptions:
    """A group's members: which group, and whether the groups below it count."""

    group: str = option(_GROUP, argument=True)
    descendants: bool = option("Include the groups below it.", flag="--all", default=False)


@dataclass(frozen=True, kw_only=True)
class ChecksOptions:
    """The design checks: of which groups, and only the failed ones."""

    group: str | None = option("Only this group and the groups below it.", short="-g")
    failed_only: bool = option("Only failed checks.", flag="--failed", default=False)


@dataclass(frozen=True, kw_only=True)
class HistoryOptions:
    """A group's history: which group."""

    group: str = option(_GROUP, argument=True)


FIGURES: tuple[Figure, ...] = (
    Figure(
        "org-summary",
        "org",
        "Groups on the date: direct members (people), FTE (sum of allocations), members of the group and "
        "every group below it, and design checks failed",
        help="One row per group on the date: kind, type, parent, members, checks failed. Example: orgflow org summary",
        reads=("groups",),
        build=calls("summary"),
        verb="summary",
        **ON_A_DAY,
    ),
    Figure(
        "org-members",
        "org",
        "People in the group on the date, with role, allocation and validity",
        help="People in a group on the date, with role and allocation. "
        "Example: orgflow org members checkout -d 2025-01-01",
        options=MembersOptions,
        reads=("groups",),
        build=calls("members"),
        verb="members",
        **ON_A_DAY,
    ),
    Figure(
        "org-checks",
        "org",
        "Team design checks (docs/org.md): team size, communication channels n(n-1)/2, span of control, "
        "teams per cluster, Dunbar limits, role coverage, stability, churn, allocation, team split",
        help="Team design checks: size, span, Dunbar, roles, stability, churn. Example: orgflow org checks --failed",
        options=ChecksOptions,
        reads=("groups",),
        build=calls("checks"),
        verb="checks",
        **ON_A_DAY,
    ),
    Figure(
        "org-history",
        "org",
        "The group's size on every day its membership changed",
        help="A group's size on every day its membership changed. Example: orgflow org history shipping",
        options=HistoryOptions,
        reads=("groups",),
        build=calls("history"),
        verb="history",
        **(ON_A_DAY | {"blocks": ("output",)}),
    ),
    Figure(
        "team-components",
        "org",
        "Components the team owns on the date (ownership rows, else the component's owner)",
        command=False,
    ),
    Figure(
        "team-dependencies",
        "org",
        "Declared dependencies of the team's components on the date, both directions",
        command=False,
    ),
    Figure(
        "unattributed",
        "org",
        "Records that cannot be tied to a team",
        command=False,
    ),
)
