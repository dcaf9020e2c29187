"""A stored event class mirrored as msgspec structs: its JSON decoded with attribute access.

An integration event that reshapes values (``fields_of`` or ``from_event`` of its own) reads
a catalogue event's attributes, nested values included (``relationship.closeness``,
``signature.signer``). Decoding the stored JSON into structs that mirror the event class gives
it those attributes at C speed, where a pydantic decode would validate everything again:
nested pydantic values become nested structs, every other value stays the plain JSON value it
is stored as (text for dates, lists for tuples), which is what the integration event writes.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Annotated, Any, Union

import msgspec
from pydantic import BaseModel

COLUMNS = ("originator_id", "originator_version")
"""Envelope fields the store keeps in columns, not in the stored JSON."""


class Meta(msgspec.Struct, gc=False):
    """What the envelope takes of the command's meta."""

    correlation_id: str


@cache
def stored_struct(event_class: type[Any]) -> type[msgspec.Struct]:
    """The struct of ``event_class``'s stored JSON: its fields, the two times as text, the
    command's correlation id, and the class version (1 when the row names none)."""
    hints = typing.get_type_hints(event_class, include_extras=True)
    names = [field.name for field in dataclasses.fields(event_class)
             if field.name not in (*COLUMNS, "timestamp", "occurred_at", "meta")]
    return msgspec.defstruct(f"Stored{event_class.__name__}", [
        *((name, _mirror(hints[name])) for name in names),
        ("occurred_at", str), ("timestamp", str), ("meta", Meta), ("class_version", int, 1)],
        gc=False)


def _mirror(hint: Any) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Annotated:
        return _mirror(args[0])
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return _model_struct(hint)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:  # noqa: PLR2004
        return tuple[_mirror(args[0]), ...]  # type: ignore[misc]
    if origin in (Union, types.UnionType):
        mirrored = [_mirror(arg) for arg in args]
        if any(isinstance(m, type) and issubclass(m, msgspec.Struct) for m in mirrored):
            return Union[tuple(mirrored)]  # noqa: UP007 - built from a tuple of types
    return Any


@cache
def _model_struct(model: type[BaseModel]) -> type[msgspec.Struct]:
    hints = typing.get_type_hints(model, include_extras=True)
    return msgspec.defstruct(f"Stored{model.__name__}", [
        (name, _mirror(hints[name])) for name in model.model_fields], gc=False)
