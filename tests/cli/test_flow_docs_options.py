"""The documents promise the options the flow commands take: README's list of the window's exceptions,
and docs/metrics.md's options of a figure that has no command."""

from __future__ import annotations

import re
from pathlib import Path

from orgflow import registry

ROOT = Path(__file__).resolve().parents[2]


def _flow_figures() -> tuple[registry.Figure, ...]:
    return registry.figures("flow")


def test_readme_names_every_flow_command_without_a_window() -> None:
    without = sorted(figure.command_name for figure in _flow_figures() if figure.command and not figure.window)
    assert without == ["age", "sle"]
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "all but `flow age` and `flow sle`, which show the open items as of `--now`, take the window" in text


def test_a_figure_without_a_command_documents_no_command_option() -> None:
    metrics = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    checked = []
    for figure in _flow_figures():
        if figure.command:
            continue
        section = re.search(rf"^## {re.escape(figure.name)}\n(.*?)(?=^## )", metrics, re.S | re.M)
        assert section is not None, figure.name
        options = re.search(r"\*\*Options\.\*\*(.*?)(?:\n\n|\Z)", section.group(1), re.S)
        assert options is not None, figure.name
        assert "--" not in options.group(1) or "no command" in options.group(1), (figure.name, options.group(1))
        checked.append(figure.name)
    assert "time-in-stage" in checked
