"""The contract between the benchmark harness and a workload.

A *workload* is one scenario (carepath, raw psycopg, bare eventsourcing) bound
to one fresh database and one writer count. The harness drives it like this::

    workload = factory(dsn, writers, ops)   # dsn: a fresh, empty database
    workload.setup()                         # not timed: tables, prepopulation
    # W threads call workload.op(writer, i), concurrently, timed per call;
    # writer w gets i = w, w + W, w + 2W, ... (each i in [0, ops) exactly once)
    workload.teardown()                      # always called: close pools/apps

Rules for implementers (e.g. the carepath workload):

- ``op`` must be thread-safe across writers and do one complete unit of work
  (for carepath: one command through the application layer, committed).
- ``op`` returns how many times it had to retry (optimistic-concurrency
  conflicts, ``eventsourcing.persistence.IntegrityError``), or ``None`` for 0.
  Any exception it raises is counted as an error, and the run goes on.
- Operations with the same ``writer`` run sequentially in one thread, so a
  workload can keep per-writer state (e.g. ``streams[i % S]`` with
  ``S % writers == 0`` keeps writers off each other's streams).
- ``teardown`` must release every connection (``app.close()``,
  ``pool.close()``), or the harness cannot drop the database.
- Optionally, implement ``stored_bytes_per_event()`` (see
  :class:`ReportsStoredBytes`) so the report can show what the scenario really
  stored per event; the raw and bare scenarios should be given that size.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


class Workload(Protocol):
    """One benchmark scenario bound to one database and writer count."""

    def setup(self) -> None:
        """Prepare tables and data; not timed."""

    def op(self, writer: int, i: int) -> int | None:
        """Do operation ``i`` on behalf of writer ``writer``; return retries."""

    def teardown(self) -> None:
        """Release all connections; always called, even after a failure."""


class WorkloadFactory(Protocol):
    """Builds a workload for a fresh database ``dsn``, ``writers`` threads and
    ``ops`` operations. Must not touch the database: ``setup`` does that."""

    def __call__(self, dsn: str, writers: int, ops: int) -> Workload: ...


@runtime_checkable
class ReportsStoredBytes(Protocol):
    """Optional: a workload that can tell the mean stored bytes per event."""

    def stored_bytes_per_event(self) -> float | None: ...
