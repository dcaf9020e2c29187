"""Build stored events again without validating them again: the rebuild's decoder.

Every stored row was validated when it was written (the aggregate built the event, the mapper
dumped it as canonical JSON), so a rebuild that reads a million of them need not run
pydantic's checks again. Here each event class gets a builder made once from its annotations:
msgspec decodes the stored JSON straight into a struct mirroring the class (times, dates,
tuples and floats made in C as it parses, nested pydantic values as structs of their own,
about twice as fast as parsing to dictionaries), then nested values become their pydantic
models as ``model_construct`` leaves them and the event is made by setting its ``__dict__``,
as the dataclass's ``__init__`` would. The events equal those the validating mapper builds
(``tests/unit/test_trusting_decoder.py`` compares them for every event of the catalogue).

Anything the builder is not sure of returns ``None`` and the caller takes the mapper's full
path: a row written at another ``class_version`` (it needs upcasting), a field missing or not
in the class, a value of the wrong JSON type or that does not parse, a class whose
construction does more than set fields, an annotation the builder does not know. Reads that
serve a clinical decision never come here: only read-model folds.
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

import msgspec
from eventsourcing.domain import DomainEvent
from pydantic import BaseModel

Build = Callable[[bytes, UUID | str, int], Any]
"""(stored JSON, originator id, originator version) -> the event, or None."""
Convert = Callable[[Any], Any]
_ENVELOPE = frozenset({"originator_id", "originator_version"})
_SCALARS = frozenset({str, int, bool, float, type(None), datetime, date, UUID})
_as_dict = msgspec.structs.asdict


class _Unsupported(TypeError):
    """An annotation this builder does not decode: the mapper's path decodes the class."""


def mirror(hint: Any) -> Any:
    """The type msgspec decodes a value of ``hint`` into (a struct for a pydantic model)."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is Annotated:
        return mirror(args[0])
    if origin is Literal or hint in _SCALARS:
        return hint
    if origin in (Union, types.UnionType):
        others = [arg for arg in args if arg is not type(None)]
        if len(others) != 1:
            raise _Unsupported(hint)
        return mirror(others[0]) | None
    if origin is tuple:
        if len(args) != 2 or args[1] is not Ellipsis:  # noqa: PLR2004 - tuple[X, ...]
            raise _Unsupported(hint)
        return tuple[mirror(args[0]), ...]  # type: ignore[misc]
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return _model_struct(hint)
    raise _Unsupported(hint)


def converter(hint: Any) -> Convert | None:
    """How a decoded value of ``hint`` becomes the annotated value (None: it already is)."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is Annotated:
        return converter(args[0])
    if origin in (Union, types.UnionType):
        inner = converter(next(arg for arg in args if arg is not type(None)))
        return None if inner is None else (lambda value: None if value is None else inner(value))
    if origin is tuple:
        each = converter(args[0])
        return None if each is None else (lambda values: tuple(map(each, values)))
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return _model(hint)
    return None


@cache
def _model_struct(cls: type[BaseModel]) -> type[msgspec.Struct]:
    """The struct of a nested pydantic value; a field with a default is ``UNSET`` when the
    stored JSON leaves it out (so the model's fields set is what validation would give)."""
    if cls.model_config.get("extra") == "allow" or cls.__private_attributes__ or any(
            info.default_factory is not None for info in cls.model_fields.values()):
        raise _Unsupported(cls)
    return msgspec.defstruct(
        f"Stored{cls.__name__}",
        [(name, mirror(info.annotation)) if info.is_required() else
         (name, mirror(info.annotation) | msgspec.UnsetType, msgspec.UNSET)
         for name, info in cls.model_fields.items()],
        forbid_unknown_fields=True, gc=False)


@cache
def _model(cls: type[BaseModel]) -> Convert:
    """A nested value built without validation: what ``model_construct`` leaves (the fields
    in ``__dict__``, the names given as fields set, no extra, no private values), set
    directly (``model_construct`` itself costs three times as much)."""
    _model_struct(cls)
    converting = [(name, convert) for name, info in cls.model_fields.items()
                  if (convert := converter(info.annotation)) is not None]
    defaults = {name: info.default for name, info in cls.model_fields.items()
                if not info.is_required()}
    new, set_attr, unset = cls.__new__, object.__setattr__, msgspec.UNSET

    def build(stored: msgspec.Struct) -> BaseModel:
        values = _as_dict(stored)
        given = set(values)
        for name, default in defaults.items():
            if values[name] is unset:
                values[name] = default
                given.discard(name)
        for name, convert in converting:
            values[name] = convert(values[name])
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
        struct = msgspec.defstruct(
            f"Stored{cls.__name__}",
            [*((f.name, mirror(hints[f.name])) if f.default is missing else
               (f.name, mirror(hints[f.name]), f.default) for f in fields),
             ("class_version", int, 1)],
            forbid_unknown_fields=True, gc=False)
        decode = msgspec.json.Decoder(struct).decode
        converting = [(f.name, convert) for f in fields
                      if (convert := converter(hints[f.name])) is not None]
    except (NameError, TypeError):  # _Unsupported, or a type msgspec does not take
        return None
    target = getattr(cls, "class_version", 1)
    new, set_attr = object.__new__, object.__setattr__
    failed = (msgspec.ValidationError, msgspec.DecodeError)

    def build(data: bytes, originator_id: UUID | str, originator_version: int) -> Any:
        try:
            state = _as_dict(decode(data))
        except failed:
            return None
        if state.pop("class_version") != target:
            return None
        for name, convert in converting:
            state[name] = convert(state[name])
        state["originator_id"] = originator_id
        state["originator_version"] = originator_version
        event = new(cls)
        set_attr(event, "__dict__", state)  # frozen: what the dataclass __init__ would set
        return event

    return build
