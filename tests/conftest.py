"""Shared infrastructure fixtures: throw-away PostgreSQL databases and roles, a SQLite data dir.

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

from tests.postgres import as_role, login_role, throwaway_database
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
    with throwaway_database(postgres_dsn, "carepath_t_") as dsn:
        yield dsn


@pytest.fixture
def service_role(fresh_postgres_dsn: str) -> Iterator[str]:
    """A login role of the test's own, for the service to run as (dropped afterwards)."""
    with login_role(fresh_postgres_dsn) as role:
        yield role


@pytest.fixture
def restricted_dsn(fresh_postgres_dsn: str, service_role: str, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> str:
    """``carepath store init --grant-to`` run as the owner; the service role's DSN."""
    from services.cli import main  # noqa: PLC0415 - only the tests that ask for it need it

    monkeypatch.setenv("CAREPATH_DATABASE_URL", fresh_postgres_dsn)
    assert main(["store", "init", "--grant-to", service_role,
                 "--data-dir", str(tmp_path)]) == 0
    monkeypatch.delenv("CAREPATH_DATABASE_URL")
    return as_role(fresh_postgres_dsn, service_role)


@pytest.fixture(params=["sqlite", "postgres"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, object]:
    """Settings overrides for the store a test runs on, once on each: SQLite files in the test's
    own directory, or the session's PostgreSQL database (pass them to ``load_settings``)."""
    overrides: dict[str, object] = {"data_dir": tmp_path}
    if request.param == "postgres":
        overrides["database_url"] = request.getfixturevalue("postgres_dsn")
    return overrides


@pytest.fixture(params=["sqlite", "postgres"])
def store_dsn(request: pytest.FixtureRequest) -> str | None:
    """Where a test's events are stored, once each: ``None`` (SQLite files in the test's own
    directory), or a PostgreSQL database of the test's own."""
    return request.getfixturevalue("fresh_postgres_dsn") if request.param == "postgres" else None


@pytest.fixture
def sqlite_data_dir(tmp_path: Path) -> Path:
    """A per-test directory for embedded SQLite files (created, empty)."""
    path = tmp_path / "data"
    path.mkdir()
    return path
