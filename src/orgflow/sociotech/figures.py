"""The socio-technical figures, declared once: coupling, ownership, truck factor, congruence and the
cross-team dependency graph.

`orgflow.sociotech.service.SocioTechService` computes them (``ws.sociotech_at(now).compute(name,
**options)``) and takes their definitions from here. From the declarations come the commands
``orgflow deps graph``, ``coupling``, ``ownership``, ``truck-factor``, ``congruence`` and ``drift``
(`orgflow.cli.generated`) and the routes ``/api/deps/...`` (`orgflow.web.routes.generated`); their
shared options are the commits' window (--since/--until), the output and, for the figures of the
files as they exist at an instant and for the graph (its open blocked items), --now. Bad values are
rejected by the service, naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from orgflow.registry import Bounded, Figure, calls, option

if TYPE_CHECKING:
    from orgflow.flow.result import MetricResult
    from orgflow.sociotech.service import SocioTechService

HISTORY = {"group": "deps", "blocks": ("window", "output")}
"""The command of a figure over the whole history: ``orgflow deps ...`` with the commits' window and the output."""
AT_NOW = {"group": "deps", "blocks": ("window", "now", "output")}
"""The command of a figure of the files as they exist at --now."""
GRAPH = {"group": "deps", "blocks": ("window", "as_of", "output")}
"""The dependency graph's command: the commits' window, --now (the org on that day; open blocked items
lose time up to it) and the output."""

_REPO = "Only this repository (default: all)."
_LIVE = (
    "(renames followed where a HEAD is imported and its first-parent history replayed, not in a saved export; "
    "a note says which, per repository)"
)
"""How the figures of the files at a date find them: a saved export has no HEAD, and its renames are not followed."""
_LEVEL = "file, component or team."


@dataclass(frozen=True, kw_only=True)
class GraphOptions:
    """The dependency graph's filters, and whether to list its teams rather than its edges."""

    kind: list[str] | None = option("declared, coupling or blocking (repeatable).", short="-k")  # noqa: RUF009
    group: str | None = option("Only edges touching this group's teams.", short="-g")
    nodes: bool = option("List the teams instead of the edges.", flag="--nodes", default=False)
    repo: str | None = option(_REPO, short="-r")


@dataclass(frozen=True, kw_only=True)
class CouplingOptions(Bounded):
    """Change coupling's repository, level and filters (`orgflow.sociotech.coupling.CouplingThresholds`)."""

    repo: str | None = option(_REPO, short="-r")
    level: str = option(_LEVEL, short="-l", default="file")
    min_revs: int = option("Minimum mean revisions of a pair.", default=5, min=0)
    min_shared: int = option("Minimum shared revisions.", default=5, min=0)
    min_degree: int = option("Minimum degree, percent.", default=30, min=0, max=100)
    max_changeset: int = option("Commits touching more entities are ignored.", default=30, min=1)


@dataclass(frozen=True, kw_only=True)
class FileLevelOptions:
    """A repository, and the level its rows are at (files by default)."""

    repo: str | None = option(_REPO, short="-r")
    level: str = option(_LEVEL, short="-l", default="file")


@dataclass(frozen=True, kw_only=True)
class ComponentLevelOptions:
    """A repository, and the level its rows are at (components by default)."""

    repo: str | None = option(_REPO, short="-r")
    level: str = option(_LEVEL, short="-l", default="component")


@dataclass(frozen=True, kw_only=True)
class TruckFactorOptions:
    """A repository, and what the truck factor is per."""

    repo: str | None = option(_REPO, short="-r")
    by: str = option("repo, component or team.", default="repo")


@dataclass(frozen=True, kw_only=True)
class RepoOptions:
    """A repository (default: all)."""

    repo: str | None = option(_REPO, short="-r")


def _graph(service: SocioTechService, options: GraphOptions, /, **window: Any) -> MetricResult:
    """The graph's edges, or its teams with --nodes."""
    compute = service.dependency_nodes if options.nodes else service.dependency_edges
    kinds = tuple(options.kind) if options.kind else None
    return compute(kinds=kinds, group=options.group, repo=options.repo, **window)


