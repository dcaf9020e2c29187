"""The events table read as plain rows, for a rebuild: the recorder's own keyset query.

``OrderedLog.read`` goes through the recorder's ``select_notifications``, which builds a
``Notification`` and a ``UUID`` per row: as much time again as reading the row. A rebuild
reads every row once, so it runs the same keyset query (``WHERE position > :after ORDER BY
position LIMIT n``, the recorder's table and columns) on the recorder's own connections and
keeps each row a tuple: ``(position, originator id, version, topic, stored bytes)``.

On PostgreSQL the rows come in the binary format (the stored bytes as they are, not hex text
to decode) with the originator id as text: psycopg makes a ``UUID`` object of each id it
reads, which cost more than the rest of the row, and a rebuild makes one per pathway, not
one per event. That reads a row for a third of the client's time.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composed, Identifier

RawRow = tuple[int, Any, int, str, bytes]
"""(position, originator id as text (hex on SQLite, hyphenated on PostgreSQL), version, topic,
state)."""


def scan_rows(recorder: Any, after: int, limit: int) -> list[RawRow]:
    """Up to ``limit`` stored rows after position ``after``, in log order."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        statement = (f"SELECT rowid, originator_id, originator_version, topic, state"
                     f" FROM {recorder.events_table_name} WHERE rowid > ? ORDER BY rowid"
                     " LIMIT ?")
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.sqlite_cursor.row_factory = None  # plain tuples, not sqlite3.Row
            cursor.execute(statement, (after, limit))
            rows: list[RawRow] = cursor.fetchall()
        return rows
    if isinstance(recorder, PostgresApplicationRecorder):
        query = postgres_scan(recorder.datastore.schema or "public", recorder.events_table_name)
        with recorder.datastore.get_connection() as connection, \
                connection.cursor(row_factory=tuple_row, binary=True) as cursor:
            cursor.execute(query, (after, limit), prepare=True)
            found: list[RawRow] = cursor.fetchall()
        return found
    msg = f"no raw scan for {type(recorder).__name__}"
    raise TypeError(msg)


def postgres_scan(schema: str, table: str) -> Composed:
    """The keyset query of a PostgreSQL events table (to run on a binary cursor)."""
    return SQL("SELECT notification_id, originator_id::text, originator_version, topic, state"
               " FROM {schema}.{table} WHERE notification_id > %s"
               " ORDER BY notification_id LIMIT %s").format(
        schema=Identifier(schema), table=Identifier(table))
