"""Reading the events and their tree, and recording checkpoints: the same questions asked of
the SQLite file or the PostgreSQL database, each with its own connection (verification and
sealing run beside the service, not inside its saves)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from services.errors import StoreUnavailable
from services.integrity import merkle
from services.integrity.entries import Location
from services.integrity.rows import CheckpointRow, EventRow, Head, LeafRow, checkpoint_of, events_of
from services.integrity.schema import Tables


@dataclass(frozen=True)
class _Dialect:
    mark: str
    position: str
    originator: str
    """The expression giving an originator id as 32 hex digits."""

    def param(self, originator: str) -> Any:
        return originator if self.mark == "?" else UUID(originator)


@dataclass(frozen=True)
class _Names:
    """The tables' names as SQL writes them (schema-qualified and quoted on PostgreSQL)."""

    tables: Tables
    schema: str | None

    def _name(self, table: str) -> str:
        return table if self.schema is None else f'"{self.schema}"."{table}"'

    @property
    def events(self) -> str:
        return self._name(self.tables.events)

    @property
    def leaves(self) -> str:
        return self._name(self.tables.leaves)

    @property
    def nodes(self) -> str:
        return self._name(self.tables.nodes)

    @property
    def checkpoints(self) -> str:
        return self._name(self.tables.checkpoints)


_SQLITE = _Dialect("?", "rowid", "originator_id")
_POSTGRES = _Dialect("%s", "notification_id", "replace(originator_id::text, '-', '')")


