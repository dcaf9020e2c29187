"""Many rows written at once on PostgreSQL (``COPY``) leave exactly what the rows written one
after another leave; rows that cannot go that way (a key twice, a statement of another shape)
still go one by one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from projections.bulk import MIN_ROWS, bulk
from projections.rows import insert, upsert
from projections.store import PostgresReadStore, Tx

TABLE = """CREATE TABLE IF NOT EXISTS {counts} (
    id TEXT PRIMARY KEY, n INTEGER NOT NULL, done BOOLEAN NOT NULL, note TEXT, ratio REAL)"""
COLUMNS = ("id", "n", "done", "note", "ratio")
ADD = ("INSERT INTO {counts} (id, n, done, note, ratio) VALUES (:id, :n, :done, :note, :ratio)"
       " ON CONFLICT (id) DO UPDATE SET n = {counts}.n + excluded.n, note = excluded.note")


@pytest.fixture
def store(postgres_dsn: str) -> Iterator[PostgresReadStore]:
    store = PostgresReadStore(postgres_dsn)
    with store.transaction() as tx:
        tx.execute("DROP TABLE IF EXISTS rm_bulk_a, rm_bulk_b")
        for name in ("rm_bulk_a", "rm_bulk_b"):
            tx.with_tables({"counts": name}).execute(TABLE)
    yield store
    store.close()


def _rows(count: int, *, offset: int = 0) -> list[dict[str, Any]]:
    return [{"id": f"p{i % 150}", "n": i, "done": i % 3 == 0,
             "note": None if i % 4 else f"50% of {i}, 'quoted'\ttab", "ratio": i / 7}
            for i in range(offset, offset + count)]


def _one_by_one(tx: Tx, statement: str, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        tx.execute(statement, row)


def _table(tx: Tx) -> list[tuple[Any, ...]]:
    return tx.all("SELECT id, n, done, note, ratio FROM {counts} ORDER BY id")


def test_the_statements_a_rebuild_writes_go_by_copy() -> None:
    assert bulk(insert("t", COLUMNS).format_map({"t": "rm_x"})) is not None
    plan = bulk(upsert("t", COLUMNS, ("id",)).format_map({"t": "rm_x"}))
    assert plan is not None
    assert plan.keys == ("id",)
    assert bulk("UPDATE rm_x SET n = :n WHERE id = :id") is None
    assert bulk("INSERT INTO rm_x (id, n) VALUES (:id, 1)") is None


@pytest.mark.parametrize("statement", [
    pytest.param(upsert("counts", COLUMNS, ("id",)), id="upsert"),
    pytest.param(ADD, id="adding to the stored row"),
])
def test_many_rows_at_once_equal_the_rows_one_after_another(
        store: PostgresReadStore, statement: str) -> None:
    first = _rows(150)
    second = _rows(150, offset=150)  # the same ids again: each changes a stored row
    plan = bulk(statement.format_map({"counts": "rm_bulk_a"}))
    assert plan is not None
    assert plan.takes(first)
    with store.transaction() as tx:
        many, alone = tx.with_tables({"counts": "rm_bulk_a"}), tx.with_tables(
            {"counts": "rm_bulk_b"})
        for rows in (first, second):
            many.executemany(statement, rows)
            _one_by_one(alone, statement, rows)
        assert _table(many) == _table(alone)
        assert len(_table(many)) == 150


def test_a_key_twice_in_one_call_goes_row_by_row_and_adds_up(store: PostgresReadStore) -> None:
    rows = _rows(300)  # every id twice
    plan = bulk(ADD.format_map({"counts": "rm_bulk_a"}))
    assert plan is not None
    assert not plan.takes(rows)
    assert not plan.takes(rows[:MIN_ROWS - 1])
    with store.transaction() as tx:
        many, alone = tx.with_tables({"counts": "rm_bulk_a"}), tx.with_tables(
            {"counts": "rm_bulk_b"})
        many.executemany(ADD, rows)
        _one_by_one(alone, ADD, rows)
        assert _table(many) == _table(alone)
        assert tx.scalar("SELECT sum(n) FROM rm_bulk_a") == sum(range(300))
