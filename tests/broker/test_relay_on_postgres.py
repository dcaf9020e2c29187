"""On PostgreSQL two relays share one store: one leads by the advisory lock and publishes,
the other waits; when the leader stops, the other takes over where it was acknowledged and
publishes what another application saved (woken by the store's NOTIFY, or its poll)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest

from projections.log import OrderedLog
from services.composition import Container, bootstrap, broker_runtime
from services.demo.seed import seed_demo
from services.settings import load_settings
from tests.broker.consumers import nats_all, nats_forget
from tests.broker.support import NATS_URL, expected_ids, new_names, reachable, relayed, run

pytestmark = pytest.mark.postgres


def test_a_second_relay_waits_on_the_lock_and_takes_over_where_the_first_stopped(
        fresh_postgres_dsn: str, tmp_path: Path) -> None:
    reachable(NATS_URL)
    names = new_names()

    def container(name: str) -> Container:
        return bootstrap(load_settings(database_url=fresh_postgres_dsn,
                                       data_dir=tmp_path / name, broker_url=NATS_URL,
                                       broker_prefix=names.prefix))

    writer, first_host, second_host = container("writer"), container("a"), container("b")

    async def scenario() -> tuple[str | None, str | None]:
        first = broker_runtime(first_host, relay=True, commands=False)
        second = broker_runtime(second_host, relay=True, commands=False)
        await first.start()
        await first.connected.wait()
        await asyncio.sleep(0.5)  # the first takes the lock
        await second.start()
        await asyncio.to_thread(seed_demo, writer.pathways, count=6, seed=3)
        await relayed(first, writer)
        leader = first.status(writer.read_store, OrderedLog(writer.pathways)).worker
        assert first.relay is not None
        assert second.relay is not None
        assert first.relay.leading
        assert not second.relay.leading
        await first.stop()
        await asyncio.to_thread(seed_demo, writer.pathways, count=12, seed=3)  # 6 more
        await relayed(second, writer)  # nothing was saved through its own application
        taker = second.status(writer.read_store, OrderedLog(writer.pathways)).worker
        await second.stop()
        return leader, taker

    try:
        leader, taker = run(scenario())
        expected = expected_ids(writer)
        received = run(nats_all(NATS_URL, names))
    finally:
        run(nats_forget(NATS_URL, names))
        for each in (writer, first_host, second_host):
            each.close()
    assert leader is not None
    assert taker is not None
    assert [orjson.loads(message.body)["id"] for message in received] == expected
