"""Where one stored event sits in the ordered log (its notification id), looked up by version.

The write side needs it to answer a retried command exactly as it answered the first time,
log position included; the read side's ``projections.log`` is where positions are followed.
Both stores keep the position beside each row: SQLite as the ``rowid``, PostgreSQL as
``notification_id`` (eventsourcing's table layouts).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier


def stored_position(recorder: Any, originator_id: UUID, version: int) -> int:
    """The log position of ``originator_id``'s event at ``version`` (0 if it is not stored)."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        statement = (f"SELECT rowid FROM {recorder.events_table_name}"
                     " WHERE originator_id = ? AND originator_version = ?")
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, [originator_id.hex, version])
            row = cursor.fetchone()
        return int(row[0]) if row else 0
    if isinstance(recorder, PostgresApplicationRecorder):
        query = SQL("SELECT notification_id FROM {schema}.{table} WHERE originator_id = %s"
                    " AND originator_version = %s").format(
            schema=Identifier(recorder.datastore.schema or "public"),
            table=Identifier(recorder.events_table_name))
        with recorder.datastore.get_connection() as connection, connection.cursor() as cursor:
            cursor.execute(query, [originator_id, version])
            found = cursor.fetchone()
        return int(found["notification_id"]) if found else 0
    msg = f"no log positions for {type(recorder).__name__}"
    raise TypeError(msg)
