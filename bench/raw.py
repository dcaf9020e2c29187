"""Raw psycopg workload: one single-row INSERT transaction per operation.

This is the ceiling for the hardware: no table lock, no NOTIFY, no mapping,
no reading before writing; only the round trips and the commit.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field

from psycopg import sql
from psycopg_pool import ConnectionPool

from bench.workload import Workload, WorkloadFactory

TABLE = "bench_raw_events"

_CREATE = sql.SQL(
    "CREATE TABLE IF NOT EXISTS {} ("
    " id bigserial PRIMARY KEY,"
    " stream uuid NOT NULL,"
    " version int NOT NULL,"
    " payload bytea NOT NULL)"
).format(sql.Identifier(TABLE))
_INSERT = sql.SQL("INSERT INTO {} (stream, version, payload) VALUES (%s, %s, %s)").format(
    sql.Identifier(TABLE)
)


@dataclass
class RawInsertWorkload:
    """Each op: take a pooled connection, INSERT one row, COMMIT."""

    dsn: str
    writers: int
    ops: int
    payload_bytes: int
    history: int = 0
    _pool: ConnectionPool | None = field(default=None, init=False, repr=False)
    _streams: list[uuid.UUID] = field(default_factory=list, init=False, repr=False)
    _payload: bytes = field(default=b"", init=False, repr=False)

    def setup(self) -> None:
        # Same stream layout as the bare workload: op i goes to stream i.
        self._streams = [uuid.uuid4() for _ in range(max(self.ops, 1))]
        self._payload = os.urandom(self.payload_bytes)
        self._pool = ConnectionPool(
            self.dsn,
            min_size=self.writers,
            max_size=self.writers,
            open=False,
            name="bench-raw",
        )
        self._pool.open(wait=True, timeout=30.0)
        with self._pool.connection() as conn:
            conn.execute(_CREATE)

    def op(self, writer: int, i: int) -> int:
        if self._pool is None:
            raise RuntimeError("setup() not called")
        stream = self._streams[i % len(self._streams)]
        # pool.connection() commits on a clean exit: one transaction per op.
        with self._pool.connection() as conn:
            conn.execute(_INSERT, (stream, self.history + 1, self._payload), prepare=True)
        return 0

    def teardown(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def stored_bytes_per_event(self) -> float | None:
        return float(self.payload_bytes)


def raw_factory(payload_bytes: int, history: int = 0) -> WorkloadFactory:
    """A factory for :class:`RawInsertWorkload` with a fixed payload size."""

    def make(dsn: str, writers: int, ops: int) -> Workload:
        return RawInsertWorkload(dsn, writers, ops, payload_bytes, history)

    return make
