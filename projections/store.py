"""Where read models live: one SQL database, the same SQL on SQLite and PostgreSQL.

A projection writes its rows and its log position in one transaction of this store, which is
what makes each event count exactly once across crashes. SQL is written once, portably
(``INSERT ... ON CONFLICT ... DO UPDATE``, no dialect functions), with ``:name`` parameters and
``{table}`` placeholders for the projection's own tables; a transaction fills in the physical
table names of the generation it writes (``rm_<projection>_g<generation>_<table>``), so a
rebuild can fill a new generation beside the live one and take over when it has caught up.

On the embedded default the read models are a SQLite file of their own beside the event
store's (``ReadModels.sqlite3``, WAL mode: readers never wait for the writer); on PostgreSQL
they are tables in the service's database, reached through a small connection pool.

Like the event store, a read store that cannot be used now (a pool wait, a refused or dropped
connection, a statement or lock timeout; a locked, read-only or vanished SQLite file) raises
``StoreUnavailable`` from its transactions, which the HTTP edge answers with 503 and
``Retry-After`` and the workers wait out. On PostgreSQL a lost connection opens the store's
breaker (``services.store.availability``): calls fail at once while one probe a half second
tries the database, so a down database costs a request milliseconds, not the pool timeout.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal, Protocol

from projections.bulk import bulk
from services.errors import READ_MODELS
from services.store.availability import Outages, sqlite_outage

Dialect = Literal["sqlite", "postgresql"]
Row = tuple[Any, ...]
Params = Mapping[str, Any] | None
Write = tuple[str, list[Mapping[str, Any]]]
"""A deferred write: the statement with its tables filled in, and its rows (one or many)."""
TABLE_PREFIX = "rm_"
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
_MIN_RECONNECT_SECONDS = 2.0


def physical_name(projection: str, generation: int, table: str) -> str:
    """The table a projection's ``table`` is stored in for one generation of its rows."""
    for part in (projection, table):
        if not _NAME.match(part):
            msg = f"{part!r} is not a valid projection or table name"
            raise ValueError(msg)
    return f"{TABLE_PREFIX}{projection}_g{generation}_{table}"


@cache
def _for_psycopg(statement: str) -> str:
    """``:name`` -> ``%(name)s``, with literal ``%`` doubled (psycopg's parameter syntax)."""
    return _PARAM.sub(r"%(\1)s", statement.replace("%", "%%"))


@cache
def _positional(statement: str) -> tuple[str, Callable[[Mapping[str, Any]], tuple[Any, ...]]]:
    """``:name`` -> ``?``, and how to make a row's values in that order: SQLite binds
    positional values a third faster than it looks each name up in a mapping, which a
    rebuild's hundreds of thousands of wide rows pay in full."""
    names = _PARAM.findall(statement)
    pick = itemgetter(*names)
    values: Callable[[Mapping[str, Any]], tuple[Any, ...]] = (
        pick if len(names) > 1 else lambda row: (pick(row),))
    return _PARAM.sub("?", statement), values


class Tx:
    """One transaction: run SQL with ``:name`` parameters and ``{table}`` placeholders."""

    def __init__(self, connection: Any, dialect: Dialect,
                 tables: Mapping[str, str] | None = None,
                 memory: dict[str, Any] | None = None,
                 deferred: list[Write] | None = None) -> None:
        self._connection = connection
        self.dialect: Dialect = dialect
        self.tables: Mapping[str, str] = tables or {}
        self.deferred = deferred
        """Writes kept to run later (``deferring``), None: writes run at once."""
        self.memory = memory
        """Rows a rebuild keeps between its batches (None: read every batch's rows afresh).

        Only a writer that alone writes these tables for the transactions to come may pass
        one (``rebuild_all``, which checks each generation's position at every batch), and it
        must drop it if a transaction fails: the rows in it are those committed so far."""

    def with_tables(self, tables: Mapping[str, str]) -> Tx:
        """The same transaction, with ``{name}`` standing for these physical tables."""
        return Tx(self._connection, self.dialect, tables, self.memory, self.deferred)

    def remembering(self, memory: dict[str, Any]) -> Tx:
        """The same transaction, keeping rows in ``memory`` between batches (see ``memory``)."""
        return Tx(self._connection, self.dialect, self.tables, memory, self.deferred)

    def deferring(self, writes: list[Write]) -> Tx:
        """The same transaction for reading; its writes are appended to ``writes`` instead
        of run, for ``run`` to run in another (write) transaction. A rebuild folds a batch
        while reading, and holds SQLite's write lock only to write what it folded."""
        return Tx(self._connection, self.dialect, self.tables, self.memory, writes)

    def run(self, writes: Iterable[Write]) -> None:
        """Run writes kept by a deferring transaction, in order, in this one."""
        for text, rows in writes:
            self._write(text, rows)

    def sql(self, statement: str) -> str:
        text = statement.format_map(self.tables) if self.tables else statement
        return _for_psycopg(text) if self.dialect == "postgresql" else text

    def execute(self, statement: str, params: Params = None) -> None:
        if self.deferred is not None:
            self.executemany(statement, [params or {}])
            return
        self._connection.execute(self.sql(statement), params or {})

    def executemany(self, statement: str, rows: Iterable[Mapping[str, Any]]) -> None:
        rows = list(rows)
        if not rows:
            return
        text = statement.format_map(self.tables) if self.tables else statement
        if self.deferred is not None:
            self.deferred.append((text, rows))
            return
        self._write(text, rows)

    def _write(self, text: str, rows: list[Mapping[str, Any]]) -> None:
        """``text``'s tables filled in already."""
        if self.dialect == "postgresql":
            plan = bulk(text)
            if plan is not None and plan.takes(rows):
                plan.write(self._connection, rows)
                return
            with self._connection.cursor() as cursor:
                cursor.executemany(_for_psycopg(text), rows)
        elif len(rows) == 1:
            self._connection.execute(text, rows[0])
        else:
            positional, values = _positional(text)
            self._connection.executemany(positional, map(values, rows))

    def all(self, statement: str, params: Params = None) -> list[Row]:
        cursor = self._connection.execute(self.sql(statement), params or {})
        return [tuple(row) for row in cursor.fetchall()]

    def one(self, statement: str, params: Params = None) -> Row | None:
        cursor = self._connection.execute(self.sql(statement), params or {})
        row = cursor.fetchone()
        return None if row is None else tuple(row)

    def scalar(self, statement: str, params: Params = None) -> Any:
        row = self.one(statement, params)
        return None if row is None else row[0]


