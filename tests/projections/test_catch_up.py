"""Following the ordered log: every event applied once, rows and position in one transaction.

Runs on the embedded SQLite default and on PostgreSQL with a small projection that counts
events by type, so expectations are exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from projections.catch_up import apply_next_batch, catch_up, position_of, prepare
from projections.log import OrderedLog
from projections.store import ReadStore
from projections.tracking import PositionMoved, advance
from services.composition import Container
from services.demo import seed_demo
from tests.projections.counting import CountByType, counts, expected_counts
from tests.projections.support import log_and_read_store


@pytest.fixture
def setup(tmp_path: Path, store_dsn: str | None) -> Iterator[tuple[Container, ReadStore]]:
    with log_and_read_store(tmp_path, store_dsn) as (container, store):
        seed_demo(container.pathways, count=6)
        yield container, store


def test_catching_up_counts_every_event_once(setup: tuple[Container, ReadStore]) -> None:
    container, store = setup
    log, projection = OrderedLog(container.pathways), CountByType()
    applied = catch_up(store, log, projection, batch=7)
    assert applied == log.head()
    assert counts(store, projection) == expected_counts(log)
    assert catch_up(store, log, projection, batch=7) == 0  # nothing new: nothing counted
    assert counts(store, projection) == expected_counts(log)


def test_a_batch_that_fails_records_neither_rows_nor_position(
        setup: tuple[Container, ReadStore]) -> None:
    container, store = setup
    log = OrderedLog(container.pathways)
    failing = CountByType(fail_at=20)
    with pytest.raises(RuntimeError, match="died"):
        catch_up(store, log, failing, batch=8)
    with store.transaction() as tx:
        assert position_of(tx, "counts", 1) == 16  # two whole batches, not the third
    resumed = CountByType()
    catch_up(store, log, resumed, batch=8)
    assert counts(store, resumed) == expected_counts(log)


def test_a_batch_applied_after_another_worker_moved_on_is_refused(
        setup: tuple[Container, ReadStore]) -> None:
    container, store = setup
    log, projection = OrderedLog(container.pathways), CountByType()
    prepare(store, projection, 1, live=True)
    apply_next_batch(store, log, projection, 1, batch=5)
    with pytest.raises(PositionMoved), store.transaction() as tx:
        advance(tx, "counts", 1, read_after=0, to=5)  # a stale worker's view of the position
    with store.transaction() as tx:
        assert position_of(tx, "counts", 1) == 5


def test_the_log_reads_in_order_after_a_position(setup: tuple[Container, ReadStore]) -> None:
    container, _ = setup
    log = OrderedLog(container.pathways)
    everything = log.read(0, 1_000_000)
    assert [e.position for e in everything] == sorted(e.position for e in everything)
    assert everything[-1].position == log.head()
    assert [e.position for e in log.read(everything[2].position, 3)] == [
        e.position for e in everything[3:6]]
    assert everything[0].type == "PathwayOpened"
