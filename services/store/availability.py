"""An unreachable or stuck event store becomes one error, ``StoreUnavailable``, raised at once.

Every read and write of a pathway passes through the application recorder, so the recorder is
where connection failures, pool waits and statement or lock timeouts are translated; the HTTP
edge answers the translated error with 503 and ``Retry-After``. Integrity errors (a lost race)
and programming errors pass through untouched: they are not outages. The read models' store
(``projections.store``) translates its own transactions the same way (:class:`Outages`), with
a breaker of its own: the read models and the event store may live in different databases.

While the database is known to be down, waiting out the pool timeout on every request would
still hold a worker thread each for seconds, and a busy service would run out of them. So a
lost connection opens a breaker: for ``PROBE_INTERVAL`` seconds calls fail at once, then one
call probes the store (and makes the pool reconnect) while the others keep failing fast.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.sqlite import SQLiteApplicationRecorder

from services.errors import StoreUnavailable

log = logging.getLogger("carepath.store")
F = TypeVar("F", bound=Callable[..., Any])
_OUTAGES = (OperationalError, InterfaceError)
PROBE_INTERVAL = 0.5
TRANSLATED_METHODS = ("insert_events", "select_events", "select_notifications",
                      "max_notification_id")
"""The recorder methods the write application, the queries and the readiness check call."""


class OutageBreaker:
    """Open after a lost connection: fail fast, letting one probe through per interval."""

    def __init__(self, probe_interval: float = PROBE_INTERVAL,
                 clock: Callable[[], float] = time.monotonic, *,
                 store: str = "event store") -> None:
        self.probe_interval = probe_interval
        self.store = store
        """What is lost, for the log."""
        self._clock = clock
        self._lock = threading.Lock()
        self._closed_until_probe = 0.0  # 0: closed; else when the next probe may pass
        self._reason = ""

    def admit(self) -> None:
        """Return if a call may try the store; raise StoreUnavailable if it must not."""
        with self._lock:
            if not self._closed_until_probe:
                return
            now = self._clock()
            if now < self._closed_until_probe:
                raise StoreUnavailable(self._reason, store=self.store)
            self._closed_until_probe = now + self.probe_interval  # this call is the probe

    def opened(self, reason: str) -> None:
        with self._lock:
            if not self._closed_until_probe:
                log.warning("%s lost (%s): failing fast, probing every %.1f s",
                            self.store, reason, self.probe_interval)
            self._closed_until_probe = self._clock() + self.probe_interval
            self._reason = reason

    def closed(self) -> None:
        if self._closed_until_probe:  # unlocked read first: the common path takes no lock
            with self._lock:
                self._closed_until_probe = 0.0
            log.warning("%s reachable again", self.store)


class TranslatesOutages:
    """Mixin of a recorder whose calls go through :func:`translating_outages`."""

    breaker: OutageBreaker | None = None

    @staticmethod
    def lost_connection(error: Exception) -> bool:
        """Whether ``error`` means the database is gone (rather than slow or locked)."""
        return False


def translating_outages(method: F) -> F:
    """Run ``method`` once; an outage-like failure is raised as ``StoreUnavailable``."""

    @wraps(method)
    def translated(recorder: TranslatesOutages, *args: Any, **kwargs: Any) -> Any:
        breaker = recorder.breaker
        if breaker is not None:
            breaker.admit()
        try:
            result = method(recorder, *args, **kwargs)
        except _OUTAGES as error:
            reason = _first_line(error)
            log.info("event store unavailable in %s: %s", method.__name__, reason)
            if breaker is not None and recorder.lost_connection(error):
                breaker.opened(reason)
            raise StoreUnavailable(reason) from error
        if breaker is not None:
            breaker.closed()
        return result

    return cast("F", translated)


@dataclass(frozen=True)
class Outages:
    """Which errors of a store are outages, which of those mean it is gone, and its breaker:
    ``with outages.translated():`` around a transaction raises them as ``StoreUnavailable``."""

    outage: Callable[[Exception], bool]
    lost_connection: Callable[[Exception], bool] = lambda _error: False
    breaker: OutageBreaker | None = None
    store: str = "event store"
    """Which store, for the error and the problem document (``StoreUnavailable.store``)."""

    @contextmanager
    def translated(self) -> Iterator[None]:
        breaker = self.breaker
        if breaker is not None:
            breaker.admit()
        try:
            yield
        except StoreUnavailable:
            raise
        except Exception as error:
            if not self.outage(error):
                raise
            reason = _first_line(error)
            if breaker is not None and self.lost_connection(error):
                breaker.opened(reason)
            raise StoreUnavailable(reason, store=self.store) from error
        if breaker is not None:
            breaker.closed()


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0][:200]


def translate_methods(cls: type[Any], base: type[Any]) -> None:
    """Give ``cls`` the ``base`` recorder's methods, each wrapped by ``translating_outages``.

    ``functools.wraps`` keeps the undecorated function as ``__wrapped__``: eventsourcing's
    PostgreSQL recorder retries each call ten times, which is unwrapped here (call once).
    """
    for name in TRANSLATED_METHODS:
        method = getattr(base, name)
        setattr(cls, name, translating_outages(getattr(method, "__wrapped__", method)))


_SQLITE_OUTAGES = frozenset({
    sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PROTOCOL})
"""Primary result codes of a file that is locked, read-only, full or gone (not "no such
table", which is SQLITE_ERROR: a programming error, or a store not prepared yet)."""


def sqlite_outage(error: Exception) -> bool:
    """Whether ``error`` means a SQLite file cannot be used now."""
    return (isinstance(error, sqlite3.OperationalError)
            and error.sqlite_errorcode & 0xFF in _SQLITE_OUTAGES)


class AvailableSQLiteRecorder(TranslatesOutages, SQLiteApplicationRecorder):
    """The embedded store's recorder: a locked, read-only or vanished file is an outage.

    No breaker: a locked file is busy, not gone, and each call waits the lock timeout.
    """


translate_methods(AvailableSQLiteRecorder, SQLiteApplicationRecorder)
