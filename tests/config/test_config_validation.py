"""The config's validator (`orgflow.config.validation`): values read as a hand-written file means them, the
first mistake located by its keys (field mistakes before unknown keys), constructors checked like files, and
the JSON text of a config or a live source's settings."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from orgflow.config import Config, Stage, Thresholds, config_json, validate_config
from orgflow.config.validation import Invalid
from orgflow.sources.connectors.settings import SourceSettings, source_from_json, source_json


def test_numbers_are_read_as_written_and_defaults_are_kept_as_they_are() -> None:
    thresholds = validate_config(
        {"thresholds": {"sle_items": " 1_000 ", "small_sample": 7.0, "growth_share": "1e-1", "sle_percentile": 90}}
    ).thresholds
    read = (thresholds.sle_items, thresholds.small_sample, thresholds.growth_share, thresholds.sle_percentile)
    assert read == (1000, 7, 0.1, 90.0)
    assert [type(value) for value in read] == [int, int, float, float]
    # A default is not read: 85 stays the whole number it is written as.
    assert type(Thresholds().sle_percentile) is int and Thresholds().sle_percentile == 85
    stage = (
        validate_config(
            {
                "workflows": [
                    {"name": "w", "stages": [{"name": "S", "phase": "P", "category": "wait", "blocked": "Yes"}]}
                ]
            }
        )
        .workflows[0]
        .stages[0]
    )
    assert (stage.blocked, stage.statuses) == (True, ())


@pytest.mark.parametrize(
    ("data", "kind", "location", "message"),
    [
        # A field's mistake comes before an unknown key of the same mapping, wherever each is written.
        (
            {"zzz": 1, "workflows": [{"name": "w", "stages": [{"name": "S", "phase": "P", "category": "x"}]}]},
            "literal_error",
            ("workflows", 0, "stages", 0, "category"),
            "Input should be 'backlog', 'active', 'wait', 'done' or 'cancelled'",
        ),
        ({"zzz": 1, "timezone": "UTC"}, "extra_forbidden", ("zzz",), "Extra inputs are not permitted"),
        ({"teams": {1: "x"}}, "string_type", ("teams", 1, "[key]"), "Input should be a valid string"),
        ({"thresholds": {1: "x"}}, "invalid_key", ("thresholds", 1), "Keys should be strings"),
        # NaN is outside both bounds: said against the upper one.
        (
            {"thresholds": {"sle_percentile": math.nan}},
            "less_than",
            ("thresholds", "sle_percentile"),
            "Input should be less than 100",
        ),
        (
            {"thresholds": {"sle_items": "3."}},
            "int_parsing",
            ("thresholds", "sle_items"),
            "Input should be a valid integer, unable to parse string as an integer",
        ),
        ({"value_streams": {"v": {}}}, "missing", ("value_streams", "v", "groups"), "Field required"),
        (
            {"workflows": [{"name": "w", "stages": [{"name": "S", "phase": "P", "category": "done"}] * 2}]},
            "value_error",
            ("workflows", 0),
            "Value error, stage names must be unique",
        ),
        ({"github": []}, "model_type", ("github",), "Input should be a valid dictionary or instance of GithubMapping"),
    ],
)
def test_the_first_mistake_is_located_by_its_keys(data: dict, kind: str, location: tuple, message: str) -> None:
    with pytest.raises(Invalid) as raised:
        validate_config(data)
    assert (raised.value.kind, raised.value.location, raised.value.message) == (kind, location, message)


def test_constructors_read_and_check_their_arguments_as_a_file_is() -> None:
    assert Config(thresholds={"small_sample": "4"}).thresholds == Thresholds(small_sample=4)
    assert Config(phases=["A", "B"]).phases == ("A", "B")
    with pytest.raises(Invalid) as raised:
        Stage(name="a", phase="b", category="activ")  # type: ignore[arg-type]
    assert (raised.value.kind, raised.value.location) == ("literal_error", ("category",))
    with pytest.raises(Invalid) as raised:
        dataclasses.replace(Thresholds(), sle_items=0)
    assert str(raised.value) == "sle_items: Input should be greater than or equal to 1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        Thresholds().sle_items = 3  # type: ignore[misc]


def test_the_json_of_a_config_is_all_of_it_in_order() -> None:
    text = config_json(Config())
    assert text.startswith('{"timezone":"UTC","phases":["Ideate","Create","Release","Operate"],"workflows":[],')
    assert list(json.loads(text)) == [field.name for field in dataclasses.fields(Config)]
    assert json.loads(text)["thresholds"]["sle_percentile"] == 85
    assert config_json(Config()) == text
    assert config_json(Config(thresholds={"sle_percentile": 50})) != text


def test_a_live_source_reads_back_from_its_json() -> None:
    settings = SourceSettings(name="a", kind="gitlab", url="https://gitlab.com/", query="acme/shop", page_size="50")  # type: ignore[arg-type]
    text = source_json(settings)
    assert text == (
        '{"name":"a","kind":"gitlab","url":"https://gitlab.com","query":"acme/shop","token_env":null,'
        '"user_env":null,"overlap_minutes":10.0,"page_size":50,"deployment":"auto",'
        '"include":["merge_requests","deployments"]}'
    )
    assert source_from_json(text) == settings
