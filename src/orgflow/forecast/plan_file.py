"""Reading a plan of initiatives from YAML or CSV; every error names the file, the line and the field.

YAML::

    start: 2024-07-01            # optional; default: the day after the history
    initiatives:
      - name: Checkout v2
        priority: 1              # optional; lower goes first; default: order in the file
        teams: {payments: 30, web: [WEB-1, WEB-2]}   # item counts, or the items themselves
        depends_on: [Identity]   # optional; starts when these are finished
        target: 2024-10-01       # optional; gives the probability of meeting it
        scope_growth: [0.0, 0.3] # optional; fraction of items added, uniform in the range per trial
        split_rate: [1.0, 1.5]   # optional; items each item becomes, uniform in the range per trial

CSV: one row per initiative and team, columns ``initiative, team, items`` and optionally
``priority, depends_on, target, scope_growth_min, scope_growth_max, split_rate_min, split_rate_max``;
``items`` is a count or item keys separated by spaces or semicolons, ``depends_on`` names separated by
semicolons. Initiative-level columns may be left empty on all but one row of an initiative.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from orgflow.errors import InputError

_SEPARATORS = re.compile(r"[\s;,]+")


@dataclass(frozen=True)
class Initiative:
    """One initiative: items per team, its place in the priority order, what it waits for and its target.

    `scope_growth` (fraction added) and `split_rate` (items per item) are (low, high) ranges sampled
    uniformly in each trial; each team's items become ceil(items x (1 + growth) x split).
    """

    name: str
    items_by_team: dict[str, int]
    priority: float
    depends_on: tuple[str, ...] = ()
    target: date | None = None
    scope_growth: tuple[float, float] = (0.0, 0.0)
    split_rate: tuple[float, float] = (1.0, 1.0)
    line: int | None = None
    team_lines: dict[str, int] = field(default_factory=dict)

    @property
    def items(self) -> int:
        """Items over all its teams, before scope growth and splitting."""
        return sum(self.items_by_team.values())


@dataclass(frozen=True)
class Plan:
    """Initiatives in file order, the file they came from (for error messages) and an optional start date."""

    initiatives: tuple[Initiative, ...]
    file: str | None = None
    start: date | None = None

    def teams(self) -> list[str]:
        """Every team named by the plan, sorted."""
        return sorted({team for initiative in self.initiatives for team in initiative.items_by_team})

    def error(
        self, message: str, initiative: Initiative | None, field_name: str, *, line: int | None = None
    ) -> InputError:
        """An InputError located at the initiative's line (or `line`)."""
        where = line if line is not None else (initiative.line if initiative else None)
        return InputError(message, file=self.file, record=f"line {where}" if where else None, field=field_name)


def load_plan(path: Path | str) -> Plan:
    """Read a plan from a `.yaml`/`.yml` or `.csv` file.

    Raises:
        InputError: unreadable file or an invalid entry (file, line and field named).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot read the plan ({error.strerror})", file=str(path)) from None
    if path.suffix.lower() == ".csv":
        return parse_plan_csv(text, file=str(path))
    return parse_plan_yaml(text, file=str(path))


def _fail(message: str, file: str | None, line: int | None, field_name: str | None) -> InputError:
    return InputError(message, file=file, record=f"line {line}" if line else None, field=field_name)


def _date(value: Any, file: str | None, line: int | None, field_name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise _fail(f"not a date ({value!r}); use YYYY-MM-DD", file, line, field_name) from None


def _range(value: Any, default: tuple[float, float], *, floor: float, file: str | None, line: int | None, name: str):
    if value is None or value == "":
        return default
    parts = value if isinstance(value, list | tuple) else [value, value]
    try:
        low, high = (float(part) for part in parts)
    except (TypeError, ValueError):
        raise _fail(f"expected a number or [low, high], got {value!r}", file, line, name) from None
    if low > high or low <= floor:
        raise _fail(f"expected low <= high, both above {floor:g} (got {low:g}, {high:g})", file, line, name)
    return (low, high)


def _count(value: Any, file: str | None, line: int | None, field_name: str) -> int:
    """An item count, or the number of item keys listed."""
    if isinstance(value, bool):
        raise _fail(f"expected a count or a list of items, got {value!r}", file, line, field_name)
    if isinstance(value, int):
        count = value
    elif isinstance(value, list | tuple):
        count = len(value)
    else:
        text = str(value).strip()
        count = int(text) if text.isdigit() else len([part for part in _SEPARATORS.split(text) if part])
    if count < 0:
        raise _fail(f"a count cannot be negative ({value!r})", file, line, field_name)
    return count


def _names(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(part).strip() for part in value if str(part).strip())
    return tuple(part.strip() for part in str(value).split(";") if part.strip())


def _key_lines(node: yaml.Node | None, key: str) -> tuple[int | None, yaml.Node | None]:
    """The line of `key` in a mapping node and its value node."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key:
                return key_node.start_mark.line + 1, value_node
    return None, None


