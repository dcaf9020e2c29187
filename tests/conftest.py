"""Shared infrastructure fixtures: a throw-away PostgreSQL database and a SQLite data dir.

Nothing domain-specific lives here, so every test folder can rely on these fixtures without
pulling in the model. On a developer machine without PostgreSQL the database tests skip; in CI
(``CI=true``) they fail, because a silently skipped storage suite hides real regressions.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.tokens import SECRET_VARIABLE, TEST_SECRET

# Every application a test builds checks bearer tokens with the tests' secret (tests/tokens.py).
os.environ[SECRET_VARIABLE] = TEST_SECRET

PG_HOST = "127.0.0.1"
PG_PORT = 5432


def _admin_conninfo(user: str) -> str:
    return psycopg.conninfo.make_conninfo(
        host=PG_HOST, port=PG_PORT, user=user, dbname="postgres", connect_timeout=3
    )


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """DSN of a fresh database ``carepath_test_<hex>``, dropped (forcibly) after the session."""
    user = os.environ.get("CAREPATH_TEST_PG_USER", "postgres")
    name = f"carepath_test_{secrets.token_hex(6)}"
    try:
        admin = psycopg.connect(_admin_conninfo(user), autocommit=True)
    except psycopg.OperationalError as error:
        reason = f"PostgreSQL not reachable at {PG_HOST}:{PG_PORT} as {user!r}: {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI requires PostgreSQL. {reason}", pytrace=False)
        pytest.skip(reason)
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield f"postgresql://{user}@{PG_HOST}:{PG_PORT}/{name}"
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def fresh_postgres_dsn(postgres_dsn: str) -> Iterator[str]:
    """A database of this test's own (for tests that count everything in it), then dropped."""
    admin_dsn = postgres_dsn.rsplit("/", 1)[0] + "/postgres"
    name = f"carepath_t_{secrets.token_hex(6)}"
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield postgres_dsn.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def sqlite_data_dir(tmp_path: Path) -> Path:
    """A per-test directory for embedded SQLite files (created, empty)."""
    path = tmp_path / "data"
    path.mkdir()
    return path
