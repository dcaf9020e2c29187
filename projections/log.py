"""The ordered log: every stored event with its position, read in batches after a position.

This is the one module that knows what a log position is. Today it is the notification id of
the write application's events table; on PostgreSQL the store's table lock makes ids commit in
order, so a reader that has seen position ``n`` never later finds an event below ``n``. If the
write side's ordering changes (for example to an ``xid8`` column read below the oldest running
transaction), only this module changes: followers, the relay and the HTTP feed see positions.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.utils import resolve_topic

from domain.group.events import GroupEvent
from domain.pathway.events import PathwayEvent
from projections.scan import RawRow, scan_rows
from services.store.trusting import trusting_builder

Position = int
"""A place in the ordered log: 0 is before the first event; positions only grow."""

START: Position = 0
_IDS_KEPT = 100_000
"""Pathway ids a log keeps made between batches (a rebuild meets each many times)."""
_UNKNOWN = object()


StoredDomainEvent = PathwayEvent | GroupEvent
"""What the log holds: every aggregate's events (pathways and groups share one store)."""


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """One stored event and where it sits in the ordered log.

    The log holds every aggregate's events: a pathway's, or a group's (``domain.group``). A
    read model that folds pathways names the pathway event types it handles, and never meets
    a group's events (``projections.projection.routed``).
    """

    position: Position
    event: StoredDomainEvent

    @property
    def originator_id(self) -> UUID:
        """The id of the aggregate (pathway or group) the event belongs to."""
        return self.event.originator_id

    @property
    def pathway_id(self) -> UUID:
        """The originator's id, by its name for pathway events (most readers' events)."""
        return self.event.originator_id

    @property
    def version(self) -> int:
        return self.event.originator_version

    @property
    def type(self) -> str:
        return type(self.event).__name__

    @property
    def recorded_at(self) -> datetime:
        """When the server recorded the event (not its clinical ``occurred_at``)."""
        recorded: datetime = self.event.timestamp
        return recorded


class PathwayId(UUID):
    """A pathway's id that knows its text: ``str()`` of a UUID costs a microsecond each time."""

    __slots__ = ("_text",)
    _text: str

    def __init__(self, value: UUID) -> None:
        super().__init__(int=value.int)
        object.__setattr__(self, "_text", UUID.__str__(self))

    def __str__(self) -> str:
        return self._text

    def __reduce__(self) -> tuple[Any, ...]:
        return (PathwayId, (UUID(int=self.int),))


@dataclass(slots=True)
class _Stored:
    """What the mapper reads of a stored row."""

    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


class _Notification(Protocol):
    id: int


class _Recorder(Protocol):
    def select_notifications(self, start: int | None, limit: int, stop: int | None = None,
                             topics: Sequence[str] = (), *,
                             inclusive_of_start: bool = True) -> Sequence[Any]: ...

    def max_notification_id(self) -> int | None: ...


class _Mapper(Protocol):
    def to_domain_event(self, stored_event: Any) -> Any: ...


class _Application(Protocol):
    @property
    def recorder(self) -> Any: ...

    @property
    def mapper(self) -> Any: ...


class OrderedLog:
    """Reads the write application's events in log order, decoded into catalogue events."""

    def __init__(self, application: _Application) -> None:
        self._recorder: _Recorder = application.recorder
        self._mapper: _Mapper = application.mapper
        self._ids: dict[Any, PathwayId] = {}
        self._builders: dict[str, Any] = {}

    def read(self, after: Position, limit: int, *,
             types: Sequence[type[StoredDomainEvent]] = ()) -> list[LoggedEvent]:
        """Up to ``limit`` events after ``after``, oldest first (only ``types``, if given)."""
        return self.decode(self.read_stored(after, limit, types=types))

    def read_stored(self, after: Position, limit: int, *,
                    types: Sequence[type[StoredDomainEvent]] = ()) -> Sequence[Any]:
        """The stored rows ``read`` would decode (a rebuild times fetching and decoding)."""
        topics = [event_type.TOPIC for event_type in types]
        return self._recorder.select_notifications(
            start=after, limit=limit, topics=topics, inclusive_of_start=False)

    def decode(self, notifications: Sequence[Any]) -> list[LoggedEvent]:
        """Decode stored rows; events of one pathway in a batch share one ``PathwayId``, whose
        text (read models key rows by it, several times per event) is made once."""
        decode = self._mapper.to_domain_event
        ids: dict[UUID, PathwayId] = {}
        events = []
        for n in notifications:
            known = ids.get(n.originator_id)
            if known is None:
                known = ids[n.originator_id] = PathwayId(n.originator_id)
            events.append(LoggedEvent(n.id, decode(
                _Stored(known, n.originator_version, n.topic, n.state))))
        return events

    def read_rows(self, after: Position, limit: int) -> list[RawRow]:
        """Up to ``limit`` stored rows after ``after`` as plain tuples (a rebuild's read)."""
        try:
            return scan_rows(self._recorder, after, limit)
        except TypeError:  # a recorder without a raw scan: its notifications, as tuples
            return [(n.id, n.originator_id, n.originator_version, n.topic, n.state)
                    for n in self.read_stored(after, limit)]

    def decode_rows(self, rows: Sequence[RawRow], topics: Collection[str] | None = None
                    ) -> list[LoggedEvent]:
        """Decode plain rows without validating them again (``services.store.trusting``):
        for folds into read models only. Rows whose topic is not in ``topics`` (when given)
        are skipped undecoded; a row the trusting builder is unsure of takes the mapper's
        path. A pathway's id is made once per log, not once per event."""
        mapper, ids, builders = self._mapper, self._ids, self._builders
        cipher, compressor = getattr(mapper, "cipher", None), getattr(mapper, "compressor", None)
        if len(ids) > _IDS_KEPT:
            ids.clear()
        events = []
        for position, originator_id, version, topic, state in rows:
            if topics is not None and topic not in topics:
                continue
            known = ids.get(originator_id)
            if known is None:
                known = ids[originator_id] = PathwayId(
                    originator_id if isinstance(originator_id, UUID) else UUID(originator_id))
            build = builders.get(topic, _UNKNOWN)
            if build is _UNKNOWN:
                build = builders[topic] = trusting_builder(resolve_topic(topic))
            data = state
            if cipher is not None:
                data = cipher.decrypt(data)
            if compressor is not None:
                data = compressor.decompress(data)
            event = None if build is None else build(data, known, version)
            if event is None:
                event = mapper.to_domain_event(_Stored(known, version, topic, state))
            events.append(LoggedEvent(position, event))
        return events

    def head(self) -> Position:
        """The position of the latest stored event (0 when the log is empty)."""
        return self._recorder.max_notification_id() or START

    def recorded_after(self, position: Position) -> datetime | None:
        """When the first event after ``position`` was recorded (None: nothing after it)."""
        following = self.read(position, 1)
        return following[0].recorded_at if following else None

    @property
    def wake_channel(self) -> str | None:
        """The PostgreSQL channel each save NOTIFYs (None: a store that notifies no one)."""
        channel = getattr(self._recorder, "channel_name", None)
        return channel if isinstance(channel, str) else None
