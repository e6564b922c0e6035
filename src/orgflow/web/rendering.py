"""The Jinja2 templates of the pages: the web's own and the ones it shares with the report
(`orgflow.views.formatting`), with the formatting filters they use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from fastapi.templating import Jinja2Templates

from orgflow.views.formatting import TEMPLATES_DIR as SHARED_TEMPLATES
from orgflow.views.formatting import days_between, format_cell, format_instant

TEMPLATES_DIR = Path(__file__).parent / "templates"

templates = Jinja2Templates(directory=[TEMPLATES_DIR, SHARED_TEMPLATES])


def _dumps(value: Any, **_options: Any) -> str:
    """JSON for `tojson` (chart specs run to hundreds of KB): orjson, about ten times faster."""
    return orjson.dumps(value).decode("utf-8")


templates.env.policies["json.dumps_function"] = _dumps
templates.env.filters["cell"] = format_cell
templates.env.filters["instant"] = format_instant
templates.env.globals["days_between"] = days_between
