"""The phase of a cut: which rows of a figure it keeps.

A phase (`orgflow.yaml` `phases`, default Ideate, Create, Release, Operate) is a run of stages of the
value stream. A cut's `phase` narrows a figure to the part of the flow in that phase:

- rows by stage (`stages` and `time_in_stage` at stage level, `cfd`) keep the stages of the phase;
- rows by phase (`stages` and `time_in_stage` at phase level) keep the phase;
- rows of items (`age`, `items`) keep the items whose current stage is in the phase.

A stage belongs to the phase the first workflow naming it gives it (as `orgflow.flow.browse.stage_catalog`
reads the config). Figures whose rows have none of these columns (summary, throughput, WIP, ...) count
items, not stages: a phase given to them is an `InputError`, not silently ignored. The figures a phase
narrows are declared so (`orgflow.registry.Figure.phased`): their commands take --phase, their routes ``phase``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orgflow import registry
from orgflow.errors import InputError

if TYPE_CHECKING:
    import pyarrow as pa

    from orgflow.config import Config


def phased() -> tuple[str, ...]:
    """The names of the figures a phase narrows (declared `phased`; the others have no rows by stage)."""
    return tuple(item.name for item in registry.figures("flow") if item.phased)


def in_phase(table: pa.Table, *, metric: str, phase: str, config: Config) -> pa.Table:
    """The rows of `table` (figure `metric`) in `phase` (see the module docstring).

    Raises:
        InputError: `metric` has no rows by stage, phase or current stage.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = table.column_names
    if "phase" in columns:
        return table.filter(pc.fill_null(pc.equal(table["phase"], phase), False))
    column = "stage" if "stage" in columns else "current_stage" if "current_stage" in columns else None
    if column is None:
        raise InputError(
            f"the phase narrows figures by stage, not {metric}",
            field="phase",
            hint=f"give a phase to {', '.join(phased())} only",
        )
    stages = pa.array(sorted(config.phase_stages(phase)), type=pa.string())
    return table.filter(pc.fill_null(pc.is_in(table[column], value_set=stages), False))
