"""Pages of the ordered log as envelopes: what ``GET /events`` and its stream serve.

A page holds the events after a position, oldest first, and the position to ask from next.
Positions are the ordered log's (``projections.log``): the same cursor as the broker stream's
``position`` attribute and SSE's ``id``. The next position is never before an event not yet
served, so paging on from it loses nothing and repeats nothing:

- a full page ends at its last event's position (more may follow at once);
- a shorter page has served everything stored when it was read; with a type filter, its next
  position is the log's head as read *before* the query (every event up to the head is
  visible then, the store committing positions in order), so a consumer of rare types skips
  the events it does not want instead of reading them again on every poll.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError

from projections.log import OrderedLog, Position
from projections.scan import RawRow
from services.errors import StoreUnavailable
from services.feed.ahead import ReadAhead
from services.feed.rows import Envelope, RowEnvelopes
from services.integration import by_type
from services.integration.envelope import Envelopes

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


class UnknownEventType(ValueError):
    """A type filter names a type carepath does not publish."""

    def __init__(self, event_type: str) -> None:
        super().__init__(event_type)
        self.event_type = event_type


@dataclass(frozen=True, slots=True)
class Page:
    positions: list[Position]
    """Each event's log position, in log order."""
    events: list[Envelope]
    """Each event's envelope (``services.feed.rows.encode`` writes them)."""
    next_after: Position
    """Where to read on from: the last event's position, or further (see the module)."""
    head: Position
    """The log's head when the page was read (next_after == head: caught up, for now)."""
    full: bool
    """The page reached its limit: more events may follow at once."""


class EventFeed:
    """Reads pages of envelopes from the ordered log of one write application."""

    def __init__(self, application: Any, envelopes: Envelopes, *,
                 read_ahead: bool = True) -> None:
        self._log = OrderedLog(application)
        self._rows = RowEnvelopes(envelopes, self._log, application.mapper)
        self._ahead: ReadAhead[Page] | None = (
            ReadAhead(lambda page: page.full) if read_ahead else None)

    def topics(self, event_types: Sequence[str]) -> list[Any]:
        """The stored event classes of CloudEvents ``event_types`` (UnknownEventType)."""
        classes = []
        for event_type in event_types:
            model = by_type(event_type)
            if model is None:
                raise UnknownEventType(event_type)
            classes.append(model.publishes)
        return classes

    def page(self, after: Position, limit: int, event_types: Sequence[str] = ()) -> Page:
        """Up to ``limit`` envelopes after ``after`` (only of ``event_types``, if given).
        After a full page the next one is read ahead (``services.feed.ahead``)."""
        classes = self.topics(event_types)
        key = (after, limit, tuple(event_types))
        page = None if self._ahead is None else self._ahead.take(key)
        if page is None:
            page = self._page(after, limit, classes)
        if page.full and self._ahead is not None:
            following = (page.next_after, limit, tuple(event_types))
            self._ahead.start(following, lambda: self._page(page.next_after, limit, classes))
        return page

    def _page(self, after: Position, limit: int, classes: list[Any]) -> Page:
        with _outages_as_unavailable():
            head = self._log.head()
            rows = self._read(after, limit, classes)
        full = len(rows) >= limit
        last = rows[-1][0] if rows else after
        next_after = last if full or not classes else max(last, head)
        positions, events = self._rows.envelopes(rows)
        head = max(head, rows[-1][0]) if rows else head  # saves during the read
        return Page(positions, events, max(next_after, after), head, full)

    def head(self) -> Position:
        with _outages_as_unavailable():
            return self._log.head()

    def _read(self, after: Position, limit: int, classes: list[Any]) -> list[RawRow]:
        if not classes:
            return self._log.read_rows(after, limit)
        return [(n.id, n.originator_id, n.originator_version, n.topic, n.state)
                for n in self._log.read_stored(after, limit, types=classes)]


_OUTAGES: tuple[type[BaseException], ...] = (OperationalError, InterfaceError,
                                             sqlite3.OperationalError)
try:
    import psycopg
    import psycopg_pool

    _OUTAGES += (psycopg.OperationalError, psycopg_pool.PoolTimeout)
except ImportError:  # pragma: no cover - psycopg is a dependency
    pass


@contextmanager
def _outages_as_unavailable() -> Iterator[None]:
    """The raw row scan bypasses the recorder's outage translation: translate here."""
    try:
        yield
    except StoreUnavailable:
        raise
    except _OUTAGES as error:
        reason = (str(error).strip() or type(error).__name__).splitlines()[0][:200]
        raise StoreUnavailable(reason) from error