def parse_plan_yaml(text: str, *, file: str | None = None) -> Plan:
    """A plan from YAML text (format in the module docstring)."""
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise _fail("not valid YAML", file, mark.line + 1 if mark else None, None) from None
    if not isinstance(data, dict) or not isinstance(data.get("initiatives"), list):
        raise _fail("a plan is a mapping with a list of `initiatives`", file, 1, "initiatives")
    _, sequence = _key_lines(root, "initiatives")
    nodes = sequence.value if isinstance(sequence, yaml.SequenceNode) else []
    initiatives = []
    for position, entry in enumerate(data["initiatives"]):
        node = nodes[position] if position < len(nodes) else None
        line = node.start_mark.line + 1 if node is not None else None
        where = f"initiatives[{position}]"
        if not isinstance(entry, dict):
            raise _fail("an initiative is a mapping (name, teams, …)", file, line, where)
        unknown = set(entry) - {"name", "teams", "priority", "depends_on", "target", "scope_growth", "split_rate"}
        if unknown:
            raise _fail(f"unknown key {sorted(unknown)[0]!r}", file, line, f"{where}.{sorted(unknown)[0]}")
        name = str(entry.get("name") or "").strip()
        if not name:
            raise _fail("an initiative needs a name", file, line, f"{where}.name")
        teams = entry.get("teams")
        teams_line, teams_node = _key_lines(node, "teams")
        if not isinstance(teams, dict) or not teams:
            raise _fail(
                "`teams` maps each team to an item count or its items", file, teams_line or line, f"{name}.teams"
            )
        items_by_team, team_lines = {}, {}
        for team, value in teams.items():
            team_line = _key_lines(teams_node, str(team))[0] or teams_line
            items_by_team[str(team)] = _count(value, file, team_line, f"{name}.teams.{team}")
            team_lines[str(team)] = team_line
        priority = entry.get("priority", position + 1)
        if isinstance(priority, bool) or not isinstance(priority, int | float):
            raise _fail(f"priority is a number (got {priority!r})", file, line, f"{name}.priority")
        initiatives.append(
            Initiative(
                name=name,
                items_by_team=items_by_team,
                priority=float(priority),
                depends_on=_names(entry.get("depends_on")),
                target=_date(entry.get("target"), file, line, f"{name}.target"),
                scope_growth=_range(
                    entry.get("scope_growth"), (0.0, 0.0), floor=-1, file=file, line=line, name=f"{name}.scope_growth"
                ),
                split_rate=_range(
                    entry.get("split_rate"), (1.0, 1.0), floor=0, file=file, line=line, name=f"{name}.split_rate"
                ),
                line=line,
                team_lines=team_lines,
            )
        )
    start_line, _ = _key_lines(root, "start")
    return Plan(tuple(initiatives), file, _date(data.get("start"), file, start_line, "start"))


def parse_plan_csv(text: str, *, file: str | None = None) -> Plan:
    """A plan from CSV text: one row per initiative and team (columns in the module docstring)."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"initiative", "team", "items"} - set(reader.fieldnames or [])
    if missing:
        raise _fail(f"missing column {sorted(missing)[0]!r}", file, 1, sorted(missing)[0])
    gathered: dict[str, dict[str, Any]] = {}
    for row in reader:
        line = reader.line_num
        name = (row.get("initiative") or "").strip()
        team = (row.get("team") or "").strip()
        if not name or not team:
            raise _fail("every row needs an initiative and a team", file, line, "initiative" if not name else "team")
        entry = gathered.setdefault(name, {"line": line, "teams": {}, "team_lines": {}, "fields": {}})
        if team in entry["teams"]:
            raise _fail(f"team {team!r} appears twice for {name!r}", file, line, "team")
        entry["teams"][team] = _count(row.get("items") or "0", file, line, "items")
        entry["team_lines"][team] = line
        for column in (
            "priority",
            "depends_on",
            "target",
            "scope_growth_min",
            "scope_growth_max",
            "split_rate_min",
            "split_rate_max",
        ):
            value = (row.get(column) or "").strip()
            if not value:
                continue
            known = entry["fields"].get(column)
            if known is not None and known[0] != value:
                raise _fail(f"{column} of {name!r} differs from line {known[1]} ({known[0]!r})", file, line, column)
            entry["fields"][column] = (value, line)
    initiatives = []
    for position, (name, entry) in enumerate(gathered.items()):
        fields = {column: value for column, (value, _) in entry["fields"].items()}
        line = entry["line"]
        try:
            priority = float(fields.get("priority", position + 1))
        except ValueError:
            raise _fail(f"priority is a number (got {fields['priority']!r})", file, line, "priority") from None
        growth = [fields.get("scope_growth_min"), fields.get("scope_growth_max")]
        split = [fields.get("split_rate_min"), fields.get("split_rate_max")]
        initiatives.append(
            Initiative(
                name=name,
                items_by_team=entry["teams"],
                priority=priority,
                depends_on=_names(fields.get("depends_on")),
                target=_date(fields.get("target"), file, line, "target"),
                scope_growth=_range(_pair(growth), (0.0, 0.0), floor=-1, file=file, line=line, name="scope_growth"),
                split_rate=_range(_pair(split), (1.0, 1.0), floor=0, file=file, line=line, name="split_rate"),
                line=line,
                team_lines=entry["team_lines"],
            )
        )
    if not initiatives:
        raise _fail("the plan has no initiatives", file, 1, "initiative")
    return Plan(tuple(initiatives), file)


def _pair(values: list[str | None]) -> list[str] | None:
    """[low, high] from two optional cells (one given: a fixed value)."""
    present = [value for value in values if value]
    if not present:
        return None
    return [values[0] or values[1], values[1] or values[0]]  # type: ignore[list-item]
