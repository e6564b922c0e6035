"""A single-file HTML report of the organization, its clusters and its teams (`orgflow report`).

The report renders the dashboard's views (`orgflow.views`) with the charts as inline SVG (via
vl-convert), inline CSS and no script or URL, so it opens offline and can be mailed or attached.
"""

from orgflow.report.document import build_report

__all__ = ["build_report"]
