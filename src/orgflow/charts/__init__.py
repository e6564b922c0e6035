"""Vega-Lite chart specs built from metric results, shared by the web dashboard and the report.

Each function takes a `MetricResult` (plus any reference figures the metrics computed) and returns a
spec as a plain dict; it computes no figure. Pass `link` to make every mark open the items behind it.
"""

from orgflow.charts.base import Link, plain
from orgflow.charts.flow_load import cfd_chart, distribution_chart, stage_colors, throughput_chart, wip_chart
from orgflow.charts.flow_time import aging_chart, cycle_time_chart
from orgflow.charts.stages import blocked_chart, stage_map_chart, stage_time_chart
from orgflow.charts.timeline import item_timeline_chart

__all__ = [
    "Link",
    "aging_chart",
    "blocked_chart",
    "cfd_chart",
    "cycle_time_chart",
    "distribution_chart",
    "item_timeline_chart",
    "plain",
    "stage_colors",
    "stage_map_chart",
    "stage_time_chart",
    "throughput_chart",
    "wip_chart",
]
