"""The event store's recorders, each extending the tree in the transaction that stores events.

Both stores' recorders (with their outage translation, ``services.store``) are subclassed, so
every save of any aggregate (pathways, groups, several at once) appends its events' leaves
and the subtrees they complete before the commit: a save is stored with its hashes or not at
all. Under PostgreSQL's table lock (SQLite: its write lock) saves are serialised, so the tree
size read inside the transaction is the one this save extends.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore

from services.integrity import merkle
from services.integrity.adoption import adopt_postgres, adopt_sqlite
from services.integrity.schema import Tables, postgres_statements, sqlite_statements
from services.store.availability import AvailableSQLiteRecorder
from services.store.postgres import BoundedApplicationRecorder, BoundedPostgresFactory

log = logging.getLogger("carepath.integrity")


class TreeDamaged(RuntimeError):
    """A stored subtree the next save builds on is missing: the tables were tampered with."""


def originator_hex(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)


def new_leaves(stored_events: Sequence[StoredEvent]) -> list[bytes]:
    return [merkle.leaf_hash(originator_hex(s.originator_id), s.originator_version, s.topic,
                             s.state) for s in stored_events]


def _frontier(size: int, found: dict[tuple[int, int], bytes]) -> list[bytes]:
    keys = merkle.frontier_keys(size)
    missing = [key for key in keys if key not in found]
    if missing:
        msg = (f"the stored tree lacks subtree {missing[0]} of size {size}: its tables were"
               " altered; run carepath verify")
        raise TreeDamaged(msg)
    return [found[key] for key in keys]


class ChainedSQLiteRecorder(AvailableSQLiteRecorder):
    """The embedded store's recorder, with the tree tables in the same file."""

    def __init__(self, datastore: SQLiteDatastore,
                 events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name)
        self.tables = Tables(events_table_name)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(),
                *sqlite_statements(Tables(self.events_table_name))]

    def _create_table(self, c: SQLiteCursor) -> None:
        super()._create_table(c)
        adopted = adopt_sqlite(c, Tables(self.events_table_name))
        if adopted:
            log.warning("tamper evidence: %d events stored before it existed now form the"
                        " start of the tree (they are vouched for from now on, not before)",
                        adopted)

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent],
                       **kwargs: Any) -> Sequence[int] | None:
        # The events first: that takes SQLite's write lock, so the tree read below is final.
        ids = super()._insert_events(c, stored_events, **kwargs)
        if stored_events:
            self._append(c, stored_events)
        return ids

    def _append(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent]) -> None:
        t = self.tables
        c.execute(f"SELECT coalesce(max(idx) + 1, 0) FROM {t.leaves}")
        size = int(c.fetchone()[0])
        found: dict[tuple[int, int], bytes] = {}
        keys = merkle.frontier_keys(size)
        if keys:
            where = " OR ".join(["(level = ? AND idx = ?)"] * len(keys))
            c.execute(f"SELECT 0, idx, hash FROM {t.leaves} WHERE idx = ? UNION ALL"
                      f" SELECT level, idx, hash FROM {t.nodes} WHERE {where}",
                      [size - 1, *(v for key in keys for v in key)])
            found = {(int(r[0]), int(r[1])): bytes(r[2]) for r in c.fetchall()}
        leaves = new_leaves(stored_events)
        appended = merkle.append(size, _frontier(size, found), leaves)
        c.executemany(f"INSERT INTO {t.leaves} VALUES (?, ?, ?, ?)", [
            (size + i, originator_hex(s.originator_id), s.originator_version, leaf)
            for i, (s, leaf) in enumerate(zip(stored_events, leaves, strict=True))])
        c.executemany(f"INSERT INTO {t.nodes} VALUES (?, ?, ?)", appended.nodes)


class ChainedPostgresRecorder(BoundedApplicationRecorder):
    """PostgreSQL's recorder: the tree is read and extended in the save's own pipeline."""

    def __init__(self, datastore: PostgresDatastore, *,
                 events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.tables = Tables(events_table_name)
        schema = datastore.schema

        def q(name: str) -> str:
            return f'"{schema}"."{name}"'

        t = self.tables
        self._frontier_sql = (
            f"WITH n AS (SELECT coalesce(max(idx) + 1, 0) AS size FROM {q(t.leaves)})"
            " SELECT n.size, k.level, CASE WHEN k.level = 0"
            f" THEN (SELECT hash FROM {q(t.leaves)} WHERE idx = n.size - 1)"
            f" ELSE (SELECT hash FROM {q(t.nodes)} WHERE level = k.level"
            " AND idx = (n.size >> k.level) - 1) END AS hash"
            " FROM n LEFT JOIN generate_series(0, 62) AS k(level)"
            " ON (n.size >> k.level) & 1 = 1")
        self._append_sql = (
            f"WITH leaves AS (INSERT INTO {q(t.leaves)}"
            " (idx, originator_id, originator_version, hash)"
            " SELECT * FROM unnest(%s::bigint[], %s::uuid[], %s::bigint[], %s::bytea[]))"
            f" INSERT INTO {q(t.nodes)} (level, idx, hash)"
            " SELECT * FROM unnest(%s::smallint[], %s::bigint[], %s::bytea[])")
        self._pending = threading.local()

    def _create_table(self, curs: Any) -> None:
        super()._create_table(curs)
        schema = self.datastore.schema
        curs.execute(f'LOCK TABLE "{schema}"."{self.events_table_name}" IN EXCLUSIVE MODE')
        for statement in postgres_statements(self.tables, schema):
            curs.execute(statement)
        adopted = adopt_postgres(curs, self.tables, schema)
        if adopted:
            log.warning("tamper evidence: %d events stored before it existed now form the"
                        " start of the tree (they are vouched for from now on, not before)",
                        adopted)

    def _insert_stored_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                              **kwargs: Any) -> None:
        """The library's lock, notify and insert, with the tree's frontier read between the
        lock and the insert (all pipelined): a conflicting insert then fails first, as the
        library expects, rather than aborting a statement queued after it."""
        self._lock_table(curs)
        self._notify_channel(curs)
        frontier = curs.connection.cursor()
        frontier.execute(self._frontier_sql, prepare=True)
        self._pending.cursor = frontier
        PostgresAggregateRecorder._insert_stored_events(self, curs, stored_events, **kwargs)

    def _fetch_ids_after_insert_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                                       **kwargs: Any) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        frontier = self._pending.cursor
        self._pending.cursor = None
        rows = frontier.fetchall()
        size = int(rows[0]["size"])
        found = {(int(r["level"]), (size >> int(r["level"])) - 1): bytes(r["hash"])
                 for r in rows if r["level"] is not None and r["hash"] is not None}
        leaves = new_leaves(stored_events)
        appended = merkle.append(size, _frontier(size, found), leaves)
        levels, indexes, hashes = (list(column) for column in zip(*appended.nodes, strict=True)) \
            if appended.nodes else ([], [], [])
        frontier.execute(self._append_sql, (
            list(range(size, size + len(leaves))), [s.originator_id for s in stored_events],
            [s.originator_version for s in stored_events], leaves, levels, indexes, hashes),
            prepare=True)  # one statement: leaves and subtrees, committed with the events
        return ids


class ChainedPostgresFactory(BoundedPostgresFactory):
    """``PERSISTENCE_MODULE`` topic: ``services.integrity.recorders:ChainedPostgresFactory``."""

    application_recorder_class = ChainedPostgresRecorder
