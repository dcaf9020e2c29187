"""Read a projection's live generation with its position, and every live position, read-only.

Panels read the generation marked live (``projections.live``): a rebuild fills another one
beside it and switches when it has caught up, so a panel never sees a half-built read model.
Reads take no write lock (SQLite's deferred transaction, PostgreSQL's read-only one), so a
dashboard never waits on a follower's batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass

from projections.live import ReadModelNotReady, live_tables, reading_live
from projections.registry import all_projections
from projections.store import ReadStore, Tx
from projections.tracking import TRACKING


@dataclass(frozen=True)
class LiveRead:
    tx: Tx | None
    """Scoped to the live generation's tables; None while the read model is not built yet."""
    position: int


@contextmanager
def live(store: ReadStore, name: str, joins: Sequence[str] = ()) -> Iterator[LiveRead]:
    """The live generation of projection ``name`` and its position, in one snapshot, with
    the live tables of the read models named in ``joins`` too (those built so far)."""
    projections = {p.name: p for p in all_projections()}
    projection = projections.get(name)
    if projection is None:
        yield LiveRead(None, 0)
        return
    joined: dict[str, str] = {}  # looked up first: each lookup may read in a transaction
    for other in joins:
        with suppress(ReadModelNotReady):
            joined |= live_tables(store, projections[other])
    with ExitStack() as stack:
        try:
            tx = stack.enter_context(reading_live(store, projection))
        except ReadModelNotReady:
            yield LiveRead(None, 0)
            return
        if joined:
            tx = tx.with_tables({**joined, **tx.tables})
        position = tx.scalar(f"SELECT position FROM {TRACKING} WHERE projection = :name"
                             " AND live = :live", {"name": name, "live": True})
        yield LiveRead(tx, int(position or 0))


def live_positions(store: ReadStore) -> dict[str, int]:
    """Each projection's live position: what the live refresh watches (one small query)."""
    with store.reading() as tx:
        if not _has_tracking(tx):
            return {}
        rows = tx.all(f"SELECT projection, position FROM {TRACKING} WHERE live = :live"
                      " ORDER BY projection", {"live": True})
    return {str(name): int(position) for name, position in rows}


def _has_tracking(tx: Tx) -> bool:
    """Whether any follower has created the tracking table yet (a fresh store has none)."""
    if tx.dialect == "sqlite":
        query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"
    else:
        query = ("SELECT 1 FROM information_schema.tables"
                 " WHERE table_schema = current_schema() AND table_name = :name")
    return tx.scalar(query, {"name": TRACKING}) is not None
