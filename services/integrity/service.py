"""Tamper evidence as the composition root builds it: one object per event store that seals,
verifies and exports, configured from the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from services.integrity import merkle
from services.integrity.entries import Location
from services.integrity.findings import Verification
from services.integrity.keys import SignerKey, VerifierKey
from services.integrity.note import Checkpoint, open_checkpoint
from services.integrity.schema import Tables
from services.integrity.sealer import PeriodicSealer, Seal, Sealer
from services.integrity.store import TreeStore
from services.integrity.verify import Progress, verify_pathway, verify_store


@dataclass
class Integrity:
    store: TreeStore
    signer: SignerKey
    interval_seconds: float
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _periodic: PeriodicSealer | None = None
    unsealed_writes: bool = False
    """True once this process stored events: closing then seals them (see :meth:`close`)."""

    def saved(self, _position: int) -> None:
        """``Pathways.on_saved`` hook: this process wrote events."""
        self.unsealed_writes = True

    @property
    def verifier(self) -> VerifierKey:
        return self.signer.verifier

    @property
    def sealer(self) -> Sealer:
        return Sealer(self.store, self.signer, self.clock)

    def seal(self) -> Seal | None:
        return self.sealer.seal()

    def open_witness(self, note: str, verifier: VerifierKey | None = None) -> Checkpoint:
        """A checkpoint the caller kept: it must be signed by the log's key."""
        return open_checkpoint(note, verifier or self.verifier)

    def verify(self, pathway_id: UUID | None = None, *, group_id: UUID | None = None,
               jobs: int = 1, witness: Checkpoint | None = None,
               verifier: VerifierKey | None = None,
               progress: Progress | None = None) -> Verification:
        """The whole store, or one pathway's or one group's stream by inclusion proofs."""
        key = verifier or self.verifier
        if pathway_id is not None:
            return verify_pathway(self.store, key, pathway_id)
        if group_id is not None:
            return verify_pathway(self.store, key, group_id, aggregate="group")
        return verify_store(self.store, key, jobs=jobs, witness=witness, progress=progress)

    def start_sealing(self) -> None:
        if self._periodic is None:
            self._periodic = PeriodicSealer(self.sealer, self.interval_seconds)
            self._periodic.start()

    def stop_sealing(self) -> None:
        if self._periodic is not None:
            self._periodic.stop()
            self._periodic = None

    def close(self) -> None:
        """Stop sealing; a process that wrote events seals them once more on its way out."""
        if self._periodic is not None:
            self.stop_sealing()
        elif self.unsealed_writes:
            PeriodicSealer(self.sealer, self.interval_seconds).seal_once()
        self.store.close()


def integrity_for(recorder: Any, env: dict[str, str], *, conninfo: str | None,
                  signer: SignerKey, interval_seconds: float,
                  timeout_seconds: float) -> Integrity:
    """The tamper evidence of the store ``recorder`` writes (SQLite file or PostgreSQL)."""
    tables = Tables(recorder.events_table_name)
    if conninfo is None:
        location = Location("sqlite", env["SQLITE_DBNAME"], tables.events)
        store = TreeStore(location, tables, timeout_seconds=timeout_seconds)
    else:
        schema = recorder.datastore.schema
        location = Location("postgres", conninfo, f'"{schema}"."{tables.events}"')
        store = TreeStore(location, tables, schema=schema, timeout_seconds=timeout_seconds)
    return Integrity(store, signer, interval_seconds)


@dataclass(frozen=True)
class Consistency:
    """A proof that the latest checkpoint's tree extends an earlier tree of ``old`` leaves."""

    old: int
    new: int
    proof: list[bytes]
    checkpoint: str
    """The latest signed checkpoint (size ``new``)."""


def consistency(integrity: Integrity, old: int) -> Consistency | None:
    """From a tree of ``old`` leaves to the latest checkpoint (None: no checkpoint yet);
    ValueError if ``old`` is not within it."""
    head = integrity.store.head()
    if head.checkpoint is None:
        return None
    latest = open_checkpoint(head.checkpoint.note, integrity.verifier)
    nodes = integrity.store.nodes(merkle.consistency_keys(old, latest.size))
    proof = merkle.consistency_proof(old, latest.size, nodes.__getitem__)
    return Consistency(old, latest.size, proof, head.checkpoint.note)
