"""The access log cannot be quietly changed: append-only by trigger, every entry chained to
the one before and sealed with the log's key, and verify names the first entry that does not
follow (altered, removed, inserted, re-hashed without the key)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from services.access.log.entries import Entry, Reader, chained
from services.access.log.log import AccessLog
from services.composition import ACCESS_LOG_FILE, Container, bootstrap
from services.integrity.keys import DEVELOPMENT_KEY, new_signer
from services.integrity.note import Checkpoint
from services.settings import load_settings

READER = Reader("auditor-rui", "auditor", "payer audit", "http", "jti-1")


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    built = bootstrap(load_settings(data_dir=tmp_path))
    yield built
    built.close()


@pytest.fixture
def recorded(container: Container) -> list[Entry]:
    log = container.access_log
    found = [log.record(READER, "read-history", uuid4(), f"GET /read/{n}") for n in range(5)]
    return [entry for entry in found if entry is not None]


def raw(container: Container) -> sqlite3.Connection:
    return sqlite3.connect(container.settings.data_dir / ACCESS_LOG_FILE, isolation_level=None)


def without_triggers(connection: sqlite3.Connection) -> sqlite3.Connection:
    """As someone with the file can: the triggers dropped first."""
    for name in ("access_log_no_update", "access_log_no_delete"):
        connection.execute(f"DROP TRIGGER {name}")
    return connection


def verify(container: Container) -> tuple[bool, int | None, str]:
    found = container.access_log.verify(DEVELOPMENT_KEY.verifier)
    return found.ok, None if found.finding is None else found.finding.seq, (
        "" if found.finding is None else found.finding.reason)


def test_an_untouched_log_verifies_and_each_entry_follows_the_one_before(
        container: Container, recorded: list[Entry]) -> None:
    assert verify(container) == (True, None, "")
    assert [entry.seq for entry in recorded] == [1, 2, 3, 4, 5]
    assert recorded[1].hash == chained(recorded[0].hash, recorded[1].fields())


@pytest.mark.usefixtures("recorded")
@pytest.mark.parametrize("change", ["UPDATE access_log SET purpose = 'nothing to see'",
                                    "DELETE FROM access_log WHERE seq = 5"])
def test_the_triggers_refuse_a_change_or_a_removal(container: Container, change: str) -> None:
    with raw(container) as connection, pytest.raises(sqlite3.IntegrityError,
                                                     match="append-only"):
        connection.execute(change)
    assert verify(container)[0]


@pytest.mark.usefixtures("recorded")
@pytest.mark.parametrize(("tamper", "broken", "words"), [
    ("UPDATE access_log SET purpose = 'treatment' WHERE seq = 3", 3, "does not match"),
    ("UPDATE access_log SET actor_id = 't-9' WHERE seq = 1", 1, "does not match"),
    ("DELETE FROM access_log WHERE seq = 2", 2, "missing"),
    ("UPDATE access_log SET seq = seq + 10 WHERE seq = 4", 4, "missing"),
])
def test_verify_names_the_first_entry_that_does_not_follow(
        container: Container, tamper: str, broken: int, words: str) -> None:
    with raw(container) as connection:
        without_triggers(connection).execute(tamper)
    ok, seq, reason = verify(container)
    assert (ok, seq) == (False, broken)
    assert words in reason


@pytest.mark.usefixtures("recorded")
def test_a_chain_rewritten_without_the_key_is_caught_by_its_seal(container: Container) -> None:
    forger = new_signer("carepath.invalid/development", bytes(range(32)))  # not the log's key
    rows = container.access_log.entries(limit=100)
    with raw(container) as connection:
        without_triggers(connection)
        previous = bytes(32)
        for entry in rows:
            fields = {**entry.fields(), "purpose": "treatment"}
            hashed = chained(previous, fields)
            seal = Checkpoint(container.access_log.origin, entry.seq, hashed).sign(forger)
            connection.execute("UPDATE access_log SET purpose = 'treatment', hash = ?, seal = ?"
                               " WHERE seq = ?", (hashed, seal, entry.seq))
            previous = hashed
    ok, seq, reason = verify(container)
    assert (ok, seq) == (False, 5)
    assert "seal" in reason


def test_a_log_switched_off_in_development_records_nothing(tmp_path: Path) -> None:
    container = bootstrap(load_settings(data_dir=tmp_path, access_log=False))
    try:
        assert container.access_log.record(READER, "export", uuid4(), "GET /x") is None
        assert container.access_log.entries() == []
    finally:
        container.close()


def test_concurrent_reads_append_one_gap_free_chain(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    container = bootstrap(load_settings(data_dir=tmp_path))
    log = container.access_log
    try:
        def read(n: int) -> None:
            log.record(READER, "read-history", uuid4(), f"GET /{n}")

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(read, range(200)))
        assert [entry.seq for entry in log.entries(limit=1000)] == list(range(1, 201))
        assert log.verify(DEVELOPMENT_KEY.verifier).ok
    finally:
        container.close()


def test_an_entry_keeps_its_time_in_utc(container: Container) -> None:
    log: AccessLog = container.access_log
    log.clock = lambda: datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    entry = log.record(READER, "read-as-of", uuid4(), "GET /as-of")
    assert entry is not None
    assert log.entries()[0].recorded_at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
