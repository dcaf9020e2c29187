"""RFC 6962 (RFC 9162 section 2.1) Merkle tree hashing over the stored events, as pure functions.

A leaf is one stored event: its *entry* is a one-line header (the originator id as 32 hex
digits, its version, its topic) and the exact bytes of the ``state`` column after the mapper's
canonical JSON, compression and encryption. Hashing stored bytes rather than decoded events
means the tree still verifies after a later erasure of an encryption key, and needs no key to
check. Leaf hash ``SHA-256(0x00 || entry)``, node hash ``SHA-256(0x01 || left || right)``.

Stored nodes are the roots of *complete aligned* subtrees: level ``l``, index ``i`` covers leaves
``[i * 2**l, (i + 1) * 2**l)`` (level 0: the leaves). Appending a leaf completes on average one
such node; the tree of any size is a fold of at most 64 of them (its *frontier*).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
HASH_BYTES = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root of the empty tree (RFC 6962: the hash of the empty string)."""

NodeKey = tuple[int, int]
"""(level, index) of a complete aligned subtree."""


def entry_header(originator_hex: str, version: int, topic: str) -> bytes:
    """The header line in front of the stored bytes: ``<32 hex> <version> <topic>\\n``."""
    return f"{originator_hex} {version} {topic}\n".encode()


def leaf_hash(originator_hex: str, version: int, topic: str, state: bytes) -> bytes:
    """The leaf of one stored event (``state``: the column's exact bytes)."""
    return entry_hash(entry_header(originator_hex, version, topic) + state)


def entry_hash(entry: bytes) -> bytes:
    """RFC 6962's leaf hash of any entry."""
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def frontier_keys(size: int) -> list[NodeKey]:
    """The complete subtrees whose fold is the tree of ``size`` leaves, largest first."""
    return [(level, (size >> level) - 1)
            for level in range(size.bit_length() - 1, -1, -1) if size >> level & 1]


def fold(hashes: Sequence[bytes]) -> bytes:
    """The root over complete subtrees given left to right, largest first (a frontier)."""
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


@dataclass(frozen=True)
class Appended:
    """What appending leaves to a tree produced."""

    size: int
    frontier: list[bytes]
    nodes: list[tuple[int, int, bytes]]
    """New complete subtrees (level >= 1, index, hash) to store."""

    @property
    def root(self) -> bytes:
        return fold(self.frontier)


def append(size: int, frontier: Sequence[bytes], leaves: Iterable[bytes]) -> Appended:
    """Append ``leaves`` to the tree of ``size`` leaves whose frontier is ``frontier``."""
    levels = [level for level, _ in frontier_keys(size)]
    hashes = list(frontier)
    nodes: list[tuple[int, int, bytes]] = []
    for leaf in leaves:
        levels.append(0)
        hashes.append(leaf)
        size += 1
        level = 0
        while len(levels) > 1 and levels[-2] == level:
            right = hashes.pop()
            levels.pop()
            hashes[-1] = node_hash(hashes[-1], right)
            level += 1
            levels[-1] = level
            nodes.append((level, (size >> level) - 1, hashes[-1]))
    return Appended(size, hashes, nodes)


def subtree_keys(start: int, end: int) -> list[NodeKey]:
    """The complete subtrees covering ``[start, end)`` where ``start`` is aligned to the
    largest power of two not above ``end - start`` (every range RFC 6962 splits is)."""
    keys: list[NodeKey] = []
    while start < end:
        level = (end - start).bit_length() - 1
        keys.append((level, start >> level))
        start += 1 << level
    return keys


def _split(size: int) -> int:
    """The largest power of two below ``size`` (``size`` >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose subtree hashes form the audit path of leaf ``index`` in a tree
    of ``size`` leaves (RFC 6962 PATH), nearest the leaf first."""
    if not 0 <= index < size:
        msg = f"leaf {index} is not in a tree of {size}"
        raise ValueError(msg)
    ranges: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()
    return ranges


def range_hash(start: int, end: int, node: Callable[[NodeKey], bytes]) -> bytes:
    """MTH of leaves ``[start, end)`` from stored complete subtrees (``node(level, index)``)."""
    return fold([node(key) for key in subtree_keys(start, end)])


def inclusion_proof(index: int, size: int, node: Callable[[NodeKey], bytes]) -> list[bytes]:
    return [range_hash(start, end, node) for start, end in inclusion_ranges(index, size)]


def proof_keys(index: int, size: int) -> set[NodeKey]:
    """Every stored subtree :func:`inclusion_proof` reads, to fetch them in one query."""
    return {key for start, end in inclusion_ranges(index, size)
            for key in subtree_keys(start, end)}


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from ``leaf`` (RFC 9162 section 2.1.3.2); compare it
    with a trusted root. Raises ValueError if the proof has the wrong length."""
    if not 0 <= index < size:
        msg = f"leaf {index} is not in a tree of {size}"
        raise ValueError(msg)
    fn, sn, root = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            msg = "the proof is longer than the tree is deep"
            raise ValueError(msg)
        if fn & 1 or fn == sn:
            root = node_hash(sibling, root)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            root = node_hash(root, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        msg = "the proof is shorter than the tree is deep"
        raise ValueError(msg)
    return root


def consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """The leaf ranges whose subtree hashes prove the tree of ``old`` leaves is a prefix of
    the tree of ``new`` (RFC 6962 PROOF/SUBPROOF), in the proof's order."""
    if not 0 < old <= new:
        msg = f"no consistency proof from a tree of {old} to one of {new}"
        raise ValueError(msg)
    head: list[tuple[int, int]] = []
    tail: list[tuple[int, int]] = []
    start, end, m, whole = 0, new, old, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            tail.append((start + k, end))
            end = start + k
        else:
            tail.append((start, start + k))
            m -= k
            start += k
            whole = False
    if not whole:
        head.append((start, end))
    return head + tail[::-1]


def consistency_proof(old: int, new: int, node: Callable[[NodeKey], bytes]) -> list[bytes]:
    return [range_hash(start, end, node) for start, end in consistency_ranges(old, new)]


def consistency_keys(old: int, new: int) -> set[NodeKey]:
    return {key for start, end in consistency_ranges(old, new)
            for key in subtree_keys(start, end)}


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2: does ``proof`` show the tree of ``old`` leaves with root
    ``old_root`` is a prefix of the tree of ``new`` leaves with root ``new_root``?"""
    if not 0 < old <= new:
        return False
    if old == new:
        return not proof and old_root == new_root
    path = [old_root, *proof] if old & (old - 1) == 0 else list(proof)
    if not path:
        return False
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first = second = path[0]
    for sibling in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first = node_hash(sibling, first)
            second = node_hash(sibling, second)
            while not fn & 1 and fn:
                fn >>= 1
                sn >>= 1
        else:
            second = node_hash(second, sibling)
        fn >>= 1
        sn >>= 1
    return first == old_root and second == new_root and sn == 0
