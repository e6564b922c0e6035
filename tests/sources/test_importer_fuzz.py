"""Every importer, fuzzed: any input either imports well-typed records or fails with a clear InputError,
and a failed import leaves the workspace byte for byte as it was.

Inputs are mutations of one valid sample per importer and format (`importer_samples.SAMPLES`): a value
swapped for another type, a huge text, a NUL, an odd time zone or an out-of-range instant; a key
removed; a cell added or dropped; the text cut, spliced or emptied; the file gzipped, gzipped and
corrupted, or not UTF-8; YAML tags and deep nesting.

Two levels, for run time: the importer alone (milliseconds an input) on many inputs, with every record
of a successful import checked against its declared types; and through an open workspace (a successful
import writes and rebuilds the stored facts, about 0.3 s) on fewer. "Unchanged" is checked on the bytes of
every file in the workspace folder (the DuckDB file, its write-ahead log, where a commit lands first, and
the config), hashed before and after each failed import. Derandomized, without an example database: CI
sees the same inputs on every run.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.sources.importer_samples import SAMPLES, Sample, check_error, load, replaced, serialize, value_paths

import orgflow
from orgflow import InputError, Workspace
from orgflow.cli import importing
from orgflow.sources import importers

IMPORTER_EXAMPLES = 120
"""Inputs per sample for the importer alone."""
WORKSPACE_EXAMPLES = 12
"""Inputs per sample through a workspace."""
HUGE = "x" * 140_000  # past the csv module's 131,072-character cell limit
EDGE_INSTANTS = (
    "9999-12-31T23:00:00-05:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59.999999+00:00",
    "0001-01-01T00:00:00Z",
    "2024-02-30T00:00:00Z",
    "2024-03-01T09:00:00+23:59",
    "2024-03-01T09:00:00-23:59",
    "2024-03-01T09:00:00+24:00",
    "2024-03-01T09:00:00",
    "2024-03-01",
    "2024-03-01T09:00:00+0530",
    "yesterday",
    "",
)
ODD_TEXTS = ("", " ", "a\x00b", "\x00", HUGE, "[/bold]", "[red]x", "=cmd|' /C calc'!A0", '"', "\n", "\u2028", "é")
WHOLE_FILES = (
    "",
    "   \n\n",
    "\ufeff",
    "null",
    "[]",
    "{}",
    "5",
    "[" * 100_000,
    "a: " + "[" * 100_000,
    "[" * 50_000 + "]" * 50_000,
    "people: " + "[" * 50_000 + "]" * 50_000,
    '{"issues": ' + "[" * 50_000 + "]" * 50_000 + "}",
    "!!python/object/apply:os.system ['echo owned']\n",
    "kind: !!python/object/apply:os.system ['echo owned']\nmetadata: {name: x}\n",
    "people:\n  - !!python/name:os.system {}\n",
    "x" * 140_000 + "\n",
    '"unclosed,quote\n' + "y" * 140_000 + "\n",
)


def _instants() -> st.SearchStrategy[str]:
    """Edge instants, and timestamps anywhere in years 1-9999 with any offset within a day."""
    generated = st.builds(
        lambda moment, minutes: (
            f"{moment:%Y-%m-%dT%H:%M:%S}{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02}:{abs(minutes) % 60:02}"
        ),
        st.datetimes(),
        st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1),
    )
    return st.one_of(st.sampled_from(EDGE_INSTANTS), generated)


ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.just(10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(ODD_TEXTS),
    _instants(),
    st.text(max_size=8),
    st.lists(st.sampled_from(("a", 1, None)), max_size=3),
    st.dictionaries(st.sampled_from(("name", "key", "login")), st.sampled_from(("a", 5, None)), max_size=2),
)
ODD_CELLS = st.one_of(st.sampled_from(ODD_TEXTS), _instants(), st.text(max_size=8))


@st.composite
def _structured(draw: st.DrawFn, sample: Sample) -> str:
    """The sample with one value, cell or line replaced (or removed, or added), as text."""
    content = sample.content
    if sample.format == "csv":
        rows = [list(row) for row in content]
        row = draw(st.integers(0, len(rows) - 1))
        column = draw(st.integers(0, len(rows[row]) - 1))
        action = draw(st.sampled_from(("replace", "replace", "extra", "short")))
        if action == "replace":
            rows[row][column] = draw(ODD_CELLS)
        elif action == "extra":
            rows[row].append("surplus")
        else:
            rows[row] = rows[row][:column]
        return serialize(sample, rows)
    if sample.format == "text":
        lines = content.split("\n")
        position = draw(st.integers(0, len(lines) - 1))
        odd = draw(st.one_of(ODD_CELLS, st.text(max_size=12)))
        if draw(st.booleans()):
            lines[position] = odd
        else:
            lines.insert(position, odd)
        return "\n".join(lines)
    path = draw(st.sampled_from(value_paths(content)))
    if draw(st.integers(0, 4)) == 0:
        return serialize(sample, replaced(content, path, None, delete=True))
    return serialize(sample, replaced(content, path, draw(ODD_VALUES)))


@st.composite
def _raw(draw: st.DrawFn, sample: Sample) -> str:
    """A whole odd file, or the sample's text cut short or with junk spliced in."""
    text = serialize(sample, sample.content)
    choice = draw(st.integers(0, 2))
    if choice == 0:
        return draw(st.sampled_from(WHOLE_FILES))
    position = draw(st.integers(0, len(text)))
    if choice == 1:
        return text[:position]
    junk = draw(
        st.one_of(
            st.sampled_from(("\x00", '"', "\n", "{", "]", ":", "\t", "- ", "&a *a", "!!binary", "\ud800")),
            st.text(max_size=4),
        )
    )
    return text[:position] + junk + text[position:]


