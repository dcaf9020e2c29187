"""Signed-note keys: Ed25519 signer and verifier keys in Go ``golang.org/x/mod/sumdb/note``'s
text encoding, so the same key works with the tools of that ecosystem:
signer ``PRIVATE+KEY+<name>+<id hex>+<base64(0x01 || seed)>``,
verifier ``<name>+<id hex>+<base64(0x01 || public key)>``; the key id is
``SHA-256(name || 0x0A || 0x01 || public key)[:4]`` (C2SP signed-note).

The development key is derived from a public phrase: it signs development checkpoints and
proves nothing; production refuses it (``services.settings``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01
SIGNER_PREFIX = "PRIVATE+KEY+"
NAME = re.compile(r"^[^\s+]{1,200}$")
_KEY_BYTES = 32


class BadKey(ValueError):
    """A key string that is not a well-formed Ed25519 note key."""


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public).digest()[:4]


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class VerifierKey:
    name: str
    public: bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.public)

    def text(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + self.public).decode()
        return f"{self.name}+{self.id.hex()}+{encoded}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class SignerKey:
    name: str
    seed: bytes

    @property
    def verifier(self) -> VerifierKey:
        private = Ed25519PrivateKey.from_private_bytes(self.seed)
        return VerifierKey(self.name, _raw_public(private.public_key()))

    def text(self) -> str:
        encoded = base64.b64encode(bytes([ED25519]) + self.seed).decode()
        return f"{SIGNER_PREFIX}{self.name}+{self.verifier.id.hex()}+{encoded}"

    def sign(self, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)


def new_signer(name: str, seed: bytes | None = None) -> SignerKey:
    """A fresh key named ``name`` (a schema-less URL such as ``clinic.example/carepath``)."""
    _check_name(name)
    if seed is None:
        private = Ed25519PrivateKey.generate()
        seed = private.private_bytes_raw()
    if len(seed) != _KEY_BYTES:
        msg = f"an Ed25519 seed is {_KEY_BYTES} bytes"
        raise BadKey(msg)
    return SignerKey(name, seed)


def parse_signer(text: str) -> SignerKey:
    if not text.startswith(SIGNER_PREFIX):
        msg = f"must start with {SIGNER_PREFIX} (generate one with: carepath checkpoint-key)"
        raise BadKey(msg)
    name, hex_id, material = _key_parts(text.removeprefix(SIGNER_PREFIX))
    signer = new_signer(name, material)
    if signer.verifier.id.hex() != hex_id:
        msg = "its key id does not match its name and key"
        raise BadKey(msg)
    return signer


def parse_verifier(text: str) -> VerifierKey:
    name, hex_id, material = _key_parts(text)
    verifier = VerifierKey(name, material)
    if verifier.id.hex() != hex_id:
        msg = "its key id does not match its name and key"
        raise BadKey(msg)
    return verifier


def _key_parts(text: str) -> tuple[str, str, bytes]:
    parts = text.strip().split("+", 2)
    if len(parts) != 3:  # noqa: PLR2004 - name, id, key
        msg = "must read <name>+<key id hex>+<base64 key>"
        raise BadKey(msg)
    name, hex_id, encoded = parts
    _check_name(name)
    if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
        msg = "its key id must be 8 lowercase hex digits"
        raise BadKey(msg)
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        msg = "its key is not base64"
        raise BadKey(msg) from None
    if len(raw) != _KEY_BYTES + 1 or raw[0] != ED25519:
        msg = "its key must be an Ed25519 key (0x01 and 32 bytes)"
        raise BadKey(msg)
    return name, hex_id, raw[1:]


def _check_name(name: str) -> None:
    if not NAME.match(name):
        msg = f"key name {name!r} must be 1-200 characters without spaces or '+'"
        raise BadKey(msg)


DEVELOPMENT_NAME = "carepath.invalid/development"
DEVELOPMENT_KEY: SignerKey = new_signer(
    DEVELOPMENT_NAME, hashlib.sha256(b"carepath public development checkpoint key").digest())
"""Derived from a public phrase: it signs development checkpoints, and proves nothing."""

KEY_HINT = "generate one with: carepath checkpoint-key --name <your.domain/carepath>"
