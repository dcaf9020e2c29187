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
from projections.projection import Projection, ddl_statements
from projections.store import ReadStore, Tx, physical_name
from projections.tracking import advance, ensure_tracking, start_generation, tracked

BATCH = 2_000


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


def prepare(store: ReadStore, projection: Projection, generation: int, *,
            live: bool) -> None:
    """Create the generation's tables and tracking row, if they do not exist yet."""
    with store.transaction() as tx:
        ensure_tracking(tx)
        scoped = tx.with_tables(tables_of(projection, generation))
        for statement in ddl_statements(projection):
            scoped.execute(statement)
        if not any(t.generation == generation for t in tracked(tx, projection.name)):
            start_generation(tx, projection.name, generation, projection.version, live=live)


def position_of(tx: Tx, projection: str, generation: int) -> Position:
    for row in tracked(tx, projection):
        if row.generation == generation:
            return row.position
    msg = f"projection {projection} has no generation {generation}"
    raise LookupError(msg)


def apply_next_batch(store: ReadStore, log: OrderedLog, projection: Projection,
                     generation: int, *, batch: int = BATCH) -> int:
    """Apply the next batch after the tracked position; return how many events it held."""
    with store.transaction() as tx:
        after = position_of(tx, projection.name, generation)
        events = log.read(after, batch)
        if not events:
            return 0
        projection.apply(events, tx.with_tables(tables_of(projection, generation)))
        advance(tx, projection.name, generation, after, events[-1].position)
    return len(events)


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
