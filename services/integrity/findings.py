"""What a verification found: the first broken link, named as an auditor would say it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class Broken(StrEnum):
    ALTERED = "altered"
    """A stored event's bytes no longer hash to the leaf recorded when it was stored."""
    DELETED = "deleted"
    """The tree records an event that is no longer stored."""
    INSERTED = "inserted"
    """A stored event is not in the tree: it was not written by the service."""
    MOVED = "moved"
    """Stored events are in another order than the tree recorded them."""
    REWRITTEN = "rewritten"
    """Events and their stored hashes agree, but no longer match a signed checkpoint."""
    TRUNCATED = "truncated"
    """A signed checkpoint covers more events than are stored: the newest were removed."""
    FORGED_CHECKPOINT = "forged-checkpoint"
    """A recorded checkpoint is not signed by the log's key."""
    DAMAGED_TREE = "damaged-tree"
    """The stored subtrees disagree with the stored leaves."""


@dataclass(frozen=True)
class Finding:
    broken: Broken
    sentence: str
    position: int | None = None
    leaf_index: int | None = None
    pathway_id: UUID | None = None
    version: int | None = None


def pathway_of(originator: str) -> UUID | None:
    try:
        return UUID(hex=originator)
    except ValueError:
        return None


@dataclass(frozen=True)
class Verification:
    """The answer of ``carepath verify`` (and ``GET /integrity/verify``)."""

    scope: str
    """``store``, or the id of the pathway or group checked."""
    events: int
    """Stored events checked."""
    tree_size: int
    checkpoint_size: int | None
    checkpoint_signed_at: datetime | None
    unsealed: int
    """Events stored after the latest checkpoint: in the tree, not yet signed."""
    finding: Finding | None
    seconds: float
    witness_size: int | None = None
    """The size of a checkpoint the caller brought (kept outside the store), if any."""
    aggregate: str | None = None
    """For one stream: ``pathway`` or ``group`` (``scope`` is its id)."""

    @property
    def ok(self) -> bool:
        return self.finding is None
