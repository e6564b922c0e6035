"""The web dashboard and JSON API (`orgflow serve`): FastAPI, Jinja2 pages with HTMX, Vega-Lite charts.

`orgflow.web.app.create_app(directory)` builds the app over a read-only workspace. Pages and the
static report share `orgflow.views`; charts come from `orgflow.charts`.
"""
