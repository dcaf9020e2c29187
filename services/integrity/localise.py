"""Naming the first broken link, once the fast pass has found that something is wrong.

Walks the events (in log order) beside the tree's leaves (in leaf order), one event at a time,
folding the tree as it goes and checking every recorded checkpoint at its size: the first
difference in log order is the answer. Slower than the fast pass (Python per event, about
10 s a million), and only run when the fast pass fails; it starts after the latest signed
checkpoint when the fast pass found the log intact up to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from services.integrity import merkle
from services.integrity.findings import Broken, Finding, pathway_of
from services.integrity.keys import VerifierKey
from services.integrity.note import (
    BadCheckpoint,
    Checkpoint,
    open_checkpoint,
    unverified_checkpoint,
)
from services.integrity.rows import CheckpointRow, EventRow, Head, LeafRow
from services.integrity.store import TreeStore

BATCH = 5000


@dataclass(frozen=True)
class Seal:
    """A checkpoint to hold the events against: recorded in the store, or brought along."""

    claimed: Checkpoint
    row: CheckpointRow | None
    """None for an auditor's own checkpoint (already verified)."""

    def describe(self) -> str:
        if self.row is None:
            return f"the checkpoint you hold (size {self.claimed.size})"
        return (f"the checkpoint of size {self.claimed.size} signed at"
                f" {self.row.signed_at:%Y-%m-%d %H:%M:%S} UTC")


def _events(store: TreeStore, up_to: int, position: int) -> Iterator[EventRow]:
    while rows := store.events_after(position, BATCH):
        for row in rows:
            if row.position > up_to:
                return
            yield row
        position = rows[-1].position


def _leaves(store: TreeStore, size: int, index: int,
            progress: Callable[[int, int], None] | None) -> Iterator[LeafRow]:
    while index < size and (rows := store.leaves_from(index, min(BATCH, size - index))):
        index = rows[-1].index + 1
        if progress is not None:
            progress(index, size)
        yield from rows


def _describe(event: EventRow) -> str:
    return (f"event at position {event.position} (pathway {pathway_of(event.originator)}"
            f" version {event.version}, {event.topic})")


def _finding(broken: Broken, sentence: str, event: EventRow | None = None,
             leaf: LeafRow | None = None) -> Finding:
    originator = event.originator if event else leaf.originator if leaf else None
    return Finding(broken, sentence, position=event.position if event else None,
                   leaf_index=leaf.index if leaf else None,
                   pathway_id=pathway_of(originator) if originator else None,
                   version=event.version if event else leaf.version if leaf else None)


@dataclass(frozen=True)
class Start:
    """Where the walk may begin: after a prefix of the log already proven intact (the fast
    pass matched a signed checkpoint of that size)."""

    size: int
    frontier: list[bytes]
    position: int
    """The position of the prefix's last event."""


def localise(store: TreeStore, verifier: VerifierKey, head: Head,
             brought: Sequence[Checkpoint] = (), *, start: Start | None = None,
             progress: Callable[[int, int], None] | None = None) -> Finding | None:
    begin = start or Start(0, [], 0)
    seals = sorted([Seal(unverified_checkpoint(row.note), row) for row in store.checkpoints()
                    if row.size > begin.size]
                   + [Seal(checkpoint, None) for checkpoint in brought
                      if checkpoint.size > begin.size],
                   key=lambda seal: seal.claimed.size)
    walk = _Walk(store, verifier, seals, begin)
    events = _events(store, head.position, begin.position)
    leaves = _leaves(store, head.size, begin.size, progress)
    event, leaf = next(events, None), next(leaves, None)
    while event is not None or leaf is not None:
        if event is not None and leaf is not None and \
                (event.originator, event.version) == (leaf.originator, leaf.version):
            finding = walk.step(event, leaf)
            if finding:
                return finding
            event, leaf = next(events, None), next(leaves, None)
            continue
        return _out_of_step(store, event, leaf)
    return walk.finish(head)


def _out_of_step(store: TreeStore, event: EventRow | None, leaf: LeafRow | None) -> Finding:
    if leaf is not None and (event is None or store.event(leaf.originator, leaf.version) is None):
        newest = " (the newest events were removed)" if event is None else ""
        return _finding(Broken.DELETED, (
            f"pathway {pathway_of(leaf.originator)} version {leaf.version} (leaf"
            f" {leaf.index}) was deleted: the tree records it but the events table no longer"
            f" holds it{newest}"), leaf=leaf)
    assert event is not None  # noqa: S101 - both None ends the walk before this
    recorded = store.leaf_of(event.originator, event.version)
    if recorded is None:
        return _finding(Broken.INSERTED, (
            f"{_describe(event)} was inserted: it is not in the tree, so the service did"
            " not store it"), event=event)
    here = leaf.index if leaf is not None else "past the end of the tree"
    return _finding(Broken.MOVED, (
        f"{_describe(event)} is out of order: the tree recorded it as leaf {recorded.index},"
        f" here it comes at leaf {here}"), event=event, leaf=recorded)


class _Walk:
    """The tree folded event by event, held against each checkpoint at its size."""

    def __init__(self, store: TreeStore, verifier: VerifierKey, seals: list[Seal],
                 start: Start) -> None:
        self.store = store
        self.verifier = verifier
        self.seals = seals
        self.next_seal = 0
        self.size = start.size
        self.frontier: list[bytes] = list(start.frontier)
        self.sealed_position = start.position
        """The position of the last event the previous matching checkpoint covered."""

    def step(self, event: EventRow, leaf: LeafRow) -> Finding | None:
        recomputed = event.leaf
        if recomputed != leaf.hash:
            emptied = " (a column was emptied)" if recomputed is None else ""
            return _finding(Broken.ALTERED, (
                f"{_describe(event)} was altered{emptied}: its stored bytes no longer hash to"
                f" leaf {leaf.index}, recorded when it was stored"), event=event, leaf=leaf)
        appended = merkle.append(self.size, self.frontier, [recomputed])
        self.size, self.frontier = appended.size, appended.frontier
        while self.next_seal < len(self.seals) and \
                self.seals[self.next_seal].claimed.size == self.size:
            finding = self._check(self.seals[self.next_seal], appended.root, event)
            if finding:
                return finding
            self.next_seal += 1
        return None

    def _check(self, seal: Seal, root: bytes, event: EventRow) -> Finding | None:
        if seal.claimed.root == root:
            self.sealed_position = event.position
            return None
        if seal.row is not None:
            try:
                open_checkpoint(seal.row.note, self.verifier)
            except BadCheckpoint as error:
                return Finding(Broken.FORGED_CHECKPOINT, (
                    f"{seal.describe()} was not written by this log: {error}"))
        return Finding(Broken.REWRITTEN, (
            f"events at positions {self.sealed_position + 1}..{event.position} were altered"
            f" and their stored hashes rewritten to match: the tree of the first"
            f" {self.size} events no longer matches {seal.describe()}"),
            position=self.sealed_position + 1)

    def finish(self, head: Head) -> Finding | None:
        for seal in self.seals[self.next_seal:]:
            if seal.claimed.size > self.size:
                return Finding(Broken.TRUNCATED, (
                    f"{seal.describe()} covers {seal.claimed.size} events but the store holds"
                    f" {self.size}: the newest {seal.claimed.size - self.size} were removed"
                    " together with their hashes"))
        if head.root is None or merkle.fold(self.frontier) != head.root:
            return Finding(Broken.DAMAGED_TREE, (
                "the stored subtrees do not fold to the root of the stored leaves: the tree's"
                " node table was altered"))
        return None
