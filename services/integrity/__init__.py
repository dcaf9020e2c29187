"""Tamper evidence for the event store: a Merkle tree over the ordered log, sealed by signed
checkpoints (C2SP tlog-checkpoint over signed-note, Ed25519), and its verification.

The design is written down in the README ("Tamper evidence"); ``merkle`` and ``note`` are pure,
the rest reads and writes the store.
"""
