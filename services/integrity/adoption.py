"""Building the tree over events stored without one: a store from before tamper evidence, or
a log bulk-copied into the events table (the benchmark's).

Adoption vouches for the events as they are *now*: it runs only when the tree is empty, and
the service logs how many events it took in. Leaves are hashed by the database's entries
(``entries``), subtrees level by level, and everything is written in the caller's
transaction.
"""

from __future__ import annotations

from typing import Any

from services.integrity import merkle
from services.integrity.entries import POSTGRES_ENTRY, SQLITE_ENTRY, leaf_hashes
from services.integrity.schema import Tables

BATCH = 8192


def adopt_sqlite(c: Any, tables: Tables) -> int:
    """Build the tree of every stored event if there is none; returns how many it took in."""
    c.execute(f"SELECT EXISTS (SELECT 1 FROM {tables.leaves}),"
              f" EXISTS (SELECT 1 FROM {tables.events})")
    has_tree, has_events = c.fetchone()
    if has_tree or not has_events:
        return 0
    size, frontier, last = 0, list[bytes](), 0
    while True:
        c.execute(f"SELECT rowid, originator_id, originator_version, {SQLITE_ENTRY}"
                  f" FROM {tables.events} WHERE rowid > ? ORDER BY rowid LIMIT ?",
                  (last, BATCH))
        rows = c.fetchall()
        if not rows:
            return size
        leaves = leaf_hashes(_entries([row[3] for row in rows], rows[0][0]))
        appended = merkle.append(size, frontier, leaves)
        c.executemany(f"INSERT INTO {tables.leaves} VALUES (?, ?, ?, ?)", [
            (size + i, row[1], row[2], leaf) for i, (row, leaf) in
            enumerate(zip(rows, leaves, strict=True))])
        c.executemany(f"INSERT INTO {tables.nodes} VALUES (?, ?, ?)", appended.nodes)
        size, frontier, last = appended.size, appended.frontier, int(rows[-1][0])


def _entries(entries: list[Any], first_position: int) -> list[bytes]:
    if None in entries:
        msg = (f"an event at or after position {first_position} has a NULL column:"
               " the log cannot be adopted into a tree as it is")
        raise ValueError(msg)
    return [bytes(entry) for entry in entries]


def adopt_postgres(curs: Any, tables: Tables, schema: str) -> int:
    """As :func:`adopt_sqlite`, on PostgreSQL (the caller holds the events table's lock)."""
    def q(name: str) -> str:
        return f'"{schema}"."{name}"'

    curs.execute(f"SELECT EXISTS (SELECT 1 FROM {q(tables.leaves)}) AS has_tree,"
                 f" EXISTS (SELECT 1 FROM {q(tables.events)}) AS has_events")
    row = curs.fetchone()
    if row["has_tree"] or not row["has_events"]:
        return 0
    size, frontier, last = 0, list[bytes](), 0
    while True:
        curs.execute(f"SELECT notification_id, originator_id, originator_version,"
                     f" {POSTGRES_ENTRY} AS entry FROM {q(tables.events)}"
                     " WHERE notification_id > %s ORDER BY notification_id LIMIT %s",
                     (last, BATCH))
        rows = curs.fetchall()
        if not rows:
            return size
        leaves = leaf_hashes(_entries([r["entry"] for r in rows], rows[0]["notification_id"]))
        appended = merkle.append(size, frontier, leaves)
        with curs.copy(f"COPY {q(tables.leaves)} (idx, originator_id, originator_version,"
                       " hash) FROM STDIN") as copy:
            for i, (r, leaf) in enumerate(zip(rows, leaves, strict=True)):
                copy.write_row((size + i, r["originator_id"], r["originator_version"], leaf))
        with curs.copy(f"COPY {q(tables.nodes)} (level, idx, hash) FROM STDIN") as copy:
            for node in appended.nodes:
                copy.write_row(node)
        size, frontier, last = appended.size, appended.frontier, rows[-1]["notification_id"]
