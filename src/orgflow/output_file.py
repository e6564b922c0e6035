"""Writing a file the user named (a report, a model): checked before the work, written whole or not at all.

`check_output_file` says what is wrong with the path before anything is computed: a folder where a file
is expected, or a folder that does not exist (it is not created: a mistyped path should not leave new
folders behind). `write_output_text` writes through a temporary file in the same folder, renamed over
the target, so a failure leaves no half-written file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from orgflow.errors import InputError


def check_output_file(path: Path | str, *, field: str) -> Path:
    """`path` as a file that can be written: it is not a folder and its folder exists.

    Raises:
        InputError: `path` is a folder, or its folder does not exist or is not a folder (naming `field`,
            the option that gave it, and the path).
    """
    target = Path(path)
    if target.is_dir():
        raise InputError(
            f"{str(target)!r} is a folder, not a file",
            field=field,
            hint=f"name the file to write, such as {str(target / 'NAME')!r}",
        )
    folder = target.parent
    if not folder.exists():
        raise InputError(
            f"the folder {str(folder)!r} does not exist", field=field, hint="create it first, or choose another path"
        )
    if not folder.is_dir():
        raise InputError(f"{str(folder)!r} is not a folder", field=field, hint="choose another path")
    return target


def write_output_text(path: Path | str, text: str, *, field: str) -> Path:
    """Write `text` (UTF-8) to `path` whole, or leave it as it was: through a temporary file in the same
    folder, renamed over `path`.

    Raises:
        InputError: as `check_output_file`.
    """
    target = check_output_file(path, field=field)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o666 & ~_umask())  # as a plain open() would make it (mkstemp's is 0o600)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    """The process's file mode creation mask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
