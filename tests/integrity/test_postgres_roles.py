"""On PostgreSQL the service's own role adds events and their hashes, and can neither change
nor remove them, nor switch off what refuses it; the owner's own edits meet the trigger."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg import errors, sql

from services.composition import bootstrap
from services.demo.seed import seed_demo
from services.settings import load_settings

TABLES = ("pathways_events", "pathways_events_leaves", "pathways_events_nodes",
          "pathways_events_checkpoints")


def test_the_restricted_service_records_seals_and_verifies(restricted_dsn: str,
                                                           tmp_path: Path) -> None:
    container = bootstrap(load_settings(database_url=restricted_dsn, data_dir=tmp_path,
                                        create_event_tables=False))
    try:
        summary = seed_demo(container.pathways, count=3, seed=7)
        assert summary.pathway_ids
        sealed = container.integrity.seal()
        assert sealed is not None
        assert sealed.new
        assert container.integrity.verify().ok
    finally:
        container.close()


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("change", ["UPDATE {} SET {} = {}", "DELETE FROM {}", "TRUNCATE {}"])
def test_the_service_role_cannot_change_or_remove_stored_rows(
        restricted_dsn: str, tmp_path: Path, table: str, change: str) -> None:
    container = bootstrap(load_settings(database_url=restricted_dsn, data_dir=tmp_path,
                                        create_event_tables=False))
    try:
        seed_demo(container.pathways, count=1, seed=7)
        container.integrity.seal()
    finally:
        container.close()
    column = {"pathways_events": "state", "pathways_events_checkpoints": "note"}.get(
        table, "hash")
    statement = sql.SQL(change).format(sql.Identifier(table), sql.Identifier(column),
                                       sql.Identifier(column))
    with psycopg.connect(restricted_dsn, autocommit=True) as connection:
        with pytest.raises(errors.InsufficientPrivilege) as refused:
            connection.execute(statement)
        assert "append-only" in str(refused.value) or "permission denied" in str(refused.value)
        count = connection.execute(sql.SQL("SELECT count(*) FROM {}").format(
            sql.Identifier(table))).fetchone()
        assert count is not None
        assert count[0] > 0


@pytest.mark.parametrize("escape", [
    "ALTER TABLE pathways_events DISABLE TRIGGER ALL",
    "DROP TRIGGER pathways_events_append_only ON pathways_events",
    "SET session_replication_role = replica",
    "DROP TABLE pathways_events_checkpoints",
])
def test_the_service_role_cannot_switch_the_refusal_off(restricted_dsn: str, escape: str) -> None:
    with psycopg.connect(restricted_dsn, autocommit=True) as connection, \
            pytest.raises((errors.InsufficientPrivilege, errors.WrongObjectType)):
        connection.execute(escape)


def test_even_the_owner_meets_the_append_only_trigger(fresh_postgres_dsn: str,
                                                      tmp_path: Path) -> None:
    container = bootstrap(load_settings(database_url=fresh_postgres_dsn, data_dir=tmp_path))
    try:
        seed_demo(container.pathways, count=1, seed=7)
    finally:
        container.close()
    with psycopg.connect(fresh_postgres_dsn, autocommit=True) as connection:
        with pytest.raises(errors.InsufficientPrivilege, match="append-only"):
            connection.execute("UPDATE pathways_events SET state = state")
        with pytest.raises(errors.InsufficientPrivilege, match="append-only"):
            connection.execute("DELETE FROM pathways_events_leaves")
