"""Signed checkpoints: C2SP tlog-checkpoint text in a C2SP signed-note, signed with Ed25519.

A checkpoint says "the log named <origin> had <size> entries and this Merkle root":

    carepath.example/log
    20852
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

    — carepath.example/log Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5...

The signature line is an em dash, the key name and base64(key id || Ed25519 signature over the
text); keys are in ``services.integrity.keys``.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from services.integrity.keys import NAME, SignerKey, VerifierKey
from services.integrity.merkle import HASH_BYTES

DASH = "\u2014 "
_DECIMAL = re.compile(r"^(0|[1-9][0-9]{0,18})$")
_MAX_NOTE = 16 * 1024
_MAX_SIGNATURES = 16


class BadCheckpoint(ValueError):
    """A note that is malformed, or carries no valid signature by the expected key."""


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
        if not line.startswith(DASH) or not NAME.match(name) or len(raw) < 5:  # noqa: PLR2004
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
