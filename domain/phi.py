"""Which fields identify or describe a client: one marker on the fields, one function to list them.

A field is marked ``Annotated[..., PHI]`` where it is declared (``domain/values.py``,
``domain/pathway/events.py``), and ``phi_paths`` lists the marked fields of an event class as dotted
paths (``relationships[].alias``), so the broker relay, encryption and exports read one list
instead of each keeping its own. Marked: references to the client and the people who sign for
them, the client's age, and short texts about the client and their relationships. Clinical
times are not marked: every event has them, and shifting dates for an export is a policy over
all times rather than a list of fields.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Final, Union

from pydantic import BaseModel


@dataclass(frozen=True)
class PersonalHealthInformation:
    """Marks a field that identifies or describes a client (metadata only: no validation, no
    change to the JSON schema or the stored bytes)."""


PHI: Final = PersonalHealthInformation()


@cache
def phi_paths(model: type[Any]) -> tuple[str, ...]:
    """The dotted paths of the fields of ``model`` (an event class or a value model) marked
    ``PHI``, nested values included; ``[]`` stands for every item of a tuple."""
    hints = typing.get_type_hints(model, include_extras=True)
    return tuple(path for name in _field_names(model)
                 for path in _paths(name, hints[name]))


def _field_names(model: type[Any]) -> list[str]:
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    if dataclasses.is_dataclass(model):
        return [field.name for field in dataclasses.fields(model)]
    msg = f"{model!r} is neither a pydantic model nor a dataclass"
    raise TypeError(msg)


def _paths(path: str, hint: Any) -> list[str]:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Annotated:
        if any(isinstance(mark, PersonalHealthInformation) for mark in args[1:]):
            return [path]
        return _paths(path, args[0])
    if origin in (Union, types.UnionType):
        return _unique(p for arg in args for p in _paths(path, arg))
    if origin is tuple:
        items = args[:1] if len(args) == 2 and args[1] is Ellipsis else args  # noqa: PLR2004
        return _unique(p for item in items for p in _paths(f"{path}[]", item))
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return [f"{path}.{inner}" for inner in phi_paths(hint)]
    return []


def _unique(paths: typing.Iterable[str]) -> list[str]:
    return list(dict.fromkeys(paths))
