"""Sealing: sign the tree's head as a checkpoint, now and then, so that removing the newest
events (together with their hashes) shows.

The service seals every ``CAREPATH_CHECKPOINT_INTERVAL_SECONDS`` while it runs (each server
process; a checkpoint of a size already sealed is not recorded twice) and once when it stops;
``carepath seal`` seals on demand. Events stored since the latest checkpoint are *unsealed*:
their hashes are in the tree, so an edit shows, but deleting them together with their tree
rows would not, until an auditor compares with a checkpoint kept elsewhere (the window).

Like a transparency log, the sealer never signs a head that is inconsistent with its latest
checkpoint: a smaller tree, or one no consistency proof (RFC 9162) from the stored subtrees
leads from the checkpoint to, is refused with an error in the log (and ``carepath verify``
names the cause).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from services.integrity import merkle
from services.integrity.keys import SignerKey
from services.integrity.note import Checkpoint, unverified_checkpoint
from services.integrity.store import TreeStore

log = logging.getLogger("carepath.integrity")


class SealRefused(RuntimeError):
    """The tree's head cannot be signed: it contradicts the latest checkpoint."""


@dataclass(frozen=True)
class Seal:
    checkpoint: Checkpoint
    note: str
    new: bool
    """False when nothing was stored since the latest checkpoint (it is returned instead)."""


class Sealer:
    def __init__(self, store: TreeStore, signer: SignerKey,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self.signer = signer
        self.clock = clock

    def seal(self) -> Seal | None:
        """Sign the current head if it grew; None while the log is empty."""
        head = self.store.head()
        latest = head.checkpoint
        claimed = unverified_checkpoint(latest.note) if latest else None
        if head.root is None:
            msg = f"the stored tree of {head.size} events lacks subtrees: run carepath verify"
            raise SealRefused(msg)
        if claimed is not None:
            if head.size < claimed.size:
                msg = (f"the tree holds {head.size} events but the latest checkpoint sealed"
                       f" {claimed.size}: events were removed; run carepath verify")
                raise SealRefused(msg)
            if head.size == claimed.size and head.root == claimed.root and latest:
                return Seal(claimed, latest.note, new=False)
            if not self._extends(claimed, head.size, head.root):
                msg = (f"the tree's first {claimed.size} events no longer match the latest"
                       " checkpoint: run carepath verify")
                raise SealRefused(msg)
        if head.size == 0:
            return None
        checkpoint = Checkpoint(self.signer.name, head.size, head.root)
        note = checkpoint.sign(self.signer)
        recorded = self.store.add_checkpoint(head.size, note, self.clock())
        return Seal(checkpoint, note, new=recorded)


    def _extends(self, claimed: Checkpoint, size: int, root: bytes) -> bool:
        """Whether the stored tree of ``size`` provably extends ``claimed`` (an RFC 9162
        consistency proof built from the stored subtrees)."""
        if size == claimed.size:
            return root == claimed.root
        nodes = self.store.nodes(merkle.consistency_keys(claimed.size, size))
        try:
            proof = merkle.consistency_proof(claimed.size, size, nodes.__getitem__)
        except KeyError:
            return False
        return merkle.verify_consistency(claimed.size, size, claimed.root, root, proof)


class PeriodicSealer:
    """Seals every ``interval`` seconds on a daemon thread, and once more when stopped."""

    def __init__(self, sealer: Sealer, interval: float) -> None:
        self.sealer = sealer
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="carepath-sealer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.interval + 5)
        self.seal_once()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.seal_once()

    def seal_once(self) -> None:
        """Seal, logging rather than raising: a refusal or an outage must not stop the caller."""
        try:
            self.sealer.seal()
        except SealRefused as error:
            log.error("tamper evidence: not sealing: %s", error)
        except Exception as error:  # noqa: BLE001 - a store outage must not end the thread
            log.warning("tamper evidence: sealing failed (%s); retrying in %.0f s",
                        error, self.interval)
