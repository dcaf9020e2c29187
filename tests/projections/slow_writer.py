"""A deliberately slow writer on PostgreSQL, for the ordering tests of every reader of the log.

One save (of a second application on the same database, as another replica's would be) holds
its transaction open after inserting and before committing, while the readers' application
saves more. eventsourcing's table lock makes those wait, so they take later positions and
commit after it; a reader reading meanwhile must never see a later position before an earlier
one commits, or it would skip the earlier one for good.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.composition import Container, bootstrap
from services.settings import load_settings
from tests.projections.counting import open_pathways

HOLD_SECONDS = 1.5
BEFORE, SLOW, LATER = 3, 1, 5
SAVES = BEFORE + SLOW + LATER
"""One event each: the log holds this many positions after a run."""


@dataclass
class SlowWriter:
    main: Container
    """The readers' application; it saves before the slow save and behind it."""
    slow: Container
    """Another application on the same database, whose save holds its transaction open."""

    def run(self, read: Callable[[], object], every: float = 0.05) -> list[float]:
        """The saves, calling ``read`` every ``every`` seconds while the slow one holds its
        transaction; how long each of those reads took (the lock blocks writers only)."""
        recorder: Any = self.slow.pathways.recorder
        insert = recorder._insert_stored_events
        holding = threading.Event()

        def insert_slowly(cursor: Any, events: Any, **kwargs: Any) -> None:
            insert(cursor, events, **kwargs)
            holding.set()
            time.sleep(HOLD_SECONDS)  # the transaction stays open: inserted, not committed

        recorder._insert_stored_events = insert_slowly
        try:
            open_pathways(self.main.pathways, BEFORE, "before")
            writer = threading.Thread(target=open_pathways,
                                      args=(self.slow.pathways, SLOW, "slow"))
            writer.start()
            assert holding.wait(10), "the slow save did not start"
            later = threading.Thread(target=open_pathways,
                                     args=(self.main.pathways, LATER, "later"))
            later.start()
            reads = []
            while writer.is_alive():
                started = time.monotonic()
                read()
                reads.append(time.monotonic() - started)
                time.sleep(every)
            writer.join(10)
            later.join(10)
            assert not later.is_alive(), "the saves behind the slow one did not finish"
        finally:
            recorder._insert_stored_events = insert
        return reads


@contextmanager
def slow_writer(dsn: str, data_dir: Path, **settings: Any) -> Iterator[SlowWriter]:
    """Both applications on database ``dsn`` (``settings``: the readers' application's)."""
    main = bootstrap(load_settings(data_dir=data_dir / "main", database_url=dsn, **settings))
    slow = bootstrap(load_settings(data_dir=data_dir / "slow", database_url=dsn))
    try:
        yield SlowWriter(main, slow)
    finally:
        slow.close()
        main.close()
