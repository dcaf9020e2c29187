"""Rebuilding every read model with several processes builds the rows one process builds; a
process killed mid-rebuild is started again and resumes its generations at their last batch;
one that keeps dying stops the rebuild, and the next rebuild resumes it."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from projections.live import live_generation
from projections.log import OrderedLog
from projections.rebuild import plan_of
from projections.rebuild_all import AllProgress
from projections.registry import all_projections
from projections.tracking import tracked
from services.demo.bulk import seed_bulk
from services.rebuild_worker import rebuild_in_processes
from tests.projections.support import (
    Known,
    caught_up,
    known_caseload,
    rebuilt_as_caught_up_alone,
)

pytestmark = pytest.mark.slow


DEMO_PATHWAYS = 40
"""Beside the known caseload, so that a process has hundreds of batches left when killed."""


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def known(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Known]:
    for known in known_caseload(request, tmp_path_factory):
        seed_bulk(known.container.pathways, count=DEMO_PATHWAYS)
        yield known


@pytest.fixture
def alone(known: Known) -> Known:
    """Generation 1 of every read model, each caught up alone: what a rebuild must equal."""
    for projection in all_projections():
        caught_up(known, projection)
    return known


class _Killer:
    """Kills the first process to report a position past 0 (before it reaches the head)."""

    def __init__(self) -> None:
        self.killed: int | None = None
        self.seen: list[AllProgress] = []

    def __call__(self, done: AllProgress) -> None:
        self.seen.append(done)
        if self.killed is None:
            for pid, position in done.processes:
                if 0 < position < done.head:
                    self.killed = pid
                    os.kill(pid, signal.SIGKILL)
                    return


def test_two_processes_build_the_rows_one_process_builds(alone: Known) -> None:
    seen: list[AllProgress] = []
    applied = rebuild_in_processes(alone.container, all_projections(), processes=2, batch=7,
                                   progress=seen.append)
    head = OrderedLog(alone.container.pathways).head()
    assert applied == head
    assert {len(done.processes) for done in seen} == {2}
    assert all(position == head for _, position in seen[-1].processes)
    assert seen[-1].position == head
    rebuilt_as_caught_up_alone(alone, all_projections())


def _newest(known: Known, name: str) -> int:
    with known.store.reading() as tx:
        return max(row.generation for row in tracked(tx, name))


def test_a_killed_process_is_started_again_and_resumes_its_generations(alone: Known) -> None:
    projections = all_projections()
    newest = {p.name: _newest(alone, p.name) for p in projections}
    killer = _Killer()
    rebuild_in_processes(alone.container, projections, processes=2, batch=3, progress=killer)
    assert killer.killed is not None
    assert killer.killed not in dict(killer.seen[-1].processes)  # a new one took its place
    for projection in projections:  # the generations begun at the start, none begun again
        assert live_generation(alone.store, projection.name, fresh=True) == (
            newest[projection.name] + 1)
        assert _newest(alone, projection.name) == newest[projection.name] + 1
    rebuilt_as_caught_up_alone(alone, all_projections())  # and nothing applied twice


def test_a_process_that_keeps_dying_stops_the_rebuild_and_the_next_one_resumes_it(
        alone: Known) -> None:
    projections = all_projections()
    head = OrderedLog(alone.container.pathways).head()
    killer = _Killer()
    with pytest.raises(RuntimeError, match="ended early"):
        rebuild_in_processes(alone.container, projections, processes=2, batch=3,
                             progress=killer, restarts=0)
    stopped = {p.name: plan_of(alone.store, p).building for p in projections}
    halfway = {name: row for name, row in stopped.items() if row is not None}
    assert halfway, "the killed process's read models are still being built"
    assert all(0 < row.position < head for row in halfway.values())
    assert len(halfway) < len(projections), "the other process's read models went live"
    rebuild_in_processes(alone.container, projections, processes=2, batch=3)
    for name, row in halfway.items():
        assert live_generation(alone.store, name, fresh=True) == row.generation  # resumed
    rebuilt_as_caught_up_alone(alone, all_projections())
