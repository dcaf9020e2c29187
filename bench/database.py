"""Throw-away databases for benchmark scenarios, and connection settings."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

DB_PREFIX = "carepath_bench_"


@contextmanager
def fresh_database(server_dsn: str, *, prefix: str = DB_PREFIX) -> Iterator[str]:
    """Create ``<prefix><hex>`` on the server of ``server_dsn``, yield its DSN,
    and drop it on exit (even after an error)."""
    name = f"{prefix}{secrets.token_hex(6)}"
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database_dsn(server_dsn, name)
    finally:
        drop_database(server_dsn, name)


def database_dsn(server_dsn: str, dbname: str) -> str:
    """``server_dsn`` pointed at ``dbname`` (key=value conninfo string)."""
    return make_conninfo(server_dsn, dbname=dbname)


def drop_database(server_dsn: str, name: str) -> None:
    """Drop ``name``. If a workload leaked connections, say so and force it."""
    ident = sql.Identifier(name)
    with psycopg.connect(server_dsn, autocommit=True) as conn:
        try:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(ident))
        except errors.ObjectInUse:
            print(
                f"[bench] warning: connections to {name} still open at "
                "teardown (a workload did not close its pool); forcing drop",
                file=sys.stderr,
                flush=True,
            )
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))


def eventsourcing_env(
    dsn: str,
    *,
    pool_size: int,
    max_overflow: int = 0,
    lock_timeout_s: int = 5,
    app_name: str | None = None,
) -> dict[str, str]:
    """The ``env=`` for an eventsourcing ``Application`` on database ``dsn``.

    Pass it to the constructor; never copy it into ``os.environ``. With
    ``app_name`` the keys are also given with the ``<APPNAME>_`` prefix, so a
    stray prefixed variable in the OS environment cannot override them.
    """
    params = conninfo_to_dict(dsn)
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(params["dbname"]),
        "POSTGRES_HOST": str(params.get("host") or "localhost"),
        "POSTGRES_PORT": str(params.get("port") or "5432"),
        "POSTGRES_USER": str(params.get("user") or "postgres"),
        "POSTGRES_PASSWORD": str(params.get("password") or ""),
        "POSTGRES_LOCK_TIMEOUT": str(lock_timeout_s),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(max_overflow),
        "POSTGRES_ENABLE_DB_FUNCTIONS": "no",
        "CREATE_TABLE": "yes",
    }
    if app_name:
        prefix = app_name.upper() + "_"
        env.update({prefix + key: value for key, value in list(env.items())})
    return env
