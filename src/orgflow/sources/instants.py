"""Timestamps parsed a column at a time, exactly as a row-by-row reader's Python parser reads them.

The common shape, ``YYYY-MM-DDTHH:MM:SS[.f]`` with 1 to 6 fraction digits and ``Z`` or an offset
``+HH:MM`` / ``+HHMM``, is parsed by Arrow. For those texts Arrow's instant equals what Python's
``datetime.fromisoformat`` gives, converted to UTC: the pattern bounds hours, minutes, seconds and the
offset as Python does, and a day that does not exist makes Arrow fail (so the caller falls back).
Years 0000 and instants outside years 1-9999 once in UTC, which Python rejects, and every other shape
(a date alone, white space, a comma fraction, garbage) are handed to the row reader's own parser, once
per distinct text; its error, if any, propagates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

COMMON_SHAPE = r"^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)$"
FIRST_MICROS = -62_135_596_800_000_000
"""0001-01-01T00:00:00 UTC in microseconds since 1970."""
LAST_MICROS = 253_402_300_799_999_999
"""9999-12-31T23:59:59.999999 UTC in microseconds since 1970."""
_EPOCH = "1970-01-01T00:00:00Z"


class ShapeRejected(Exception):
    """A text of the common shape that Arrow would not read (a day that does not exist)."""


def parse_instants(texts: pa.Array, parse_one: Callable[[str], datetime]) -> pa.Array:
    """`texts` (no nulls) as naive UTC ``timestamp[us]`` values.

    Args:
        texts: the cells, as read.
        parse_one: the row reader's parser of one text to an aware instant; raises on a bad one.

    Raises:
        ShapeRejected: a text of the common shape is not a real instant (the caller falls back).
        whatever `parse_one` raises, for the first distinct text it cannot read.
    """
    common = pc.and_(pc.match_substring_regex(texts, COMMON_SHAPE), pc.invert(pc.starts_with(texts, "0000")))
    try:
        parsed = pc.cast(pc.if_else(common, texts, _EPOCH), pa.timestamp("us", tz="UTC"))
    except pa.ArrowInvalid:
        raise ShapeRejected from None
    micros = parsed.cast(pa.int64()).to_numpy(zero_copy_only=False)
    done = common.to_numpy(zero_copy_only=False) & (micros >= FIRST_MICROS) & (micros <= LAST_MICROS)
    if not done.all():
        rest = pc.unique(texts.filter(pa.array(~done)))
        instants = [parse_one(text) for text in rest.to_pylist()]
        values = np.array([_micros(instant) for instant in instants], dtype=np.int64)
        positions = pc.fill_null(pc.index_in(texts, value_set=rest), 0).to_numpy(zero_copy_only=False)
        micros = np.where(done, micros, values[positions])
    return pa.array(micros, pa.int64()).cast(pa.timestamp("us"))


def _micros(instant: datetime) -> int:
    """An aware instant as microseconds since 1970-01-01 UTC."""
    delta = instant.astimezone(UTC).replace(tzinfo=None) - datetime(1970, 1, 1)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
