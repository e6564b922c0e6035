"""The `sources:` list of orgflow.yaml is validated with the rest of the config (errors name the line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgflow.config import load_config
from orgflow.errors import InputError


def test_live_sources_are_read_into_settings(tmp_path: Path) -> None:
    path = tmp_path / "orgflow.yaml"
    path.write_text(
        "sources:\n"
        "  - {name: apache, kind: jira, url: https://issues.apache.org/jira/, query: project = AMQ, token_env: T}\n",
        encoding="utf-8",
    )
    (source,) = load_config(path).sources
    assert (source.name, source.kind, source.url, source.query, source.token_env) == (
        "apache",
        "jira",
        "https://issues.apache.org/jira",
        "project = AMQ",
        "T",
    )


def test_a_bad_source_names_the_file_line_and_entry(tmp_path: Path) -> None:
    path = tmp_path / "orgflow.yaml"
    path.write_text(
        "thresholds: {small_sample: 10}\n"
        "sources:\n"
        "  - {name: a, kind: github, url: https://api.github.com, query: o/r}\n"
        "  - {name: b, kind: jira, url: ftp://jira, query: q}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as raised:
        load_config(path)
    text = str(raised.value)
    assert str(path) in text and "line 4" in text and "sources.1.url" in text and "not an http(s) URL" in text
