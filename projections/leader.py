"""One copy of each projection at a time: whoever holds its lock leads, the others wait.

On PostgreSQL the lock is a session advisory lock held by a connection of its own for as long
as the worker leads: if the worker dies or its connection drops, the server releases the lock
and a waiting copy takes over on its next try. On the embedded SQLite default it is an
``flock`` on ``<data_dir>/projections/<name>.lock``, released by the kernel when the process
dies (``serve --workers N`` starts several processes). Leadership is an optimisation, not the
safety net: a batch applied by a copy that wrongly believes it leads fails its compare-and-set
on the position and rolls back.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger("carepath.projections")


class Leadership(Protocol):
    def try_acquire(self) -> bool:
        """Lead now if nobody else does; True while this copy leads (checks it still does)."""
        ...

    def release(self) -> None: ...


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for projection ``name``."""
    digest = hashlib.blake2b(f"carepath.projection:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class FileLeadership:
    """An exclusive ``flock`` on a file (one per projection), held while leading."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


class AdvisoryLeadership:
    """``pg_try_advisory_lock`` on a dedicated connection, held while leading."""

    def __init__(self, conninfo: str, name: str, *, timeout_seconds: float = 3.0) -> None:
        self._conninfo = conninfo
        self._name = name
        self._key = lock_key(name)
        self._timeout = timeout_seconds
        self._connection: Any = None

    def try_acquire(self) -> bool:
        import psycopg  # noqa: PLC0415 - SQLite needs no psycopg

        if self._connection is not None:
            try:  # the lock lives as long as the session: a live session still holds it
                self._connection.execute("SELECT 1")
            except psycopg.Error:
                log.warning("projection %s: the lock connection dropped; leading no more",
                            self._name)
                self._close()
            else:
                return True
        from services.store.availability import Outages  # noqa: PLC0415 - as psycopg
        from services.store.postgres import postgres_outage  # noqa: PLC0415

        with Outages(postgres_outage).translated():  # a database that is gone: StoreUnavailable
            connection = psycopg.connect(
                self._conninfo, autocommit=True, connect_timeout=max(1, round(self._timeout)),
                options=f"-c statement_timeout={int(self._timeout * 1000)}")
            try:
                row = connection.execute("SELECT pg_try_advisory_lock(%s)",
                                         (self._key,)).fetchone()
            except BaseException:
                connection.close()
                raise
        if not (row and row[0]):
            connection.close()
            return False
        self._connection = connection
        return True

    @property
    def backend_pid(self) -> int | None:
        """The server process holding the lock (tests cut it to show a takeover)."""
        return None if self._connection is None else int(self._connection.info.backend_pid)

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.execute("SELECT pg_advisory_unlock(%s)", (self._key,))
            self._close()

    def _close(self) -> None:
        connection, self._connection = self._connection, None
        with contextlib.suppress(Exception):
            connection.close()