def _coupling(service: SocioTechService, options: CouplingOptions, /, **window: Any) -> MetricResult:
    """Change coupling with the options' thresholds (a service of the same context holding them)."""
    from orgflow.sociotech.coupling import CouplingThresholds
    from orgflow.sociotech.service import SocioTechService

    thresholds = CouplingThresholds(options.min_revs, options.min_shared, options.min_degree, options.max_changeset)
    with_thresholds = SocioTechService(service.context, thresholds=thresholds)
    return with_thresholds.coupling(repo=options.repo, level=options.level, **window)


FIGURES: tuple[Figure, ...] = (
    Figure(
        "dependencies",
        "sociotech",
        "Cross-team dependency edges (source depends on target): declared component dependencies, change "
        "coupling across owners, blocking links with the flow time the blocked items lost.",
        help="Cross-team dependency edges with weights and lost flow time. Example: orgflow deps graph --kind blocking",
        options=GraphOptions,
        build=_graph,
        verb="graph",
        **GRAPH,
    ),
    Figure(
        "dependency-nodes",
        "sociotech",
        "Teams on the dependency graph with their degree and the flow time lost to and by them.",
        command=False,
    ),
    Figure(
        "coupling",
        "sociotech",
        "Change coupling (code-maat): degree = 100 x shared revisions / mean revisions of the pair, "
        "truncated; change sets over the size limit dropped; pairs under min revs, min shared, min degree "
        "left out.",
        help="Change coupling of files, components or teams. Example: orgflow deps coupling --level component",
        options=CouplingOptions,
        reads=("commits",),
        build=_coupling,
        **HISTORY,
    ),
    Figure(
        "sum-of-coupling",
        "sociotech",
        "Sum of coupling (code-maat): per entity, the other entities changed in the same revisions, summed "
        "over its revisions.",
        command=False,
    ),
    Figure(
        "ownership",
        "sociotech",
        "Main developer (most revisions) and ownership share = their revisions / all revisions; the same "
        "by added lines; fragmentation = 1 - sum of squared revision shares; files that exist at the "
        f"analysis date {_LIVE}.",
        help="Main developer, ownership share and fragmentation. Example: orgflow deps ownership --level team",
        options=FileLevelOptions,
        reads=("commits",),
        build=calls("ownership"),
        **AT_NOW,
    ),
    Figure(
        "fragmentation",
        "sociotech",
        "Fragmentation (code-maat fractal value) = 1 - sum over authors of (revisions_i / revisions)^2; "
        f"files that exist at the analysis date {_LIVE}.",
        command=False,
    ),
    Figure(
        "communication",
        "sociotech",
        "Communication strength (code-maat) = 100 x shared entities / mean entities of the pair (rounded "
        "up), truncated; authors, or their teams on the change date.",
        command=False,
    ),
    Figure(
        "truck-factor",
        "sociotech",
        "Truck factor (Avelino et al. 2016): authors (DOA/max >= 0.75, DOA >= 3.293) of most files removed "
        "greedily until under 50 % of the files keep an author; over the files that exist at the analysis "
        f"date {_LIVE}.",
        help="Truck factor (Avelino) per repository, component or team. Example: orgflow deps truck-factor --by team",
        options=TruckFactorOptions,
        reads=("commits",),
        build=calls("truck_factor"),
        **AT_NOW,
    ),
    Figure(
        "knowledge-islands",
        "sociotech",
        "Entities known by one author only, or whose knowing authors all left the organization; files that "
        f"exist at the analysis date {_LIVE}.",
        command=False,
    ),
    Figure(
        "congruence",
        "sociotech",
        "Socio-technical congruence (Cataldo et al.): ordered pairs with coordination requirements (T_A "
        "T_D T_A^T > 0) that also coordinate (same team), over pairs that need to; Conway alignment = "
        "intra-team share of coordination-requirement weight.",
        help="Socio-technical congruence and Conway alignment. Example: orgflow deps congruence --level file",
        options=ComponentLevelOptions,
        reads=("commits",),
        build=calls("congruence"),
        **HISTORY,
    ),
    Figure(
        "drift",
        "sociotech",
        "Ownership drift: the declared owner of each component against the team (of the author on the "
        "change date) that made most of its revisions.",
        help="Declared owner versus the team that changes each component most. Example: orgflow deps drift",
        options=RepoOptions,
        reads=("commits",),
        build=calls("drift"),
        **HISTORY,
    ),
)
