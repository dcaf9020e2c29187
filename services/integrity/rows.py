"""The rows verification reads: stored events, recorded leaves, checkpoints, the head."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.integrity import merkle


@dataclass(frozen=True)
class EventRow:
    position: int
    originator: str
    """The originator id as 32 lowercase hex digits (as the leaf's header writes it)."""
    version: int
    topic: str | None
    state: bytes | None

    @property
    def leaf(self) -> bytes | None:
        """The leaf hash of the row as stored now (None if a column was emptied)."""
        if self.topic is None or self.state is None:
            return None
        return merkle.leaf_hash(self.originator, self.version, self.topic, self.state)


@dataclass(frozen=True)
class LeafRow:
    index: int
    originator: str
    version: int
    hash: bytes


@dataclass(frozen=True)
class CheckpointRow:
    size: int
    note: str
    signed_at: datetime


@dataclass(frozen=True)
class Head:
    """One consistent look at the store: its last position, tree and latest checkpoint."""

    position: int
    size: int
    root: bytes | None
    """The stored tree's root at ``size`` (None: a subtree it needs is missing)."""
    checkpoint: CheckpointRow | None
    first_position: int


def events_of(rows: list[Any]) -> list[EventRow]:
    return [EventRow(int(p), o, int(v), None if t is None else str(t), _stored_bytes(s))
            for p, o, v, t, s in rows]


def _stored_bytes(value: Any) -> bytes | None:
    """The bytes of a ``state`` cell; on SQLite an edit may have stored text or a number
    there, whose bytes are what SQLite's own concatenation (the fast pass) would use."""
    if value is None:
        return None
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return str(value).encode()


def checkpoint_of(row: Any) -> CheckpointRow:
    size, note, signed_at = row
    when = datetime.fromisoformat(signed_at) if isinstance(signed_at, str) else signed_at
    return CheckpointRow(int(size), str(note), when.astimezone(UTC))
