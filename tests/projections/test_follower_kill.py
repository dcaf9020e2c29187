"""Exactly once across kill -9: a follower process killed between writing a batch's rows and
committing them, and mid-rebuild, leaves counts that a restart completes exactly.

The follower runs in a process of its own (``follower_child.py``) with ``CountByType``, which
writes a batch's rows and then, told by the environment, pauses before the commit; the test
kills it there. A follower in the test process waits meanwhile and takes over when it dies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from projections.catch_up import catch_up, position_of
from projections.follower import FollowerOptions
from projections.log import OrderedLog
from projections.tracking import tracked
from services.composition import Container, bootstrap, projection_workers
from services.settings import load_settings
from tests.projections.counting import (
    PAUSE_AT,
    PAUSE_FILE,
    CountByType,
    counts,
    expected_counts,
    open_pathways,
)
from tests.projections.test_follower import until

CHILD = Path(__file__).with_name("follower_child.py")
BATCH = 5


@pytest.fixture
def container(tmp_path: Path, store_dsn: str | None) -> Iterator[Container]:
    built = bootstrap(load_settings(data_dir=tmp_path, database_url=store_dsn))
    open_pathways(built.pathways, 40, "seeded")
    yield built
    built.close()


def child(container: Container, version: int, pause_at: int, pause_file: Path
          ) -> subprocess.Popen[bytes]:
    dsn = container.settings.database_url
    env = {**os.environ, PAUSE_FILE: str(pause_file), PAUSE_AT: str(pause_at)}
    return subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(CHILD), str(container.settings.data_dir),
         "-" if dsn is None else dsn.get_secret_value(), str(version), str(BATCH)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill_when_paused(process: subprocess.Popen[bytes], pause_file: Path) -> None:
    try:
        assert until(pause_file.exists, 30.0), "the child never reached its pause"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)


def fold_up_to(log: OrderedLog, position: int) -> dict[str, int]:
    found: dict[str, int] = {}
    for logged in log.read(0, position):
        found[logged.type] = found.get(logged.type, 0) + 1
    return found


def test_a_follower_killed_before_its_commit_counts_nothing_twice(
        container: Container, tmp_path: Path) -> None:
    log = OrderedLog(container.pathways)
    pause_file = tmp_path / "paused"
    process = child(container, 1, 22, pause_file)
    kill_when_paused(process, pause_file)
    with container.read_store.reading() as tx:
        committed = position_of(tx, "counts", 1)
    assert committed == 20  # four whole batches; the fifth's rows died uncommitted
    assert counts(container.read_store) == fold_up_to(log, 20)
    restarted = projection_workers(container, [CountByType()], FollowerOptions(poll_seconds=0.1))
    restarted.start()  # takes over: the dead process's lock went with it
    try:
        assert restarted.wait_for("counts", log.head(), 20.0)
        assert counts(container.read_store) == expected_counts(log) == {"PathwayOpened": 40}
    finally:
        restarted.stop()


def test_a_rebuild_killed_midway_resumes_from_its_checkpoint(
        container: Container, tmp_path: Path) -> None:
    log = OrderedLog(container.pathways)
    catch_up(container.read_store, log, CountByType())  # generation 1, version 1, live
    pause_file = tmp_path / "paused"
    process = child(container, 2, 17, pause_file)
    kill_when_paused(process, pause_file)
    with container.read_store.reading() as tx:
        rows = {row.generation: row for row in tracked(tx, "counts")}
    assert rows[1].live
    assert not rows[2].live
    assert rows[2].position == 15
    assert rows[2].version == 2
    assert counts(container.read_store, generation=2) == fold_up_to(log, 15)
    open_pathways(container.pathways, 3, "meanwhile")
    resumed = projection_workers(container, [CountByType(version=2)], FollowerOptions(
        poll_seconds=0.1, batch=BATCH, retired_grace_seconds=0.2))
    resumed.start()
    try:
        assert resumed.wait_for("counts", log.head(), 20.0)

        def generations() -> list[int]:
            with container.read_store.reading() as tx:
                return [row.generation for row in tracked(tx, "counts")]

        assert until(lambda: generations() == [2])  # built on, not restarted; old dropped
        assert counts(container.read_store, generation=2) == expected_counts(log)
        assert expected_counts(log) == {"PathwayOpened": 43}
    finally:
        resumed.stop()
