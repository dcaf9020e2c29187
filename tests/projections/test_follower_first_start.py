"""A follower's first start: the live generation is created even when the read store is busy.

On SQLite every read model's follower starts at once beside the seeding writer, and one of
them may find the read store locked while it creates its first generation. The error is
retried like any other; the retry must create the generation, not skip it as done.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from projections.follower import Follower
from projections.leader import FileLeadership
from projections.log import OrderedLog
from projections.store import ReadStore, Tx
from services.composition import bootstrap
from services.settings import load_settings
from tests.projections.counting import CountByType, counts, expected_counts, open_pathways
from tests.projections.test_follower import BOUND, FAST, until


class LockedAtFirst:
    """A read store whose first transaction finds the database locked by another writer."""

    def __init__(self, store: ReadStore) -> None:
        self.store = store
        self.refused = 0

    def transaction(self) -> AbstractContextManager[Tx]:
        if not self.refused:
            self.refused += 1
            raise sqlite3.OperationalError("database is locked")
        return self.store.transaction()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def test_a_follower_that_finds_the_read_store_locked_at_its_first_start_starts_on_retry(
        tmp_path: Path) -> None:
    container = bootstrap(load_settings(data_dir=tmp_path))
    store = LockedAtFirst(container.read_store)
    follower = Follower(store, OrderedLog(container.pathways),
                        CountByType(), FileLeadership(tmp_path / "counts.lock"), FAST)
    try:
        open_pathways(container.pathways, 3, "first-start")
        follower.start()
        log = OrderedLog(container.pathways)
        assert until(lambda: _caught_up(container.read_store, log), BOUND)
        assert (store.refused, follower.errors) == (1, 1)
    finally:
        follower.stop()
        container.close()


def _caught_up(store: ReadStore, log: OrderedLog) -> bool:
    try:
        return counts(store) == expected_counts(log)
    except sqlite3.Error:  # no table yet
        return False
