"""What every page's layout needs: the filter bar's choices, the navigation, and the response."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from orgflow.config import FLOW_TYPES
from orgflow.flow.browse import item_types
from orgflow.views.context import Context
from orgflow.views.filters import WINDOW_CHOICES
from orgflow.web import assets
from orgflow.web.rendering import templates


def page(request: Request, template: str, context: Context, **data: Any) -> HTMLResponse:
    """Render `template` with the layout's data (filters, choices, navigation) and `data`."""
    hub = context.hub
    tree = context.tree
    types = hub.query("item_types", item_types)
    layout = {
        "filters": context.filters,
        "path": request.url.path,
        "window_choices": [(key, "all time" if key == "all" else f"last {key} days") for key in WINDOW_CHOICES],
        "type_choices": [*FLOW_TYPES[:-1], *[t for t in types if t.casefold() not in FLOW_TYPES]],
        "phase_choices": context.phases,
        "stage_choices": [stage.stage for stage in context.stages],
        "team_choices": [(team.group_id, team.name) for team in tree.teams()],
        "clusters": tree.clusters(),
        "tree": tree,
        "missing_assets": assets.missing(),
    }
    return templates.TemplateResponse(request, template, {**layout, **data})
