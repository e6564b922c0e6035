"""The figure registry: every figure orgflow computes, declared once.

A `Figure` says what a figure is (its name, domain and one-line definition, its columns where they
are fixed) and, for the figures computed through the registry (the flow figures), how it is computed:
its options (a frozen dataclass), whether it takes a window and a ``--by``, and the function that
builds its query. Each domain declares its figures in its own ``figures`` module (`DOMAINS`); from
the declarations come

- the definition every result carries (`definition`, `MetricResult.definition`),
- the ``orgflow flow ...`` commands and the ``/api/<figure>`` routes (`Figure.command`),
- the web hub's list of the figures it may compute,
- the docs test (every figure has a ``## name`` section in docs/metrics.md),
- the compiled-query cache key: (figure, facts, cut shape, options instance), so a build function
  reads nothing its options do not name (`orgflow.flow.runner`).

Light to import: the registry and every ``figures`` module import neither Ibis nor Arrow (a build
function imports what it needs when it runs), so `orgflow --help` stays fast. A domain's
declarations are imported the first time the registry is asked about that domain.
"""

from __future__ import annotations

import dataclasses
import importlib
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

DOMAINS: dict[str, str] = {
    "flow": "orgflow.flow.figures",
    "delivery": "orgflow.delivery.figures",
    "org": "orgflow.org.figures",
    "sociotech": "orgflow.sociotech.figures",
    "forecast": "orgflow.forecast.figures",
    "simulate": "orgflow.simulate.figures",
    "insights": "orgflow.insights.figures",
}
"""Each domain's declarations: a module whose ``FIGURES`` tuple lists its figures in display order."""


@dataclass(frozen=True)
class Column:
    """A result column: its name (as JSON and CSV carry it), its short label and its unit.

    `unit` is ``d`` (days), ``h`` (hours), ``/wk`` or ``/day`` (a rate), or None (a count, a share,
    a name...).
    """

    name: str
    label: str
    unit: str | None = None

    @property
    def heading(self) -> str:
        """The terminal's column heading: the label with its unit ("Flow time p85 (d)", "Velocity /wk")."""
        if self.unit is None:
            return self.label
        if self.unit.startswith("/"):
            return f"{self.label} {self.unit}"
        return f"{self.label} ({self.unit})"


def columns(*declared: tuple[str, str] | tuple[str, str, str]) -> dict[str, Column]:
    """Columns by name from ``(name, label[, unit])`` tuples: a domain's column catalogue."""
    return {entry[0]: Column(*entry) for entry in declared}


def default_label(name: str) -> str:
    """The label of a column the catalogue does not name: its name with spaces ("First deployment id")."""
    spaced = name.replace("_", " ")
    return spaced[:1].upper() + spaced[1:]


def pick(catalogue: Mapping[str, Column], *names: str) -> tuple[Column, ...]:
    """The columns `names` in that order: the catalogue's, else labelled `default_label`."""
    return tuple(catalogue.get(name) or Column(name, default_label(name)) for name in names)


@dataclass(frozen=True)
class NoOptions:
    """The options of a figure that has none of its own."""


def option(help: str, *, flag: str | None = None, default: Any = None) -> Any:
    """A figure option a user sets: a command option (``--name``, or `flag`) and a query parameter of the
    same name, both with `help`. A dataclass field: ``period: str = option("day, week or month.", default="week")``."""
    return field(default=default, metadata={"help": help, "flag": flag})


def setting(path: str) -> Any:
    """A figure option taken from the workspace's configuration (``thresholds.sle_percentile``): no
    command option; the service fills it in, so the query's cache key holds its value."""
    return field(metadata={"setting": path})


