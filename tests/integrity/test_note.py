"""Checkpoints are C2SP signed notes: Go's sumdb/note known answer, keys, and refusals."""

from __future__ import annotations

import pytest

from services.integrity import keys, note
from services.integrity.merkle import EMPTY_ROOT

# golang.org/x/mod/sumdb/note's documented example: key pair, text and signature line.
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = ("If you think cryptography is the answer to your problem,\n"
           "then you don't know what your problem is.\n")
GO_NOTE = (GO_TEXT + "\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgY"
           "N1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")


def test_signing_reproduces_go_sumdb_notes_known_answer() -> None:
    signer = keys.parse_signer(GO_SIGNER)
    assert signer.text() == GO_SIGNER
    assert signer.verifier.text() == GO_VERIFIER
    assert note.sign_note(GO_TEXT, signer) == GO_NOTE
    assert note.open_note(GO_NOTE, keys.parse_verifier(GO_VERIFIER)) == GO_TEXT


def test_a_checkpoint_round_trips_and_names_origin_size_and_root() -> None:
    signer = keys.new_signer("clinic.example/carepath")
    signed = note.Checkpoint("clinic.example/carepath", 20852, EMPTY_ROOT).sign(signer)
    assert signed.startswith("clinic.example/carepath\n20852\n"
                             "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n")
    opened = note.open_checkpoint(signed, signer.verifier)
    assert opened == note.Checkpoint("clinic.example/carepath", 20852, EMPTY_ROOT)


def test_an_altered_checkpoint_does_not_open() -> None:
    signer = keys.new_signer("clinic.example/carepath")
    signed = note.Checkpoint("clinic.example/carepath", 20852, EMPTY_ROOT).sign(signer)
    with pytest.raises(note.BadCheckpoint, match="does not verify"):
        note.open_checkpoint(signed.replace("20852", "20851"), signer.verifier)


def test_a_checkpoint_signed_by_another_key_of_the_same_name_does_not_open() -> None:
    ours = keys.new_signer("clinic.example/carepath")
    forger = keys.new_signer("clinic.example/carepath")
    signed = note.Checkpoint("clinic.example/carepath", 3, EMPTY_ROOT).sign(forger)
    with pytest.raises(note.BadCheckpoint, match=r"no signature by clinic\.example/carepath"):
        note.open_checkpoint(signed, ours.verifier)


def test_other_signers_lines_are_ignored_as_the_spec_asks() -> None:
    ours = keys.new_signer("clinic.example/carepath")
    witness = keys.new_signer("witness.example/w1")
    signed = note.Checkpoint("clinic.example/carepath", 3, EMPTY_ROOT).sign(ours)
    cosigned = signed + note.sign_note(note.Checkpoint(
        "clinic.example/carepath", 3, EMPTY_ROOT).body(), witness).split("\n\n")[1]
    assert note.open_checkpoint(cosigned, ours.verifier).size == 3


@pytest.mark.parametrize("text", [
    "",
    "no blank line\n\u2014 a AAAA\n",
    "clinic.example/carepath\n3\nroot\n\n\u2014 clinic.example/carepath !!!\n",
    "clinic.example/carepath\n3\n\x07\n\n\u2014 clinic.example/carepath AAAAAAAA\n",
])
def test_malformed_notes_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(note.BadCheckpoint):
        note.open_checkpoint(text, keys.new_signer("clinic.example/carepath").verifier)


@pytest.mark.parametrize(("text", "reason"), [
    ("clinic.example/carepath+c74f20a3+AYEK", "PRIVATE\\+KEY"),
    ("PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
     "key id does not match"),
    ("PRIVATE+KEY+Peter Neumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
     "without spaces"),
    ("PRIVATE+KEY+PeterNeumann+c74f20a3+AYEK", "Ed25519"),
    ("PRIVATE+KEY+PeterNeumann+c74f20a3", "<name>\\+<key id hex>"),
])
def test_malformed_signer_keys_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(keys.BadKey, match=reason):
        keys.parse_signer(text)
