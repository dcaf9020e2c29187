"""A pathway's state as a plain JSON document, and what changed between two of them.

The document is every field the events built (``PathwayState``), walked generically so a field
added to the state shows up without a change here, plus the values derived from them (phase,
sessions held and left). Idempotency records are left out: they say how commands were retried,
not what the clinic knows. Times are ISO 8601 in UTC.

A change is one path that differs: dict keys joined with dots, list items indexed
(``sessions[3]``); a list of plain values (``contract.foci``) is one value, a list of records
changes item by item, so a new session is one ``added`` change, not five.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel

from domain.group.aggregate import Group
from domain.pathway.aggregate import Pathway

Document = dict[str, Any]
_LEFT_OUT = frozenset({"commands", "proposed_protocol"})
_ABSENT: Any = object()
ChangeKind = Literal["added", "removed", "changed"]


def state_document(pathway: Pathway) -> Document:
    """What the pathway's events had built at its version, as JSON values."""
    state = pathway.state
    document: Document = {
        field.name: jsonable(getattr(state, field.name))
        for field in dataclasses.fields(state) if field.name not in _LEFT_OUT
    }
    document["phase"] = str(state.phase)
    document["protocol"] = state.protocol.ref
    document["sessions_held"] = state.sessions_held
    document["sessions_left"] = state.sessions_left
    document["open_flags"] = [flag.id for flag in state.open_flags]
    return dict(sorted(document.items()))


def group_document(group: Group) -> Document:
    """What a group's events had built at its version (members, sessions and who attended,
    the ending, closure), as JSON values."""
    state = group.state
    document: Document = {
        field.name: jsonable(getattr(state, field.name))
        for field in dataclasses.fields(state) if field.name not in _LEFT_OUT
    }
    document["protocol"] = state.protocol.ref
    document["members"] = list(document["members"].values())
    document["active_members"] = jsonable(state.active_members)
    document["sessions_held"] = state.sessions_held
    document["closed"] = state.closed
    return dict(sorted(document.items()))


def jsonable(value: Any) -> Any:  # noqa: PLR0911 - one branch per kind of value
    """Dataclasses, pydantic values, times, tuples and sets as JSON values."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(jsonable(item) for item in value)
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return str(value)


@dataclass(frozen=True)
class Change:
    path: str
    kind: ChangeKind
    before: Any = None
    after: Any = None


def changes(before: Document | None, after: Document,
            ignore: frozenset[str] = frozenset()) -> list[Change]:
    """Every path whose value differs from ``before`` to ``after`` (None: all added)."""
    found: list[Change] = []
    _compare("", before if before is not None else {}, after, found, ignore)
    return found


def _compare(path: str, before: Any, after: Any, found: list[Change],
             ignore: frozenset[str]) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(before.keys() | after.keys()):
            if key in ignore and not path:
                continue
            _compare(f"{path}.{key}" if path else key, before.get(key, _ABSENT),
                     after.get(key, _ABSENT), found, ignore)
        return
    if _records(before) and _records(after):
        for index in range(max(len(before), len(after))):
            _compare(f"{path}[{index}]", before[index] if index < len(before) else _ABSENT,
                     after[index] if index < len(after) else _ABSENT, found, ignore)
        return
    if before is _ABSENT and after is not _ABSENT:
        found.append(Change(path, "added", after=after))
    elif after is _ABSENT and before is not _ABSENT:
        found.append(Change(path, "removed", before=before))
    elif before != after:
        found.append(Change(path, "changed", before=before, after=after))


def _records(value: Any) -> bool:
    """A list whose items are records (compared item by item), or an empty list."""
    return isinstance(value, list) and all(isinstance(item, dict | list) for item in value)
