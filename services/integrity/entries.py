"""Leaf hashes straight from the events table, fast: the database builds each entry (header
line and stored bytes) and hashlib hashes them in C-level loops, no Python code per event.

This module is also the verification worker (``python -m services.integrity.entries``): it
reads tasks, one JSON line each, on stdin and answers each with a JSON line and the leaf
hashes' bytes on stdout. It imports only the standard library and psycopg.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import methodcaller
from typing import Any, Literal
from urllib.parse import quote

Dialect = Literal["sqlite", "postgres"]

SQLITE_ENTRY = ("CAST(x'00' || originator_id || ' ' || originator_version || ' ' || topic"
                " || x'0a' || state AS BLOB)")
"""RFC 6962's leaf input (0x00 || entry) of a row; NULL if a column was set to NULL."""
POSTGRES_ENTRY = ("'\\x00'::bytea || convert_to(replace(originator_id::text, '-', '') || ' '"
                  " || originator_version || ' ' || topic || E'\\n', 'UTF8') || state")
FETCH = 4096
CONNECT_TIMEOUT_SECONDS = 10

_digest = methodcaller("digest")
_sha256 = hashlib.sha256
_join = b"".join
_NODE = b"\x01"


def leaf_hashes(inputs: Sequence[bytes]) -> list[bytes]:
    """SHA-256 of each leaf input (already prefixed with 0x00)."""
    return list(map(_digest, map(_sha256, inputs)))


def pair_hashes(level: Sequence[bytes]) -> list[bytes]:
    """The parents of ``level``'s nodes taken two by two (an odd last node is left out)."""
    return list(map(_digest, map(_sha256, map(_join, zip(
        repeat(_NODE), level[0::2], level[1::2], strict=False)))))


@dataclass(frozen=True)
class Location:
    """Where a worker finds the events table: an SQLite file or a PostgreSQL database."""

    dialect: Dialect
    target: str
    """SQLite file path, or libpq connection string."""
    table: str
    """The events table, schema-qualified and quoted on PostgreSQL."""


@dataclass(frozen=True)
class Chunk:
    """Events with ``low < position <= high`` in log order."""

    low: int
    high: int


@dataclass(frozen=True)
class ChunkLeaves:
    chunk: Chunk
    count: int
    leaves: bytes
    """The leaf hashes, 32 bytes each, concatenated (cheap to send between processes)."""
    complete: bool
    """False if a row had a NULL column (no entry, so no leaf): the caller must look closer."""


def open_connection(location: Location) -> Any:
    """A read-only connection to the events table's database (the caller closes it)."""
    if location.dialect == "sqlite":
        return sqlite3.connect(f"file:{quote(location.target)}?mode=ro", uri=True,
                               timeout=CONNECT_TIMEOUT_SECONDS)
    import psycopg  # noqa: PLC0415 - SQLite-only workers need not load it

    return psycopg.connect(location.target, autocommit=True,
                           connect_timeout=CONNECT_TIMEOUT_SECONDS)


def leaves_of(connection: Any, location: Location, chunk: Chunk) -> ChunkLeaves:
    """Read one chunk of the log over ``connection`` and hash its leaves."""
    leaves: list[bytes] = []
    complete = True
    for inputs in _entries(connection, location, chunk):
        if None in inputs:
            complete = False
            inputs = [value for value in inputs if value is not None]  # noqa: PLW2901
        leaves += leaf_hashes(inputs)
    return ChunkLeaves(chunk, len(leaves), b"".join(leaves), complete)


def _entries(connection: Any, location: Location, chunk: Chunk) -> Iterator[list[bytes]]:
    if location.dialect == "sqlite":
        cursor = connection.execute(
            f"SELECT {SQLITE_ENTRY} FROM {location.table} WHERE rowid > ? AND rowid <= ?"
            " ORDER BY rowid", (chunk.low, chunk.high))
        try:
            while rows := cursor.fetchmany(FETCH):
                yield [row[0] for row in rows]
        finally:
            cursor.close()
        return
    with connection.cursor(binary=True) as cursor:
        cursor.execute(f"SELECT {POSTGRES_ENTRY} FROM {location.table} WHERE notification_id"
                       " > %s AND notification_id <= %s ORDER BY notification_id",
                       (chunk.low, chunk.high))
        while rows := cursor.fetchmany(FETCH):
            yield [row[0] for row in rows]


def serve_tasks() -> None:
    """The worker's loop: ``{"location": [...], "chunk": [low, high]}`` in, header and
    leaves out; the connection is kept for the next task; stdin closed ends the worker."""
    connections: dict[Location, Any] = {}
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        task = json.loads(line)
        location = Location(*task["location"])
        try:
            connection = connections.get(location)
            if connection is None:
                connection = connections[location] = open_connection(location)
            done = leaves_of(connection, location, Chunk(*task["chunk"]))
        except Exception as error:  # noqa: BLE001 - reported to the parent, which raises
            connections.pop(location, None)
            out.write(json.dumps({"error": f"{type(error).__name__}: {error}"}).encode() + b"\n")
        else:
            out.write(json.dumps({"count": done.count, "complete": done.complete}).encode()
                      + b"\n" + done.leaves)
        out.flush()


if __name__ == "__main__":
    serve_tasks()
