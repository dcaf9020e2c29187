"""eventsourcing's PostgreSQL store with every wait bounded, so an outage is a quick 503.

Out of the box (9.5.6) an unreachable database holds a request for minutes: the pool waits for
a connection as long as ``POSTGRES_CONNECT_TIMEOUT`` (30 s), libpq waits up to 130 s for a
host that does not answer, statements may run for ever, and each recorder method retries ten
times. After an outage the pool also backs off reconnecting for up to five minutes.

:class:`BoundedPostgresFactory` keeps the library's store and changes only its waits, from one
key, ``POSTGRES_OPERATION_TIMEOUT`` (seconds): the pool wait, the statement timeout and how long
the pool keeps retrying a lost connection in the background (after which the next request
reconnects at once). libpq's connect timeout is ``POSTGRES_LIBPQ_CONNECT_TIMEOUT`` (whole
seconds), by default the operation timeout rounded up. Recorder methods run once: a failed
call raises ``StoreUnavailable`` instead of being retried inside the request, and a lost
connection opens the recorder's breaker (``store.availability``). Connections are checked
before use (``POSTGRES_PRE_PING``), so the pool hands out no connection that died with the
database.
"""

from __future__ import annotations

import math

import psycopg
import psycopg_pool
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore, PostgresFactory
from eventsourcing.utils import Environment, EnvType

from services.store.availability import (
    OutageBreaker,
    Outages,
    TranslatesOutages,
    translate_methods,
)

OPERATION_TIMEOUT = "POSTGRES_OPERATION_TIMEOUT"
LIBPQ_CONNECT_TIMEOUT = "POSTGRES_LIBPQ_CONNECT_TIMEOUT"
DEFAULT_OPERATION_TIMEOUT = 3.0
_MIN_RECONNECT_SECONDS = 2.0
_CONNECTION_STATES = ("08", "57P")
"""SQLSTATE classes of a lost connection: connection exceptions, shutdowns, "cannot connect"."""


class BoundedApplicationRecorder(TranslatesOutages, PostgresApplicationRecorder):
    """The library's recorder, each call made once and an outage raised as StoreUnavailable."""

    def __init__(self, datastore: PostgresDatastore, *,
                 events_table_name: str = "stored_events") -> None:
        self.breaker = OutageBreaker()
        super().__init__(datastore, events_table_name=events_table_name)

    @staticmethod
    def lost_connection(error: Exception) -> bool:
        """The library's error was raised from a lost connection (``lost_connection``)."""
        cause = error.__cause__
        return isinstance(cause, Exception) and lost_connection(cause)


translate_methods(BoundedApplicationRecorder, PostgresApplicationRecorder)


def lost_connection(error: Exception) -> bool:
    """No connection in time, refused, or dropped; not a statement or lock timeout."""
    if isinstance(error, psycopg_pool.PoolTimeout):
        return True
    if not isinstance(error, psycopg.OperationalError):
        return isinstance(error, psycopg.InterfaceError)
    state = error.sqlstate
    return state is None or state.startswith(_CONNECTION_STATES)


def postgres_outage(error: Exception) -> bool:
    """Whether psycopg's ``error`` means the database is gone, slow or locked (a pool wait,
    a refused or dropped connection, a statement or lock timeout), not a mistake."""
    return isinstance(error, psycopg.OperationalError | psycopg.InterfaceError)


def postgres_outages(store: str) -> Outages:
    """How a psycopg store of the service's (the read models') translates its outages, with
    a breaker of its own."""
    return Outages(postgres_outage, lost_connection, OutageBreaker(store=store), store)


class BoundedPostgresFactory(PostgresFactory):
    """``PERSISTENCE_MODULE`` topic: ``services.store.postgres:BoundedPostgresFactory``."""

    application_recorder_class = BoundedApplicationRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        timeout = float(self.env.get(OPERATION_TIMEOUT) or DEFAULT_OPERATION_TIMEOUT)
        connect = self.env.get(LIBPQ_CONNECT_TIMEOUT) or str(max(1, math.ceil(timeout)))
        pool = self.datastore.pool
        pool.timeout = timeout
        pool.reconnect_timeout = max(timeout, _MIN_RECONNECT_SECONDS)
        kwargs = pool.kwargs
        assert isinstance(kwargs, dict)  # noqa: S101 - the library always passes a dict
        kwargs["connect_timeout"] = int(connect)
        kwargs["options"] = f"-c statement_timeout={math.ceil(timeout * 1000)}"