class TreeStore:
    """The tamper-evidence view of one events table."""

    def __init__(self, location: Location, tables: Tables, *, schema: str | None = None,
                 timeout_seconds: float = 30.0) -> None:
        self.location = location
        self.tables = tables
        self.schema = schema
        """The PostgreSQL schema of the tables (None on SQLite)."""
        self._q = _Names(tables, schema)
        self._d = _SQLITE if location.dialect == "sqlite" else _POSTGRES
        self._timeout = timeout_seconds
        self._lock = threading.Lock()
        self._connection: Any = None

    # ----- connections ----------------------------------------------------------------------

    def _connect(self) -> Any:
        if self.location.dialect == "sqlite":
            return sqlite3.connect(self.location.target, timeout=self._timeout,
                                   isolation_level=None, check_same_thread=False)
        return psycopg.connect(self.location.target, autocommit=True,
                               connect_timeout=max(1, round(self._timeout)))

    @contextmanager
    def _cursor(self, *, snapshot: bool = False) -> Iterator[Any]:
        with self._lock:
            try:
                if self._connection is None:
                    self._connection = self._connect()
                cursor = self._connection.cursor()
                if snapshot:
                    cursor.execute("BEGIN" if self._d is _SQLITE else
                                   "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                try:
                    yield cursor
                finally:
                    if snapshot:
                        cursor.execute("COMMIT")
                    cursor.close()
            except (sqlite3.OperationalError, psycopg.OperationalError) as error:
                self.close()  # a broken connection is not reused
                reason = str(error).strip().splitlines()[0][:200] if str(error).strip() \
                    else type(error).__name__
                raise StoreUnavailable(reason) from error
            except (sqlite3.Error, psycopg.Error):
                self.close()
                raise

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._cursor() as cursor:
            cursor.execute(sql.replace("?", self._d.mark), params)
            return list(cursor.fetchall())

    # ----- the tree -------------------------------------------------------------------------

    def head(self) -> Head:
        """Position, tree size and root and latest checkpoint, from one snapshot."""
        q, d = self._q, self._d
        with self._cursor(snapshot=True) as cursor:
            cursor.execute(f"SELECT (SELECT coalesce(max({d.position}), 0) FROM {q.events}),"
                           f" (SELECT coalesce(min({d.position}), 0) FROM {q.events}),"
                           f" (SELECT coalesce(max(idx) + 1, 0) FROM {q.leaves})")
            position, first, size = (int(v) for v in cursor.fetchone())
            found = self._fetch_nodes(cursor, merkle.frontier_keys(size))
            keys = merkle.frontier_keys(size)
            root = merkle.fold([found[k] for k in keys]) if all(k in found for k in keys) \
                else None
            cursor.execute(f"SELECT size, note, signed_at FROM {q.checkpoints}"
                           " ORDER BY size DESC LIMIT 1")
            latest = cursor.fetchone()
        return Head(position, size, root, checkpoint_of(latest) if latest else None, first)

    def nodes(self, keys: Iterable[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
        with self._cursor() as cursor:
            return self._fetch_nodes(cursor, list(keys))

    def _fetch_nodes(self, cursor: Any, keys: list[merkle.NodeKey]) -> dict[merkle.NodeKey,
                                                                                 bytes]:
        found: dict[merkle.NodeKey, bytes] = {}
        leaf_indexes = [index for level, index in keys if level == 0]
        inner = [key for key in keys if key[0] > 0]
        m = self._d.mark
        for start in range(0, len(leaf_indexes), 500):
            some = leaf_indexes[start:start + 500]
            cursor.execute(f"SELECT idx, hash FROM {self._q.leaves} WHERE idx IN"
                           f" ({', '.join([m] * len(some))})", some)
            found.update({(0, int(i)): bytes(h) for i, h in cursor.fetchall()})
        for start in range(0, len(inner), 250):
            part = inner[start:start + 250]
            where = " OR ".join([f"(level = {m} AND idx = {m})"] * len(part))
            cursor.execute(f"SELECT level, idx, hash FROM {self._q.nodes} WHERE {where}",
                           [v for key in part for v in key])
            found.update({(int(lv), int(i)): bytes(h) for lv, i, h in cursor.fetchall()})
        return found

    def leaves_from(self, index: int, limit: int) -> list[LeafRow]:
        rows = self._rows(f"SELECT idx, {self._d.originator}, originator_version, hash"
                          f" FROM {self._q.leaves} WHERE idx >= ? ORDER BY idx LIMIT ?",
                          (index, limit))
        return [LeafRow(int(i), o, int(v), bytes(h)) for i, o, v, h in rows]

    def leaf_of(self, originator: str, version: int) -> LeafRow | None:
        rows = self._rows(f"SELECT idx, {self._d.originator}, originator_version, hash"
                          f" FROM {self._q.leaves} WHERE originator_id = ?"
                          " AND originator_version = ?", (self._d.param(originator), version))
        return LeafRow(int(rows[0][0]), rows[0][1], int(rows[0][2]), bytes(rows[0][3])) \
            if rows else None

    def pathway_leaves(self, originator: str) -> list[LeafRow]:
        rows = self._rows(f"SELECT idx, {self._d.originator}, originator_version, hash"
                          f" FROM {self._q.leaves} WHERE originator_id = ? ORDER BY idx",
                          (self._d.param(originator),))
        return [LeafRow(int(i), o, int(v), bytes(h)) for i, o, v, h in rows]

    # ----- the events -----------------------------------------------------------------------

    def _event_sql(self, where: str) -> str:
        d = self._d
        return (f"SELECT {d.position}, {d.originator}, originator_version, topic, state"
                f" FROM {self._q.events} WHERE {where}")

    def events_after(self, position: int, limit: int) -> list[EventRow]:
        return events_of(self._rows(self._event_sql(
            f"{self._d.position} > ? ORDER BY {self._d.position} LIMIT ?"), (position, limit)))

    def position_at(self, after: int, offset: int) -> int | None:
        """The position of the event ``offset`` places after position ``after``."""
        p = self._d.position
        rows = self._rows(f"SELECT {p} FROM {self._q.events} WHERE {p} > ? ORDER BY {p}"
                          " LIMIT 1 OFFSET ?", (after, offset))
        return int(rows[0][0]) if rows else None

    def event(self, originator: str, version: int) -> EventRow | None:
        rows = events_of(self._rows(self._event_sql("originator_id = ? AND originator_version = ?"),
                                  (self._d.param(originator), version)))
        return rows[0] if rows else None

    def pathway_events(self, originator: str) -> list[EventRow]:
        return events_of(self._rows(self._event_sql(
            f"originator_id = ? ORDER BY {self._d.position}"), (self._d.param(originator),)))

    # ----- checkpoints ----------------------------------------------------------------------

    def checkpoints(self, *, up_to: int | None = None) -> list[CheckpointRow]:
        rows = self._rows(f"SELECT size, note, signed_at FROM {self._q.checkpoints}"
                          " WHERE size <= ? ORDER BY size", (up_to if up_to is not None
                                                             else 2**62,))
        return [checkpoint_of(row) for row in rows]

    def add_checkpoint(self, size: int, note: str, signed_at: datetime) -> bool:
        """Record a checkpoint; False if one of that size is already recorded."""
        stamp: Any = signed_at.isoformat() if self._d is _SQLITE else signed_at
        with self._cursor() as cursor:
            cursor.execute(f"INSERT INTO {self._q.checkpoints} (size, note, signed_at)"
                           f" VALUES ({', '.join([self._d.mark] * 3)})"
                           " ON CONFLICT (size) DO NOTHING", (size, note, stamp))
            return bool(cursor.rowcount == 1)
