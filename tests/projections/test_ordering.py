"""A deliberately slow writer on PostgreSQL: no reader of the log skips one of its events.

One save holds its transaction open (after inserting, before committing) while other saves
arrive. eventsourcing's table lock makes them wait, so they take later positions and commit
after it; the follower keeps reading meanwhile (the lock blocks writers, not readers) and
must end up having seen every stored position exactly once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from projections.follower import FollowerOptions
from projections.log import LoggedEvent, OrderedLog
from projections.store import Tx
from services.composition import bootstrap
from services.settings import load_settings
from tests.projections.counting import open_pathways

HOLD_SECONDS = 1.5


class SeenPositions:
    """One row per position the follower applied; a position applied twice fails its key."""

    name = "seen"
    version = 1
    tables = {"seen": "CREATE TABLE IF NOT EXISTS {seen} (position BIGINT PRIMARY KEY)"}  # noqa: RUF012

    def apply(self, batch: Sequence[LoggedEvent], tx: Tx) -> None:
        tx.executemany("INSERT INTO {seen} (position) VALUES (:position)",
                       [{"position": e.position} for e in batch])


def test_no_event_of_a_slow_writer_is_skipped(fresh_postgres_dsn: str, tmp_path: Path) -> None:
    main = bootstrap(load_settings(data_dir=tmp_path, database_url=fresh_postgres_dsn))
    slow = bootstrap(load_settings(data_dir=tmp_path / "slow", database_url=fresh_postgres_dsn))
    try:
        recorder: Any = slow.pathways.recorder
        insert = recorder._insert_stored_events
        holding = threading.Event()

        def insert_slowly(cursor: Any, events: Any, **kwargs: Any) -> None:
            insert(cursor, events, **kwargs)
            holding.set()
            time.sleep(HOLD_SECONDS)  # the transaction stays open: inserted, not committed

        recorder._insert_stored_events = insert_slowly
        workers = main.start_projections([SeenPositions()], FollowerOptions(poll_seconds=0.02))
        open_pathways(main.pathways, 3, "before")
        writer = threading.Thread(target=open_pathways, args=(slow.pathways, 1, "slow"))
        writer.start()
        assert holding.wait(10)
        later = threading.Thread(target=open_pathways, args=(main.pathways, 5, "later"))
        later.start()
        log = OrderedLog(main.pathways)
        reads = []
        while writer.is_alive():  # readers are not blocked by the slow transaction
            started = time.monotonic()
            log.read(0, 100)
            reads.append(time.monotonic() - started)
            time.sleep(0.05)
        writer.join(10)
        later.join(10)
        assert max(reads) < 0.5
        assert workers.wait_for("seen", log.head(), 10.0)
        with main.read_store.reading() as tx:
            stored = [int(r[0]) for r in tx.all(
                "SELECT notification_id FROM pathways_events ORDER BY notification_id")]
            seen = [int(r[0]) for r in tx.with_tables({"seen": "rm_seen_g1_seen"}).all(
                "SELECT position FROM {seen} ORDER BY position")]
        assert len(stored) == 9
        assert seen == stored
    finally:
        slow.close()
        main.close()
