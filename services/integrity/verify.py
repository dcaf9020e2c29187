"""``verify``: prove the stored events are the ones the service stored, or name the first
broken link.

The whole store: every event's leaf is recomputed from the events table (in parallel), the
tree is folded, and its root is compared with the latest signed checkpoint, with a checkpoint
the auditor brings (kept outside the store), and with the stored tree for the unsealed tail.
Any difference sends the check to :mod:`localise` to name the first broken link.

One pathway (or one group: the same proof over the group's own stream): its events are
compared with their recorded leaves, their versions must run 1..n in log order, and each leaf
is proven to be in the signed tree by an inclusion proof built from the stored subtrees.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Literal
from uuid import UUID

from domain.group.events import CATALOGUE as GROUP_EVENTS
from services.integrity import merkle
from services.integrity.findings import Broken, Finding, Verification
from services.integrity.keys import VerifierKey
from services.integrity.localise import Start, localise
from services.integrity.note import BadCheckpoint, Checkpoint, open_checkpoint
from services.integrity.rows import EventRow, Head, LeafRow
from services.integrity.scanning import CHUNK_POSITIONS, ScanResult, chunks, scan
from services.integrity.store import TreeStore

Progress = Callable[[int, int, str], None]
"""Called with (events checked so far, events to check, stage: "verify" or "locate")."""


Aggregate = Literal["pathway", "group"]
_GROUP_TOPICS = frozenset(event.TOPIC for event in GROUP_EVENTS)


class UnknownPathway(LookupError):
    """Neither the events table nor the tree knows the pathway (or the group)."""


def _latest(head: Head, verifier: VerifierKey) -> tuple[Checkpoint | None, Finding | None]:
    if head.checkpoint is None:
        return None, None
    try:
        return open_checkpoint(head.checkpoint.note, verifier), None
    except BadCheckpoint as error:
        return None, Finding(Broken.FORGED_CHECKPOINT, (
            f"the latest checkpoint (size {head.checkpoint.size}, recorded at"
            f" {head.checkpoint.signed_at:%Y-%m-%d %H:%M:%S} UTC) was not written by this log:"
            f" {error}"))


def verify_store(store: TreeStore, verifier: VerifierKey, *, jobs: int = 1,
                 witness: Checkpoint | None = None, progress: Progress | None = None,
                 chunk_positions: int = CHUNK_POSITIONS) -> Verification:
    """Check every stored event; ``witness`` is a checkpoint already opened by the caller."""
    started = time.perf_counter()
    head = store.head()
    latest, finding = _latest(head, verifier)
    seals = [seal for seal in (latest, witness) if seal is not None]
    done = 0
    total = head.size

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, max(total, done), "verify")

    result = scan(store.location, chunks(head.first_position, head.position, chunk_positions),
                  [head.size, *(seal.size for seal in seals)], jobs=jobs, progress=advance)
    roots = result.roots
    intact = (result.complete and roots.count == head.size and head.root is not None
              and roots.root(head.size) == head.root
              and all(roots.root(seal.size) == seal.root for seal in seals))
    if finding is None and not intact:
        locating = None if progress is None else (
            lambda done, size: progress(done, size, "locate"))
        finding = localise(store, verifier, head, [witness] if witness else [],
                           start=_proven_prefix(store, result, latest), progress=locating) \
            or Finding(Broken.DAMAGED_TREE, "the recomputed tree differs from the stored one")
    return Verification(
        scope="store", events=roots.count, tree_size=head.size,
        checkpoint_size=latest.size if latest else None,
        checkpoint_signed_at=head.checkpoint.signed_at if head.checkpoint and latest else None,
        unsealed=head.size - (latest.size if latest else 0), finding=finding,
        seconds=time.perf_counter() - started,
        witness_size=witness.size if witness else None)


def _proven_prefix(store: TreeStore, result: ScanResult,
                   latest: Checkpoint | None) -> Start | None:
    """The log up to the latest signed checkpoint, if the fast pass found it intact (the
    events read there fold to its signed root), with where its last event lies."""
    roots = result.roots
    if latest is None or latest.size == 0 or roots.root(latest.size) != latest.root:
        return None
    found = result.locate(latest.size)
    position = store.position_at(found[0].low, found[1]) if found else None
    if position is None:
        return None
    frontier = [roots.captured[key] for key in merkle.frontier_keys(latest.size)]
    return Start(latest.size, frontier, position)


def kind_of(events: list[EventRow]) -> Aggregate | None:
    """Whose stream the rows are, by their topics (None: no topic left to tell)."""
    topics = {event.topic for event in events if event.topic}
    if not topics:
        return None
    return "group" if topics & _GROUP_TOPICS else "pathway"


def verify_pathway(store: TreeStore, verifier: VerifierKey, pathway_id: UUID, *,
                   aggregate: Aggregate = "pathway") -> Verification:
    """One pathway's stream, or with ``aggregate="group"`` one group's: an id of the other
    kind is unknown."""
    started = time.perf_counter()
    head = store.head()
    latest, finding = _latest(head, verifier)
    originator = pathway_id.hex
    events = store.pathway_events(originator)
    leaves = store.pathway_leaves(originator)
    if (not events and not leaves) or kind_of(events) not in (None, aggregate):
        raise UnknownPathway(pathway_id)
    if finding is None:
        finding = _pathway_finding(store, head, latest, pathway_id=pathway_id, events=events,
                                   leaves=leaves, noun=aggregate)
    sealed = latest.size if latest else 0
    return Verification(
        scope=str(pathway_id), events=len(events), tree_size=head.size,
        checkpoint_size=latest.size if latest else None,
        checkpoint_signed_at=head.checkpoint.signed_at if head.checkpoint and latest else None,
        unsealed=sum(1 for leaf in leaves if leaf.index >= sealed), finding=finding,
        seconds=time.perf_counter() - started, aggregate=aggregate)


def _pathway_finding(store: TreeStore, head: Head, latest: Checkpoint | None, *,
                     pathway_id: UUID, events: list[EventRow], leaves: list[LeafRow],
                     noun: Aggregate) -> Finding | None:
    by_version = {event.version: event for event in events}
    recorded = {leaf.version: leaf for leaf in leaves}
    last_leaf = last_position = -1
    for version in range(1, max([*by_version, *recorded]) + 1):
        event, leaf = by_version.get(version), recorded.get(version)
        where = f"{noun} {pathway_id} version {version}"
        if event is None and leaf is None:
            return Finding(Broken.DELETED, f"{where} is missing from the events and the tree:"
                           " it was removed together with its hashes", pathway_id=pathway_id,
                           version=version)
        if leaf is None:
            assert event is not None  # noqa: S101
            return Finding(Broken.INSERTED, f"{where} (position {event.position}) was"
                           " inserted: it is not in the tree, so the service did not store it",
                           position=event.position, pathway_id=pathway_id, version=version)
        if event is None:
            return Finding(Broken.DELETED, f"{where} (leaf {leaf.index}) was deleted: the tree"
                           " records it but the events table no longer holds it",
                           leaf_index=leaf.index, pathway_id=pathway_id, version=version)
        if event.leaf != leaf.hash:
            return Finding(Broken.ALTERED, f"{where} (position {event.position}) was altered:"
                           f" its stored bytes no longer hash to leaf {leaf.index}",
                           position=event.position, leaf_index=leaf.index,
                           pathway_id=pathway_id, version=version)
        if leaf.index < last_leaf or event.position < last_position:
            return Finding(Broken.MOVED, f"{where} (position {event.position}) is out of order"
                           f" with the {noun}'s earlier events", position=event.position,
                           leaf_index=leaf.index, pathway_id=pathway_id, version=version)
        last_leaf, last_position = leaf.index, event.position
    return _inclusion_finding(store, head, latest, pathway_id, leaves, noun=noun)


def _inclusion_finding(store: TreeStore, head: Head, latest: Checkpoint | None,
                       pathway_id: UUID, leaves: list[LeafRow], *,
                       noun: Aggregate) -> Finding | None:
    """Every leaf must lead to the signed root (sealed ones) or the stored root (the rest)."""
    sealed = latest.size if latest else 0
    wanted = set()
    for leaf in leaves:
        wanted |= merkle.proof_keys(leaf.index, sealed if leaf.index < sealed else head.size)
    nodes = store.nodes(wanted)
    for leaf in leaves:
        size, root = (sealed, latest.root) if latest and leaf.index < sealed \
            else (head.size, head.root)
        try:
            proof = merkle.inclusion_proof(leaf.index, size, nodes.__getitem__)
            reached = merkle.root_from_inclusion(leaf.index, size, leaf.hash, proof)
        except (KeyError, ValueError):
            reached = None
        if reached != root:
            against = "the signed checkpoint" if size == sealed else "the stored tree's root"
            return Finding(Broken.REWRITTEN, (
                f"{noun} {pathway_id} version {leaf.version} (leaf {leaf.index}) does not lead"
                f" to {against}: stored hashes were rewritten; run carepath verify on the"
                " whole store to find where"), leaf_index=leaf.index, pathway_id=pathway_id,
                version=leaf.version)
    return None
