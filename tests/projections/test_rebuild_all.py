"""Rebuilding every read model in one pass over the log gives the rows that catching each up
alone gives, makes every new generation live at the head, and counts each event once; a
generation is filled without its secondary indexes and has every one when it goes live."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from uuid import UUID

import pytest

from projections import rows
from projections.catch_up import tables_of
from projections.live import live_generation
from projections.log import LoggedEvent, OrderedLog
from projections.pathways import fold
from projections.projection import Projection
from projections.rebuild import plan_of
from projections.rebuild_all import rebuild_all
from projections.rebuild_indexes import secondary_indexes
from projections.registry import all_projections
from projections.store import TABLE_PREFIX, Tx
from projections.tracking import tracked
from tests.projections.support import (
    Known,
    caught_up,
    known_caseload,
    rebuilt_as_caught_up_alone,
    table_rows,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def known(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Known]:
    yield from known_caseload(request, tmp_path_factory)


def test_one_pass_rebuild_matches_each_projection_caught_up_alone(known: Known) -> None:
    projections = all_projections()
    for projection in projections:
        caught_up(known, projection)  # generation 1: each alone
    timings: dict[str, float] = {}
    seen: list[int] = []
    applied = rebuild_all(known.store, known.log, projections, batch=13, timings=timings,
                          progress=lambda p: seen.append(p.applied))
    head = OrderedLog(known.container.pathways).head()
    assert applied == head
    assert seen[-1] == head
    assert {"read", "decode", "write"} <= timings.keys()
    for projection in projections:
        assert live_generation(known.store, projection.name, fresh=True) == 2
        with known.store.reading() as tx:
            rows = {r.generation: r for r in tracked(tx, projection.name)}
        assert rows[2].position == head
        assert table_rows(known, projection, 2) == table_rows(known, projection, 1), (
            projection.name)


def test_a_rebuild_that_keeps_few_rows_in_memory_reads_the_rest_back_and_builds_the_same(
        known: Known, monkeypatch: pytest.MonkeyPatch) -> None:
    projections = all_projections()
    for projection in projections:
        caught_up(known, projection)
    monkeypatch.setattr(fold, "KEPT_TRACKS", 2)
    monkeypatch.setattr(rows, "KEPT_ROWS", 2)
    rebuild_all(known.store, known.log, projections, batch=7)
    rebuilt_as_caught_up_alone(known, projections)


class _CrashingOnce:
    """A projection that fails in its ``calls``-th batch, as a killed process would stop."""

    def __init__(self, inner: Projection, calls: int) -> None:
        self.inner, self.calls = inner, calls
        self.name, self.version, self.tables = inner.name, inner.version, inner.tables
        self.handles = getattr(inner, "handles", None)

    def apply(self, batch: Sequence[LoggedEvent], tx: Tx) -> None:
        self.calls -= 1
        if self.calls == 0:
            msg = "killed mid-rebuild"
            raise RuntimeError(msg)
        self.inner.apply(batch, tx)


def test_a_rebuild_stopped_mid_batch_resumes_at_its_last_batch_and_counts_each_event_once(
        known: Known) -> None:
    projections = all_projections()
    for projection in projections:
        caught_up(known, projection)
    crashing = [_CrashingOnce(projections[0], calls=3), *projections[1:]]  # in its 3rd batch
    with pytest.raises(RuntimeError, match="killed mid-rebuild"):
        rebuild_all(known.store, known.log, crashing, batch=5)
    stopped = {p.name: plan_of(known.store, p).building for p in projections}
    assert all(row is not None and row.position == 10 for row in stopped.values())
    for projection in projections:  # filled without their secondary indexes so far
        row = stopped[projection.name]
        assert row is not None
        assert _indexes(known, projection, row.generation) == set()
    head = OrderedLog(known.container.pathways).head()
    assert rebuild_all(known.store, known.log, all_projections(), batch=5) == head - 10
    for projection in projections:
        row = stopped[projection.name]
        assert row is not None
        generation = row.generation
        assert live_generation(known.store, projection.name, fresh=True) == generation
        assert table_rows(known, projection, generation) == table_rows(known, projection, 1), (
            projection.name)
        assert _indexes(known, projection, generation) == _indexes(known, projection, 1) != set()


def _indexes(known: Known, projection: Projection, generation: int) -> set[str]:
    """The secondary indexes a generation's tables have (by name, generation left out)."""
    tables = tables_of(projection, generation)
    names = {name.format_map(tables) for name, _ in secondary_indexes(projection)}
    with known.store.reading() as tx:
        if tx.dialect == "postgresql":
            found = {str(r[0]) for r in tx.all("SELECT indexname FROM pg_indexes WHERE"
                                               " schemaname = current_schema()")}
        else:
            found = {str(r[0]) for r in tx.all("SELECT name FROM sqlite_master"
                                               " WHERE type = 'index'")}
    prefix = f"{TABLE_PREFIX}{projection.name}_g{generation}_"
    return {name.removeprefix(prefix) for name in names & found}


def test_a_rebuild_reads_the_log_as_plain_tuples_with_the_ids_as_text(known: Known) -> None:
    rows = known.log.read_rows(0, 3)
    assert [row[0] for row in rows] == [1, 2, 3]
    assert all(type(row) is tuple and isinstance(row[1], str) and isinstance(row[4], bytes)
               for row in rows)
    events = known.log.decode_rows(rows)
    assert [str(e.pathway_id) for e in events] == [str(UUID(row[1])) for row in rows]
