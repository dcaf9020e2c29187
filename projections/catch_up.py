"""Apply the log to one generation of a projection, batch by batch, exactly once.

Each batch is read after the tracked position and applied in one transaction that also
advances the position (compare-and-set), so a crash between the two leaves neither, and a
restart resumes at the first event not yet counted. This is the step the long-running
follower repeats; tests and the rebuild command call it directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from projections.log import OrderedLog, Position
from projections.projection import Projection, ddl_statements, routed
from projections.store import ReadStore, Tx, physical_name
from projections.tracking import (
    advance,
    ensure_tracking,
    forget_generation,
    lock_position,
    start_generation,
    tracked,
)

BATCH = 2_000
_DDL_LOCK = 0x6361_7265_7061_7468  # "carepath": one schema change at a time across processes


@dataclass(frozen=True)
class Progress:
    projection: str
    generation: int
    position: Position
    head: Position
    applied: int


def tables_of(projection: Projection, generation: int) -> dict[str, str]:
    return {table: physical_name(projection.name, generation, table)
            for table in projection.tables}


def schema_change(tx: Tx) -> None:
    """Serialise DDL between processes (PostgreSQL's ``IF NOT EXISTS`` races otherwise)."""
    if tx.dialect == "postgresql":
        tx.execute("SELECT pg_advisory_xact_lock(:key)", {"key": _DDL_LOCK})


def prepare(store: ReadStore, projection: Projection, generation: int, *,
            live: bool) -> None:
    """Create the generation's tables and tracking row, if they do not exist yet."""
    with store.transaction() as tx:
        schema_change(tx)
        ensure_tracking(tx)
        prepare_in(tx, projection, generation, live=live)


def prepare_in(tx: Tx, projection: Projection, generation: int, *, live: bool) -> None:
    """``prepare`` inside a transaction that already called ``schema_change`` (and
    ``ensure_tracking``)."""
    scoped = tx.with_tables(tables_of(projection, generation))
    for statement in ddl_statements(projection):
        scoped.execute(statement)
    if not any(t.generation == generation for t in tracked(tx, projection.name)):
        start_generation(tx, projection.name, generation, projection.version, live=live)


def drop_generation(store: ReadStore, projection: Projection, generation: int) -> None:
    """Drop a generation's tables and forget its position, in one transaction."""
    with store.transaction() as tx:
        schema_change(tx)
        for table in tables_of(projection, generation).values():
            tx.execute(f"DROP TABLE IF EXISTS {table}")
        forget_generation(tx, projection.name, generation)


def position_of(tx: Tx, projection: str, generation: int) -> Position:
    for row in tracked(tx, projection):
        if row.generation == generation:
            return row.position
    msg = f"projection {projection} has no generation {generation}"
    raise LookupError(msg)


def apply_batch_in(tx: Tx, log: OrderedLog, projection: Projection, generation: int, *,
                   batch: int = BATCH) -> int:
    """In ``tx``: apply the next batch after the tracked position and advance it."""
    after = lock_position(tx, projection.name, generation)
    if after is None:
        msg = f"projection {projection.name} has no generation {generation}"
        raise LookupError(msg)
    events = log.read(after, batch)
    if not events:
        return 0
    handled = routed(projection, events)
    if handled:
        projection.apply(handled, tx.with_tables(tables_of(projection, generation)))
    advance(tx, projection.name, generation, after, events[-1].position)
    return len(events)


def apply_next_batch(store: ReadStore, log: OrderedLog, projection: Projection,
                     generation: int, *, batch: int = BATCH) -> int:
    """Apply the next batch after the tracked position; return how many events it held."""
    with store.transaction() as tx:
        return apply_batch_in(tx, log, projection, generation, batch=batch)


def catch_up(store: ReadStore, log: OrderedLog, projection: Projection, generation: int = 1,
             *, batch: int = BATCH, progress: Callable[[Progress], None] | None = None,
             live: bool = True) -> int:
    """Apply every event up to the log's head now; return how many were applied."""
    prepare(store, projection, generation, live=live)
    head, applied = log.head(), 0
    while True:
        count = apply_next_batch(store, log, projection, generation, batch=batch)
        applied += count
        if progress is not None and count:
            with store.transaction() as tx:
                position = position_of(tx, projection.name, generation)
            progress(Progress(projection.name, generation, position, head, applied))
        if count < batch:
            return applied
