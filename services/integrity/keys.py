"""The checkpoint key: the public development key, and how an operator makes a real one."""

from __future__ import annotations

import hashlib

from services.integrity.note import SignerKey, new_signer

DEVELOPMENT_NAME = "carepath.invalid/development"
DEVELOPMENT_KEY: SignerKey = new_signer(
    DEVELOPMENT_NAME, hashlib.sha256(b"carepath public development checkpoint key").digest())
"""Derived from a public phrase: it signs development checkpoints, and proves nothing."""

KEY_HINT = "generate one with: carepath checkpoint-key --name <your.domain/carepath>"
