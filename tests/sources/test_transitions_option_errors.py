"""The transitions CSV importer's option errors speak the command line's words: `--strict-statuses` (not the
Python name), and a `--map` target that is no field is an error listing the fields, raised before any file is
read (an unknown target would otherwise leave the column out and fail later, or not at all)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgflow.config import Config
from orgflow.errors import InputError
from orgflow.model.work import WorkItem
from orgflow.sources import transitions_csv

FIELDS = "item_id, timestamp, to_status, from_status, team, type, created, title"


def _load(path: Path, text: str, **options: object) -> None:
    path.write_text(text, encoding="utf-8")
    transitions_csv.load([path], config=Config(), options=options)


def test_strict_statuses_is_named_as_the_option(tmp_path: Path) -> None:
    text = "item_id,timestamp,to_status\nA,2024-01-01T00:00:00Z,Open\nA,2024-01-02T00:00:00Z,Parked\n"
    with pytest.raises(InputError) as caught:
        _load(tmp_path / "x.csv", text, strict_statuses=True)
    assert str(caught.value) == (
        f"{tmp_path / 'x.csv'}: line 3: to_status: status 'Parked' is in no stage of workflow 'default'; "
        "add it to a stage of that workflow in orgflow.yaml, or import without --strict-statuses"
    )


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        (["kep_id=itemid"], "unknown field 'itemid' in --map kep_id=itemid"),
        # The first wrong pair, after right ones; a mapping (the Python API) is checked alike.
        (["kep_id=item_id", "when=time"], "unknown field 'time' in --map when=time"),
        ({"kep_id": "item_id", "sig": "owning_sig"}, "unknown field 'owning_sig' in --map sig=owning_sig"),
    ],
)
def test_a_map_target_that_is_no_field_lists_the_fields(tmp_path: Path, pairs: object, message: str) -> None:
    with pytest.raises(InputError) as caught:  # the file does not exist: the option fails first
        transitions_csv.load([tmp_path / "absent.csv"], config=Config(), options={"map": pairs})
    assert (caught.value.message, caught.value.field, caught.value.hint) == (message, "map", f"the fields are {FIELDS}")


def test_every_field_is_a_valid_target(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("k,t,s,f,g,y,c,n\nA,2024-01-01T00:00:00Z,Open,,alpha,Story,2024-01-01T00:00:00Z,first\n")
    pairs = dict(zip(["k", "t", "s", "f", "g", "y", "c", "n"], FIELDS.split(", "), strict=True))
    (item,) = transitions_csv.load([path], config=Config(), options={"map": pairs}).records[WorkItem]
    assert (item.source_id, item.team_id, item.item_type, item.title, item.status) == (
        "A",
        "alpha",
        "Story",
        "first",
        "Open",
    )
