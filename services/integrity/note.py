"""Signed checkpoints: C2SP tlog-checkpoint text in a C2SP signed-note, signed with Ed25519.

A checkpoint says "the log named <origin> had <size> entries and this Merkle root":

    carepath.example/log
    20852
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

    — carepath.example/log Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5...

The signature line is an em dash, the key name and base64(key id || Ed25519 signature over the
text); the key id is ``SHA-256(name || 0x0A || 0x01 || public key)[:4]``. Keys are written as
Go's ``golang.org/x/mod/sumdb/note`` writes them, so the same key works with the tools of
that ecosystem: signer ``PRIVATE+KEY+<name>+<id hex>+<base64(0x01 || seed)>``, verifier
``<name>+<id hex>+<base64(0x01 || public key)>``.
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

from services.integrity.merkle import HASH_BYTES

ED25519 = 0x01
SIGNER_PREFIX = "PRIVATE+KEY+"
DASH = "\u2014 "
_NAME = re.compile(r"^[^\s+]{1,200}$")
_DECIMAL = re.compile(r"^(0|[1-9][0-9]{0,18})$")
_MAX_NOTE = 16 * 1024
_MAX_SIGNATURES = 16
_KEY_BYTES = 32


class BadKey(ValueError):
    """A key string that is not a well-formed Ed25519 note key."""


class BadCheckpoint(ValueError):
    """A note that is malformed, or carries no valid signature by the expected key."""


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
    if not _NAME.match(name):
        msg = f"key name {name!r} must be 1-200 characters without spaces or '+'"
        raise BadKey(msg)


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: the log's origin, its size and its RFC 6962 root."""

    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    def sign(self, signer: SignerKey) -> str:
        """The signed note (text, blank line, signature line)."""
        return sign_note(self.body(), signer)


def sign_note(text: str, signer: SignerKey) -> str:
    """``text`` (ending in a newline) followed by a blank line and ``signer``'s signature."""
    signature = base64.b64encode(signer.verifier.id + signer.sign(text.encode())).decode()
    return f"{text}\n{DASH}{signer.name} {signature}\n"


def open_checkpoint(note: str, verifier: VerifierKey) -> Checkpoint:
    """The checkpoint a note carries, once its signature by ``verifier`` is checked."""
    return parse_body(open_note(note, verifier))


def open_note(note: str, verifier: VerifierKey) -> str:
    """The text of a note signed by ``verifier`` (other signers' lines are ignored)."""
    body, signatures = _split_note(note)
    known = [signature for name, signature in signatures
             if name == verifier.name and signature[:4] == verifier.id]
    if not known:
        msg = f"it carries no signature by {verifier.name}+{verifier.id.hex()}"
        raise BadCheckpoint(msg)
    if not all(verifier.verify(body.encode(), signature[4:]) for signature in known):
        msg = f"its signature by {verifier.name}+{verifier.id.hex()} does not verify"
        raise BadCheckpoint(msg)
    return body


def unverified_checkpoint(note: str) -> Checkpoint:
    """What a note claims, signature unchecked (to compare before paying for a verification)."""
    return parse_body(_split_note(note)[0])


def _split_note(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    if len(note) > _MAX_NOTE or any(ord(c) < 0x20 and c != "\n" for c in note):  # noqa: PLR2004
        msg = "it is too long or holds control characters"
        raise BadCheckpoint(msg)
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        msg = "it has no blank line before its signatures"
        raise BadCheckpoint(msg)
    body, lines = note[:cut + 1], note[cut + 2:].splitlines()
    if not lines or len(lines) > _MAX_SIGNATURES:
        msg = "it has no signature line, or too many"
        raise BadCheckpoint(msg)
    signatures = []
    for line in lines:
        name, _, encoded = line.removeprefix(DASH).partition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raw = b""
        if not line.startswith(DASH) or not _NAME.match(name) or len(raw) < 5:  # noqa: PLR2004
            msg = f"its signature line {line[:40]!r} is malformed"
            raise BadCheckpoint(msg)
        signatures.append((name, raw))
    return body, signatures


def parse_body(body: str) -> Checkpoint:
    """Origin, size and root of a checkpoint's text (no extension lines are expected)."""
    lines = body.split("\n")
    if len(lines) != 4 or lines[3] != "":  # noqa: PLR2004 - three lines and the final newline
        msg = "its text is not origin, size and root hash on three lines"
        raise BadCheckpoint(msg)
    origin, size, encoded = lines[:3]
    try:
        root = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        root = b""
    if not origin or not _DECIMAL.match(size) or len(root) != HASH_BYTES:
        msg = "its origin, size or root hash is malformed"
        raise BadCheckpoint(msg)
    return Checkpoint(origin, int(size), root)
