"""The figure registry: every figure orgflow computes, declared once.

A `Figure` says what a figure is (its name, domain and one-line definition, its columns where they
are fixed) and how it is computed and asked for: its options (a frozen dataclass), whether it takes a
window and a ``--by``, the function that builds it (a flow figure's query; another domain's service
method, `calls`), its command and the shared options it takes. Each domain declares its figures in its
own ``figures`` module (`DOMAINS`); from the declarations come

- the definition every result carries (`definition`, `MetricResult.definition`),
- each service's ``compute(name, **options)`` (`Computes`; `FlowService.compute` for flow),
- every figure's command ``orgflow GROUP VERB`` (`orgflow.cli.generated`) and route
  (`Figure.route`, `orgflow.web.routes.generated`),
- the web hub's list of the flow figures it may compute,
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
from dataclasses import dataclass
from functools import cache
from typing import Any

# A figure's options are declared with these; re-exported here, beside `Figure`.
from orgflow.figure_options import Bounded as Bounded
from orgflow.figure_options import NoOptions as NoOptions
from orgflow.figure_options import bounds as bounds
from orgflow.figure_options import option as option
from orgflow.figure_options import setting as setting

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


_ACRONYMS = {"fte": "FTE", "sle": "SLE", "wip": "WIP", "url": "URL", "mttr": "MTTR"}
"""Words a label spells in capitals ("fte" -> "FTE")."""


def default_label(name: str) -> str:
    """The label of a column the catalogue does not name: its name with spaces, the first letter and
    known acronyms in capitals ("First deployment id", "FTE")."""
    spaced = " ".join(_ACRONYMS.get(word, word) for word in name.split("_"))
    return spaced[:1].upper() + spaced[1:]


def pick(catalogue: Mapping[str, Column], *names: str) -> tuple[Column, ...]:
    """The columns `names` in that order: the catalogue's, else labelled `default_label`."""
    return tuple(catalogue.get(name) or Column(name, default_label(name)) for name in names)


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
        command: whether it has a generated command (``orgflow GROUP VERB``) and route (`route`).
        phased: whether a cut's phase narrows its rows (rows by stage, phase or an item's current stage,
            `orgflow.flow.phases`): its command takes --phase and its route ``phase``.
        group: its command's group (``orgflow GROUP VERB``; default: the domain).
        verb: its command's name in the group (default: the figure's name).
        door: the workspace door whose service computes it (``ws.<door>_at(now)``; default: the domain).
        blocks: the shared option blocks its command and route take before its own options, by name
            (``window``, ``scope``, ``output``, ``now``...: each group's surfaces say what a name holds);
            None: the flow figures' cut, window, ``by``, output and now, as its fields say (`shared`).
        present: a terminal-only step, ``present(result, options, columns) -> (result, notes)``: the
            result a table shows (headline columns) and the notes printed under it.
        offline: the pure rest of its computation, run once the store is let go (a forecast's
            trials): `build` then reads the store and returns what ``offline(staged)`` takes.
        progress: whether its command draws a progress bar on stderr while it computes (a terminal
            only): the service gets ``on_progress(done, total, what)`` with the other shared values.
        generated_route: whether its route is generated (`orgflow.web.routes.generated`); False: it is
            written out beside its page (the simulation's, which takes a group and caps its runs).
        reads: the store tables its rows come from: with no rows, a table of these that is empty gets a
            note saying so and how to load it (`LOADED_BY`), so "nothing loaded" is not read as "none".
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
    group: str = ""
    verb: str = ""
    door: str = ""
    blocks: tuple[str, ...] | None = None
    present: Callable[..., tuple[Any, list[str]]] | None = None
    offline: Callable[[Any], Any] | None = None
    progress: bool = False
    generated_route: bool = True
    reads: tuple[str, ...] = ()

    @property
    def method(self) -> str:
        """The Python name of the figure ("cycle_time"): its service method, its command's function."""
        return self.name.replace("-", "_")

    @property
    def command_group(self) -> str:
        """Its command's group: ``orgflow GROUP ...`` ("flow", "dora", "prs")."""
        return self.group or self.domain

    @property
    def command_name(self) -> str:
        """Its command's name in its group ("summary" for ``orgflow dora summary``)."""
        return self.verb or self.name

    @property
    def service_door(self) -> str:
        """The workspace door whose service computes it ("flow", "delivery", "pull_requests")."""
        return self.door or self.domain

    @property
    def route(self) -> str:
        """Its route: ``/api/NAME`` for a flow figure, ``/api/GROUP/VERB`` for the others (as its command)."""
        if self.domain == "flow":
            return f"/api/{self.name}"
        return f"/api/{self.command_group}/{self.command_name}"

    @property
    def takes_by(self) -> bool:
        """Whether its rows can be grouped by the shared --by option (a ``by`` field that is no option
        of its own: one declared with `option` has its own help and choices)."""
        declared = self.option_fields().get("by")
        return declared is not None and "help" not in declared.metadata

    @property
    def shared(self) -> tuple[str, ...]:
        """The names of the shared option blocks its command and route take, in order (`blocks`)."""
        if self.blocks is not None:
            return self.blocks
        return (
            "phased_cut" if self.phased else "cut",
            *(("window",) if self.window else ()),
            *(("by",) if self.takes_by else ()),
            "output",
            "now",
        )

    def option_fields(self) -> dict[str, dataclasses.Field[Any]]:
        """The options' fields by name."""
        return {item.name: item for item in dataclasses.fields(self.options)}

    def user_options(self) -> dict[str, tuple[Any, dataclasses.Field[Any]]]:
        """The options a user sets (type and field by name; not the shared ``by``): each a command
        option and a query parameter."""
        hints = typing.get_type_hints(self.options)
        return {name: (hints[name], item) for name, item in self.option_fields().items() if "help" in item.metadata}

    def options_for(self, config: Any, values: Mapping[str, Any]) -> Any:
        """The options instance of `values` (user options, ``by``), with the settings read from `config`.

        Raises:
            TypeError: a value that is not one of the figure's options.
            InputError: a value the options reject (their ``__post_init__``, or their ``check_with(config)``
                for a value only the config can judge, such as a stage's name).
        """
        settings = {
            name: _attribute(config, item.metadata["setting"])
            for name, item in self.option_fields().items()
            if "setting" in item.metadata
        }
        chosen = self.options(**settings, **values)
        check_with = getattr(chosen, "check_with", None)
        if check_with is not None:
            check_with(config)
        return chosen


def calls(method: str, **renamed: str) -> Callable[..., Any]:
    """The build function of a figure a domain service computes in its method `method`: called as
    ``build(service, options, **shared)``, it passes the options' fields (a field `renamed` maps to a
    parameter of another name) and the shared options' values as keywords."""

    def build(service: Any, options: Any, /, **shared: Any) -> Any:
        own = {renamed.get(item.name, item.name): getattr(options, item.name) for item in dataclasses.fields(options)}
        return getattr(service, method)(**own, **shared)

    build.__name__ = build.__qualname__ = method
    return build


class Computes:
    """A domain service's one entry to its figures: ``compute(name, **options)``, as `FlowService` has.

    A subclass names its `domain`; a figure it computes declares a `Figure.build` taking the service,
    the options instance and the shared options' values (`calls` for a method of the service).
    """

    domain: str = ""

    def compute(self, name: str, /, **values: Any) -> Any:
        """The figure `name` of the service's domain with `values`: its own options (the settings read
        from the service's config) and the shared ones (window, scope...), passed to its build (and
        what that reads to its `Figure.offline` step).

        Raises:
            KeyError: no such figure in the domain, or one computed elsewhere.
            TypeError: a value that is none of its options.
            InputError: a value its options or the service reject.
        """
        staged = self.stage(name, **values)
        offline = figure(name, self.domain).offline
        return staged if offline is None else offline(staged)

    def stage(self, name: str, /, **values: Any) -> Any:
        """What `compute` reads from the store for the figure `name`: its result, or for a figure with an
        `Figure.offline` step what that step takes (so a caller may let the store go before running it)."""
        chosen = figure(name, self.domain)
        if chosen.build is None:
            raise KeyError(f"{name!r} is not computed by a service of {self.domain}")
        fields = chosen.option_fields()
        own = {key: values.pop(key) for key in list(values) if key in fields}
        context = getattr(self, "context", None)
        options = chosen.options_for(getattr(context, "config", None), own)
        staged = chosen.build(self, options, **values)
        rows = getattr(staged, "table", None)  # a result (an offline figure stages its inputs instead)
        if chosen.reads and rows is not None and rows.num_rows == 0:
            staged.notes.extend(nothing_loaded(context.connection, chosen.reads))
        return staged


LOADED_BY: dict[str, str] = {
    "deployments": "`orgflow import deployments FILE.csv` or `orgflow import github-delivery`",
    "incidents": "`orgflow import incidents FILE`",
    "pull_requests": "`orgflow import github-delivery` or `orgflow import gitlab`",
    "groups": "`orgflow import org FILE.yaml` or `orgflow import backstage`",
    "commits": "`orgflow import git REPO`",
}
"""How a table a figure reads gets loaded (`Figure.reads`)."""


def nothing_loaded(connection: Any, tables: tuple[str, ...]) -> list[str]:
    """A note for each of `tables` that holds no row: "no deployments are loaded in this workspace...",
    naming how to load it."""
    counts = connection.execute("SELECT [" + ", ".join(f"(SELECT count(*) FROM {name})" for name in tables) + "]")
    empty = [name for name, count in zip(tables, counts.fetchone()[0], strict=True) if count == 0]
    return [
        f"no {name.replace('_', ' ')} are loaded in this workspace (nothing to show, which is not zero): "
        f"load them with {LOADED_BY[name]}"
        for name in empty
    ]


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
