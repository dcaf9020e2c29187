"""Blue/green rebuilds: a new generation is built beside the live one while commands keep
arriving, readers never see an empty or half-built read model, and the old tables go.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from projections.catch_up import catch_up
from projections.follower import FollowerOptions
from projections.live import live_generation, live_tables
from projections.log import OrderedLog
from projections.rebuild import begin_rebuild
from projections.tracking import tracked
from services.composition import Container, bootstrap
from services.settings import load_settings
from tests.projections.counting import CountByType, counts, expected_counts, open_pathways
from tests.projections.test_follower import until


@pytest.fixture
def container(tmp_path: Path, store_dsn: str | None) -> Iterator[Container]:
    built = bootstrap(load_settings(data_dir=tmp_path, database_url=store_dsn))
    open_pathways(built.pathways, 60, "seeded")
    catch_up(built.read_store, OrderedLog(built.pathways), CountByType())  # v1, live
    yield built
    built.close()


def generations(container: Container) -> list[tuple[int, int, bool]]:
    with container.read_store.reading() as tx:
        return [(r.generation, r.version, r.live) for r in tracked(tx, "counts")]


def read_total(container: Container, projection: CountByType) -> tuple[int, int]:
    """What a dashboard reads: the live generation's total, and which generation it was."""
    tables = live_tables(container.read_store, projection)
    with container.read_store.reading() as tx:
        total = tx.with_tables(tables).scalar("SELECT COALESCE(SUM(n), 0) FROM {counts}")
    return int(total), int(tables["counts"].split("_g")[1].split("_")[0])


def test_a_new_version_is_built_beside_the_live_one_while_commands_arrive(
        container: Container) -> None:
    projection = CountByType(version=2, delay=0.02)  # slow enough to read during the build
    stop = threading.Event()
    seen: list[tuple[int, int]] = []
    failures: list[BaseException] = []

    def write() -> None:
        n = 0
        while not stop.is_set():  # a busy clinic, slower than the rebuild can read
            open_pathways(container.pathways, 1, f"during-{n}")
            n += 1
            stop.wait(0.01)

    def read() -> None:
        try:
            while not stop.is_set():
                seen.append(read_total(container, projection))
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failures.append(error)

    threads = [threading.Thread(target=write), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    try:
        container.start_projections([projection], FollowerOptions(
            poll_seconds=0.05, batch=10, retired_grace_seconds=0.3))
        assert until(lambda: live_generation(container.read_store, "counts", fresh=True) == 2,
                     30.0)
        assert until(lambda: len(seen) > 0 and seen[-1][1] == 2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
    assert not failures
    totals = [total for total, _ in seen]
    assert min(totals) >= 60  # never empty, never half-built
    assert totals == sorted(totals)  # never back in time across the switch
    assert {generation for _, generation in seen} == {1, 2}
    log = OrderedLog(container.pathways)
    assert container.wait_for("counts", log.head(), 10.0)
    assert counts(container.read_store, generation=2) == expected_counts(log)
    assert until(lambda: generations(container) == [(2, 2, True)])  # the old tables dropped


def test_a_requested_rebuild_of_the_same_version_takes_over_when_caught_up(
        container: Container) -> None:
    projection = CountByType()
    workers = container.start_projections([projection], FollowerOptions(
        poll_seconds=0.05, retired_grace_seconds=0.2))
    assert begin_rebuild(container.read_store, projection) == 2
    open_pathways(container.pathways, 5, "after")
    assert until(lambda: generations(container) == [(2, 1, True)])
    log = OrderedLog(container.pathways)
    assert workers.wait_for("counts", log.head(), 10.0)
    assert counts(container.read_store, generation=2) == expected_counts(log)
    assert expected_counts(log) == {"PathwayOpened": 65}


def test_an_older_worker_stands_by_beside_a_newer_version(container: Container) -> None:
    newer = CountByType(version=3)
    begin_rebuild(container.read_store, newer)
    container.start_projections([CountByType(version=1)], FollowerOptions(poll_seconds=0.05))
    open_pathways(container.pathways, 2, "rolling")
    assert until(lambda: container.workers is not None
                 and container.workers.followers["counts"].leading)
    assert generations(container) == [(1, 1, True), (2, 3, False)]  # neither touched
