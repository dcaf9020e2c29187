#!/usr/bin/env python3
"""Check a carepath evidence export without the service or its database.

    python3 verify_evidence.py EXPORT.jsonl --key 'clinic.example/carepath+1a2b3c4d+AU...'
    python3 verify_evidence.py CONSISTENCY.json --kept KEPT.txt --key '...'

Needs Python 3.9+ and the ``cryptography`` package (for Ed25519), nothing else. The export
(``carepath evidence``) holds a signed checkpoint (C2SP tlog-checkpoint in a C2SP signed note)
and stored event rows with their RFC 6962 leaf hashes and inclusion proofs. This script checks
that the checkpoint is signed by the key you give (get it from the clinic by a channel of your
own, not from the export), that each row's stored bytes hash to its leaf, that each leaf's
proof leads to the checkpoint's root (a whole-log export: that all leaves fold to it), and that
a pathway's (or a group's) versions run 1, 2, 3... without a gap, in log order. With
``--kept``, the file is the answer of ``GET /integrity/consistency?from=<size of KEPT>``: it
checks that the latest checkpoint extends the one you kept (RFC 9162 consistency proof), so
nothing stored before was changed or removed since.

Exit status 0: every check passed; 1: a check failed (the first failure is printed); 2: the
file or key could not be read.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "carepath-evidence/1"
DASH = "\u2014 "
HASH_BYTES = 32
KEY_ID_BYTES = 4
ED25519_KEY = b"\x01"
CHECKPOINT_LINES = 4
"""Origin, size, root, and the empty string after the text's final newline."""


class Failed(Exception):
    """A check did not pass."""


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def parse_key(text: str) -> tuple[str, bytes, bytes]:
    """(name, key id, public key) of a verifier key ``name+hexid+base64(0x01||key)``."""
    name, key_id, encoded = text.strip().split("+", 2)
    raw = base64.b64decode(encoded, validate=True)
    if len(raw) != 1 + HASH_BYTES or raw[:1] != ED25519_KEY:
        raise ValueError("not an Ed25519 verifier key")
    public = raw[1:]
    if sha256(name.encode() + b"\n" + ED25519_KEY + public)[:KEY_ID_BYTES].hex() != key_id:
        raise ValueError("its key id does not match its name and key")
    return name, bytes.fromhex(key_id), public


def open_checkpoint(note: str, key: tuple[str, bytes, bytes]) -> tuple[str, int, bytes]:
    """(origin, size, root) of a signed checkpoint, once its signature by ``key`` checks."""
    name, key_id, public = key
    cut = note.rfind("\n\n")
    if cut < 0:
        raise Failed("the checkpoint has no signature")
    text, signatures = note[:cut + 1], note[cut + 2:].splitlines()
    verified = False
    for line in signatures:
        if not line.startswith(DASH):
            raise Failed(f"malformed signature line: {line[:40]!r}")
        signer, _, encoded = line[len(DASH):].partition(" ")
        try:
            blob = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise Failed("a signature is not base64") from None
        if signer != name or blob[:KEY_ID_BYTES] != key_id:
            continue  # another signer's line: ignored, as the signed-note spec says
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(blob[KEY_ID_BYTES:], text.encode())
        except InvalidSignature:
            raise Failed(f"the checkpoint's signature by {name} does not verify") from None
        verified = True
    if not verified:
        raise Failed(f"the checkpoint is not signed by the key {name}+{key_id.hex()}")
    lines = text.split("\n")
    if len(lines) != CHECKPOINT_LINES or lines[3]:
        raise Failed("the checkpoint's text is not origin, size and root")
    root = base64.b64decode(lines[2])
    if len(root) != HASH_BYTES or not lines[1].isdigit():
        raise Failed("the checkpoint's size or root is malformed")
    return lines[0], int(lines[1]), root


def leaf_hash(row: dict[str, Any]) -> bytes:
    """RFC 6962 leaf: 0x00, then "<id hex> <version> <topic>\\n" and the stored bytes."""
    if row["state"] is None or row["topic"] is None:
        raise Failed(f"pathway {row['pathway_id']} version {row['version']} (leaf"
                     f" {row['leaf_index']}) is no longer stored: it was deleted")
    header = f"{row['pathway_id'].replace('-', '')} {row['version']} {row['topic']}\n"
    return sha256(b"\x00" + header.encode() + base64.b64decode(row["state"]))


def node(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right)