@dataclass(frozen=True)
class Figure:
    """One figure, declared once.

    Attributes:
        name: the figure's name: its command, its route, its ``## name`` section in docs/metrics.md and
            the ``metric`` of its results ("cycle-time").
        domain: the package that computes it (a key of `DOMAINS`).
        definition: the one-line definition every result carries.
        help: the command's help (first sentence: what it shows; then "Example: orgflow ...").
        options: a frozen dataclass of the figure's own options (`option`, `setting` and ``by``
            fields); `NoOptions` when it has none.
        build: the function that builds the figure's query from its inputs and options (flow:
            ``build(facts, cut, options, terms) -> ibis.Table``); None where the domain's service
            computes the figure itself.
        window: whether it is computed over a window (--since/--until); otherwise as of now.
        columns: its columns in order, where they are fixed: with its default options, without a ``--by``.
        core: the columns a terminal table keeps when it must leave some out.
        params: the option fields its results' params show, in order.
        bound: option fields that enter the query as bound values (one compiled query serves every
            value): the cache key holds only whether each is set.
        note: with reported time in status, the note naming what it changes (``{level}``: an option).
        finish: a step run on the computed result with the service, the cut, the window, the
            options and whether the window was the default one (a summary's rows in their own windows).
        command: whether it has a generated command (``orgflow flow NAME``) and route (``/api/NAME``).
        phased: whether a cut's phase narrows its rows (rows by stage, phase or an item's current stage,
            `orgflow.flow.phases`): its command takes --phase and its route ``phase``.
    """

    name: str
    domain: str
    definition: str
    help: str = ""
    options: type = NoOptions
    build: Callable[..., Any] | None = None
    window: bool = True
    columns: tuple[Column, ...] = ()
    core: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    bound: tuple[str, ...] = ()
    note: str | None = None
    finish: Callable[..., Any] | None = None
    command: bool = True
    phased: bool = False

    @property
    def method(self) -> str:
        """The Python name of the figure ("cycle_time"): its service method, its command's function."""
        return self.name.replace("-", "_")

    @property
    def takes_by(self) -> bool:
        """Whether its rows can be grouped (its options have a ``by`` field: the shared --by option)."""
        return "by" in self.option_fields()

    def option_fields(self) -> dict[str, dataclasses.Field[Any]]:
        """The options' fields by name."""
        return {item.name: item for item in dataclasses.fields(self.options)}

    def user_options(self) -> dict[str, tuple[Any, dataclasses.Field[Any]]]:
        """The options a user sets besides ``by`` (type and field by name): each a command option and
        a query parameter."""
        hints = typing.get_type_hints(self.options)
        return {
            name: (hints[name], item)
            for name, item in self.option_fields().items()
            if "help" in item.metadata and name != "by"
        }

    def options_for(self, config: Any, values: Mapping[str, Any]) -> Any:
        """The options instance of `values` (user options, ``by``), with the settings read from `config`.

        Raises:
            TypeError: a value that is not one of the figure's options.
            InputError: a value the options reject (their ``__post_init__``).
        """
        settings = {
            name: _attribute(config, item.metadata["setting"])
            for name, item in self.option_fields().items()
            if "setting" in item.metadata
        }
        return self.options(**settings, **values)


def _attribute(source: Any, path: str) -> Any:
    for part in path.split("."):
        source = getattr(source, part)
    return source


@cache
def figures(domain: str | None = None) -> tuple[Figure, ...]:
    """The figures of `domain` in declaration order (None: of every domain, domain by domain).

    Raises:
        KeyError: an unknown domain.
    """
    if domain is None:
        every = tuple(item for name in DOMAINS for item in figures(name))
        names = [item.name for item in every]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise AssertionError(f"figures declared twice: {twice}")
        return every
    declared: tuple[Figure, ...] = importlib.import_module(DOMAINS[domain]).FIGURES
    for item in declared:
        if item.domain != domain:
            raise AssertionError(f"{DOMAINS[domain]} declares {item.name!r} of domain {item.domain!r}")
    return declared


def figure(name: str, domain: str | None = None) -> Figure:
    """The figure called `name`, looked up in `domain` alone when given, else domain by domain (a
    domain's declarations are imported only when the figures of the domains before it do not match).

    Raises:
        KeyError: no such figure.
    """
    for each in (domain,) if domain is not None else DOMAINS:
        for item in figures(each):
            if item.name == name:
                return item
    raise KeyError(f"no figure {name!r}" + (f" in {domain}" if domain else ""))


def definition(name: str, domain: str | None = None) -> str:
    """The one-line definition of the figure called `name` (see `figure`)."""
    return figure(name, domain).definition


def definitions(domain: str) -> dict[str, str]:
    """The definitions of `domain`'s figures by name."""
    return {item.name: item.definition for item in figures(domain)}
