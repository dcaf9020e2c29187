"""What a projection is: a name, a version, its tables, and how a batch of events changes rows.

Each read model is a folder under ``projections/`` with ``view.py`` (its tables and the
queries the API and dashboard ask) and ``projection.py`` (events -> rows). The follower hands
a projection batches of events in log order inside a transaction that also records the new
position, so ``apply`` must only write through the transaction it is given: no other I/O, no
clock (times come from the events), no side effects, since a rebuild replays every event again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from projections.log import LoggedEvent
from projections.store import Tx


class Projection(Protocol):
    """A read model's writer. ``tables`` maps each table's short name to its DDL."""

    name: str
    """Short and stable (``pathways``, ``safety``): it names tables, metrics and commands."""
    version: int
    """Raise it when the tables or the folding change: a rebuild then builds the new version
    beside the live one and takes over when it has caught up."""
    tables: dict[str, str]
    """``{"pathways": "CREATE TABLE IF NOT EXISTS {pathways} (...)"}``; extra statements
    (indexes) may follow a ``;`` in the same string."""
    # Optional: ``handles: frozenset[type]``, the event classes it folds (see ``routed``).

    def apply(self, batch: Sequence[LoggedEvent], tx: Tx) -> None:
        """Fold ``batch`` (consecutive events, oldest first) into rows through ``tx``."""
        ...


def handled_types(projection: Projection) -> frozenset[type] | None:
    """The event classes ``projection`` folds, if it names them (an optional ``handles``
    attribute); None: it is handed every event."""
    handles: frozenset[type] | None = getattr(projection, "handles", None)
    return handles


class Routed(list[LoggedEvent]):
    """Events already narrowed to the types in ``types`` (a rebuild picks each read model's
    once per batch): ``routed`` hands them on without looking at each again."""

    def __init__(self, events: Iterable[LoggedEvent], types: frozenset[type]) -> None:
        super().__init__(events)
        self.types = types


def routed(projection: Projection, batch: Sequence[LoggedEvent]) -> Sequence[LoggedEvent]:
    """The events of ``batch`` that ``projection`` folds, in order (``batch`` itself when it
    folds them all). Events of other types (another aggregate's, say) never reach it; the
    log position still moves past them."""
    handles = handled_types(projection)
    if handles is None or (isinstance(batch, Routed) and batch.types <= handles) or all(
            type(logged.event) in handles for logged in batch):
        return batch
    return [logged for logged in batch if type(logged.event) in handles]


def ddl_statements(projection: Projection) -> list[str]:
    """Every DDL statement of a projection, one per ``;``-separated part."""
    return [part.strip() for ddl in projection.tables.values() for part in ddl.split(";")
            if part.strip()]