class ReadStore(Protocol):
    """A database for read models and their positions."""

    dialect: Dialect

    def transaction(self) -> AbstractContextManager[Tx]:
        """A read-write transaction: committed when the block ends, rolled back on error."""
        ...

    def reading(self) -> AbstractContextManager[Tx]:
        """A read-only transaction (never takes the write lock; always rolled back)."""
        ...

    def close(self) -> None: ...


class SQLiteReadStore:
    """Read models in one SQLite file (WAL), one connection per thread."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: Path, *, busy_timeout_seconds: float = 5.0,
                 name: str = READ_MODELS) -> None:
        self.path = path
        # No breaker: a locked file is busy, not gone, and each call waits the lock timeout.
        self.outages = Outages(sqlite_outage, store=name)
        self._timeout = busy_timeout_seconds
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as first:
            first.execute("PRAGMA journal_mode=WAL")

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None,
                                     check_same_thread=False)
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._connect()
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self.outages.translated():
            connection = self._connection()
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(connection, "sqlite")
                connection.execute("COMMIT")
            except BaseException:
                _roll_back(connection)  # a failed COMMIT leaves the transaction open
                raise

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        """A read-only snapshot (a deferred transaction takes no write lock)."""
        with self.outages.translated():
            connection = self._connection()
            connection.execute("BEGIN")
            try:
                yield Tx(connection, "sqlite")
            finally:
                _roll_back(connection)

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()


class PostgresReadStore:
    """Read models in the service's PostgreSQL database, through a small pool."""

    dialect: Dialect = "postgresql"

    def __init__(self, conninfo: str, *, pool_size: int = 4, timeout_seconds: float = 3.0,
                 name: str = READ_MODELS) -> None:
        from psycopg_pool import ConnectionPool  # noqa: PLC0415 - SQLite needs no psycopg

        from services.store.postgres import postgres_outages  # noqa: PLC0415 - as above

        statement_ms = int(timeout_seconds * 1000)
        self.outages: Outages = postgres_outages(name)
        self._pool = ConnectionPool(
            conninfo, min_size=1, max_size=pool_size, timeout=timeout_seconds, open=True,
            kwargs={"options": f"-c statement_timeout={statement_ms}",
                    "connect_timeout": max(1, round(timeout_seconds))},
            check=ConnectionPool.check_connection,
            # Give up retrying a lost connection in the background soon (the library's five
            # minutes of backoff would delay recovery): the next call then reconnects at once.
            reconnect_timeout=max(timeout_seconds, _MIN_RECONNECT_SECONDS))

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with (self.outages.translated(), self._pool.connection() as connection,
              connection.transaction()):
            yield Tx(connection, "postgresql")

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        with (self.outages.translated(), self._pool.connection() as connection,
              connection.transaction()):
            connection.execute("SET TRANSACTION READ ONLY")
            yield Tx(connection, "postgresql")

    def close(self) -> None:
        self._pool.close()


def _roll_back(connection: sqlite3.Connection) -> None:
    """End the transaction, if SQLite has not ended it already (it does on some I/O errors)."""
    if connection.in_transaction:
        connection.execute("ROLLBACK")


def create_tables(tx: Tx, ddl: Sequence[str]) -> None:
    """Run ``CREATE TABLE IF NOT EXISTS`` statements written with ``{table}`` placeholders."""
    for statement in ddl:
        tx.execute(statement)
