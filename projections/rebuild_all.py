"""Rebuild every read model from position 0 in one pass over the log: each batch read and
decoded once, then handed to every projection.

Rebuilding projections one after another reads and decodes the whole log once per read model;
decoding a stored event costs several times its fetch, so a rebuild of all of them costs about
as many log scans as there are read models. Here each batch is read once and applied to every
projection's new generation inside one transaction that also advances each generation's
position (the same compare-and-set as ``catch_up``), so exactly-once holds per projection and
a crash resumes from the last committed batch. A batch is folded while only reading (its
writes kept, ``Tx.deferring``) and written in a short transaction after: SQLite has one
writer at a time, and rebuilds in other processes (``rebuild_parallel``) write the same
file. Secondary indexes are made once at the end (``rebuild_indexes``). The generations are
built blue/green (``rebuild.begin_rebuild``) and each becomes live in the transaction of the
batch that reaches the head, as ``rebuild.build_step`` does for one.

``timings`` (optional) accumulates seconds spent reading, decoding, in each projection's fold
and in writing and committing the rows (``write``), so a benchmark can say where a rebuild's
time goes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.utils import get_topic

from projections import live as live_cache
from projections.catch_up import tables_of
from projections.log import LoggedEvent, OrderedLog, Position
from projections.projection import Projection, Routed, handled_types
from projections.rebuild import begin_rebuild
from projections.rebuild_indexes import create_secondary, drop_secondary
from projections.rebuild_pace import Clock, fewer_collections
from projections.store import ReadStore, Write
from projections.tracking import advance, lock_position, make_live

BATCH = 20_000
"""Events per batch: larger than a follower's, since nobody waits on a rebuild's latency; each
batch writes a pathway's rows once however many of its events it holds."""


@dataclass(frozen=True)
class AllProgress:
    position: Position
    head: Position
    applied: int
    processes: tuple[tuple[int, Position], ...] = ()
    """Each process building them (``rebuild_parallel``) as its id and its position (none:
    this process alone)."""


def rebuild_all(store: ReadStore, log: OrderedLog, projections: Sequence[Projection], *,
                batch: int = BATCH, progress: Callable[[AllProgress], None] | None = None,
                timings: dict[str, float] | None = None,
                generations: Mapping[str, int] | None = None) -> int:
    """Build a new generation of every projection from the whole log; they go live together
    at the head. Returns the events applied (each counted once, not once per projection).

    ``generations`` names the generation to build of each (begun by ``begin_rebuild``, not
    live); by default the one under way, or a new one. The caller must be the only writer of
    the new generations (the workers' leadership of each projection, or no worker running):
    the rows kept in memory between batches are only right while nobody else writes them,
    and each batch checks it."""
    if generations is None:
        generations = {p.name: begin_rebuild(store, p) for p in projections}
    build = _Build(store, projections, generations, Clock(timings))
    position, applied = build.start(), 0
    topics = _topics(projections)
    with fewer_collections() as batch_done:
        while True:
            head = log.head()
            rows, events = build.clock.read(log, position, batch, topics)
            caught_up = len(rows) < batch
            last = rows[-1][0] if rows else position
            build.write(build.fold(events), position, last, caught_up=caught_up)
            position, applied = last, applied + len(rows)
            batch_done()
            if progress is not None:
                progress(AllProgress(position, max(head, position), applied))
            if caught_up:
                break
    for projection in projections:
        live_cache.forget(store, projection.name)
    return applied


@dataclass
class _Build:
    """The generations being built, and the rows kept in memory between their batches."""

    store: ReadStore
    projections: Sequence[Projection]
    generations: Mapping[str, int]
    clock: Clock
    memory: dict[str, Any] = field(default_factory=dict)

    def start(self) -> Position:
        """Where every new generation stands; from 0, without its secondary indexes."""
        with self.store.transaction() as tx:
            positions = {lock_position(tx, p.name, self.generations[p.name])
                         for p in self.projections}
        if len(positions) != 1 or None in positions:
            msg = f"the generations being rebuilt stand at different positions: {positions}"
            raise RuntimeError(msg)
        start = positions.pop() or 0
        if start == 0:
            with self.store.transaction() as tx:
                for projection in self.projections:
                    drop_secondary(tx, projection, self.generations[projection.name])
        return start

    def fold(self, events: list[LoggedEvent]) -> list[Write]:
        """Each projection's rows for the batch, folded while only reading: the writes."""
        routes = _routes(self.projections, events)
        writes: list[Write] = []
        with self.store.reading() as reading:
            folding = reading.remembering(self.memory).deferring(writes)
            for projection in self.projections:
                handled = routes[handled_types(projection)]
                if handled:
                    started = time.perf_counter()
                    projection.apply(handled, folding.with_tables(
                        tables_of(projection, self.generations[projection.name])))
                    self.clock.add(projection.name, started)
        return writes

    def write(self, writes: list[Write], position: Position, last: Position, *,
              caught_up: bool) -> None:
        """The batch's rows and every generation's new position in one transaction, if no
        generation moved; at the head, each generation's indexes, and it goes live."""
        started = time.perf_counter()
        with self.store.transaction() as tx:
            for projection in self.projections:
                generation = self.generations[projection.name]
                after = lock_position(tx, projection.name, generation)
                if after != position:
                    msg = (f"projection {projection.name} generation {generation} moved"
                           f" to {after} while being rebuilt from {position}")
                    raise RuntimeError(msg)
            tx.run(writes)
            for projection in self.projections:
                generation = self.generations[projection.name]
                if last != position:
                    advance(tx, projection.name, generation, position, last)
                if caught_up:
                    create_secondary(tx, projection, generation)
                    make_live(tx, projection.name, generation)
        self.clock.add("write", started)


def _topics(projections: Sequence[Projection]) -> frozenset[str] | None:
    """The topics some projection folds (None: one of them folds every event)."""
    topics: set[str] = set()
    for projection in projections:
        handles = handled_types(projection)
        if handles is None:
            return None
        topics.update(get_topic(kind) for kind in handles)
    return frozenset(topics)


def _routes(projections: Sequence[Projection], events: list[LoggedEvent]
            ) -> dict[frozenset[type] | None, Sequence[LoggedEvent]]:
    """Each distinct set of handled types with its events, picked once: the read models that
    fold every pathway event get the one same list, so they can share one fold of it."""
    routes: dict[frozenset[type] | None, Sequence[LoggedEvent]] = {}
    for projection in projections:
        handles = handled_types(projection)
        if handles not in routes:
            routes[handles] = (events if handles is None else Routed(
                (logged for logged in events if type(logged.event) in handles), handles))
    return routes
