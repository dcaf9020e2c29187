"""A large event log, written fast: demo courses decided once, their rows copied under new ids.

Going through the application command by command would take hours for a million events
(PostgreSQL saves serialise at a few hundred per second). Instead a few hundred demo pathways
are decided in memory by the domain aggregate (every command accepted by the rules), mapped to
stored rows by the application's own mapper, and those rows are bulk-copied into the
application's events table under fresh originator ids (the id is a column, not part of the
stored JSON): ``COPY`` on PostgreSQL, ``executemany`` on SQLite, in the recorder's own table
so the log reads exactly as if the application had written it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid5

import psycopg
from eventsourcing.persistence import StoredEvent

from services.demo.bulk import decide_demo
from services.store.mapper import CanonicalMapper

_NAMESPACE = uuid5(UUID(int=0), "carepath-bench-log")
TEMPLATES = 250
"""Demo pathways decided in memory; their rows are copied until the log is long enough."""
PG_TABLE = "pathways_events"
SQLITE_TABLE = "stored_events"
SQLITE_BATCH = 20_000
IN_FLIGHT = 200
"""Pathways whose events interleave in the log at any time (a clinic's active caseload)."""

Say = Callable[[str], None]


@dataclass(frozen=True)
class Template:
    """One decided pathway's stored rows (originator ids to be replaced)."""

    rows: tuple[StoredEvent, ...]


def templates(count: int = TEMPLATES, *, seed: int = 7,
              now: datetime | None = None) -> list[Template]:
    """``count`` demo pathways decided by the domain, as the mapper stores them."""
    mapper = CanonicalMapper()
    now = now or datetime.now(UTC)
    return [Template(tuple(mapper.to_stored_event(e) for e in pathway.collect_events()))
            for pathway in decide_demo(range(count), seed=seed, now=now)]


def copies(items: Sequence[Template], events: int = 0, *, pathways: int = 0,
           in_flight: int = IN_FLIGHT) -> Iterator[tuple[UUID, int, str, bytes]]:
    """Rows of at least ``events`` events and ``pathways`` pathways: the templates cycled,
    each copy a new pathway, ``in_flight`` pathways at a time with their events interleaved
    (as in a clinic's log, where a batch of events touches many pathways)."""
    written, copy = 0, 0
    while written < events or copy < pathways:
        wave: list[tuple[UUID, tuple[StoredEvent, ...]]] = []
        while len(wave) < in_flight and (written < events or copy < pathways):
            template = items[copy % len(items)]
            wave.append((uuid5(_NAMESPACE, str(copy)), template.rows))
            written += len(template.rows)
            copy += 1
        for step in range(max(len(rows) for _, rows in wave)):
            for pathway_id, rows in wave:
                if step < len(rows):
                    row = rows[step]
                    yield pathway_id, row.originator_version, row.topic, row.state


def fill_postgres(dsn: str, rows: Iterator[tuple[UUID, int, str, bytes]], *,
                  table: str = PG_TABLE, say: Say | None = None) -> int:
    """COPY ``rows`` into the recorder's events table (notification ids from its sequence)."""
    count = 0
    started = time.perf_counter()
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        statement = (f"COPY {table} (originator_id, originator_version, topic, state)"
                     " FROM STDIN (FORMAT BINARY)")
        with cur.copy(statement) as copy:
            copy.set_types(["uuid", "int8", "text", "bytea"])
            for row in rows:
                copy.write_row(row)
                count += 1
                if say is not None and count % 200_000 == 0:
                    say(f"{count:,} events copied ({time.perf_counter() - started:.0f}s)")
        conn.commit()
        conn.execute(f"ANALYZE {table}")
    return count


def fill_sqlite(path: str, rows: Iterator[tuple[UUID, int, str, bytes]], *,
                table: str = SQLITE_TABLE, say: Say | None = None) -> int:
    """INSERT ``rows`` into the SQLite recorder's table (rowid is the notification id)."""
    count = 0
    started = time.perf_counter()
    connection = sqlite3.connect(path)
    try:
        statement = (f"INSERT INTO {table} (originator_id, originator_version, topic, state)"
                     " VALUES (?, ?, ?, ?)")
        batch: list[tuple[str, int, str, bytes]] = []
        for pathway_id, version, topic, state in rows:
            batch.append((pathway_id.hex, version, topic, state))
            if len(batch) == SQLITE_BATCH:
                count += _insert(connection, statement, batch)
                batch = []
                if say is not None and count % 200_000 == 0:
                    say(f"{count:,} events inserted ({time.perf_counter() - started:.0f}s)")
        count += _insert(connection, statement, batch)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # readers then read the file
    finally:
        connection.close()
    return count


def _insert(connection: sqlite3.Connection, statement: str,
            batch: list[tuple[str, int, str, bytes]]) -> int:
    with connection:
        connection.executemany(statement, batch)
    return len(batch)
