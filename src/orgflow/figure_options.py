"""A figure's options, declared as fields of a frozen dataclass: `option` for what a user sets (a
command option and a query parameter of the same name, with its help and bounds), `setting` for what
comes from the workspace's configuration, and `Bounded`, the base whose instances check the bounds.
`orgflow.registry` re-exports them beside `Figure`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NoOptions:
    """The options of a figure that has none of its own."""


def option(
    help: str,
    *,
    flag: str | None = None,
    short: str | None = None,
    default: Any = None,
    argument: bool = False,
    required: bool = False,
    min: float | None = None,
    max: float | None = None,
) -> Any:
    """A figure option a user sets: a command option (``--name``, or `flag`, with the one-letter `short`
    if given; a positional argument when `argument`) and a query parameter of the same name, both with
    `help`; an argument without a default, or one `required`, has no default). A dataclass field:
    ``period: str = option("day, week or month.", default="week")``.

    `min` and `max` bound a number, inclusive: the command's ``min=``/``max=`` (Typer), the route's
    ``ge=``/``le=`` (FastAPI), and the options' own check when they derive from `Bounded`."""
    metadata = {"help": help, "flag": flag, "short": short, "argument": argument}
    if min is not None:
        metadata["min"] = min
    if max is not None:
        metadata["max"] = max
    if required or (argument and default is None):
        return field(metadata=metadata)
    return field(default=default, metadata=metadata)


def bounds(item: dataclasses.Field[Any]) -> dict[str, float]:
    """The bounds an option declares (`option`'s ``min`` and ``max``), by those names; none: empty."""
    return {name: item.metadata[name] for name in ("min", "max") if name in item.metadata}


class Bounded:
    """A base of options dataclasses whose fields declare bounds (`option(..., min=, max=)`): an
    instance checks them when made, so the Python API refuses what the command and the route refuse."""

    def __post_init__(self) -> None:
        """Check every declared bound.

        Raises:
            InputError: a value below its ``min`` or above its ``max``, naming the field.
        """
        from orgflow.errors import InputError

        for item in dataclasses.fields(self):  # type: ignore[arg-type]
            given, limits = getattr(self, item.name), bounds(item)
            # A repeatable option's bounds hold for each of its values.
            for value in given if isinstance(given, list | tuple) else [given]:
                if value is None:
                    continue
                if "min" in limits and value < limits["min"]:
                    raise InputError(f"{item.name} must be at least {limits['min']} (got {value})", field=item.name)
                if "max" in limits and value > limits["max"]:
                    raise InputError(f"{item.name} must be at most {limits['max']} (got {value})", field=item.name)


def setting(path: str) -> Any:
    """A figure option taken from the workspace's configuration (``thresholds.sle_percentile``): no
    command option; the service fills it in, so the query's cache key holds its value."""
    return field(metadata={"setting": path})
