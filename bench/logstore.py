"""A carepath store over a bulk-written log, for the sections that read a whole log back (the
rebuild, verify): on SQLite in a temporary directory, or on a PostgreSQL database."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.carepath import as_url
from bench.eventlog import Template, copies, fill_postgres, fill_sqlite
from bench.keyset import Say
from services.composition import Container, bootstrap
from services.settings import load_settings


@dataclass(frozen=True)
class LogStore:
    container: Container
    target: str
    """The SQLite file of the events, or the PostgreSQL database's DSN."""
    events: int
    """How many events the log holds."""


@contextmanager
def log_store(section: str, events: int, rows: Sequence[Template], say: Say, *,
              dsn: str | None = None) -> Iterator[LogStore]:
    """A container over a log of at least ``events`` events copied from ``rows``: SQLite, or
    (with ``dsn``) that PostgreSQL database; closed afterwards."""
    with tempfile.TemporaryDirectory(prefix="carepath-bench-") as data_dir:
        store = {} if dsn is None else {"database_url": as_url(dsn)}
        container = bootstrap(load_settings(data_dir=Path(data_dir), **store))
        try:
            if dsn is None:
                path = str(Path(data_dir) / "Pathways.sqlite3")
                say(f"{section} (sqlite): writing a log of {events:,} events ...")
                yield LogStore(container, path, fill_sqlite(path, copies(rows, events), say=say))
            else:
                say(f"{section} (postgresql): copying a log of {events:,} events ...")
                yield LogStore(container, dsn, fill_postgres(dsn, copies(rows, events), say=say))
        finally:
            container.close()
