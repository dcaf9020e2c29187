"""Every save extends the tree in its own transaction, whoever writes and however many
aggregates a save holds; a store from before is adopted; sealing keeps up and never signs a
head that contradicts its latest checkpoint."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.application import Pathways
from services.composition import bootstrap
from services.demo.bulk import decide_demo
from services.demo.seed import seed_demo
from services.integrity.sealer import SealRefused
from services.settings import Settings, load_settings
from services.store.environment import eventsourcing_env
from tests.integrity.support import Attacker


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        return load_settings(data_dir=tmp_path)
    return load_settings(database_url=request.getfixturevalue("fresh_postgres_dsn"),
                         data_dir=tmp_path)


def test_several_aggregates_saved_together_are_all_in_the_tree(settings: Settings) -> None:
    container = bootstrap(settings)
    try:
        pathways = list(decide_demo(range(3), seed=7, now=datetime.now(UTC)))
        container.pathways.save(*pathways)
        result = container.integrity.verify()
        assert result.ok, result.finding
        assert result.events == result.tree_size == sum(p.version for p in pathways)
        for pathway in pathways:
            assert container.integrity.verify(pathway.id).events == pathway.version
    finally:
        container.close()


def test_two_replicas_writing_at_once_keep_one_consistent_tree_verified_meanwhile(
        settings: Settings) -> None:
    replicas = [bootstrap(settings), bootstrap(settings)]
    results: list[bool] = []
    stop = threading.Event()

    def check() -> None:
        while not stop.is_set():
            results.append(replicas[0].integrity.verify().ok)

    checker = threading.Thread(target=check)
    writers = [threading.Thread(target=seed_demo, args=(replica.pathways,),
                                kwargs={"count": 4, "seed": 7 + n})
               for n, replica in enumerate(replicas)]
    try:
        checker.start()
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        stop.set()
        checker.join()
        final = replicas[1].integrity.verify()
        assert final.ok, final.finding
        assert final.events == final.tree_size > 50
        assert results
        assert all(results)
    finally:
        stop.set()
        for replica in replicas:
            replica.close()


def test_a_store_from_before_tamper_evidence_is_adopted_once(
        settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    env = eventsourcing_env(settings, Pathways.name)
    if settings.database_url is None:
        env["APPLICATION_RECORDER_TOPIC"] = "services.store.availability:AvailableSQLiteRecorder"
    else:
        env["PERSISTENCE_MODULE"] = "services.store.postgres:BoundedPostgresFactory"
    before = Pathways(env=env)
    try:
        pathways = list(decide_demo(range(2), seed=7, now=datetime.now(UTC)))
        before.save(*pathways)
    finally:
        before.close()
    events = sum(p.version for p in pathways)
    with caplog.at_level(logging.WARNING, logger="carepath.integrity"):
        container = bootstrap(settings)
    try:
        assert f"{events} events stored before it existed" in caplog.text
        result = container.integrity.verify()
        assert result.ok, result.finding
        assert result.tree_size == events
    finally:
        container.close()


def test_the_service_seals_every_interval_while_it_runs(settings: Settings) -> None:
    container = bootstrap(settings.model_copy(update={"checkpoint_interval_seconds": 0.2}))
    try:
        container.integrity.start_sealing()
        seed_demo(container.pathways, count=1, seed=7)
        deadline = time.monotonic() + 10
        head = container.integrity.store.head()
        while (head.checkpoint is None or head.checkpoint.size < head.size) \
                and time.monotonic() < deadline:
            time.sleep(0.1)
            head = container.integrity.store.head()
        assert head.checkpoint is not None
        assert head.checkpoint.size == head.size
    finally:
        container.close()


def test_the_sealer_refuses_a_tree_that_lost_its_newest_events(attacker: Attacker) -> None:
    attacker.drop_newest(1)
    with pytest.raises(SealRefused, match="events were removed"):
        attacker.container.integrity.seal()


def test_the_sealer_refuses_a_tree_rewritten_under_its_checkpoint(attacker: Attacker) -> None:
    position, *_, state = attacker.rows()[3]
    with attacker.sql() as sql:
        sql.run(f"UPDATE {attacker.tables.events} SET state = ? WHERE {attacker.position} = ?",
                (state + b" ", position))
    attacker.rebuild_tree()
    with pytest.raises(SealRefused, match="no longer match the latest checkpoint"):
        attacker.container.integrity.seal()
