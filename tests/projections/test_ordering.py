"""A deliberately slow writer on PostgreSQL: no reader of the log skips one of its events.

One save holds its transaction open (after inserting, before committing) while other saves
arrive (``slow_writer``). eventsourcing's table lock makes them wait, so they take later
positions and commit after it. Each reader of the log keeps reading meanwhile (the lock blocks
writers, not readers) and must end up having seen every stored position exactly once, in
order: the projection follower, the HTTP feed paged by a client, and the relay on NATS.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from projections.follower import FollowerOptions
from projections.log import LoggedEvent, OrderedLog
from projections.store import Tx
from services.broker.relay import RelayOptions
from services.composition import Container, broker_runtime
from services.http import create_app
from tests.broker.consumers import nats_all, nats_forget
from tests.broker.support import NATS_URL, expected_ids, new_names, reachable, relayed, run
from tests.http.support import PLATFORM
from tests.projections.slow_writer import BEFORE, SAVES, slow_writer

pytestmark = pytest.mark.postgres


class SeenPositions:
    """One row per position the follower applied; a position applied twice fails its key."""

    name = "seen"
    version = 1
    tables = {"seen": "CREATE TABLE IF NOT EXISTS {seen} (position BIGINT PRIMARY KEY)"}  # noqa: RUF012

    def apply(self, batch: Sequence[LoggedEvent], tx: Tx) -> None:
        tx.executemany("INSERT INTO {seen} (position) VALUES (:position)",
                       [{"position": e.position} for e in batch])


def stored_positions(container: Container) -> list[int]:
    return [event.position for event in OrderedLog(container.pathways).read(0, 1_000)]


def test_the_follower_applies_every_event_of_a_slow_writer_once(
        fresh_postgres_dsn: str, tmp_path: Path) -> None:
    with slow_writer(fresh_postgres_dsn, tmp_path) as writers:
        main = writers.main
        workers = main.start_projections([SeenPositions()], FollowerOptions(poll_seconds=0.02))
        log = OrderedLog(main.pathways)
        reads = writers.run(lambda: log.read(0, 100))
        assert workers.wait_for("seen", log.head(), 10.0)
        with main.read_store.reading() as tx:
            seen = [int(r[0]) for r in tx.with_tables({"seen": "rm_seen_g1_seen"}).all(
                "SELECT position FROM {seen} ORDER BY position")]
        stored = stored_positions(main)
    assert max(reads) < 0.5, "readers are not blocked by the slow transaction"
    assert len(stored) == SAVES
    assert seen == stored


class FeedReader:
    """A platform client paging ``GET /events`` from where it stopped, two events a page."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.after = 0
        self.positions: list[int] = []

    def next_page(self) -> int:
        answer = self.client.get("/events", params={"after": self.after, "limit": 2})
        assert answer.status_code == 200, answer.text
        page: dict[str, Any] = answer.json()
        self.positions.extend(event["position"] for event in page["events"])
        self.after = page["next_after"]
        return len(page["events"])


def test_the_http_feed_pages_every_event_of_a_slow_writer_once_in_order(
        fresh_postgres_dsn: str, tmp_path: Path) -> None:
    with slow_writer(fresh_postgres_dsn, tmp_path) as writers, \
            TestClient(create_app(writers.main), headers=PLATFORM) as client:
        reader = FeedReader(client)
        reads = writers.run(reader.next_page)
        while reader.next_page():  # the rest, once the writers are done
            pass
        stored = stored_positions(writers.main)
    assert len(reads) >= 10, "the client paged while the slow save was open"
    assert len(stored) == SAVES
    assert reader.positions == stored


def test_the_relay_publishes_every_event_of_a_slow_writer_once_in_order(
        fresh_postgres_dsn: str, tmp_path: Path) -> None:
    reachable(NATS_URL)
    names = new_names()
    with slow_writer(fresh_postgres_dsn, tmp_path, broker_url=NATS_URL,
                     broker_prefix=names.prefix) as writers:

        acknowledged: list[int | None] = []

        async def scenario() -> None:
            runtime = broker_runtime(writers.main, relay=True, commands=False,
                                     options=RelayOptions(poll_seconds=0.02))
            await runtime.start()
            await runtime.connected.wait()
            log = OrderedLog(writers.main.pathways)
            try:
                await asyncio.to_thread(writers.run, lambda: acknowledged.append(
                    runtime.status(writers.main.read_store, log).position))
                await relayed(runtime, writers.main)
            finally:
                await runtime.stop()

        try:
            run(scenario())
            expected = expected_ids(writers.main)
            received = run(nats_all(NATS_URL, names))
        finally:
            run(nats_forget(NATS_URL, names))
    assert BEFORE in acknowledged, "the relay published while the slow save was open"
    assert len(expected) == SAVES
    assert [orjson.loads(message.body)["id"] for message in received] == expected
