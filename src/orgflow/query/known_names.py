"""Checking a name the user gave (a team, a stage) against those the workspace knows, with a suggestion.

`suggestion` finds the known name meant: the one equal to the given name but for case ("amq" for
"AMQ"), else the closest spelling ("In Progres" for "In Progress", `difflib`'s ratio of at least 0.6,
compared without case). `check_stage` says an unknown stage the way an unknown phase is said: an
`InputError` naming the value and the known stages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from orgflow.errors import InputError

if TYPE_CHECKING:
    from orgflow.config import Config

UNMAPPED_STAGE = "unmapped"
"""The stage of an item whose status no stage lists (`orgflow.flow.history`)."""


def suggestion(value: str, known: Iterable[str]) -> str | None:
    """The known name `value` most likely means: equal but for case, else the closest spelling (ratio
    >= 0.6, without case); None when none is close or `value` is itself known."""
    names = list(dict.fromkeys(name for name in known if name))
    if value in names:
        return None
    folded = value.casefold()
    for name in names:
        if name.casefold() == folded:
            return name
    import difflib  # only once a name is unknown: not on the way of every command

    by_folded = {name.casefold(): name for name in reversed(names)}
    close = difflib.get_close_matches(folded, list(by_folded), n=1, cutoff=0.6)
    return by_folded[close[0]] if close else None


def did_you_mean(value: str, known: Iterable[str]) -> str | None:
    """The hint "did you mean 'AMQ'?" for the `suggestion` of `value` among `known`, None when there is none."""
    meant = suggestion(value, known)
    return None if meant is None else f"did you mean {meant!r}?"


def known_stages(config: Config) -> list[str]:
    """The stage names an item can be in: those of every workflow (configured ones first, then the
    built-in default), in order, then ``unmapped``."""
    names = [stage.name for workflow in config.all_workflows() for stage in workflow.stages]
    return list(dict.fromkeys([*names, UNMAPPED_STAGE]))


def check_stage(stage: str, config: Config) -> None:
    """Raise `InputError` when `stage` is no stage of `config`'s workflows nor ``unmapped`` (the message
    names it; the hint suggests the stage meant, if one is close, and lists the known ones)."""
    stages = known_stages(config)
    if stage in stages:
        return
    listed = f"known stages: {', '.join(stages)}"
    meant = did_you_mean(stage, stages)
    raise InputError(f"unknown stage {stage!r}", field="stage", hint=listed if meant is None else f"{meant} ({listed})")
