"""`orgflow flow ...`: flow metrics of the workspace, cut by team, group, type, value stream and window.

Every command shares the cut, window and output options; `flow_command` builds each command's
signature from those plus the command's own options, so they are declared once. The flow service
loads when a command runs (`FlowService` and `MetricResult` are named as text in the signatures).
"""

import inspect
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from orgflow.cli.context import open_from
from orgflow.cli.options import ColumnsOption, columns_option, day_option, now_option
from orgflow.cli.render import Format, render
from orgflow.query.window import Cut

if TYPE_CHECKING:
    from orgflow.flow.service import FlowService, MetricResult

app = typer.Typer(
    help="Flow metrics: lead and cycle time, throughput, WIP, CFD, age, efficiency, stages.", no_args_is_help=True
)

_KEYWORD = inspect.Parameter.KEYWORD_ONLY
_CUT_OPTIONS = [
    inspect.Parameter(
        "team",
        _KEYWORD,
        default=None,
        annotation=Annotated[str | None, typer.Option("--team", "-t", help="Only this team's items.")],
    ),
    inspect.Parameter(
        "group",
        _KEYWORD,
        default=None,
        annotation=Annotated[
            str | None, typer.Option("--group", "-g", help="Only items of teams in this group (any level).")
        ],
    ),
    inspect.Parameter(
        "item_type",
        _KEYWORD,
        default=None,
        annotation=Annotated[
            str | None, typer.Option("--type", help="Only this item type or flow type (feature, defect…).")
        ],
    ),
    inspect.Parameter(
        "value_stream",
        _KEYWORD,
        default=None,
        annotation=Annotated[str | None, typer.Option("--value-stream", help="Only teams of this value stream.")],
    ),
    inspect.Parameter(
        "project",
        _KEYWORD,
        default=None,
        annotation=Annotated[str | None, typer.Option("--project", help="Only this project or repository.")],
    ),
]
_WINDOW_OPTIONS = [
    inspect.Parameter(
        "since",
        _KEYWORD,
        default=None,
        annotation=Annotated[
            str | None, typer.Option("--since", help="Window start, YYYY-MM-DD (default: first item).")
        ],
    ),
    inspect.Parameter(
        "until",
        _KEYWORD,
        default=None,
        annotation=Annotated[
            str | None,
            typer.Option("--until", help="Window end, inclusive, YYYY-MM-DD (default: the day before --now, UTC)."),
        ],
    ),
]
_BY_OPTION = inspect.Parameter(
    "by",
    _KEYWORD,
    default=None,
    annotation=Annotated[
        str | None, typer.Option("--by", help="Group rows by team, group, type, flow_type, project, value_stream.")
    ],
)
_OUTPUT_OPTIONS = [
    inspect.Parameter(
        "fmt",
        _KEYWORD,
        default=Format.table,
        annotation=Annotated[Format, typer.Option("--format", "-f", help="table, csv or json.")],
    ),
    inspect.Parameter("columns", _KEYWORD, default=None, annotation=ColumnsOption),
    inspect.Parameter(
        "now",
        _KEYWORD,
        default=None,
        annotation=Annotated[
            str | None,
            typer.Option(
                "--now",
                help="See the flow as of this date or instant (ISO 8601, UTC if no offset; default: now, "
                "or the end of the data's last day when the data stops earlier).",
            ),
        ],
    ),
]
_SHARED = {"service", "cut", "since", "until", "by"}


def flow_command(name: str, *, window: bool = True, by: bool = False) -> Callable[[Callable[..., "MetricResult"]], Any]:
    """Register `compute(service, cut, [since, until], [by], **own options)` as `orgflow flow NAME`.

    The command gets the cut options, the window options (if `window`), --by (if `by`), --format,
    --columns and --now, then the options `compute` declares itself; its help is `compute`'s docstring.
    """

    def register(compute: Callable[..., "MetricResult"]) -> Callable[..., "MetricResult"]:
        # The command's own options are annotated with objects (this module does not postpone annotations);
        # the shared parameters' annotations (the service, the result) may stay text and are never resolved.
        own = [
            parameter.replace(kind=_KEYWORD)
            for parameter in inspect.signature(compute).parameters.values()
            if parameter.name not in _SHARED
        ]
        context = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)
        parameters = [
            context,
            *_CUT_OPTIONS,
            *(_WINDOW_OPTIONS if window else []),
            *([_BY_OPTION] if by else []),
            *_OUTPUT_OPTIONS,
            *own,
        ]

        def command(ctx: typer.Context, **options: Any) -> None:
            cut = Cut(
                team=options.pop("team"),
                group=options.pop("group"),
                item_type=options.pop("item_type"),
                value_stream=options.pop("value_stream"),
                project=options.pop("project"),
            )
            fmt, now = options.pop("fmt"), now_option(options.pop("now"))
            columns = columns_option(options.pop("columns"))
            if window:
                options["since"] = day_option(options.pop("since"), "since")
                options["until"] = day_option(options.pop("until"), "until")
            with open_from(ctx, read_only=True) as workspace:
                render(compute(workspace.metrics_at(now), cut, **options), fmt, columns=columns)

        command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        command.__annotations__ = {}
        command.__doc__ = compute.__doc__
        command.__name__ = compute.__name__
        app.command(name)(command)
        return compute

    return register


