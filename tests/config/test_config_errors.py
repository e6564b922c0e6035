"""A hand-written orgflow.yaml that pydantic rejects gets a plain error: the file, the line of the key, the key,
what was expected (with an example) and what was written, never pydantic's "Extra inputs are not permitted" or
"Input should be a valid tuple". One case per kind of mistake a hand-written file can hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgflow.config import load_config
from orgflow.errors import InputError

TOP_KEYS = "timezone, phases, workflows, flow_types, teams, value_streams, github, thresholds, org, sources"
STAGE = "workflows:\n  - name: jira\n    stages:\n      - {name: Doing, phase: Create, category: active%s}\n"


def _error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "orgflow.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_config(path)
    return str(raised.value).removeprefix(f"{path}: ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An unknown key: its own line (a block value starts below it), the closest known key, all of them.
        (
            "timezone: UTC\nworkflow:\n  - name: jira\n",
            f"line 2: workflow: unknown key 'workflow'; did you mean 'workflows'? (the keys at the top level are "
            f"{TOP_KEYS})",
        ),
        (
            "zzz: 1\n",
            f"line 1: zzz: unknown key 'zzz'; the keys at the top level are {TOP_KEYS}",
        ),
        (
            "org:\n  design: {team_size_mx: 7}\n",
            "line 2: org.design.team_size_mx: unknown key 'team_size_mx' in org.design; did you mean 'team_size_max'? "
            "(the keys in org.design are team_size_min, team_size_max, span_of_control_max, cluster_teams_min, "
            "cluster_teams_max, dunbar_cluster, dunbar_area, stability_min, churn_share_max, window_days, "
            "allocation_max, teams_per_person_max)",
        ),
        # Text where a list belongs.
        (
            STAGE % ", statuses: Open",
            "line 4: workflows.0.stages.0.statuses: expected a list of statuses, e.g. [Open, Reopened], "
            "got the text 'Open'; for one, write [Open]",
        ),
        (
            "org: {attribution: project}\n",
            "line 1: org.attribution: expected a list of rules, e.g. [component, project], got the text 'project'; "
            "for one, write [project]",
        ),
        (
            "flow_types: {defect: Bug}\n",
            "line 1: flow_types.defect: expected a list of item types, e.g. [Story, Bug], got the text 'Bug'; "
            "for one, write [Bug]",
        ),
        (
            "phases:\n",
            "line 1: phases: expected a list of phases, e.g. [Ideate, Create, Release, Operate], got nothing",
        ),
        # A list or a number where text or a mapping belongs.
        ("timezone: [UTC]\n", "line 1: timezone: expected text, got a list"),
        ("teams: {AMQ: 3}\n", "line 1: teams.AMQ: expected text, got the number 3"),
        ("teams: {1: x}\n", "line 1: teams.1: expected text as the key, got the number 1"),
        (
            "teams: [AMQ]\n",
            "line 1: teams: expected a mapping of names to values, e.g. {AMQ: messaging}, got a list",
        ),
        (
            "value_streams: {checkout: [payments]}\n",
            "line 1: value_streams.checkout: expected a mapping with the keys groups, got a list",
        ),
        # Numbers: not a number, not whole, out of range, and true/false (which pydantic would read as 1).
        (
            "thresholds: {sle_items: many}\n",
            "line 1: thresholds.sle_items: expected a whole number, got the text 'many'",
        ),
        ("thresholds: {sle_items: 2.5}\n", "line 1: thresholds.sle_items: expected a whole number, got the number 2.5"),
        ("thresholds:\n  sle_items: true\n", "line 2: thresholds.sle_items: expected a whole number, got true"),
        ("thresholds: {growth_share: no}\n", "line 1: thresholds.growth_share: expected a number, got false"),
        (
            "thresholds: {sle_percentile: 120}\n",
            "line 1: thresholds.sle_percentile: must be below 100, got the number 120",
        ),
        (
            "org: {design: {team_size_min: 0}}\n",
            "line 1: org.design.team_size_min: must be at least 1, got the number 0",
        ),
        # true/false.
        (
            STAGE % ", blocked: maybe",
            "line 4: workflows.0.stages.0.blocked: expected true or false, got the text 'maybe'",
        ),
        ("timezone: yes\n", "line 1: timezone: expected text, got true"),
        # A missing required key.
        (
            "workflows:\n  - name: jira\n    stages:\n      - {name: Doing, category: active}\n",
            "line 4: workflows.0.stages.0.phase: the required key 'phase' is missing; add `phase: ...` (text)",
        ),
        (
            "workflows:\n  - name: jira\n",
            "line 2: workflows.0.stages: the required key 'stages' is missing; add `stages: ...` (a list of stages, "
            "e.g. [{name: Doing, phase: Create, category: active, statuses: [In Progress]}])",
        ),
        # A value outside its allowed set: every allowed one, and the closest.
        (
            "workflows:\n  - name: jira\n    stages:\n      - {name: Doing, phase: Create, category: activ}\n",
            "line 4: workflows.0.stages.0.category: the text 'activ' is not allowed here: use one of backlog, active, "
            "wait, done, cancelled; did you mean 'active'?",
        ),
        (
            "org: {attribution: [team]}\n",
            "line 1: org.attribution.0: the text 'team' is not allowed here: use one of component, project, person",
        ),
        (
            "sources:\n  - {name: a, kind: jir, url: 'https://x', query: q}\n",
            "line 2: sources.0.kind: the text 'jir' is not allowed here: use one of jira, github, gitlab; "
            "did you mean 'jira'?",
        ),
        # Errors the config's own checks raise keep their words, without pydantic's "Value error, ".
        (
            "workflows:\n  - name: jira\n    stages:\n"
            "      - {name: A, phase: Create, category: active, statuses: [Open]}\n"
            "      - {name: B, phase: Create, category: wait, statuses: [open]}\n",
            "line 2: workflows.0: status 'open' is in stages 'A' and 'B'",
        ),
        (
            "sources:\n  - {name: '', kind: jira, url: 'https://x', query: q}\n",
            "line 2: sources.0.name: must not be empty",
        ),
    ],
)
def test_a_mistake_is_said_plainly(tmp_path: Path, text: str, expected: str) -> None:
    assert _error(tmp_path, text) == expected


def test_true_where_a_number_belongs_is_not_read_as_one(tmp_path: Path) -> None:
    """pydantic alone reads `sle_items: true` as 1; a number written as text or as 2.0 still reads."""
    path = tmp_path / "orgflow.yaml"
    path.write_text("thresholds: {sle_items: '30', sle_percentile: 90.0}\n", encoding="utf-8")
    thresholds = load_config(path).thresholds
    assert (thresholds.sle_items, thresholds.sle_percentile) == (30, 90.0)