class _File:
    """One generated input file; its repr stays short, as inputs can be 100 kB."""

    def __init__(self, data: bytes, name: str) -> None:
        self.data = data
        self.name = name

    def __repr__(self) -> str:
        more = "..." if len(self.data) > 80 else ""
        return f"_File({self.name!r}, {len(self.data)} bytes: {self.data[:80]!r}{more})"

    def write(self, folder: Path) -> Path:
        for old in folder.iterdir():
            old.unlink()
        path = folder / self.name
        path.write_bytes(self.data)
        return path


def _inputs(sample: Sample) -> st.SearchStrategy[_File]:
    """A file: text as UTF-8, or as gzip (intact or corrupted), or bytes that are not UTF-8."""

    @st.composite
    def build(draw: st.DrawFn) -> _File:
        text = draw(st.one_of(_structured(sample), _raw(sample)))
        data = text.encode("utf-8", "surrogatepass")
        packing = draw(st.sampled_from(("plain", "plain", "plain", "gzip", "corrupt-gzip", "latin-1")))
        if packing == "gzip":
            return _File(gzip.compress(data, mtime=0), sample.file_name + ".gz")
        if packing == "corrupt-gzip":
            packed = bytearray(gzip.compress(data, mtime=0))
            cut = draw(st.integers(10, len(packed) - 1))
            packed[cut] ^= 0xFF
            return _File(bytes(packed[: draw(st.integers(cut, len(packed)))]), sample.file_name + ".gz")
        if packing == "latin-1":
            return _File(b"\xff\xfe" + data, sample.file_name)
        return _File(data, sample.file_name)

    return build()


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


def _empty(data: bytes, name: str) -> bool:
    """Whether a file holds nothing but white space (after un-gzipping, when that works)."""
    try:
        text = gzip.decompress(data) if name.endswith(".gz") else data
    except (OSError, EOFError, zlib.error):
        return False
    return not text.strip()


SAMPLE_IDS = [sample.name for sample in SAMPLES]


@pytest.mark.parametrize("sample", SAMPLES, ids=SAMPLE_IDS)
def test_importer_fuzz(sample: Sample, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp(sample.name)

    @_settings(IMPORTER_EXAMPLES)
    @given(_inputs(sample))
    def check(input_file: _File) -> None:
        outcome = load(sample, input_file.write(folder))
        if _empty(input_file.data, input_file.name):
            assert isinstance(outcome, InputError), "an empty file must be reported"

    check()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = orgflow.init(tmp_path_factory.mktemp("fuzz") / "ws")
    yield ws
    ws.close()


def _digest(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in folder.iterdir() if path.is_file()}


@pytest.mark.parametrize("sample", SAMPLES, ids=SAMPLE_IDS)
def test_workspace_fuzz(sample: Sample, workspace: Workspace, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp(sample.name)

    @_settings(WORKSPACE_EXAMPLES)
    @given(_inputs(sample))
    def check(input_file: _File) -> None:
        path = input_file.write(folder)
        before = _digest(workspace.directory)
        try:
            workspace.import_files(sample.importer, [path], options=dict(sample.options))
        except InputError as error:
            check_error(error, path)
            assert _digest(workspace.directory) == before, str(error)[:600]

    check()


def test_the_valid_samples_import(workspace: Workspace, tmp_path: Path) -> None:
    """The seeds themselves import, so the fuzz starts from inputs that work."""
    for sample in SAMPLES:
        path = tmp_path / sample.file_name
        path.write_text(serialize(sample, sample.content), encoding="utf-8")
        load(sample, path)
        counts = workspace.import_files(sample.importer, [path], options=dict(sample.options))
        assert counts.new + counts.changed + counts.unchanged > 0, sample.name


def test_every_importer_and_import_command_is_fuzzed() -> None:
    covered = {sample.importer for sample in SAMPLES}
    assert set(importers()) <= covered, "add a sample to tests/sources/importer_samples.py"
    commands = {
        (command.name or command.callback.__name__).replace("_", "-")
        for command in importing.app.registered_commands
        if command.callback is not None
    }
    assert commands <= covered, "add a sample to tests/sources/importer_samples.py"
