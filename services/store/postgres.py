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
call raises ``StoreUnavailable`` instead of being retried inside the request. Connections are
checked before use (``POSTGRES_PRE_PING``), so the pool hands out no connection that died with
the database.
"""

from __future__ import annotations

import math

from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory
from eventsourcing.utils import Environment, EnvType

from services.store.availability import TRANSLATED_METHODS, translating_outages

OPERATION_TIMEOUT = "POSTGRES_OPERATION_TIMEOUT"
LIBPQ_CONNECT_TIMEOUT = "POSTGRES_LIBPQ_CONNECT_TIMEOUT"
DEFAULT_OPERATION_TIMEOUT = 3.0
_MIN_RECONNECT_SECONDS = 2.0


class BoundedApplicationRecorder(PostgresApplicationRecorder):
    """The library's recorder, each call made once and an outage raised as StoreUnavailable."""


for _name in TRANSLATED_METHODS:
    # The library wraps these in a ten-attempt retry; call the undecorated function instead.
    _undecorated = getattr(PostgresApplicationRecorder, _name).__wrapped__
    setattr(BoundedApplicationRecorder, _name, translating_outages(_undecorated))


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
