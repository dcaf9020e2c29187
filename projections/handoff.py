"""Hand the ordered log on to something outside the read store (the broker relay), recording
the position only once the receiver has taken the events.

A read model writes its rows and its position in one transaction; a broker cannot join that
transaction, so a hand-off runs in three steps: read the batch after the tracked position,
hand it on and wait until the receiver says what it took (a broker's acknowledgements), then
advance the position to the last event taken, by the same compare-and-set as a read model
(``tracking.advance``). A crash between the second and the third step hands the same events on
again after a restart: the receiver deduplicates, or says it already holds them
(:func:`move_to`). The tracking row is an ordinary one (generation 1, live), so status and lag
read as a read model's do.
"""

from __future__ import annotations

from collections.abc import Callable

from projections.catch_up import position_of, schema_change
from projections.log import Position
from projections.store import ReadStore
from projections.tracking import advance, ensure_tracking, start_generation, tracked

GENERATION = 1
VERSION = 1
HandOn = Callable[[Position], tuple[int, Position | None]]
"""Read the batch after a position and hand it on: (events handed on, the position of the
last event taken, None: nothing new)."""


class PartlyTaken(RuntimeError):
    """The receiver took the events up to ``taken`` (None: none) and failed on the next."""

    def __init__(self, taken: Position | None, reason: str) -> None:
        super().__init__(reason)
        self.taken = taken


def prepare_handoff(store: ReadStore, name: str) -> None:
    """The hand-off's tracking row, at the start of the log if it is new."""
    with store.transaction() as tx:
        schema_change(tx)
        ensure_tracking(tx)
        if not tracked(tx, name):
            start_generation(tx, name, GENERATION, VERSION, live=True)


def handed_position(store: ReadStore, name: str) -> Position:
    with store.reading() as tx:
        return position_of(tx, name, GENERATION)


def move_to(store: ReadStore, name: str, read_at: Position, to: Position) -> None:
    """Record that the receiver holds the log up to ``to`` (ahead of, or behind, ``read_at``)."""
    if to != read_at:
        with store.transaction() as tx:
            advance(tx, name, GENERATION, read_at, to)


def hand_on_next_batch(store: ReadStore, name: str, hand_on: HandOn) -> int:
    """Hand on the next batch after the tracked position; how many events were handed on.

    ``hand_on`` reads after the position it is given and returns what the receiver took, or
    raises :class:`PartlyTaken`: what was taken is recorded before the error goes on.
    """
    after = handed_position(store, name)
    try:
        count, taken = hand_on(after)
    except PartlyTaken as error:
        if error.taken is not None and error.taken > after:
            move_to(store, name, after, error.taken)
        raise
    if taken is None or taken <= after:
        return 0
    move_to(store, name, after, taken)
    return max(count, 1)  # the position moved: work was done
