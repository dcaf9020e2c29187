"""What wakes a follower before its next poll: a save in this process, or a PostgreSQL NOTIFY.

Every save on PostgreSQL NOTIFYs the events table's channel (``OrderedLog.wake_channel``);
:class:`Listener` LISTENs on a connection of its own and wakes every follower of the process.
A lost notification or a dropped connection only delays a follower until its next poll: the
listener reconnects with backoff, and wakes everyone after reconnecting, since saves made
while it was away were not heard. On SQLite nothing notifies across processes: the write
application calls :meth:`Wakeups.notify` after each save of its own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("carepath.projections")
CHECK_SECONDS = 0.5
"""How long one wait for notifications lasts (also how fast the listener stops)."""
PING_SECONDS = 5.0
"""How often an idle LISTEN connection is checked (a silently dead socket hears nothing)."""
MAX_BACKOFF_SECONDS = 5.0


class Wakeups:
    """Fan-out of "the log may have grown" to every follower in this process."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def subscribe(self, callback: Callable[[], None]) -> None:
        with self._lock:
            self._callbacks.append(callback)

    def notify(self, *_: Any) -> None:
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()


class Listener:
    """LISTEN on ``channel`` in a thread of its own; every notification wakes the followers."""

    def __init__(self, conninfo: str, channel: str, wakeups: Wakeups, *,
                 timeout_seconds: float = 3.0) -> None:
        self._conninfo = conninfo
        self._channel = channel
        self._wakeups = wakeups
        self._timeout = timeout_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()
        self.connection: Any = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="projections-listen",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        pause = 0.1
        while not self._stop.is_set():
            try:
                self._listen()
                pause = 0.1
            except Exception as error:  # noqa: BLE001 - any failure: reconnect later; logged
                self.connected.clear()
                log.warning("projections: LISTEN %s failed (%s); reconnecting in %.1fs",
                            self._channel, error, pause)
                self._stop.wait(pause)
                pause = min(MAX_BACKOFF_SECONDS, pause * 2)

    def _listen(self) -> None:
        import psycopg  # noqa: PLC0415 - SQLite needs no psycopg
        from psycopg import sql  # noqa: PLC0415

        with psycopg.connect(self._conninfo, autocommit=True,
                             connect_timeout=max(1, round(self._timeout))) as connection:
            self.connection = connection
            connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
            self.connected.set()
            self._wakeups.notify()  # saves made while nobody listened
            pinged = time.monotonic()
            while not self._stop.is_set():
                for _ in connection.notifies(timeout=CHECK_SECONDS, stop_after=1):
                    self._wakeups.notify()
                if time.monotonic() - pinged > PING_SECONDS:
                    connection.execute("SELECT 1")
                    pinged = time.monotonic()
        self.connected.clear()
