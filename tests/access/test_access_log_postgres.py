"""The access log on PostgreSQL: the service's own role adds entries and can neither change
nor remove them (the tamper evidence's triggers and grants), the owner meets the trigger
too, and two replicas appending at once keep one gap-free chain."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from psycopg import errors

from services.access.log.entries import Reader
from services.composition import bootstrap
from services.integrity.keys import DEVELOPMENT_KEY
from services.settings import load_settings

pytestmark = pytest.mark.postgres
READER = Reader("auditor-rui", "auditor", "payer audit", "http")


def test_the_service_role_records_and_cannot_change_remove_or_unprotect_entries(
        restricted_dsn: str, tmp_path: Path) -> None:
    container = bootstrap(load_settings(database_url=restricted_dsn, data_dir=tmp_path,
                                        create_event_tables=False))
    try:
        for _ in range(3):
            container.access_log.record(READER, "read-history", uuid4(), "GET /history")
        assert container.access_log.verify(DEVELOPMENT_KEY.verifier).ok
    finally:
        container.close()
    with psycopg.connect(restricted_dsn, autocommit=True) as connection:
        for change in ("UPDATE access_log SET purpose = 'treatment'",
                       "DELETE FROM access_log", "TRUNCATE access_log",
                       "ALTER TABLE access_log DISABLE TRIGGER ALL",
                       "DROP TRIGGER access_log_append_only ON access_log",
                       "DROP TABLE access_log"):
            with pytest.raises(errors.InsufficientPrivilege):
                connection.execute(change)
        count = connection.execute("SELECT count(*) FROM access_log").fetchone()
    assert count == (3,)


def test_even_the_owner_meets_the_append_only_trigger(fresh_postgres_dsn: str,
                                                      tmp_path: Path) -> None:
    container = bootstrap(load_settings(database_url=fresh_postgres_dsn, data_dir=tmp_path))
    try:
        container.access_log.record(READER, "export", uuid4(), "GET /export")
    finally:
        container.close()
    with psycopg.connect(fresh_postgres_dsn, autocommit=True) as connection:
        for change in ("UPDATE access_log SET purpose = 'x'", "DELETE FROM access_log"):
            with pytest.raises(errors.InsufficientPrivilege, match="append-only"):
                connection.execute(change)


def test_two_replicas_appending_at_once_keep_one_gap_free_chain(fresh_postgres_dsn: str,
                                                                tmp_path: Path) -> None:
    replicas = [bootstrap(load_settings(database_url=fresh_postgres_dsn,
                                        data_dir=tmp_path / str(n))) for n in range(2)]
    try:
        def read(n: int) -> None:
            replicas[n % 2].access_log.record(READER, "read-as-of", uuid4(), f"GET /{n}")

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(read, range(120)))
        log = replicas[0].access_log
        assert [entry.seq for entry in log.entries(limit=1000)] == list(range(1, 121))
        assert log.verify(DEVELOPMENT_KEY.verifier).ok
    finally:
        for replica in replicas:
            replica.close()
