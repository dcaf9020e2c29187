"""A seeded, sealed store and an attacker with raw SQL access to it, on SQLite or PostgreSQL.

The attacker turns off what stands in its way first (drops SQLite's triggers; on PostgreSQL,
as the superuser, sets ``session_replication_role = replica``, which skips triggers), as
someone with the database's files or its superuser would.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg

from services.composition import Container
from services.integrity import merkle
from services.integrity.entries import POSTGRES_ENTRY, SQLITE_ENTRY, leaf_hashes
from services.integrity.findings import Verification
from services.integrity.schema import Tables
from services.integrity.verify import verify_pathway, verify_store

SMALL_CHUNKS = 16
"""Position ranges small enough that even a test's store is checked by several processes."""


@dataclass
class Attacker:
    """Raw SQL on the events table and its tree, with the store's protections turned off."""

    container: Container
    dialect: str
    target: str
    tables: Tables

    @property
    def position(self) -> str:
        return "rowid" if self.dialect == "sqlite" else "notification_id"

    @contextmanager
    def sql(self) -> Iterator[Any]:
        if self.dialect == "sqlite":
            lite = sqlite3.connect(self.target, isolation_level=None)
            for table in self.tables.all:
                for action in ("update", "delete"):
                    lite.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
            try:
                yield _Sql(lite, "?")
            finally:
                lite.close()
            return
        with psycopg.connect(self.target, autocommit=True) as connection:
            connection.execute("SET session_replication_role = replica")
            yield _Sql(connection, "%s")

    def rows(self) -> list[tuple[int, str, int, str, bytes]]:
        """(position, originator hex, version, topic, state) of every event, in log order."""
        hexed = "originator_id" if self.dialect == "sqlite" else \
            "replace(originator_id::text, '-', '')"
        with self.sql() as sql:
            return [(int(p), o, int(v), t, bytes(s)) for p, o, v, t, s in sql.query(
                f"SELECT {self.position}, {hexed}, originator_version, topic, state"
                f" FROM {self.tables.events} ORDER BY {self.position}")]

    def originator(self, hex_id: str) -> Any:
        return hex_id if self.dialect == "sqlite" else UUID(hex_id)

    def rebuild_tree(self) -> None:
        """What an attacker who knows the scheme (but not the key) does after an edit: hash
        the events as they now are into fresh leaves and subtrees."""
        entry = SQLITE_ENTRY if self.dialect == "sqlite" else POSTGRES_ENTRY
        with self.sql() as sql:
            rows = sql.query(f"SELECT originator_id, originator_version, {entry}"
                             f" FROM {self.tables.events} ORDER BY {self.position}")
            leaves = leaf_hashes([bytes(r[2]) for r in rows])
            appended = merkle.append(0, [], leaves)
            sql.run(f"DELETE FROM {self.tables.leaves}")
            sql.run(f"DELETE FROM {self.tables.nodes}")
            sql.many(f"INSERT INTO {self.tables.leaves} VALUES (?, ?, ?, ?)",
                     [(i, r[0], r[1], leaf) for i, (r, leaf) in enumerate(zip(rows, leaves,
                                                                             strict=True))])
            sql.many(f"INSERT INTO {self.tables.nodes} VALUES (?, ?, ?)", appended.nodes)

    def drop_newest(self, count: int) -> None:
        """Delete the newest ``count`` events with their leaves and the subtrees over them:
        what is left is a consistent, shorter tree."""
        rows = self.rows()
        keep = len(rows) - count
        with self.sql() as sql:
            sql.run(f"DELETE FROM {self.tables.events} WHERE {self.position} > ?",
                    (rows[keep - 1][0],))
            sql.run(f"DELETE FROM {self.tables.leaves} WHERE idx >= ?", (keep,))
            sql.run(f"DELETE FROM {self.tables.nodes} WHERE (idx + 1) * (1 << level) > ?",
                    (keep,))

    def verify(self, *, jobs: int = 2, witness: Any = None) -> Verification:
        integrity = self.container.integrity
        return verify_store(integrity.store, integrity.verifier, jobs=jobs, witness=witness,
                            chunk_positions=SMALL_CHUNKS)

    def verify_pathway(self, hex_id: str) -> Verification:
        integrity = self.container.integrity
        return verify_pathway(integrity.store, integrity.verifier, UUID(hex_id))


@dataclass
class _Sql:
    connection: Any
    mark: str

    def run(self, statement: str, params: Sequence[Any] = ()) -> int:
        cursor = self.connection.execute(statement.replace("?", self.mark), params)
        return int(cursor.rowcount)

    def many(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            cursor = self.connection.cursor()
            cursor.executemany(statement.replace("?", self.mark), rows)

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self.connection.execute(statement.replace("?", self.mark),
                                            params).fetchall())
