"""The large demo (``--demo-size``): decided by the aggregate in memory, saved in batches.

It must store exactly what seeding command by command stores (same ids, events, idempotency
records), resume either way, and leave the dashboard's read models built on start.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from projections.live import live_generation
from projections.log import OrderedLog
from projections.registry import all_projections
from projections.status import projection_status
from services import cli
from services.cli.serve import build_read_models
from services.composition import Container, bootstrap
from services.demo import seed_demo
from services.demo.bulk import seed_bulk
from services.settings import load_settings

NOW = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
SIZE = 30


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Any]:
    made: list[Container] = []

    def container(name: str) -> Container:
        made.append(bootstrap(load_settings(data_dir=tmp_path / name), clock=lambda: NOW))
        return made[-1]

    yield container
    for each in made:
        each.close()


def stored(container: Container) -> list[tuple[Any, ...]]:
    rows = container.pathways.recorder.select_notifications(start=None, limit=10**6)
    return sorted((str(r.originator_id), r.originator_version, r.topic, r.state) for r in rows)


def test_batched_seeding_stores_what_command_by_command_seeding_stores(make: Any) -> None:
    one_by_one, batched = make("commands"), make("batched")
    by_command = seed_demo(one_by_one.pathways, count=SIZE)
    by_batch = seed_bulk(batched.pathways, count=SIZE, batch=7)
    assert by_batch.pathway_ids == by_command.pathway_ids
    assert by_batch.events_recorded == by_command.events_recorded
    assert stored(batched) == stored(one_by_one)
    assert by_batch.render().splitlines()[1:] == by_command.render().splitlines()[1:]


def test_batched_seeding_resumes_and_then_records_nothing(make: Any) -> None:
    container = make("resumed")
    first = seed_demo(container.pathways, count=10)
    resumed = seed_bulk(container.pathways, count=SIZE)
    assert resumed.events_recorded == len(stored(container)) - first.events_recorded
    again = seed_bulk(container.pathways, count=SIZE)
    assert again.events_recorded == 0
    assert again.replayed == again.commands
    replayed = seed_demo(container.pathways, count=SIZE)  # the command path agrees with it
    assert replayed.events_recorded == 0


def test_the_read_models_are_built_in_one_pass_after_a_large_demo(make: Any) -> None:
    container = make("dashboard")
    seed_bulk(container.pathways, count=SIZE)
    build_read_models(container)
    head = OrderedLog(container.pathways).head()
    for row in projection_status(container.read_store, OrderedLog(container.pathways),
                                 all_projections()):
        assert (row.live_generation, row.position, row.lag_events) == (1, head, 0), row.name
    build_read_models(container)  # built already: left to the workers
    assert live_generation(container.read_store, "pathways", fresh=True) == 1


def test_demo_size_seeds_in_batches_with_progress(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    size = cli.demo.BULK_FROM + 1
    assert cli.main(["demo", "--demo-size", str(size), "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "decided in memory and saved in batches" in out
    assert f"demo: {size}/{size} pathways" in out
    assert f"demo caseload: {size} pathways" in out
