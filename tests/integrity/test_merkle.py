"""The Merkle tree is RFC 6962's: the certificate-transparency test vectors, and every tree up
to 70 leaves against a literal transcription of the RFC's recursive definition."""

from __future__ import annotations

import hashlib

import pytest

from services.integrity import merkle

# The RFC 6962 test vectors published with certificate transparency's reference code.
CT_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
             "606162636465666768696a6b6c6d6e6f"]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_PATHS = {
    (0, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (5, 8): ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
}


def rfc_mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1, transcribed: MTH of a list of entries."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + rfc_mth(leaves[:k]) + rfc_mth(leaves[k:])).digest()


def stored_nodes(entries: list[bytes]) -> dict[tuple[int, int], bytes]:
    """Every complete aligned subtree of a tree, as the store keeps them."""
    appended = merkle.append(0, [], [merkle.entry_hash(e) for e in entries])
    nodes = {(0, i): merkle.entry_hash(e) for i, e in enumerate(entries)}
    nodes.update({(level, index): digest for level, index, digest in appended.nodes})
    return nodes


def test_roots_match_the_certificate_transparency_vectors() -> None:
    leaves = [merkle.entry_hash(bytes.fromhex(leaf)) for leaf in CT_LEAVES]
    assert merkle.append(0, [], []).root == merkle.EMPTY_ROOT
    for size in range(1, 9):
        assert merkle.append(0, [], leaves[:size]).root.hex() == CT_ROOTS[size - 1]


def test_audit_paths_match_the_certificate_transparency_vectors() -> None:
    nodes = stored_nodes([bytes.fromhex(leaf) for leaf in CT_LEAVES])
    for (index, size), path in CT_PATHS.items():
        assert [h.hex() for h in merkle.inclusion_proof(index, size, nodes.__getitem__)] == path


@pytest.mark.parametrize("split", [0, 1, 3, 8, 33])
def test_appending_in_batches_gives_the_rfc_root_at_every_size(split: int) -> None:
    entries = [f"event {i}".encode() for i in range(70)]
    first = merkle.append(0, [], [merkle.entry_hash(e) for e in entries[:split]])
    size, frontier = first.size, first.frontier
    for i in range(split, len(entries)):
        appended = merkle.append(size, frontier, [merkle.entry_hash(entries[i])])
        size, frontier = appended.size, appended.frontier
        assert appended.root == rfc_mth(entries[:size])


def test_the_stored_frontier_of_any_size_folds_to_its_root() -> None:
    entries = [f"event {i}".encode() for i in range(70)]
    nodes = stored_nodes(entries)
    for size in range(71):
        frontier = [nodes[key] for key in merkle.frontier_keys(size)]
        assert merkle.fold(frontier) == rfc_mth(entries[:size])


def test_every_inclusion_proof_leads_to_the_root_and_a_wrong_leaf_does_not() -> None:
    entries = [f"event {i}".encode() for i in range(40)]
    nodes = stored_nodes(entries)
    for size in range(1, 41):
        root = rfc_mth(entries[:size])
        for index in range(size):
            proof = merkle.inclusion_proof(index, size, nodes.__getitem__)
            leaf = merkle.entry_hash(entries[index])
            assert merkle.root_from_inclusion(index, size, leaf, proof) == root
            forged = merkle.entry_hash(b"forged")
            assert merkle.root_from_inclusion(index, size, forged, proof) != root


def test_a_proof_of_the_wrong_length_is_refused() -> None:
    entries = [f"event {i}".encode() for i in range(8)]
    nodes = stored_nodes(entries)
    proof = merkle.inclusion_proof(3, 8, nodes.__getitem__)
    leaf = merkle.entry_hash(entries[3])
    with pytest.raises(ValueError, match="shorter"):
        merkle.root_from_inclusion(3, 8, leaf, proof[:-1])
    with pytest.raises(ValueError, match="longer"):
        merkle.root_from_inclusion(3, 8, leaf, [*proof, proof[0]])
    with pytest.raises(ValueError, match="not in a tree"):
        merkle.root_from_inclusion(8, 8, leaf, proof)


def test_proof_keys_name_every_stored_subtree_a_proof_reads() -> None:
    entries = [f"event {i}".encode() for i in range(37)]
    nodes = stored_nodes(entries)
    read: set[tuple[int, int]] = set()

    def node(key: tuple[int, int]) -> bytes:
        read.add(key)
        return nodes[key]

    merkle.inclusion_proof(17, 37, node)
    assert read == merkle.proof_keys(17, 37)


def test_a_leaf_covers_the_originator_version_topic_and_exact_stored_bytes() -> None:
    base = merkle.leaf_hash("ab" * 16, 3, "carepath:SessionHeld", b'{"n":1}')
    assert base == merkle.entry_hash(b"abababababababababababababababab 3 carepath:SessionHeld\n"
                                     b'{"n":1}')
    assert base != merkle.leaf_hash("ab" * 16, 4, "carepath:SessionHeld", b'{"n":1}')
    assert base != merkle.leaf_hash("ac" * 16, 3, "carepath:SessionHeld", b'{"n":1}')
    assert base != merkle.leaf_hash("ab" * 16, 3, "carepath:SessionMissed", b'{"n":1}')
    assert base != merkle.leaf_hash("ab" * 16, 3, "carepath:SessionHeld", b'{"n":2}')


CT_CONSISTENCY = {
    (1, 1): [],
    (1, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (6, 8): ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
    (2, 5): ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"],
}


def test_consistency_proofs_match_the_certificate_transparency_vectors() -> None:
    nodes = stored_nodes([bytes.fromhex(leaf) for leaf in CT_LEAVES])
    for (old, new), path in CT_CONSISTENCY.items():
        proof = merkle.consistency_proof(old, new, nodes.__getitem__)
        assert [h.hex() for h in proof] == path
        assert merkle.verify_consistency(old, new, bytes.fromhex(CT_ROOTS[old - 1]),
                                         bytes.fromhex(CT_ROOTS[new - 1]), proof)


def test_every_consistency_proof_verifies_and_a_forged_old_tree_does_not() -> None:
    entries = [f"event {i}".encode() for i in range(33)]
    nodes = stored_nodes(entries)
    for new in range(1, 34):
        new_root = rfc_mth(entries[:new])
        for old in range(1, new + 1):
            proof = merkle.consistency_proof(old, new, nodes.__getitem__)
            old_root = rfc_mth(entries[:old])
            assert merkle.verify_consistency(old, new, old_root, new_root, proof)
            forged = rfc_mth([b"forged", *entries[1:old]])
            assert not merkle.verify_consistency(old, new, forged, new_root, proof)
            assert merkle.consistency_keys(old, new) <= nodes.keys()
