"""What every canonical record shares: its table, its key and its parent (for replace-on-import)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class RecordSpec:
    """How a record class is stored.

    Attributes:
        table: the store table name.
        key: columns that identify one row; an import upserts by them.
        parent: for child records (transitions of an item, files of a commit), the columns naming the
            parent, matched in order against the key of `parent_table`. Importing a parent replaces all
            its children, so a re-import never leaves stale rows.
        parent_table: the table of the parent record, for child records.
    """

    table: str
    key: tuple[str, ...]
    parent: tuple[str, ...] = ()
    parent_table: str | None = None


class Record:
    """Base of canonical records. Subclasses are frozen dataclasses with a `spec`."""

    spec: ClassVar[RecordSpec]
