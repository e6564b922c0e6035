"""A small declarative validator for the sections of `orgflow.yaml` and the live sources' settings.

A section is a frozen, keyword-only dataclass deriving from `Section`. Its fields' types say what each key
takes; `setting(...)` adds bounds, a minimum length and a check of the field's own; a section's `_check`
checks it as a whole once its fields are read. A section validates whether it is built from a mapping
(`read_section`, unknown keys refused) or by its constructor (`Stage(name=...)`, `dataclasses.replace`):
the constructor reads its arguments the same way, a default left as it is.

Values are read as a hand-written file means them:

- text (`str`): text (bytes as UTF-8), nothing else;
- a whole number (`int`): a whole number, true/false as 1/0, a number without fraction (2.0), text
  holding a whole number (" 30", "2_000", "3.0");
- a number (`float`): a number, true/false as 1.0/0.0, text holding a number ("2.5", "1e3", "inf");
- true/false (`bool`): true/false, 0/1 and the words true/false, yes/no, on/off, t/f, y/n, 1/0;
- one of some choices (`Literal[...]`): exactly one of them;
- a list (`tuple[X, ...]`): a list (a tuple or a set too), each item read as X;
- a mapping (`dict[K, V]`): each key read as K, each value as V;
- `X | None`: nothing, or X;
- a section: a mapping of its keys, or the section itself.

The first mistake raises `Invalid`, found in the order of the fields (a section's unknown keys after its
fields, its own `_check` last): what kind of mistake (`Invalid.kind`), where (`Invalid.location`: keys and
list positions from the section read), the value as written and a one-line message.

Past 400 lines: each kind of value above has its reader here, and they call one another (a list reads
its items, a mapping its keys and values, a section its fields), so they stay one module.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Literal, NamedTuple, TypeVar, Union, get_args, get_origin

S = TypeVar("S", bound="Section")


class Invalid(ValueError):
    """The first mistake found in a value.

    Attributes:
        kind: what is wrong: ``missing``, ``extra_forbidden`` (an unknown key), ``literal_error`` (not one
            of the choices), ``greater_than``, ``greater_than_equal``, ``less_than``, ``less_than_equal``
            (a bound), ``string_too_short``, ``value_error`` (a check's own words), or a value of the wrong
            kind: ``string_type``, ``int_type``, ``int_parsing``, ``int_from_float``, ``float_type``,
            ``float_parsing``, ``finite_number``, ``bool_type``, ``bool_parsing``, ``tuple_type``,
            ``dict_type``, ``model_type`` (not a mapping where a section belongs).
        location: the keys and list positions leading to the value, from the section read; a key of a
            mapping that is not of the keys' kind ends with ``"[key]"``.
        value: the value as written (for ``missing``: the mapping that lacks the key).
        message: the mistake in one line ("Input should be a valid integer", "Value error, ...").
        context: the limit of a bound (``{"gt": 0}``), the choices (``{"expected": "'a' or 'b'"}``).
    """

    def __init__(
        self, kind: str, value: Any, message: str, context: dict[str, Any] | None = None, location: tuple[Any, ...] = ()
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.value = value
        self.message = message
        self.context = context or {}
        self.location = location

    def __str__(self) -> str:
        where = ".".join(str(part) for part in self.location)
        return f"{where}: {self.message}" if where else self.message


class Rule(NamedTuple):
    """What `setting` adds to a field's type, checked after the value is read: a number must be above
    `gt`, at least `ge`, below `lt`, at most `le`; text at least `min_length` long; then `check` takes the
    value read and returns the value kept, or raises ValueError with the words of the mistake."""

    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    min_length: int | None = None
    check: Callable[[Any], Any] | None = None


def setting(
    default: Any = dataclasses.MISSING,
    *,
    factory: Callable[[], Any] | Any = dataclasses.MISSING,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    min_length: int | None = None,
    check: Callable[[Any], Any] | None = None,
) -> Any:
    """A field of a section with its default (or `factory` making one; neither: the key is required) and
    its `Rule`."""
    rule = Rule(gt=gt, ge=ge, lt=lt, le=le, min_length=min_length, check=check)
    return dataclasses.field(default=default, default_factory=factory, metadata={"rule": rule})


class Section:
    """A section of settings; subclasses are ``@dataclasses.dataclass(frozen=True, kw_only=True)``."""

    def __post_init__(self) -> None:
        for field in _fields(type(self)):
            value = self.__dict__[field.name]
            if value is field.default:  # a default is kept as it is, unread
                continue
            read = field.read(value)
            if read is not value:
                object.__setattr__(self, field.name, read)
        _check_whole(self)

    def _check(self) -> None:
        """The section's checks as a whole, after its fields are read: raise ValueError with the words of
        the mistake."""


def read_section(cls: type[S], data: Any) -> S:
    """A `cls` read from a mapping of its keys (a `cls` as it is).

    Raises:
        Invalid: the first mistake, located from `data`.
    """
    if isinstance(data, cls):
        return data
    if not isinstance(data, Mapping):
        name = cls.__name__
        raise Invalid(
            "model_type", data, f"Input should be a valid dictionary or instance of {name}", {"class_name": name}
        )
    section = object.__new__(cls)
    fields = _fields(cls)
    for field in fields:
        if field.name in data:
            value = field.read(data[field.name])
        elif field.factory is not None:
            value = field.factory()
        elif field.default is not dataclasses.MISSING:
            value = field.default
        else:
            raise Invalid("missing", data, "Field required", location=(field.name,))
        object.__setattr__(section, field.name, value)
    names = {field.name for field in fields}
    for key, value in data.items():
        if not isinstance(key, str):
            raise Invalid("invalid_key", key, "Keys should be strings", location=(key,))
        if key not in names:
            raise Invalid("extra_forbidden", value, "Extra inputs are not permitted", location=(key,))
    _check_whole(section)
    return section


def field_types(cls: type) -> dict[str, Any]:
    """A section's keys, in order, and their types."""
    return {field.name: field.annotation for field in _fields(cls)}


def is_section(annotation: Any) -> bool:
    """Whether a type is a section."""
    return isinstance(annotation, type) and issubclass(annotation, Section)


def plain(value: Any) -> Any:
    """A section (and what it holds) as JSON-ready values: a section as a mapping of its keys in order, a
    tuple as a list."""
    if isinstance(value, Section):
        return {field.name: plain(value.__dict__[field.name]) for field in _fields(type(value))}
    if isinstance(value, tuple | list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def to_json(section: Section) -> str:
    """A section as compact JSON, its keys in order: the same section always gives the same text."""
    return json.dumps(plain(section), separators=(",", ":"), ensure_ascii=False)


class _Field(NamedTuple):
    """A field of a section: its name, type, default (or factory) and rule."""

    name: str
    annotation: Any
    default: Any
    factory: Callable[[], Any] | None
    rule: Rule | None

    def read(self, value: Any) -> Any:
        """The value of this field read from `value` (Invalid located from the field)."""
        try:
            read = _read(value, self.annotation)
            if self.rule is not None:
                read = _apply(self.rule, value, read)
        except Invalid as error:
            error.location = (self.name, *error.location)
            raise
        return read


_FIELDS: dict[type, tuple[_Field, ...]] = {}


def _fields(cls: type) -> tuple[_Field, ...]:
    """A section's fields, their types resolved (once per class)."""
    fields = _FIELDS.get(cls)
    if fields is None:
        declared = dataclasses.fields(cls)
        # Types written as text (a module with `from __future__ import annotations`) are evaluated here.
        hints = typing.get_type_hints(cls) if any(isinstance(field.type, str) for field in declared) else {}
        fields = tuple(
            _Field(
                name=field.name,
                annotation=hints.get(field.name, field.type),
                default=field.default,
                factory=None if field.default_factory is dataclasses.MISSING else field.default_factory,
                rule=field.metadata.get("rule"),
            )
            for field in declared
        )
        _FIELDS[cls] = fields
    return fields


def _check_whole(section: Section) -> None:
    try:
        section._check()
    except ValueError as error:
        if isinstance(error, Invalid):
            raise
        raise Invalid("value_error", section, f"Value error, {error}", {"error": error}) from None


def _apply(rule: Rule, written: Any, value: Any) -> Any:
    """`value` (read from `written`) checked against `rule`; the value kept."""
    bounds = (  # the upper bounds first: NaN, outside every bound, is said to be above the upper one
        (rule.le, "le", "less_than_equal", "less than or equal to", lambda limit: value <= limit),
        (rule.lt, "lt", "less_than", "less than", lambda limit: value < limit),
        (rule.ge, "ge", "greater_than_equal", "greater than or equal to", lambda limit: value >= limit),
        (rule.gt, "gt", "greater_than", "greater than", lambda limit: value > limit),
    )
    for limit, key, kind, words, holds in bounds:
        if limit is not None and not holds(limit):
            raise Invalid(kind, written, f"Input should be {words} {limit}", {key: limit})
    if rule.min_length is not None and len(value) < rule.min_length:
        least = rule.min_length
        raise Invalid(
            "string_too_short",
            written,
            f"String should have at least {least} character{'' if least == 1 else 's'}",
            {"min_length": least},
        )
    if rule.check is not None:
        try:
            value = rule.check(value)
        except ValueError as error:
            raise Invalid("value_error", written, f"Value error, {error}", {"error": error}) from None
    return value


def _read(value: Any, annotation: Any) -> Any:
    """`value` read as a value of `annotation` (see the module's docstring)."""
    if annotation is str:
        return _text(value)
    if annotation is int:
        return _whole(value)
    if annotation is float:
        return _number(value)
    if annotation is bool:
        return _truth(value)
    if is_section(annotation):
        return read_section(annotation, value)
    origin = get_origin(annotation)
    if origin is tuple:
        return _items(value, get_args(annotation)[0])
    if origin is dict:
        return _mapping(value, *get_args(annotation))
    if origin is Literal:
        choices = get_args(annotation)
        if any(type(value) is type(choice) and value == choice for choice in choices):
            return value
        expected = _either(choices)
        raise Invalid("literal_error", value, f"Input should be {expected}", {"expected": expected})
    if origin in (Union, types.UnionType):
        options = [option for option in get_args(annotation) if option is not type(None)]
        if len(options) == 1:
            return None if value is None else _read(value, options[0])
    raise TypeError(f"a section cannot hold a value of type {annotation!r}")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            pass
        raise Invalid(
            "string_unicode", value, "Input should be a valid string, unable to parse raw data as a unicode string"
        )
    raise Invalid("string_type", value, "Input should be a valid string")


_WORDS = {"true": True, "yes": True, "on": True, "t": True, "y": True, "1": True}
_WORDS |= {"false": False, "no": False, "off": False, "f": False, "n": False, "0": False}
"""The words read as true/false, in any case (no surrounding spaces)."""


def _truth(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, bytes | bytearray):
        value = _text(value)
    if isinstance(value, str) and value.lower() in _WORDS:
        return _WORDS[value.lower()]
    if isinstance(value, int | str) or (isinstance(value, float) and value.is_integer() and -(2**63) <= value < 2**63):
        raise Invalid("bool_parsing", value, "Input should be a valid boolean, unable to interpret input")
    raise Invalid("bool_type", value, "Input should be a valid boolean")


def _whole(value: Any) -> int:
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Invalid("finite_number", value, "Input should be a finite number")
        if not value.is_integer():
            raise Invalid(
                "int_from_float", value, "Input should be a valid integer, got a number with a fractional part"
            )
        if not -(2**63) <= value < 2**63:
            raise Invalid(
                "int_parsing_size", value, "Unable to parse input string as an integer, exceeded maximum size"
            )
        return int(value)
    if isinstance(value, str):
        digits = _digits(value)
        if digits is not None:
            whole, point, zeros = digits.partition(".")  # "3.0" is whole, "3." and ".0" are not
            unsigned = whole[1:] if whole[:1] in ("+", "-") else whole
            if unsigned.isdigit() and (not point or (zeros and zeros.strip("0") == "")):
                return int(whole)
        raise Invalid("int_parsing", value, "Input should be a valid integer, unable to parse string as an integer")
    raise Invalid("int_type", value, "Input should be a valid integer")


def _number(value: Any) -> float:
    if isinstance(value, float):
        return value
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            raise Invalid("float_type", value, "Input should be a valid number") from None
    if isinstance(value, str):
        digits = _digits(value)
        if digits is not None:
            try:
                return float(digits)
            except ValueError:
                pass
        raise Invalid("float_parsing", value, "Input should be a valid number, unable to parse string as a number")
    raise Invalid("float_type", value, "Input should be a valid number")


def _digits(text: str) -> str | None:
    """A number written as text, without surrounding spaces and underscores between its digits; None when
    it holds anything but ASCII or misplaced underscores."""
    text = text.strip()
    if not text.isascii() or text.startswith("_") or text.endswith("_") or "__" in text:
        return None
    return text.replace("_", "")


def _items(value: Any, item: Any) -> tuple[Any, ...]:
    if not isinstance(value, list | tuple | set | frozenset):
        raise Invalid("tuple_type", value, "Input should be a valid tuple")
    items = []
    for index, each in enumerate(value):
        try:
            items.append(_read(each, item))
        except Invalid as error:
            error.location = (index, *error.location)
            raise
    return tuple(items)


def _mapping(value: Any, key_type: Any, item_type: Any) -> dict[Any, Any]:
    if not isinstance(value, Mapping):
        raise Invalid("dict_type", value, "Input should be a valid dictionary")
    mapping = {}
    for key, each in value.items():
        try:
            read_key = _read(key, key_type)
        except Invalid as error:
            error.location = (key, "[key]", *error.location)
            raise
        try:
            mapping[read_key] = _read(each, item_type)
        except Invalid as error:
            error.location = (key, *error.location)
            raise
    return mapping


def _either(choices: tuple[Any, ...]) -> str:
    """Choices as a message lists them: "'a', 'b' or 'c'"."""
    quoted = [repr(choice) for choice in choices]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
