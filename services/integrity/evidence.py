"""Evidence to take away: a history (or the whole log) as JSON lines, with the stored rows,
their leaf hashes, inclusion proofs and the signed checkpoint they lead to.

The format (``carepath-evidence/1``), one JSON object per line:

- first, ``{"kind": "checkpoint", "format": "carepath-evidence/1", "scope": "pathway" |
  "group" | "log", "pathway_id": <the pathway's or the group's id>, "note": <the signed
  checkpoint>, "key": <verifier key>}``;
- then one ``{"kind": "event", "leaf_index", "position", "pathway_id", "version", "topic",
  "state" (base64 of the stored bytes, null if the row is gone), "leaf_hash" (hex),
  "proof" (hex hashes, RFC 9162 inclusion proof; empty for a whole-log export)}`` per event,
  in log order.

``tools/verify_evidence.py`` checks such a file with nothing but Python and
``cryptography``; the verifier key must reach the auditor by a channel of their own (the
``key`` field only says which key the service used).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from services.integrity import merkle
from services.integrity.findings import pathway_of
from services.integrity.keys import VerifierKey
from services.integrity.note import open_checkpoint
from services.integrity.rows import EventRow, LeafRow
from services.integrity.store import TreeStore
from services.integrity.verify import Aggregate, UnknownPathway, kind_of

FORMAT = "carepath-evidence/1"
BATCH = 5000


@dataclass(frozen=True)
class Evidence:
    """What an export covers: its checkpoint's size and the events written."""

    checkpoint_size: int
    events: int


def pathway_evidence(store: TreeStore, verifier: VerifierKey, note: str,
                     pathway_id: UUID, *, scope: Aggregate = "pathway") -> Iterator[str]:
    """JSON lines proving ``pathway_id``'s events (with ``scope="group"``, a group's) up to
    the checkpoint ``note``; an id of the other kind is unknown."""
    checkpoint = open_checkpoint(note, verifier)
    leaves = [leaf for leaf in store.pathway_leaves(pathway_id.hex)
              if leaf.index < checkpoint.size]
    rows = store.pathway_events(pathway_id.hex)
    events = {event.version: event for event in rows}
    if (not leaves and not events) or kind_of(rows) not in (None, scope):
        raise UnknownPathway(pathway_id)
    wanted: set[merkle.NodeKey] = set()
    for leaf in leaves:
        wanted |= merkle.proof_keys(leaf.index, checkpoint.size)
    nodes = store.nodes(wanted)
    yield _header(scope, note, verifier, pathway_id)
    for leaf in leaves:
        proof = merkle.inclusion_proof(leaf.index, checkpoint.size, nodes.__getitem__)
        yield _line(leaf, events.get(leaf.version), proof)


def log_evidence(store: TreeStore, verifier: VerifierKey, note: str) -> Iterator[str]:
    """JSON lines of every event the checkpoint ``note`` covers, in log order."""
    checkpoint = open_checkpoint(note, verifier)
    yield _header("log", note, verifier, None)
    index, position = 0, 0
    while index < checkpoint.size:
        leaves = store.leaves_from(index, min(BATCH, checkpoint.size - index))
        rows = store.events_after(position, len(leaves)) if leaves else []
        if not leaves:
            return
        for leaf, event in zip(leaves, _aligned(rows, len(leaves)), strict=True):
            yield _line(leaf, event, [])
        index = leaves[-1].index + 1
        position = rows[-1].position if rows else position


def _aligned(rows: list[EventRow], count: int) -> list[EventRow | None]:
    return [*rows, *([None] * (count - len(rows)))][:count]


def _header(scope: str, note: str, verifier: VerifierKey, pathway_id: UUID | None) -> str:
    return json.dumps({"kind": "checkpoint", "format": FORMAT, "scope": scope,
                       "pathway_id": str(pathway_id) if pathway_id else None,
                       "note": note, "key": verifier.text()})


def _line(leaf: LeafRow, event: EventRow | None, proof: list[bytes]) -> str:
    row: dict[str, Any] = {
        "kind": "event", "leaf_index": leaf.index,
        "position": event.position if event else None,
        "pathway_id": str(pathway_of(event.originator if event else leaf.originator)),
        "version": event.version if event else leaf.version,
        "topic": event.topic if event else None,
        "state": base64.b64encode(event.state).decode() if event and event.state is not None
        else None,
        "leaf_hash": leaf.hash.hex(), "proof": [h.hex() for h in proof]}
    return json.dumps(row)