Cancelled = Annotated[bool, typer.Option(help="Count cancelled items too.")]


@flow_command("summary", by=True)
def summary(service: "FlowService", cut: Cut, since: date | None, until: date | None, by: str | None) -> "MetricResult":
    """Headline figures per team, group or type. Example: orgflow flow summary --by team"""
    return service.summary(cut=cut, since=since, until=until, by=by)


@flow_command("lead-time")
def lead_time(
    service: "FlowService", cut: Cut, since: date | None, until: date | None, include_cancelled: Cancelled = False
) -> "MetricResult":
    """Lead time (created → finished) of each finished item. Example: orgflow flow lead-time --team AMQ"""
    return service.lead_time(cut=cut, since=since, until=until, include_cancelled=include_cancelled)


@flow_command("cycle-time")
def cycle_time(
    service: "FlowService", cut: Cut, since: date | None, until: date | None, include_cancelled: Cancelled = False
) -> "MetricResult":
    """Cycle time (started → finished) of each finished item. Example: orgflow flow cycle-time --since 2024-01-01"""
    return service.cycle_time(cut=cut, since=since, until=until, include_cancelled=include_cancelled)


@flow_command("throughput", by=True)
def throughput(
    service: "FlowService",
    cut: Cut,
    since: date | None,
    until: date | None,
    by: str | None,
    period: Annotated[str, typer.Option(help="day, week or month.")] = "week",
) -> "MetricResult":
    """Items finished and started per period, and net flow. Example: orgflow flow throughput --period month"""
    return service.throughput(cut=cut, since=since, until=until, period=period, by=by)


@flow_command("wip", by=True)
def wip(service: "FlowService", cut: Cut, since: date | None, until: date | None, by: str | None) -> "MetricResult":
    """Work in progress at the end of each day. Example: orgflow flow wip --team payments --since 2024-06-01"""
    return service.wip(cut=cut, since=since, until=until, by=by)


@flow_command("cfd")
def cfd(service: "FlowService", cut: Cut, since: date | None, until: date | None) -> "MetricResult":
    """Cumulative flow per day and stage. Example: orgflow flow cfd --team payments --format json"""
    return service.cfd(cut=cut, since=since, until=until)


@flow_command("age", window=False)
def age(service: "FlowService", cut: Cut) -> "MetricResult":
    """Age of every started, unfinished item against its team's SLE. Example: orgflow flow age --team payments"""
    return service.age(cut=cut)


@flow_command("efficiency", by=True)
def efficiency(
    service: "FlowService",
    cut: Cut,
    since: date | None,
    until: date | None,
    by: str | None,
    per_item: Annotated[bool, typer.Option("--per-item", help="One row per item.")] = False,
) -> "MetricResult":
    """Flow efficiency: active time / cycle time. Example: orgflow flow efficiency --by team"""
    return service.efficiency(cut=cut, since=since, until=until, by=by, per_item=per_item)


@flow_command("distribution")
def distribution(service: "FlowService", cut: Cut, since: date | None, until: date | None) -> "MetricResult":
    """Share of features, defects, risks and debt, finished and in progress. Example: orgflow flow distribution"""
    return service.distribution(cut=cut, since=since, until=until)


@flow_command("stages", by=True)
def stages(
    service: "FlowService",
    cut: Cut,
    since: date | None,
    until: date | None,
    by: str | None,
    level: Annotated[str, typer.Option(help="stage or phase.")] = "stage",
) -> "MetricResult":
    """Where flow time goes: time per stage or phase. Example: orgflow flow stages --level phase"""
    return service.stages(cut=cut, since=since, until=until, level=level, by=by)


@flow_command("items")
def items(
    service: "FlowService",
    cut: Cut,
    since: date | None,
    until: date | None,
    stage: Annotated[str | None, typer.Option(help="Only items now in this stage.")] = None,
    state: Annotated[str | None, typer.Option(help="open or finished.")] = None,
) -> "MetricResult":
    """The items behind the figures. Example: orgflow flow items --team payments --state open"""
    return service.items(cut=cut, since=since, until=until, stage=stage, state=state)


@flow_command("sle", window=False)
def sle(service: "FlowService", cut: Cut) -> "MetricResult":
    """Service level expectation (p85 cycle time of the last 50 items). Example: orgflow flow sle"""
    return service.sle(cut=cut)


@flow_command("blocked")
def blocked(service: "FlowService", cut: Cut, since: date | None, until: date | None) -> "MetricResult":
    """Time items spent blocked (flag, blocked stage, cross-team links). Example: orgflow flow blocked"""
    return service.blocked(cut=cut, since=since, until=until)


@flow_command("littles-law")
def littles_law(service: "FlowService", cut: Cut, since: date | None, until: date | None) -> "MetricResult":
    """Little's law check with stability conditions. Example: orgflow flow littles-law --since 2024-01-01"""
    return service.littles_law(cut=cut, since=since, until=until)
