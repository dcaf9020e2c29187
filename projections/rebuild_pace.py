"""What a long rebuild does about Python's collector, and how it times its stages."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from projections.log import LoggedEvent, OrderedLog, Position
from projections.scan import RawRow

YOUNG_LIMIT = 2_000_000
"""Objects the collector tracks made (and not freed) since its last pass, past which a
rebuild collects the young generations."""


@contextmanager
def fewer_collections() -> Iterator[Callable[[], None]]:
    """A rebuild makes and drops millions of small objects, none in a cycle: the cyclic
    collector's passes over them cost it a sixth of its time, and a young-generation pass
    every ten batches still a twentieth (it walks every row kept since the last one, and
    found nothing to free). So the collector is off while the rebuild runs, and after a batch
    (what this yields) the rebuild collects the young generations only if more than
    ``YOUNG_LIMIT`` objects were made and not freed since the last pass (what cyclic garbage,
    if some projection made it, would add up to); it runs as usual again once done."""
    enabled = gc.isenabled()
    gc.disable()

    def batch_done() -> None:
        if gc.get_count()[0] > YOUNG_LIMIT:
            gc.collect(1)  # the young generations: a full pass walks every row kept

    try:
        yield batch_done
    finally:
        if enabled:
            gc.enable()


class Clock:
    """Seconds per stage, when asked for (``timings``)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings

    def add(self, stage: str, started: float) -> None:
        if self.timings is not None:
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - started

    def read(self, log: OrderedLog, after: Position, limit: int,
             topics: frozenset[str] | None) -> tuple[list[RawRow], list[LoggedEvent]]:
        started = time.perf_counter()
        rows = log.read_rows(after, limit)
        self.add("read", started)
        started = time.perf_counter()
        events = log.decode_rows(rows, topics)
        self.add("decode", started)
        return rows, events
