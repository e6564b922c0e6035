"""The socio-technical figures, declared once: coupling, ownership, truck factor, congruence and the
cross-team dependency graph.

`orgflow.sociotech.service` computes them and takes their definitions from here.
"""

from __future__ import annotations

from orgflow.registry import Figure

FIGURES: tuple[Figure, ...] = (
    Figure(
        "coupling",
        "sociotech",
        "Change coupling (code-maat): degree = 100 x shared revisions / mean revisions of the pair, "
        "truncated; change sets over the size limit dropped; pairs under min revs, min shared, min degree "
        "left out.",
    ),
    Figure(
        "sum-of-coupling",
        "sociotech",
        "Sum of coupling (code-maat): per entity, the other entities changed in the same revisions, summed "
        "over its revisions.",
    ),
    Figure(
        "ownership",
        "sociotech",
        "Main developer (most revisions) and ownership share = their revisions / all revisions; the same "
        "by added lines; fragmentation = 1 - sum of squared revision shares; files that exist at the "
        "analysis date, renames followed.",
    ),
    Figure(
        "fragmentation",
        "sociotech",
        "Fragmentation (code-maat fractal value) = 1 - sum over authors of (revisions_i / revisions)^2; "
        "files that exist at the analysis date, renames followed.",
    ),
    Figure(
        "communication",
        "sociotech",
        "Communication strength (code-maat) = 100 x shared entities / mean entities of the pair (rounded "
        "up), truncated; authors, or their teams on the change date.",
    ),
    Figure(
        "truck-factor",
        "sociotech",
        "Truck factor (Avelino et al. 2016): authors (DOA/max >= 0.75, DOA >= 3.293) of most files removed "
        "greedily until under 50 % of the files keep an author; over the files that exist at the analysis "
        "date (HEAD's first-parent history replayed, renames followed).",
    ),
    Figure(
        "knowledge-islands",
        "sociotech",
        "Entities known by one author only, or whose knowing authors all left the organization; files that "
        "exist at the analysis date, renames followed.",
    ),
    Figure(
        "congruence",
        "sociotech",
        "Socio-technical congruence (Cataldo et al.): ordered pairs with coordination requirements (T_A "
        "T_D T_A^T > 0) that also coordinate (same team), over pairs that need to; Conway alignment = "
        "intra-team share of coordination-requirement weight.",
    ),
    Figure(
        "drift",
        "sociotech",
        "Ownership drift: the declared owner of each component against the team (of the author on the "
        "change date) that made most of its revisions.",
    ),
    Figure(
        "dependencies",
        "sociotech",
        "Cross-team dependency edges (source depends on target): declared component dependencies, change "
        "coupling across owners, blocking links with the flow time the blocked items lost.",
    ),
    Figure(
        "dependency-nodes",
        "sociotech",
        "Teams on the dependency graph with their degree and the flow time lost to and by them.",
    ),
)
