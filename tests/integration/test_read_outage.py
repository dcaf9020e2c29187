"""The read side in an outage, for real: every read-model route answers 503 with Retry-After
within the bound (never a 500, never a hang), fails fast once the loss is known, and serves
again by itself when the database returns; the workers catch up with what was recorded after.

The service runs under uvicorn with its workers, on a database of its own that the test cuts
off (``ALLOW_CONNECTIONS false``, its backends terminated) and restores (``outage.py``).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from projections.log import OrderedLog
from projections.registry import all_projections
from projections.store import SQLiteReadStore
from services.composition import READ_MODELS_FILE, Container, bootstrap
from services.errors import READ_MODELS, StoreUnavailable
from services.http import create_app
from services.http.dashboard.panels import PANELS
from services.settings import load_settings
from tests.integration.outage import (
    BOUND,
    Database,
    Served,
    Timed,
    assert_unavailable,
    cuttable_database,
    outage_settings,
    serving,
    timed,
)
from tests.tokens import bearer

THERAPIST = bearer("therapist", "t-1")
OPS = bearer("ops", "ops-1")
WHEN = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
OPEN = {"occurred_at": WHEN.isoformat(), "client_ref": "client-read-outage", "client_age": 34,
        "therapist_id": "t-1", "protocol": "ipt", "referral_date": WHEN.date().isoformat()}
READ_RECOVERY_BOUND = 15.0
"""/ops/projections reads the log's head too, and the event store's pool may still be backing
off its reconnects: seen above 5 s once at a low load."""
FAIL_FAST = 0.5
"""Once the loss is known, a read answers within this (the breaker), bar one probe a while."""
READ_MODEL_ROUTES = [("/pathways", THERAPIST), ("/ops/projections", OPS),
                     *((f"/ops/dashboard/{panel.id}", OPS) for panel in PANELS)]
"""Every route that answers from the read models (and nothing else)."""


@pytest.fixture
def database(postgres_dsn: str) -> Iterator[Database]:
    with cuttable_database(postgres_dsn, "carepath_read_outage_") as database:
        yield database


@pytest.fixture
def served(database: Database) -> Iterator[Served]:
    with serving(outage_settings(database), THERAPIST,
                 connections=len(READ_MODEL_ROUTES) + 8) as served:
        yield served


def caught_up(served: Served) -> None:
    container = served.container
    head = OrderedLog(container.pathways).head()
    for projection in all_projections():
        assert container.wait_for(projection.name, head, timeout=20), projection.name


def read_all(served: Served) -> list[tuple[str, Timed]]:
    """Every read-model route at once, as many clients would."""
    with ThreadPoolExecutor(len(READ_MODEL_ROUTES)) as pool:
        answers = [(path, pool.submit(served.get, path, headers))
                   for path, headers in READ_MODEL_ROUTES]
        return [(path, future.result()) for path, future in answers]


def read_side_up(answer: Timed) -> float:
    """``carepath_read_side_up`` of a /metrics answer."""
    return next(sample.value for family in text_string_to_metric_families(answer.response.text)
                for sample in family.samples if sample.name == "carepath_read_side_up")


@pytest.mark.postgres
@pytest.mark.slow
def test_read_models_answer_503_within_the_bound_then_fast_and_recover_by_themselves(
    database: Database, served: Served,
) -> None:
    opened = served.post("/pathways", OPEN, "open")
    assert opened.status == 201, opened.response.text
    caught_up(served)
    assert all(answer.status == 200 for _, answer in read_all(served))

    database.cut()
    first_wave = read_all(served)
    second_wave = [(path, served.get(path, headers)) for path, headers in READ_MODEL_ROUTES]
    scrape = served.get("/metrics", OPS)
    page = served.get("/ops/dashboard", OPS)

    for path, answer in first_wave + second_wave:
        assert answer.status == 503, f"{path}: {answer.status} {answer.response.text[:200]}"
        assert_unavailable(answer)
        assert answer.response.json()["title"] == "The read models are unavailable", path
    late = sorted(answer.seconds for _, answer in second_wave)
    assert late[-2] < FAIL_FAST, f"once the loss is known, reads fail fast: {late}"
    assert scrape.status == 200, "a scrape answers in an outage, saying the read side is down"
    assert read_side_up(scrape) == 0
    assert scrape.seconds < BOUND
    assert page.status == 200, "the dashboard's page serves; its panels say what is wrong"
    assert page.seconds < BOUND
    slowest = max(answer.seconds for _, answer in first_wave)
    print(f"\nread side down: slowest 503 {slowest:.2f} s (bound {BOUND:.1f} s), once known"
          f" median {late[len(late) // 2] * 1000:.0f} ms, /metrics {scrape.seconds:.2f} s")

    database.restore()
    restored = time.monotonic()
    while statuses := {path: answer.status for path, answer in read_all(served)
                       if answer.status != 200}:
        assert set(statuses.values()) == {503}, statuses
        assert time.monotonic() - restored < READ_RECOVERY_BOUND, f"no recovery: {statuses}"
        time.sleep(0.05)
    print(f"read side back {time.monotonic() - restored:.2f} s after the database returned")
    assert read_side_up(served.get("/metrics", OPS)) == 1

    later = served.post("/pathways", {**OPEN, "client_ref": "client-after"}, "after")
    assert later.status == 201, later.response.text
    position = later.response.json()["log_position"]
    listed = served.get(f"/pathways?min_position={position}")
    assert listed.status == 200, "the workers follow the log again after the outage"
    assert len(listed.response.json()["items"]) == 2


def test_a_locked_sqlite_read_store_answers_503_for_writes_while_reads_go_on(
    sqlite_data_dir: Path,
) -> None:
    settings = load_settings(data_dir=sqlite_data_dir, lock_timeout_seconds=1,
                             database_timeout_seconds=1, conflict_wait_seconds=0.2)
    with TestClient(create_app(bootstrap(settings)), raise_server_exceptions=False,
                    headers=THERAPIST) as client:
        container: Container = client.app.state.container  # type: ignore[attr-defined]
        assert client.post("/pathways", json=OPEN).status_code == 201
        assert container.wait_for_head("pathways", timeout=20)
        locker = sqlite3.connect(sqlite_data_dir / READ_MODELS_FILE, isolation_level=None)
        try:
            locker.execute("BEGIN EXCLUSIVE")  # another process holds the read models' file
            started = time.monotonic()
            with pytest.raises(StoreUnavailable, match="database is locked") as raised, \
                    container.read_store.transaction():
                pass
            assert raised.value.store == READ_MODELS
            assert time.monotonic() - started < BOUND
            later = client.post("/pathways", json={**OPEN, "client_ref": "client-locked"})
            position = later.json()["log_position"]
            listed = timed(lambda: client.get("/pathways"))
            assert listed.status == 200, "readers of a WAL file never wait for its writer"
            assert len(listed.response.json()["items"]) == 1
            behind = timed(lambda: client.get(f"/pathways?min_position={position}"))
            assert_unavailable(behind, problem="read-model-behind")
            locker.execute("ROLLBACK")
        finally:
            locker.close()
        caught_up = client.get(f"/pathways?min_position={position}")
        assert caught_up.status_code == 200, "the workers go on once the file is free"
        assert len(caught_up.json()["items"]) == 2


def test_a_missing_table_is_a_mistake_not_an_outage(tmp_path: Path) -> None:
    store = SQLiteReadStore(tmp_path / READ_MODELS_FILE)
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such table") as raised, \
                store.reading() as tx:
            tx.all("SELECT * FROM rm_nowhere")
        assert not isinstance(raised.value, StoreUnavailable)
    finally:
        store.close()
