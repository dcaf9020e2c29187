"""A database outage, for real: 503 with Retry-After within the bound, never a hang, then recovery.

The service runs under uvicorn on a free port, on a database of its own that the test makes
unreachable (``ALLOW_CONNECTIONS false`` and terminating its backends) and then restores. The
machine's PostgreSQL server itself is never stopped.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from eventsourcing.persistence import OperationalError
from fastapi.testclient import TestClient

from services.composition import bootstrap
from services.errors import StoreUnavailable
from services.http import create_app
from services.settings import load_settings
from services.store.availability import OutageBreaker
from tests.integration.outage import (
    BOUND,
    RECOVERY_BOUND,
    TIMEOUT,
    Database,
    Served,
    assert_unavailable,
    cuttable_database,
    outage_settings,
    serving,
    timed,
)
from tests.tokens import bearer

STUCK_COMMANDS = 48
"""More than the server's 40 worker threads."""
THERAPIST = bearer("therapist", "t-1")
WHEN = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
MEASURE = {"occurred_at": WHEN.isoformat(), "instrument": "phq9", "items": [1] * 8 + [0]}
OPEN = {"occurred_at": WHEN.isoformat(), "client_ref": "client-outage", "client_age": 34,
        "therapist_id": "t-1", "protocol": "ipt", "referral_date": WHEN.date().isoformat()}


@pytest.fixture
def database(postgres_dsn: str) -> Iterator[Database]:
    with cuttable_database(postgres_dsn) as database:
        yield database


@pytest.fixture
def served(database: Database) -> Iterator[Served]:
    with serving(outage_settings(database), THERAPIST, connections=STUCK_COMMANDS + 4) as served:
        yield served


@pytest.mark.postgres
@pytest.mark.slow
def test_an_outage_answers_503_within_the_bound_and_recovers_by_itself(
    database: Database, served: Served,
) -> None:
    opened = served.post("/pathways", OPEN, "open")
    assert opened.status == 201, opened.response.text
    pathway = opened.response.json()["pathway_id"]
    accepted = [served.post(f"/pathways/{pathway}/measures", MEASURE, f"before-{n}")
                for n in range(3)]
    assert [answer.status for answer in accepted] == [201] * 3

    database.cut()
    with ThreadPoolExecutor(STUCK_COMMANDS + 2) as pool:
        stuck = [pool.submit(served.post, f"/pathways/{pathway}/measures", MEASURE, f"out-{n}")
                 for n in range(STUCK_COMMANDS)]
        reads = [pool.submit(served.get, f"/pathways/{pathway}"),
                 pool.submit(served.get, f"/pathways/{pathway}/history")]
        time.sleep(0.3)  # the commands now wait on the store, each holding a worker thread
        liveness = [served.get("/health") for _ in range(5)]
        readiness = served.get("/health/ready")
        first_wave = [future.result() for future in stuck + reads]
    second_wave = [served.post(f"/pathways/{pathway}/measures", MEASURE, "out-late"),
                   served.get(f"/pathways/{pathway}")]

    assert all(answer.status == 200 for answer in liveness)
    assert max(answer.seconds for answer in liveness) < 1.0  # a hang would be seconds
    assert_unavailable(readiness, problem="")
    assert readiness.response.json()["status"] == "unavailable"
    for answer in first_wave + second_wave:
        assert_unavailable(answer)
    slowest = max(answer.seconds for answer in first_wave + second_wave)
    fastest_late = max(answer.seconds for answer in second_wave)
    print(f"\n503s: slowest {slowest:.2f} s (bound {BOUND:.1f} s), once the loss is known"
          f" {fastest_late * 1000:.0f} ms; liveness {max(a.seconds for a in liveness) * 1000:.0f}"
          f" ms while {STUCK_COMMANDS} commands waited")

    database.restore()
    restored = time.monotonic()
    while served.get("/health/ready").status != 200:
        assert time.monotonic() - restored < RECOVERY_BOUND, "no recovery"
        time.sleep(0.05)
    recovery = time.monotonic() - restored
    # Readiness reads the log's head; a history read may still meet the pool's reconnection
    # once on a busy machine (seen at load 4): it too must come back by itself, within the bound.
    while (answer := served.get(f"/pathways/{pathway}/history")).status != 200:
        assert_unavailable(answer)
        assert time.monotonic() - restored < RECOVERY_BOUND, "no recovery of the history"
        time.sleep(0.05)
    print(f"recovered {recovery:.2f} s after the database returned, histories"
          f" {time.monotonic() - restored:.2f} s")

    history = answer.response.json()
    assert len(history["events"]) == 1 + 3, "a 503 command must have recorded nothing"
    retried = [served.post(f"/pathways/{pathway}/measures", MEASURE, f"out-{n}")
               for n in range(STUCK_COMMANDS)]
    assert [answer.status for answer in retried] == [201] * STUCK_COMMANDS
    history = served.get(f"/pathways/{pathway}/history").response.json()
    assert len(history["events"]) == 1 + 3 + STUCK_COMMANDS


