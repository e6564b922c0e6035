"""The insights figure, declared once: the early-warning findings.

`orgflow.insights` computes it and takes its definition from here.
"""

from __future__ import annotations

from orgflow.registry import Figure

FIGURES: tuple[Figure, ...] = (
    Figure(
        "insights",
        "insights",
        "Early-warning findings: open items past their SLE, WIP growing while throughput is flat, stage "
        "queues growing, throughput drops, plans losing probability; each with evidence and an action.",
    ),
)
