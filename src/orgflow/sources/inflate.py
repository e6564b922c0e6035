"""A saved export's text in blocks, a gzipped one inflated in a thread while the caller reads the blocks
before (ISA-L's inflater lets go of Python's lock while it works, so the two run on two cores).

It reads what `orgflow.sources.file_text.read_bytes` reads in one piece, or raises `Unreadable` where that
would fail or read it another way (an unreadable file; a gzip file that is not one whole member, which
`read_bytes` hands to `gzip.decompress`): the caller then leaves the file to a reader that words it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path

BLOCK = 1 << 20
"""Compressed bytes inflated at a time (about 8 MB of text for a Jira export)."""


class Unreadable(Exception):
    """A file `inflated_blocks` does not read as `read_bytes` would."""


_END = b""
_FAILED = None


def inflated_blocks(path: Path) -> Iterator[bytes]:
    """The text of `path` in order, in blocks (never empty); a ``.gz`` file inflated as the blocks are read.

    Raises:
        Unreadable: see the module's docstring.
    """
    try:
        data = path.read_bytes()
    except OSError:
        raise Unreadable from None
    if not path.name.endswith(".gz"):
        if data:
            yield data
        return
    blocks: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    stop = threading.Event()
    thread = threading.Thread(target=_inflate, args=(data, blocks, stop), name="orgflow-inflate", daemon=True)
    thread.start()
    try:
        while (block := blocks.get()) != _END:
            if block is _FAILED:
                raise Unreadable
            yield block
    finally:
        stop.set()
        thread.join()


def _inflate(data: bytes, blocks: queue.SimpleQueue[bytes | None], stop: threading.Event) -> None:
    """Put the inflated blocks of the gzip `data` on `blocks`, then `_END` (or `_FAILED`: not one whole
    member, or corrupt); stops early when `stop` is set."""
    from isal import isal_zlib

    inflater = isal_zlib.decompressobj(wbits=16 + isal_zlib.MAX_WBITS)
    try:
        for start in range(0, len(data), BLOCK):
            if stop.is_set():
                return
            block = inflater.decompress(data[start : start + BLOCK])
            if block:
                blocks.put(block)
    except isal_zlib.error:
        blocks.put(_FAILED)
        return
    whole = inflater.eof and not inflater.unused_data.lstrip(b"\x00")
    blocks.put(_END if whole else _FAILED)
