"""What writing one event class's canonical bytes takes, worked out once per class.

The mapper (``store.mapper``) writes an event with pydantic's serialiser and orjson. Two facts
about a class make that quicker, both read from its annotations:

- which top-level fields may hold a datetime or a float (``loose``): only there can a local
  time, NaN or an integral float be, which the mapper checks and normalises; pydantic itself
  refuses a datetime or a float in an ``int``, ``str``, ``bool``, ``date``, UUID, tuple or
  model field when it dumps the event;
- whether pydantic's Python values written by orjson are the bytes its JSON mode would give
  (``python_mode``): so for every type orjson writes itself (datetimes with ``Z``), but not
  for a float below the top level, where an int given for a float stays an int in Python mode
  while JSON mode writes ``24.0``; nor for a type not known here (a ``timedelta``, a
  ``Decimal``), which pydantic's JSON mode writes in its own way.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Literal, Union
from uuid import UUID

from pydantic import BaseModel, TypeAdapter

ENVELOPE = ("originator_id", "originator_version")
"""The fields the store keeps in columns of their own, not in the stored state."""
_STRICT = frozenset({int, str, bool, date, UUID})


@cache
def adapter(cls: Any) -> TypeAdapter[Any]:
    """Building a TypeAdapter costs milliseconds; reuse one per event class."""
    return TypeAdapter(cls)


@dataclass(frozen=True)
class EventLayout:
    adapter: TypeAdapter[Any]
    loose: tuple[str, ...] | None
    """The top-level fields a datetime or a float may be in (None: any field)."""
    class_version: int
    python_mode: bool
    """Whether pydantic's Python values, written by orjson, are the canonical bytes."""


@cache
def event_layout(cls: Any) -> EventLayout:
    made = EventLayout(adapter(cls), None, getattr(cls, "class_version", 1), python_mode=False)
    if not dataclasses.is_dataclass(cls):
        return made  # check every field, write in JSON mode
    hints = typing.get_type_hints(cls, include_extras=True)
    fields = [f.name for f in dataclasses.fields(cls) if f.name not in ENVELOPE]
    return dataclasses.replace(
        made, loose=tuple(name for name in fields if not _strict(hints.get(name, Any))),
        python_mode=not any(_float_below(hints.get(name, Any), top=True) for name in fields))


def _strict(hint: Any) -> bool:
    """Whether pydantic refuses a datetime and a float in a field of this type."""
    origin = typing.get_origin(hint)
    if origin is Annotated:
        return _strict(typing.get_args(hint)[0])
    if origin in (Union, types.UnionType):
        return all(_strict(arg) for arg in typing.get_args(hint))
    return origin is tuple or hint is type(None) or hint in _STRICT or (
        isinstance(hint, type) and issubclass(hint, BaseModel))


def _float_below(hint: Any, *, top: bool = False, seen: frozenset[Any] = frozenset()) -> bool:
    """Whether a float, or a type not known here, may sit below the top level of a field."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Annotated:
        return _float_below(args[0], top=top, seen=seen)
    if origin in (Union, types.UnionType):
        return any(_float_below(arg, top=top, seen=seen) for arg in args)
    if origin in (tuple, list, dict):
        return any(_float_below(arg, seen=seen) for arg in args if arg is not Ellipsis)
    if isinstance(hint, type) and issubclass(hint, BaseModel) and hint not in seen:
        inner = typing.get_type_hints(hint, include_extras=True)
        return any(_float_below(inner[name], seen=seen | {hint}) for name in hint.model_fields)
    known = (origin is Literal or hint is type(None) or hint in _STRICT or hint is datetime
             or hint in seen)
    return not top if hint is float else not known
