"""Exactly once across kill -9, with the real read models: ``carepath projections run`` killed
in the middle of a batch on PostgreSQL, started again, leaves every read model equal to a
fresh rebuild of it from the log.

The workers run as the deployment runs them, a process of their own following a demo caseload
into all the read models. The test watches the server (``pg_stat_activity``) for a worker's
transaction that has begun a batch (it holds the batch's position, or has written rows) and
kills the process right there; the server then rolls that transaction back, which the test
checks (``pg_xact_status``). A worker started again takes over and catches up; each read
model's live tables must then hold exactly the rows of the same read model caught up alone
in a generation of its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from projections.catch_up import catch_up
from projections.live import live_generation
from projections.log import OrderedLog
from projections.registry import all_projections
from projections.status import projection_status
from services.composition import Container, bootstrap
from services.demo.bulk import seed_bulk
from services.settings import load_settings
from tests.projections.caseload import Caseload
from tests.projections.support import Known, table_rows
from tests.tokens import SECRET_VARIABLE, TEST_SECRET

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
DEMO_PATHWAYS = 150
"""About 4,500 events: every read model takes three batches of 2,000 to catch up."""
KILLS = 4
"""Kill the workers this often, at most, until one dies with a batch's transaction open."""
FRESH = 100
"""The rebuilt generation is the live one plus this."""
CODE = "import sys; from services.cli import main; sys.exit(main(sys.argv[1:]))"
IN_A_BATCH = """
    SELECT pid, backend_xid::text FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND backend_xid IS NOT NULL AND state IN ('active', 'idle in transaction')
    LIMIT 1"""
"""A worker's transaction that has taken a batch's position or written its rows (a
heartbeat writes too, but only the tracking table, which a batch writes last)."""


@pytest.fixture
def container(fresh_postgres_dsn: str, tmp_path: Path) -> Iterator[Container]:
    built = bootstrap(load_settings(data_dir=tmp_path / "app", database_url=fresh_postgres_dsn))
    seed_bulk(built.pathways, count=DEMO_PATHWAYS)
    yield built
    built.close()


def workers(dsn: str, data_dir: Path) -> subprocess.Popen[bytes]:
    """``carepath projections run`` on database ``dsn``, as a process of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREPATH_")}
    env |= {SECRET_VARIABLE: TEST_SECRET, "CAREPATH_DATABASE_URL": dsn}
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-c", CODE, "projections", "run", "--data-dir", str(data_dir)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill_in_a_batch(process: subprocess.Popen[bytes], admin: psycopg.Connection[tuple[object, ...]],
                    timeout: float = 60.0) -> tuple[int, int] | None:
    """SIGKILL ``process`` as soon as one of its transactions is in a batch; that backend's
    (pid, xid), or None if the process caught up (or died) first."""
    deadline = time.monotonic() + timeout
    try:
        while process.poll() is None and time.monotonic() < deadline:
            row = admin.execute(IN_A_BATCH).fetchone()
            if row is not None:
                process.send_signal(signal.SIGKILL)
                return int(str(row[0])), int(str(row[1]))
            time.sleep(0.002)
        return None
    finally:
        process.kill()
        process.wait(10)


def outcome(admin: psycopg.Connection[tuple[object, ...]], pid: int, xid: int) -> str:
    """``committed`` or ``aborted``, once the killed client's backend has gone."""
    deadline = time.monotonic() + 10
    while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
        assert time.monotonic() < deadline, "the killed worker's backend lingers"
        time.sleep(0.02)
    row = admin.execute("SELECT pg_current_xact_id()::text::bigint").fetchone()
    assert row is not None
    current = int(str(row[0]))
    epoch = current >> 32 if xid <= current & 0xFFFF_FFFF else (current >> 32) - 1
    status = admin.execute("SELECT pg_xact_status(%s::text::xid8)",
                           ((epoch << 32) | xid,)).fetchone()
    assert status is not None
    return str(status[0])


def all_caught_up(container: Container) -> bool:
    rows = projection_status(container.read_store, OrderedLog(container.pathways),
                             all_projections())
    return all(row.live_generation is not None and row.lag_events == 0 for row in rows)


def test_workers_killed_mid_batch_restart_and_every_read_model_equals_a_fresh_rebuild(
        container: Container, fresh_postgres_dsn: str, tmp_path: Path) -> None:
    log = OrderedLog(container.pathways)
    outcomes = []
    with psycopg.connect(fresh_postgres_dsn, autocommit=True) as admin:
        for _ in range(KILLS):
            killed = kill_in_a_batch(workers(fresh_postgres_dsn, tmp_path / "workers"), admin)
            if killed is None:
                break
            outcomes.append(outcome(admin, *killed))
            if "aborted" in outcomes:
                break
    assert "aborted" in outcomes, f"no kill landed inside a batch: {outcomes}"
    assert not all_caught_up(container), "killed before every read model caught up"

    restarted = workers(fresh_postgres_dsn, tmp_path / "workers")
    try:
        deadline = time.monotonic() + 120
        while not all_caught_up(container):
            assert restarted.poll() is None, "the restarted workers died"
            assert time.monotonic() < deadline, "the restarted workers did not catch up"
            time.sleep(0.2)
    finally:
        restarted.send_signal(signal.SIGTERM)
        assert restarted.wait(30) == 0

    known, rows = Known(container, container.read_store, log, Caseload({}, {})), 0
    for projection in all_projections():
        live = live_generation(container.read_store, projection.name, fresh=True)
        assert live is not None
        catch_up(container.read_store, log, projection, live + FRESH, live=False)
        followed = table_rows(known, projection, live)
        assert followed == table_rows(known, projection, live + FRESH), projection.name
        rows += sum(map(len, followed.values()))
    assert rows > DEMO_PATHWAYS
    print(f"\nkills: {outcomes}; {log.head()} events, {rows} rows in"
          f" {len(all_projections())} read models")
