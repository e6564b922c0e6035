"""A kept query's entry in orgflow.queries.json: read back exactly, refused (so compiled again) when its
schema is not an Arrow message, and an error naming the file when a framed schema cannot be read."""

from __future__ import annotations

import base64

import pyarrow as pa
import pytest

from orgflow.errors import InputError
from orgflow.query.compiled_sql import CompiledQuery
from orgflow.store.query_file import _decoded, _encoded

SCHEMA = pa.schema([("team", pa.string()), ("items", pa.int64())])


def _entry(schema_bytes: bytes) -> dict[str, object]:
    return {"fragments": ["SELECT ", " AS x"], "labels": ["since"], "schema": base64.b64encode(schema_bytes).decode()}


def test_an_entry_reads_back_the_query_it_was_written_from() -> None:
    query = CompiledQuery(("SELECT ", " AS x"), ("since",), SCHEMA)
    read = _decoded(_encoded(query))
    assert (read.fragments, read.labels) == (("SELECT ", " AS x"), ("since",))
    assert read.schema.equals(SCHEMA)
    assert _encoded(read) == _encoded(query)


@pytest.mark.parametrize("junk", [b"not arrow at all", b"\xff\xff\xff\xff\x40\x00\x00\x00short"])
def test_a_schema_that_is_not_an_arrow_message_is_refused(junk: bytes) -> None:
    with pytest.raises(ValueError, match="not an Arrow schema"):
        _decoded(_entry(junk))


def test_a_framed_schema_that_cannot_be_read_names_the_file() -> None:
    query = _decoded(_entry(b"\xff\xff\xff\xff\x08\x00\x00\x00" + b"\x00" * 8))
    with pytest.raises(InputError) as raised:
        _ = query.schema
    assert raised.value.file == "orgflow.queries.json"
    assert raised.value.message.startswith("a kept query's schema is unreadable (")
