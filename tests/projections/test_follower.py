"""The follower: every event applied once, woken by saves and NOTIFY, never stalled or killed
by a lost connection or a database restart; one copy per projection leads, another takes over.

Runs on the embedded SQLite default and on PostgreSQL. Times are bounded: a follower is given
a few seconds for what takes it milliseconds.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from projections.follower import FollowerOptions
from projections.log import OrderedLog
from services.composition import Container, bootstrap, projection_workers
from services.errors import StoreUnavailable
from services.settings import load_settings
from tests.projections.counting import CountByType, counts, expected_counts, open_pathways

FAST = FollowerOptions(poll_seconds=0.2, heartbeat_seconds=0.2)
BOUND = 10.0


def until(condition: Callable[[], bool], timeout: float = BOUND) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def build(tmp_path: Path, dsn: str | None) -> Container:
    return bootstrap(load_settings(data_dir=tmp_path, database_url=dsn))


@pytest.fixture
def container(tmp_path: Path, store_dsn: str | None) -> Iterator[Container]:
    built = build(tmp_path, store_dsn)
    open_pathways(built.pathways, 5, "before")
    yield built
    built.close()


def caught_up(container: Container) -> bool:
    log = OrderedLog(container.pathways)
    try:
        return counts(container.read_store) == expected_counts(log)
    except (psycopg.Error, sqlite3.Error):  # the follower has not created its tables yet
        return False
    except StoreUnavailable:  # the write side's breaker after an outage, until it probes
        return False


def test_the_follower_applies_every_event_once_and_follows_new_saves(
        container: Container) -> None:
    workers = container.start_projections([CountByType()], FAST)
    log = OrderedLog(container.pathways)
    assert workers.wait_for("counts", log.head(), BOUND)
    assert counts(container.read_store) == expected_counts(log)
    open_pathways(container.pathways, 7, "after")
    assert workers.wait_for("counts", log.head(), BOUND)
    assert counts(container.read_store) == {"PathwayOpened": 12}


def test_a_save_in_this_process_wakes_the_follower_before_its_poll(
        container: Container) -> None:
    workers = container.start_projections([CountByType()], FollowerOptions(poll_seconds=30))
    log = OrderedLog(container.pathways)
    assert workers.wait_for("counts", log.head(), BOUND)
    started = time.monotonic()
    open_pathways(container.pathways, 1, "woken")
    assert workers.wait_for("counts", log.head(), BOUND)
    assert time.monotonic() - started < 2.0  # well before the 30 s poll


def test_the_follower_stops_promptly(container: Container) -> None:
    container.start_projections([CountByType()], FollowerOptions(poll_seconds=30))
    assert until(lambda: caught_up(container))
    started = time.monotonic()
    container.stop_projections()
    assert time.monotonic() - started < 2.0


def test_two_copies_of_a_projection_one_leads_the_other_waits_then_takes_over(
        tmp_path: Path, store_dsn: str | None, container: Container) -> None:
    other = build(tmp_path, store_dsn)
    try:
        first = projection_workers(container, [CountByType()], FAST)
        first.start()
        assert until(lambda: first.followers["counts"].leading)
        second = projection_workers(other, [CountByType()], FAST)
        second.start()
        open_pathways(other.pathways, 4, "second")
        assert until(lambda: caught_up(container))
        time.sleep(0.5)  # a few polls of the waiting copy
        assert not second.followers["counts"].leading
        first.stop()
        assert until(lambda: second.followers["counts"].leading)
        open_pathways(container.pathways, 3, "takeover")
        assert until(lambda: caught_up(container))
        assert counts(container.read_store) == {"PathwayOpened": 12}
        second.stop()
    finally:
        other.close()


@pytest.fixture
def pg_container(fresh_postgres_dsn: str, tmp_path: Path) -> Iterator[Container]:
    built = build(tmp_path, fresh_postgres_dsn)
    open_pathways(built.pathways, 3, "before")
    yield built
    built.close()


def test_a_save_in_another_process_wakes_the_follower_by_notify(
        pg_container: Container, fresh_postgres_dsn: str, tmp_path: Path) -> None:
    workers = pg_container.start_projections([CountByType()], FollowerOptions(poll_seconds=30))
    assert workers.listener is not None
    assert until(lambda: caught_up(pg_container))
    assert workers.listener.connected.wait(BOUND)
    elsewhere = build(tmp_path / "elsewhere", fresh_postgres_dsn)  # its saves wake no one here
    try:
        started = time.monotonic()
        open_pathways(elsewhere.pathways, 1, "notify")
        assert until(lambda: caught_up(pg_container), 5.0)
        assert time.monotonic() - started < 2.0  # woken by NOTIFY, not by the 30 s poll
    finally:
        elsewhere.close()


def terminate(dsn: str, pid: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_dropped_listen_connection_is_reconnected_and_the_poll_covers_the_gap(
        pg_container: Container, fresh_postgres_dsn: str, tmp_path: Path) -> None:
    workers = pg_container.start_projections([CountByType()], FAST)
    listener = workers.listener
    assert listener is not None
    assert listener.connected.wait(BOUND)
    terminate(fresh_postgres_dsn, listener.connection.info.backend_pid)
    elsewhere = build(tmp_path / "elsewhere", fresh_postgres_dsn)
    try:
        open_pathways(elsewhere.pathways, 2, "unheard")
        assert until(lambda: caught_up(pg_container))
        assert until(listener.connected.is_set)
        assert until(lambda: listener.connection is not None
                     and not listener.connection.closed)
    finally:
        elsewhere.close()


def test_the_follower_survives_a_database_restart(
        pg_container: Container, fresh_postgres_dsn: str, tmp_path: Path) -> None:
    workers = pg_container.start_projections([CountByType()], FAST)
    assert until(lambda: caught_up(pg_container))
    name = fresh_postgres_dsn.rsplit("/", 1)[1]
    admin_dsn = fresh_postgres_dsn.rsplit("/", 1)[0] + "/postgres"
    ident = sql.Identifier(name)
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(ident))
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
        follower = workers.followers["counts"]
        assert until(lambda: follower.errors > 0)
        time.sleep(1.0)
        admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(ident))
    elsewhere = build(tmp_path / "elsewhere", fresh_postgres_dsn)
    try:
        open_pathways(elsewhere.pathways, 3, "after-restart")
        assert until(lambda: caught_up(pg_container), 20.0)
        assert counts(pg_container.read_store) == {"PathwayOpened": 6}
        assert follower.leading
    finally:
        elsewhere.close()
