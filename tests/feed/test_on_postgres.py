"""The feed on PostgreSQL: the same envelopes, a stream that hears another replica's saves by
polling, and an outage answered 503 (pages) or ridden out (an open stream), for real."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from projections.log import OrderedLog
from services.composition import Container, bootstrap
from services.demo import seed_demo
from services.http import create_app
from services.settings import load_settings
from tests.feed.support import Sse, measure, open_pathway, served
from tests.http.support import PLATFORM

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
TIMEOUT = 2.0
"""CAREPATH_DATABASE_TIMEOUT_SECONDS here: a 503 comes within it."""


def _container(dsn: str, data_dir: Path) -> Container:
    return bootstrap(load_settings(database_url=dsn, data_dir=data_dir,
                                   database_timeout_seconds=TIMEOUT, lock_timeout_seconds=2,
                                   conflict_wait_seconds=0.5))


@pytest.fixture
def replicas(fresh_postgres_dsn: str, tmp_path: Path) -> Iterator[tuple[Container, Container]]:
    """Two service processes' containers on one database (two replicas)."""
    first = _container(fresh_postgres_dsn, tmp_path / "one")
    second = _container(fresh_postgres_dsn, tmp_path / "two")
    yield first, second
    second.close()
    first.close()


def test_paging_on_postgresql_serves_every_event_as_the_relay_envelopes_it(
        replicas: tuple[Container, Container]) -> None:
    writer, reader = replicas
    seed_demo(writer.pathways, count=3)
    stored = OrderedLog(reader.pathways).read(0, 10_000)

    with TestClient(create_app(reader), headers=PLATFORM) as client:
        served_events, after = [], 0
        while True:
            page = client.get("/events", params={"after": after, "limit": 40}).json()
            if not page["events"]:
                break
            served_events.extend(page["events"])
            after = page["next_after"]

    assert served_events == [reader.envelopes.envelope(item) for item in stored]


def test_a_stream_hears_a_save_of_another_replica_by_polling(
        replicas: tuple[Container, Container]) -> None:
    streaming, writing = replicas
    with served(streaming) as url, \
            httpx.Client(base_url=url, timeout=10, headers=PLATFORM) as client, \
            TestClient(create_app(writing), headers=PLATFORM) as other:
        pathway = open_pathway(other, "open")
        with client.stream("GET", "/events/stream") as response:
            sse = Sse(response).count(1)
            measure(other, pathway, "m-1")  # saved by the other replica: nothing wakes us
            sse.count(2, timeout=5)

    assert [event_id for event_id, _ in sse.events] == [1, 2]


def _recorded_once_back(client: httpx.Client, pathway: str, seconds: float = 10.0) -> None:
    """A measure, retried with its key until the store is back (the service recovers)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            measure(client, pathway, "once-back")
        except AssertionError:
            assert time.monotonic() < deadline, "no recovery"
            time.sleep(0.2)
        else:
            return


def _set_connections(dsn: str, allowed: bool) -> None:
    name = dsn.rsplit("/", 1)[1]
    admin = dsn.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(
            sql.Identifier(name), sql.SQL("true" if allowed else "false")))
        if not allowed:
            connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                               " WHERE datname = %s", (name,))


def test_an_outage_answers_503_to_pages_and_an_open_stream_resumes_without_a_gap(
        fresh_postgres_dsn: str, tmp_path: Path) -> None:
    database = fresh_postgres_dsn
    container = _container(database, tmp_path / "data")
    try:
        with served(container) as url, \
                httpx.Client(base_url=url, timeout=30, headers=PLATFORM) as client:
            pathway = open_pathway(client, "open")
            with client.stream("GET", "/events/stream") as response:
                sse = Sse(response).count(1)
                _set_connections(database, allowed=False)
                try:
                    started = time.monotonic()
                    page = client.get("/events")
                    answered = time.monotonic() - started
                    refused = client.get("/events/stream")
                    sse.read_until(lambda s: any("unavailable" in c for c in s.comments))
                finally:
                    _set_connections(database, allowed=True)
                _recorded_once_back(client, pathway)
                measure(client, pathway, "after-2")
                sse.count(3, timeout=15)
    finally:
        container.close()

    assert page.status_code == 503
    assert page.headers["content-type"] == "application/problem+json"
    assert int(page.headers["retry-after"]) >= 1
    assert answered < TIMEOUT + 1.0, f"a 503 within the timeout, not a hang ({answered:.1f} s)"
    assert refused.status_code == 503
    assert [event_id for event_id, _ in sse.events] == [1, 2, 3]
    assert [e["aggregateversion"] for _, e in sse.events] == [1, 2, 3]
