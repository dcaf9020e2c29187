"""Build typed events from stored JSON bytes in one pydantic-core pass per row.

Validating into the event class (``TypeAdapter(cls).validate_python``) after ``orjson.loads``
costs about 6x the parse alone, and half of that is not validation: it is building the dict
in Python, then running the frozen dataclass's ``__init__`` (one ``object.__setattr__`` per
field). Here each event class gets a ``TypedDict`` of its stored fields, validated straight
from the JSON bytes (same annotations, so the same types and the same checks: a mistyped,
missing or unknown field still fails), and the event is built by setting its ``__dict__``,
which is what the dataclass ``__init__`` would leave.

Only rows written at the class's current ``class_version`` take this path. Anything else (an
older version that needs upcasting, a row that fails validation, a class whose construction
does more than set fields) returns ``None``, and the mapper takes its full path, which upcasts
and words the error.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, NotRequired
from uuid import UUID

from eventsourcing.domain import DomainEvent
from pydantic import ConfigDict, TypeAdapter, ValidationError
from typing_extensions import TypedDict

EventDecoder = Callable[[bytes, UUID | str, int], Any]
"""(stored JSON, originator id, originator version) -> the event, or None."""
_ENVELOPE = frozenset({"originator_id", "originator_version"})
_TYPED_DICT: Any = TypedDict  # called with a computed name, which type checkers refuse


@cache
def event_decoder(cls: type[Any]) -> EventDecoder | None:
    """The one-pass decoder of ``cls``, or None when the class needs the full path."""
    if getattr(cls, "__post_init__", None) is not DomainEvent.__post_init__:
        return None  # construction may do more than set fields
    missing = dataclasses.MISSING
    fields = [f for f in dataclasses.fields(cls) if f.init and f.name not in _ENVELOPE]
    if any(f.default_factory is not missing for f in fields):
        return None  # a fresh default per event: leave it to the dataclass
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except NameError:
        return None
    target = getattr(cls, "class_version", 1)
    annotations: dict[str, Any] = {
        f.name: hints[f.name] if f.default is missing else NotRequired[hints[f.name]]
        for f in fields
    }
    annotations["class_version"] = NotRequired[int]
    stored = _TYPED_DICT(f"Stored{cls.__name__}", annotations)
    stored.__pydantic_config__ = ConfigDict(extra="forbid")
    validate: Callable[[bytes], dict[str, Any]] = TypeAdapter(stored).validate_json
    defaults = {f.name: f.default for f in fields if f.default is not missing}
    set_attr = object.__setattr__

    def decode(data: bytes, originator_id: UUID | str, originator_version: int) -> Any:
        try:
            state = validate(data)
        except ValidationError:
            return None
        if state.pop("class_version", 1) != target:
            return None
        if defaults:
            state = defaults | state
        state["originator_id"] = originator_id
        state["originator_version"] = originator_version
        event = object.__new__(cls)
        set_attr(event, "__dict__", state)  # frozen: what the dataclass __init__ would set
        return event

    return decode
