"""Which generation of a projection readers read: its physical tables, cached briefly.

Views call :func:`live_tables` and fill their ``{table}`` placeholders with the answer (for
example ``tx.with_tables(live_tables(store, projection))``), or use :func:`reading_live`. The
answer is cached per store for ``TTL_SECONDS``; a switch made in this process refreshes it at
once, a switch made by a worker in another process is seen within the TTL, and a retired
generation's tables are dropped only after ``RETIRED_GRACE_SECONDS`` (well beyond the TTL),
so a reader holding the old names still finds whole tables.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from projections.catch_up import tables_of
from projections.projection import Projection
from projections.store import ReadStore, Tx
from projections.tracking import TRACKING

TTL_SECONDS = 1.0
RETIRED_GRACE_SECONDS = 10.0


class ReadModelNotReady(LookupError):
    """The projection has no live generation yet (no worker has ever prepared it)."""


_cache: weakref.WeakKeyDictionary[ReadStore, dict[str, tuple[int, float]]] = (
    weakref.WeakKeyDictionary())
_lock = threading.Lock()


def live_generation(store: ReadStore, name: str, *, fresh: bool = False) -> int | None:
    """The live generation of projection ``name`` (None when there is none)."""
    now = time.monotonic()
    with _lock:
        known = _cache.get(store, {}).get(name)
    if known is not None and not fresh and now - known[1] < TTL_SECONDS:
        return known[0]
    try:
        with store.reading() as tx:
            generation = read_live_generation(tx, name)
    except Exception as error:
        if no_tracking_yet(error):
            return None
        raise
    if generation is not None:
        with _lock:
            _cache.setdefault(store, {})[name] = (generation, now)
    return generation


def no_tracking_yet(error: Exception) -> bool:
    """True when ``error`` says no projection has ever run against this store."""
    return TRACKING in str(error)


def read_live_generation(tx: Tx, name: str) -> int | None:
    value = tx.scalar(f"SELECT generation FROM {TRACKING} WHERE projection = :name"
                      " AND live = :live", {"name": name, "live": True})
    return None if value is None else int(value)


def live_tables(store: ReadStore, projection: Projection) -> dict[str, str]:
    """``{short name: physical table}`` of the generation readers read now."""
    generation = live_generation(store, projection.name)
    if generation is None:
        msg = f"read model {projection.name} is not built yet"
        raise ReadModelNotReady(msg)
    return tables_of(projection, generation)


@contextmanager
def reading_live(store: ReadStore, projection: Projection) -> Iterator[Tx]:
    """A read-only transaction whose ``{table}`` placeholders name the live generation."""
    tables = live_tables(store, projection)
    with store.reading() as tx:
        yield tx.with_tables(tables)


def forget(store: ReadStore, name: str) -> None:
    """Drop the cached answer (called after this process switched the live generation)."""
    with _lock:
        _cache.get(store, {}).pop(name, None)
