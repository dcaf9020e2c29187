"""The events table read as plain rows, for a rebuild: the recorder's own keyset query.

``OrderedLog.read`` goes through the recorder's ``select_notifications``, which builds a
``Notification`` and a ``UUID`` per row: as much time again as reading the row. A rebuild
reads every row once, so it runs the same keyset query (``WHERE position > :after ORDER BY
position LIMIT n``, the recorder's table and columns) on the recorder's own connections and
keeps each row a tuple: ``(position, originator id, version, topic, stored bytes)``.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier

RawRow = tuple[int, Any, int, str, bytes]
"""(position, originator id: UUID on PostgreSQL, hex text on SQLite, version, topic, state)."""


def scan_rows(recorder: Any, after: int, limit: int) -> list[RawRow]:
    """Up to ``limit`` stored rows after position ``after``, in log order."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        statement = (f"SELECT rowid, originator_id, originator_version, topic, state"
                     f" FROM {recorder.events_table_name} WHERE rowid > ? ORDER BY rowid"
                     " LIMIT ?")
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.row_factory = None  # type: ignore[attr-defined] # a sqlite3.Cursor
            cursor.execute(statement, (after, limit))
            rows: list[RawRow] = cursor.fetchall()
        return rows
    if isinstance(recorder, PostgresApplicationRecorder):
        query = SQL("SELECT notification_id, originator_id, originator_version, topic, state"
                    " FROM {schema}.{table} WHERE notification_id > %s"
                    " ORDER BY notification_id LIMIT %s").format(
            schema=Identifier(recorder.datastore.schema or "public"),
            table=Identifier(recorder.events_table_name))
        with recorder.datastore.get_connection() as connection, \
                connection.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(query, (after, limit), prepare=True)
            found: list[RawRow] = cursor.fetchall()
        return found
    msg = f"no raw scan for {type(recorder).__name__}"
    raise TypeError(msg)
