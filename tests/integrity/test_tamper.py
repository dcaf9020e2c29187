"""Tampering with raw SQL is found and named, on SQLite and on PostgreSQL.

Each test seeds a demo caseload, seals it with a signed checkpoint, then changes the stored
rows as someone with the database would (protections turned off first), and expects verify
(of the whole store, in several worker processes, and of the pathway concerned) to name the
first broken link.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from services.demo.seed import seed_demo
from services.integrity.findings import Broken
from services.integrity.keys import new_signer
from services.integrity.note import Checkpoint, open_checkpoint
from services.integrity.verify import verify_store
from tests.integrity.support import Attacker


def middle(attacker: Attacker) -> tuple[int, str, int, str, bytes]:
    rows = attacker.rows()
    return rows[len(rows) // 2]


def test_an_untouched_store_verifies_whole_and_pathway_by_pathway(attacker: Attacker) -> None:
    rows = attacker.rows()
    for jobs in (1, 2):
        result = attacker.verify(jobs=jobs)
        assert result.ok, result.finding
        assert (result.events, result.tree_size, result.checkpoint_size) == (len(rows),) * 3
        assert result.unsealed == 0
    for originator in {row[1] for row in rows}:
        assert attacker.verify_pathway(originator).ok


def test_an_updated_payload_is_named_with_its_position(attacker: Attacker) -> None:
    position, originator, version, _topic, state = middle(attacker)
    with attacker.sql() as sql:
        sql.run(f"UPDATE {attacker.tables.events} SET state = ? WHERE {attacker.position} = ?",
                (state.replace(b'"', b"'", 1), position))
    finding = attacker.verify().finding
    assert finding is not None
    assert finding.broken is Broken.ALTERED
    assert (finding.position, finding.pathway_id, finding.version) == (
        position, UUID(originator), version)
    assert f"event at position {position}" in finding.sentence
    pathway = attacker.verify_pathway(originator).finding
    assert pathway is not None
    assert (pathway.broken, pathway.version) == (Broken.ALTERED, version)


def test_a_deleted_middle_event_is_named(attacker: Attacker) -> None:
    position, originator, version, _topic, _state = middle(attacker)
    with attacker.sql() as sql:
        sql.run(f"DELETE FROM {attacker.tables.events} WHERE {attacker.position} = ?",
                (position,))
    finding = attacker.verify().finding
    assert finding is not None
    assert (finding.broken, finding.pathway_id, finding.version) == (
        Broken.DELETED, UUID(originator), version)
    assert finding.leaf_index == len([r for r in attacker.rows() if r[0] < position])
    pathway = attacker.verify_pathway(originator).finding
    assert pathway is not None
    assert (pathway.broken, pathway.version) == (Broken.DELETED, version)


def test_a_deleted_latest_event_is_named(attacker: Attacker) -> None:
    position, originator, version, _topic, _state = attacker.rows()[-1]
    with attacker.sql() as sql:
        sql.run(f"DELETE FROM {attacker.tables.events} WHERE {attacker.position} = ?",
                (position,))
    finding = attacker.verify().finding
    assert finding is not None
    assert (finding.broken, finding.pathway_id, finding.version) == (
        Broken.DELETED, UUID(originator), version)
    assert "newest" in finding.sentence


def test_the_latest_events_deleted_with_their_hashes_are_caught_by_the_checkpoint(
        attacker: Attacker) -> None:
    rows = attacker.rows()
    keep = len(rows) - 3
    attacker.drop_newest(3)
    finding = attacker.verify().finding
    assert finding is not None
    assert finding.broken is Broken.TRUNCATED
    assert f"covers {len(rows)} events but the store holds {keep}" in finding.sentence


def test_deleting_the_checkpoints_too_is_caught_by_a_checkpoint_kept_elsewhere(
        attacker: Attacker) -> None:
    kept = open_checkpoint(attacker.container.integrity.seal().note,  # type: ignore[union-attr]
                           attacker.container.integrity.verifier)
    attacker.drop_newest(1)
    with attacker.sql() as sql:
        sql.run(f"DELETE FROM {attacker.tables.checkpoints}")
    finding = attacker.verify(witness=kept).finding
    assert finding is not None
    assert finding.broken is Broken.TRUNCATED
    assert "the checkpoint you hold" in finding.sentence


def test_two_swapped_payloads_are_named_at_the_first(attacker: Attacker) -> None:
    rows = attacker.rows()
    first, second = rows[10], rows[len(rows) - 10]
    with attacker.sql() as sql:
        for (position, *_), (*_, state) in ((first, second), (second, first)):
            sql.run(f"UPDATE {attacker.tables.events} SET state = ?"
                    f" WHERE {attacker.position} = ?", (state, position))
    finding = attacker.verify().finding
    assert finding is not None
    assert (finding.broken, finding.position) == (Broken.ALTERED, first[0])


def test_two_events_swapped_in_the_log_are_named_out_of_order(attacker: Attacker) -> None:
    rows = attacker.rows()
    first, second = rows[10], rows[20]
    spare = rows[-1][0] + 1000
    with attacker.sql() as sql:
        for old, new in ((first[0], spare), (second[0], first[0]), (spare, second[0])):
            sql.run(f"UPDATE {attacker.tables.events} SET {attacker.position} = ?"
                    f" WHERE {attacker.position} = ?", (new, old))
    finding = attacker.verify().finding
    assert finding is not None
    assert finding.broken is Broken.MOVED
    assert (finding.position, finding.pathway_id, finding.version) == (
        first[0], UUID(second[1]), second[2])


def test_an_inserted_forged_event_is_named(attacker: Attacker) -> None:
    _position, originator, version, topic, state = attacker.rows()[-1]
    with attacker.sql() as sql:
        sql.run(f"INSERT INTO {attacker.tables.events} (originator_id, originator_version,"
                " topic, state) VALUES (?, ?, ?, ?)",
                (attacker.originator(originator), version + 1, topic, state))
    forged = attacker.rows()[-1]
    finding = attacker.verify().finding
    assert finding is not None
    assert (finding.broken, finding.position, finding.version) == (
        Broken.INSERTED, forged[0], version + 1)
    pathway = attacker.verify_pathway(originator).finding
    assert pathway is not None
    assert (pathway.broken, pathway.version) == (Broken.INSERTED, version + 1)


def test_an_edit_with_the_tree_rehashed_without_the_key_breaks_the_signed_checkpoint(
        attacker: Attacker) -> None:
    position, originator, version, _topic, state = middle(attacker)
    with attacker.sql() as sql:
        sql.run(f"UPDATE {attacker.tables.events} SET state = ? WHERE {attacker.position} = ?",
                (state.replace(b'"', b"'", 1), position))
    attacker.rebuild_tree()
    finding = attacker.verify().finding
    assert finding is not None
    assert finding.broken is Broken.REWRITTEN
    assert "no longer matches the checkpoint of size" in finding.sentence
    assert finding.position is not None
    assert finding.position <= position
    pathway = attacker.verify_pathway(originator).finding  # its proofs cross rewritten nodes
    assert pathway is not None
    assert pathway.broken is Broken.REWRITTEN
    assert pathway.version is not None
    assert pathway.version <= version


def test_a_checkpoint_re_signed_with_another_key_is_named_forged(attacker: Attacker) -> None:
    position, _originator, _version, _topic, state = middle(attacker)
    with attacker.sql() as sql:
        sql.run(f"UPDATE {attacker.tables.events} SET state = ? WHERE {attacker.position} = ?",
                (state.replace(b'"', b"'", 1), position))
    attacker.rebuild_tree()
    head = attacker.container.integrity.store.head()
    assert head.root is not None
    ours = attacker.container.integrity.signer
    forged = Checkpoint(ours.name, head.size, head.root).sign(new_signer(ours.name))
    with attacker.sql() as sql:
        sql.run(f"DELETE FROM {attacker.tables.checkpoints}")
        sql.run(f"INSERT INTO {attacker.tables.checkpoints} VALUES (?, ?, ?)",
                (head.size, forged, datetime.now(UTC).isoformat()))
    finding = attacker.verify().finding
    assert finding is not None
    assert finding.broken is Broken.FORGED_CHECKPOINT
    assert "was not written by this log" in finding.sentence


def test_an_edit_of_an_unsealed_event_is_named_by_its_recorded_leaf(
        attacker: Attacker) -> None:
    position, originator, version, _topic, state = attacker.rows()[-1]
    with attacker.sql() as sql:
        sql.run(f"DELETE FROM {attacker.tables.checkpoints}")
        sql.run(f"UPDATE {attacker.tables.events} SET state = ? WHERE {attacker.position} = ?",
                (state + b" ", position))
    result = attacker.verify()
    assert result.checkpoint_size is None
    assert result.finding is not None
    assert (result.finding.broken, result.finding.position) == (Broken.ALTERED, position)
    assert attacker.verify_pathway(originator).finding is not None
    assert version > 0


def test_an_edit_after_the_latest_checkpoint_is_located_from_there(attacker: Attacker) -> None:
    seed_demo(attacker.container.pathways, count=1, seed=11)  # stored after the checkpoint
    rows = attacker.rows()
    position, *_rest, state = rows[-2]
    with attacker.sql() as sql:
        sql.run(f"UPDATE {attacker.tables.events} SET state = ? WHERE {attacker.position} = ?",
                (state + b" ", position))
    stages: list[tuple[int, int, str]] = []
    integrity = attacker.container.integrity
    result = verify_store(integrity.store, integrity.verifier, jobs=2, chunk_positions=16,
                          progress=lambda done, total, stage: stages.append((done, total, stage)))
    assert result.finding is not None
    assert (result.finding.broken, result.finding.position) == (Broken.ALTERED, position)
    assert result.checkpoint_size is not None
    assert result.unsealed == len(rows) - result.checkpoint_size > 0
    located = [done for done, _total, stage in stages if stage == "locate"]
    assert located
    assert all(done > result.checkpoint_size for done in located)
    assert stages[-1][1] == len(rows)
