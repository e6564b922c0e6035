"""The organization figures, declared once: groups, members, design checks, history and Team APIs.

`orgflow.org.service` computes them and takes their definitions from here.
"""

from __future__ import annotations

from orgflow.registry import Figure

FIGURES: tuple[Figure, ...] = (
    Figure(
        "org-summary",
        "org",
        "Groups on the date: direct members (people), FTE (sum of allocations), members of the group and "
        "every group below it, and design checks failed",
    ),
    Figure(
        "org-members",
        "org",
        "People in the group on the date, with role, allocation and validity",
    ),
    Figure(
        "org-checks",
        "org",
        "Team design checks (METRICS.md §4): team size, communication channels n(n-1)/2, span of control, "
        "teams per cluster, Dunbar limits, role coverage, stability, churn, allocation, team split",
    ),
    Figure(
        "org-history",
        "org",
        "The group's size on every day its membership changed",
    ),
    Figure(
        "team-components",
        "org",
        "Components the team owns on the date (ownership rows, else the component's owner)",
    ),
    Figure(
        "team-dependencies",
        "org",
        "Declared dependencies of the team's components on the date, both directions",
    ),
    Figure(
        "unattributed",
        "org",
        "Records that cannot be tied to a team",
    ),
)
