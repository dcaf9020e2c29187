"""One stored event as an auditor reads it: what, when on both clocks, who, why it was allowed.

``occurred_at`` is clinical time (given by the caller), ``recorded_at`` server time (stamped
when the event was stored); an entry recorded long after it occurred is *back-dated*.
``rules_checked`` are the rule ids the command was checked against when it was decided;
a ``DeviationRecorded`` entry names the soft rule it overrode, its sentence and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter

from domain.group.events import GroupEvent
from domain.pathway.events import DeviationRecorded, PathwayEvent, SessionHeld, SessionMissed

_ENVELOPE = frozenset({"originator_id", "originator_version", "originator_topic", "timestamp",
                       "occurred_at", "meta"})
BACK_DATED_AFTER = timedelta(hours=24)
"""An event recorded more than this after it occurred is flagged as back-dated."""


@dataclass(frozen=True)
class Deviation:
    rule: str
    sentence: str
    reason: str


@dataclass(frozen=True)
class Entry:
    pathway_id: UUID
    """The pathway's id (or the group's, for a group's event)."""
    version: int
    type: str
    occurred_at: datetime
    recorded_at: datetime
    actor_id: str
    actor_role: str
    correlation_id: str
    idempotency_key: str
    protocol: str
    rules_checked: tuple[str, ...]
    deviation: Deviation | None
    data: dict[str, Any]

    @property
    def back_dated(self) -> bool:
        return self.recorded_at - self.occurred_at > BACK_DATED_AFTER

    @property
    def group_session(self) -> tuple[UUID, int] | None:
        """A member's part in a group session (held or missed): the group and its number."""
        group_id, number = self.data.get("group_id"), self.data.get("number")
        if self.type not in _GROUP_PARTS or group_id is None or number is None:
            return None
        return UUID(str(group_id)), int(number)

    @classmethod
    def of(cls, event: PathwayEvent | GroupEvent) -> Entry:
        meta = event.meta
        deviation = (Deviation(event.rule, event.sentence, event.reason)
                     if isinstance(event, DeviationRecorded) else None)
        return cls(pathway_id=event.originator_id, version=event.originator_version,
                   type=type(event).__name__, occurred_at=event.occurred_at,
                   recorded_at=event.timestamp, actor_id=meta.actor_id,
                   actor_role=meta.actor_role, correlation_id=meta.correlation_id,
                   idempotency_key=meta.idempotency_key, protocol=meta.protocol,
                   rules_checked=meta.rules_checked, deviation=deviation,
                   data=event_fields(event))


_GROUP_PARTS = frozenset({SessionHeld.__name__, SessionMissed.__name__})


@cache
def _adapter(event_class: type[PathwayEvent | GroupEvent]) -> TypeAdapter[Any]:
    return TypeAdapter(event_class)


def event_fields(event: PathwayEvent | GroupEvent) -> dict[str, Any]:
    """The event's own fields as JSON values (the envelope and metadata left out)."""
    dumped: dict[str, Any] = _adapter(type(event)).dump_python(event, mode="json")
    return {name: value for name, value in dumped.items() if name not in _ENVELOPE}
