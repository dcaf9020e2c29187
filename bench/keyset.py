"""The raw keyset scan the log benchmarks (feed, rebuild, verify) measure against, and their
rounds' arithmetic.

The scan reads the columns the recorder reads (``WHERE position > :last ORDER BY position
LIMIT n``) a batch at a time and does nothing with them: the floor a reader of the whole log
is held against.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections.abc import Callable, Sequence

import psycopg
from psycopg import sql

from bench.eventlog import PG_TABLE, SQLITE_TABLE

Say = Callable[[str], None]
"""Where a benchmark section reports its progress."""
Fetch = Callable[[int], list[tuple[object, ...]]]
"""The batch of rows after a position."""

SQLITE_SCAN = (f"SELECT rowid, originator_id, originator_version, topic, state"
               f" FROM {SQLITE_TABLE} WHERE rowid > ? ORDER BY rowid LIMIT ?")
POSTGRES_SCAN = (f"SELECT notification_id, originator_id, originator_version, topic, state"
                 f" FROM {PG_TABLE} WHERE notification_id > %s ORDER BY notification_id"
                 " LIMIT %s")
"""The recorder's columns in psycopg's default text format (ids made ``UUID``s)."""


def quiet(_text: str) -> None:
    """A :data:`Say` that says nothing."""


def scan_sqlite(path: str, batch: int) -> int:
    """Keyset scan of the recorder's table: the columns it selects, nothing done with them."""
    connection = sqlite3.connect(path)
    try:
        return scan(lambda last: connection.execute(SQLITE_SCAN, (last, batch)).fetchall())
    finally:
        connection.close()


def scan_postgres(dsn: str, batch: int, *, statement: str | sql.Composed = POSTGRES_SCAN,
                  binary: bool = False) -> int:
    """Keyset scan with ``statement`` (by default the recorder's columns, text format), each
    batch a prepared statement."""
    with psycopg.connect(dsn) as connection, connection.cursor(binary=binary) as cursor:
        def fetch(last: int) -> list[tuple[object, ...]]:
            cursor.execute(statement, (last, batch), prepare=True)
            return cursor.fetchall()

        return scan(fetch)


def scan(fetch: Fetch) -> int:
    """The number of rows ``fetch`` gives, batch after batch, until an empty one."""
    last, count = 0, 0
    while rows := fetch(last):
        last = int(rows[-1][0])  # type: ignore[call-overload]
        count += len(rows)
    return count


def timed(run: Callable[[], int], count: int, what: str) -> float:
    """Seconds ``run`` takes; it must read all ``count`` events (``what`` names it if not)."""
    started = time.perf_counter()
    read = run()
    seconds = time.perf_counter() - started
    if read != count:
        msg = f"{what} read {read} events of {count}"
        raise RuntimeError(msg)
    return seconds


def median_rate(events: int, seconds: Sequence[float]) -> float:
    """Events per second in the median round."""
    return events / statistics.median(seconds)
