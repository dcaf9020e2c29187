"""An access log entry and the chain that links it to the one before.

Each entry's hash covers its own fields and the previous entry's hash:
``hash(n) = SHA-256(0x01 || hash(n-1) || SHA-256(0x00 || canonical JSON of entry n))``, the
leaf and node hashing of RFC 6962 (``services.integrity.merkle``, the tamper evidence's),
with ``hash(0)`` 32 zero bytes. Changing, removing, inserting or reordering any entry breaks
every hash after it; :func:`first_break` names where.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Final
from uuid import UUID

import orjson

from services.integrity.merkle import entry_hash, node_hash

GENESIS: Final = bytes(32)
ACTIONS: Final = ("read-history", "read-as-of", "export", "export-period", "evidence")
"""What an entry records a read of (the policy table's logged actions, by name)."""


@dataclass(frozen=True)
class Reader:
    """Who reads, and why: a token's subject and role over HTTP, the operating system's user
    on the command line."""

    actor_id: str
    actor_role: str
    purpose: str
    channel: str
    """``http`` or ``cli``."""
    token_id: str | None = None


@dataclass(frozen=True)
class Entry:
    seq: int
    recorded_at: datetime
    actor_id: str
    actor_role: str
    token_id: str | None
    action: str
    pathway_id: UUID | None
    purpose: str
    channel: str
    detail: str
    """What was read: the request (``GET /audit/pathways/{id}/as-of?version=3``) or command."""
    hash: bytes

    def fields(self) -> dict[str, Any]:
        """The hashed fields, as stored (times as UTC text, ids as text)."""
        found = asdict(self)
        del found["hash"]
        found["recorded_at"] = utc_text(self.recorded_at)
        found["pathway_id"] = None if self.pathway_id is None else str(self.pathway_id)
        return found


def utc_text(moment: datetime) -> str:
    """``2026-03-10T09:00:00.000000Z``: fixed width, so text order is time order."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: dict[str, Any]) -> bytes:
    return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)


def chained(previous: bytes, fields: dict[str, Any]) -> bytes:
    """The hash of an entry with these stored ``fields`` after one hashed ``previous``."""
    return node_hash(previous, entry_hash(canonical(fields)))


@dataclass(frozen=True)
class Break:
    seq: int
    """The first entry whose hash does not follow (or the position a gap starts at)."""
    reason: str


def first_break(entries: Iterable[Entry], previous: bytes = GENESIS,
                expected_seq: int = 1) -> Break | None:
    """Where the chain over ``entries`` (in order) first breaks, or None."""
    for entry in entries:
        if entry.seq != expected_seq:
            return Break(expected_seq, f"entry {expected_seq} is missing (found {entry.seq}"
                                       " next): removed or moved")
        if chained(previous, entry.fields()) != entry.hash:
            return Break(entry.seq, f"entry {entry.seq} does not match its hash: changed,"
                                    " inserted or re-hashed out of chain")
        previous, expected_seq = entry.hash, expected_seq + 1
    return None
