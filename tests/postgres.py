"""Throw-away PostgreSQL databases and login roles for tests, dropped even after a failure.

The fixtures in ``tests/conftest.py`` are built from these; a helper that needs a database of
its own outside a fixture (a module-scoped store, say) uses them directly.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql


def server_of(dsn: str) -> str:
    """The DSN of the ``postgres`` database on the server of URL ``dsn``."""
    return dsn.rsplit("/", 1)[0] + "/postgres"


@contextmanager
def throwaway_database(dsn: str, prefix: str) -> Iterator[str]:
    """A new database ``<prefix><hex>`` on the server of URL ``dsn``; its URL, then dropped
    (forcibly: a test may leave connections open)."""
    base = dsn.rsplit("/", 1)[0]
    name = f"{prefix}{secrets.token_hex(6)}"
    with psycopg.connect(server_of(dsn), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(server_of(dsn), autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def login_role(dsn: str, prefix: str = "carepath_svc_") -> Iterator[str]:
    """A login role ``<prefix><hex>`` of the test's own; roles are server-wide, so what it owns
    in database ``dsn`` and the role itself are dropped afterwards."""
    name = f"{prefix}{secrets.token_hex(4)}"
    role = sql.Identifier(name)
    with psycopg.connect(server_of(dsn), autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
    try:
        yield name
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP OWNED BY {}").format(role))
        with psycopg.connect(server_of(dsn), autocommit=True) as connection:
            connection.execute(sql.SQL("DROP ROLE {}").format(role))


def as_role(dsn: str, role: str) -> str:
    """URL ``dsn`` with its owner's user name replaced by ``role``."""
    owner = psycopg.conninfo.conninfo_to_dict(dsn)
    return dsn.replace(f"{owner['user']}@", f"{role}@", 1)
