"""Folding a pathway's stored events into its state on either time axis.

- **As of a version**: the events up to that version.
- **As recorded at time r** (the record axis): the events whose ``recorded_at`` is at or
  before r, that is the record exactly as it stood at r: a prefix of the history.
- **As understood at clinical time t, known at r** (the clinical axis): of the events recorded
  by r (by default: everything recorded so far), those whose ``occurred_at`` is at or before t,
  applied in recorded (version) order. A back-dated entry (recorded after later events, but
  occurring before t) is included; an event recorded early but occurring after t is left out.
  The opening is the origin: if it occurred after t the pathway was not open at t.

The two axes differ exactly where entries were back-dated. An event whose effect depends on a
left-out one (say, acknowledging a flag raised after t) cannot be applied; it is reported as
not applied rather than guessed at.

A group's stream folds the same way (its formation is its origin).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.group.events import GroupEvent
from domain.pathway.aggregate import Pathway
from domain.pathway.events import PathwayEvent
from services.application import replay
from services.audit.errors import NothingRecordedYet, NotOpenYet

Stored = PathwayEvent | GroupEvent
"""An event of a pathway's stream or of a group's."""


def noun_of(event: Stored) -> str:
    return "group" if isinstance(event, GroupEvent) else "pathway"


@dataclass(frozen=True)
class NotApplied:
    version: int
    type: str
    reason: str


@dataclass(frozen=True)
class Fold:
    """A pathway (or a group) folded from some of its events: which were included, left out,
    not applied."""

    pathway: Any
    """The ``Pathway``, or the ``Group`` for a group's stream."""
    included: tuple[int, ...]
    left_out: tuple[int, ...] = ()
    not_applied: tuple[NotApplied, ...] = ()


def up_to_version(events: Sequence[Stored], version: int) -> Fold:
    chosen = [event for event in events if event.originator_version <= version]
    pathway = replay(None, chosen)
    return Fold(pathway, tuple(event.originator_version for event in chosen))


def recorded_by(events: Sequence[Stored], at: datetime) -> list[Stored]:
    """The record as it stood at ``at``: the longest prefix recorded at or before it."""
    prefix: list[Stored] = []
    for event in events:
        if event.timestamp > at:
            break
        prefix.append(event)
    if not prefix:
        raise NothingRecordedYet(events[0].originator_id, at, events[0].timestamp,
                                 noun_of(events[0]))
    return prefix


def as_recorded(events: Sequence[Stored], at: datetime) -> Fold:
    prefix = recorded_by(events, at)
    return up_to_version(prefix, prefix[-1].originator_version)


def as_understood(events: Sequence[Stored], at: datetime,
                  known_at: datetime | None = None) -> Fold:
    """The clinical axis: events occurred by ``at`` among those recorded by ``known_at``."""
    known = list(events) if known_at is None else recorded_by(events, known_at)
    opening, rest = known[0], known[1:]
    if opening.occurred_at > at:
        raise NotOpenYet(opening.originator_id, at, opening.occurred_at, noun_of(opening))
    pathway = replay(None, [opening])
    included, left_out, not_applied = [opening.originator_version], [], []
    for event in rest:
        if event.occurred_at > at:
            left_out.append(event.originator_version)
            continue
        try:
            event.apply(pathway)
        except (LookupError, AttributeError, TypeError, ValueError) as error:
            not_applied.append(NotApplied(event.originator_version, type(event).__name__,
                                          _why(error)))
            continue
        pathway.version = event.originator_version
        pathway.modified_on = event.timestamp
        included.append(event.originator_version)
    last = included[-1]
    return Fold(pathway, tuple(included), tuple(v for v in left_out if v < last),
                tuple(not_applied))


def stepped(events: Sequence[PathwayEvent]) -> Iterator[tuple[PathwayEvent, Pathway]]:
    """Each event with the pathway just after it (the same object, moved on each step)."""
    pathway: Any = None
    for event in events:
        pathway = event.mutate(pathway)
        yield event, pathway


def _why(error: Exception) -> str:
    if isinstance(error, LookupError):
        return f"it refers to something not yet recorded at that time ({error!s})"
    return f"it does not apply to the state at that time ({type(error).__name__})"
