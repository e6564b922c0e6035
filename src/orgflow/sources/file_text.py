"""A saved export's bytes and text, read whole: un-gzipped when its name ends in .gz, decoded as UTF-8.

Every reader here fails with an `InputError` naming the file (and the line where one is known) for
anything a user can fix: an unreadable file, one not gzip-compressed although named ``.gz``, a
truncated or corrupt gzip stream, text that is not UTF-8, an empty file, a NUL byte.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

from orgflow.errors import InputError


def read_text(path: Path) -> str:
    """The file's text, un-gzipped when it ends in .gz.

    Raises:
        InputError: unreadable, a corrupt gzip, not UTF-8, empty, or holding a NUL byte (named by line).
    """
    text = _decode(read_bytes(path), path)
    if "\r" in text and not path.name.endswith(".gz"):
        # Plain files were always read with universal newlines (gzipped ones never were): keep that.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError("a NUL byte (\\0) in the text", file=str(path), record=f"line {line}", hint=_NUL_HINT)
    return text


def read_bytes(path: Path) -> bytes:
    """The file's bytes, un-gzipped when it ends in .gz.

    Raises:
        InputError: unreadable, a corrupt gzip, or empty (nothing but white space).
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read the file ({error.strerror or error})", file=str(path)) from None
    if path.name.endswith(".gz"):
        data = _gunzipped(data, path)
    if not data or data.isspace():
        raise InputError(
            "empty file: no records", file=str(path), hint="export again; an import needs at least one record"
        )
    return data


GZIP_MAGIC = b"\x1f\x8b"
"""The two bytes every gzip stream starts with."""


def _gunzipped(data: bytes, path: Path) -> bytes:
    """`data` of a file named ``*.gz``, decompressed.

    Raises:
        InputError: not gzip at all, cut short, or corrupt, each in words and with what to do.
    """
    file = str(path)
    if data and not data.startswith(GZIP_MAGIC):
        raise InputError(
            "the file is not gzip-compressed although its name ends in .gz",
            file=file,
            hint="if it is plain text, drop the .gz from its name; else compress it with gzip",
        )
    try:
        return _gunzip(data)
    except EOFError:
        raise InputError(
            "the file ends before its gzip stream does: it is truncated", file=file, hint="export it again"
        ) from None
    except (OSError, zlib.error) as error:
        raise InputError(
            f"cannot read the file ({error})", file=file, hint="the gzip data is corrupt: export it again"
        ) from None


def _gunzip(data: bytes) -> bytes:
    """`gzip.decompress(data)`, in one pass for a file of one member.

    ISA-L's inflater (``isal``, zlib's interface, about three times faster) reads the gzip header and
    checks the CRC and length while it inflates, where `gzip.decompress` checks the CRC in a second
    pass over the text. Anything but one whole member (several members, a truncated one, a header it
    refuses) goes to `gzip.decompress`, which decides and words the error.
    """
    from isal import isal_zlib

    inflater = isal_zlib.decompressobj(wbits=16 + isal_zlib.MAX_WBITS)
    try:
        text = inflater.decompress(data)
    except isal_zlib.error:
        return gzip.decompress(data)
    if not inflater.eof or inflater.unused_data.lstrip(b"\x00"):
        return gzip.decompress(data)
    return text


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(
            f"not UTF-8 text ({error.reason} at byte {error.start})",
            file=str(path),
            record=f"line {line}",
            hint="save the file as UTF-8",
        ) from None


_NUL_HINT = "remove NUL bytes (is this a binary file?)"
