"""What the outage tests share: a database of the test's own that it can cut off and restore,
the service under uvicorn on it, and timed answers checked against the outage's bound.

The machine's PostgreSQL server itself is never stopped: a cut is ``ALLOW_CONNECTIONS false``
on the test's own database and the termination of that database's backends.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
from psycopg import sql

from services.composition import Container, bootstrap
from services.http import create_app
from services.settings import Settings, load_settings
from tests.servers import uvicorn_thread

TIMEOUT = 2.0
"""CAREPATH_DATABASE_TIMEOUT_SECONDS for these tests."""
BOUND = TIMEOUT + 1.5
"""The longest any request may take while the database is gone (the timeout plus overhead)."""
RECOVERY_BOUND = 5.0


@dataclass
class Database:
    """A database of the test's own on the shared server, which the test can cut off."""

    dsn: str
    name: str
    admin: psycopg.Connection[Any]

    def cut(self) -> None:
        ident = sql.Identifier(self.name)
        self.admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(ident))
        self.admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                           " WHERE datname = %s", (self.name,))

    def restore(self) -> None:
        ident = sql.Identifier(self.name)
        self.admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(ident))


@contextmanager
def cuttable_database(postgres_dsn: str, prefix: str = "carepath_outage_"
                      ) -> Iterator[Database]:
    """A new database on the server of ``postgres_dsn``, restored and dropped afterwards."""
    params = psycopg.conninfo.conninfo_to_dict(postgres_dsn)
    name = f"{prefix}{secrets.token_hex(6)}"
    admin_info = psycopg.conninfo.make_conninfo(postgres_dsn, dbname="postgres",
                                                connect_timeout=3)
    with psycopg.connect(admin_info, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        dsn = f"postgresql://{params['user']}@{params['host']}:{params['port']}/{name}"
        try:
            yield Database(dsn, name, admin)
        finally:
            Database(dsn, name, admin).restore()
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))


@dataclass(frozen=True)
class Timed:
    response: httpx.Response
    seconds: float

    @property
    def status(self) -> int:
        return self.response.status_code


def timed(call: Any) -> Timed:
    """``call()``'s answer (an httpx response, or the test client's) and how long it took."""
    started = time.monotonic()
    response = call()
    return Timed(response, time.monotonic() - started)


@dataclass
class Served:
    client: httpx.Client
    """One client for all threads: building one per request costs tens of ms (TLS context)."""
    container: Container

    def post(self, path: str, body: dict[str, Any], key: str) -> Timed:
        return timed(lambda: self.client.post(path, json=body,
                                              headers={"Idempotency-Key": key}))

    def get(self, path: str, headers: dict[str, str] | None = None) -> Timed:
        return timed(lambda: self.client.get(path, headers=headers))


def outage_settings(database: Database) -> Settings:
    """The service's settings on ``database`` for an outage test: its timeout is ``TIMEOUT``,
    a lock waits 2 s and a conflict 0.5 s."""
    return load_settings(database_url=database.dsn, database_timeout_seconds=TIMEOUT,
                         lock_timeout_seconds=2, conflict_wait_seconds=0.5)


@contextmanager
def serving(settings: Settings, headers: dict[str, str], *, connections: int = 8
            ) -> Iterator[Served]:
    """``carepath serve``'s application (its workers included) under uvicorn on a free port,
    with a client sending ``headers`` (a bearer token) on every request."""
    container = bootstrap(settings)
    limits = httpx.Limits(max_connections=connections)
    with uvicorn_thread(create_app(container)) as url, \
            httpx.Client(base_url=url, timeout=30, limits=limits, headers=headers) as client:
        yield Served(client, container)


def assert_unavailable(answer: Timed, problem: str = "store-unavailable") -> None:
    """503 with Retry-After within the bound; a problem document unless ``problem`` is empty."""
    assert answer.status == 503, answer.response.text
    assert int(answer.response.headers["retry-after"]) >= 1
    assert answer.seconds < BOUND, f"took {answer.seconds:.2f} s"
    if problem:
        assert answer.response.headers["content-type"] == "application/problem+json"
        assert answer.response.json()["type"] == f"urn:carepath:problem:{problem}"