@pytest.mark.postgres
@pytest.mark.slow
def test_a_stuck_database_answers_503_within_the_bound_and_serves_at_once_after(
    database: Database, served: Served,
) -> None:
    opened = served.post("/pathways", OPEN, "open")
    pathway = opened.response.json()["pathway_id"]
    with psycopg.connect(database.dsn, autocommit=True) as holder:
        with holder.transaction():  # another session holds the table: writes and reads wait
            holder.execute("LOCK TABLE pathways_events IN ACCESS EXCLUSIVE MODE")
            write = served.post(f"/pathways/{pathway}/measures", MEASURE, "stuck-write")
            read = served.get(f"/pathways/{pathway}/history")
        assert_unavailable(write)
        assert_unavailable(read)
        print(f"\nstuck database: 503 after {write.seconds:.2f} s (write),"
              f" {read.seconds:.2f} s (read)")
        again = served.post(f"/pathways/{pathway}/measures", MEASURE, "stuck-write")
        assert again.status == 201, "a busy database is not an outage: no breaker, no wait"
        assert again.seconds < 1.0


@pytest.mark.postgres
@pytest.mark.slow
def test_start_up_without_the_database_fails_within_the_bound(database: Database) -> None:
    database.cut()
    settings = load_settings(database_url=database.dsn, database_timeout_seconds=TIMEOUT,
                             conflict_wait_seconds=0.5)
    started = time.monotonic()
    with pytest.raises(OperationalError):
        bootstrap(settings)
    assert time.monotonic() - started < BOUND


def test_a_locked_sqlite_file_answers_503_and_reads_go_on(sqlite_data_dir: Path) -> None:
    settings = load_settings(data_dir=sqlite_data_dir, lock_timeout_seconds=1,
                             database_timeout_seconds=1, conflict_wait_seconds=0.2)
    with TestClient(create_app(bootstrap(settings)), raise_server_exceptions=False,
                    headers=THERAPIST) as client:
        opened = client.post("/pathways", json=OPEN, headers=THERAPIST)
        pathway = opened.json()["pathway_id"]
        assert client.get("/health/ready").json() == {"status": "ok",
                                                      "storage": f"sqlite ({sqlite_data_dir})"}
        locker = sqlite3.connect(sqlite_data_dir / "Pathways.sqlite3", isolation_level=None)
        try:
            locker.execute("BEGIN EXCLUSIVE")
            locked = timed(lambda: client.post(f"/pathways/{pathway}/measures", json=MEASURE,
                                               headers=THERAPIST))
            assert_unavailable(locked)
            assert client.get(f"/pathways/{pathway}").status_code == 200
            locker.execute("ROLLBACK")
        finally:
            locker.close()
        written = client.post(f"/pathways/{pathway}/measures", json=MEASURE, headers=THERAPIST)
        assert written.status_code == 201


# ----- the breaker, on a fake clock ----------------------------------------------------------

class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_closed_breaker_lets_every_call_through() -> None:
    breaker = OutageBreaker(probe_interval=0.5, clock=Clock())
    for _ in range(3):
        breaker.admit()


def test_an_open_breaker_fails_fast_then_lets_one_probe_through() -> None:
    clock = Clock()
    breaker = OutageBreaker(probe_interval=0.5, clock=clock)
    breaker.opened("connection refused")
    with pytest.raises(StoreUnavailable, match="connection refused"):
        breaker.admit()
    clock.now += 0.6
    breaker.admit()  # the probe
    with pytest.raises(StoreUnavailable):
        breaker.admit()  # the others, while the probe runs
    breaker.closed()  # the probe succeeded
    breaker.admit()
    breaker.admit()


def test_a_failed_probe_keeps_the_breaker_open() -> None:
    clock = Clock()
    breaker = OutageBreaker(probe_interval=0.5, clock=clock)
    breaker.opened("gone")
    clock.now += 0.6
    breaker.admit()
    breaker.opened("still gone")
    clock.now += 0.4
    with pytest.raises(StoreUnavailable, match="still gone"):
        breaker.admit()
