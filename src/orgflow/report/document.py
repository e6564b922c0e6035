"""`build_report`: the organization, cluster and team views as one self-contained HTML file."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from orgflow.output_file import check_output_file, write_output_text
from orgflow.query.window import Cut
from orgflow.views.context import Chart, Context
from orgflow.views.filters import Filters
from orgflow.views.flow import FlowView, group_view, team_view
from orgflow.views.formatting import TEMPLATES_DIR, format_cell, format_instant
from orgflow.views.hub import MetricsHub
from orgflow.views.organization import OrganizationView, organization_page

REPORT_TEMPLATES = Path(__file__).parent / "templates"
STYLESHEET = Path(__file__).resolve().parents[1] / "web" / "static" / "app.css"

CHART_WIDTH = 520
WIDE_CHART_WIDTH = 1120

ProgressCallback = Callable[[int, int | None, str], None]


@dataclass(frozen=True)
class ReportPaths:
    """Links inside the report: cards jump to their section; chart marks link nowhere."""

    linked: bool = False

    def team(self, team_id: str) -> str | None:
        return f"#team-{team_id}"

    def group(self, group_id: str) -> str | None:
        return f"#group-{group_id}"

    def items(self, filters: Filters, **changes: Any) -> str | None:
        return None


_NAMESPACES = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')


def svg_of(chart: Chart) -> str:
    """The chart as inline SVG: fixed width, no `$schema` and no namespace URLs (HTML needs none)."""
    import vl_convert

    document = {key: value for key, value in chart.spec.items() if key not in ("$schema", "autosize")}
    document["width"] = WIDE_CHART_WIDTH if chart.wide else CHART_WIDTH
    svg = vl_convert.vegalite_to_svg(document)
    return _NAMESPACES.sub("", svg)


def prefetch_team_summaries(context: Context, team_ids: list[str]) -> None:
    """Run the summaries the pages of `team_ids` show (each team's over the page's window, its own
    default one when the page has none, and over the window before it: `team_view`) for all teams at
    once (`Context.prefetch`), instead of a query per team and window. The pages then read them
    as they would have computed them; a team the workspace does not know is left to its page."""
    from orgflow.errors import InputError

    now_asks = []
    before_asks = []
    for team_id in team_ids:
        filters = replace(context.filters, team=team_id)
        cut = filters.cut(phase=False)
        window = context.window(filters)
        now_asks.append((cut, window["since"], window["until"]))
        before = filters.previous()
        if before is not None:
            window = context.window(before)
            before_asks.append((cut, window["since"], window["until"]))

    for asks in (now_asks, before_asks):
        try:
            context.prefetch("summary", asks, by=None)
        except InputError:
            continue


def _environment() -> Environment:
    environment = Environment(
        loader=ChoiceLoader([FileSystemLoader(REPORT_TEMPLATES), FileSystemLoader(TEMPLATES_DIR)]),
        autoescape=select_autoescape(["html"]),
    )
    environment.filters["cell"] = format_cell
    environment.filters["instant"] = format_instant
    return environment


def build_report(
    directory: Path | str,
    output: Path | str,
    *,
    now: datetime | None = None,
    window: str | None = None,
    since: date | None = None,
    until: date | None = None,
    item_type: str | None = None,
    on_progress: ProgressCallback | None = None,
) -> Path:
    """Write the report of the workspace in `directory` to `output`; returns the output path.

    Args:
        now: figures as of this instant (default: now).
        window: 30, 90 (default) or 180 days, or all; `since`/`until` give a custom window instead.
        item_type: only this item or flow type.
        on_progress: called with (sections done, sections, what) as the report is built.

    Raises:
        InputError: no workspace there, bad filters, or `output` is a folder or in a folder that does
            not exist (said before any work; nothing is written).
    """
    check_output_file(output, field="--output")  # before the work: a folder, or one that does not exist
    # The report asks the same queries every time it is built: they are kept compiled beside the store,
    # as every command keeps its own (`orgflow.store.query_file`).
    hub = MetricsHub(directory, now=now, keep_queries=True)
    try:
        instant = hub.now(None)
        # The dashboard's windows: the default one is the workspace's (docs/decisions/0007-default-window.md).
        default = hub.default_window(Cut())
        last_day = (default.until - timedelta(days=1)).date()
        filters = Filters.parse(
            today=default.until.date(),
            default_range=(default.since.date(), last_day),
            all_until=last_day,
            window=window,
            since=since.isoformat() if since else None,
            until=until.isoformat() if until else None,
            item_type=item_type,
            phases=tuple(hub.workspace.config.phases),
        )
        context = Context(hub=hub, filters=filters, paths=ReportPaths())
        tree = context.tree
        clusters = tree.clusters()
        teams = tree.teams()
        total = 1 + len(clusters) + len(teams)
        done = 0

        def step(what: str) -> None:
            nonlocal done
            done += 1
            if on_progress:
                on_progress(done, total, what)

        page = organization_page(context)
        organization: OrganizationView = page.view
        step("organization")
        cluster_views: list[FlowView] = []
        for cluster in clusters:
            cluster_views.append(group_view(context, cluster.group_id))
            step(cluster.name)
        # The teams the organization page shows (a team gone before the window and idle in it is not).
        shown = {card.group_id for block in organization.clusters for card in block.teams}
        # ... and the teams outside the org (units work is attributed to that no team of the org names).
        shown |= {card.group_id for card in page.outside.teams} if page.outside else set()
        prefetch_team_summaries(context, [team.group_id for team in teams if team.group_id in shown])
        team_views: list[FlowView] = []
        for team in teams:
            if team.group_id in shown:
                team_views.append(team_view(context, team.group_id))
            step(team.name)
        charts = [organization.stage_map]
        for view in [*cluster_views, *team_views]:
            charts.extend(view.charts)
        charts = [chart for chart in charts if not chart.empty]
        # vl-convert runs its conversions on worker threads of its own: a few at once go faster.
        with ThreadPoolExecutor(max_workers=4) as pool:
            svgs = dict(zip((id(chart) for chart in charts), pool.map(svg_of, charts), strict=True))
        html = (
            _environment()
            .get_template("report.html")
            .render(
                filters=filters,
                organization=organization,
                outside=page.outside,
                ownership_note=page.note,
                has_org=tree.has_org,
                clusters=cluster_views,
                teams=team_views,
                svg=lambda chart: svgs[id(chart)],
                stylesheet=STYLESHEET.read_text(encoding="utf-8"),
                now=instant,
                generated=datetime.now(UTC),
                tree=tree,
            )
        )
    finally:
        hub.close()
    return write_output_text(output, html.lstrip(), field="--output")