def root_from_proof(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes:
    """RFC 9162, 2.1.3.2: the root an inclusion proof leads to."""
    if not 0 <= index < size:
        raise Failed(f"leaf {index} lies outside a tree of {size}")
    fn, sn, result = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            raise Failed(f"the proof of leaf {index} is too long")
        if fn % 2 == 1 or fn == sn:
            result = node(sibling, result)
            while fn % 2 == 0 and fn != 0:
                fn //= 2
                sn //= 2
        else:
            result = node(result, sibling)
        fn //= 2
        sn //= 2
    if sn != 0:
        raise Failed(f"the proof of leaf {index} is too short")
    return result


def tree_root(leaves: list[bytes]) -> bytes:
    """RFC 6962's Merkle tree hash, level by level (an odd last node moves up unchanged)."""
    if not leaves:
        return sha256(b"")
    level = leaves
    while len(level) > 1:
        paired = [node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        level = paired + ([level[-1]] if len(level) % 2 else [])
    return level[0]


def consistent(old: int, new: int, old_root: bytes, new_root: bytes,
               proof: list[bytes]) -> bool:
    """RFC 9162, 2.1.4.2: the tree of ``old`` leaves is a prefix of the tree of ``new``."""
    if old == new:
        return not proof and old_root == new_root
    path = [old_root, *proof] if old & (old - 1) == 0 else proof
    if not 0 < old < new or not path:
        return False
    fn, sn = old - 1, new - 1
    while fn % 2 == 1:
        fn //= 2
        sn //= 2
    first = second = path[0]
    for sibling in path[1:]:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            first, second = node(sibling, first), node(sibling, second)
            while fn % 2 == 0 and fn != 0:
                fn //= 2
                sn //= 2
        else:
            second = node(second, sibling)
        fn //= 2
        sn //= 2
    return first == old_root and second == new_root and sn == 0


def check_consistency(answer: dict[str, Any], kept: str, key: tuple[str, bytes, bytes]) -> str:
    _, old, old_root = open_checkpoint(kept, key)
    origin, new, new_root = open_checkpoint(answer["checkpoint"], key)
    if (answer["old"], answer["new"]) != (old, new):
        raise Failed(f"the proof is for sizes {answer['old']} -> {answer['new']}, not"
                     f" {old} -> {new}")
    proof = [bytes.fromhex(h) for h in answer["proof"]]
    if not consistent(old, new, old_root, new_root, proof):
        raise Failed(f"the latest checkpoint ({new} events) does not extend the one you kept"
                     f" ({old}): events stored before were changed or removed")
    return (f"OK: the log {origin} grew from {old} to {new} events; nothing stored before was"
            " changed or removed")


def check(lines: list[str], key: tuple[str, bytes, bytes]) -> str:
    header = json.loads(lines[0])
    if header.get("kind") != "checkpoint" or header.get("format") != FORMAT:
        raise Failed(f"the first line is not a {FORMAT} checkpoint")
    origin, size, root = open_checkpoint(header["note"], key)
    rows = [json.loads(line) for line in lines[1:] if line.strip()]
    noun = "group" if header["scope"] == "group" else "pathway"
    leaves = []
    for row in rows:
        leaf = leaf_hash(row)
        where = f"{noun} {row['pathway_id']} version {row['version']} (leaf {row['leaf_index']})"
        if leaf.hex() != row["leaf_hash"]:
            raise Failed(f"{where}: its stored bytes do not hash to its recorded leaf")
        if header["scope"] in ("pathway", "group"):
            proof = [bytes.fromhex(h) for h in row["proof"]]
            if root_from_proof(row["leaf_index"], size, leaf, proof) != root:
                raise Failed(f"{where}: its inclusion proof does not lead to the checkpoint")
        leaves.append(leaf)
    if header["scope"] == "log":
        if [row["leaf_index"] for row in rows] != list(range(size)):
            raise Failed(f"the export does not hold the log's {size} events in order")
        if tree_root(leaves) != root:
            raise Failed("the events do not fold to the checkpoint's root")
        return f"OK: all {size} events of the log {origin} match its signed checkpoint"
    pathway = header["pathway_id"]
    if any(row["pathway_id"] != pathway for row in rows):
        raise Failed(f"the export mixes events of other {noun}s")
    versions = [row["version"] for row in rows]
    if versions != list(range(1, len(rows) + 1)):
        raise Failed(f"{noun} {pathway}: versions {versions} do not run 1..{len(rows)}")
    indexes = [row["leaf_index"] for row in rows]
    if indexes != sorted(indexes):
        raise Failed(f"{noun} {pathway}: its events are not in log order")
    return (f"OK: the {len(rows)} events of {noun} {pathway} are in the log {origin}"
            f" of {size} events, unaltered, signed by {key[0]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("export", help="the JSON lines file written by carepath evidence")
    parser.add_argument("--key", required=True, help="the log's verifier key")
    parser.add_argument("--kept", help="a checkpoint you kept: the file is then a consistency"
                                       " proof (GET /integrity/consistency?from=<its size>)")
    args = parser.parse_args(argv)
    try:
        key = parse_key(args.key)
        with open(args.export, encoding="utf-8") as file:
            text = file.read()
        kept = None
        if args.kept:
            with open(args.kept, encoding="utf-8") as file:
                kept = file.read()
    except (OSError, ValueError) as error:
        print(f"cannot read: {error}", file=sys.stderr)
        return 2
    try:
        print(check_consistency(json.loads(text), kept, key) if kept is not None
              else check(text.splitlines(), key))
    except (Failed, KeyError, ValueError, TypeError, IndexError) as error:
        print(f"FAILED: {error}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
