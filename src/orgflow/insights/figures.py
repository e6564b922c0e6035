"""The insights figure, declared once: the early-warning findings.

`orgflow.insights` computes it and takes its definition from here. ``orgflow insights`` runs the
rules and prints their findings with evidence; it is written out in `orgflow.cli.insights`
(`command=False`, docs/architecture.md).
"""

from __future__ import annotations

from orgflow.registry import Figure

FIGURES: tuple[Figure, ...] = (
    Figure(
        "insights",
        "insights",
        "Early-warning findings: open items past their SLE, WIP growing while throughput is flat, stage "
        "queues growing, throughput drops, plans losing probability; each with evidence and an action.",
        command=False,
    ),
)
