"""Build stored events again without validating them again: the rebuild's decoder.

Every stored row was validated when it was written (the aggregate built the event, the mapper
dumped it as canonical JSON), so a rebuild that reads a million of them need not run
pydantic's checks again. Here each event class gets a builder made once from its annotations:
one ``orjson`` pass, then only the conversions JSON cannot carry (ISO text to ``datetime`` and
``date``, lists to tuples, integral numbers to ``float``, nested values built with pydantic's
``model_construct``), and the event is made by setting its ``__dict__``, as the dataclass's
``__init__`` would. The events equal those the validating mapper builds
(``tests/unit/test_trusting_decoder.py`` compares them for every event of the catalogue).

Anything the builder is not sure of returns ``None`` and the caller takes the mapper's full
path: a row written at an older ``class_version`` (it needs upcasting), a field missing or not
in the class, a class whose construction does more than set fields, an annotation the builder
does not know. Reads that serve a clinical decision never come here: only read-model folds.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from uuid import UUID

import orjson
from eventsourcing.domain import DomainEvent
from pydantic import BaseModel

Build = Callable[[bytes, UUID | str, int], Any]
"""(stored JSON, originator id, originator version) -> the event, or None."""
Convert = Callable[[Any], Any]
_ENVELOPE = frozenset({"originator_id", "originator_version"})


class _Unsupported(TypeError):
    """An annotation this builder does not convert: the mapper's path decodes the class."""


class _Untrusted(ValueError):
    """A stored value this builder is not sure of: the mapper's path decodes the row."""


def _optional(inner: Convert) -> Convert:
    return lambda value: None if value is None else inner(value)


def _tuple_of(inner: Convert | None) -> Convert:
    if inner is None:
        return tuple
    return lambda values: tuple(map(inner, values))


_SCALARS: dict[Any, Convert | None] = {
    str: None, int: None, bool: None, type(None): None, float: float,
    datetime: datetime.fromisoformat, date: date.fromisoformat, UUID: UUID,
}


def converter(hint: Any) -> Convert | None:
    """How a JSON value becomes the annotated Python value (None: it already is)."""
    origin = get_origin(hint)
    if origin is Annotated:
        return converter(get_args(hint)[0])
    if origin is Literal:
        return None
    if hint in _SCALARS:
        return _SCALARS[hint]
    if origin in (Union, types.UnionType):
        others = [arg for arg in get_args(hint) if arg is not type(None)]
        if len(others) != 1:
            raise _Unsupported(hint)
        inner = converter(others[0])
        return None if inner is None else _optional(inner)
    if origin is tuple:
        args = get_args(hint)
        if len(args) != 2 or args[1] is not Ellipsis:  # noqa: PLR2004 - tuple[X, ...]
            raise _Unsupported(hint)
        return _tuple_of(converter(args[0]))
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return _model(hint)
    raise _Unsupported(hint)


@cache
def _model(cls: type[BaseModel]) -> Convert:
    """A nested value (``EventMeta``, ``Signature``) built without validation.

    What ``model_construct`` leaves (the fields in ``__dict__``, the names given as fields
    set, no extra, no private values), set directly: ``model_construct`` itself costs three
    times as much, and a rebuild builds one ``meta`` per event.
    """
    if cls.model_config.get("extra") == "allow" or cls.__private_attributes__:
        raise _Unsupported(cls)
    fields: list[tuple[str, Convert]] = []
    for name, info in cls.model_fields.items():
        convert = converter(info.annotation)
        if convert is not None:
            fields.append((name, convert))
    if any(info.default_factory is not None for info in cls.model_fields.values()):
        raise _Unsupported(cls)
    defaults = {name: info.default for name, info in cls.model_fields.items()
                if not info.is_required()}
    count = len(cls.model_fields)
    allowed = frozenset(cls.model_fields)
    new, set_attr = cls.__new__, object.__setattr__

    def build(values: dict[str, Any]) -> BaseModel:
        if not values.keys() <= allowed:
            raise _Untrusted(cls)
        for name, convert in fields:
            if name in values:
                values[name] = convert(values[name])
        given = set(values)
        if len(values) < count:
            values = defaults | values
        model = new(cls)
        set_attr(model, "__dict__", values)
        set_attr(model, "__pydantic_fields_set__", given)
        set_attr(model, "__pydantic_extra__", None)
        set_attr(model, "__pydantic_private__", None)
        return model

    return build


@cache
def trusting_builder(cls: type[Any]) -> Build | None:
    """The rebuild's builder of ``cls``, or None when the class needs the mapper's path."""
    if getattr(cls, "__post_init__", None) is not DomainEvent.__post_init__:
        return None
    missing = dataclasses.MISSING
    fields = [f for f in dataclasses.fields(cls) if f.init and f.name not in _ENVELOPE]
    if any(f.default_factory is not missing for f in fields):
        return None
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
        conversions = [(f.name, converter(hints[f.name])) for f in fields]
    except (NameError, _Unsupported):
        return None
    converting = [(name, convert) for name, convert in conversions if convert is not None]
    required = frozenset(f.name for f in fields if f.default is missing)
    allowed = frozenset({*(f.name for f in fields), "class_version"})
    defaults = {f.name: f.default for f in fields if f.default is not missing}
    target = getattr(cls, "class_version", 1)
    loads, new, set_attr = orjson.loads, object.__new__, object.__setattr__

    def build(data: bytes, originator_id: UUID | str, originator_version: int) -> Any:
        state: dict[str, Any] = loads(data)
        keys = state.keys()
        if not (required <= keys <= allowed) or state.pop("class_version", 1) != target:
            return None
        try:
            for name, convert in converting:
                if name in state:
                    state[name] = convert(state[name])
        except (_Untrusted, KeyError, TypeError, ValueError):
            return None
        if defaults:
            state = defaults | state
        state["originator_id"] = originator_id
        state["originator_version"] = originator_version
        event = new(cls)
        set_attr(event, "__dict__", state)  # frozen: what the dataclass __init__ would set
        return event

    return build
